"""Result tables as files: a CSV that carries its own ``# ``-comment header.

Every analysis command (``python -m geo spearhead``, ``gap``, ``lag``, ``gradient``)
writes its table this way, so the indicators, periods and rules travel with the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

__all__ = ["write_csv"]


def write_csv(table: pd.DataFrame, header: Sequence[str], path: Path) -> Path:
    """Write ``table`` with a ``# ``-comment header block (booleans as true/false)."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == bool or str(out[column].dtype) == "boolean":
            out[column] = out[column].map({True: "true", False: "false"})
    text = "".join(f"# {line}\n" for line in header) + out.to_csv(index=False, lineterminator="\n")
    path.write_text(text, encoding="utf-8")
    return path
