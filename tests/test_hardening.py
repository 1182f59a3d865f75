"""Hardening (issue 16): bounded parsing of hostile files, and ingest that never stops on one bad path."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter

from index.embed import HashEmbedder
from index.errors import BinaryFile, CorruptFile, FileTooLarge
from index.readers import ReadLimits, decode_text, html_depth, read_file
from index.settings import Settings
from qa.service import Service

from .conftest import DEMO, fictional_report as report

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 50 * 1024 * 1024
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
      'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')


def docx_bomb(path: Path, paragraphs: int, text: str = "") -> Path:
    """A DOCX whose document.xml repeats a tiny paragraph: a small file, a huge XML tree."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CT)
        with zf.open("word/document.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>'.encode())
            block = ("<w:p><w:r><w:t>" + text + "</w:t></w:r></w:p>").encode() * 10_000
            for _ in range(paragraphs // 10_000):
                out.write(block)
            out.write(b"</w:body></w:document>")
    return path


def peak_rss_mb_reading(path: Path) -> tuple[str, int]:
    """Read ``path`` in a fresh interpreter: (the error or 'ok', peak RSS in MB).

    The peak is VmHWM of /proc/self/status: getrusage's ru_maxrss survives execve, so a child of
    a big pytest process would report the parent's size."""
    code = ("import sys\nfrom pathlib import Path\nfrom index.readers import read_file\n"
            "try:\n    read_file(Path(sys.argv[1]), 50 * 1024 * 1024); out = 'ok'\n"
            "except Exception as exc:\n    out = type(exc).__name__ + ': ' + str(exc)\n"
            "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0]\n"
            "print(out); print(int(hwm.split()[1]) // 1024)\n")
    r = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    msg, rss = r.stdout.strip().rsplit("\n", 1)
    return msg, int(rss)


# -------------------------------------------------------------------- bounded parsing
def test_docx_xml_bomb_is_refused_with_flat_memory(tmp_path):
    # 6 million elements, 198 MB of XML: under the 200 MB zip-bomb limit, so only the XML caps stop it
    p = docx_bomb(tmp_path / "bomb.docx", 6_000_000)
    assert p.stat().st_size < 1024 * 1024
    with zipfile.ZipFile(p) as zf:
        assert zf.getinfo("word/document.xml").file_size < 200 * 1024 * 1024
    msg, rss = peak_rss_mb_reading(p)
    assert msg.startswith("FileTooLarge") and "XML" in msg, msg
    assert rss < 150, rss  # python-docx on this file took gigabytes; the streaming scan stays flat


def test_docx_caps_on_xml_bytes_and_elements(tmp_path):
    dense = docx_bomb(tmp_path / "dense.docx", 20_000)  # 20,000 paragraphs, ~700 KB XML
    with pytest.raises(FileTooLarge, match="more than 10,000 XML elements"):
        read_file(dense, LIMIT, limits=ReadLimits(max_xml_elements=10_000))
    with pytest.raises(FileTooLarge, match="1 MB limit on XML"):
        read_file(docx_bomb(tmp_path / "wide.docx", 10_000, "字" * 100), LIMIT,
                  limits=ReadLimits(max_xml_bytes=1024 * 1024))
    # the real demo DOCX reads under the defaults
    fmt, _, segs = read_file(DEMO / "demo07_yunling_zhiye.docx", LIMIT)
    assert fmt == "docx" and "云岭" in segs[0][1]


def test_html_nesting_depth_is_refused(tmp_path):
    deep = tmp_path / "deep.html"
    deep.write_text("<html><body>" + "<div>" * 5000 + "正文内容" * 20 + "</div>" * 5000 + "</body></html>",
                    encoding="utf-8")
    with pytest.raises(CorruptFile, match="more than 200 deep"):
        read_file(deep, LIMIT)
    # unclosed <p>/<li> and void elements are not nesting
    flat = "<html><body>" + "<p>段落<br><img src=a.png><li>条目" * 3000 + "</body></html>"
    assert html_depth(flat, 200) == 2
    ok = tmp_path / "ok.html"
    ok.write_text("<html><body><div><div><p>" + report("星河理工大学", 3) + "</p></div></div></body></html>",
                  encoding="utf-8")
    assert "星河理工大学" in read_file(ok, LIMIT)[2][0][1]


def test_pdf_page_limit(tmp_path):
    w = PdfWriter()
    for _ in range(5):
        w.add_blank_page(200, 200)
    p = tmp_path / "pages.pdf"
    with open(p, "wb") as f:
        w.write(f)
    with pytest.raises(FileTooLarge, match="5 pages; the limit is 3"):
        read_file(p, LIMIT, limits=ReadLimits(max_pdf_pages=3))


BIG5_TEXT = ("國立青嵐大學一一二學年度資訊公開工作年度報告。本學年共收到資訊公開申請十二項，其中予以公開八項，"
             "不予公開四項。學校持續完善資訊公開制度，辦理相關教育訓練。") * 3


def test_big5_is_decoded_not_gb18030_mojibake():
    raw = BIG5_TEXT.encode("big5")
    raw.decode("gb18030")  # decodes without error: the old path reported this mojibake as ok
    assert decode_text(raw) == BIG5_TEXT
    # GBK text keeps decoding as GB18030
    gbk = report("青岚师范学院", 2)
    assert decode_text(gbk.encode("gbk")) == gbk


def test_undecodable_bytes_are_refused_not_mojibake():
    # bytes valid in GB18030 (rare GBK-extension characters), invalid in UTF-8 and in Big5
    junk = bytes([0x81, 0x40, 0x82, 0x41, 0x83, 0x42, 0x84, 0x43]) * 40
    junk.decode("gb18030")
    with pytest.raises(BinaryFile, match="undecodable"):
        decode_text(junk)


# ------------------------------------------------------------- ingest never stops on one bad path
def test_ingest_reports_each_bad_path_and_ingests_the_rest(tmp_path, monkeypatch):
    src = tmp_path / "reports"
    (src / "sub").mkdir(parents=True)
    (src / "a_good.txt").write_text(report("星河理工大学", 13), encoding="utf-8")
    (src / "sub" / "b_good.txt").write_text(report("夜航职业学院", 4), encoding="utf-8")
    (src / "big5.txt").write_bytes(BIG5_TEXT.encode("big5"))
    (src / "junk.txt").write_bytes(bytes([0x81, 0x40, 0x82, 0x41, 0x83, 0x42, 0x84, 0x43]) * 40)
    os.symlink("loop.txt", src / "loop.txt")  # a symlink to itself
    os.symlink("..", src / "sub" / "up")  # a folder loop
    os.symlink("missing.txt", src / "dangling.txt")
    (src / "locked.txt").write_text(report("赤霄大学", 6), encoding="utf-8")
    real_read = Path.read_bytes

    def read_bytes(self):  # tests run as root, where chmod 000 does not stop a read
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    long_name = tmp_path / ("名" * 100 + ".txt")  # 302 bytes: over the 255-byte file-name limit
    svc = Service(Settings(index_dir=tmp_path / "index", model="hash"), HashEmbedder())
    results = {r.doc: r for r in svc.ingest([src, long_name])}
    status = {d: (r.status, r.message) for d, r in results.items()}
    assert status["a_good.txt"][0] == status["b_good.txt"][0] == status["big5.txt"][0] == "ok", status
    assert status["loop.txt"] == ("failed", "symlink loop (the link points back to itself)")
    assert status["up"] == ("failed", "symlink loop (a link back to a folder that is being walked)")
    assert status["dangling.txt"] == ("failed", "broken symlink (its target does not exist)")
    assert status["locked.txt"][0] == "failed" and "Permission denied" in status["locked.txt"][1]
    assert status[long_name.name] == ("failed", "file name too long for the file system")
    assert status["junk.txt"][0] == "failed" and "undecodable" in status["junk.txt"][1]
    docs = svc.engine().docs
    assert set(docs) == {"a_good.txt", "b_good.txt", "big5.txt"}
    assert "資訊公開" in svc.engine().text("big5.txt")


def test_cli_ingest_with_a_symlink_loop_exits_1_and_commits_the_rest(tmp_path, capsys):
    from reportqa.cli import main

    src = tmp_path / "reports"
    src.mkdir()
    (src / "good.txt").write_text(report("星河理工大学", 13), encoding="utf-8")
    os.symlink("loop.txt", src / "loop.txt")
    long_arg = str(tmp_path / ("名" * 100 + ".txt"))
    rc = main(["ingest", str(src), long_arg, "--index", str(tmp_path / "ix"), "--model", "hash"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "ok       good.txt" in out and "failed   loop.txt: symlink loop" in out
    assert "file name too long" in out
    assert main(["docs", "--index", str(tmp_path / "ix"), "--model", "hash", "--json"]) == 0
    assert [d["doc"] for d in json.loads(capsys.readouterr().out)] == ["good.txt"]


def test_lone_surrogates_are_refused_by_the_service_and_the_cli(tmp_path, capsys):
    from qa.errors import InvalidQuestion
    from reportqa.cli import main

    svc = Service(Settings(index_dir=tmp_path / "index", model="hash"), HashEmbedder())
    svc.ingest([DEMO / "demo01_dongjiang_ligong.txt"])
    for kw in ({"question": "收到多少项\ud800申请？"}, {"question": "收到多少项申请？", "history": ["\udcff"]},
               {"question": "收到多少项申请？", "filters": {"institution": "东江\udc80"}}):
        with pytest.raises(InvalidQuestion, match="surrogate"):
            svc.ask(**kw)
    # an undecodable byte in argv arrives as a surrogate (surrogateescape): exit 1, no traceback
    assert main(["ask", "收到多少项\udcff申请？", "--index", str(tmp_path / "index"), "--model", "hash"]) == 1
    assert "surrogate" in capsys.readouterr().err
