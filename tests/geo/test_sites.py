"""Reading a sites CSV (bad rows listed) and nearest-site distances in British National Grid."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.errors import UploadError
from geo.postcodes import ATTRIBUTION
from geo.sites import (
    BNG,
    CENTROID,
    POSTCODE_CENTRE,
    POSTCODES,
    Sites,
    centre_shift,
    coverage_gaps,
    download_header,
    method_note,
    nearest_site,
    placement,
    read_sites,
    residential_centres,
    sites_near,
)


def test_latitude_longitude_rows_and_bad_rows_listed() -> None:
    text = (
        "Name,Latitude,Longitude\n"
        "Centre A,53.4084,-2.9916\n"
        "Centre B,abc,-2.9\n"
        ",53.4,-2.9\n"
        "Centre C,10.0,-2.9\n"
        "Centre D,53.41,-2.95\n"
    )
    sites = read_sites(text)
    assert sites.points["name"].tolist() == ["Centre A", "Centre D"]
    assert sites.points.crs.to_epsg() == BNG
    assert sites.problems == (
        "row 3 (Centre B): latitude 'abc' is not a number",
        "row 4: no name",
        "row 5 (Centre C): latitude 10 is outside England (expected 49.8 to 55.9)",
    )


def test_easting_northing_rows_keep_their_coordinates() -> None:
    sites = read_sites("site,easting,northing\nHub,334000,390000\n".encode("cp1252"))
    assert sites.coordinates == "easting/northing"
    assert (sites.points.geometry.x.iloc[0], sites.points.geometry.y.iloc[0]) == (334000.0, 390000.0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"place,lat,lon\nA,53,-2\n", "no 'name' column", id="no-name"),
        pytest.param(b"name,x\nA,1\n", "latitude and longitude", id="no-coordinates"),
        pytest.param(b"name,lat,lon\nA,x,y\n", "No row of the sites file could be used", id="no-usable-row"),
        pytest.param(b"PK\x03\x04\x00\x00binary", "not text", id="spreadsheet"),
    ],
)
def test_unusable_files_say_why(data: bytes, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        read_sites(data)


def test_too_big_a_file_is_refused() -> None:
    with pytest.raises(UploadError, match="expected at most 1 MB"):
        read_sites(b"name,lat,lon\n" + b"A,53,-2\n" * 200_000, max_bytes=1024 * 1024)


def test_distance_is_the_hand_computed_3_4_5_triangle() -> None:
    # Square 0-2 km: centre (1000, 1000); sites at (4000, 5000) and (1000, 9000):
    # sqrt(3000^2 + 4000^2) = 5000 m and 8000 m, so the first is nearest.
    areas = gpd.GeoDataFrame({"area_code": ["A"]}, geometry=[box(0, 0, 2000, 2000)], crs=BNG)
    sites = gpd.GeoDataFrame({"name": ["near", "far"]}, geometry=[Point(4000, 5000), Point(1000, 9000)], crs=BNG)
    out = nearest_site(areas, sites)
    assert out.to_dict("records") == [{"area_code": "A", "nearest_site": "near", "distance_m": 5000.0,
                                       "measured_from": CENTROID}]


def test_distances_are_measured_in_metres_from_wgs84_areas() -> None:
    # The same square given in WGS84: the distance comes out in metres of the grid, not degrees.
    square = gpd.GeoDataFrame({"area_code": ["A"]}, geometry=[box(330000, 390000, 332000, 392000)], crs=BNG)
    sites = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(334000, 395000)], crs=BNG)
    out = nearest_site(square.to_crs(4326), sites.to_crs(4326))
    assert out["distance_m"].iloc[0] == pytest.approx(5000.0, abs=1.0)


def test_coverage_gaps_beyond_a_distance() -> None:
    areas = gpd.GeoDataFrame({"area_code": ["A", "B"]}, geometry=[box(0, 0, 2000, 2000), box(10000, 0, 12000, 2000)],
                             crs=BNG)
    sites = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(1000, 1000)], crs=BNG)
    gaps = coverage_gaps(nearest_site(areas, sites), beyond_m=1000)
    assert gaps["area_code"].tolist() == ["B"]
    assert gaps["distance_m"].tolist() == [10000.0]


# ---------------------------------------------------------------- sites kept with their area (issue 19)
def test_sites_in_or_near_an_area_are_counted_in_metres() -> None:
    # Two 1 km squares side by side; sites inside, 4.9 km and 5.1 km beyond the east edge, and 30 km away.
    area = gpd.GeoDataFrame({"area_code": ["A", "B"]}, geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
                            crs=BNG)
    sites = gpd.GeoDataFrame({"name": ["in", "4.9 km", "5.1 km", "far"]},
                             geometry=[Point(500, 500), Point(6900, 500), Point(7100, 500), Point(32000, 500)], crs=BNG)
    assert sites_near(sites, area, within_m=5000) == 2
    assert sites_near(sites.to_crs(4326), area.to_crs(4326), within_m=5000) == 2  # measured in the grid, not degrees
    assert sites_near(sites.iloc[3:], area, within_m=5000) == 0


def test_hull_sites_are_nowhere_near_newham(data_dir) -> None:
    from geo import boundaries

    shapes = boundaries.load("lsoa", "2011", within="E09000025", data_dir=data_dir)
    hull = read_sites("name,latitude,longitude\nCity centre,53.7443,-0.3325\nMarfleet,53.7440,-0.2800\n")
    newham = read_sites("name,latitude,longitude\nStratford,51.5416,-0.0034\nLeyton (Waltham Forest),51.5600,-0.0150\n")
    assert sites_near(hull.points, shapes, within_m=5000) == 0
    assert sites_near(newham.points, shapes, within_m=5000) == 2


@pytest.mark.parametrize(
    ("sites", "near", "uploaded_for", "applied", "expected"),
    [
        pytest.param(12, 0, "Kingston upon Hull", False,
                     "None of your 12 sites lies within 5 km of Newham; they were uploaded for Kingston upon Hull, "
                     "so they are not used here.", id="elsewhere-not-used"),
        pytest.param(12, 0, "Kingston upon Hull", True,
                     "None of your 12 sites lies within 5 km of Newham; they were uploaded for Kingston upon Hull, "
                     "so every distance below is to a site outside the area.", id="elsewhere-kept-for-every-area"),
        pytest.param(3, 0, "Newham", True,
                     "None of your 3 sites lies within 5 km of Newham, so every distance below is to a site outside "
                     "the area.", id="uploaded-here-but-all-far"),
        pytest.param(1, 0, "Newham", True,
                     "Your site does not lie within 5 km of Newham, so every distance below is to a site outside the "
                     "area.", id="one-site"),
        pytest.param(12, 4, "Tower Hamlets", False,
                     "Your 12 sites were uploaded for Tower Hamlets, so they are not used for Newham; 4 of them lie in "
                     "Newham or within 5 km of it.", id="elsewhere-some-near"),
        pytest.param(12, 4, "Newham", True, "", id="here-and-near-says-nothing"),
    ],
)
def test_placement_says_where_the_sites_lie(sites: int, near: int, uploaded_for: str, applied: bool,
                                            expected: str) -> None:
    assert placement(sites=sites, near=near, area_name="Newham", uploaded_for=uploaded_for, applied=applied) == expected


# ---------------------------------------------------------------- sites by postcode (issue 20)
def _postcodes_held(data_dir) -> None:
    if not (data_dir / "lookups" / "postcodes.parquet").exists():
        pytest.skip("the postcode table is not built (python -m geo build --only postcodes)")


EVERY_REASON = (
    "name,postcode\n"
    "Central Library,l3  8ew\n"       # row 2: live, any case and spacing
    "Edinburgh office,EH1 1YZ\n"      # row 3: Scotland
    "Lime St (old),L1 0AD\n"          # row 4: terminated, coordinates held: placed where it was
    "Old depot,L10 0AX\n"             # row 5: terminated, no coordinates
    "Forces,BF1 4FB\n"                # row 6: non-geographic
    "Nowhere,L99 9ZZ\n"               # row 7: shaped like one, unknown
    "Junk,see notes\n"                # row 8: not a postcode
    "\n"                              # record 9: blank, skipped (numbers keep their place in the file)
    "No postcode,\n"                  # row 10: empty
    ",L1 0AA\n"                       # row 11: no name: named by its postcode
    "Addressed,\"10 Hope St, Liverpool L3 8EW\"\n"  # row 12: a whole address, its postcode used
    "Not in Code-Point,L11 4WB\n"     # row 13: live in May 2022, no coordinates held
)


def test_postcode_sites_are_placed_and_every_other_row_listed_by_reason(data_dir) -> None:
    _postcodes_held(data_dir)
    sites = read_sites(EVERY_REASON, data_dir=data_dir)
    assert sites.by_postcode and sites.coordinates == POSTCODES
    assert sites.points["name"].tolist() == ["Central Library", "Lime St (old)", "L1 0AA", "Addressed"]
    assert sites.points["postcode"].tolist() == ["L3 8EW", "L1 0AD", "L1 0AA", "L3 8EW"]
    assert sites.report == (
        "11 rows read: 4 placed by postcode (1 of them terminated, placed where they were), 7 not placed.",
        "1 terminated postcode placed where it was (the coordinates held for it): row 4 (L1 0AD, terminated 1996-12).",
        "1 cell held a whole address: the postcode at its end was used.",
    )
    assert sites.problems == (
        "1 not placed, no postcode: row 10.",
        "1 not placed, not shaped like a postcode: row 8 (see notes).",
        "1 not placed, not in the ONS postcode lookup (May 2022) or Code-Point Open (April 2025): row 7 (L99 9ZZ).",
        "1 not placed, outside England (the atlas covers England only): row 3 (EH1 1YZ).",
        "1 not placed, a non-geographic postcode (BFPO or similar) with no place: row 6 (BF1 4FB).",
        "1 not placed, terminated, with no coordinates held for where it was: row 5 (L10 0AX).",
        "1 not placed, no coordinates held (not in Code-Point Open, April 2025): row 13 (L11 4WB).",
    )
    assert len(sites.points) + sites.left_out == 11  # the counts add up to the rows read


def test_each_site_stands_at_its_code_point_coordinates(data_dir) -> None:
    _postcodes_held(data_dir)
    from geo.postcodes import find

    sites = read_sites("name,postcode\nA,L3 8EW\nB,L1 0AD\n", data_dir=data_dir)
    for point, postcode in zip(sites.points.geometry, ["L3 8EW", "L1 0AD"], strict=True):
        held = find(postcode, data_dir=data_dir).postcode
        assert held is not None and (point.x, point.y) == (held.easting, held.northing)
    assert sites.points.crs.to_epsg() == BNG


@pytest.mark.parametrize(
    ("text", "names"),
    [
        pytest.param("postcode\nL3 8EW\nL1 0AA\n", ["L3 8EW", "L1 0AA"], id="postcodes-alone"),
        pytest.param("L3 8EW\nL1 0AA\n", ["L3 8EW", "L1 0AA"], id="no-header"),
        pytest.param("L3 8EW,Library\nL1 0AA,Lime St\n", ["Library", "Lime St"], id="no-header-with-names"),
        pytest.param("Site,Where\nLibrary,L3 8EW\nLime St,L1 0AA\n", ["Library", "Lime St"], id="column-spotted"),
        pytest.param("Post code,Site name\nL3 8EW,Library\n", ["Library"], id="post-code-header"),
    ],
)
def test_a_postcode_column_is_found_with_or_without_its_header(text: str, names: list[str], data_dir) -> None:
    _postcodes_held(data_dir)
    sites = read_sites(text, data_dir=data_dir)
    assert sites.by_postcode and sites.points["name"].tolist() == names and sites.left_out == 0


def test_coordinates_are_used_when_a_file_has_both(data_dir) -> None:
    sites = read_sites("name,postcode,latitude,longitude\nA,EH1 1YZ,53.4084,-2.9916\n", data_dir=data_dir)
    assert sites.coordinates == "latitude/longitude" and not sites.by_postcode


def test_a_file_with_no_placeable_postcode_says_why(data_dir) -> None:
    _postcodes_held(data_dir)
    with pytest.raises(UploadError, match=r"No row of the sites file could be placed by its postcode \(2 not placed, "
                                          r"outside England \(the atlas covers England only\): rows 2 \(EH1 1YZ\), "
                                          r"3 \(CF10 1EP\)\)\. Check the postcodes"):
        read_sites("name,postcode\nA,EH1 1YZ\nB,CF10 1EP\n", data_dir=data_dir)


def test_blank_lines_keep_the_row_numbers_of_the_file() -> None:
    sites = read_sites("name,lat,lon\nA,53.4,-2.9\n\n,,\nB,x,-2.9\n")
    assert sites.problems == ("row 5 (B): latitude 'x' is not a number",)


# ---------------------------------------------------------------- where people live, not the middle (issue 20)
def test_distances_start_at_the_postcode_weighted_centre_where_one_is_held() -> None:
    # Two 2 km squares; centroids (1000, 1000) and (11000, 1000). A's residents live in its north: their mean
    # position is (1000, 1800). B has none held, so it starts at its centroid. The site stands at (1000, 3000).
    areas = gpd.GeoDataFrame({"area_code": ["A", "B"]}, geometry=[box(0, 0, 2000, 2000), box(10000, 0, 12000, 2000)],
                             crs=BNG)
    sites = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(1000, 3000)], crs=BNG)
    centres = pd.DataFrame({"easting": [1000.0, np.nan], "northing": [1800.0, np.nan]}, index=["A", "B"])
    out = nearest_site(areas, sites, centres=centres).set_index("area_code")
    assert out.loc["A", "distance_m"] == 1200.0 and out.loc["A", "measured_from"] == POSTCODE_CENTRE
    assert out.loc["B", "distance_m"] == round(math.hypot(10000, 2000)) and out.loc["B", "measured_from"] == CENTROID
    assert nearest_site(areas, sites).loc[0, "distance_m"] == 2000.0  # from the centroid, as before


@pytest.mark.parametrize("vintage", ["2011", "2021"])
def test_a_known_lsoa_is_measured_from_its_residents_mean_position(vintage: str, data_dir) -> None:
    from geo import boundaries

    centres = residential_centres(vintage, data_dir=data_dir)
    if centres.empty:
        pytest.skip("the LSOA centres are not built (python -m geo build --only postcodes)")
    # The Liverpool LSOA whose residents' centre lies furthest from its polygon centroid.
    shapes = boundaries.load("lsoa", vintage, within="E08000012", data_dir=data_dir)
    held = centres.reindex(shapes["area_code"])
    shift = pd.Series(np.hypot(held["easting"] - held["poly_easting"], held["northing"] - held["poly_northing"]),
                      index=held.index)
    code = str(shift.idxmax())
    area = shapes[shapes["area_code"] == code]
    site = gpd.GeoDataFrame({"name": ["Library"]}, geometry=[Point(334898, 390799)], crs=BNG)
    row = nearest_site(area, site, centres=centres).iloc[0]
    east, north = (float(v) for v in centres.loc[code, ["easting", "northing"]].to_numpy())
    assert row["measured_from"] == POSTCODE_CENTRE
    assert row["distance_m"] == round(math.hypot(east - 334898, north - 390799))
    assert row["distance_m"] != nearest_site(area, site).iloc[0]["distance_m"]  # not the centroid's distance
    centroid = area.to_crs(BNG).geometry.centroid.iloc[0]  # the centroid the build recorded is the one measured before
    assert abs(centroid.x - centres.loc[code, "poly_easting"]) <= 1 and abs(centroid.y - centres.loc[code, "poly_northing"]) <= 1


def test_the_method_note_and_download_header_say_where_distances_start() -> None:
    centres = pd.DataFrame({"easting": [3.0, 10.0, 0.0], "northing": [4.0, 0.0, 0.0], "poly_easting": [0.0, 0.0, 0.0],
                            "poly_northing": [0.0, 0.0, 0.0]}, index=["A", "B", "C"])
    distances = pd.DataFrame({"area_code": ["A", "B", "X"], "measured_from": [POSTCODE_CENTRE, POSTCODE_CENTRE,
                                                                              CENTROID]})
    note = method_note(distances, centres)
    assert note[0].endswith("(its postcode-weighted centre; 2 of the 3 small areas), or its polygon centroid where it "
                            "has none (1; see measured_from).")
    assert centre_shift(centres, distances["area_code"]) == (7.5, 9.75, 2)
    assert note[1] == ("The two centres lie a median 8 m apart in these 2 small areas (95th percentile 10 m), and 5 m "
                       "across England's 3 (95th percentile 10 m).")
    sites = Sites(gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(0, 0)], crs=BNG), ("1 not placed, ...",),
                  POSTCODES, left_out=1)
    header = download_header(distances, centres, sites)
    assert header[0] == f"Sites: 1 read ({POSTCODES}); 1 rows left out."
    assert header[1:3] == note and header[-1] == ATTRIBUTION
