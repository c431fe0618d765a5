"""The "About the data" page: every source, period, licence and caveat, from the catalogue."""

from __future__ import annotations

import hmac
import html
import json
import os
from typing import Any

import pandas as pd
import streamlit as st

from geo import derived
from geo._paths import DATA_DIR
from geo.catalogue import GROUPS, Indicator, load_catalogue
from geo.derived import APPROXIMATE, POPULATION_YEARS, SAME_AREA
from geo.schema import BOUNDARY_SETS, LEVEL_LABELS
from ui.widgets import compact_layout

#: The environment variable holding the operator's key; unset (the default), nobody can refresh from the page.
OPERATOR_KEY_ENV = "HGA_OPERATOR_KEY"
#: The environment variable naming the Fingertips API the page's refresh uses (default: the public API).
FINGERTIPS_URL_ENV = "HGA_FINGERTIPS_URL"

_POLARITY = {
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "none": "no polarity (higher is neither better nor worse)",
}


def about_page() -> None:
    compact_layout()
    st.title("About the data")
    try:
        catalogue = load_catalogue(DATA_DIR)
        raw = json.loads((DATA_DIR / "catalogue.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        st.error("The data catalogue is missing. Rebuild the data with `python -m geo build`.")
        return
    st.markdown(
        "Every number in the atlas is taken unchanged from the official source named below, except the "
        "approximations and derived figures listed under *What the atlas approximates or derives*, each of "
        "which is marked where it is shown. Missing values are shown as missing and suppressed values (too "
        "few events to publish) as suppressed; no missing value is filled in."
    )
    st.info(raw["attribution"])
    _approximations(catalogue)
    _fresh_figures()
    rules = raw.get("methods", {}).get("spearhead", {})
    st.caption("**Spearhead method rules.** " + " ".join(str(rules.get(k, "")) for k in ("tie_rule", "missing_rule", "code_sets")))

    st.header("Boundaries")
    st.table(
        [{"Boundary set": b.label, "Level": LEVEL_LABELS[b.level], "Areas": f"{b.count:,}"} for b in BOUNDARY_SETS]
    )
    st.table(
        [
            {"What": s["what"], "Publisher": s["publisher"], "Raw file": s["raw_file"], "Licence": s["licence"]}
            for s in raw["boundary_sources"]
        ]
    )
    _postcodes()
    st.markdown(
        "Primary Care Trusts (2006-13) were never published as a boundary file; the atlas builds them "
        "from 2011 small areas using a written assignment of local authorities and 2015 CCGs. "
        "Birmingham's three PCTs are built from the city's 2004 wards (through 2001 small areas) and are "
        "marked *approximate*: a 2011 small area that straddles a ward line follows its best-fit ward."
    )

    st.header("Indicators")
    for group in GROUPS:
        members = [ind for ind in catalogue.values() if ind.group == group]
        if not members:
            continue
        st.subheader(group)
        for ind in members:
            with st.expander(f"{ind.title} ({ind.unit})"):
                st.markdown(ind.description)
                levels = "; ".join(
                    f"{LEVEL_LABELS.get(level, level)}: {', '.join(vs)}" for level, vs in ind.levels.items()
                )
                periods = ", ".join(ind.periods)
                st.markdown(
                    f"- **Id:** `{ind.indicator_id}`\n"
                    f"- **Polarity:** {_POLARITY[ind.polarity]}\n"
                    f"- **Held for:** {levels} (boundary vintages)\n"
                    f"- **Periods:** {periods}\n"
                    f"- **Sexes:** {', '.join(ind.sexes)}\n"
                    f"- **Confidence intervals:** {'yes' if ind.has_ci else 'not in the source'}\n"
                    f"- **Source:** {ind.source.publisher}, *{ind.source.dataset}* "
                    f"(raw file `{ind.source.raw_file}`)\n"
                    f"- **Licence:** {ind.source.licence}"
                )
                if ind.derived:
                    st.warning(f"Derived by the atlas or a third party, not an official figure: {ind.method}")
                for caveat in ind.caveats:
                    st.markdown(f"> {caveat}")


def _approximations(catalogue: dict[str, Indicator]) -> None:
    """Say exactly what is approximated or derived, at which levels, with which weights, and how it is marked."""
    st.header("What the atlas approximates or derives")
    st.subheader("Health outcomes for areas their sources do not publish for")
    years = "; ".join(f"mid-{y}: {words}" for y, (_i, _p, words) in POPULATION_YEARS.items())
    st.markdown(
        "No source held publishes health outcomes for Primary Care Trusts (PCTs) or Strategic Health "
        "Authorities (SHAs), and the upper-tier and regional series stop earlier than the district ones (women's "
        "life expectancy at 2016-18, no men's series). For those areas, periods and sexes the atlas carries the "
        "published district and upper-tier figures, by comparing which 2011 small areas (LSOAs) each area holds:\n"
        f"- **Same area.** An area with exactly the small areas of one published area (a unitary authority on "
        f"the upper-tier map, most PCTs) shows that area's published figure unchanged, with its confidence "
        f"interval. Marked: its note starts *{SAME_AREA}* (tooltip, area panel, Table (CSV)).\n"
        "- **Approximation.** An area made of whole published areas (a county, a region, an SHA, some PCTs) shows "
        "the population-weighted mean of their published values. The weights are ONS small-area population "
        "estimates summed over each member, from the year held nearest the middle of the period "
        f"({years}). No confidence interval can be derived, so none is shown. Members suppressed for small "
        "numbers (City of London, Isles of Scilly) are left out, and named, when together they hold under 1% "
        "of the area's people; otherwise the area has no value. The slope index of inequality is never "
        f"averaged. Marked: its note starts *{APPROXIMATE}* and names the members and weights (tooltip, area "
        "panel), the map legend says how many values are approximate, and the Table (CSV) has "
        "`approximate` = true and a header line saying so.\n"
        "- **Official figures win.** Nothing is carried where the level holds an official figure for that "
        "indicator, period and sex, and an official figure brought by a refresh from Fingertips replaces the "
        "carried one. Areas that cut through a district (Birmingham's three ward-based PCTs, some others) have "
        "no value."
    )
    carried = derived.summary()
    if len(carried):
        st.table(pd.DataFrame({
            "Level": [LEVEL_LABELS.get(lv, lv) for lv in carried["level"]],
            "Indicator": [catalogue[i].label if i in catalogue else i for i in carried["indicator_id"]],
            "Periods carried": carried["periods"],
            "Same area": carried["same_area"], "Approximate": carried["approximate"],
            "No value": carried["without_value"], "Weights (population year)": carried["weights"],
        }))
    st.subheader("Figures derived by the atlas or a third party")
    by_method: dict[str, list[Indicator]] = {}
    for ind in catalogue.values():
        if ind.derived:
            by_method.setdefault(ind.method or "method not stated", []).append(ind)
    lines = [f"- {len(inds)} indicator{'s' if len(inds) > 1 else ''} held for "
             f"{', '.join(sorted({LEVEL_LABELS.get(lv, lv).lower() for i in inds for lv in i.levels}))} "
             f"(e.g. *{inds[0].title}*): {method}" for method, inds in by_method.items()]
    st.markdown(
        "These are computed from official small-area figures, not published for the area shown; each says so "
        "in its entry under *Indicators* below.\n" + "\n".join(lines)
    )
    st.subheader("Boundaries")
    st.markdown(
        "Birmingham's three PCTs are built from its 2004 wards and marked *Approximate boundary* in the area "
        "panel; see *Boundaries* below."
    )


def _postcodes() -> None:
    """The two postcode files, what the atlas derives from them, and the attribution their licences ask for."""
    from geo.wards import LABEL as WARD_LABEL
    from geo.wards import attribution_lines

    st.subheader("Postcodes and what is derived from them")
    st.markdown(
        "Two official open files (both in the table above) give the atlas its postcodes: the **ONS postcode to "
        "Output Area, LSOA 2011 and district lookup** (May 2022; every English postcode, live and terminated) and "
        "**OS Code-Point Open** (April 2025; the position, in British National Grid, and the 2025 electoral ward of "
        "every live postcode, with ward names from its code list). From them the atlas derives:\n"
        "- **The postcode table**: each English postcode with its 2011 and 2021 small areas (LSOA), Output Area, "
        "district, ward and position, and whether it is live or terminated. It finds a postcode in every search "
        "box, counts an uploaded file of postcodes into small areas and districts, and places service sites given "
        "by postcode. Individual postcodes never leave a session: downloads carry only the counts.\n"
        "- **Small areas' residential centres**: the mean position of each LSOA's live residential postcodes, "
        "where distances to the nearest service site start (the polygon's centre where an LSOA has none).\n"
        f"- **Best-fit wards** ({WARD_LABEL}): each small area is put in the ward holding most of its live "
        "postcodes (the ONS best-fit method), and a ward is drawn as its small areas, with the share of the ward's "
        "postcodes they capture. A ward holding no small area's majority is not drawn, and named as such."
    )
    st.info("  \n".join(attribution_lines()))  # the OS, Royal Mail and ONS lines, one a line


def _fresh_figures() -> None:
    """Fresh official figures from OHID Fingertips: what is in use, a button with progress, and the way back."""
    from geo import refresh
    from geo._paths import REFRESH_DIR
    from geo.errors import AtlasError

    st.header("Fresh figures")
    if message := st.session_state.pop("refresh_message", None):
        st.success(message)
    manifest = refresh.current()
    if manifest is None:
        st.markdown(
            "The atlas shows the figures bundled with it. With internet, it can bring in the latest official "
            "figures from the OHID Fingertips API (life expectancy, healthy life expectancy, the slope index of "
            "inequality, infant mortality and under-75 mortality from all cancers and all cardiovascular "
            "disease), with confidence intervals and counts, on every local authority boundary set Fingertips "
            "publishes them on (older periods, such as male life expectancy from 2001-03, are on older "
            "boundaries). They are kept beside the bundled data "
            f"(in `{REFRESH_DIR}`), shown in place of bundled figures for the same area, period and sex, "
            "and the bundled data is never changed. Once they are in, the Spearhead method and the gap tracker "
            "use the official under-75 series in place of the \"considered preventable\" proxies, and say so."
        )
    else:
        st.markdown(
            "Figures downloaded from the OHID Fingertips API are in use, in place of the bundled figures for "
            "the same area, period and sex. Each one's note (map tooltip, area panel and downloads) names its "
            "source, the API's release date and when it was downloaded."
            + (" The Spearhead method and the gap tracker use the official under-75 series below in place of the "
               "\"considered preventable\" proxies, for the periods they hold, and say so."
               if {"u75_cancer", "u75_cvd"} & set(manifest.get("indicators", {})) else "")
        )
        entries = manifest.get("indicators", {})
        periods = refresh.periods_held()
        st.table(
            [
                {"Indicator": key, "Fingertips indicator": f"{e.get('fingertips_id')} {e.get('name', '')}".strip(),
                 "Periods": periods.get(key, ""), "Released": e.get("released", ""),
                 "Downloaded": e.get("downloaded", ""), "Rows": f"{e.get('rows', 0):,}",
                 "Boundary sets": _boundary_sets(e), "PCTs": _pct_answer(e)}
                for key, e in entries.items()
            ]
        )
        lost = {key: [c for t in e.get("area_types", {}).values() for c in t.get("unplaced", [])] for key, e in entries.items()}
        if any(lost.values()):
            with st.expander("Codes the atlas could not place (in no boundary set it holds), so not shown"):
                for key, found in lost.items():
                    if found:
                        st.markdown(f"- **{html.escape(key)}**: {html.escape(', '.join(found))}")
    st.caption(
        "**PCTs.** Fingertips has an area type for Primary Care Trusts (id 2 in the Fingertips server's own code, "
        "ukhsa-collaboration/fingertips-open, `AreaTypeIds.Pct`), but no public script, package or export found "
        "while building this shows these indicators published for it, so the atlas cannot say in advance that they "
        "are. A refresh asks the API which area types hold each indicator (`available_data`, as fingertipsR's "
        "`indicator_areatypes()` does) and brings PCT figures onto the 151 PCTs of 2011 (by ONS or NHS code) only "
        "if it lists them; the table above says what it answered. Until then, PCT figures are the ones built from "
        "local authorities (\"Same area as\" or \"Approximate\")."
    )
    if not _operator():
        return
    left, right = st.columns(2)
    if left.button("Download fresh figures from Fingertips", key="refresh_download"):
        bar = st.progress(0.0, text="Starting the download")
        try:
            outcome = refresh.refresh(base_url=os.environ.get(FINGERTIPS_URL_ENV) or refresh.DEFAULT_BASE_URL,
                                      progress=lambda done, what: bar.progress(min(max(done, 0.0), 1.0), text=what))
        except AtlasError as exc:
            bar.empty()
            st.error(f"{exc}")
        else:
            # No cache to clear: every shared cache is keyed by the data edition, which the refresh changed.
            st.session_state["refresh_message"] = outcome.describe()
            st.rerun()
    if manifest is not None and right.button("Go back to the bundled figures", key="refresh_revert"):
        refresh.revert()
        st.session_state["refresh_message"] = "Back to the bundled figures."
        st.rerun()


def _operator() -> bool:
    """Whether this session may change the figures everyone sees: only with the operator's key.

    Refreshing and reverting change every visitor's figures, so they are an operator's act:
    ``python -m geo refresh`` on the server, or this page once the operator has set
    :data:`OPERATOR_KEY_ENV` and typed the same key here. Visitors see which figures are in
    use and when they were downloaded, never the buttons.
    """
    key = os.environ.get(OPERATOR_KEY_ENV, "")
    if not key:
        st.caption("Refreshing the figures is the operator's task (`python -m geo refresh` on the server; see the "
                   "README, *Serving the atlas to a team*). It changes what every visitor sees, so it is not offered "
                   "here.")
        return False
    typed = st.text_input("Operator key", type="password", key="operator_key", max_chars=200,
                          help="Set by whoever runs this server; only they can refresh or revert the figures.")
    if not typed:
        return False
    if not hmac.compare_digest(typed.encode("utf-8"), key.encode("utf-8")):
        st.error("That is not the operator key; the figures stay as they are.")
        return False
    return True


def _boundary_sets(entry: dict[str, Any]) -> str:
    """The boundary sets a refreshed indicator's rows were stored on, e.g. "lad 2013, lad 2019"."""
    from geo.fingertips import AREA_TYPES

    kinds = {"lad": "districts", "utla": "upper tier", "region": "regions", "pct": "PCTs"}
    levels = {str(t.area_type_id): t.level for t in AREA_TYPES}
    found: list[str] = []
    for type_id, placed in entry.get("area_types", {}).items():
        level = levels.get(type_id, "")
        found += [f"{kinds.get(level, level)} {v}" for v in placed.get("vintages", []) if placed.get("rows")]
    return ", ".join(dict.fromkeys(found))


def _pct_answer(entry: dict[str, Any]) -> str:
    placed = entry.get("area_types", {}).get("2")
    if placed is not None:
        return f"{placed.get('rows', 0):,} rows"
    return "not listed by the API" if 2 in entry.get("not_listed", []) else "not asked"
