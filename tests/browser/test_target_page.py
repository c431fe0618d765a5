"""The targeting page in headless Chromium at 1366x768, with no internet: build a rule, see the matches and totals."""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pandas as pd
import pytest

from geo import boundaries, target
from geo import sites as site_io
from geo.postcodes import ATTRIBUTION
from geo.rules import rule_id
from tests.browser.conftest import ARTIFACTS, MAP_FRAME, axe_violations, download, settle

pytestmark = pytest.mark.browser

LIVERPOOL = "E08000012"
NEWHAM = "E09000025"
HULL = "E06000010"
HIGHLIGHT = "path.leaflet-interactive[fill='#4A1486']"


def _matched_polygons(page, expected: int, *, timeout_ms: int = 60_000) -> int:
    frame = page.wait_for_selector(MAP_FRAME, timeout=timeout_ms).content_frame()
    waited, n = 0, -1
    while waited < timeout_ms:
        try:
            n = frame.locator(HIGHLIGHT).count()
        except Exception:  # the iframe is swapped while Streamlit reruns
            frame = page.wait_for_selector(MAP_FRAME, timeout=timeout_ms).content_frame()
        if n == expected:
            return n
        page.wait_for_timeout(250)
        waited += 250
    return n


def test_a_typed_rule_highlights_its_lsoas_and_totals(app_url, page, data_dir) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/target?within={LIVERPOOL}")
    rule = "imd2019_imd_decile <= 1 and imd2019_idaci_decile <= 1"
    expected = target.evaluate(rule, within=LIVERPOOL)
    box = pg.get_by_role("textbox", name="Rule over small-area indicators")
    box.click()
    box.fill(rule)
    pg.keyboard.press("Control+Enter")
    assert _matched_polygons(pg, expected.totals.lsoas) == expected.totals.lsoas
    assert expected.totals.pop_0_4 is not None
    pg.get_by_text(f"{expected.totals.pop_0_4:,.0f}", exact=True).first.wait_for(timeout=30_000)
    assert pg.get_by_text(f"{expected.totals.lsoas:,}", exact=True).first.is_visible()
    assert "rule=" in pg.url
    assert blocked.urls == []
    assert axe_violations(pg) == []


def test_a_malformed_rule_says_where(app_url, page) -> None:
    pg, _ = page
    pg.goto(f"{app_url}/target?within={LIVERPOOL}&rule=imd2019_imd_decile%20%3C%3D")
    pg.get_by_text("expected a number").first.wait_for(timeout=30_000)
    assert pg.get_by_text("character").first.is_visible()


def test_uploaded_sites_give_distances_and_gaps(app_url, page, tmp_path) -> None:
    pg, blocked = page
    sites = tmp_path / "centres.csv"
    sites.write_text("name,latitude,longitude\nCentre A,53.4084,-2.9916\nCentre B,53.43,-2.93\nBroken,abc,-2.9\n")
    pg.goto(f"{app_url}/target?within={LIVERPOOL}&gap_km=1.5")
    pg.get_by_text("Ranked list").first.wait_for(timeout=60_000)
    with pg.expect_file_chooser() as chooser:
        pg.get_by_role("button", name="Upload", exact=True).last.click()
    chooser.value.set_files(str(sites))
    pg.get_by_text("Coverage gaps:").first.wait_for(timeout=30_000)
    assert pg.get_by_text("1 row(s) of the sites file were left out").first.is_visible()
    assert pg.get_by_text("2 sites read (latitude/longitude)").first.is_visible()
    assert blocked.urls == []


def _national_matches(page, *, timeout_ms: int = 90_000) -> int:
    """How many LSOAs the national layer paints in the match colour, once it has painted."""
    count = """(colour) => { const H = window.hgaNational;
        if (!window.hgaNationalPainted || !H || !H.table) { return -1; }
        let n = 0; const t = H.table;
        for (let i = 0; i < t.count; i++) { if (t.styles[t.cls.charCodeAt(i) - 35].fillColor === colour) { n++; } }
        return n; }"""
    waited, n = 0, -1
    while waited < timeout_ms:
        try:
            n = page.wait_for_selector(MAP_FRAME, timeout=timeout_ms).content_frame().evaluate(count, "#4A1486")
        except Exception:  # the iframe is swapped while Streamlit reruns
            n = -1
        if n >= 0:
            return n
        page.wait_for_timeout(250)
        waited += 250
    return n


