"""Your own list of postcodes on the map: what to count into, counts or rates, the threshold, the report, Add to map.

The upload worker (:mod:`geo.sandbox`) has parsed the file into a
:class:`~geo.postcode_uploads.PostcodeList`; here, in the app's process, its rows are counted
(:meth:`~geo.postcode_uploads.PostcodeList.tally`, once per file and count column, kept in this
session's state only), the report says what became of every row, and "Add to map" hands the
session-only layer (:func:`geo.postcode_uploads.layer`: area codes and counts, never a postcode)
to :mod:`ui.upload`, so the map, legend, tooltip, drill-down and downloads draw it as any upload.
Widgets only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import boundaries, postcode_uploads
from geo.catalogue import Indicator
from geo.errors import AtlasError
from geo.postcode_uploads import MEASURES, Measure, PostcodeList
from geo.postcodes import ATTRIBUTION
from geo.tallies import DEFAULT_THRESHOLD, SETS, Tally
from geo.view import View
from ui.widgets import as_text

__all__ = ["Add", "default_set", "panel", "query_after"]

#: Registers a layer made by the function given (from the indicator id it is given); returns its indicator.
Add = Callable[[Callable[[str], tuple[Indicator, pd.DataFrame]]], Indicator]
_TALLIES = "_postcode_tallies"
#: The sets counted into, as the picker names them (short enough for the sidebar).
_SET_LABELS = {("lsoa", "2021"): "Small areas (LSOA 2021)", ("lsoa", "2011"): "Small areas (LSOA 2011)",
               ("lad", "2023"): "Districts (2023 codes)", ("lad", "2019"): "Districts (2019 codes)"}
_ONE = ""


def default_set(view: View) -> tuple[str, str]:
    """What to count into first: the drill-down's small areas, else the map's own set, else the LSOAs nesting in it."""
    here = (view.level, view.vintage)
    if view.area_code and view.level != "lsoa":
        try:
            return "lsoa", boundaries.lsoa_vintage_for(*here)
        except (AtlasError, KeyError):
            return "lsoa", "2021"
    if here in SETS:
        return here
    try:
        return "lsoa", boundaries.lsoa_vintage_for(*here)
    except (AtlasError, KeyError):
        return "lsoa", "2021"


def query_after(view: View, indicator: Indicator, chosen: tuple[str, str]) -> dict[str, str | None]:
    """The URL's changes once a layer counted into ``chosen`` is added (``None`` removes a parameter).

    Drilled into an area whose small areas are the ones counted into, the drill-down draws the
    layer (``lsoa=``) and the map keeps its area, drawing the layer too where it holds the map's set;
    on the map's own set the map draws it; anywhere else the map moves to the set counted into.
    """
    held = {(level, vintage) for level, vintages in indicator.levels.items() for vintage in vintages}
    here = (view.level, view.vintage)
    drawn: dict[str, str | None] = {"indicator": indicator.indicator_id, "period": indicator.periods[0], "sex": "persons"}
    drill = None
    if view.area_code and view.level != "lsoa":
        try:
            drill = boundaries.lsoa_vintage_for(*here)
        except (AtlasError, KeyError):
            drill = None
    if drill is not None and ("lsoa", drill) in held:
        return {"lsoa": indicator.indicator_id, **(drawn if here in held else {})}
    if here == chosen:
        return drawn
    return {"level": chosen[0], "vintage": chosen[1], **drawn, "area": None, "region": None, "lsoa": None}


def panel(listed: PostcodeList, view: View, *, file_key: str, add: Add) -> None:
    """The choices, the count, the report and "Add to map" for a file that is a list of postcodes."""
    st.caption(as_text(listed.describe() + ". The postcodes stay in this session: only counts by area are drawn "
                       "and downloaded.", limit=600))
    for line in listed.skipped:
        st.caption(as_text(line))
    st.caption(as_text("Postcodes are placed with the ONS postcode lookup and OS Code-Point Open. " + ATTRIBUTION,
                       limit=800))
    counts_by = st.selectbox(
        "Each row counts", [_ONE, *listed.numbers], key=f"pc_count_column_{file_key[:12]}",
        index=1 + list(listed.numbers).index(listed.count_column) if listed.count_column else 0,
        format_func=lambda c: f"the number in “{_plain(c, limit=40)}”" if c else "1 (a row per person, household or event)",
        help="Use a column of whole numbers when each row stands for several people, households or events.",
    )
    sets = list(SETS)
    chosen: tuple[str, str] = st.selectbox(
        "Count into", sets, index=sets.index(default_set(view)), key="pc_target",
        format_func=_SET_LABELS.__getitem__,
        help="Small areas are drawn inside a drilled district; districts on the map.",
    )
    shown = st.radio("Show", list(MEASURES), format_func=MEASURES.__getitem__, horizontal=True, key="pc_measure",
                     help="Rates divide each area's count by its residents (ONS mid-year estimates), with 95% "
                          "confidence intervals.")
    measure: Measure = "rate" if shown == "rate" else "count"
    threshold = int(st.number_input(
        "Small-number threshold", min_value=1, max_value=1000, value=DEFAULT_THRESHOLD, step=1, key="pc_threshold",
        help="Counts from 1 to one below this are shown as suppressed everywhere (NHS practice: 5).",
    ))
    counted = _counted(listed, file_key, counts_by or None, threshold)
    _report(counted, listed)
    summary = _summary(counted, chosen)
    if summary:
        st.caption(as_text(summary, limit=600))
    if not counted.counted:
        st.error("None of the rows could be placed in England, so there is nothing to map; see the report above.")
        return
    if not st.button("Add to map", key="pc_add", type="primary"):
        return
    label = (_plain(counts_by, limit=30) if counts_by else "") or f"Rows of {_plain(Path(listed.file_name).stem, limit=22)}"
    indicator = add(lambda indicator_id: postcode_uploads.layer(
        counted, level=chosen[0], vintage=chosen[1], measure=measure, indicator_id=indicator_id, label=label,
        file_name=_plain(listed.file_name, limit=60), period="your file"))
    changes = query_after(view, indicator, chosen)
    for name, value in changes.items():
        if value is None:
            st.query_params.pop(name, None)
        else:
            st.query_params[name] = value
    st.rerun()


def _counted(listed: PostcodeList, file_key: str, counts_by: str | None, threshold: int) -> Tally:
    """The file's tally, counted once per file and count column (this session's state only), at ``threshold``."""
    held: dict[tuple[str, str | None, int], Tally] = st.session_state.setdefault(_TALLIES, {})
    key = (file_key, counts_by, threshold)
    if key not in held:
        base = held.get((file_key, counts_by, DEFAULT_THRESHOLD))
        if base is None:
            with st.spinner(f"Counting {listed.rows:,} rows by postcode..."):
                base = listed.tally(count_column=counts_by, threshold=DEFAULT_THRESHOLD)
        held.clear()  # one file at a time: the tallies of another file (or count column) are let go
        held[(file_key, counts_by, DEFAULT_THRESHOLD)] = base
        held[key] = base.with_threshold(threshold)
    return held[key]


def _report(counted: Tally, listed: PostcodeList) -> None:
    """The report, a line each (row numbers, never a postcode), and the same as a text file."""
    lines = counted.report()
    st.markdown("**What became of each row**")
    st.markdown("\n".join(f"- {as_text(line, limit=2_000)}" for line in lines))
    text = "\n".join([listed.describe(), *listed.skipped, *lines, "", ATTRIBUTION]) + "\n"
    st.download_button("Report (text)", text, file_name="postcode_report.txt", mime="text/plain", key="pc_report",
                       help="These lines as a text file: row numbers and counts, no postcode.")


def _summary(counted: Tally, chosen: tuple[str, str]) -> str:
    """How many areas of the set chosen have a count, how many are suppressed."""
    try:
        table = counted.table(*chosen)
    except AtlasError as exc:
        return str(exc)
    suppressed = int(table["suppressed"].sum())
    shown = int((table["count"] > 0).sum())
    return (f"On {SETS[chosen]}: {shown:,} of {len(table):,} areas have a count to show, {suppressed:,} suppressed "
            f"(fewer than {counted.threshold}) and the rest none.")


def _plain(text: str, *, limit: int) -> str:
    """A name from the file made plain, as :mod:`ui.upload` makes its columns' (titles and legends are Markdown)."""
    text = re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f<>\[\]{}*_`#|\\~^$]", " ", str(text))).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."
