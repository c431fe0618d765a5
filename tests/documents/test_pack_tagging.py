"""documents.pack's PDF is tagged: language, title, a structure tree in reading order, alternative text.

Read back with poppler (``pdfinfo``, ``pdfinfo -struct-text``, ``pdftotext``) and by reading
the file's own objects (fpdf2 writes them uncompressed): what a screen reader is given.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from documents.pack import map_png, pack_pdf
from geo import pack

LIVERPOOL = "E08000012"


@pytest.fixture(scope="module")
def liverpool(data_dir) -> pack.Pack:
    return pack.build(LIVERPOOL, data_dir=data_dir)


def _poppler(*args: str) -> str:
    if shutil.which(args[0]) is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def _pdf_string(raw: bytes) -> str:
    """A PDF string object's text: ``(literal)`` with its escapes, or ``<hex>`` (UTF-16BE after a BOM)."""
    if raw.startswith(b"<"):
        data = bytes.fromhex(raw[1:-1].decode("ascii"))
        return data[2:].decode("utf-16-be") if data.startswith(b"\xfe\xff") else data.decode("latin-1")
    body = raw[1:-1]
    body = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), body)
    body = re.sub(rb"\\(.)", lambda m: {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)), body)
    return body.decode("latin-1")


_STRING = rb"(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]*>)"


def _figures(pdf: bytes) -> list[str]:
    """The /Alt text of every /Figure structure element, in the file's order."""
    found = []
    for body in re.findall(rb"\d+ 0 obj\s*<<(.*?)>>\s*endobj", pdf, flags=re.DOTALL):
        if re.search(rb"/Type\s*/StructElem", body) and re.search(rb"/S\s*/Figure\b", body):
            alt = re.search(rb"/Alt\s*" + _STRING, body, flags=re.DOTALL)
            found.append(_pdf_string(alt.group(1)) if alt else "")
    return found


def _structure(path: Path) -> list[tuple[str, str]]:
    """``pdfinfo -struct-text``: each element under Document, with its text (whitespace dropped)."""
    out: list[tuple[str, str]] = []
    for line in _poppler("pdfinfo", "-struct-text", str(path)).splitlines():
        if line.startswith("  ") and not line.startswith("    "):
            out.append((line.split()[0], ""))
        elif line.startswith("    ") and out:
            out[-1] = (out[-1][0], out[-1][1] + "".join(line.strip().strip('"').split()))
    return out


def _squash(text: str) -> str:
    return "".join(text.split())


CASES = {
    "with a trend": lambda p: p,
    "without a trend": lambda p: replace(p, trend=p.trend.iloc[0:0]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_pdf_is_tagged_with_language_title_and_reading_order(liverpool: pack.Pack, case: str, tmp_path) -> None:
    content = CASES[case](liverpool)
    pdf = pack_pdf(content, map_image=map_png(content))
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    info = dict(line.split(":", 1) for line in _poppler("pdfinfo", str(path)).splitlines() if ":" in line)
    assert info["Tagged"].strip() == "yes"
    assert info["Title"].strip() == content.title
    assert re.search(rb"/Lang\s*\(en-GB\)", pdf)
    assert re.search(rb"/DisplayDocTitle\s+true", pdf)

    tree = _structure(path)
    kinds = [kind for kind, _ in tree]
    figures = 2 if not content.trend.empty else 1
    assert kinds[:3 + figures + 1] == ["H1", "P", "P"] + ["Figure"] * figures + ["H2"]
    assert tree[0][1] == _squash(content.title)
    assert tree[3 + figures][1] == _squash("How it compares with England")
    # Reading order: each sentence in its own paragraph, in the pack's order, then the status and the sources.
    texts = [text for kind, text in tree if kind == "P"]
    expected = [_squash(f"• {s}") for s in (*content.sentences, *content.lag)]
    start = texts.index(expected[0])
    assert texts[start:start + len(expected)] == expected
    assert texts[start + len(expected)] == _squash(content.spearhead)
    assert ("H2", _squash("Sources")) in tree
    # Nothing on the page is left out of the tree: all its text, in the same order, is the tree's text.
    page_text = _squash(_poppler("pdftotext", "-raw", str(path), "-"))
    assert page_text == "".join(text for _, text in tree)


def test_the_map_and_the_trend_chart_have_alternative_text(liverpool: pack.Pack) -> None:
    alts = _figures(pack_pdf(liverpool, map_image=map_png(liverpool)))
    assert len(alts) == 2 and all(alts)
    the_map, the_chart = alts
    assert liverpool.area.area_name in the_map and liverpool.decile_edition in the_map
    counts = [int(n) for n in re.findall(r"decile \d+: (\d+)", the_map)]
    assert sum(counts) == liverpool.lsoas["decile"].notna().sum() and len(counts) <= 10
    assert liverpool.trend_title in the_chart
    for sex, rows in liverpool.trend.groupby("sex"):
        last = rows.dropna(subset=["area"]).sort_values("period").iloc[-1]
        assert f"{last['area']:,.1f} in {last['period']}" in the_chart, (sex, the_chart)
