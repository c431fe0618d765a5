"""The Spearhead page: spotting Spearhead areas, tracking the gap, the deprivation gradient, years behind England.

The whole view lives in ``st.query_params`` (tab, period, vintage, level,
threshold, fraction, area; gap group, indicator family and baseline; gradient
outcome, period and sex; years-behind indicator, sex and period; own, swap and
opol for a column uploaded on the map page), so a link reproduces it. An uploaded
list or column is the one thing a link cannot carry; the page says so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import codes, criterion, indicators, shared
from geo import gap as gap_mod
from geo import gradient as gradient_mod
from geo import lag as lag_mod
from geo import series as series_mod
from geo import spearhead as sh
from geo.errors import AtlasError
from geo.periods import period_year
from geo.schema import vintages
from geo.spearhead_rules import FIVE as _FIVE
from layers import assets
from layers import spearhead as sh_layers
from layers.choropleth import ENGLAND_CENTRE, ENGLAND_ZOOM, base_map, outline_layer
from layers.legend import to_html
from ui import upload
from ui.cache import boundaries_for, catalogue
from ui.widgets import attribution_caption, compact_layout, show_notes, widget

__all__ = ["spearhead_page"]

MAP_HEIGHT = 520
_TABS = {"areas": "Spearhead areas", "gap": "The gap with England", "gradient": "Deprivation gradient",
         "lag": "Years behind England"}
_FAMILIES = {"le": "Life expectancy", "hle": "Healthy life expectancy", "cvd": "Under-75 deaths: heart and stroke",
             "cancer": "Under-75 deaths: cancer"}
_LAG_INDICATORS = {"le_birth": "Life expectancy", "hle_birth": "Healthy life expectancy"}
_LEVELS = {"lad": "Local authorities", "pct": "Primary Care Trusts (2011)"}
_GROUPS = {
    "qualifying": "Areas qualifying on the method above",
    "deprived": "Most deprived fifth (IMD average score)",
    "picked": "Areas I pick",
    "uploaded": "An uploaded list",
}
_SHORT = {
    "le_male": "Male life expectancy",
    "le_female": "Female life expectancy",
    "cancer_u75": "Cancer deaths under 75",
    "cvd_u75": "Heart and stroke deaths under 75",
}
_SEXES = {"female": "Females", "male": "Males", "persons": "Persons"}
_WORSE = {"lower_is_better": "Higher values are worse", "higher_is_better": "Lower values are worse"}
#: The largest threshold a link may ask for: the five indicators and an uploaded column added as a sixth.
_MOST = 6


@dataclass(frozen=True)
class SpearheadView:
    """Everything the page shows, as the URL holds it."""

    tab: str = "areas"
    period: str = "2015-17"
    level: str = "lad"
    vintage: str = "auto"
    threshold: int = 3
    fraction: float = 0.2
    area: str = ""
    group: str = "qualifying"
    picked: tuple[str, ...] = ()
    baseline: str = ""
    outcome: str = "le_birth"
    operiod: str = "2015-17"
    osex: str = "female"
    family: str = "le"
    lind: str = "le_birth"
    lsex: str = "female"
    lperiod: str = ""
    own: str = ""
    swap: str = criterion.ADD
    opol: str = ""


def _read_view(periods: tuple[str, ...]) -> tuple[SpearheadView, list[str]]:
    """The view from the URL; a bad parameter falls back to its default with one short note."""
    q = st.query_params
    view, notes = SpearheadView(), []

    def pick(name: str, allowed: Any, default: Any) -> Any:
        raw = q.get(name)
        if raw is None:
            return default
        if raw in allowed:
            return raw
        notes.append(f"Ignored {name}={raw!r} in the link; showing {default}.")
        return default

    tab = pick("tab", _TABS, view.tab)
    period = pick("period", periods, view.period if view.period in periods else periods[-1])
    level = pick("level", _LEVELS, view.level)
    vintage = pick("vintage", ("auto", *vintages("lad")), view.vintage)
    threshold, fraction = view.threshold, view.fraction
    try:
        threshold = int(q.get("threshold", view.threshold))
        fraction = float(q.get("fraction", view.fraction))
        if not (1 <= threshold <= _MOST and 0 < fraction < 1):
            raise ValueError
    except ValueError:
        notes.append(f"Ignored the threshold or fraction in the link (expected 1-{_MOST} and 0-1); showing 3 and a fifth.")
        threshold, fraction = view.threshold, view.fraction
    view = replace(
        view, tab=tab, period=period, level=level, vintage=vintage, threshold=threshold, fraction=fraction,
        area=q.get("area", ""), group=pick("group", _GROUPS, view.group),
        picked=tuple(c for c in q.get("picked", "").split(",") if c), baseline=q.get("baseline", ""),
        outcome=q.get("outcome", view.outcome), operiod=q.get("operiod", view.operiod),
        osex=pick("osex", _SEXES, view.osex), family=pick("family", _FAMILIES, view.family),
        lind=pick("lind", _LAG_INDICATORS, view.lind), lsex=pick("lsex", ("female", "male"), view.lsex),
        lperiod=q.get("lperiod", view.lperiod), own=q.get("own", ""), swap=q.get("swap", criterion.ADD),
        opol=pick("opol", _WORSE, ""),
    )
    return view, notes


def _set(name: str, key: str) -> None:
    value = st.session_state[key]
    if isinstance(value, list | tuple):
        st.query_params[name] = ",".join(value)
    elif value is None or value == "":
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = str(value)
    if name in ("level", "vintage", "period"):
        st.query_params.pop("area", None)


# ---------------------------------------------------------------- cached analyses
@shared.cached(max_entries=32)
def _run(period: str, level: str, vintage: str, threshold: int, fraction: float) -> sh.SpearheadRun:
    return sh.run(period, level=level, vintage=None if vintage == "auto" else vintage, threshold=threshold,
                  fraction=fraction, imd_edition="2004" if period == "2001-03" and level == "lad" else None)


@shared.cached(max_entries=32)
def _periods(level: str) -> tuple[str, ...]:
    return sh.periods_held(level)


@shared.cached(max_entries=32)
def _held_keys(period: str) -> tuple[str, ...]:
    """The keys of the indicators held for ``period`` (as :func:`_run` applies them); none when they cannot be read."""
    try:
        held, _ = sh.criteria_for(period, level="lad", imd_edition="2004" if period == "2001-03" else None)
    except AtlasError:
        return ()
    return tuple(c.key for c in held)


def _in_use(view: SpearheadView) -> tuple[int, int]:
    """(indicators held for the view's period, indicators in use): one more when an uploaded column is added."""
    keys = _held_keys(view.period)
    held = {i for i, (_, v) in upload.session_values().items() if (v["level"] == "lad").any()}
    adds = view.own in held and bool(view.opol) and view.swap not in keys
    return len(keys), len(keys) + int(adds)


@shared.cached(max_entries=32)
def _overlaps(codes: tuple[str, ...], vintage: str) -> pd.DataFrame:
    return sh.overlapping(codes, vintage=vintage)


@shared.cached(max_entries=32)
def _gap(codes: tuple[str, ...], key: str, vintage: str, baseline: str, label: str) -> gap_mod.GapResult:
    return gap_mod.track(codes, indicator=series_mod.INDICATORS[key], vintage=vintage, baseline=baseline or None,
                         group_label=label)


@shared.cached(max_entries=32)
def _lag(indicator_id: str, period: str, sex: str) -> lag_mod.LagRun:
    return lag_mod.run(indicator_id, period=period, sex=sex)


@shared.cached(max_entries=32)
def _group_lag(codes: tuple[str, ...], indicator_id: str, period: str, sex: str, vintage: str) -> tuple[lag_mod.Lag, str]:
    return lag_mod.group_lag(codes, indicator_id=indicator_id, period=period, sex=sex, vintage=vintage)


@shared.cached(max_entries=32)
def _gradient(indicator_id: str, period: str, sex: str, vintage: str) -> gradient_mod.Gradient:
    return gradient_mod.gradient(indicator_id, period=period, sex=sex, vintage=vintage)


# ---------------------------------------------------------------- the page
def spearhead_page() -> None:
    compact_layout()
    st.title("Spearhead areas and the health gap")
    view, notes = _read_view(_periods("lad"))
    held, in_use = _in_use(view)
    if held and view.threshold > in_use:
        notes.append(f"A threshold of {view.threshold} is more than the {in_use} indicators in use for "
                     f"{view.period}; showing {in_use} or more of the {in_use}.")
        view = replace(view, threshold=in_use)
        st.query_params["threshold"] = str(in_use)
    st.radio("Show", list(_TABS), format_func=_TABS.__getitem__, horizontal=True, label_visibility="collapsed",
             key=widget("w_sh_tab", view.tab), on_change=_set, args=("tab", "w_sh_tab"))
    _sidebar(view, in_use or 5)
    show_notes(notes)
    try:
        # An added column counts towards the threshold: the held indicators alone are run at most at their number.
        with st.spinner("Applying the method…"):
            result = _run(view.period, "lad", view.vintage, min(view.threshold, held or view.threshold), view.fraction)
        _own_picker(view, result)
        result = _with_own(view, result)
        if view.tab == "areas":
            _areas(view, result)
        elif view.tab == "gap":
            _gap_tab(view, result)
        elif view.tab == "lag":
            _lag_tab(view, result)
        else:
            _gradient_tab(view, result)
    except AtlasError as exc:
        st.error(str(exc))
    attribution_caption()


def _sidebar(view: SpearheadView, in_use: int) -> None:
    with st.sidebar:
        st.subheader("The method")
        st.selectbox("Period of the health data", _periods("lad"), key=widget("w_sh_period", view.period),
                     on_change=_set, args=("period", "w_sh_period"),
                     help="2001-03 is the 2004 reconstruction (IMD 2004); 2015-17 is the last period with all five.")
        st.selectbox("Map", list(_LEVELS), format_func=_LEVELS.__getitem__, key=widget("w_sh_level", view.level),
                     on_change=_set, args=("level", "w_sh_level"))
        st.selectbox("Local authority code set", ["auto", *vintages("lad")],
                     format_func=lambda v: "The set most areas hold fully" if v == "auto" else v,
                     key=widget("w_sh_vintage", view.vintage), on_change=_set, args=("vintage", "w_sh_vintage"))
        st.session_state["w_sh_threshold"] = view.threshold
        st.number_input("Indicators needed to qualify", min_value=1, max_value=in_use, step=1,
                        key="w_sh_threshold", on_change=_set, args=("threshold", "w_sh_threshold"),
                        help=f"From 1 to the {in_use} indicators in use (an uploaded column added as one more counts).")
        st.session_state["w_sh_fraction"] = view.fraction
        st.number_input("Worst fraction on each indicator", min_value=0.05, max_value=0.5, step=0.05,
                        key="w_sh_fraction", on_change=_set, args=("fraction", "w_sh_fraction"))


# ---------------------------------------------------------------- the user's own column
def _own_picker(view: SpearheadView, result: sh.SpearheadRun) -> None:
    """Sidebar: one uploaded local-authority column in place of an indicator, or as one more."""
    held = {i: ind for i, (ind, v) in upload.session_values().items() if (v["level"] == "lad").any()}
    with st.sidebar:
        st.subheader("Your own data")
        if not held:
            st.caption("Add your own local-authority figures on the map page (Your own data); a column of them can "
                       "then stand in for one of the indicators here, or be added as one more.")
            return
        labels = {"": "None", **{i: ind.title for i, ind in held.items()}}
        st.selectbox("Use an uploaded column", list(labels), format_func=labels.__getitem__,
                     key=widget("w_sh_own", view.own if view.own in held else ""), on_change=_set, args=("own", "w_sh_own"))
        if view.own not in held:
            return
        swaps = {**{c.key: f"In place of {c.label}" for c in result.criteria}, criterion.ADD: "As one more indicator"}
        st.selectbox("How", list(swaps), format_func=swaps.__getitem__,
                     key=widget("w_sh_swap", view.swap if view.swap in swaps else criterion.ADD),
                     on_change=_set, args=("swap", "w_sh_swap"))
        st.session_state.pop("w_sh_opol", None)  # drawn from the view (index), as the link says
        # No default: an upload has no polarity of its own, so the user says which way is worse.
        st.radio("Which way is worse for your column", list(_WORSE), format_func=_WORSE.__getitem__,
                 index=list(_WORSE).index(view.opol) if view.opol else None, key="w_sh_opol",
                 on_change=_set, args=("opol", "w_sh_opol"))
        st.caption("Your column stays in this browser session: a link to this view says it used an upload, "
                   "but cannot carry the data.")


def _with_own(view: SpearheadView, result: sh.SpearheadRun) -> sh.SpearheadRun:
    """The run with the user's column in it, when the view asks for one this session holds."""
    if not view.own:
        return result
    held = upload.session_values()
    if view.own not in held:
        st.info("This link's view used a column uploaded in another session; uploads stay private to the session "
                "that made them, so the method runs on the indicators the atlas holds. Upload the file on the map "
                "page (Your own data) to use it here.", icon=":material/info:")
        return result
    if not view.opol:
        st.info("Say which way is worse for your column (sidebar, Your own data) to use it in the method.",
                icon=":material/info:")
        return result
    swap = view.swap
    if swap != criterion.ADD and swap not in {c.key for c in result.criteria}:
        st.info(f"Ignored swap={swap!r} in the link (no such indicator for {result.period}); your column is added "
                "as one more.", icon=":material/info:")
        swap = criterion.ADD
    indicator, values = held[view.own]
    own = criterion.OwnCriterion(view.own, indicator.label, view.opol,  # type: ignore[arg-type]  # checked by _read_view
                                 replaces=swap, file_name=indicator.source.dataset,
                                 period=indicator.periods[0] if indicator.periods else "")
    try:
        return criterion.apply(result, own, values, threshold=view.threshold)
    except AtlasError as exc:
        st.error(str(exc))
        return result


def _method_text(result: sh.SpearheadRun) -> str:
    lines = [f"**{html.escape(result.period)}**, local authorities on their **{result.vintage}** codes; worst "
             f"{result.assessment.fraction:.0%} of areas on each indicator:"]
    for c in result.criteria:
        proxy = f" (stands in for {c.stands_for}, the 2004 method's indicator)" if c.stands_for else ""
        lines.append(f"- {c.label}, {c.period}{proxy}")
    return "\n".join(lines)


def _statement(result: sh.SpearheadRun) -> str:
    """What the result rests on, in words: never silent about a stand-in or a missing indicator."""
    parts = []
    proxies = [c for c in result.criteria if c.stands_for]
    if proxies:
        parts.append("Proxies: " + "; ".join(f"{c.label.lower()} for {c.stands_for}" for c in proxies) + ".")
    parts += [c.official or c.series for c in result.criteria if c.series and not c.stands_for]  # once refreshed
    if result.left_out:
        parts.append("Not held: " + " ".join(result.left_out) +
                     f" The result rests on {len(result.criteria)} of the 5 indicators.")
    imd = next((c for c in result.criteria if c.key == "imd"), None)
    if imd is not None:
        parts.append(f"Deprivation: {imd.label} (the edition nearest {result.period}).")
    if isinstance(result, criterion.OwnRun) and result.own is not None:
        where = f"in place of {result.replaced_label}" if result.replaced_label else "as one more indicator"
        worse = "lower" if result.own.polarity == "higher_is_better" else "higher"
        parts.append(f"Your own data: {result.own.label} (your file, this session only) {where}; worse is {worse}.")
    return " ".join(parts)


def _areas(view: SpearheadView, result: sh.SpearheadRun) -> None:
    table = result.table()
    qualifying = table[table["qualifies"]]
    map_col, panel_col = st.columns([3, 2], gap="medium")
    with map_col:
        if view.level == "pct":
            layer, legend = _pct_layer(view, result)
        else:
            gdf = boundaries_for("lad", result.vintage)
            layer = sh_layers.spearhead_layer(gdf, table, result.criteria, result.assessment.cutoffs,
                                              name="Spearhead method", formats=criterion.formats(result))
            legend = sh_layers.spearhead_legend(table, n=len(result.criteria), rests_on=result.rests_on,
                                                title=f"Spearhead method, {result.period}")
        official_codes = st.session_state.get("sh_official_codes", [])
        layers = [layer]
        chosen = boundaries_for("lad", result.vintage)
        chosen = chosen[chosen["area_code"] == view.area]
        if view.level == "lad" and not chosen.empty:
            layers.append(outline_layer(chosen.geometry.iloc[0], name=str(chosen["area_name"].iloc[0])))
        if official_codes and view.level == "lad":
            layers.append(sh_layers.official_layer(boundaries_for("lad", result.vintage), official_codes,
                                                   name="Official list (uploaded)"))
        official_pcts = st.session_state.get("sh_official_pct_codes", [])
        if official_pcts and view.level == "pct":
            layers.append(sh_layers.official_layer(boundaries_for("pct", sh.boundaries_vintage("pct")), official_pcts,
                                                   name="Official list PCTs (uploaded)"))
        out = st_folium(_base_map(), key="sh_map", height=MAP_HEIGHT, use_container_width=True,
                        feature_group_to_add=layers, center=ENGLAND_CENTRE, zoom=ENGLAND_ZOOM,
                        returned_objects=["last_active_drawing"])
        _click(out)
    with panel_col:
        st.markdown(f"**{len(qualifying)} of {len(table)} local authorities qualify** ({result.rests_on}, "
                    f"{result.period}, {result.vintage} codes).")
        st.caption(_statement(result))
        _criteria_panel(view, result, table)
        st.markdown(to_html(legend), unsafe_allow_html=True)  # escaped in layers.legend
        if (official_codes and view.level == "lad") or (official_pcts and view.level == "pct"):
            st.caption("Dashed pink outlines: the uploaded official list.")
        with st.expander("The method: indicators, ties, missing values, code sets"):
            st.markdown(_method_text(result))
            for rule in sh.RULES:
                st.markdown(f"- {rule}")
            st.markdown(f"- {sh.CODE_SETS}")
            for note in result.notes:
                st.markdown(f"- {note}")
    _official(view, result, qualifying)
    with st.expander("Every local authority: criteria met and values"):
        st.dataframe(table, hide_index=True, use_container_width=True)
    csv = "".join(f"# {line}\n" for line in result.header()) + _csv(table)
    own = "_own" if isinstance(result, criterion.OwnRun) else ""
    st.download_button("Download the table (CSV)", csv, file_name=f"spearhead_{result.period}_{result.vintage}{own}.csv",
                       mime="text/csv")


def _csv(table: pd.DataFrame) -> str:
    out = table.copy()
    for column in ("qualifies", "undecided"):
        out[column] = out[column].map({True: "true", False: "false"})
    return str(out.to_csv(index=False, lineterminator="\n"))


def _pct_layer(view: SpearheadView, result: sh.SpearheadRun) -> tuple[Any, Any]:
    pcts = boundaries_for("pct", "2011")
    pct_run = _pct_run(view)
    if pct_run is not None:
        st.caption(f"PCT values held for {view.period}: the method applied to the 151 PCTs of 2011 "
                   f"({pct_run.rests_on}; {', '.join(c.label for c in pct_run.criteria)}).")
        t = pct_run.table()
        layer = sh_layers.spearhead_layer(pcts, t, pct_run.criteria, pct_run.assessment.cutoffs, name="Spearhead PCTs")
        legend = sh_layers.spearhead_legend(t, n=len(pct_run.criteria), rests_on=pct_run.rests_on,
                                            title=f"PCTs by the method, {view.period}")
        return layer, legend
    codes = tuple(result.assessment.table.index[result.assessment.table["qualifies"]])
    over = _overlaps(codes, result.vintage)
    why = ("the threshold counts your column, which PCTs do not have" if view.threshold > len(_FIVE)
           else "PCT values are not held for this period")
    st.caption(f"{why.capitalize()}: PCTs overlapping a qualifying local authority are "
               "marked (labelled “overlaps”), not assessed.")
    layer = sh_layers.overlap_layer(pcts, over, name="PCTs overlapping qualifying LAs")
    legend = sh_layers.spearhead_legend(result.table(), n=len(result.criteria), rests_on=result.rests_on,
                                        title="Local authorities behind the marked PCTs")
    return layer, legend


def _pct_run(view: SpearheadView) -> sh.SpearheadRun | None:
    """The method on the 2011 PCTs' own values; ``None`` when not held, or the threshold counts an uploaded column."""
    if view.threshold > len(_FIVE):
        return None
    try:
        return _run(view.period, "pct", "2011", view.threshold, view.fraction)
    except AtlasError:
        return None


def _base_map() -> Any:
    m = base_map(location=ENGLAND_CENTRE, zoom_start=ENGLAND_ZOOM)
    sh_layers.LabelsFromZoom().add_to(m)
    return assets.localise(m)


def _click(out: dict[str, Any] | None) -> None:
    props = ((out or {}).get("last_active_drawing") or {}).get("properties") or {}
    code = props.get("area_code")
    if code and code != st.query_params.get("area") and st.session_state.get("_sh_last") != code:
        st.session_state["_sh_last"] = code
        st.query_params["area"] = code
        st.rerun()


def _criteria_panel(view: SpearheadView, result: sh.SpearheadRun, table: pd.DataFrame) -> None:
    if view.level == "pct":
        return
    row = table[table["area_code"] == view.area]
    if row.empty:
        if view.area:
            st.info(f"{view.area} is not a {result.vintage} local authority code; click an area on the map.")
        else:
            st.caption("Click an area to see which criteria it meets, with its values and the cut-offs.")
        return
    r = row.iloc[0]
    verdict = "qualifies" if r["qualifies"] else ("is undecided (values missing)" if r["undecided"] else "does not qualify")
    st.markdown(f"#### {html.escape(str(r['area_name']))}")
    st.markdown(f"{r['area_name']} {verdict}: worst fifth on **{int(r['criteria_met'])} of {len(result.criteria)}** "
                f"(judged on {int(r['criteria_held'])}).")
    lines = []
    formats = criterion.formats(result)
    for c in result.criteria:
        value = r[f"{c.key}_value"]
        worse = "or lower" if c.polarity == "higher_is_better" else "or higher"
        cutoff = float(result.assessment.cutoffs[c.key])
        shown, cut_text = sh.shown_pair(formats[c.key], float(value) if pd.notna(value) else cutoff, cutoff)
        cut = f"cut-off {cut_text} {worse}"
        name = (_SHORT.get(c.key, c.label) if c.key != "imd" else c.label) + (" (proxy)" if c.stands_for else "")
        if pd.isna(value):
            lines.append(f"- ○ {name}: no value ({cut})")
        elif r[c.key] == 1:
            lines.append(f"- **● {name}: {shown}** — worst fifth ({cut})")
        else:
            lines.append(f"- ○ {name}: {shown} — not ({cut})")
    st.markdown("\n".join(lines))


def _computed_pcts(view: SpearheadView, result: sh.SpearheadRun) -> tuple[list[str], str]:
    """The PCTs the method picks for the period, or (no PCT values held) those overlapping qualifying LAs."""
    pct_run = _pct_run(view)
    if pct_run is None:
        t = result.assessment.table
        over = _overlaps(tuple(t.index[t["qualifies"]]), result.vintage)
        why = "the threshold counts your column" if view.threshold > len(_FIVE) else "no PCT values for this period"
        return list(over["area_code"]), f"PCTs overlapping a qualifying local authority ({why})"
    t = pct_run.assessment.table
    return list(t.index[t["qualifies"]]), f"PCTs qualifying on {view.period} PCT data ({pct_run.rests_on})"


def _official(view: SpearheadView, result: sh.SpearheadRun, qualifying: pd.DataFrame) -> None:
    st.subheader("The official 2004 list")
    st.markdown(
        "The Department of Health's list (70 local authorities, 88 PCTs; Written Ministerial Statement, "
        "25 November 2004) is **not in the raw data the atlas holds**. Upload it as a CSV of names or codes "
        "(one a line, first column): local authorities of any vintage, and PCTs by ONS code (E16/E17), NHS "
        "code (e.g. 5NG) or a name ending in “PCT”. Local authorities are reconciled to the codes on the map "
        "and PCTs to the 2011 PCTs (pick *Primary Care Trusts* under Map to see them), each drawn as a historical "
        "layer beside the computed one and compared in a table. An upload is not kept in the link."
    )
    st.caption(sh.PCT_VINTAGE_NOTE)
    upload = st.file_uploader("Official list (CSV of local authority or PCT names or codes)", type=["csv", "txt"])
    if upload is None:
        st.session_state.pop("sh_official_codes", None)
        st.session_state.pop("sh_official_pct_codes", None)
        return
    try:
        text = upload.getvalue().decode("utf-8-sig")
        entries = [line.split(",")[0].strip().strip('"') for line in text.splitlines()]
        entries = [e for e in entries if e and not e.startswith("#") and e.lower() not in ("area_code", "code", "name", "area_name")]
        la_entries, pct_entries = sh.split_official(entries)
        agreement, notes = (sh.compare_official(la_entries, list(qualifying["area_code"]), vintage=result.vintage)
                            if la_entries else (None, ()))
        pct_agreement, pct_unmatched, pct_label = None, None, ""
        if pct_entries:
            computed, pct_label = _computed_pcts(view, result)
            pct_agreement, pct_unmatched = sh.compare_official_pct(pct_entries, computed)
    except (AtlasError, UnicodeDecodeError) as exc:
        st.error(f"The list could not be read: {exc}")
        return
    codes = [] if agreement is None else list(agreement.loc[agreement["official"], "area_code"])
    pct_codes = [] if pct_agreement is None else list(pct_agreement.loc[pct_agreement["official"], "area_code"])
    if st.session_state.get("sh_official_codes") != codes or st.session_state.get("sh_official_pct_codes") != pct_codes:
        st.session_state["sh_official_codes"] = codes
        st.session_state["sh_official_pct_codes"] = pct_codes
        st.rerun()
    if agreement is not None:
        st.markdown(f"**Local authorities** ({len(la_entries)} entries). " + _counts(agreement))
        st.dataframe(agreement, hide_index=True, use_container_width=True)
        show_notes(list(notes))
    if pct_agreement is not None and pct_unmatched is not None:
        st.markdown(f"**PCTs** ({len(pct_entries)} entries; computed: {pct_label}). " + _counts(pct_agreement))
        st.dataframe(pct_agreement, hide_index=True, use_container_width=True)
        if len(pct_unmatched):
            st.markdown(f"**{len(pct_unmatched)} PCT entries not matched** to a 2006-13 PCT:")
            st.dataframe(pct_unmatched, hide_index=True, use_container_width=True)


def _counts(agreement: pd.DataFrame) -> str:
    counts = agreement["agreement"].value_counts()
    return (f"On both lists: **{counts.get('both', 0)}**; official list only: **{counts.get('official list only', 0)}**; "
            f"computed only: **{counts.get('computed only', 0)}**.")


# ---------------------------------------------------------------- the gap
def _group(view: SpearheadView, result: sh.SpearheadRun) -> tuple[tuple[str, ...], str]:
    t = result.assessment.table
    if view.group == "qualifying":
        return tuple(t.index[t["qualifies"]]), f"areas qualifying on {result.period} data ({result.rests_on})"
    if view.group == "deprived":
        if "imd" not in result.values.columns:  # replaced by the user's column: the deprived fifth is still IMD's
            result = _run(view.period, "lad", view.vintage, view.threshold, view.fraction)
        imd = next(c for c in result.criteria if c.key == "imd")
        worst = sh.worst_fifth(result.values["imd"], polarity=imd.polarity)
        return tuple(result.values.index[worst.fillna(False).astype(bool)]), f"most deprived fifth by {imd.label}"
    if view.group == "picked":
        return tuple(c for c in view.picked if c in result.names), "areas picked by hand"
    return tuple(st.session_state.get("sh_gap_upload", ())), "an uploaded list"


def _group_picker(view: SpearheadView, result: sh.SpearheadRun) -> None:
    st.radio("Group", list(_GROUPS), format_func=_GROUPS.__getitem__, horizontal=True,
             key=widget("w_sh_group", view.group), on_change=_set, args=("group", "w_sh_group"))
    if view.group == "picked":
        names = dict(sorted(result.names.items(), key=lambda kv: kv[1]))
        st.multiselect("Local authorities", list(names), format_func=names.__getitem__,
                       default=[c for c in view.picked if c in names], key="w_sh_picked",
                       on_change=_set, args=("picked", "w_sh_picked"))
    if view.group == "uploaded":
        upload = st.file_uploader("List of local authority codes or names (CSV, first column)", type=["csv", "txt"],
                                  key="sh_gap_file")
        if upload is not None:
            entries = [line.split(",")[0].strip() for line in upload.getvalue().decode("utf-8-sig").splitlines()]
            agreement, notes = sh.compare_official([e for e in entries if e], [], vintage=result.vintage)
            st.session_state["sh_gap_upload"] = tuple(agreement["area_code"])
            show_notes(list(notes))
        st.caption("An upload is not kept in the link.")


def _gap_tab(view: SpearheadView, result: sh.SpearheadRun) -> None:
    _group_picker(view, result)
    st.radio("Indicator", list(_FAMILIES), format_func=_FAMILIES.__getitem__, horizontal=True,
             key=widget("w_sh_family", view.family), on_change=_set, args=("family", "w_sh_family"))
    members, label = _group(view, result)
    if not members:
        st.info("The group is empty: pick or upload some local authorities.")
        return
    st.markdown(f"**{len(members)} local authorities** ({label}), on {result.vintage} codes, against England.")
    all_periods: set[str] = set()
    for key in series_mod.FAMILIES[view.family]:
        ind, _ = series_mod.resolve(series_mod.INDICATORS[key])
        periods = gap_mod.periods_for(ind)
        all_periods |= set(periods)
        baseline = view.baseline if view.baseline in periods else periods[0]
        # An uploaded list is this session's: its group is tracked afresh, never kept for others.
        track = _gap.__wrapped__ if view.group == "uploaded" else _gap
        with st.spinner("Tracking the gap…"):
            g = track(members, key, result.vintage, baseline, label)
        st.markdown(f"##### {ind.label}: gap with England, relative (%) and absolute ({ind.unit}), baseline {baseline}")
        if ind.target_text:
            st.caption(ind.target_text[0].upper() + ind.target_text[1:] + ".")
        _gap_charts(g, ind.label)
        shown = g.table.round(3)
        st.dataframe(shown, hide_index=True, use_container_width=True)
        st.caption(f"Group figure: {g.method}. " + " ".join(g.notes))
        st.download_button(f"Download ({ind.label}, CSV)", "".join(f"# {x}\n" for x in g.header()) + shown.to_csv(index=False),
                           file_name=f"gap_{key}.csv", mime="text/csv", key=f"dl_gap_{key}")
    options = sorted(all_periods, key=period_year)
    st.selectbox("Baseline period", options, key=widget("w_sh_baseline", view.baseline if view.baseline in options else options[0]),
                 on_change=_set, args=("baseline", "w_sh_baseline"),
                 help="Where an indicator or sex has no value for this period, its first period held is the baseline.")


def _gap_charts(g: gap_mod.GapResult, label: str) -> None:
    """The indicator's own measure first, the other beside it: relative (%) and absolute (its unit)."""
    first = g.indicator.chart if g.indicator.chart in ("relative", "absolute") else "relative"
    order = (first, "absolute" if first == "relative" else "relative")
    for column, measure in zip(st.columns(2, gap="medium"), order, strict=True):
        with column:
            _gap_chart(g, label, measure=measure)


def _gap_chart(g: gap_mod.GapResult, label: str, *, measure: str) -> None:
    import altair as alt

    long, name, title = gap_mod.chart_series(g, measure=measure)
    names = [name, g.target_label]
    chart = alt.Chart(long).mark_line(point=alt.OverlayMarkDef(aria=False), aria=False).encode(
        x=alt.X("period:O", title="Period", sort=list(g.table["period"]), axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False)),
        # the gap solid vermillion, the target path dashed black: named, so colour is not the only cue
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top", labelLimit=400, direction="vertical"),
                        scale=alt.Scale(domain=names, range=["#D55E00", "#1A1A1A"])),
        strokeDash=alt.StrokeDash("series:N", legend=None, scale=alt.Scale(domain=names, range=[[1, 0], [6, 4]])),
        tooltip=["period", "series", alt.Tooltip("value:Q", format=".2f")],
    ).properties(height=300, description=f"{label}: {name.lower()} with England by period, and the target path; "
                                         "the table below gives every value.")
    # the table below carries the figures; ARIA off stops unlabelled SVG groups (axe svg-img-alt)
    st.altair_chart(chart.configure(aria=False), use_container_width=True)


