"""Your own data on the map: the upload widget and the session-only layers.

Everything uploaded lives in ``st.session_state`` of the session that uploaded it:
never on disk, never in ``st.cache_data``/``st.cache_resource`` (shared by every
session). The map page reads indicators, combinations, values and England's value
through :func:`catalogue`, :func:`combos`, :func:`values` and :func:`england_row`,
which fall back to the shared catalogue for everything that is not an upload.
Checking and reshaping the file is :mod:`geo.uploads`; this module is widgets only. A file
that is a list of postcodes (a row per person, household or event) is counted by area in
:mod:`ui.postcode_upload` and added here as a layer like any other.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st

from geo import boundaries, codes, crosswalk, sandbox, shared, upload_layer, uploads
from geo.catalogue import Indicator
from geo.errors import AtlasError
from geo.schema import LEVEL_LABELS, boundary_set
from geo.shared import UPLOAD_PREFIX
from geo.view import MAP_LEVELS, View
from ui import cache as shared_data
from ui import postcode_upload

__all__ = [
    "GROUP", "PREFIX", "catalogue", "combos", "england_row", "explain", "panel", "session_token", "session_values",
    "small_area_layers",
    "small_area_options", "values",
]

GROUP = uploads.GROUP
PREFIX = UPLOAD_PREFIX
_LAYERS = "_uploads"
_COUNT = "_upload_n"
_CHECKED = "_upload_checked"
_MAPPED = "_upload_mapped"
_ACCEPT = "_upload_accept"
_TOKEN = "_upload_token"
_SHOWN_PROBLEMS = 40
_VALUE_TYPES = {"rate": "A rate or average", "proportion": "A percentage", "count": "A count", "score": "A score"}
_POLARITY = {"none": "Neither (no better or worse)", "higher_is_better": "Higher is better", "lower_is_better": "Lower is better"}


@dataclass(frozen=True, eq=False)
class _Layer:
    indicator: Indicator
    values: pd.DataFrame
    england: float | None
    route: str = ""


def session_token() -> str:
    """This session's random part of its upload ids: two sessions never make the same id."""
    token: str = st.session_state.setdefault(_TOKEN, secrets.token_hex(4))
    return token


def _layers() -> dict[str, _Layer]:
    layers: dict[str, _Layer] = st.session_state.setdefault(_LAYERS, {})
    return layers


# ---------------------------------------------------------------- what the map page reads
def catalogue() -> dict[str, Indicator]:
    """The shared catalogue plus this session's uploaded columns (group "Your data")."""
    return {**shared_data.catalogue(), **{i: layer.indicator for i, layer in _layers().items()}}


def combos(indicator_id: str, level: str) -> pd.DataFrame:
    """As :func:`ui.cache.combos`, for uploads too."""
    if not indicator_id.startswith(PREFIX):
        return shared_data.combos(indicator_id, level)
    layer = _layers().get(indicator_id)
    if layer is None:
        return pd.DataFrame(columns=["vintage", "period", "sex", "areas"])
    rows = layer.values[layer.values["level"] == level]
    return rows.groupby(["vintage", "period", "sex"], as_index=False).size().rename(columns={"size": "areas"})


def values(indicator_id: str, level: str, vintage: str, period: str, sex: str) -> pd.DataFrame:
    """As :func:`ui.cache.values`, for uploads too."""
    if not indicator_id.startswith(PREFIX):
        return shared_data.values(indicator_id, level, vintage, period, sex)
    v = _layers()[indicator_id].values
    keep = (v["level"] == level) & (v["vintage"] == vintage) & (v["period"] == period) & (v["sex"] == sex)
    return v[keep].reset_index(drop=True)


def england_row(indicator_id: str, *, period: str, sex: str) -> pd.Series | None:
    """England's row (a ``value``), from the file's England row for an upload."""
    if not indicator_id.startswith(PREFIX):
        from geo import indicators

        return indicators.england_value(indicator_id, period=period, sex=sex)
    layer = _layers().get(indicator_id)
    if layer is None or layer.england is None:
        return None
    return pd.Series({"value": layer.england, "period": period, "sex": sex})


