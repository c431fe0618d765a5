"""The accessibility statement page, in the order of GOV.UK's model statement, and the site-wide fixes.

The Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility
Regulations 2018 ask for a statement saying how accessible the site is, what is not
and why, how to report a problem and the enforcement procedure, with the date it
was prepared and reviewed. Who runs a copy of the atlas and how to reach them are
the operator's to say: ``HGA_OPERATOR_NAME`` and ``HGA_ACCESSIBILITY_CONTACT`` (an
email address, telephone number or web address); shown as text, never as markdown.

:func:`site_style` holds the site-wide fixes, in CSS on every page: Streamlit draws its
charts' axis and legend text in #808495, 3.7:1 on white (WCAG 1.4.3 asks 4.5:1; axe
cannot measure text inside a chart's SVG, so it never reported it); and at 768 CSS
pixels wide or less (a laptop at 200% zoom, a phone) Streamlit's header turns white
and covers the page's first line, its title, and buttons in narrow columns cut their
labels short with an ellipsis (WCAG 1.4.10 Reflow).
"""

from __future__ import annotations

import datetime
import html
import os
from dataclasses import dataclass
from typing import Final

import streamlit as st

from ui.widgets import compact_layout

__all__ = [
    "ACCESSIBILITY_CONTACT_ENV",
    "CHART_TEXT_CSS",
    "NARROW_CSS",
    "OPERATOR_NAME_ENV",
    "PREPARED",
    "PROBLEMS",
    "REVIEWED",
    "TESTED",
    "TITLE",
    "Problem",
    "accessibility_page",
    "site_style",
]

#: The page's heading, and the words of the link to it from every page.
TITLE: Final = "Accessibility statement"
#: The environment variable naming the organisation that runs this copy of the atlas.
OPERATOR_NAME_ENV: Final = "HGA_OPERATOR_NAME"
#: The environment variable holding how to reach that organisation about accessibility.
ACCESSIBILITY_CONTACT_ENV: Final = "HGA_ACCESSIBILITY_CONTACT"
#: When the statement was first written, last reviewed, and the site last tested (GOV.UK asks for all three).
PREPARED: Final = datetime.date(2026, 12, 5)
REVIEWED: Final = datetime.date(2026, 12, 5)
TESTED: Final = datetime.date(2026, 12, 5)
#: The axe-core release the browser tests run (tests/browser/package.json).
AXE_VERSION: Final = "4.14.1"
#: The longest operator text shown (a name, an address): a mistaken setting cannot fill the page.
_OPERATOR_TEXT_LIMIT: Final = 200

#: Chart text (axis labels and titles, legend labels and titles) in Streamlit's body colour, 12.6:1 on white.
CHART_TEXT_CSS: Final = """
<style>
[data-testid="stVegaLiteChart"] .role-axis-label text, [data-testid="stVegaLiteChart"] .role-axis-title text,
[data-testid="stVegaLiteChart"] .role-legend-label text, [data-testid="stVegaLiteChart"] .role-legend-title text,
[data-testid="stVegaLiteChart"] .role-title-text text, [data-testid="stVegaLiteChart"] .role-title-subtitle text {
  fill: #31333F !important;
}
</style>
"""
#: Streamlit's header is 3.75rem tall and opaque at 768 CSS px wide or less: start the page below it. A button's
#: label is cut with an ellipsis where its column is narrow ("Download pack (PDF, one A4…" at 200% zoom): wrap it.
#: The map's breadcrumb (a row that wraps whole crumbs, ui.map) breaks a crumb's label between words only.
NARROW_CSS: Final = """
<style>
@media (max-width: 768px) {
  [data-testid="stMain"] .stMainBlockContainer, [data-testid="stMain"] .block-container { padding-top: 4.25rem; }
}
.stApp button .stMarkdownEllipsis, .stApp button [data-testid="stMarkdownContainer"],
.stApp button [data-testid="stMarkdownContainer"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere;
}
.stApp .st-key-crumbs button [data-testid="stMarkdownContainer"], .stApp .st-key-crumbs button [data-testid="stMarkdownContainer"] p {
  overflow-wrap: break-word;
}
</style>
"""


@dataclass(frozen=True)
class Problem:
    """One way the atlas fails WCAG 2.2 AA: the success criterion, what goes wrong, the way round it, the plan.

    ``plan`` follows "We plan to" (so starts in lower case); ``streamlit``: the failure is in Streamlit's markup.
    """

    criterion: str
    what: str
    instead: str
    plan: str
    streamlit: bool = False


