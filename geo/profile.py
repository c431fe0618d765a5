"""An area's profile: its headline indicators against England, trend and small-area spread.

Plain functions over :mod:`geo.indicators` and :mod:`geo.boundaries`; the app's
side panel and one-page summary are built from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo import boundaries, derived, indicators
from geo._paths import DATA_DIR
from geo.catalogue import Indicator, load_catalogue
from geo.comparison import Versus, compare, difference, note_without_verdict, published_verdict
from geo.errors import AtlasError
from geo.schema import ENGLAND_CODE

__all__ = ["HEADLINES", "Headline", "headline", "headlines", "lsoa_deciles", "panel_lines", "population",
           "summary_sentences", "trend"]

#: (indicator_id, sex) shown in every profile, in order; absent ones are skipped.
HEADLINES: tuple[tuple[str, str], ...] = (
    ("le_birth", "female"),
    ("le_birth", "male"),
    ("hle_birth", "female"),
    ("hle_birth", "male"),
    ("sii_le", "female"),
    ("sii_le", "male"),
    ("u75_prev", "persons"),
    ("u75_cvd_prev", "persons"),
    ("infant_mortality", "persons"),
    ("imd2025_imd_la_avg_score", "persons"),
    ("imd2019_imd_la_avg_score", "persons"),
    ("fuel_poverty", "persons"),
)

#: The national IMD decile used for each LSOA vintage (the edition drawn on that set).
DECILE_FOR_LSOA: dict[str, str] = {"2011": "imd2019_imd_decile", "2021": "imd2025_imd_decile"}


@dataclass(frozen=True)
class Headline:
    """One indicator for one area, with England and the comparison."""

    indicator: Indicator
    sex: str
    period: str
    vintage: str
    value: float | None
    lower_ci: float | None
    upper_ci: float | None
    status: str
    england: float | None
    rank: int | None
    of: int
    note: str = ""

    @property
    def sex_label(self) -> str:
        return "" if self.sex == "persons" else self.sex

    @property
    def versus(self) -> Versus:
        """The value against England's by :func:`geo.comparison.compare` (the one rule every page uses).

        Without an interval, the publisher's own comparison (kept in ``note``) is used where it gives one.
        """
        return compare(self.value, lower_ci=self.lower_ci, upper_ci=self.upper_ci, england=self.england,
                       polarity=self.indicator.polarity, published=published_verdict(self.note))

    @property
    def comparison(self) -> str:
        """The verdict: better, similar, worse, higher, lower, no interval, no England value or missing."""
        return self.versus.verdict


def _latest_rows(indicator_id: str, level: str, area_code: str, sex: str, data_dir: Path,
                 period: str | None = None) -> pd.DataFrame:
    try:
        rows = indicators.load(indicator_id, level=level, sex=sex, data_dir=data_dir)
    except AtlasError:
        return pd.DataFrame()
    mine = rows[(rows["area_code"] == area_code) & ((rows["period"] == period) if period else True)]
    if mine.empty:
        return pd.DataFrame()
    period = period or sorted(mine["period"].unique())[-1]
    mine = mine[mine["period"] == period]
    # An official figure wins over one carried from other areas (geo.derived), then the latest code set.
    ranked = mine.assign(_carried=derived.kind_of(mine["note"]) != "published")
    vintage = ranked.sort_values(["_carried", "vintage"], ascending=[True, False])["vintage"].iloc[0]
    return rows[(rows["period"] == period) & (rows["vintage"] == vintage)]


def headline(indicator_id: str, sex: str, area_code: str, *, level: str, period: str | None = None,
             data_dir: Path = DATA_DIR) -> Headline | None:
    """The area's value of one indicator (latest, or for ``period``), with England's and its rank; ``None`` when not held."""
    catalogue = load_catalogue(data_dir)
    if indicator_id not in catalogue or level not in catalogue[indicator_id].levels:
        return None
    ind = catalogue[indicator_id]
    rows = _latest_rows(indicator_id, level, area_code, sex, data_dir, period)
    if rows.empty:
        return None
    row = rows[rows["area_code"] == area_code].iloc[0]
    period, vintage = str(row["period"]), str(row["vintage"])
    eng = indicators.england_value(indicator_id, period=period, sex=sex, data_dir=data_dir)
    rank = _ranks(rows, ind.polarity).get(area_code)
    return Headline(
        indicator=ind,
        sex=sex,
        period=period,
        vintage=vintage,
        value=None if pd.isna(row["value"]) else float(row["value"]),
        lower_ci=None if pd.isna(row["lower_ci"]) else float(row["lower_ci"]),
        upper_ci=None if pd.isna(row["upper_ci"]) else float(row["upper_ci"]),
        status=str(row["status"]),
        england=None if eng is None or pd.isna(eng["value"]) else float(eng["value"]),
        rank=None if rank is None or pd.isna(rank) else int(rank),
        of=int(rows["value"].notna().sum()),
        note="" if pd.isna(row.get("note")) else str(row.get("note")),
    )


def headlines(area_code: str, *, level: str, data_dir: Path = DATA_DIR) -> list[Headline]:
    """The area's latest value of each headline indicator held for it."""
    found = (headline(indicator_id, sex, area_code, level=level, data_dir=data_dir) for indicator_id, sex in HEADLINES)
    return [h for h in found if h is not None]


