"""The postcode build stage on a tiny raw folder: each LSOA 2021 route, elsewhere, centres and wards."""

from __future__ import annotations

import io
import lzma
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
from shapely.geometry import box

from geo.ingest import postcodes as stage
from geo.ingest._common import BuildContext

_TO_WGS = pyproj.Transformer.from_crs(27700, 4326, always_xy=True)


def _square(e0: float, n0: float, e1: float, n1: float) -> object:
    (x0, x1), (y0, y1) = _TO_WGS.transform([e0, e1], [n0, n1])
    return box(x0, y0, x1, y1)


@pytest.fixture
def built(tmp_path: Path) -> tuple[dict[str, pd.DataFrame], list[str]]:
    raw, out = tmp_path / "raw", tmp_path / "out"
    (raw / "postcodes").mkdir(parents=True)
    (out / "boundaries").mkdir(parents=True)
    (out / "lookups").mkdir(parents=True)
    # 2011: A (unchanged), B (split into B1 west / B2 east in 2021).
    gpd.GeoDataFrame({"area_code": ["E01000001", "E01000002"]},
                     geometry=[_square(0, 0, 1000, 1000), _square(1000, 0, 3000, 1000)], crs=4326
                     ).to_parquet(out / "boundaries" / "lsoa_2011.parquet")
    gpd.GeoDataFrame({"area_code": ["E01000001", "E01100001", "E01100002"]},
                     geometry=[_square(0, 0, 1000, 1000), _square(1000, 0, 2000, 1000), _square(2000, 0, 3000, 1000)],
                     crs=4326).to_parquet(out / "boundaries" / "lsoa_2021.parquet")
    pd.DataFrame({"lsoa11_code": ["E01000001", "E01000002", "E01000002"],
                  "lsoa21_code": ["E01000001", "E01100001", "E01100002"], "change": ["U", "S", "S"]}
                 ).to_parquet(out / "lookups" / "lsoa11_lsoa21.parquet")
    ons = (
        "pcd7,pcd8,pcds,dointr,doterm,usertype,oa11cd,lsoa11cd,msoa11cd,ladcd,lsoa11nm,msoa11nm,ladnm,ladnmw\n"
        "x,x,AA1 1AA,198001,,0,E00000001,E01000001,m,E06000001,a,b,c,\n"   # unchanged
        "x,x,AA1 1AB,198001,,0,E00000002,E01000002,m,E06000001,a,b,c,\n"   # split, placed west
        "x,x,AA1 1AD,198001,,1,E00000002,E01000002,m,E06000001,a,b,c,\n"   # split, placed east
        "x,x,AA1 1AE,198001,201906,0,E00000002,E01000002,m,E06000001,a,b,c,\n"  # split, terminated: not placed
        "x,x,CF1 1AA,198001,,0,W00000001,W01000001,m,W06000001,a,b,c,\n"
        "x,x,ZZ1 1AA,198001,,0,,,,,,,,\n"
    )
    (raw / "postcodes" / "PCD_OA_LSOA_MSOA_LAD_MAY22_UK_LU.csv.xz").write_bytes(lzma.compress(ons.encode()))
    cpo = (
        '"AA1 1AA",10,500,500,"E92000001","","","","E06000001","E05000001"\n'
        '"AA1 1AB",10,1500,500,"E92000001","","","","E06000001","E05000001"\n'
        '"AA1 1AD",10,2500,500,"E92000001","","","","E06000001","E05000002"\n'
        '"AA1 1AF",10,2600,600,"E92000001","","","","E06000001","E05000002"\n'  # newer than May 2022
        '"EH1 1AA",10,9,9,"S92000003","","","","S12000036","S13002929"\n'
    )
    sheets = io.BytesIO()
    with pd.ExcelWriter(sheets) as xl:
        for name in stage._WARD_SHEETS:
            rows = [["Abbey Ward", "E05000001"], ["Bank ED", "E05000002"]] if name == "DIW" else [["x", "S1"]]
            pd.DataFrame(rows).to_excel(xl, sheet_name=name, header=False, index=False)
    with zipfile.ZipFile(raw / "postcodes" / "codepo_gb.zip", "w") as zf:
        zf.writestr("Data/CSV/aa.csv", cpo)
        zf.writestr("Doc/Codelist.xlsx", sheets.getvalue())
    logs: list[str] = []
    outputs = stage._build(BuildContext(raw_dir=raw, out_dir=out, log=logs.append))
    return {o.path.stem: pd.read_parquet(o.path) for o in outputs}, logs


def test_each_postcode_takes_its_route(built: tuple[dict[str, pd.DataFrame], list[str]]) -> None:
    tables, _ = built
    t = tables["postcodes"].set_index("postcode")
    assert list(t.index) == ["AA1 1AA", "AA1 1AB", "AA1 1AD", "AA1 1AE", "AA1 1AF"]
    assert t.loc["AA1 1AA", ["lsoa21cd", "lsoa21_route"]].tolist() == ["E01000001", 0]
    assert t.loc["AA1 1AB", ["lsoa21cd", "lsoa21_route"]].tolist() == ["E01100001", 2]
    assert t.loc["AA1 1AD", ["lsoa21cd", "lsoa21_route"]].tolist() == ["E01100002", 2]
    assert pd.isna(t.loc["AA1 1AE", "lsoa21cd"]) and t.loc["AA1 1AE", "lsoa21_route"] == 9
    assert t.loc["AA1 1AE", "terminated"] == 201906
    assert t.loc["AA1 1AF", ["lsoa11cd", "lsoa21cd", "lsoa21_route"]].tolist() == ["E01000002", "E01100002", 3]


def test_the_log_counts_every_route(built: tuple[dict[str, pd.DataFrame], list[str]]) -> None:
    _, logs = built
    text = "\n".join(logs)
    for count, route in ((1, 0), (2, 2), (1, 3), (1, 9)):
        assert f"{count:>9,}  {stage.ROUTES[route]}" in text


def test_elsewhere_and_wards(built: tuple[dict[str, pd.DataFrame], list[str]]) -> None:
    tables, _ = built
    assert dict(zip(tables["postcodes_elsewhere"]["postcode"], tables["postcodes_elsewhere"]["where"],
                    strict=True)) == {"CF1 1AA": "W", "EH1 1AA": "S", "ZZ1 1AA": "-"}
    assert tables["wards"].set_index("ward_code")["ward_name"].to_dict() == {"E05000001": "Abbey", "E05000002": "Bank"}


def test_centres_are_residential_means_with_best_fit_ward(built: tuple[dict[str, pd.DataFrame], list[str]]) -> None:
    tables, _ = built
    c = tables["postcode_centres"].set_index(["vintage", "area_code"])
    # 2011 B holds AA1 1AB (residential, 1500) and AA1 1AD (large user: not in the mean); AA1 1AF has no user type.
    assert c.loc[("2011", "E01000002"), "easting"] == 1500
    assert c.loc[("2011", "E01000002"), "postcodes"] == 1
    # Its live postcodes: one in ward E05000001, two in E05000002 -> best fit E05000002 with 2/3.
    assert c.loc[("2011", "E01000002"), "ward_code"] == "E05000002"
    assert c.loc[("2011", "E01000002"), "ward_share"] == pytest.approx(2 / 3)
