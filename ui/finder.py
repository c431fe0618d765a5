"""The atlas's search box, the same on every page: any area of any year, by name or code, or a postcode.

Every page that lets a person pick an area draws :func:`finder` (a text box whose
matches are buttons) and lists :func:`area_options` in its picker; both come from
:func:`geo.search.find_areas` and :func:`geo.search.area_choices`, so a district
that no longer exists (Easington, 20UF) is found by its name on every page, with
what became of it.

A postcode typed in the box ("L1 0AA", "l10aa", "L1  OAA"; :func:`geo.search.postcode_query`)
opens the area holding it (:func:`geo.search.find_postcode`) through the page's
``on_postcode``; one the atlas cannot place (Scotland, non-geographic, unknown) is
answered in one line under the box. The postcode table loads only then. The page keeps
the postcode in its link as ``pc=`` (:func:`postcode_link` reads it back, validated) and
shows :func:`show_postcode`: the line and the OS/Royal Mail/ONS attribution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import streamlit as st

from geo import postcodes, shared
from geo.schema import vintages
from geo.search import AREA_LEVELS, AreaHit, PostcodePlace, area_choices, find_areas, find_postcode, postcode_query
from ui.widgets import as_text, write_params

__all__ = ["PARAM", "area_options", "finder", "linked_postcode", "postcode_link", "show_postcode"]

#: The link parameter holding the postcode a page shows (normalised: "L1 0AA").
PARAM = "pc"

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
    on_postcode: Callable[[PostcodePlace], None] | None = None,
) -> None:
    """A search box in ``container``: each match is a button that calls ``pick`` with it and clears the box.

    ``prefer`` is the code set on screen (its areas come first); ``small_areas`` an LSOA
    set whose small areas are searched too. A code typed whole (20UF, then Enter) opens
    its area at once. Match buttons are keyed ``{button_prefix}{area_code}_{vintage}``.
    With ``on_postcode``, a postcode typed (then Enter) is placed on ``prefer`` (default:
    the latest districts) and passed to it; one with no place is answered under the box.
    """
    search = partial(find_areas, levels=levels, prefer=prefer, small_areas=small_areas, limit=limit)
    place = None if on_postcode is None else partial(_place, at=prefer or ("lad", vintages("lad")[-1]))
    query = container.text_input(label, key=key, placeholder=placeholder, label_visibility=label_visibility,
                                 on_change=_typed, args=(key, pick, search, place, on_postcode))
    if not query:
        return
    if place is not None and on_postcode is not None and postcode_query(query):
        found = place(query)
        if found.area_code is None:
            container.caption(as_text(found.line))  # Scotland, non-geographic, unknown: one line, the page goes on
            return
        container.button(as_text(f"Postcode {found.postcode}: {found.lsoa_name or found.area_name}", limit=LABEL_LIMIT),
                         key=f"{button_prefix}postcode", on_click=_postcode_picked, args=(key, on_postcode, found),
                         width="stretch", icon=":material/location_on:")
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


def _place(text: str, *, at: tuple[str, str]) -> PostcodePlace:
    return find_postcode(text, level=at[0], vintage=at[1])


def _typed(key: str, pick: Callable[[AreaHit], None], search: Callable[[str], list[AreaHit]],
           place: Callable[[str], PostcodePlace] | None = None,
           on_postcode: Callable[[PostcodePlace], None] | None = None) -> None:
    """Enter in the box: a whole code of one area opens it (as the box did before it searched names); so does a
    postcode the atlas places."""
    query = str(st.session_state.get(key) or "").strip()
    if place is not None and on_postcode is not None and postcode_query(query):
        found = place(query)
        if found.area_code is not None:
            _postcode_picked(key, on_postcode, found)
        return
    hits = [h for h in search(query) if h.area_code == query.upper()] if query else []
    if len(hits) == 1:
        _picked(key, pick, hits[0])


def _picked(key: str, pick: Callable[[AreaHit], None], hit: AreaHit) -> None:
    st.session_state[key] = ""  # a choice clears the search box
    pick(hit)


def _postcode_picked(key: str, on_postcode: Callable[[PostcodePlace], None], place: PostcodePlace) -> None:
    st.session_state[key] = ""
    on_postcode(place)


# ---------------------------------------------------------------- the postcode a page shows (pc= in its link)
def postcode_link(params: Mapping[str, str], *, level: str = "lad", vintage: str | None = None
                  ) -> tuple[PostcodePlace | None, list[str]]:
    """The postcode a link holds (``pc=``), placed on ``(level, vintage)``, and a note for one left out.

    A value that is not shaped like a postcode, or a postcode the atlas cannot place, is
    left out with a note (quoting at most 40 characters of it); no table is read without ``pc=``.
    """
    raw = params.get(PARAM)
    if raw is None:
        return None, []
    normal = postcodes.normalise(raw) if postcode_query(raw) else None
    if normal is None:
        return None, [f"{PARAM}={raw[:40]!r} is not a postcode (e.g. L1 0AA); it was left out."]
    place = find_postcode(normal, level=level, vintage=vintage)
    if place.area_code is None:
        return None, [f"{place.line} ({PARAM}= was left out.)"]
    return place, []


def linked_postcode(area_param: str, default: str) -> tuple[str, PostcodePlace | None, list[str]]:
    """For a page whose link names one district (``area_param``): the area to show and the postcode shown in it.

    ``pc=`` alone opens the district holding the postcode; a postcode outside the area
    the link names (the person has picked another) is dropped. The link is tidied in one
    write: the postcode normalised, or taken out.
    """
    params = {k: st.query_params[k] for k in st.query_params}
    place, notes = postcode_link(params)
    area = (params.get(area_param) or "").strip() or (place.area_code if place else None) or default
    if place is not None and place.area_code != area:
        place = None
    if PARAM in params:
        write_params({PARAM: place.postcode if place else None} | ({area_param: area} if place else {}))
    return area, place, notes


def show_postcode(container: Any, place: PostcodePlace) -> None:
    """The postcode's line (its small area, ward and district; or when it was terminated) and its attribution."""
    container.info(as_text(place.line), icon=":material/location_on:")
    container.caption(as_text(postcodes.ATTRIBUTION))
