"""The map page at Geography "Small areas (LSOAs)": every LSOA in England on one map.

Called by ``ui.map._main`` once the view's values are joined and classified (same
sidebar, legend, classification and URL state as every other level). The geometry
stays in the browser (:mod:`layers.national`); each rerun sends the value table
only. A click selects the LSOA (``area=`` in the URL) and opens its panel: its
decile on each deprivation domain, its parent areas and a button into its local
authority.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import boundaries, indicators, lsoa_sets
from geo.catalogue import Indicator
from geo.classify import Classification
from geo.indicators import JoinReport
from geo.schema import AREA_LABELS, vintages
from geo.search import PostcodePlace
from geo.tables import csv_text
from geo.topology import national_path
from geo.view import View, carry
from layers.assets import STATIC_DIR
from layers.choropleth import ENGLAND_CENTRE, ENGLAND_ZOOM
from layers.legend import build_legend, to_html
from layers.national import national_group, offline_map
from layers.postcode import postcode_layer
from layers.style import Scheme
from ui import cache as view_cache
from ui.cache import boundaries_for, catalogue, catalogue_json, combos, values
from ui.finder import show_postcode
from ui.widgets import map_clicked

__all__ = ["national_map"]

MAP_HEIGHT = 500
#: Zooms an opened LSOA is shown at: its neighbours around it, however small or large it is.
LSOA_ZOOMS = (9, 14)
#: The deprivation edition each LSOA set's deciles come from.
EDITION = {"2011": "imd2019", "2021": "imd2025"}


def national_map(
    view: View,
    *,
    indicator: Indicator,
    joined: gpd.GeoDataFrame,
    report: JoinReport,
    classification: Classification | None,
    categories: pd.Series | None,
    scheme: Scheme,
    england: float | None,
    base: Any,
    postcode: PostcodePlace | None = None,
    table_csv: Callable[[], str] | None = None,
) -> None:
    """Draw the national small-area map and its side panel (inside ui.map's fragment).

    ``postcode``: the postcode searched for, in the selected small area: its pin is drawn and its line shown.
    ``table_csv``: writes the Table (CSV) when pressed (ui.map's, the export files' table); else the tidy table.
    """
    lsoas = boundaries_for("lsoa", view.vintage)
    legend = build_legend(
        indicator=indicator, period=view.period, sex=view.sex, classification=classification, scheme=scheme,
        england_value=england, statuses=joined["status"], categories=categories,
        scope=f"All {len(lsoas):,} small areas in England",
    )
    table = view_cache.national_table(view, method=view.method, joined=joined, indicator=indicator, scheme=scheme,
                                      classification=classification, categories=categories)
    group = national_group(table, selected=view.area_code)
    pins = [postcode_layer(postcode.postcode, postcode.lonlat)] if postcode and postcode.lonlat else []
    centre, zoom = ENGLAND_CENTRE, ENGLAND_ZOOM
    if view.area_code:
        centre, zoom = _fit(lsoas.loc[lsoas["area_code"] == view.area_code].total_bounds)
    map_col, panel_col = st.columns([3, 2], gap="medium")
    with map_col:
        st_folium(
            base, key="atlas_map", height=MAP_HEIGHT, use_container_width=True, feature_group_to_add=[group, *pins],
            center=centre, zoom=zoom, returned_objects=["last_active_drawing", "last_object_clicked"],
            on_change=partial(map_clicked, view.area_code, frozenset(lsoas["area_code"])),
        )
        st.caption("Hover over a small area for its name, code and value; click it for its deciles, parents and "
                   "population. By keyboard: search above, or Tab to the map, move with the arrow keys and press Enter.")
        if not report.ok:
            st.caption(f"Join check: {report.describe()}.")
        stem = f"{view.indicator_id}_lsoa{view.vintage}_{view.period}_{view.sex}"
        csv_col, html_col = st.columns(2)
        # Both files are written only when their button is pressed (a callable), not on every rerun.
        csv_col.download_button(
            "Table (CSV)",
            table_csv or (lambda: csv_text(indicators.tidy_table(joined, view=view, classification=classification))),
            file_name=f"{stem}.csv", mime="text/csv", help="Every small area on the map, with value, status and class.",
        )
        html_col.download_button(
            "Map (HTML)", lambda: _offline_page(view, indicator, table, legend, centre=centre, zoom=zoom),
            file_name=f"{stem}.html", mime="text/html",
            help="This map of every small area as one file (about 6 MB) that opens in a browser with no internet.",
        )
    with panel_col:
        st.markdown(f"**{indicator.title}**, {view.period}  \nSmall areas (LSOAs, {view.vintage} boundaries)")
        st.markdown(to_html(legend), unsafe_allow_html=True)  # legend HTML is escaped by layers.legend
        if view.area_code:
            if postcode is not None:
                show_postcode(st, postcode)
            _panel(view, lsoas)


def _fit(bounds: Any) -> tuple[tuple[float, float], int]:
    """Centre and zoom that show an LSOA at about a third of the map's width, with its neighbours."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    span = max(maxx - minx, (maxy - miny) * 1.6, 1e-4)
    zoom = int(max(LSOA_ZOOMS[0], min(LSOA_ZOOMS[1], math.floor(math.log2(360 * 180 / (256 * span))))))
    return ((miny + maxy) / 2, (minx + maxx) / 2), zoom


def _panel(view: View, lsoas: gpd.GeoDataFrame) -> None:
    code = view.area_code or ""
    row = lsoas.loc[lsoas["area_code"] == code].iloc[0]
    st.subheader(str(row["area_name"]))
    st.caption(f"{code} · {AREA_WORD} ({view.vintage} boundaries)")
    _population(code, vintage=view.vintage)
    deciles = domain_deciles(code, vintage=view.vintage)
    if not deciles.empty:
        st.markdown(f"**Deprivation deciles** ({deciles['edition'].iloc[0]}; 1 = most deprived 10% of England)")
        st.dataframe(deciles[["domain", "decile"]], hide_index=True, width="stretch", height=min(36 * (len(deciles) + 1), 320))
    parents = parent_areas(row, lsoa_vintage=view.vintage)
    if parents:
        st.markdown("**Parent areas**  \n" + "  \n".join(f"{label}: {name} ({pcode})" for label, name, pcode, _ in parents))
    lad = next((p for p in parents if p[3][0] == "lad"), None)
    if lad is not None:
        st.button(f"Open {lad[1]} and its small areas", key="lsoa_to_lad", on_click=_drill, args=(view, lad[2], lad[3][1]),
                  icon=":material/zoom_in:", help="The local authority's map, with this indicator on its small areas.")


AREA_WORD = AREA_LABELS["lsoa"][0].upper() + AREA_LABELS["lsoa"][1:]
#: The atlas's population indicators shown in an LSOA's panel, with their labels.
POPULATION = (("pop_total", "all ages"), ("pop_0_4", "under 5"), ("pop_0_15", "under 16"), ("pop_65_plus", "65 and over"))


def _offline_page(view: View, indicator: Indicator, table: dict[str, Any], legend: Any, *,
                  centre: tuple[float, float], zoom: int) -> str:
    """The offline HTML file of this view (written when its download button is pressed)."""
    subtitle = f"Small areas (LSOAs, {view.vintage} boundaries), {view.period}" + (
        f" · {view.area_code}" if view.area_code else "")
    return offline_map(
        table, topology_gz=national_path(STATIC_DIR, view.vintage).read_bytes(),
        title=f"{indicator.title}, {view.period}", subtitle=subtitle, legend=legend,
        attribution=str(catalogue_json()["attribution"]), selected=view.area_code, centre=centre, zoom=zoom,
    )


def lsoa_population(code: str, *, vintage: str) -> pd.DataFrame:
    """The LSOA's population by age (:data:`POPULATION`), latest estimate of each: columns group, people, period.

    ``people`` is the official count written with thousands separators, or "no data" /
    "suppressed". Empty when the atlas holds no population on ``vintage`` LSOAs.
    """
    cat = catalogue()
    rows = []
    for indicator_id, label in POPULATION:
        if indicator_id not in cat or vintage not in cat[indicator_id].levels.get("lsoa", ()):
            continue
        cell = _latest_cell(indicator_id, code, vintage=vintage)
        if cell is None:
            continue
        value, period = cell
        rows.append({"group": label, "people": value if isinstance(value, str) else f"{int(value):,}",
                     "period": period, "note": ""})
    if not rows and vintage != "2011":  # the 2011 estimates, carried as the target page carries them
        people, year = lsoa_sets.lsoa_people(vintage)
        if people is not None and code in people.index:
            row = people.loc[code]
            note = str(row["pop_note"]) if isinstance(row["pop_note"], str) and row["pop_note"] else (
                "the same area as its 2011 LSOA")
            if pd.notna(row["pop_total"]):
                note += "; carried from the 2011 LSOAs through the atlas's derived LSOA 2011-2021 lookup"
            rows = [{"group": label, "people": "not counted" if pd.isna(row[column]) else f"{int(row[column]):,}",
                     "period": str(year), "note": note} for column, label in POPULATION]
    return pd.DataFrame(rows, columns=["group", "people", "period", "note"])


def _latest_cell(indicator_id: str, code: str, *, vintage: str) -> tuple[float | str, str] | None:
    """The LSOA's figure in the latest period held on ``vintage`` LSOAs, and that period.

    The figure is a number, or "suppressed" / "no data"; ``None`` when nothing is held on ``vintage``.
    """
    held = combos(indicator_id, "lsoa")
    held = held[held["vintage"] == vintage]
    if held.empty:
        return None
    period = sorted(held["period"].unique())[-1]
    sex = "persons" if "persons" in set(held["sex"]) else sorted(held["sex"])[0]
    table = values(indicator_id, "lsoa", vintage, period, sex)
    hit = table.loc[table["area_code"] == code]
    if hit.empty or hit["status"].iloc[0] != "ok" or pd.isna(hit["value"].iloc[0]):
        return ("suppressed" if not hit.empty and hit["status"].iloc[0] == "suppressed" else "no data"), str(period)
    return float(hit["value"].iloc[0]), str(period)


def _population(code: str, *, vintage: str) -> None:
    pop = lsoa_population(code, vintage=vintage)
    if pop.empty:
        st.markdown(f"**Population:** not held for this {vintage} small area; the atlas has ONS mid-year "
                    "estimates on the 2011 LSOAs only.")
        return
    if pop["people"].iloc[0] == "not counted":  # a 2021 LSOA split or redrawn from its 2011 LSOA
        st.markdown(f"**Population:** {pop['note'].iloc[0]}.")
        return
    periods = sorted(set(pop["period"]))
    parts = [f"{row.group}: {row.people}" for row in pop.itertuples()]
    total = parts.pop(0).removeprefix("all ages: ") + " people" if pop["group"].iloc[0] == "all ages" else ""
    st.markdown(f"**Population** (ONS mid-{'/'.join(periods)} estimate): {total}"
                + (f" ({' · '.join(parts)})" if total and parts else ' · '.join(parts)))
    if note := str(pop["note"].iloc[0]):
        st.caption(note[0].upper() + note[1:] + ".")


def domain_deciles(code: str, *, vintage: str) -> pd.DataFrame:
    """The LSOA's decile on each domain of its deprivation edition: columns domain, decile, edition."""
    cat = catalogue()
    edition = EDITION.get(vintage, "")
    rows = []
    for indicator_id, ind in cat.items():
        if ind.value_type != "decile" or not indicator_id.startswith(f"{edition}_") or vintage not in ind.levels.get("lsoa", ()):
            continue
        cell = _latest_cell(indicator_id, code, vintage=vintage)
        if cell is None:
            continue
        value = cell[0]
        decile = value if isinstance(value, str) else str(int(value))
        domain, _, source = ind.title.partition(", ")
        rows.append({"domain": domain, "decile": decile, "edition": source.split(":", 1)[0] or ind.label})
    return pd.DataFrame(rows, columns=["domain", "decile", "edition"])


def parent_areas(row: pd.Series, *, lsoa_vintage: str) -> list[tuple[str, str, str, tuple[str, str]]]:
    """(label, name, code, (level, vintage)) of the LSOA's local authority, upper tier and region.

    Each parent is named from the newest code set that holds its code, preferring the
    code sets whose small areas are ``lsoa_vintage``'s (so a drill-down shows these LSOAs).
    """
    out = []
    for level, column in (("lad", "lad_code"), ("utla", "utla_code"), ("region", "region_code")):
        pcode = row.get(column)
        if not isinstance(pcode, str) or not pcode:
            continue
        newest = list(reversed(vintages(level)))
        nesting = [v for v in newest if boundaries.lsoa_vintage_for(level, v) == lsoa_vintage]
        for vintage in nesting + [v for v in newest if v not in nesting]:
            names = boundaries_for(level, vintage).set_index("area_code")["area_name"]
            if pcode in names.index:
                out.append((AREA_LABELS[level].capitalize(), str(names[pcode]), pcode, (level, vintage)))
                break
    return out


def _drill(view: View, lad_code: str, lad_vintage: str) -> None:
    """Open the LSOA's local authority on the district map, keeping this indicator on its small areas."""
    query = dict(st.query_params)
    st.session_state["_quiet"] = carry(query, changed="level")
    st.query_params.from_dict({"level": "lad", "vintage": lad_vintage, "area": lad_code, "lsoa": view.indicator_id})