# ---------------------------------------------------------------- the gradient
def _outcomes() -> dict[str, str]:
    return {
        i.indicator_id: i.label for i in catalogue().values()
        if "lad" in i.levels and i.polarity != "none" and i.group in ("Life expectancy", "Mortality")
    }


def _gradient_tab(view: SpearheadView, result: sh.SpearheadRun) -> None:
    outcomes = _outcomes()
    outcome = view.outcome if view.outcome in outcomes else "le_birth"
    combos = indicators.periods(outcome, level="lad")
    sexes = [s for s in _SEXES if s in set(combos["sex"])]
    sex = view.osex if view.osex in sexes else sexes[0]
    periods = sorted(set(combos.loc[combos["sex"] == sex, "period"]), key=period_year)
    period = view.operiod if view.operiod in periods else periods[-1]
    a, b, c = st.columns([3, 2, 1])
    a.selectbox("Outcome", list(outcomes), format_func=outcomes.__getitem__, key=widget("w_sh_outcome", outcome),
                on_change=_set, args=("outcome", "w_sh_outcome"))
    b.selectbox("Period", periods, key=widget("w_sh_operiod", period), on_change=_set, args=("operiod", "w_sh_operiod"))
    c.selectbox("Sex", sexes, format_func=_SEXES.__getitem__, key=widget("w_sh_osex", sex), on_change=_set,
                args=("osex", "w_sh_osex"))
    rows = combos[(combos["period"] == period) & (combos["sex"] == sex)].sort_values("areas")
    vintage = str(rows["vintage"].iloc[-1])
    with st.spinner("Fitting the gradient…"):
        g = _gradient(outcome, period, sex, vintage)
    f, q = g.fit, g.inequality
    st.markdown(f"**{g.label}**, {_SEXES[sex].lower()}, {period}, against **IMD {g.imd_edition}** average score; "
                f"local authorities on {vintage} codes; {g.weighting}.")
    m1, m2, m3 = st.columns(3)
    m1.metric("Slope per IMD point", f"{f.slope:.3f}", help=f"95% CI {f.slope_lower:.3f} to {f.slope_upper:.3f}")
    m1.caption(f"95% CI {f.slope_lower:.3f} to {f.slope_upper:.3f}; {f.n} areas")
    m2.metric("Slope index of inequality (SII)", f"{q.sii:.2f}")
    m2.caption(f"95% CI {q.sii_lower:.2f} to {q.sii_upper:.2f} ({g.unit}); least minus most deprived end")
    m3.metric("Relative index of inequality (RII)", f"{q.rii:.1%}")
    m3.caption(f"95% CI {q.rii_lower:.1%} to {q.rii_upper:.1%} of the mean")
    left, right = st.columns([1, 1], gap="medium")
    table = g.table.copy()
    table["area_name"] = [result.names.get(code, "") for code in table.index] if vintage == result.vintage else [
        codes.area_names("lad", vintage).get(code, "") for code in table.index]
    with left:
        _scatter(table, f, g)
    with right:
        gdf = boundaries_for("lad", vintage)
        layer = sh_layers.residual_layer(gdf, g.table, polarity=catalogue()[outcome].polarity, name="Residuals", unit=g.unit)
        legend = sh_layers.residual_legend(g.table, polarity=catalogue()[outcome].polarity,
                                           title="Against what deprivation predicts", residual_sd=f.residual_sd)
        st_folium(_base_map(), key="sh_residual_map", height=420, use_container_width=True,
                  feature_group_to_add=[layer], center=ENGLAND_CENTRE, zoom=ENGLAND_ZOOM, returned_objects=[])
        st.markdown(to_html(legend), unsafe_allow_html=True)  # escaped in layers.legend
    st.caption("SII and RII: 10 deciles of local authorities by IMD score, each decile's population-weighted "
               "value placed at the middle of its cumulative population share; intervals from the line's "
               "standard error (t, 8 df). OHID's published SII simulates from each decile's interval instead.")
    show_notes(list(g.notes))
    st.download_button("Download the gradient table (CSV)",
                       "".join(f"# {x}\n" for x in g.header()) + table.rename_axis("area_code").reset_index().to_csv(index=False),
                       file_name=f"gradient_{outcome}_{sex}_{period}.csv", mime="text/csv")


