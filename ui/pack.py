"""The meeting-pack page: one area's story on one page, to download as PDF, HTML or the map as PNG.

Only widgets, state and layout live here; the content is :mod:`geo.pack` and the
files :mod:`documents.pack`. The URL holds the view: ``area`` and ``present``.
"""

from __future__ import annotations

import base64
import html
from typing import Final

import streamlit as st

from documents import pack as pack_files
from geo import pack as area_pack
from geo import shared
from geo.errors import AtlasError
from geo.search import AreaHit, PostcodePlace, find_areas
from layers import present
from ui.finder import PARAM as POSTCODE_PARAM
from ui.finder import area_options, finder, linked_postcode, show_postcode
from ui.widgets import as_text, attribution_caption, compact_layout, notice, show_notes, widget, write_params

DEFAULT_AREA: Final = "E08000012"


def pack_page() -> None:
    compact_layout()
    params = dict(st.query_params)
    presenting = present.is_on(params)
    if presenting:
        st.html(present.present_style())
        leave_presentation_button()
    code, place, pc_notes = linked_postcode("area", DEFAULT_AREA)  # pc=: a postcode searched for (ui.finder)
    show_notes(pc_notes)
    _sidebar(code)
    try:
        with st.spinner("Making the pack…"):
            content = _build(code)
    except AtlasError as exc:
        st.title("Meeting pack")
        notice(exc, kind="error")
        st.caption(f"Showing nothing for {as_text(repr(code), limit=60)}; pick an area in the sidebar.")
        return
    st.title(content.title)
    st.markdown(f"{html.escape(content.level_label)} · `{html.escape(content.area.area_code)}`"
                + (f" · about **{content.population[0]:,.0f}** people ({html.escape(content.population[1])})"
                   if content.population else ""))
    if place is not None:
        show_postcode(st, place)
    if not presenting:
        _downloads(content)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        _image(_map_png(code), alt=f"Map of {content.area.area_name}'s small areas by deprivation decile")
        st.caption(f"Small areas by national {content.decile_edition} deprivation decile "
                   "(1 = most deprived 10% of England, darkest); the bold line is the area's boundary.")
    with right:
        st.subheader("How it compares with England")
        st.markdown("\n".join(f"- {s}" for s in (*content.sentences, *content.lag)))
        st.markdown(f"**{content.spearhead}**")
        chart = _trend_png(code)
        if chart:
            _image(chart, alt=f"{content.trend_title}: {content.area.area_name} against England, by period")
    if not presenting:
        with st.expander("Sources and licence"):
            st.markdown("\n".join(f"- {s}" for s in content.sources))
            st.caption(content.attribution)
    else:
        st.markdown(f"Sources: {'; '.join(s.split(':')[0] for s in content.sources)}. Open Government Licence v3.0.")


def _image(png: bytes, *, alt: str) -> None:
    """A PNG with alternative text (``st.image`` gives its image none)."""
    data = base64.b64encode(png).decode("ascii")
    st.markdown(f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}' "
                "style='max-width:100%;height:auto'>", unsafe_allow_html=True)


@shared.cached(max_entries=16)
def _build(code: str) -> area_pack.Pack:
    return area_pack.build(code)


@shared.cached(max_entries=16)
def _map_png(code: str) -> bytes:
    return pack_files.map_png(_build(code))


@shared.cached(max_entries=16)
def _trend_png(code: str) -> bytes:
    return pack_files.trend_png(_build(code), width_in=5.0, height_in=3.0)


def _downloads(content: area_pack.Pack) -> None:
    code = content.area.area_code
    c1, c2, c3 = st.columns(3)
    c1.download_button("Download pack (PDF, one A4 page)", lambda: pack_files.pack_pdf(content, map_image=_map_png(code)),
                       file_name=f"pack_{code}.pdf", mime="application/pdf", type="primary")
    c2.download_button("Download pack (HTML, opens offline)", lambda: pack_files.pack_html(content),
                       file_name=f"pack_{code}.html", mime="text/html")
    c3.download_button("Download map (PNG)", lambda: _map_png(code), file_name=f"map_{code}.png", mime="image/png")


def _choose() -> None:
    write_params({"area": st.session_state["w_pack_area"], POSTCODE_PARAM: None})


def _pick(hit: AreaHit) -> None:
    write_params({"area": hit.area_code, POSTCODE_PARAM: None})


def _pick_postcode(place: PostcodePlace) -> None:
    """A postcode typed in the search box: the district holding it, with the postcode (pc=)."""
    write_params({"area": place.area_code, POSTCODE_PARAM: place.postcode})


def _sidebar(code: str) -> None:
    sb = st.sidebar
    sb.header("Meeting pack")
    options = area_options(area_pack.PACK_LEVELS)  # every area of every year (ui.finder), current ones first
    if code not in options:  # an earlier code such as 00BN: listed as the search labels it
        options = options | {h.area_code: h.label for h in find_areas(code, levels=area_pack.PACK_LEVELS)
                             if h.area_code == code.upper()}
    sb.selectbox("Area", list(options), format_func=lambda c: options[c],
                 key=widget("w_pack_area", code if code in options else DEFAULT_AREA), on_change=_choose)
    finder(sb, key="w_pack_find", label="or find any area: name or code, any year", levels=area_pack.PACK_LEVELS,
           pick=_pick, button_prefix="pack_", on_postcode=_pick_postcode, placeholder="or a postcode, e.g. L1 0AA")
    presentation_button()
    attribution_caption()


# ---------------------------------------------------------------- presentation mode (shared with ui/target.py)
def presentation_button() -> None:
    """A sidebar button into presentation mode, in this tab (a markdown link would open a new one)."""
    st.sidebar.button("Presentation mode", key="w_present_on", on_click=_presenting, args=(True,),
                      icon=":material/slideshow:",
                      help="For a projector: large type, high contrast, no sidebar. The link keeps it "
                           "(present=1); a button at the top of the page leaves it.")


def leave_presentation_button() -> None:
    """The way out of presentation mode, at the top of the page (the sidebar is hidden)."""
    st.button("Leave presentation mode", key="w_present_off", on_click=_presenting, args=(False,))


def _presenting(on: bool) -> None:
    if on:
        st.query_params[present.PARAM] = "1"
    else:
        st.query_params.pop(present.PARAM, None)
