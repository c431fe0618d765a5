"""`python -m geo build` regenerates the committed data: small stages rebuilt from raw match data/."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from cli.main import main
from geo.errors import RawFileMissingError
from geo.ingest import BuildContext, run


@pytest.mark.parametrize(
    ("stage", "files"),
    [
        pytest.param("region", ["boundaries/region_2019.parquet"], id="regions"),
        pytest.param("la_changes", ["lookups/la_code_changes.parquet"], id="la-code-changes"),
    ],
)
def test_stage_rebuilt_from_raw_matches_committed(raw_dir, data_dir, blocks_out, stage: str, files: list[str]) -> None:
    run(BuildContext(raw_dir=raw_dir, out_dir=blocks_out, log=lambda _: None), only=[stage])
    for name in files:
        if name.startswith("boundaries/"):
            assert_geodataframe_equal(gpd.read_parquet(blocks_out / name), gpd.read_parquet(data_dir / name))
        else:
            pd.testing.assert_frame_equal(pd.read_parquet(blocks_out / name), pd.read_parquet(data_dir / name))


def test_missing_raw_file_is_refused_with_a_clear_message(tmp_path) -> None:
    (tmp_path / "raw").mkdir()
    ctx = BuildContext(raw_dir=tmp_path / "raw", out_dir=tmp_path / "out", log=lambda _: None)
    with pytest.raises(RawFileMissingError, match=r"is missing from .* --raw PATH"):
        run(ctx, only=["region"])


def test_cli_refuses_a_raw_folder_that_does_not_exist(tmp_path, capsys) -> None:
    assert main(["build", "--raw", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cli_reports_a_missing_raw_file(tmp_path, capsys) -> None:
    (tmp_path / "raw").mkdir()
    assert main(["build", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), "--only", "region"]) == 2
    assert "Raw file" in capsys.readouterr().err


def test_geo_cli_build_command_shares_the_ingest_options(tmp_path, capsys) -> None:
    from cli.main import main as geo_main

    assert geo_main(["build", "--raw", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