def test_all_of_england_paints_the_national_map_with_the_matches(app_url, page) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/target?within={LIVERPOOL}")
    pg.get_by_text("Ranked list").first.wait_for(timeout=60_000)
    expected = target.evaluate(target.PRESETS["Sure Start"], within="england")
    within = pg.get_by_role("combobox", name="Within")
    within.click()
    pg.keyboard.type("All of England")
    pg.get_by_role("option", name="All of England").first.click()
    settle(pg)
    assert _national_matches(pg) == expected.totals.lsoas
    words = f"{expected.totals.lsoas:,} of England's {expected.totals.area_lsoas:,} small areas"
    pg.get_by_text(words).first.wait_for(timeout=30_000)
    assert pg.get_by_text("matches the rule").first.is_visible()
    assert "within=england" in pg.url
    # Hovering a small area, as a person does, says in words whether it matches.
    verdicts = dict(zip(expected.table["area_code"], expected.verdicts, strict=True))
    for colour, words in (("#4A1486", "Matches the rule"), ("#BDBDBD", "Does not match")):
        spot = _largest_in_view(pg, colour)
        pg.mouse.move(spot["x"], spot["y"])
        tip = pg.wait_for_selector(MAP_FRAME).content_frame().locator(".leaflet-tooltip")
        tip.filter(has_text=spot["code"]).wait_for(timeout=5_000)
        text = tip.inner_text()
        assert spot["name"] in text and f"This rule\t{words}" in text, text
        assert target.VERDICT_WORDS[verdicts[spot["code"]]] == words
    assert blocked.urls == []
    assert axe_violations(pg) == []


def _largest_in_view(page, colour: str) -> dict:
    """A page point inside the largest drawn LSOA painted ``colour``, found by the map's own hit test."""
    frame_el = page.wait_for_selector(MAP_FRAME, timeout=60_000)
    point = frame_el.content_frame().evaluate(
        """(colour) => {
            const H = window.hgaNational, d = H.data, t = H.table, map = window.map, size = map.getSize();
            let i = -1, best = -1;
            for (let j = 0; j < d.codes.length; j++) {
                if (t.styles[t.cls.charCodeAt(j) - 35].fillColor !== colour) { continue; }
                const a = (d.box[4*j+2] - d.box[4*j]) * (d.box[4*j+3] - d.box[4*j+1]);
                if (a > best) { best = a; i = j; }
            }
            const b = d.box.slice(4 * i, 4 * i + 4);
            for (let k = 1; k < 400; k++) {  // a lattice over its box until the hit test agrees
                const u = b[0] + (b[2] - b[0]) * ((k * 0.618) % 1), v = b[1] + (b[3] - b[1]) * ((k * 0.382) % 1);
                const ll = map.options.crs.pointToLatLng(L.point(u * 256, v * 256), 0);
                const p = map.latLngToContainerPoint(ll);
                if (H.hit(ll) === i && p.x > 5 && p.y > 5 && p.x < size.x - 5 && p.y < size.y - 5) {
                    return {x: Math.round(p.x), y: Math.round(p.y), code: d.codes[i], name: d.names[i]};
                }
            }
            return null;
        }""",
        colour,
    )
    assert point is not None, f"no visible small area painted {colour}"
    box = frame_el.bounding_box()
    return {**point, "x": box["x"] + point["x"], "y": box["y"] + point["y"]}


