"""Shared by every page: URL state helpers, layout, notes and the attribution line.

Data every session shares comes from :mod:`ui.cache`; nothing here is cached.

Pages keep their whole view in ``st.query_params``; widgets write to it through
:func:`set_param`, :func:`select_area` and :func:`write_params`, so a link always
reproduces the view. Each user action writes the URL once: every write is a step in
the browser's history, so two writes for one click would make Back show a view the
user never saw.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import streamlit as st

from layers import assets

__all__ = [
    "ATTRIBUTION",
    "NOTE_LIMIT",
    "PARAMS_LIMIT",
    "PARAM_LIMIT",
    "guard_link",
    "as_text",
    "notice",
    "attribution_caption",
    "compact_layout",
    "focus_heading",
    "map_clicked",
    "open_param",
    "remembered_expander",
    "select_area",
    "set_param",
    "show_notes",
    "widget",
    "write_params",
]

ATTRIBUTION = (
    "Data: ONS, MHCLG, OHID and DESNZ, Open Government Licence v3.0. Contains OS data © Crown "
    "copyright and database right. See *About the data*."
)


# ---------------------------------------------------------------- URL state
#: The longest value a link parameter may hold: a rule is at most 2,000 characters, everything else far less.
PARAM_LIMIT = 2_000
#: The most parameters a link may carry (every page's whole view takes about a dozen).
PARAMS_LIMIT = 30


def guard_link() -> list[str]:
    """Drop link parameters no real view has (too long, or too many), before any page reads them.

    A hostile link (100 KB in one parameter) would otherwise take the browser tens of
    seconds to draw, quoted back in a note. Returns one note per parameter dropped.
    """
    notes: list[str] = []
    for i, name in enumerate(list(st.query_params)):
        value = st.query_params.get(name) or ""
        if i >= PARAMS_LIMIT or len(name) > 40 or len(value) > PARAM_LIMIT:
            st.query_params.pop(name, None)
            notes.append(f"The link's {name[:40]!r} parameter ({len(value):,} characters) is not one this atlas "
                         "writes, so it was left out.")
    return notes


def write_params(changes: Mapping[str, str | None]) -> None:
    """Change the URL's parameters in one write (one step in the browser's history); ``None`` removes one.

    Parameters keep their order; new ones go at the end. Nothing is written when nothing changes.
    """
    current = {k: st.query_params[k] for k in st.query_params}
    wanted = {k: v for k, v in current.items() if changes.get(k, v) is not None}
    wanted.update({k: v for k, v in changes.items() if v is not None})
    if list(wanted.items()) != list(current.items()):
        st.query_params.from_dict(wanted)


#: The URL parameter listing the parts of a page a person has opened (comma-separated, e.g. "table,spine").
OPEN_PARAM = "open"


def open_param(query: Mapping[str, str], allowed: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """The ``open=`` the page's URL keeps (only names in ``allowed``, in their order), and a note for any other.

    >>> open_param({"open": "spine,<b>,table"}, ("table", "spine", "funnel"))
    ({'open': 'table,spine'}, ["The link's open= names '<b>', which is not a part of this page that opens; expected table, spine or funnel."])
    """
    given = [p.strip() for p in str(query.get(OPEN_PARAM) or "").split(",") if p.strip()]
    unknown = [p for p in given if p not in allowed]
    notes = [f"The link's open= names {', '.join(repr(p[:40]) for p in unknown[:3])}, which "
             f"{'is' if len(unknown) == 1 else 'are'} not a part of this page that opens; expected "
             f"{', '.join(allowed[:-1])} or {allowed[-1]}."] if unknown else []
    kept = [name for name in allowed if name in given]
    return ({OPEN_PARAM: ",".join(kept)} if kept else {}), notes


def remembered_expander(label: str, name: str, *, icon: str | None = None) -> Any:
    """An expander whose being open is kept in the URL's ``open=`` list (``.open`` says whether it is).

    Its content is for the caller to draw only while ``.open``: a closed one costs nothing.
    """
    # The link's state is read once: were ``expanded`` to follow the URL, opening it would change its
    # arguments, Streamlit would draw a new expander, and the keyboard's focus would be lost.
    first = st.session_state.setdefault(f"_open_first_{name}", name in _opened())
    return st.expander(label, expanded=first, key=f"open_{name}", on_change=_toggled, args=(name,), icon=icon)


def _opened() -> list[str]:
    return [p for p in str(st.query_params.get(OPEN_PARAM) or "").split(",") if p]


def _toggled(name: str) -> None:
    """An expander opened or closed: one write of the URL's ``open=``."""
    opened = [p for p in _opened() if p != name]
    if st.session_state.get(f"open_{name}"):
        opened.append(name)
    write_params({OPEN_PARAM: ",".join(opened) or None})


