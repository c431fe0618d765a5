"""The community-meeting pack's content: an area's story in plain English, with its sources.

Everything here is read through the loading API (:mod:`geo.profile`,
:mod:`geo.indicators`, :mod:`geo.boundaries`, :mod:`geo.spearhead`); nothing is
typed in. :mod:`documents.pack` turns a :class:`Pack` into HTML, PDF and PNG.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import shapely

from geo import boundaries, derived, indicators, lag, old_districts, profile
from geo import spine as spine_mod
from geo._paths import DATA_DIR
from geo.areas import Area, resolve_area
from geo.catalogue import load_catalogue
from geo.comparison import Versus, difference
from geo.errors import AtlasError, UnknownAreaCodeError
from geo.funnel_plot import FunnelPlot, NoFunnel, funnel_plot
from geo.schema import AREA_LABELS, LEVEL_LABELS, vintages

__all__ = ["FIGURES", "FUNNELS", "Figure", "Pack", "TREND_INDICATOR", "build", "figure_sentence"]

#: The headline figures tried, in order: (indicator_id, sex); the first six held with an England value are used.
FIGURES: Final[tuple[tuple[str, str], ...]] = (
    ("le_birth", "male"),
    ("le_birth", "female"),
    ("hle_birth", "male"),
    ("hle_birth", "female"),
    ("u75_prev", "persons"),
    ("u75_cvd_prev", "persons"),
    ("infant_mortality", "persons"),
    ("fuel_poverty", "persons"),
    ("sii_le", "male"),
)
MAX_FIGURES: Final = 5  # plus the deprivation sentence: six in all
#: The funnel plot's indicator: the first of these held for the area with counts and denominators.
FUNNELS: Final[tuple[tuple[str, str], ...]] = (("fuel_poverty", "persons"), ("overcrowding_census21", "persons"))
TREND_INDICATOR: Final = "le_birth"
PACK_LEVELS: Final = ("lad", "utla", "pct")
SPEARHEAD_PERIOD: Final = "2015-17"  # the latest period holding all five of the method's indicators


@dataclass(frozen=True)
class Figure:
    """One headline number for the area, England's, and the sentence that says it."""

    indicator_id: str
    sex: str
    period: str
    value: float
    england: float
    verdict: str  # geo.comparison's: better, similar, worse, higher, lower, no interval
    sentence: str


@dataclass(frozen=True, eq=False)
class Pack:
    """What the one-page pack says about one area.

    ``lsoas`` holds the area's small areas (EPSG:4326) with a ``decile`` column
    (``decile_indicator``, 1 = most deprived 10% of England); ``outline`` is the
    area's boundary; ``trend`` has columns ``period``, ``sex``, ``area``, ``England``.
    """

    area: Area
    level_label: str
    population: tuple[float, str] | None
    figures: tuple[Figure, ...]
    deprivation: str
    decile_indicator: str
    decile_edition: str
    lsoas: gpd.GeoDataFrame
    outline: shapely.Geometry
    spearhead: str
    trend: pd.DataFrame
    trend_title: str
    sources: tuple[str, ...]
    attribution: str
    #: "Women here can expect to live as long as ... did N years ago" (life expectancy, at most two).
    lag: tuple[str, ...] = ()
    #: A pre-2009 district's deprivation summaries in words (geo.old_districts); empty for other areas.
    summaries: tuple[str, ...] = ()
    #: Every indicator held for the area against England's spread (:mod:`geo.spine`).
    spine: spine_mod.Spine | None = None
    #: The areas of the area's type on one of :data:`FUNNELS`, or why there is no funnel.
    funnel: FunnelPlot | NoFunnel | None = None

    @property
    def title(self) -> str:
        return f"{self.area.area_name}: health and deprivation"

    @property
    def sentences(self) -> tuple[str, ...]:
        """The headline sentences, in order, deprivation last (a pre-2009 district's summaries after it)."""
        return tuple(f.sentence for f in self.figures) + ((self.deprivation,) if self.deprivation else ()) + self.summaries


def _fmt(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}"


