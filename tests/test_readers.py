"""Reading every format, and a clear per-file error for every kind of bad file."""
from __future__ import annotations


import pytest
from pypdf import PdfWriter

from index.clean import clean_segments
from index.errors import (BinaryFile, CorruptFile, EmptyFile, EncryptedPDF, FileTooLarge, NoTextLayer,
                          UnsupportedFormat)
from index.readers import read_file

from .conftest import DEMO

LIMIT = 50 * 1024 * 1024


def cleaned(path):
    fmt, _, segs = read_file(path, LIMIT)
    return fmt, segs, clean_segments(segs)[0]


def test_utf8_txt_with_page_noise():
    fmt, _, text = cleaned(DEMO / "demo01_dongjiang_ligong.txt")
    assert fmt == "txt" and "东江理工大学" in text
    assert "点击" not in text and "版权所有" not in text and "0571-86000000" not in text  # footer phone
    assert "0571-86123456" in text  # the report's own contact phone


def test_gbk_txt_is_detected():
    raw = (DEMO / "demo05_nanxi_yizhuan_gbk.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    _, _, text = cleaned(DEMO / "demo05_nanxi_yizhuan_gbk.txt")
    assert "南溪" in text and "南溪医学高等专科学校" in text


def test_utf16_with_bom(tmp_path):
    p = tmp_path / "u16.txt"
    p.write_bytes("青岚师范学院信息公开年度报告\n收到申请2项。".encode("utf-16"))
    assert "青岚师范学院" in cleaned(p)[2]


def test_pdf_keeps_pages():
    fmt, segs, text = cleaned(DEMO / "demo06_beichen_gongshang.pdf")
    assert fmt == "pdf" and [p for p, _ in segs] == list(range(1, len(segs) + 1)) and len(segs) >= 2
    assert "北辰工商大学" in text


def test_docx_includes_tables():
    fmt, segs, text = cleaned(DEMO / "demo07_yunling_zhiye.docx")
    assert fmt == "docx" and "云岭职业技术学院" in text
    assert any("\t" in line for line in text.split("\n"))  # table rows become tab-separated lines


def test_html_drops_scripts_styles_and_chrome():
    fmt, _, text = cleaned(DEMO / "demo08_haichuan_jiaotong.html")
    assert fmt == "html" and "海川交通大学" in text
    for noise in ("<script", "function", "{", "浏览次数", "责任编辑", "ICP", "0411-84000000"):
        assert noise not in text, noise
    assert "0411-84567890" in text


def _first_40_percent(path):
    data = path.read_bytes()
    return data[: len(data) * 4 // 10]


def _encrypted_pdf(path):
    w = PdfWriter()
    w.add_blank_page(100, 100)
    w.encrypt("pw")
    with open(path, "wb") as fh:
        w.write(fh)


def _blank_pdf(path):
    w = PdfWriter()
    w.add_blank_page(100, 100)
    with open(path, "wb") as fh:
        w.write(fh)


BAD = [
    ("empty.txt", lambda p: p.write_bytes(b""), EmptyFile, "empty file"),
    ("blank.txt", lambda p: p.write_text("  \n\t \n"), EmptyFile, "no text"),
    ("junk.pdf", lambda p: p.write_bytes(bytes(range(256)) * 40), CorruptFile, "corrupt or truncated PDF"),
    ("junk.txt", lambda p: p.write_bytes(bytes(range(256)) * 40), BinaryFile, "not a text file"),
    ("cut.pdf", lambda p: p.write_bytes(_first_40_percent(DEMO / "demo06_beichen_gongshang.pdf")),
     CorruptFile, "corrupt or truncated PDF"),
    ("locked.pdf", _encrypted_pdf, EncryptedPDF, "encrypted PDF"),
    ("scan.pdf", _blank_pdf, NoTextLayer, "needs OCR"),
    ("fake.docx", lambda p: p.write_bytes(b"not a zip"), CorruptFile, "not a DOCX"),
    ("page.html", lambda p: p.write_text("<html><script>var a=1;</script><style>p{}</style></html>"),
     EmptyFile, "no visible text"),
    ("notes.xyz", lambda p: p.write_text("x"), UnsupportedFormat, "unsupported file type"),
]


@pytest.mark.parametrize("name, make, error, message", BAD, ids=[b[0] for b in BAD])
def test_bad_files_raise_clear_typed_errors(tmp_path, name, make, error, message):
    p = tmp_path / name
    make(p)
    with pytest.raises(error, match=message):
        read_file(p, LIMIT)


def test_size_limits_are_checked_before_reading(tmp_path):
    p = tmp_path / "big.pdf"
    p.write_bytes(b"%PDF" + b"0" * 5000)
    with pytest.raises(FileTooLarge, match="over the"):
        read_file(p, 1000)
    t = tmp_path / "long.txt"
    t.write_text("信息公开" * 3000, encoding="utf-8")
    with pytest.raises(FileTooLarge, match="a report has at most"):
        read_file(t, LIMIT, max_chars=1000)


def test_zip_bomb_docx_is_refused(tmp_path, monkeypatch):
    import index.readers as readers

    monkeypatch.setattr(readers, "MAX_DOCX_UNCOMPRESSED", 1000)
    with pytest.raises(CorruptFile, match="zip bomb"):
        read_file(DEMO / "demo07_yunling_zhiye.docx", LIMIT)


def test_nul_bytes_and_mixed_line_endings(tmp_path):
    p = tmp_path / "mixed.txt"
    p.write_bytes("标题\r\n第一行\x00内容\r第二行\n第三行".encode("utf-8"))
    text = cleaned(p)[2]
    assert "\x00" not in text and "\r" not in text and text.split("\n") == ["标题", "第一行内容", "第二行", "第三行"]