def test_a_mixed_rule_lists_what_the_lookup_could_not_compare(app_url, page) -> None:
    pg, blocked = page
    rule = "imd2019_imd_decile <= 2 and imd2025_imd_decile <= 2"
    expected = target.evaluate(rule, within=LIVERPOOL)
    pg.goto(f"{app_url}/target?within={LIVERPOOL}&rule={quote(rule)}")
    assert _matched_polygons(pg, expected.totals.lsoas) == expected.totals.lsoas
    n = len(expected.not_compared)
    pg.get_by_text(f"{n:,} small areas could not be compared through the LSOA 2011-2021 lookup").first.click()
    pg.get_by_text("split or redrawn in 2021").first.wait_for(timeout=30_000)
    assert blocked.urls == []
    assert axe_violations(pg) == []


def test_a_2021_rule_counts_people_through_the_lookup(app_url, page) -> None:
    pg, blocked = page
    pg.goto(f"{app_url}/target?within={LIVERPOOL}")
    pg.get_by_text("Ranked list").first.wait_for(timeout=60_000)
    rule = "imd2025_imd_decile <= 2 and imd2025_income_decile <= 2"
    expected = target.evaluate(rule, within=LIVERPOOL)
    t = expected.totals
    assert t.pop_total is not None and t.counted_lsoas is not None and t.counted_lsoas < t.lsoas
    box = pg.get_by_role("textbox", name="Rule over small-area indicators")
    box.click()
    box.fill(rule)
    pg.keyboard.press("Control+Enter")
    assert _matched_polygons(pg, t.lsoas) == t.lsoas
    pg.get_by_text(f"{t.pop_total:,.0f}", exact=True).first.wait_for(timeout=30_000)
    assert pg.get_by_text(f"in {t.counted_lsoas:,} of the {t.lsoas:,} matching LSOAs").first.is_visible()
    assert pg.get_by_text(f"{t.lsoas - t.counted_lsoas:,} split or redrawn LSOAs not counted").first.is_visible()
    assert blocked.urls == []
    assert axe_violations(pg) == []


def test_an_uploaded_lsoa_column_is_a_rule_term(app_url, page, tmp_path, data_dir) -> None:
    pg, blocked = page
    inside = target.evaluate("imd2019_imd_decile <= 10", within=LIVERPOOL).table["area_code"].tolist()
    picked = inside[:3]
    csv = tmp_path / "fuel.csv"
    csv.write_text("lsoa_code,fuel\n" + "".join(f"{c},{30 if c in picked else 5}\n" for c in inside))
    pg.goto(app_url)
    pg.get_by_text("Your own data", exact=True).click()
    browse = pg.get_by_role("button", name="Upload", exact=True)
    browse.wait_for(timeout=30_000)
    with pg.expect_file_chooser() as chooser:
        browse.click()
    chooser.value.set_files(str(csv))
    pg.get_by_role("button", name="Add to map").click()
    pg.wait_for_function("() => new URLSearchParams(location.search).get('indicator')?.startsWith('upload:')",
                         timeout=60_000)
    settle(pg)
    indicator_id = pg.evaluate("() => new URLSearchParams(location.search).get('indicator')")  # upload:<token>:1:fuel
    pg.get_by_role("link", name="Target small areas").click()  # the same session, as a person moves between pages
    settle(pg)
    box = pg.get_by_role("textbox", name="Rule over small-area indicators")
    box.click()
    box.fill(f"{rule_id(indicator_id)} >= 20")  # the id the page lists under "Your uploaded columns"
    pg.keyboard.press("Control+Enter")
    assert _matched_polygons(pg, len(picked)) == len(picked)
    assert pg.get_by_text("Ranked list (3)").first.is_visible()
    assert blocked.urls == []


