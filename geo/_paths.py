"""Where the committed data and the raw public files live."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HGA_DATA_DIR", REPO_ROOT / "data"))
RAW_DIR = Path(os.environ.get("HGA_RAW_DIR", REPO_ROOT.parent / "shared" / "data" / "raw"))
#: Where ``python -m geo refresh`` keeps fresh official figures, outside the checkout.
REFRESH_DIR = Path(os.environ.get("HGA_REFRESH_DIR") or Path.home() / ".cache" / "health-gap-atlas")
#: The file in :data:`REFRESH_DIR` naming the refreshed folder in use (replaced atomically).
CURRENT_FILE = "CURRENT"


def refreshed_dir(data_dir: Path) -> Path | None:
    """The refreshed folder overlaying ``data_dir``, or ``None`` when there is none.

    Only the bundled data (:data:`DATA_DIR`) is overlaid; any other folder is read as it is.
    """
    if data_dir != DATA_DIR:
        return None
    try:
        name = (REFRESH_DIR / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = REFRESH_DIR / name
    return folder if name and folder.is_dir() else None
