"""Stage ``national``: every LSOA of a vintage as one quantised TopoJSON file for the browser.

The encoding is :mod:`geo.topology` (shared arcs, integer coordinates on the boundary
files' 1e-5 degree grid, deltas, gzip with no time stamp), so a rebuild is identical
byte for byte.

Files go to the app's static folder beside the output folder
(``<out>/../static/national/lsoa_{vintage}.topo.json.gz``; for the default build,
``static/national/`` of the repository), which Streamlit serves at
``/app/static/national/``.
"""

from __future__ import annotations

import geopandas as gpd

from geo.ingest._common import BuildContext, Output, Stage
from geo.schema import boundary_set
from geo.topology import NATIONAL_VINTAGES, national_path, topology, write_topology

__all__ = ["STAGES"]


def _build_national(ctx: BuildContext) -> list[Output]:
    static_dir = ctx.out_dir.parent / "static"
    outputs = []
    for vintage in NATIONAL_VINTAGES:
        source = ctx.out_dir / "boundaries" / boundary_set("lsoa", vintage).file_name
        gdf = gpd.read_parquet(source, columns=["area_code", "area_name", "geometry"])
        topo = topology(gdf)
        path = national_path(static_dir, vintage)
        write_topology(topo, path)
        outputs.append(Output(path, len(gdf)))
    return outputs


STAGES: list[Stage] = [
    Stage(
        "national",
        _build_national,
        "every LSOA 2011 and 2021 as one quantised TopoJSON file each, for the national map (static/national/)",
        needs=("lsoa2011", "lsoa2021"),
    ),
]
