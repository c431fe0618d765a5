"""The community-meeting pack as files: a self-contained HTML page, a one-page A4 PDF, the map as PNG.

All made on the server with no internet: the map and trend chart are drawn with
matplotlib (Agg, no display), the PDF written with fpdf2 (pure Python) using the
DejaVu Sans font matplotlib ships, so its text is extractable. The PDF is tagged
(language en-GB, title, a structure tree in reading order, alternative text for the
map and the trend chart) for screen readers. The HTML page
inlines its map (SVG from :func:`layers.thumbnail.decile_svg`) and its chart, and
loads nothing from elsewhere. Every text value reaching HTML is escaped.
"""

from __future__ import annotations

import datetime
import html
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import geopandas as gpd
import matplotlib
from fpdf import FPDF, ViewerPreferences
from matplotlib.figure import Figure  # the object API draws with Agg and needs no display or pyplot state
from matplotlib.patches import Patch
from PIL import Image

from geo.funnel_plot import FunnelPlot
from geo.pack import Pack
from layers.funnel import funnel_html
from layers.spine import spine_html
from layers.style import decile_colours
from layers.thumbnail import decile_svg

__all__ = ["FONT_DIR", "LANGUAGE", "copyright_line", "map_alt_text", "map_png", "pack_html", "pack_pdf", "trend_alt_text",
           "trend_png", "trend_svg"]

FONT_DIR: Final = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_BNG: Final = 27700
_SEX_COLOURS: Final = {"male": "#1F5A96", "female": "#B3400F"}  # dark blue / dark orange, told apart by line style too
_SEX_STYLES: Final = {"male": "-", "female": "--"}


def _legend_label(d: int) -> str:
    return f"{d}{' (most deprived)' if d == 1 else ' (least)' if d == 10 else ''}"


_CROWN: Final = re.compile(r"Crown copyright and database right (\d{4})")


def copyright_line(attribution: str) -> str:
    """The line under the PNG map: the boundaries' Crown copyright with its year (from ``attribution``), and the sources.

    Raises
    ------
    ValueError
        ``attribution`` names no year of Crown copyright (the catalogue's always does).

    Examples
    --------
    >>> copyright_line("Contains OS data © Crown copyright and database right 2025.")
    'Contains OS data © Crown copyright and database right 2025. ONS, MHCLG (OGL v3.0).'
    """
    found = _CROWN.search(attribution)
    if found is None:
        raise ValueError("Expected the data's attribution to name the year of the OS data's Crown copyright "
                         f"('Crown copyright and database right 2025'); got {attribution[:80]!r}. Rebuild the data "
                         "with `python -m geo build`.")
    return f"Contains OS data © Crown copyright and database right {found.group(1)}. ONS, MHCLG (OGL v3.0)."