# ---------------------------------------------------------------- issue 19: gaps drawn, sites kept with their area
def _map_layers(page, until=lambda drawn: True, *, timeout_ms: int = 30_000) -> dict:
    """What the target map draws, read from its Leaflet layers: gap polygons (with their drawn style) and site dots.

    Read again until ``until`` holds (the map's layers arrive a moment after a rerun) or the time is up.
    """
    read = """() => { if (!window.map) { return null; }
        const out = {gaps: [], sites: 0};
        window.map.eachLayer((l) => {
            const p = l.feature && l.feature.properties;
            if (p && p.layer === 'coverage_gap' && l._path) {
                out.gaps.push({code: p.area_code, cls: l._path.getAttribute('class') || '',
                               dash: l._path.getAttribute('stroke-dasharray') || '',
                               stroke: l._path.getAttribute('stroke'), fill: l._path.getAttribute('fill')});
            }
            if (!l.feature && l instanceof L.CircleMarker) { out.sites++; }
        });
        out.pattern = !!document.getElementById('hga-hatch-gap');
        return out; }"""
    waited, got = 0, None
    while waited < timeout_ms:
        with contextlib.suppress(Exception):  # the iframe is swapped while Streamlit reruns
            got = page.wait_for_selector(MAP_FRAME, timeout=timeout_ms).content_frame().evaluate(read) or got
        if got is not None and until(got):
            return got
        page.wait_for_timeout(250)
        waited += 250
    assert got is not None, "the target map did not draw"
    return got


def _upload_sites(page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload", exact=True).last.click()
    chooser.value.set_files(str(path))
    settle(page)


def _distances(rule: str, within: str, sites_csv: str, *, weighted: bool = True) -> pd.DataFrame:
    """Each target small area's nearest site, from its postcode-weighted centre (as the page) or its centroid."""
    result = target.evaluate(rule, within=within)
    shapes = boundaries.load("lsoa", result.lsoa_vintage)
    matched = shapes[shapes["area_code"].isin(set(result.matches["area_code"]))]
    centres = site_io.residential_centres(result.lsoa_vintage) if weighted else None
    return site_io.nearest_site(matched, site_io.read_sites(sites_csv).points, centres=centres)


def _expected_gaps(rule: str, within: str, sites_csv: str, gap_km: float) -> set[str]:
    distances = _distances(rule, within, sites_csv)
    return set(site_io.coverage_gaps(distances, beyond_m=gap_km * 1000)["area_code"])


def test_coverage_gaps_are_drawn_on_the_map_with_a_key(app_url, page, tmp_path) -> None:
    pg, blocked = page
    text = ("name,latitude,longitude\nStratford centre,51.5416,-0.0034\nEast Ham centre,51.5390,0.0517\n"
            "Canning Town centre,51.5147,0.0082\n")
    sites = tmp_path / "newham_centres.csv"
    sites.write_text(text)
    expected = _expected_gaps(target.PRESETS["Sure Start"], NEWHAM, text, 1.5)
    matches = target.evaluate(target.PRESETS["Sure Start"], within=NEWHAM).totals.lsoas
    assert 0 < len(expected) < matches, "the fixture should leave some target areas near a site and some far"
    pg.goto(f"{app_url}/target?within={NEWHAM}&gap_km=1.5")
    pg.get_by_text("Ranked list").first.wait_for(timeout=60_000)
    _upload_sites(pg, sites)
    pg.get_by_text("Coverage gaps:").first.wait_for(timeout=30_000)
    settle(pg)
    drawn = _map_layers(pg, lambda d: len(d["gaps"]) == len(expected))
    assert {g["code"] for g in drawn["gaps"]} == expected
    # Marked by pattern and outline, not colour alone: stripes and a dashed line.
    assert all("hga-gap" in g["cls"] and g["dash"] and "url(#hga-hatch-gap)" in g["fill"] for g in drawn["gaps"])
    assert drawn["pattern"] and drawn["sites"] == 3
    key = pg.get_by_role("list", name="Map key")
    assert f"coverage gap ({len(expected):,})" in key.inner_text()
    assert pg.get_by_text(f"Coverage gaps: {len(expected)} of the {matches} target small areas").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "target_gaps_newham.png"))
    assert blocked.urls == []
    assert axe_violations(pg) == []


