"""Tests for geo.ingest.tiles: the committed national LSOA topologies are complete and the stage rebuilds them."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geo.ingest import BuildContext, run
from geo.schema import boundary_set
from geo.topology import features, national_path, read_topology


@pytest.mark.parametrize("vintage", [pytest.param("2011", id="lsoa-2011"), pytest.param("2021", id="lsoa-2021")])
def test_committed_topology_covers_every_lsoa_exactly_once(data_dir, vintage: str) -> None:
    path = national_path(data_dir.parent / "static", vintage)
    source = gpd.read_parquet(data_dir / "boundaries" / f"lsoa_{vintage}.parquet", columns=["area_code", "geometry"])
    back = features(read_topology(path))
    assert len(back) == boundary_set("lsoa", vintage).count == len(source)  # 32,844 / 33,755 (ONS)
    assert back["area_code"].is_unique
    assert back["area_code"].tolist() == source["area_code"].tolist()
    area = back.to_crs(27700).area.sum() / source.to_crs(27700).area.sum()
    assert abs(area - 1) < 0.005


def test_stage_rebuilds_the_committed_files_byte_for_byte(data_dir, tmp_path) -> None:
    out = tmp_path / "data"
    (out / "boundaries").mkdir(parents=True)
    for vintage in ("2011", "2021"):
        name = f"lsoa_{vintage}.parquet"
        (out / "boundaries" / name).symlink_to(data_dir / "boundaries" / name)
    written = run(BuildContext(raw_dir=tmp_path, out_dir=out, log=lambda _: None), only=["national"])
    assert [o.path for _, o in written] == [national_path(tmp_path / "static", v) for v in ("2011", "2021")]
    for _, output in written:
        committed = national_path(data_dir.parent / "static", output.path.name[5:9])
        assert output.path.read_bytes() == committed.read_bytes(), output.path.name
