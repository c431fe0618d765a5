"""Hostile links: every text a link carries reaches the page as text, and a huge parameter is dropped.

Each page is opened with each parameter it quotes set to Markdown that would put a
phishing link, or a remote image (a tracking beacon), on the atlas's own page. Whatever
the page shows, no element may hold live Markdown: an unescaped ``](`` or a bare
``http://``. The payload must still be shown (escaped), so the test sees the note.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
PHISH = "[Your session expired - log in again](https://evil.example/phish)"
BEACON = "![x](http://host.example/beacon.png)"
#: An unescaped "](" (a link or image) in the Markdown, or, once its escapes are read, a bare address that
#: GitHub-flavoured Markdown would make a link (http://, www., an e-mail address).
LIVE = re.compile(r"(?<!\\)\]\(")
BARE = re.compile(r"(?i)[a-z][a-z0-9+.-]*://|www\.|[a-z0-9._+-]@[a-z0-9]")
PAGES = {
    "map": "from ui.map import map_page as page",
    "spearhead": "from ui.spearhead import spearhead_page as page",
    "target": "from ui.target import target_page as page",
    "pack": "from ui.pack import pack_page as page",
}


def _page(name: str, params: dict[str, str]) -> AppTest:
    script = f"import sys; sys.path.insert(0, {str(REPO)!r})\n{PAGES[name]}\npage()"
    at = AppTest.from_string(script, default_timeout=120)
    at.query_params.update(params)
    return at.run()


def _shown(at: AppTest) -> list[str]:
    texts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        texts += [str(e.value) for e in getattr(at, kind)]
    return texts


CASES = [
    ("map", "level"), ("map", "area"), ("map", "method"),
    ("spearhead", "period"), ("spearhead", "level"),
    ("target", "rule"), ("target", "gap_km"), ("target", "within"),
    ("pack", "area"),
]


@pytest.mark.parametrize("payload", [pytest.param(PHISH, id="phishing-link"), pytest.param(BEACON, id="beacon-image")])
@pytest.mark.parametrize(("page", "param"), [pytest.param(p, q, id=f"{p}-{q}") for p, q in CASES])
def test_a_link_parameter_shows_as_text(data_dir, page: str, param: str, payload: str) -> None:
    at = _page(page, {param: payload})
    assert [str(e.value) for e in at.exception] == []
    shown = _shown(at)
    live = [text for text in shown if LIVE.search(text) or BARE.search(re.sub(r"\\(.)", r"\1", text))]
    assert live == [], f"{page}?{param}= put live Markdown on the page"
    typed = [str(w.value) for w in [*at.text_area, *at.text_input]]  # a rule is shown where it is edited
    assert any("evil" in text or "beacon" in text for text in shown + typed), "the parameter was not shown at all"


def test_a_huge_parameter_is_dropped_with_a_note(data_dir) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.query_params.update({"level": "lad", "area": "E" * 100_000})
    at.run()
    assert [str(e.value) for e in at.exception] == []
    assert "area" not in at.query_params
    notes = [str(e.value) for e in at.info]
    assert any("100,000 characters" in n for n in notes)
    assert all(len(str(e.value)) < 1_000 for kind in ("info", "warning", "error", "caption") for e in getattr(at, kind))