def test_sites_uploaded_for_hull_are_not_applied_to_newham_and_the_page_says_why(app_url, page, tmp_path) -> None:
    pg, blocked = page
    sites = tmp_path / "hull_centres.csv"
    sites.write_text("name,latitude,longitude\nCity centre,53.7443,-0.3325\nNewland,53.7676,-0.3674\n"
                     "Marfleet,53.7440,-0.2800\n")
    pg.goto(f"{app_url}/target?within={HULL}")
    pg.get_by_text("Ranked list").first.wait_for(timeout=60_000)
    _upload_sites(pg, sites)
    pg.get_by_text("3 sites read (latitude/longitude)").first.wait_for(timeout=30_000)
    assert _map_layers(pg, lambda d: d["sites"] == 3)["sites"] == 3
    within = pg.get_by_role("combobox", name="Within")
    within.click()
    pg.keyboard.type("Newham")
    pg.get_by_role("option", name=re.compile(r"^Newham \(district E09000025")).first.click()
    settle(pg)
    pg.wait_for_function("() => new URLSearchParams(location.search).get('within') === 'E09000025'", timeout=30_000)
    pg.get_by_text("None of your 3 sites lies within 5 km of Newham; they were uploaded for Kingston upon Hull").first.wait_for(
        timeout=30_000)
    settle(pg)
    assert pg.get_by_text("Coverage gaps:").count() == 0
    drawn = _map_layers(pg, lambda d: d["sites"] == 0)
    assert drawn["sites"] == 0 and drawn["gaps"] == []
    assert pg.get_by_text("hull_centres.csv").first.is_visible()  # the file is kept
    pg.screenshot(path=str(ARTIFACTS / "target_sites_hull_on_newham.png"))
    # Kept for every area only when the user says so; then the page says the distances are to sites outside.
    pg.get_by_text("Use these sites for every area").first.click()
    settle(pg)
    matches = target.evaluate(target.PRESETS["Sure Start"], within=NEWHAM).totals.lsoas
    pg.get_by_text(f"Coverage gaps: {matches} of the {matches} target small areas").first.wait_for(timeout=30_000)
    assert pg.get_by_text("so every distance below is to a site outside the area").first.is_visible()
    assert blocked.urls == []


def test_housing_in_newham_does_not_discriminate_and_the_within_area_ranking_is_one_click(app_url, page) -> None:
    pg, blocked = page
    housing = target.evaluate(target.PRESETS["Housing"], within=NEWHAM)
    assert housing.totals.lsoas == housing.totals.area_lsoas == 164  # the premise: every small area matches
    fifth = math.ceil(housing.totals.area_lsoas / 5)
    pg.goto(f"{app_url}/target?within={NEWHAM}")
    pg.get_by_text("Ranked list").first.wait_for(timeout=60_000)
    preset = pg.get_by_role("combobox", name="Start from")
    preset.click()
    pg.get_by_role("option", name="Housing").first.click()
    settle(pg)
    pg.get_by_text("so it does not discriminate here").first.wait_for(timeout=30_000)
    pg.screenshot(path=str(ARTIFACTS / "target_housing_newham.png"))
    pg.get_by_role("button", name=f"Use the worst fifth ({fifth} of 164)").click()
    settle(pg)
    assert _matched_polygons(pg, fifth) == fifth
    rule = parse_qs(urlparse(pg.url).query)["rule"][0]
    assert rule.endswith(" in worst 20%"), rule
    assert target.evaluate(rule, within=NEWHAM).totals.lsoas == fifth
    assert pg.get_by_text(f"Ranked list ({fifth})").first.is_visible()
    assert pg.get_by_text("does not discriminate").count() == 0
    pg.goto(pg.url)  # the address keeps it
    assert _matched_polygons(pg, fifth) == fifth
    pg.screenshot(path=str(ARTIFACTS / "target_housing_newham_fifth.png"))
    assert blocked.urls == []
    assert axe_violations(pg) == []


# ---------------------------------------------------------------- issue 20: sites by postcode, where people live
LIVERPOOL_SITES = (
    "name,postcode\n"
    "Central Library,L3 8EW\n"
    "Old Swan centre,L13  5XA\n"
    "Toxteth centre,l8 2tf\n"
    "Edinburgh office,EH1 1YZ\n"   # row 5: Scotland
    "Lime St (old),L1 0AD\n"       # row 6: terminated, coordinates held: placed where it was
    "Old depot,L10 0AX\n"          # row 7: terminated, no coordinates: listed
    "Not sure,see notes\n"         # row 8: junk
)


