"""The benchmark's baseline: the atlas's first map as a plain hand-written Streamlit page.

The 296 local authority districts of 2023 coloured by female life expectancy at
birth, 2023-25, in quintiles, drawn with ``folium.GeoJson`` and ``st_folium`` the way
the streamlit-folium examples do it. It uses the same vendored Leaflet as the atlas
(no CDN), so the two pages differ only in how the atlas builds and sends its map.

Run by ``scripts/benchmark.py`` from a folder holding a ``static`` link to the
repository's ``static/`` (Streamlit serves ``static/`` beside the main script);
``HEALTH_GAP_ATLAS_REPO`` names the repository.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(os.environ.get("HEALTH_GAP_ATLAS_REPO", Path(__file__).resolve().parent.parent))
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import folium  # noqa: E402
import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from geo import indicators  # noqa: E402
from layers import assets  # noqa: E402

#: Five blues, light (lowest quintile) to dark; grey for a district with no value.
COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
MISSING = "#cccccc"


@st.cache_data
def load_districts() -> gpd.GeoDataFrame:
    """The districts with their value and quintile (0-4, -1 when there is no value)."""
    gdf = gpd.read_parquet(REPO / "data" / "boundaries" / "lad_2023.parquet")[["area_code", "area_name", "geometry"]]
    values = indicators.load("le_birth", level="lad", vintage="2023", period="2023-25", sex="female")
    gdf = gdf.merge(values[["area_code", "value"]], on="area_code", how="left")
    gdf["quintile"] = pd.qcut(gdf["value"], 5, labels=False).fillna(-1).astype(int)
    return gdf


def style(feature: dict[str, Any]) -> dict[str, Any]:
    """Fill a district by its quintile."""
    q = feature["properties"]["quintile"]
    return {"fillColor": COLOURS[q] if q >= 0 else MISSING, "color": "#555555", "weight": 0.5, "fillOpacity": 0.85}


st.set_page_config(page_title="Baseline map", layout="wide")
st.title("Life expectancy at birth, female, 2023-25")
districts = load_districts()
m = folium.Map(location=(52.8, -1.6), zoom_start=6, tiles=None)
folium.GeoJson(
    districts,
    name="Life expectancy",
    style_function=style,
    tooltip=folium.GeoJsonTooltip(fields=["area_name", "value"], aliases=["District", "Years"]),
).add_to(m)
assets.localise(m)
st_folium(m, height=500, use_container_width=True, returned_objects=["last_active_drawing"])