def session_values() -> dict[str, tuple[Indicator, pd.DataFrame]]:
    """This session's uploaded columns: ``{indicator_id: (Indicator, values in INDICATOR_COLUMNS)}``.

    For other pages (target rules, the Spearhead method) to offer a user's columns. A
    column from a file of LSOAs has rows at ``level`` ``lsoa`` as well as at the map's
    level (``Indicator.levels`` lists both).
    """
    return {i: (layer.indicator, layer.values.copy()) for i, layer in _layers().items()}


def small_area_layers(lsoa_vintage: str) -> list[str]:
    """This session's uploaded columns held on the ``lsoa_vintage`` LSOAs: the map's drill-down can draw them."""
    return [i for i, layer in _layers().items() if lsoa_vintage in layer.indicator.levels.get("lsoa", ())]


def small_area_options(options: Sequence[str], lsoa_vintage: str) -> list[str]:
    """The drill-down's small-area indicators: the shared ones, then this session's uploads of small areas.

    ``options`` may come from a bundle shared between sessions, so uploads in it that
    this session does not hold are dropped (they are another session's).
    """
    mine = small_area_layers(lsoa_vintage)
    return [i for i in options if not i.startswith(PREFIX)] + mine


def explain(query: dict[str, str], notes: list[str]) -> list[str]:
    """For a link to an upload this session does not hold (a shared link): one plain note instead of the others."""
    wanted = str(query.get("indicator", ""))
    if not wanted.startswith(PREFIX) or wanted in _layers():
        return notes
    # One note: the period, sex and boundaries replaced along with the indicator need no words of their own.
    return ["This link's map used a file uploaded in another session; uploads stay private to the session "
            "that made them, so the default indicator is shown. Upload the file here to map it."]


# ---------------------------------------------------------------- the widget
def panel(view: View) -> None:
    """The sidebar's "Your own data" section: upload, check, choose, add to the map."""
    sb = st.sidebar
    with sb.expander("Your own data", expanded=bool(st.session_state.get("upload_file") or _layers())):
        st.caption(f"CSV or Excel (.xlsx), up to {uploads.MAX_BYTES // (1024 * 1024)} MB: an area-code (or area-name) "
                   "column and columns of numbers, or a list of postcodes (a row per person, household or event, or "
                   "with a count column) to count by area. It stays in this browser session only.")
        file = st.file_uploader("Upload a file", type=["csv", "txt", "xlsx"], key="upload_file")
        if file is not None:
            _check(file, view)
        for indicator_id, layer in list(_layers().items()):
            cols = st.columns([3, 2], vertical_alignment="center")
            cols[0].caption(layer.indicator.label)
            if layer.route and layer.route != "as in your file":
                st.caption(f"Carried from {_plain(layer.route, limit=400)}.")
            if layer.indicator.source.attribution:  # counted by postcode: the OS, Royal Mail and ONS lines
                st.caption(f"Counted by postcode. {_plain(layer.indicator.source.attribution, limit=600)}")
            if cols[1].button("Remove", key=f"rm_{indicator_id}", help=f"Remove {layer.indicator.label} from the map"):
                _layers().pop(indicator_id, None)
                if st.query_params.get("indicator") == indicator_id:
                    st.query_params.pop("indicator", None)
                st.rerun()


def _check(file: Any, view: View) -> None:
    data = file.getvalue()
    accept: dict[str, str] = st.session_state.setdefault(_ACCEPT, {})
    checked = _parsed(data, file.name, st.session_state.get("upload_sheet"), accept)
    if len(checked.sheets) > 1:
        sheet = st.selectbox("Sheet", checked.sheets, key="upload_sheet")
        if sheet != checked.sheet:  # the picker settled on another sheet than the one read
            checked = _parsed(data, file.name, sheet, accept)
    if checked.postcodes is not None:  # a list of postcodes: counted by area here, in this session
        postcode_upload.panel(checked.postcodes, view, file_key=st.session_state[_CHECKED][0][0], add=_add_counted)
        return
    upload = checked.upload
    if upload is None:
        st.error(_plain(checked.error, limit=400))  # the previous layers stay as they were
        return
    columns = ", ".join(f"“{_plain(c, limit=40)}”" for c in upload.columns[:6]) + (" ..." if len(upload.columns) > 6 else "")
    st.caption(f"{_plain(upload.area_label)}: {upload.matched} of {upload.rows} rows matched. "
               f"{len(upload.columns)} column(s) of numbers{': ' + columns if columns else ''}. "
               f"Numbers: {_plain(upload.numbers)}.")
    for line in upload.skipped:  # a title above the header, notes below the data: never read as areas
        st.caption(_plain(line, limit=400) + ".")
    _problems(upload)
    _confirm_names(upload)
    if not upload.mappable:
        st.error("This file cannot be mapped yet: fix the errors listed above and upload it again.")
        return
    _options(upload, view)


