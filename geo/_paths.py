"""Where the committed data and the raw public files live."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HGA_DATA_DIR", REPO_ROOT / "data"))
RAW_DIR = Path(os.environ.get("HGA_RAW_DIR", REPO_ROOT.parent / "shared" / "data" / "raw"))