def set_param(name: str, widget_key: str) -> None:
    """Widget callback: copy a widget's value into the URL (a new level or vintage drops the area)."""
    value = st.session_state[widget_key]
    write_params({name: value, **({"area": None} if name in ("level", "vintage") else {})})


def map_clicked(area_code: str | None, codes: frozenset[str]) -> None:
    """A map's click callback (``st_folium(key="atlas_map", on_change=...)``): drill into the clicked area.

    It runs before the page reruns, so the click costs one run, not two.
    """
    drawing = (st.session_state.get("atlas_map") or {}).get("last_active_drawing") or {}
    code = (drawing.get("properties") or {}).get("area_code")
    if code and code in codes and code != area_code:
        select_area(code, lsoa=None)


def select_area(code: str | None, **others: str | None) -> None:
    """Select (or, with ``None``, clear) the drilled-down area in the URL, with ``others`` in the same write."""
    write_params({"area": code or None, **others})


def widget(key: str, value: str) -> str:
    """Set a widget's state from the view before drawing it; returns the key."""
    st.session_state[key] = value
    return key


def attribution_caption() -> None:
    """The short source and licence line at the foot of the sidebar."""
    st.sidebar.divider()
    st.sidebar.caption(ATTRIBUTION)


# ---------------------------------------------------------------- layout
_LAYOUT_CSS = """
<style>
/* A 1366x768 laptop sees the title, the breadcrumb and the whole map without scrolling. */
.stMainBlockContainer, .block-container { padding-top: 2.2rem; padding-bottom: 1rem; }
h1 { font-size: 1.6rem !important; padding: 0 0 0.2rem 0 !important; }
/* Streamlit's grey captions are 3.9:1 on white; WCAG AA asks 4.5:1. */
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #555 !important; }
[data-testid="stCaptionContainer"] p { color: #555 !important; }
/* A disabled widget's label (Classification, for published deciles) is grey at 2.3:1. */
[data-testid="stSidebar"] [data-testid="stWidgetLabel"] p { color: #555 !important; }
</style>
"""


#: Links and buttons that move about the app (the page navigation, the breadcrumb) show where the keyboard is.
_FOCUS_CSS = """
<style>
[data-testid="stSidebarNav"] a:focus-visible, [data-testid="stSidebarNavLink"]:focus-visible,
[data-testid="stMain"] a:focus-visible, [data-testid="stMain"] button:focus-visible {
  outline: 3px solid #1a1a1a !important; outline-offset: 2px !important; box-shadow: 0 0 0 5px #fff !important;
}
</style>
"""


def compact_layout() -> None:
    """Tighten Streamlit's default spacing so the map fits a laptop screen; print a clean page."""
    st.html(_LAYOUT_CSS + _FOCUS_CSS + f"<style>{assets.PRINT_CSS}</style>")