def _ranks(rows: pd.DataFrame, polarity: str) -> dict[str, float]:
    # Rank 1 = best; with no polarity, rank 1 = highest value.
    ascending = polarity == "lower_is_better"
    ranked = rows.set_index("area_code")["value"].rank(method="min", ascending=ascending)
    return {str(k): float(v) for k, v in ranked.items()}


def trend(
    indicator_id: str, area_code: str, *, level: str, sex: str, data_dir: Path = DATA_DIR
) -> pd.DataFrame:
    """The area's value in every period held, beside England's: columns period, area, England."""
    try:
        rows = indicators.load(indicator_id, level=level, sex=sex, data_dir=data_dir)
    except AtlasError:
        return pd.DataFrame(columns=["period", "area", "England"])
    mine = rows[rows["area_code"] == area_code].sort_values("period")
    mine = mine.drop_duplicates("period", keep="last")
    series = mine.set_index("period")["value"].rename("area")
    try:
        eng = indicators.load(indicator_id, level="england", sex=sex, data_dir=data_dir)
        eng_series = eng[eng["area_code"] == ENGLAND_CODE].drop_duplicates("period").set_index("period")["value"]
    except AtlasError:
        eng_series = pd.Series(dtype=float)
    frame = pd.concat([series, eng_series.rename("England")], axis=1).loc[lambda d: d.index.isin(series.index)]
    return frame.reset_index(names="period")


def lsoa_deciles(area_code: str, *, level: str, vintage: str, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """How the area's LSOAs spread across national IMD deciles (1 = most deprived)."""
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    indicator_id = DECILE_FOR_LSOA[lsoa_vintage]
    parents = boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage, data_dir=data_dir)
    inside = set(parents[parents == area_code].index)
    values = indicators.load(indicator_id, level="lsoa", vintage=lsoa_vintage, data_dir=data_dir)
    mine = values[values["area_code"].isin(inside)]
    counts = mine["value"].value_counts().reindex(range(1, 11), fill_value=0)
    return pd.DataFrame({"decile": counts.index.astype(int), "lsoas": counts.to_numpy(), "indicator_id": indicator_id})


def population(area_code: str, *, level: str, vintage: str, data_dir: Path = DATA_DIR) -> tuple[float, str] | None:
    """The area's population and a label saying which estimate it is."""
    try:
        rows = indicators.load("pop_total", level=level, vintage=vintage, data_dir=data_dir)
    except AtlasError:
        rows = pd.DataFrame()
    if not rows.empty:
        mine = rows[rows["area_code"] == area_code].sort_values("period")
        if not mine.empty and pd.notna(mine.iloc[-1]["value"]):
            return float(mine.iloc[-1]["value"]), f"ONS mid-{mine.iloc[-1]['period']} estimate"
    lsoa_vintage = boundaries.lsoa_vintage_for(level, vintage)
    if lsoa_vintage != "2011":
        return None
    parents = boundaries.parent_codes(lsoa_vintage, level=level, vintage=vintage, data_dir=data_dir)
    inside = set(parents[parents == area_code].index)
    try:
        lsoa = indicators.load("pop_total", level="lsoa", vintage="2011", data_dir=data_dir)
    except AtlasError:
        return None
    latest = sorted(lsoa["period"].unique())[-1]
    mine = lsoa[(lsoa["period"] == latest) & lsoa["area_code"].isin(inside)]
    if mine.empty:
        return None
    return float(mine["value"].sum()), f"sum of ONS mid-{latest} estimates for its {len(mine)} LSOAs"


