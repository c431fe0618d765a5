"""documents.pack, the pack as files: a one-page A4 PDF with extractable text, an offline HTML page, a PNG map."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import replace

import pytest

from cli.main import main
from documents.pack import copyright_line, map_png, pack_html, pack_pdf
from geo import comparison, pack, profile

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


def test_the_png_maps_copyright_line_carries_the_year_of_the_data(liverpool: pack.Pack, monkeypatch) -> None:
    """The line under the PNG map says which year's Crown copyright, as the catalogue's attribution does."""
    import documents.pack as documents_pack

    year = re.search(r"Crown copyright and database right (\d{4})", liverpool.attribution)
    assert year is not None, "the catalogue's attribution names the year of the OS data"
    drawn: list[str] = []

    class Spy(documents_pack.Figure):  # type: ignore[misc,name-defined]
        def text(self, x, y, s, *args, **kwargs):  # type: ignore[no-untyped-def]
            drawn.append(str(s))
            return super().text(x, y, s, *args, **kwargs)

    monkeypatch.setattr(documents_pack, "Figure", Spy)
    assert map_png(liverpool).startswith(b"\x89PNG")
    line = next(t for t in drawn if "Crown copyright" in t)
    assert f"Crown copyright and database right {year.group(1)}." in line


@pytest.mark.parametrize(
    ("attribution", "expected"),
    [
        pytest.param("Contains OS data © Crown copyright and database right 2025.", "right 2025.", id="2025"),
        pytest.param("Source: ONS. Contains OS data © Crown copyright and database right 2019. More.", "right 2019.",
                     id="2019-mid-text"),
    ],
)
def test_copyright_line_takes_the_year_from_the_attribution(attribution: str, expected: str) -> None:
    assert expected in copyright_line(attribution)


def test_copyright_line_without_a_year_says_what_it_expected() -> None:
    with pytest.raises(ValueError, match="Crown copyright and database right 2025"):
        copyright_line("Contains OS data © Crown copyright and database right.")


def test_cli_makes_all_three(data_dir, tmp_path) -> None:
    out = {k: tmp_path / f"pack.{k}" for k in ("pdf", "html", "png")}
    assert main(["pack", LIVERPOOL, "--pdf", str(out["pdf"]), "--html", str(out["html"]), "--png", str(out["png"])]) == 0
    assert all(p.stat().st_size > 1000 for p in out.values())


# ---------------------------------------------------------------- the pack and the map panel agree (issue 19)
AGREEMENT_AREAS = [pytest.param("E07000062", id="hastings"), pytest.param("E09000030", id="tower-hamlets")]
_VERDICTS = {verdict: phrase for verdict, phrase in comparison.PHRASES.items() if verdict != "missing"}


def _verdicts_in(text: str) -> list[str]:
    """The comparison verdicts a text states, by geo.comparison's words ("higher than England's 30.2" is a number)."""
    text = " ".join(text.split())
    return [v for v, phrase in _VERDICTS.items() if re.search(re.escape(phrase) + r"(?!['’]s)", text)]


def _one_verdict(text: str) -> str:
    found = _verdicts_in(text)
    assert len(found) == 1, f"expected one comparison with England, found {found} in: {text}"
    return found[0]


def _items(html_page: str, heading: str) -> list[str]:
    """The text of each <li> in the list after ``heading``."""
    section = html_page.split(f"<h2>{heading}</h2>", 1)[1].split("</ul>", 1)[0]
    return [html.unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", section, re.DOTALL)]


@pytest.mark.parametrize("code", AGREEMENT_AREAS)
def test_the_pack_says_what_the_map_panel_says(code: str, data_dir, tmp_path, capsys) -> None:
    made = pack.build(code, data_dir=data_dir)
    items = profile.headlines(code, level=made.area.level, data_dir=data_dir)
    panel = {(h.indicator.indicator_id, h.sex): _one_verdict(line)
             for h, line in zip(items, profile.panel_lines(items), strict=True)}
    summary = {(h.indicator.indicator_id, h.sex): _one_verdict(s)
               for h, s in zip(items, profile.summary_sentences(made.area.area_name, items), strict=True)}
    summary_page = profile.summary_html(made.area.area_name, code, level_label="Local authority district", items=items,
                                        population=None, deciles=None, attribution="OGL")
    summary_html = dict(zip(summary, map(_one_verdict, _items(summary_page, "How it compares with England")),
                            strict=True))
    keys = [(f.indicator_id, f.sex) for f in made.figures]
    assert any(k == ("u75_cvd_prev", "persons") for k in keys), "heart and stroke deaths are in the pack"

    pack_html_items = _items(pack_html(made), "How it compares with England")[: len(keys)]
    assert main(["pack", code, "--pdf", str(tmp_path / "pack.pdf")]) == 0
    cli_lines = [line[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("- ")][: len(keys)]
    pdf_text = _pdf_text((tmp_path / "pack.pdf").read_bytes(), tmp_path)
    pdf_bullets = [" ".join(b.split()) for b in pdf_text.split("•")[1:]][: len(keys)]
    surfaces = {"pack": [f.sentence for f in made.figures], "HTML": pack_html_items, "CLI": cli_lines,
                "PDF": pdf_bullets}
    for key, figure in zip(keys, made.figures, strict=True):
        assert figure.verdict == panel[key] == summary[key] == summary_html[key], key
    for surface, texts in surfaces.items():
        assert len(texts) == len(keys), surface
        for key, figure, text in zip(keys, made.figures, texts, strict=True):
            assert f"{figure.value:,.1f}" in text, (surface, key, text)  # the bullet is this figure's
            assert _one_verdict(text) == panel[key], (surface, key, text)
