"""Fixtures shared by the data-pipeline tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo._paths import RAW_DIR
from geo.ingest._common import BuildContext


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> BuildContext:
    """A build context reading the shared raw files and writing to a fresh folder (one per test module)."""
    if not RAW_DIR.is_dir():
        pytest.skip(f"raw folder {RAW_DIR} is absent")
    return BuildContext(RAW_DIR, tmp_path_factory.mktemp("out"), log=lambda message: None)


@pytest.fixture
def blocks_out(data_dir: Path, tmp_path: Path) -> Path:
    """An empty output folder but for the committed blocks the utla and region stages assemble from."""
    for name in ("boundaries/lad_2008.parquet", "boundaries/lsoa_2011.parquet", "lookups/lsoa11_parents.parquet",
                 "boundaries/lad_2023.parquet", "boundaries/lsoa_2021.parquet", "lookups/lsoa21_parents.parquet"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).symlink_to(data_dir / name)
    return tmp_path