#: Every failure known, found by the tests and the checks listed under "How we tested this website".
PROBLEMS: Final = (
    Problem(
        "1.4.13 Content on Hover or Focus",
        "An area's tooltip on the maps follows the pointer, so the pointer cannot be moved onto the tooltip, "
        "and a very large pointer can cover part of it.",
        "The Escape key closes the tooltip (it stays closed until the pointer reaches another area), and its "
        "figures are also in the area's panel (click the area) and in the *Table (CSV)* download.",
        "offer a way to keep the tooltip still where it opened, so the pointer can be moved onto it.",
    ),
    Problem(
        "1.4.11 Non-text Contrast",
        "On the maps, the colours of neighbouring classes differ by less than 3:1 from each other, and an area's "
        "class is told by its colour and the legend.",
        "Each area's value, class and comparison with England are in *Table of the areas on the map*, under the "
        "map: a table you can sort and reach with the keyboard. They are also in the area's tooltip, its panel and "
        "the *Table (CSV)* download. Darker always means worse, and missing and suppressed areas are hatched or "
        "dotted, not only coloured.",
        "offer a three-class high-contrast colouring, whose neighbouring colours differ by at least 3:1.",
    ),
    Problem(
        "4.1.2 Name, Role, Value",
        "The file upload boxes (*Your own data*, the service sites and the Spearhead lists) are drawn by "
        "Streamlit, the framework the atlas is built with: the drop area is a section with role=\"presentation\" "
        "and an aria-label, and the chosen file is shown in a div with an aria-label but no role, so some "
        "screen readers do not read either label. The atlas cannot change this markup.",
        "The *Upload* button beside the drop area has its own name and opens the file chooser; the file's name "
        "is written again in the check below it.",
        "report it to Streamlit and take their fix when it comes.",
        streamlit=True,
    ),
)


#: What a person should be able to do (GOV.UK's "For example, that means you should be able to" list).
_ABLE_TO: Final = (
    "zoom in up to 400% without the text spilling off the screen (the sidebar folds away and the map keeps "
    "its controls)",
    "use most of the website with a keyboard: tab to a map, move it with the arrow keys, and press Enter on "
    "the area under the cross in the middle",
    "find any area by typing its name, code or a postcode, instead of looking for it on a map",
    "use presentation mode (large type, black on white, no sidebar) on the map, target and pack pages",
    "download the figures behind each map as a table (CSV; on the map page also an Excel workbook) and the "
    "meeting pack as a tagged PDF or an HTML page",
)
#: The statement's section headings a step below its title in size too (Streamlit's h2 is larger than the title).
_STATEMENT_CSS: Final = ("<style>[data-testid='stMain'] h2 { font-size: 1.4rem !important; }"
                          "[data-testid='stMain'] h3 { font-size: 1.15rem !important; }</style>")


def _operator_text(env: str) -> str:
    """An operator's setting as plain text (trimmed, at most 200 characters); "" when unset."""
    return " ".join(os.environ.get(env, "").split())[:_OPERATOR_TEXT_LIMIT]


def _day(date: datetime.date) -> str:
    return f"{date.day} {date:%B %Y}"


def site_style() -> None:
    """The site-wide fixes (see the module's note): readable chart text, nothing under the header; once per page."""
    st.html(CHART_TEXT_CSS + NARROW_CSS)