def _parsed(data: bytes, name: str, sheet: str | None, accept: dict[str, str]) -> sandbox.Checked:
    """The file's sheets and check, parsed once per file, sheet and confirmed names, in a worker process.

    Kept in this session's state only (an upload is its own session's), keyed by the content's
    SHA-256: a rerun with the same file, or the same file uploaded again, parses nothing.
    """
    key = (hashlib.sha256(data).hexdigest(), name, tuple(sorted(accept.items())))
    held = st.session_state.get(_CHECKED)
    if held is not None and held[0] == key and (sheet is None or sheet == held[1].sheet or sheet not in held[1].sheets):
        checked: sandbox.Checked = held[1]
        return checked
    with st.spinner("Reading your file..."):
        checked = sandbox.check(data, file_name=name, sheet=sheet, accept=accept)
    st.session_state[_CHECKED] = (key, checked)
    return checked


def _problems(upload: uploads.Upload) -> None:
    if not upload.problems:
        return
    errors = sum(p.severity == "error" for p in upload.problems)
    with st.expander(f"{len(upload.problems)} problem(s), {errors} blocking", expanded=bool(errors)):
        shown = upload.problems[:_SHOWN_PROBLEMS]
        # st.table writes text nodes: anything in the file shows as text, never as HTML.
        st.table(pd.DataFrame({
            "row": [str(p.row or "") for p in shown],
            "problem": [f"{p.severity}: {p.column + ': ' if p.column else ''}{p.message}" for p in shown],
        }).set_index("row"))
        if len(upload.problems) > _SHOWN_PROBLEMS:
            st.caption(f"and {len(upload.problems) - _SHOWN_PROBLEMS} more; run `python -m geo check FILE` for all.")
        st.download_button("Full report (text)", upload.report(), file_name="upload_report.txt", mime="text/plain")


def _confirm_names(upload: uploads.Upload) -> None:
    if not upload.suggestions:
        return
    st.markdown("**Confirm area names**")
    for i, (name, options) in enumerate(list(upload.suggestions.items())[:8]):
        if not options:
            continue
        choices = [code for code, _ in options]
        labels: dict[str, str] = {code: f"{code} {area}" for code, area in options}
        st.selectbox(
            f"“{_plain(name, limit=40)}” is", choices, key=f"upload_name_{i}",
            format_func=labels.__getitem__,
            on_change=_accept_name, args=(name, f"upload_name_{i}"), index=None, placeholder="(leave out)",
        )


def _accept_name(name: str, key: str) -> None:
    accept: dict[str, str] = st.session_state.setdefault(_ACCEPT, {})
    chosen = st.session_state.get(key) or ""
    if chosen:
        accept[name] = chosen
    else:
        accept.pop(name, None)


def _options(upload: uploads.Upload, view: View) -> None:
    own = (upload.level, upload.vintage)
    here = (view.level, view.vintage)
    targets: list[tuple[str, str]] = []
    if upload.level in MAP_LEVELS and _is_set(*own):
        targets.append(own)
    if here != own:
        targets.append(here)
    if not targets:
        st.error(f"The map cannot draw {_plain(upload.area_label)} on their own; switch the map's geography and "
                 "boundaries to where they should be added up, then upload again.")
        return
    target: tuple[str, str] = st.radio(
        "Draw on", targets, key="upload_target", format_func=lambda t: _target_label(t, own),
        help="Codes of another year are carried over through the ONS lookups; what merged or split is listed.",
    )
    value_type = st.selectbox("The numbers are", list(_VALUE_TYPES), format_func=_VALUE_TYPES.__getitem__,
                              index=1 if upload.percent else 0, key="upload_value_type")
    units, ready = _units(upload, value_type)
    kinds: dict[str, str] = {}
    if target != own:
        st.caption(f"Route: {_plain(_route(own, target), limit=400)}. Areas may merge on the way: say how each column "
                   "adds up.")
        for i, col in enumerate(upload.columns):
            if units[col][0] == "proportion":  # a percentage is never summed: weighted by population where areas merge
                kinds[col] = "rate"
                st.caption(f"“{_plain(col, limit=40)}”: percentages are weighted by population where areas merge.")
                continue
            kinds[col] = str(st.radio(
                _plain(col, limit=40), list(uploads.KINDS), key=f"upload_kind_{i}", horizontal=True,
                format_func=lambda k: {"count": "Count (sum it)", "rate": "Rate (weight by population)"}[k],
            ))
    polarity = st.selectbox("Which way is better", list(_POLARITY), format_func=_POLARITY.__getitem__,
                            key="upload_polarity")
    period = st.text_input("Period (shown in the legend)", value="your file", max_chars=30, key="upload_period")
    try:
        mapped = _mapped(upload, target, kinds)
    except AtlasError as exc:
        st.error(_plain(str(exc), limit=500))  # nothing is added; earlier layers stay
        return
    if ready:
        _preview(upload, mapped, units, method=view.method)
    else:
        st.caption("Choose how your percentages are written (above) to see them as the map will draw them.")
    if not st.button("Add to map", key="upload_add", type="primary", disabled=not ready):
        return
    small = _small_areas(upload, mapped, kinds)
    _add(upload, mapped, small, units=units, polarity=polarity, period=_plain(period, limit=30) or "your file")


