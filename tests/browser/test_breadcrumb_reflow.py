"""The map page's breadcrumb (England › region › area) reflows (WCAG 1.4.10): at 320 CSS px wide and at
1366x768 zoomed to 200% (683x384 CSS px at device scale 2, as the browser's zoom lays out), with no internet.

Every crumb's label is whole (not cut short, no word broken across lines), on screen and not covered by
another crumb, and the England crumb, clicked with the mouse, opens the England view.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"
#: Width, height (CSS px) and device scale: a phone, and a 1366x768 laptop at 200% zoom.
SIZES = {"320px": (320, 640, 1), "200% zoom": (683, 384, 2)}
#: Each crumb as a person finds it: England and the region are buttons, the area is the crumb you are on.
CRUMBS = ("England", "› North West", "› Liverpool")

#: For each crumb, its label's words drawn on more than one line, whether its text is cut, and whether a
#: person pointing at its middle reaches it.
_MEASURE = """(crumbs) => crumbs.map(([text, isButton]) => {
    const main = document.querySelector("[data-testid='stMain']");
    const norm = (s) => s.replace(/\\s+/g, ' ').trim();
    const owner = isButton
        ? [...main.querySelectorAll('button')].find(b => b.offsetParent && norm(b.innerText).endsWith(text))
        : [...main.querySelectorAll("[data-testid='stMarkdownContainer'] p")].find(p => p.offsetParent && norm(p.innerText) === text);
    if (!owner) return {text, missing: true};
    const label = isButton ? owner.querySelector("[data-testid='stMarkdownContainer']") : owner;
    const broken = [];
    const walk = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        for (const m of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (lines.size > 1) broken.push(m[0]);
        }
    }
    const r = owner.getBoundingClientRect(), hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    return {text, broken, cut: label.scrollWidth > label.clientWidth + 1,
            onScreen: r.left >= 0 && r.right <= document.documentElement.clientWidth,
            reached: !!hit && owner.contains(hit)};
})"""


@pytest.fixture(params=list(SIZES.values()), ids=list(SIZES))
def narrow(browser: object, request: pytest.FixtureRequest) -> Iterator[tuple[object, list[str]]]:
    """A page at one of SIZES with every request off this machine aborted (and recorded)."""
    width, height, scale = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale)  # type: ignore[attr-defined]
    blocked: list[str] = []

    def _route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", _route)
    try:
        yield context.new_page(), blocked
    finally:
        context.close()


def test_every_crumb_is_whole_and_england_opens_england(app_url: str, narrow: tuple[object, list[str]],
                                                        request: pytest.FixtureRequest) -> None:
    pg, blocked = narrow
    pg.goto(f"{app_url}/?area={LIVERPOOL}")  # type: ignore[attr-defined]
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    settle(pg)
    england = pg.get_by_role("button", name="England", exact=True)  # type: ignore[attr-defined]
    england.wait_for(timeout=30_000)
    england.scroll_into_view_if_needed()
    pg.wait_for_timeout(300)  # type: ignore[attr-defined]
    seen = pg.evaluate(_MEASURE, [[text, not text.endswith("Liverpool")] for text in CRUMBS])  # type: ignore[attr-defined]
    pg.screenshot(path=str(ARTIFACTS / f"breadcrumb_{request.node.callspec.id.replace('%', '').replace(' ', '_')}.png"))  # type: ignore[attr-defined]
    for crumb in seen:
        assert not crumb.get("missing"), f"no crumb {crumb['text']!r}"
        assert crumb["broken"] == [], f"{crumb['text']!r}: words broken across lines {crumb['broken']}"
        assert not crumb["cut"], f"{crumb['text']!r}: label cut short"
        assert crumb["onScreen"], f"{crumb['text']!r}: off the screen"
        assert crumb["reached"], f"{crumb['text']!r}: covered where a person points at it"

    box = england.bounding_box()
    pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
    pg.wait_for_function("() => !new URLSearchParams(location.search).get('area')", timeout=30_000)  # type: ignore[attr-defined]
    settle(pg)
    query = parse_qs(urlparse(pg.url).query)  # type: ignore[attr-defined]
    assert "area" not in query and "region" not in query, query
    assert england.is_disabled()  # the crumb of the view you are on
    assert pg.get_by_role("button", name="› North West").count() == 0  # type: ignore[attr-defined]
    assert blocked == []