def _download_csv(page, name: str) -> str:
    """Press a download button as a person does (again if a rerun swallowed the click) and read the file."""
    return download(page, name, timeout_ms=20_000).read_text(encoding="utf-8")


def test_sites_by_postcode_are_reported_and_measured_from_where_people_live(app_url, page, tmp_path) -> None:
    pg, blocked = page
    sites = tmp_path / "liverpool_postcodes.csv"
    sites.write_text(LIVERPOOL_SITES)
    rule = target.PRESETS["Sure Start"]
    weighted = _distances(rule, LIVERPOOL, LIVERPOOL_SITES).set_index("area_code")
    centroid = _distances(rule, LIVERPOOL, LIVERPOOL_SITES, weighted=False).set_index("area_code")
    # The known small area: the one whose distance changes most when measured from where its people live.
    code = str((weighted["distance_m"] - centroid["distance_m"]).abs().idxmax())
    from_people, from_middle = weighted["distance_m"].to_dict()[code], centroid["distance_m"].to_dict()[code]
    assert from_people != from_middle
    pg.goto(f"{app_url}/target?within={LIVERPOOL}&gap_km=1.5")
    pg.get_by_text("Ranked list").first.wait_for(timeout=60_000)
    _upload_sites(pg, sites)
    pg.get_by_text("Coverage gaps:").first.wait_for(timeout=60_000)
    main = pg.locator("[data-testid='stMain']")
    # The report: counts that add up to the rows read, and one line per reason with its rows.
    for line in ("7 rows read: 4 placed by postcode (1 of them terminated, placed where they were), 3 not placed.",
                 "1 terminated postcode placed where it was (the coordinates held for it): row 6 (L1 0AD, terminated",
                 "1 not placed, outside England (the atlas covers England only): row 5 (EH1 1YZ).",
                 "1 not placed, terminated, with no coordinates held for where it was: row 7 (L10 0AX).",
                 "1 not placed, not shaped like a postcode: row 8 (see notes)."):
        assert main.get_by_text(line).first.is_visible(), line
    assert main.get_by_text("4 sites read (postcodes, placed at their OS Code-Point Open coordinates)").first.is_visible()
    # Where the distances start, said on the page, with the postcode sources.
    assert main.get_by_text("Distances start from each small area's postcode-weighted centre (where people live)").first.is_visible()
    note = main.get_by_text("the mean position of its live residential postcodes").first
    note.scroll_into_view_if_needed()
    assert note.is_visible() and "not the middle of its polygon" in note.inner_text()
    assert ATTRIBUTION.split(". ")[0] in note.inner_text() and "Royal Mail" in note.inner_text()
    expected = set(site_io.coverage_gaps(weighted.reset_index(), beyond_m=1500)["area_code"])
    drawn = _map_layers(pg, lambda d: len(d["gaps"]) == len(expected))
    assert {g["code"] for g in drawn["gaps"]} == expected and drawn["sites"] == 4
    pg.screenshot(path=str(ARTIFACTS / "target_sites_by_postcode.png"))
    # The download: its header says how and credits the sources; the known small area's distance is the weighted one.
    text = _download_csv(pg, "Download CSV")
    header = [line for line in text.splitlines() if line.startswith("# ")]
    assert any("postcode-weighted centre" in line for line in header)
    assert any(ATTRIBUTION.split(". ")[0] in line for line in header)
    table = pd.read_csv(io.StringIO(text), comment="#", dtype={"area_code": str}).set_index("area_code")
    assert table.loc[code, "measured_from"] == site_io.POSTCODE_CENTRE
    assert table["distance_m"].to_dict()[code] == from_people != from_middle
    assert blocked.urls == []
    assert axe_violations(pg) == []