def _units(upload: uploads.Upload, value_type: str) -> tuple[dict[str, tuple[str, str]], bool]:
    """Each column's (value_type, unit) as drawn, asking the scale of percentages the data cannot tell; and whether
    every question is answered."""
    units: dict[str, tuple[str, str]] = {}
    ready = True
    for i, col in enumerate(upload.columns):
        kind = "proportion" if col in upload.percent else value_type
        if kind != "proportion":
            units[col] = (kind, upload_layer.unit_for(kind, None))
            continue
        column = upload.values.loc[upload.values["column"] == col, "value"]
        reading = upload_layer.percent_scale(column, signed=col in upload.percent)
        name = _plain(col, limit=40)
        scale: upload_layer.Scale | None = reading.scale
        if scale is None:
            example = reading.example or 0.0
            choices: dict[upload_layer.Scale, str] = {
                "0-1": f"{example * 100:.6g}% (your file holds proportions, 0 to 1)",
                "0-100": f"{example:.6g}% (your file holds percentages, 0 to 100)"}
            scale = st.radio(f"“{name}”: {_plain(reading.reason, limit=200)}, so the file cannot tell its scale. "
                             f"A value of {example:.6g} means", list(choices),
                             format_func=choices.__getitem__, index=None, key=f"upload_scale_{i}")
            ready = ready and scale is not None
        else:
            st.caption(f"“{name}”: {_plain(reading.reason, limit=300)}.")
        units[col] = ("proportion", upload_layer.unit_for("proportion", scale))
    return units, ready


def _mapped(upload: uploads.Upload, target: tuple[str, str], kinds: dict[str, str]) -> uploads.Mapped:
    """:func:`geo.uploads.to_map` of this file onto ``target``, once per file, target and kinds (this session's)."""
    held = st.session_state.get(_CHECKED)
    key = (held[0] if held else upload.file_name, upload.sheet, target, tuple(sorted(kinds.items())))
    kept = st.session_state.get(_MAPPED)
    if kept is not None and kept[0] == key:
        mapped: uploads.Mapped = kept[1]
        return mapped
    mapped = uploads.to_map(upload, level=target[0], vintage=target[1], kinds=kinds)
    st.session_state[_MAPPED] = (key, mapped)
    return mapped


def _preview(upload: uploads.Upload, mapped: uploads.Mapped, units: dict[str, tuple[str, str]], *, method: str) -> None:
    """The first rows as the map will draw them, and how many of the map's areas will show No data."""
    names = codes.area_names(mapped.level, mapped.vintage)
    for col in upload.columns[:3]:
        value_type, unit = units[col]
        seen = upload_layer.preview(mapped, col, names=names, value_type=value_type, unit=unit, method=method)
        st.markdown(f"**Preview: “{_plain(col, limit=40)}” as the map will draw it**")
        if seen.rows:
            # st.table writes text nodes: names and values show as text, never as HTML.
            st.table(pd.DataFrame({"Area": [a for a, _ in seen.rows], "Value": [v for _, v in seen.rows]})
                     .set_index("Area"))
        st.caption(f"{seen.areas - seen.without_value:,} of the map's {seen.areas:,} areas will have a value; "
                   f"{seen.without_value:,} will show No data.")


