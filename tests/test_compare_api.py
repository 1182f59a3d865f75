"""POST /api/compare: one per-report question asked of every report, one row per report."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ui.app import create_app


@pytest.fixture(scope="module")
def client(demo_service):
    with TestClient(create_app(demo_service), base_url="http://127.0.0.1:7860") as c:
        yield c


def test_compare_any_per_report_question(client):
    r = client.post("/api/compare", json={"question": "信息公开的联系电话是多少？"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sub_question"] == "信息公开的联系电话是多少？" and len(body["rows"]) == 10
    row = next(x for x in body["rows"] if x["doc"] == "demo02_dongjiang_zhiye.txt")
    assert row["value"] == "0571-82345678" and row["status"] == "match"
    assert "0571-82345678" in row["citation"]["quote"]
    for x in body["rows"]:
        assert (x["status"] == "silent") == (x["citation"] is None) == (x["answer"] == "未说明")


def test_compare_a_list_question_uses_its_sub_question_and_predicate(client):
    r = client.post("/api/compare", json={"question": "哪些学校没有收到信息公开申请？", "year": "2022-2023"})
    body = r.json()
    assert body["sub_question"] == "收到多少信息公开申请？"
    assert sorted(x["institution"] for x in body["rows"] if x["status"] == "match") == \
        ["东江理工职业学院", "南溪医学高等专科学校", "西陵农业大学"]
    assert all(x["year"] == "2022-2023" for x in body["rows"])


@pytest.mark.parametrize("payload, status, kind", [
    ({"question": ""}, 400, "InvalidQuestion"),
    ({"question": "问" * 2001}, 400, "InvalidQuestion"),
    ({"question": "收到多少项申请？", "institution": "不存在大学"}, 400, "UnknownFilter"),
    ({"question": "收到多少项申请？", "year": "1999"}, 400, "UnknownFilter"),
    ({"question": "哪些学校？"}, 400, "NotPlannable"),
    ({"question": ["not", "a", "string"]}, 422, "InvalidRequest"),
])
def test_compare_errors(client, payload, status, kind):
    r = client.post("/api/compare", json=payload)
    assert r.status_code == status and r.json()["type"] == kind, r.text