def summary_sentences(name: str, items: list[Headline]) -> list[str]:
    """Plain-English sentences for a one-page summary, one per headline held.

    Each compares with England by :meth:`geo.comparison.Versus.sentence`, as the map panel and the pack do.
    """
    sentences = []
    for h in items:
        if h.value is None:
            sentences.append(f"{h.indicator.label} ({h.sex_label} {h.period}) is not available for {name}.")
            continue
        what = f"{h.indicator.label}{' for ' + h.sex_label + 's' if h.sex_label else ''} in {h.period}"
        text = f"{what} was {_fmt(h.value)} {h.indicator.unit}"
        if h.rank is not None and h.indicator.polarity != "none":
            text += f" (rank {h.rank} of {h.of})"
        lead = text if h.england is None else f"{text}, {difference(h.value, h.england, unit=h.indicator.unit)}"
        sentences.append(f"{h.versus.sentence(lead)}. {derived.sentence(h.note)}".strip())  # an approximation says so
    return sentences


def panel_lines(items: list[Headline]) -> list[str]:
    """The map panel's list against England (Markdown), one line per headline, worded by :mod:`geo.comparison`."""
    lines = []
    for h in items:
        sex = f" ({h.sex_label})" if h.sex_label else ""
        england = "" if h.england is None else f"; England {h.england:,.1f}"
        rank = f"; rank {h.rank} of {h.of}" if h.rank else ""
        rest = note_without_verdict(h.note)  # the publisher's comparison is the verdict, not a note
        note = f" *({rest})*" if rest else ""
        lines.append(f"- {h.indicator.label}{sex}, {h.period}: **{_value_text(h)}** {h.indicator.unit}"
                     f"{england} — **{h.versus.short()}**{rank}{note}")
    return lines


def _value_text(h: Headline) -> str:
    if h.status == "suppressed":
        return "suppressed"
    if h.value is None:
        return "no data"
    text = f"{h.value:,.1f}"
    if h.lower_ci is not None and h.upper_ci is not None:
        text += f" ({h.lower_ci:,.1f}-{h.upper_ci:,.1f})"
    return text


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def summary_html(
    name: str,
    code: str,
    *,
    level_label: str,
    items: list[Headline],
    population: tuple[float, str] | None,
    deciles: pd.DataFrame | None,
    attribution: str,
    map_svg: str = "",
) -> str:
    """A printable one-page summary of an area in plain English (every text escaped).

    ``map_svg`` is trusted inline SVG (see :func:`layers.thumbnail.area_svg`, which escapes its text).
    """
    import html

    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(name)}: health and deprivation summary</title>",
        # Sized to print on one A4 or Letter page at the browser's default margins.
        "<style>@page{margin:12mm}body{font:11.5px/1.35 system-ui,sans-serif;max-width:46em;margin:1em auto;"
        "padding:0 1em}h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.1em;margin:.6em 0 .2em}"
        "li{margin:.15em 0}ul{margin:.2em 0}.src{font-size:.75em;line-height:1.25;color:#444}figure{float:right;width:280px;margin:0 0 .5em 1em}"
        "figure svg{max-width:100%;height:auto}h2{clear:none}</style></head><body>",
        f"<h1>{e(name)}</h1><p>{e(level_label)} · {e(code)}</p>",
    ]
    if map_svg:
        parts.append(f"<figure>{map_svg}<figcaption class='src'>Small areas by national deprivation decile "
                     "(1 = most deprived 10% of England); the bold line is the area's boundary.</figcaption></figure>")
    if population:
        parts.append(f"<p>About <b>{population[0]:,.0f}</b> people live here ({e(population[1])}).</p>")
    parts.append("<h2>How it compares with England</h2><ul>")
    parts += [f"<li>{e(s)}</li>" for s in summary_sentences(name, items)]
    parts.append("</ul>")
    if deciles is not None and int(deciles["lsoas"].sum()):
        total = int(deciles["lsoas"].sum())
        most = int(deciles.loc[deciles["decile"] <= 2, "lsoas"].sum())
        parts.append(
            f"<h2>Deprivation in its neighbourhoods</h2><p>{most} of its {total} small areas (LSOAs) are among "
            f"the 20% most deprived in England ({most / total:.0%}).</p>"
        )
    sources = sorted({f"{h.indicator.source.publisher}: {h.indicator.source.dataset}" for h in items})
    parts.append("<h2>Sources</h2><ul class='src'>" + "".join(f"<li>{e(s)}</li>" for s in sources) + "</ul>")
    parts.append(f"<p class='src'>Each figure is the latest period held; ranks run from 1 = best. {e(attribution)}</p>"
                 "</body></html>")
    return "".join(parts)
