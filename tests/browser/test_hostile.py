"""A hostile link, opened as a person opens it: its text shows as text, with no link, no image, no request out."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.browser

PHISH = "[Your session expired - log in again](https://evil.example/phish)"
BEACON = "![x](http://host.example/beacon.png)"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(f"/?area={quote(PHISH)}&method={quote(BEACON)}", id="map"),
        pytest.param(f"/spearhead?period={quote(PHISH)}&level={quote(BEACON)}", id="spearhead"),
        pytest.param(f"/target?within={quote(PHISH)}&gap_km={quote(BEACON)}", id="target"),
        pytest.param(f"/pack?area={quote(PHISH)}", id="pack"),
    ],
)
def test_a_hostile_link_shows_its_text_and_nothing_else(app_url, page, path: str) -> None:
    pg, blocked = page
    pg.goto(app_url + path)
    alert = pg.locator("[data-testid='stAlert']").first
    alert.wait_for(timeout=90_000)
    settle(pg)
    assert "example" in alert.inner_text()  # the note quotes the parameter, as text
    for more in pg.get_by_text("more note", exact=False).all():  # the notes after the first, as a person opens them
        more.click()
    pg.wait_for_timeout(500)
    pg.screenshot(path=str(ARTIFACTS / f"test_hostile_{path.split('?')[0].strip('/') or 'map'}.png"))
    assert pg.locator("a[href*='evil'], a[href*='host.example']").count() == 0
    assert pg.locator("img[src*='beacon']").count() == 0
    assert blocked.urls == []