def map_png(pack: Pack, *, width_in: float = 6.0, height_in: float = 5.0, dpi: int = 150) -> bytes:
    """The area's small areas by national deprivation decile, its outline bold, with a legend (PNG)."""
    colours = decile_colours()
    lsoas = pack.lsoas.to_crs(_BNG)
    fills = [colours[int(d) - 1] if d == d and 1 <= d <= 10 else "#E0E0E0" for d in lsoas["decile"]]
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    ax = fig.subplots()
    lsoas.plot(ax=ax, color=fills, edgecolor="white", linewidth=0.3)
    gpd.GeoSeries([pack.outline], crs=4326).to_crs(_BNG).boundary.plot(ax=ax, color="#000000", linewidth=1.4)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(f"{pack.area.area_name}: small areas by deprivation", fontsize=11, loc="left")
    handles = [Patch(facecolor=colours[d - 1], edgecolor="#555555", label=_legend_label(d)) for d in range(1, 11)]
    if (lsoas["decile"].isna()).any():
        handles.append(Patch(facecolor="#E0E0E0", edgecolor="#555555", label="no decile"))
    ax.legend(handles=handles, title=f"{pack.decile_edition} decile\n(national, 10 equal groups)", fontsize=7,
              title_fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.text(0.01, 0.01, copyright_line(pack.attribution), fontsize=6, color="#333333")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _trend_figure(pack: Pack, *, width_in: float, height_in: float, dpi: int) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    ax = fig.subplots()
    periods = sorted(pack.trend["period"].unique())
    at = {p: i for i, p in enumerate(periods)}  # one axis for both sexes, whose series start in different years
    for sex, rows in pack.trend.groupby("sex", sort=False):
        x = [at[p] for p in rows["period"]]
        colour, style = _SEX_COLOURS[str(sex)], _SEX_STYLES[str(sex)]
        who = "Men" if sex == "male" else "Women"
        ax.plot(x, rows["area"], color=colour, linestyle=style, marker="o", markersize=3,
                label=f"{who}, {pack.area.area_name}")
        ax.plot(x, rows["England"], color=colour, linestyle=":", linewidth=1, label=f"{who}, England")
    step = max(1, len(periods) // 4)
    ax.set_xticks(range(0, len(periods), step), periods[::step], fontsize=7)
    ax.tick_params(labelsize=7)
    ax.set_title(pack.trend_title, fontsize=9, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=6, frameon=False, loc="best")
    fig.tight_layout()
    return fig


def trend_png(pack: Pack, *, width_in: float = 3.6, height_in: float = 2.2, dpi: int = 150) -> bytes:
    """The small trend chart (life expectancy, area against England) as PNG; empty bytes without a trend."""
    if pack.trend.empty:
        return b""
    fig = _trend_figure(pack, width_in=width_in, height_in=height_in, dpi=dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def trend_svg(pack: Pack, *, width_in: float = 3.6, height_in: float = 2.2) -> str:
    """The trend chart as inline SVG text (no external references); "" without a trend."""
    if pack.trend.empty:
        return ""
    fig = _trend_figure(pack, width_in=width_in, height_in=height_in, dpi=100)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "hga"}):  # text stays text; stable ids
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.DOTALL)
    return text


_PAGE_CSS: Final = (
    "@page{size:A4;margin:12mm}body{font:12px/1.4 'DejaVu Sans',system-ui,sans-serif;max-width:46em;margin:1em auto;"
    "padding:0 1em;color:#111}h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.1em;margin:.7em 0 .2em}"
    "li{margin:.2em 0}ul{margin:.2em 0;padding-left:1.2em}.src{font-size:.75em;line-height:1.3;color:#333}"
    "figure{float:right;width:330px;margin:0 0 .5em 1em}figure svg{max-width:100%;height:auto}"
    ".trend svg{max-width:100%;height:auto}.status{border-left:4px solid #111;padding:.2em .6em}"
    "@media print{body{margin:0;max-width:none}}"
    ".annex{break-before:page;clear:both}.annex figure{float:none;width:auto;max-width:480px;margin:0}"
    ".annex table{border-collapse:collapse;font-size:.85em}.annex th,.annex td{border-bottom:1px solid #ccc;"
    "padding:.1em .4em;text-align:left}.annex caption{text-align:left;font-weight:bold}"
)


