"""``python -m geo build``: raw public files -> the compact data in ``data/``.

Stages run in order; each reads raw files (and outputs of the stages it needs)
and writes Parquet/GeoParquet under the output folder.
"""

from __future__ import annotations

from geo.ingest._common import BuildContext, Output, Stage
from geo.ingest._registry import STAGES, run

__all__ = ["BuildContext", "Output", "Stage", "STAGES", "run"]