@shared.cached(max_entries=64)
def _route(source: tuple[str, str], target: tuple[str, str]) -> str:
    """The lookups between two boundary sets, in words (no user data: the sets only, so it may be shared)."""
    try:
        return crosswalk.route(source, target)
    except AtlasError as exc:
        return str(exc)


def _small_areas(upload: uploads.Upload, mapped: uploads.Mapped, kinds: dict[str, str]) -> uploads.Mapped | None:
    """A file of LSOAs drawn on larger areas also becomes the drill-down's small-area layer (on the map's LSOAs)."""
    if upload.level != "lsoa" or mapped.level == "lsoa":
        return None
    try:
        lsoa_vintage = boundaries.lsoa_vintage_for(mapped.level, mapped.vintage)
        return uploads.to_map(upload, level="lsoa", vintage=lsoa_vintage, kinds=kinds)
    except AtlasError as exc:
        st.toast(f"Not offered as a small-area layer: {_plain(str(exc), limit=200)}")
        return None


def _add(upload: uploads.Upload, mapped: uploads.Mapped, small: uploads.Mapped | None, *,
         units: dict[str, tuple[str, str]], polarity: Any, period: str) -> None:
    n = int(st.session_state.get(_COUNT, 0)) + 1
    added: list[str] = []
    name = _plain(upload.file_name, limit=60)
    for col in upload.columns:
        indicator_id = f"{PREFIX}{session_token()}:{n}:{re.sub(r'[^A-Za-z0-9]+', '_', col).strip('_')[:30] or 'column'}"
        while indicator_id in _layers() or indicator_id in added:
            indicator_id += "_"
        indicator, table = uploads.layer(
            mapped, col, indicator_id=indicator_id, file_name=name, period=period,
            unit=units[col][1], value_type=units[col][0],
            polarity=polarity, has_ci=col in upload.has_ci,
        )
        label = _plain(col, limit=38) or "Your values"
        indicator = replace(indicator, title=f"{label} (your file)", short_title=label,
                            description=f"Column {label} of your file {name}, in this session only.")
        if small is not None:
            _, lsoa_rows = uploads.layer(small, col, indicator_id=indicator_id, file_name=name, period=period)
            table = pd.concat([table, lsoa_rows], ignore_index=True)
            indicator = replace(indicator, levels={**indicator.levels, "lsoa": (small.vintage,)})
        _layers()[indicator_id] = _Layer(indicator, table, upload.england.get(col), mapped.route)
        added.append(indicator_id)
    st.session_state[_COUNT] = n
    for note in mapped.notes:
        st.toast(note)
    if (mapped.level, mapped.vintage) != (st.query_params.get("level"), st.query_params.get("vintage")):
        for param in ("area", "region", "lsoa"):
            st.query_params.pop(param, None)
    st.query_params.update({"level": mapped.level, "vintage": mapped.vintage, "indicator": added[0],
                            "period": period, "sex": "persons"})
    st.rerun()


def _add_counted(make: Callable[[str], tuple[Indicator, pd.DataFrame]]) -> Indicator:
    """Add the layer ``make`` builds for a new indicator id of this session (a list counted by postcode)."""
    n = int(st.session_state.get(_COUNT, 0)) + 1
    indicator, table = make(f"{PREFIX}{session_token()}:{n}:postcodes")
    _layers()[indicator.indicator_id] = _Layer(indicator, table, None)
    st.session_state[_COUNT] = n
    return indicator


def _is_set(level: str, vintage: str) -> bool:
    try:
        boundary_set(level, vintage)
    except AtlasError:
        return False
    return True


def _target_label(target: tuple[str, str], own: tuple[str, str]) -> str:
    level, vintage = target
    words = f"{LEVEL_LABELS[level]} ({vintage} boundaries)" if level in LEVEL_LABELS else f"{level} {vintage}"
    return f"{words}: {'as in the file' if target == own else 'this map'}"


def _plain(text: str, *, limit: int = 200) -> str:
    """User text made safe for Streamlit's Markdown: no HTML, links or emphasis markers."""
    text = re.sub(r"[\x00-\x1f<>\[\]{}*_`#|\\~^$]", " ", str(text))
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."