def accessibility_page() -> None:
    """The statement: GOV.UK's model headings in its order, filled in for the atlas."""
    compact_layout()
    operator = _operator_text(OPERATOR_NAME_ENV)
    contact = _operator_text(ACCESSIBILITY_CONTACT_ENV)
    runs = html.escape(operator) if operator else "the organisation that publishes this copy of the atlas"
    st.title(TITLE)
    st.html(_STATEMENT_CSS)
    st.html(f"<p>This accessibility statement applies to the Health Gap Atlas: its map, Spearhead areas, "
            f"target small areas, meeting pack and About the data pages, and the files they make. "
            f"This website is run by {runs}. We want as many people as possible to be able to use it. "
            "For example, that means you should be able to:</p><ul>"
            + "".join(f"<li>{html.escape(item)}</li>" for item in _ABLE_TO)
            + "</ul><p>We have also made the website's text as simple as we can: figures are explained in "
            "sentences, and every chart and map says what it shows.</p>")
    st.markdown("[AbilityNet](https://mcmw.abilitynet.org.uk/) has advice on making your device easier to use "
                "if you have a disability.")

    st.header("How accessible this website is")
    st.markdown("We know some parts of this website are not fully accessible:\n\n"
                + "\n".join(f"- {p.what}" for p in PROBLEMS)
                + "\n- We have not yet tested the website with screen readers; the tables drawn by Streamlit's "
                "interactive table (with sorting and scrolling) may be hard to use with some of them. Each has "
                "a CSV download.")

    st.header("Feedback and contact information")
    reach = (f"contact {html.escape(operator) if operator else 'us'}: <strong>{html.escape(contact)}</strong>"
             if contact else "contact the organisation that sent you the link to this website")
    st.html(f"<p>If you need information on this website in a different format, such as accessible PDF, large "
            f"print, easy read, audio recording or braille, {reach}. Tell us the page's address (the link in "
            "your browser holds everything on screen) and the format you need. We will consider your request "
            "and get back to you in 5 working days.</p>")

    st.header("Reporting accessibility problems with this website")
    st.html(f"<p>We are always looking to improve the accessibility of this website. If you find any problems "
            f"not listed on this page or think we are not meeting accessibility requirements, {reach}.</p>")

    st.header("Enforcement procedure")
    st.markdown(
        "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies "
        "(Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the 'accessibility "
        "regulations'). If you are not happy with how we respond to your complaint, contact the "
        "[Equality Advisory and Support Service (EASS)](https://www.equalityadvisoryservice.com/)."
    )

    st.header("Technical information about this website's accessibility")
    st.html(f"<p>{runs[0].upper() + runs[1:]} is committed to making its website accessible, in accordance "
            "with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations "
            "2018.</p>")
    st.subheader("Compliance status")
    st.markdown("This website is partially compliant with the [Web Content Accessibility Guidelines version 2.2]"
                "(https://www.w3.org/TR/WCAG22/) AA standard, due to the non-compliances listed below.")

    st.header("Non-accessible content")
    st.markdown("The content listed below is non-accessible for the following reasons.")
    st.subheader("Non-compliance with the accessibility regulations")
    for p in PROBLEMS:
        who = " (Streamlit's own markup)" if p.streamlit else ""
        st.markdown(f"**{p.criterion}**{who}. {p.what} {p.instead} We plan to {p.plan}")
    st.subheader("Disproportionate burden")
    st.markdown("We are not claiming that any fix would be a disproportionate burden.")
    st.subheader("Content that's not within the scope of the accessibility regulations")
    st.markdown("None: the maps show statistics rather than directions, so the exemption for online maps "
                "does not apply, and we treat them as in scope.")

    st.header("What we're doing to improve accessibility")
    st.markdown("The automated checks listed below are part of the atlas's browser tests, so a change that brings "
                "a new violation fails them. Our plan for each known problem is given with it above.")

    st.header("Preparation of this accessibility statement")
    st.markdown(
        f"This statement was prepared on {_day(PREPARED)}. It was last reviewed on {_day(REVIEWED)}.\n\n"
        f"This website was last tested on {_day(TESTED)} against the WCAG 2.2 AA standard. The test was "
        "carried out by the atlas's developers."
    )
    st.subheader("How we tested this website")
    st.markdown(
        f"- **Automated checks**: axe-core {AXE_VERSION} with its WCAG 2.0, 2.1 and 2.2 A and AA rules "
        "(`wcag2a`, `wcag2aa`, `wcag21a`, `wcag21aa`, `wcag22aa`), counting every violation whatever its "
        "impact, inside the maps' frames too, in Chromium at 1366x768 with no internet. The pages checked: the "
        "map of districts (whole and drilled into an area, in presentation mode, and with an uploaded file "
        "being checked and added), the national small-area map (whole and with a small area chosen), each view "
        "of the Spearhead areas page, the target small areas page (and in presentation mode), the meeting pack "
        "(and in presentation mode), About the data and this statement. axe reports no violation on any of them.\n"
        "- **Keyboard**: the browser tests tab to the map, move it with the arrow keys, drill down with Enter "
        "and check where the keyboard lands, and press Escape to close an area's tooltip, under the resting "
        "pointer (the keyboard still in the page around the map) and under the map's cross, on the map of "
        "districts and the national small-area map; the other pages are Streamlit's own buttons, boxes and "
        "links.\n"
        "- **Dragging**: the browser tests move the map of districts and the national small-area map with one "
        "click on its *Move map east* button (the map moves east and no area under the button opens), check that "
        "the four move buttons are at least 24 by 24 CSS pixels and clear of the zoom buttons and the "
        "attribution, and tab to them and press one with Enter.\n"
        "- **Reflow**: every page at 320 CSS pixels wide and at 1366x768 zoomed to 200%, checked for content "
        "wider than the screen (only the About page's data tables scroll sideways, as tables may); the map, "
        "pack, About and this page also tested for a title under the header and button labels cut short, the "
        "map's breadcrumb for a crumb cut short, broken inside a word, covered or off the screen, and all "
        "looked at.\n"
        "- **By hand**: chart text measured against its background (axe cannot read inside a chart); "
        "axe's 'needs review' results read one by one (the upload boxes above are what is left).\n"
        "- **The PDF pack**: its language (en-GB), title, structure tree in reading order, and the alternative "
        "text of the map and the trend chart, read back with `pdfinfo`."
    )
