"""No outbound network at run time: loading the model, ingesting and answering open no socket
to a non-loopback address."""
from __future__ import annotations

import ipaddress
import socket

import pytest

from index.embed import SentenceTransformerEmbedder
from qa.service import Service
from index.settings import Settings

from .conftest import DEMO


def _loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_network(monkeypatch):
    attempts: list = []
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(host):
            attempts.append(address)
            raise OSError(f"outbound connection to {address} blocked by test")
        return real_connect(self, address)

    def guarded_getaddrinfo(host, *a, **k):
        if not _loopback(host):
            attempts.append(host)
            raise socket.gaierror(f"lookup of {host} blocked by test")
        return real_getaddrinfo(host, *a, **k)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield attempts
    assert attempts == [], f"outbound network attempted: {attempts}"


@pytest.mark.model
def test_model_ingest_and_answers_stay_offline(tmp_path, no_network):
    embedder = SentenceTransformerEmbedder("m3e-small")
    svc = Service(Settings(index_dir=tmp_path / "ix", model="m3e-small"), embedder)
    svc.ingest([DEMO / "demo01_dongjiang_ligong.txt", DEMO / "demo08_haichuan_jiaotong.html"])
    assert svc.ask("东江理工大学2022-2023学年共收到多少项信息公开申请？").value == "5"
    assert svc.ask("其他学校怎样做信息公开培训？").citations


def test_serving_the_app_and_api_stays_offline(tmp_path, no_network):
    from fastapi.testclient import TestClient

    from index.embed import HashEmbedder
    from ui.app import create_app

    svc = Service(Settings(index_dir=tmp_path / "ix", model="hash"), HashEmbedder())
    svc.ingest([DEMO / "demo01_dongjiang_ligong.txt"])
    with TestClient(create_app(svc), base_url="http://127.0.0.1:7860") as client:  # a served Host
        assert client.get("/").status_code == 200
        r = client.post("/api/ask", json={"question": "东江理工大学2022-2023学年共收到多少项信息公开申请？"})
        assert r.status_code == 200 and r.json()["value"] == "5"
        assert client.get("/api/facts?format=csv").status_code == 200
