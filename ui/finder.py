"""The atlas's search box, the same on every page: any area of any year, by name or code.

Every page that lets a person pick an area draws :func:`finder` (a text box whose
matches are buttons) and lists :func:`area_options` in its picker; both come from
:func:`geo.search.find_areas` and :func:`geo.search.area_choices`, so a district
that no longer exists (Easington, 20UF) is found by its name on every page, with
what became of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import streamlit as st

from geo import shared
from geo.search import AREA_LEVELS, AreaHit, area_choices, find_areas
from ui.widgets import as_text

__all__ = ["area_options", "finder"]

#: Longest label a match button shows (a note on a merged district is about 80 characters).
LABEL_LIMIT = 160


@shared.cached(max_entries=8, scope="bundled")
def area_options(levels: tuple[str, ...] = AREA_LEVELS) -> dict[str, str]:
    """``{area_code: label}`` of every area of ``levels`` and every year, for a picker (current areas first)."""
    return {code: hit.label for code, hit in area_choices(levels=levels).items()}


def finder(
    container: Any,
    *,
    key: str,
    label: str,
    pick: Callable[[AreaHit], None],
    levels: Sequence[str] = AREA_LEVELS,
    prefer: tuple[str, str] | None = None,
    small_areas: str | None = None,
    placeholder: str = "",
    limit: int = 4,
    label_visibility: Any = "visible",
    button_prefix: str = "hit_",
) -> None:
    """A search box in ``container``: each match is a button that calls ``pick`` with it and clears the box.

    ``prefer`` is the code set on screen (its areas come first); ``small_areas`` an LSOA
    set whose small areas are searched too. A code typed whole (20UF, then Enter) opens
    its area at once. Match buttons are keyed ``{button_prefix}{area_code}_{vintage}``.
    """
    search = partial(find_areas, levels=levels, prefer=prefer, small_areas=small_areas, limit=limit)
    query = container.text_input(label, key=key, placeholder=placeholder, label_visibility=label_visibility,
                                 on_change=_typed, args=(key, pick, search))
    if not query:
        return
    hits = search(query)
    if not hits:
        container.caption(f"No area of any year matches {as_text(repr(query), limit=80)}. Check the spelling, or "
                          "type a code such as E08000012 or 20UF.")
        return
    for hit in hits:
        container.button(as_text(hit.label, limit=LABEL_LIMIT), key=f"{button_prefix}{hit.area_code}_{hit.vintage}",
                         help=f"{hit.area_code}: open it on the {hit.vintage} code set", on_click=_picked,
                         args=(key, pick, hit), width="stretch")


def _typed(key: str, pick: Callable[[AreaHit], None], search: Callable[[str], list[AreaHit]]) -> None:
    """Enter in the box: a whole code of one area opens it (as the box did before it searched names)."""
    query = str(st.session_state.get(key) or "").strip()
    hits = [h for h in search(query) if h.area_code == query.upper()] if query else []
    if len(hits) == 1:
        _picked(key, pick, hits[0])


def _picked(key: str, pick: Callable[[AreaHit], None], hit: AreaHit) -> None:
    st.session_state[key] = ""  # a choice clears the search box
    pick(hit)