def figure_sentence(indicator_id: str, sex: str, *, period: str, versus: Versus, unit: str, label: str) -> str:
    """One figure in plain English against England, e.g. "Men here can expect to live 74.1 years (...)".

    A difference is plain arithmetic on the published values; whether it is significant
    is said by :meth:`geo.comparison.Versus.sentence`, the words the map panel and summary use.
    """
    value, england = versus.value, versus.england
    if value is None or england is None:
        raise ValueError(f"figure_sentence needs a value and England's value; got {value!r} and {england!r}.")
    who = {"male": "Men", "female": "Women"}.get(sex, "People")
    if indicator_id in ("le_birth", "hle_birth"):
        diff = value - england
        more = "more" if diff > 0 else "fewer"
        health = " in good health" if indicator_id == "hle_birth" else ""
        years = "year" if round(abs(diff), 1) == 1 else "years"
        gap = f"{_fmt(abs(diff))} {years} {more} than" if round(diff, 1) else "the same as"
        lead = (f"{who} here can expect to live {_fmt(value)} years{health} ({period}), "
                f"{gap} the England average of {_fmt(england)}")
    elif indicator_id == "sii_le":
        lead = (f"Between the most and least deprived parts of the area, {who.lower()}'s life expectancy differs by "
                f"{_fmt(value)} years ({period}); across England the gap is {_fmt(england)} years")
    elif indicator_id == "fuel_poverty":
        lead = (f"{_fmt(value)}% of households were in fuel poverty in {period}, "
                f"against {_fmt(england)}% across England")
    else:
        lead = f"{label}: {_fmt(value)} {unit} in {period}, {difference(value, england)}"
    return versus.sentence(lead) + "."


def _figures(area: Area, data_dir: Path) -> tuple[Figure, ...]:
    items = {(h.indicator.indicator_id, h.sex): h for h in profile.headlines(area.area_code, level=area.level,
                                                                           data_dir=data_dir)}
    catalogue = load_catalogue(data_dir)
    out: list[Figure] = []
    for key in FIGURES:
        # geo.profile.HEADLINES may leave a figure out; read it the same way, so the panel and pack agree.
        h = items.get(key) or profile.headline(key[0], key[1], area.area_code, level=area.level, data_dir=data_dir)
        if h is None or h.value is None or h.england is None or h.status != "ok":
            continue
        ind = catalogue[key[0]]
        versus = h.versus
        said = figure_sentence(key[0], key[1], period=h.period, versus=versus, unit=ind.unit, label=ind.label)
        out.append(Figure(key[0], key[1], h.period, h.value, h.england, versus.verdict,
                          f"{said} {derived.sentence(h.note)}".strip()))  # an approximation says so
        if len(out) == MAX_FIGURES:
            break
    return tuple(out)


def _population(area: Area, data_dir: Path) -> tuple[float, str] | None:
    for vintage in (area.vintage, *reversed(vintages(area.level))):
        names = boundaries.area_lookup(area.level, vintage, data_dir=data_dir)
        if area.area_code not in set(names["area_code"]):
            continue
        found = profile.population(area.area_code, level=area.level, vintage=vintage, data_dir=data_dir)
        if found is not None:
            return found
    return None


def _spearhead(area: Area, data_dir: Path) -> str:
    """The Spearhead method's verdict for the area, or why there is none."""
    try:
        from geo import spearhead
    except ImportError:
        return "Spearhead status: not yet available."
    try:
        old = (area.level, area.vintage) == (old_districts.LEVEL, old_districts.VINTAGE)  # the 2004 reconstruction
        period, vintage = old_districts.SPEARHEAD if old else (SPEARHEAD_PERIOD, None)
        run = spearhead.run(period, level=area.level, vintage=vintage, data_dir=data_dir)
    except AtlasError as exc:
        first = str(exc).split(". ")[0].rstrip(".")
        return f"Spearhead status: not assessed for {LEVEL_LABELS[area.level].lower()} ({first})."
    table = run.table().set_index("area_code")
    if area.area_code not in table.index:
        return (f"Spearhead status: not assessed; the method was run on {run.vintage} codes, "
                f"which do not include {area.area_code}.")
    row = table.loc[area.area_code]
    met, held = int(str(row["criteria_met"])), int(str(row["criteria_held"]))
    verdict = "would qualify" if bool(row["qualifies"]) else "would not qualify"
    if bool(row["undecided"]):
        verdict = "cannot be decided: too few of the indicators are held for it"
    return (f"Spearhead status: applying the Department of Health's 2004 method to {run.period} data "
            f"({run.vintage} codes), {area.area_name} is in England's worst fifth on {met} of the {held} indicators "
            f"held, so it {verdict} ({run.rests_on} needed).")


