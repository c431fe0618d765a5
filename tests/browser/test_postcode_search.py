"""Find by postcode in every search box (issue 20), in Chromium at 1366x768 with no network.

A person types a postcode into the visible search box, key by key, and presses Enter:
on the map it drills into the district holding it with its small area outlined, a
named pin drawn and the panel open; on the national small-area map its small area
opens; on the target and pack pages the district holding it is chosen and a line
says which small area and ward it is in. A Scottish postcode is answered in one line
and the page goes on. The link keeps the view (``pc=``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from geo import boundaries, codes, postcodes
from tests.browser.conftest import ARTIFACTS, MAP_FRAME, settle

pytestmark = pytest.mark.browser

POSTCODE = "L1 0AA"
LIVERPOOL = "E08000012"
SIDEBAR_BOX = "or find any area: name or code, any year"
SCOTLAND = "EH1 1YZ"
#: What the map draws (layers.postcode), spelt out so the test runs on code without it.
PIN_CLASS = "hga-postcode-pin"
SMALL_AREA_LAYER = "postcode_small_area"


def _small_area(lsoa_vintage: str) -> tuple[str, str]:
    """The postcode's small area on ``lsoa_vintage`` LSOAs, from the ONS/OS lookup: (code, name)."""
    pc = postcodes.find(POSTCODE).postcode
    assert pc is not None
    code = str(pc.lsoa21_code if lsoa_vintage == "2021" else pc.lsoa11_code)
    return code, codes.area_names("lsoa", lsoa_vintage)[code]


def _query(pg: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(pg.url).query).items()}


def _type(pg: Any, box: Any, text: str) -> None:
    """Click the visible box, type as a person types, press Enter; wait for the page to settle."""
    box.wait_for(timeout=60_000)
    box.click()
    pg.keyboard.type(text, delay=40)
    pg.keyboard.press("Enter")
    settle(pg)


def _map_frame(pg: Any) -> Any:
    return pg.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()


def _drawn(pg: Any, key: str, value: str) -> bool:
    """Whether the map holds a feature whose property ``key`` is ``value`` (waits for it)."""
    return bool(_map_frame(pg).wait_for_function(
        """([key, value]) => { let found = false;
            if (!window.map) return false;
            window.map.eachLayer((l) => { if (l.feature && l.feature.properties && l.feature.properties[key] === value) found = true; });
            return found; }""", arg=[key, value], timeout=60_000))


def _pin_on_screen(pg: Any, postcode: str) -> None:
    """The pin is drawn, named by its postcode (not colour alone), and inside the map where the person sees it."""
    pin = _map_frame(pg).locator(f".{PIN_CLASS} [role='img']")
    pin.wait_for(timeout=60_000)
    assert (pin.get_attribute("aria-label") or "").startswith(f"Postcode {postcode}")
    assert postcode in pin.inner_text()
    frame_box = pg.locator(MAP_FRAME).bounding_box()
    pin_box = pin.bounding_box()  # in the page's coordinates
    assert frame_box["x"] <= pin_box["x"] <= frame_box["x"] + frame_box["width"]
    assert frame_box["y"] <= pin_box["y"] <= frame_box["y"] + frame_box["height"]


def _says_where(pg: Any, lsoa_name: str) -> None:
    """The line naming the small area and ward, and the OS/Royal Mail/ONS attribution beside it."""
    pg.get_by_text(re.compile(rf"{POSTCODE} is in small area {re.escape(lsoa_name)}")).first.wait_for(timeout=60_000)
    pc = postcodes.find(POSTCODE).postcode
    assert pc is not None and pc.ward_name
    assert pg.get_by_text(re.compile(f"ward {re.escape(pc.ward_name)}")).first.is_visible()
    assert pg.get_by_text(re.compile("Contains Royal Mail data")).first.is_visible()