def _scatter(table: pd.DataFrame, fit: gradient_mod.Fit, g: gradient_mod.Gradient) -> None:
    import altair as alt

    data = table.dropna(subset=["value", "imd"]).reset_index(names="area_code")
    line = pd.DataFrame({"imd": [data["imd"].min(), data["imd"].max()]})
    line["predicted"] = fit.predict(line["imd"])
    points = alt.Chart(data).mark_circle(opacity=0.7, aria=False).encode(
        x=alt.X("imd:Q", title=f"IMD {g.imd_edition} average score (higher = more deprived)"),
        y=alt.Y("value:Q", title=f"{g.label} ({g.unit})", scale=alt.Scale(zero=False)),
        color=alt.Color("verdict:N", title="Against the line", legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=list(gradient_mod.VERDICTS[:3]), range=["#0072B2", "#999999", "#D55E00"])),
        shape=alt.Shape("verdict:N", legend=None),
        tooltip=["area_name", "area_code", alt.Tooltip("value:Q", format=".1f"), alt.Tooltip("imd:Q", format=".1f"),
                 alt.Tooltip("predicted:Q", format=".1f"), "verdict"],
    )
    fitted = alt.Chart(line).mark_line(color="#1A1A1A", aria=False).encode(x="imd:Q", y="predicted:Q")
    st.altair_chart((points + fitted).properties(height=400), use_container_width=True)



