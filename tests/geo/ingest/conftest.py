"""Fixtures shared by the data-pipeline tests."""

from __future__ import annotations

import pytest

from geo._paths import RAW_DIR
from geo.ingest._common import BuildContext


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> BuildContext:
    """A build context reading the shared raw files and writing to a fresh folder (one per test module)."""
    if not RAW_DIR.is_dir():
        pytest.skip(f"raw folder {RAW_DIR} is absent")
    return BuildContext(RAW_DIR, tmp_path_factory.mktemp("out"), log=lambda message: None)
