"""The map page's table of areas: the map's on-page alternative, and the table behind its Table (CSV).

An expander under the map's downloads, "Table of the areas on the map" (a button, so
the keyboard reaches it), holds a "Sort by" choice and an HTML table of every area the
map draws: value, 95% interval, class, comparison with England and status. It is
worked out only while the expander is open (:func:`ui.widgets.remembered_expander`, as
for the panel's spine chart; the URL's ``open=`` keeps it open). The order is the URL's ``sort=`` (:func:`sort_param` checks
it for the page); the rows, orders and HTML are made in :mod:`documents.area_table`
from :meth:`documents.figures.MapFigures.table`, which the Table (CSV) writes too.
Both are shared between sessions per view (never for an upload).

Widgets only.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Final

import pandas as pd
import streamlit as st

from documents.area_table import (
    DEFAULT_SORT,
    AreaRows,
    area_rows,
    check_sort,
    sort_label,
    sorts_for,
    table_csv,
    table_html,
)
from documents.figures import MapFigures
from geo import shared
from geo.errors import AtlasError
from ui.widgets import notice, remembered_expander, widget, write_params

__all__ = ["EXPANDER", "OPENED", "PARAM", "map_table_csv", "show", "sort_param"]

#: The URL parameter holding the table's order.
PARAM: Final = "sort"
EXPANDER: Final = "Table of the areas on the map"
#: The table's name in the URL's ``open=`` list while it is open.
OPENED: Final = "table"
_SORT_KEY: Final = "w_table_sort"


def sort_param(query: Mapping[str, str], *, polarity: str) -> tuple[dict[str, str], list[str]]:
    """The ``sort=`` the page's URL keeps (none for the default order), and a note when the link's cannot be used."""
    sort, note = check_sort(query.get(PARAM), polarity=polarity)
    return ({PARAM: sort} if sort != DEFAULT_SORT else {}), ([note] if note else [])


def figures_table(figures: MapFigures, *, key: tuple[str, ...] | None) -> pd.DataFrame:
    """``figures.table()``, shared per view (``key``: :attr:`ui.cache.Drawn.key`, ``None`` for an upload)."""
    return figures.table() if key is None else _shared_table(key, _figures=figures)


@shared.cached(max_entries=8)
def _shared_table(key: tuple[str, ...], *, _figures: MapFigures) -> pd.DataFrame:
    return _figures.table()


def _rows(figures: MapFigures, *, key: tuple[str, ...] | None) -> AreaRows:
    return area_rows(figures, figures.table()) if key is None else _shared_rows(key, _figures=figures)


@shared.cached(max_entries=8)
def _shared_rows(key: tuple[str, ...], *, _figures: MapFigures) -> AreaRows:
    return area_rows(_figures, figures_table(_figures, key=key))


def map_table_csv(figures: MapFigures, key: tuple[str, ...] | None) -> str:
    """The map's Table (CSV) (written when its button is pressed)."""
    return table_csv(figures, figures_table(figures, key=key))


def show(figures: MapFigures, *, key: tuple[str, ...] | None, scope: str = "") -> None:
    """The expander and, while it is open, the sort choice and the table (``scope``: said in its caption)."""
    box = remembered_expander(EXPANDER, OPENED, icon=":material/table_rows:")
    if not box.open:
        return
    polarity = figures.indicator.polarity
    sort, _note = check_sort(st.query_params.get(PARAM), polarity=polarity)  # the note is the page's (sort_param)
    with box:
        st.selectbox("Sort by", sorts_for(polarity), format_func=partial(sort_label, polarity=polarity),
                     key=widget(_SORT_KEY, sort), on_change=_sorted)
        try:
            rows = _rows(figures, key=key)
        except AtlasError as exc:
            notice(exc, kind="warning")
            return
        st.html(table_html(rows, sort=sort, scope=scope))  # every text escaped in documents.area_table


def _sorted() -> None:
    """The "Sort by" choice, written to the URL (the default order leaves ``sort=`` out)."""
    chosen = str(st.session_state[_SORT_KEY])
    write_params({PARAM: None if chosen == DEFAULT_SORT else chosen})