def pack_html(pack: Pack) -> str:
    """The one-page pack as a self-contained HTML file (opens offline, prints on one A4 page)."""
    e = html.escape
    name = pack.area.area_name
    svg = decile_svg(pack.lsoas, decile_column="decile", outline=pack.outline, title=f"Map of {name}'s small areas "
                     f"by {pack.decile_edition} deprivation decile", width=330, height=290)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{e(pack.title)}</title><style>{_PAGE_CSS}</style></head><body><main>",
        f"<h1>{e(pack.title)}</h1><p>{e(pack.level_label)} · {e(pack.area.area_code)}</p>",
        f"<figure>{svg}<figcaption class='src'>Small areas (LSOAs) by national {e(pack.decile_edition)} "
        "deprivation decile: 1 = most deprived 10% of England (darkest); the bold line is the area's boundary."
        "</figcaption></figure>",
    ]
    if pack.population:
        parts.append(f"<p>About <b>{pack.population[0]:,.0f}</b> people live here ({e(pack.population[1])}).</p>")
    parts.append("<h2>How it compares with England</h2><ul>")
    parts += [f"<li>{e(s)}</li>" for s in pack.sentences]
    parts.append("</ul>")
    if pack.lag:
        parts.append("<h2>Years behind England</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in pack.lag) + "</ul>")
    parts.append(f"<p class='status'>{e(pack.spearhead)}</p>")
    chart = trend_svg(pack)
    if chart:
        parts.append(f"<h2>{e(pack.trend_title)}</h2><div class='trend' role='img' "
                     f"aria-label='{e(pack.trend_title, quote=True)}: {e(name, quote=True)} against England'>{chart}</div>")
    parts.append(_benchmarks_html(pack))
    parts.append("<h2>Sources</h2><ul class='src'>" + "".join(f"<li>{e(s)}</li>" for s in pack.sources) + "</ul>")
    parts.append(f"<p class='src'>{e(pack.attribution)}</p></main></body></html>")
    return "".join(parts)


def _benchmarks_html(pack: Pack) -> str:
    """The spine chart and the funnel plot (issue 21), printed on the pages after the one-page pack."""
    if pack.spine is None and pack.funnel is None:
        return ""
    parts = ["<section class='annex'>"]
    if pack.spine is not None:
        parts.append(f"<h2>{html.escape(pack.spine.title)}</h2>{spine_html(pack.spine)}")
    if pack.funnel is not None:
        title = pack.funnel.title if isinstance(pack.funnel, FunnelPlot) else "Funnel plot"
        parts.append(f"<h2>{html.escape(title)}</h2>{funnel_html(pack.funnel)}")
    return "".join(parts) + "</section>"


#: The pack's language, for screen readers and the PDF's /Lang entry.
LANGUAGE: Final = "en-GB"


class _Page(FPDF):
    """An A4 page whose every line of text sits in a tagged structure element, in reading order."""

    def footer(self) -> None:  # no page numbers: the pack is one page
        return None

    @contextmanager
    def tagged(self, kind: str) -> Iterator[None]:
        """Mark what is written inside as one structure element (``H1``, ``H2``, ``P``) of the document.

        fpdf2 tags images given ``alt_text`` (as ``Figure``) but not text; this adds the text to the
        same structure tree, one element after another, so the tree's order is the reading order.
        """
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=f"/{kind}", mcid=mcid)
        self._out(f"/{kind} <</MCID {mcid}>> BDC")
        yield
        self._out("EMC")


#: (sentence size in pt, line height in mm, tallest map in mm), tried in turn until the pack fits one page.
_PDF_FITS: Final = ((11.0, 5.6, 100.0), (10.0, 5.0, 95.0), (10.0, 5.0, 85.0), (9.0, 4.5, 80.0), (9.0, 4.5, 70.0))


def pack_pdf(pack: Pack, *, map_image: bytes | None = None) -> bytes:
    """The one-page pack as an A4 PDF with extractable text; ``map_image`` defaults to :func:`map_png`.

    The sentences are set at 11 pt beside a map up to 100 mm tall, smaller (to 9 pt, the
    map to 70 mm) when they need the room.

    Raises
    ------
    ValueError
        The content does not fit one page (it always should; checked rather than assumed).
    """
    image = map_image if map_image is not None else map_png(pack)
    for size, line, map_h in _PDF_FITS:
        pdf = _pdf(pack, image, size=size, line=line, map_h=map_h)
        if pdf.page_no() == 1 and pdf.get_y() <= pdf.h - 8:
            return bytes(pdf.output())
    raise ValueError(f"The pack for {pack.area.area_name} does not fit one A4 page even at 9 pt beside a 70 mm map; "
                     "shorten its sentences or sources.")


def map_alt_text(pack: Pack) -> str:
    """The map's alternative text: what it shows and how many small areas are in each decile."""
    deciles = pack.lsoas["decile"]
    counts = deciles.dropna().astype(int).value_counts()
    held = "; ".join(f"decile {d}: {counts[d]}" for d in range(1, 11) if d in counts.index)
    missing = int(deciles.isna().sum())
    return (f"Map of {pack.area.area_name}'s {len(deciles):,} small areas (LSOAs) shaded by national "
            f"{pack.decile_edition} deprivation decile, from 1 (the most deprived 10% of England, darkest) to 10 "
            f"(the least deprived); the bold line is the area's boundary. Small areas in each decile: {held}"
            + (f"; no decile: {missing}." if missing else "."))