def _deprivation(area: Area, data_dir: Path) -> tuple[gpd.GeoDataFrame, str, str, str]:
    if area.level not in PACK_LEVELS:
        raise UnknownAreaCodeError(
            f"{area.label} is a {AREA_LABELS.get(area.level, area.level)}; a pack is made for a local authority, "
            "upper-tier authority or PCT. Give one of their codes."
        )
    lsoa_vintage = boundaries.lsoa_vintage_for(area.level, area.vintage)
    decile_id = profile.DECILE_FOR_LSOA[lsoa_vintage]
    lsoas = boundaries.lsoas_within(area.area_code, level=area.level, vintage=area.vintage, data_dir=data_dir)
    values = indicators.load(decile_id, level="lsoa", vintage=lsoa_vintage, data_dir=data_dir)
    lsoas = lsoas.merge(values[["area_code", "value"]].rename(columns={"value": "decile"}), on="area_code", how="left")
    ind = load_catalogue(data_dir)[decile_id]
    total = len(lsoas)
    most = int((lsoas["decile"] <= 2).sum())
    missing = int(lsoas["decile"].isna().sum())
    text = (f"{most} of its {total} small areas (LSOAs) are among the 20% most deprived in England "
            f"({most / total:.0%}; {ind.edition or ind.source.dataset}).") if total else ""
    if missing:
        text += f" {missing} have no decile."
    return gpd.GeoDataFrame(lsoas, geometry="geometry", crs=4326), decile_id, ind.edition, text


def _trend(area: Area, data_dir: Path) -> tuple[pd.DataFrame, str]:
    frames = []
    for sex in ("male", "female"):
        frame = profile.trend(TREND_INDICATOR, area.area_code, level=area.level, sex=sex, data_dir=data_dir)
        if not frame.empty and frame["area"].notna().any():
            frames.append(frame.assign(sex=sex))
    if not frames:
        return pd.DataFrame(columns=["period", "sex", "area", "England"]), ""
    label = load_catalogue(data_dir)[TREND_INDICATOR].label
    return pd.concat(frames, ignore_index=True)[["period", "sex", "area", "England"]], f"{label}, years"


def _funnel(area: Area, data_dir: Path) -> FunnelPlot | NoFunnel:
    """The first of :data:`FUNNELS` held for the area, on its latest period and code set; or why there is none."""
    for indicator_id, sex in FUNNELS:
        held = profile.headline(indicator_id, sex, area.area_code, level=area.level, data_dir=data_dir)
        if held is None:
            continue
        plot = funnel_plot(indicator_id, level=area.level, vintage=held.vintage, period=held.period, sex=sex,
                           area_code=area.area_code, data_dir=data_dir)
        if isinstance(plot, FunnelPlot) or indicator_id == FUNNELS[-1][0]:
            return plot
    return NoFunnel(FUNNELS[0][0], f"neither fuel poverty nor overcrowding (the indicators held with counts and "
                                   f"denominators) is held for {area.area_name} on its {area.vintage} codes")


def build(code: str, *, data_dir: Path = DATA_DIR) -> Pack:
    """The pack's content for an area code (a local authority of any vintage, an upper tier or a PCT).

    Raises
    ------
    UnknownAreaCodeError
        The code is not a local authority, upper-tier authority or PCT the atlas holds.
    """
    area = resolve_area(code, data_dir=data_dir)
    if area.level == "england":
        raise UnknownAreaCodeError("A pack is made for one area; give a local authority, upper-tier or PCT code.")
    lsoas, decile_id, edition, deprivation = _deprivation(area, data_dir)
    figures = _figures(area, data_dir)
    trend, trend_title = _trend(area, data_dir)
    catalogue = load_catalogue(data_dir)
    old = (area.level, area.vintage) == (old_districts.LEVEL, old_districts.VINTAGE)
    summaries = old_districts.summary_sentences(area.area_code, data_dir=data_dir) if old else ()
    used = [catalogue[f.indicator_id] for f in figures] + [catalogue[decile_id]]
    if not trend.empty:
        used.append(catalogue[TREND_INDICATOR])
    sources = tuple(dict.fromkeys(f"{i.source.publisher}: {i.source.dataset} ({i.source.licence})" for i in used))
    sources += (old_districts.SOURCE,) if summaries else ()
    attribution = str(json.loads((data_dir / "catalogue.json").read_text(encoding="utf-8"))["attribution"])
    return Pack(
        area=area,
        level_label=AREA_LABELS[area.level].capitalize() + f" ({area.vintage} codes)",
        population=_population(area, data_dir),
        figures=figures,
        deprivation=deprivation,
        decile_indicator=decile_id,
        decile_edition=edition,
        lsoas=lsoas,
        outline=boundaries.outline(area.area_code, level=area.level, vintage=area.vintage, data_dir=data_dir),
        spearhead=_spearhead(area, data_dir),
        trend=trend,
        trend_title=trend_title,
        sources=sources,
        attribution=attribution,
        # life expectancy (women, then men) comes first in area_sentences
        lag=lag.area_sentences(area.area_code, area.area_name, level=area.level, vintage=area.vintage,
                               data_dir=data_dir)[:2],
        summaries=summaries,
        spine=spine_mod.spine(area.area_code, area_name=area.area_name, level=area.level, vintage=area.vintage,
                              data_dir=data_dir),
        funnel=_funnel(area, data_dir),
    )