# ---------------------------------------------------------------- years behind England
def _lag_tab(view: SpearheadView, result: sh.SpearheadRun) -> None:
    indicator_id = view.lind
    combos = indicators.periods(indicator_id, level="lad" if "lad" in catalogue()[indicator_id].levels else "utla")
    periods = sorted(set(combos.loc[combos["sex"] == view.lsex, "period"]), key=period_year)
    england = lag_mod.england_series(indicator_id, sex=view.lsex)
    periods = [p for p in periods if p in england.index]
    period = view.lperiod if view.lperiod in periods else periods[-1]
    a, b, c = st.columns([3, 1, 1])
    a.selectbox("Indicator", list(_LAG_INDICATORS), format_func=_LAG_INDICATORS.__getitem__,
                key=widget("w_sh_lind", indicator_id), on_change=_set, args=("lind", "w_sh_lind"))
    b.selectbox("Sex", ["female", "male"], format_func=_SEXES.__getitem__, key=widget("w_sh_lsex", view.lsex),
                on_change=_set, args=("lsex", "w_sh_lsex"))
    c.selectbox("Period", periods, key=widget("w_sh_lperiod", period), on_change=_set, args=("lperiod", "w_sh_lperiod"))
    with st.spinner("Measuring years behind England…"):
        run = _lag(indicator_id, period, view.lsex)
    label = _LAG_INDICATORS[indicator_id]
    beyond_years = period_year(period) - period_year(run.first_period)
    map_col, panel_col = st.columns([3, 2], gap="medium")
    with map_col:
        gdf = boundaries_for(run.level, run.vintage)
        layer = sh_layers.lag_layer(gdf, run.table, name="Years behind England")
        layers = [layer]
        chosen = gdf[gdf["area_code"] == view.area]
        if not chosen.empty:
            layers.append(outline_layer(chosen.geometry.iloc[0], name=str(chosen["area_name"].iloc[0])))
        out = st_folium(_base_map(), key="sh_lag_map", height=MAP_HEIGHT, use_container_width=True,
                        feature_group_to_add=layers, center=ENGLAND_CENTRE, zoom=ENGLAND_ZOOM,
                        returned_objects=["last_active_drawing"])
        _click(out)
    with panel_col:
        t = run.table
        n_beyond = int(t["beyond_series"].fillna(False).sum())
        st.markdown(f"**{label}, {_SEXES[view.lsex].lower()}, {period}**: {int((t['years_behind'] == 0).sum())} of "
                    f"{int(t['value'].notna().sum())} areas at or better than England; **{n_beyond} beyond the series** "
                    f"(more than {beyond_years:g} years behind). {run.level.upper()} {run.vintage} codes.")
        row = t[t["area_code"] == view.area]
        if row.empty:
            st.caption("Click an area to see its years behind England in a sentence.")
        else:
            r = row.iloc[0]
            lag = lag_mod.years_behind(r["value"], period, run.england, polarity=catalogue()[indicator_id].polarity)
            st.markdown(f"#### {html.escape(str(r['area_name']))}")
            st.markdown(lag_mod.sentence(str(r["area_name"]), view.lsex, lag, indicator_id=indicator_id)
                        or f"{r['area_name']} has no value for {period}.")
        st.markdown(to_html(sh_layers.lag_legend(t, title=f"Years behind England: {label.lower()}, "
                                                 f"{_SEXES[view.lsex].lower()}, {period}",
                                                 first_period=run.first_period, period=period,
                                                 beyond_years=beyond_years)), unsafe_allow_html=True)
        _group_lag_line(view, result, indicator_id, period)
    st.markdown(f"**The definition.** {lag_mod.DEFINITION}")
    show_notes(list(run.notes))
    with st.expander("Every area: value and years behind"):
        st.dataframe(run.csv_table(), hide_index=True, use_container_width=True)
    st.download_button("Download years behind (CSV)",
                       "".join(f"# {x}\n" for x in run.header()) + _lag_csv(run.csv_table()),
                       file_name=f"lag_{indicator_id}_{view.lsex}_{period}.csv", mime="text/csv")


def _lag_csv(table: pd.DataFrame) -> str:
    out = table.copy()
    out["beyond_series"] = out["beyond_series"].map({True: "true", False: "false"})
    return str(out.to_csv(index=False, lineterminator="\n"))


def _group_lag_line(view: SpearheadView, result: sh.SpearheadRun, indicator_id: str, period: str) -> None:
    """The group chosen on the gap view, in one sentence."""
    members, label = _group(view, result)
    if not members:
        return
    try:
        group_lag = _group_lag.__wrapped__ if view.group == "uploaded" else _group_lag
        lag, how = group_lag(members, indicator_id, period, view.lsex, result.vintage)
    except AtlasError as exc:
        st.caption(f"The group: {exc}")
        return
    if lag.years_behind != lag.years_behind:  # NaN: no member holds a value
        st.caption(f"The group ({label}) has no value for {period}.")
        return
    st.markdown(f"**The group** ({label}; {how}): {lag.value:.1f} years, **{lag.text}** behind England. "
                "Change the group on the gap view.")