def trend_alt_text(pack: Pack) -> str:
    """The trend chart's alternative text: each line's first and last figure; "" without a trend."""
    if pack.trend.empty:
        return ""
    lines = []
    for sex, rows in pack.trend.groupby("sex", sort=False):
        rows = rows.sort_values("period")
        who = "Men" if sex == "male" else "Women"
        for column, where in (("area", pack.area.area_name), ("England", "England")):
            held = rows.dropna(subset=[column])
            if held.empty:
                lines.append(f"{who}, {where}: no figures")
                continue
            first, last = held.iloc[0], held.iloc[-1]
            lines.append(f"{who}, {where}: {first[column]:,.1f} in {first['period']}, {last[column]:,.1f} in {last['period']}")
    return f"Line chart, {pack.trend_title}, {pack.area.area_name} against England. " + "; ".join(lines) + "."


def _pdf(pack: Pack, image: bytes, *, size: float, line: float, map_h: float) -> FPDF:
    pdf = _Page(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(12, 10, 12)
    pdf.set_creator("Health Gap Atlas")
    pdf.set_title(pack.title)
    pdf.set_lang(LANGUAGE)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)  # a reader's title bar shows the title
    pdf.set_creation_date(datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))  # the same pack gives the same file
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("DejaVu", "B", 17)
    with pdf.tagged("H1"):
        pdf.multi_cell(width, 8, pack.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    with pdf.tagged("P"):
        pdf.cell(width, 5, f"{pack.level_label} · {pack.area.area_code}", new_x="LMARGIN", new_y="NEXT")
    if pack.population:
        with pdf.tagged("P"):
            pdf.cell(width, 5, f"About {pack.population[0]:,.0f} people live here ({pack.population[1]}).",
                     new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 2
    with Image.open(io.BytesIO(image)) as im:
        aspect = im.height / im.width
    map_w = min(width * 0.64, map_h / aspect)
    box_h = map_w * aspect
    pdf.image(io.BytesIO(image), x=pdf.l_margin, y=top, w=map_w, h=box_h, alt_text=map_alt_text(pack))
    chart = trend_png(pack)
    if chart:
        pdf.image(io.BytesIO(chart), x=pdf.l_margin + width * 0.64, y=top + 6, w=width * 0.36,
                  alt_text=trend_alt_text(pack))
    pdf.set_y(top + box_h + 2)
    pdf.set_font("DejaVu", "B", 12)
    with pdf.tagged("H2"):
        pdf.cell(width, 7, "How it compares with England", new_x="LMARGIN", new_y="NEXT")
    _bullets(pdf, pack.sentences, size=size, line=line, gap=1)
    _bullets(pdf, pack.lag, size=9, line=4.6)
    pdf.ln(1.5)
    pdf.set_font("DejaVu", "B", 10)
    with pdf.tagged("P"):
        pdf.multi_cell(width, 5, pack.spearhead, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 8)
    with pdf.tagged("H2"):
        pdf.cell(width, 4, "Sources", new_x="LMARGIN", new_y="NEXT")
    _bullets(pdf, pack.sources, size=7, line=3.4)
    pdf.ln(1)
    with pdf.tagged("P"):
        pdf.multi_cell(width, 3.4, pack.attribution, new_x="LMARGIN", new_y="NEXT", align="L")
    return pdf


def _bullets(pdf: _Page, items: Sequence[str], *, size: float, line: float, gap: float = 0.0) -> None:
    """One bulleted paragraph per item, across the page's text width, each its own tagged paragraph."""
    pdf.set_font("DejaVu", "", size)
    for item in items:
        with pdf.tagged("P"):
            pdf.multi_cell(pdf.epw, line, f"• {item}", new_x="LMARGIN", new_y="NEXT", align="L")
        if gap:
            pdf.ln(gap)
