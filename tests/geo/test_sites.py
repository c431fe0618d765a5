"""Reading a sites CSV (bad rows listed) and nearest-site distances in British National Grid."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.errors import UploadError
from geo.sites import BNG, CENTROID, coverage_gaps, nearest_site, placement, read_sites, sites_near


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