def test_the_map_drills_into_liverpool_outlines_the_small_area_pins_the_postcode_and_opens_the_panel(
        app_url: str, page: Any) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/")
    settle(pg)
    _type(pg, pg.get_by_placeholder(re.compile("Find an area")), "l10aa")
    query = _query(pg)
    code, name = _small_area(boundaries.lsoa_vintage_for(query["level"], query["vintage"]))
    assert (query.get("area"), query.get("pc")) == (LIVERPOOL, POSTCODE)
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=60_000)  # the district's panel
    assert _drawn(pg, "layer", SMALL_AREA_LAYER) and _drawn(pg, "area_code", code)
    _pin_on_screen(pg, POSTCODE)
    _says_where(pg, name)
    pg.screenshot(path=str(ARTIFACTS / "postcode_map.png"))
    pg.goto(pg.url)  # the link keeps the view
    settle(pg)
    pg.get_by_role("heading", name="Liverpool").first.wait_for(timeout=60_000)
    _pin_on_screen(pg, POSTCODE)
    assert _query(pg)["pc"] == POSTCODE
    assert blocked.urls == []


def test_the_national_small_area_map_opens_the_postcodes_small_area(app_url: str, page: Any) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/?level=lsoa&vintage=2021")
    settle(pg)
    _type(pg, pg.get_by_placeholder(re.compile("Find an area")), "L1  OAA")  # doubled space, the letter O
    code, name = _small_area("2021")
    query = _query(pg)
    assert (query["level"], query.get("area"), query.get("pc")) == ("lsoa", code, POSTCODE)
    pg.get_by_role("heading", name=name).first.wait_for(timeout=60_000)  # its panel
    _pin_on_screen(pg, POSTCODE)
    _says_where(pg, name)
    pg.screenshot(path=str(ARTIFACTS / "postcode_national.png"))
    assert blocked.urls == []


@pytest.mark.parametrize(("path", "param", "ready"), [
    pytest.param("target", "within", "Ranked list", id="target"),
    pytest.param("pack", "area", "How it compares with England", id="pack"),
])
def test_target_and_pack_choose_liverpool_and_say_the_small_area(app_url: str, page: Any, path: str, param: str,
                                                                  ready: str) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/{path}?{param}=E08000003")  # Manchester
    pg.get_by_text(ready).first.wait_for(timeout=60_000)
    settle(pg)
    _type(pg, pg.get_by_label(SIDEBAR_BOX), "L1 0AA")
    assert (_query(pg)[param], _query(pg).get("pc")) == (LIVERPOOL, POSTCODE)
    _says_where(pg, _small_area("2021")[1])
    pg.get_by_text(ready).first.wait_for(timeout=60_000)
    assert pg.get_by_text(re.compile("Liverpool")).first.is_visible()
    pg.screenshot(path=str(ARTIFACTS / f"postcode_{path}.png"))
    assert blocked.urls == []


@pytest.mark.parametrize(("path", "box"), [pytest.param("", "map", id="map"), pytest.param("target", SIDEBAR_BOX, id="target")])
def test_a_scottish_postcode_is_answered_in_one_line_and_the_page_goes_on(app_url: str, page: Any, path: str,
                                                                         box: str) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/{path}")
    settle(pg)
    before = _query(pg)
    search = pg.get_by_placeholder(re.compile("Find an area")) if box == "map" else pg.get_by_label(box)
    _type(pg, search, SCOTLAND.lower())
    line = pg.get_by_text(postcodes.find(SCOTLAND).message, exact=True)
    line.wait_for(timeout=30_000)
    assert line.count() == 1 and "pc" not in _query(pg) and _query(pg) == before
    pg.screenshot(path=str(ARTIFACTS / f"postcode_scotland_{path or 'map'}.png"))
    search.fill("")
    _type(pg, search, "Liverpool")  # the box still finds areas
    pg.get_by_role("button", name=re.compile(r"^Liverpool \(")).first.wait_for(timeout=30_000)
    assert blocked.urls == []
