"""documents.pack, the pack as files: a one-page A4 PDF with extractable text, an offline HTML page, a PNG map."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import replace

import pytest

from cli.main import main
from documents.pack import map_png, pack_html, pack_pdf
from geo import pack

LIVERPOOL = "E08000012"


@pytest.fixture(scope="module")
def liverpool(data_dir) -> pack.Pack:
    return pack.build(LIVERPOOL, data_dir=data_dir)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_is_one_a4_page_with_the_name_and_figures(liverpool: pack.Pack, tmp_path) -> None:
    pdf = pack_pdf(liverpool)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    text = " ".join(_pdf_text(pdf, tmp_path).split())
    assert liverpool.area.area_name in text
    for figure in liverpool.figures:
        assert f"{figure.value:,.1f}" in text and f"{figure.england:,.1f}" in text
    assert "Spearhead status" in text
    assert "Open Government Licence" in text


def test_pdf_is_the_same_every_time(liverpool: pack.Pack) -> None:
    image = map_png(liverpool)
    assert pack_pdf(liverpool, map_image=image) == pack_pdf(liverpool, map_image=image)


def test_html_opens_offline_and_escapes(liverpool: pack.Pack) -> None:
    page = pack_html(liverpool)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.IGNORECASE)
    assert "url(http" not in page
    assert all(html.escape(s) in page for s in liverpool.sentences)
    assert "<svg" in page and liverpool.spearhead.split(":")[0] in page
    hostile = replace(liverpool, area=replace(liverpool.area, area_name="<script>alert(1)</script> & Co"))
    page = pack_html(hostile)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page


def test_png_map(liverpool: pack.Pack) -> None:
    assert map_png(liverpool).startswith(b"\x89PNG\r\n\x1a\n")


def test_cli_makes_all_three(data_dir, tmp_path) -> None:
    out = {k: tmp_path / f"pack.{k}" for k in ("pdf", "html", "png")}
    assert main(["pack", LIVERPOOL, "--pdf", str(out["pdf"]), "--html", str(out["html"]), "--png", str(out["png"])]) == 0
    assert all(p.stat().st_size > 1000 for p in out.values())