#: Moves the keyboard to a heading once it is drawn: unless the person is elsewhere on purpose (typing
#: in a box, or on the map after clicking it with the mouse), focus lost with a removed button (a search
#: hit, a breadcrumb) or left on the map by the keyboard lands on the heading, not the top of the page.
_FOCUS_JS = """
(function (id, name) {
  var tries = 0;
  (function wait() {
    var h = document.getElementById(id), app = document.querySelector("[data-testid='stApp']");
    var ready = h && h.textContent.trim() === name && app && app.getAttribute("data-test-script-state") === "notRunning";
    if (!ready) { if (++tries < 100) { setTimeout(wait, 100); } return; }
    if (h.getAttribute("data-hga-focused") === name) { return; }  // this heading had its turn
    h.setAttribute("data-hga-focused", name);
    var a = document.activeElement;
    if (a && a.tagName === "IFRAME") {
      var inner = null;
      try { inner = a.contentDocument && a.contentDocument.activeElement; } catch (e) { return; }
      if (!(inner && inner.classList.contains("leaflet-container") && inner.matches(":focus-visible"))) { return; }
    } else if (a && a !== document.body) { return; }
    h.setAttribute("tabindex", "-1");
    h.focus();
  })();
})(ID, NAME);
"""


def focus_heading(anchor: str, name: str) -> None:
    """After a drill-down, move the keyboard's focus to the heading ``name`` (``st.subheader(name, anchor=anchor)``)."""
    def literal(text: str) -> str:  # a JS string that cannot close the script element
        return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = _FOCUS_JS.replace("ID, NAME", f"{literal(anchor)}, {literal(name)}")
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


# ---------------------------------------------------------------- text that may hold user input
#: Characters Markdown (CommonMark, GFM and Streamlit's extensions) gives a meaning to: each is escaped.
_MARKDOWN = frozenset("\\`*_{}[]()<>#+-.!|~:$=^&\"'")
_JOINER = "\u2060"
_ADDRESS = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*:/|www\.|@)")
#: A note is one line; longer text (a hostile link) is cut here, so the page stays quick to draw.
NOTE_LIMIT = 400


def as_text(text: object, *, limit: int = NOTE_LIMIT) -> str:
    r"""``text`` made to show as itself in any Streamlit element that renders Markdown.

    Every Markdown character is backslash-escaped (so ``[a](https://x)`` is no link and
    ``![x](http://host/b.png)`` no image), a bare address (``https://``, ``www.``, an e-mail)
    gets an invisible word joiner so it is not made a link, line breaks become spaces, and
    text over ``limit`` characters is cut with "...".

    Examples
    --------
    >>> print(as_text("[log in](https://evil.example/x)").replace("\u2060", "^"))
    \[log in\]\(https\:^//evil\.example/x\)
    """
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 3] + "..."
    # GitHub-flavoured Markdown links bare addresses after escapes are read, so a word joiner (invisible)
    # goes where the address would start: "https://", "www." and e-mail addresses stay words.
    flat = _ADDRESS.sub(lambda m: m.group(0)[:-1] + _JOINER + m.group(0)[-1], flat)
    return "".join(f"\\{c}" if c in _MARKDOWN else c for c in flat)


def notice(text: object, *, kind: str = "info") -> None:
    """One message (``kind``: info, warning or error) whose words all show as text, whatever they quote."""
    icons = {"info": ":material/info:", "warning": ":material/warning:", "error": ":material/error:"}
    show = {"info": st.info, "warning": st.warning, "error": st.error}[kind]
    show(as_text(text), icon=icons[kind])


def show_notes(notes: list[str]) -> None:
    """One short line for what the app substituted; the details on demand. Every note shows as text.

    Notes quote what arrived (a URL parameter, a file's cell), so they never go through Markdown.
    """
    if not notes:
        return
    if len(notes) == 1:
        notice(notes[0])
        return
    st.info(f"{as_text(notes[0])} (and {len(notes) - 1} more: see below)", icon=":material/info:")
    with st.expander(f"{len(notes) - 1} more note{'s' if len(notes) > 2 else ''}"):
        for note in notes[1:]:
            st.markdown(f"- {as_text(note)}")
