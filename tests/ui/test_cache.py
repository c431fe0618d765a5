"""The shared caches return what an uncached run returns: the same script to the browser, the same legend.

The browser's side of a view is what ``st_folium`` hands its component; these tests call
``st_folium`` with the component replaced by a recorder, once with layers built afresh
(as ui/map.py did before the cache) and once with the cached ones.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import pytest
import streamlit_folium
from pandas.testing import assert_frame_equal

from geo import indicators
from geo.catalogue import Indicator, load_catalogue
from geo.classify import classify
from geo.view import View
from layers import assets
from layers.choropleth import base_map, choropleth_layer
from layers.style import scheme_for
from ui import cache
from ui.cache import boundaries_for

LIVERPOOL = "E08000012"


@pytest.fixture(autouse=True)
def empty_caches() -> Iterator[None]:
    for fn in (cache._shared_drawn, cache._shared_layer, cache._shared_small_areas):
        fn.cache_clear()
    yield
    for fn in (cache._shared_drawn, cache._shared_layer, cache._shared_small_areas):
        fn.cache_clear()


def _sent(layers: list[folium.FeatureGroup], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What st_folium would send to the browser for a fresh base map and ``layers``."""
    sent: dict[str, Any] = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.update(kw))
    streamlit_folium.st_folium(base_map(), key="atlas_map", height=500, feature_group_to_add=layers,
                               center=(53.4, -2.9), zoom=9, returned_objects=["last_active_drawing"])
    return {k: v for k, v in sent.items() if k != "on_change"}


def _counting(fn: Callable[..., Any]) -> tuple[Callable[..., Any], list[int]]:
    calls: list[int] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return fn(*args, **kwargs)

    return wrapped, calls


def _layer(view: View, indicator: Indicator, drawn: cache.Drawn, gdf: gpd.GeoDataFrame,
           england: float | None) -> folium.FeatureGroup:
    """The national layer as ui/map.py builds it."""
    within = None
    if view.area_code:
        minx, miny, maxx, maxy = gdf.loc[gdf["area_code"] == view.area_code].total_bounds
        within = (minx - 0.3, miny - 0.2, maxx + 0.3, maxy + 0.2)
    return choropleth_layer(
        drawn.joined, name=indicator.label, indicator=indicator, period=view.period, england_value=england,
        scheme=drawn.scheme, classification=drawn.classification, categories=drawn.categories,
        fill_opacity=0.3 if view.area_code else 0.85, within=within, precision=4,
    )


@pytest.mark.parametrize(
    ("view", "england"),
    [
        pytest.param(View("lad", "2023", "le_birth", "2023-25", "female", "quantiles"), None, id="national-quintiles"),
        pytest.param(View("lad", "2023", "u75_cvd_prev", "2022-24", "persons", "england", area_code=LIVERPOOL),
                     None, id="drilled-compared-with-england"),
    ],
)
def test_cached_view_sends_what_an_uncached_run_sends(data_dir, monkeypatch: pytest.MonkeyPatch, view: View,
                                                      england: float | None) -> None:
    catalogue = load_catalogue(data_dir)
    indicator = catalogue[view.indicator_id]
    if view.method == "england":
        row = indicators.england_value(view.indicator_id, period=view.period, sex=view.sex)
        assert row is not None
        england = float(row["value"])
    gdf = boundaries_for(view.level, view.vintage)
    values = indicators.load(view.indicator_id, level=view.level, vintage=view.vintage, period=view.period, sex=view.sex)
    fetch, fetched = _counting(lambda *_a: values)

    fresh = cache._drawn(view, indicator, method=view.method, england=england, gdf=gdf, values=fetch, key=None)
    shared = [cache.drawn(view, indicator, method=view.method, england=england, gdf=gdf, values=fetch) for _ in range(2)]
    assert len(fetched) == 2  # once uncached, once for the shared entry
    assert shared[0] is shared[1]
    assert shared[0].legend == fresh.legend
    assert_frame_equal(shared[0].joined, fresh.joined)

    build, built = _counting(lambda: _layer(view, indicator, shared[0], gdf, england))
    key = (*(shared[0].key or ()), view.area_code)
    frozen = [cache.layer(key, build) for _ in range(2)]
    assert len(built) == 1 and frozen[0] is not frozen[1]
    uncached = _sent([_layer(view, indicator, fresh, gdf, england)], monkeypatch)
    # Twice each: a second map and a second place in the list get the same script under their own ids.
    assert _sent([frozen[0]], monkeypatch) == uncached
    assert _sent([frozen[1]], monkeypatch) == uncached
    assert _sent([folium.FeatureGroup(), frozen[0]], monkeypatch) == _sent(
        [folium.FeatureGroup(), _layer(view, indicator, fresh, gdf, england)], monkeypatch
    )


def test_downloaded_map_is_the_layer_itself(data_dir) -> None:
    view = View("lad", "2023", "le_birth", "2023-25", "female")
    indicator = load_catalogue(data_dir)[view.indicator_id]
    gdf = boundaries_for(view.level, view.vintage)
    drawn = cache.drawn(view, indicator, method="quantiles", england=None, gdf=gdf, values=indicators_values)
    frozen = cache.layer((*(drawn.key or ()), None), lambda: _layer(view, indicator, drawn, gdf, None))
    page = dict(title="t", subtitle="s", legends=[drawn.legend], attribution="a")
    assert assets.export_map([copy.deepcopy(frozen)], **page) == assets.export_map(
        [_layer(view, indicator, drawn, gdf, None)], **page
    )


def indicators_values(indicator_id: str, level: str, vintage: str, period: str, sex: str) -> pd.DataFrame:
    return indicators.load(indicator_id, level=level, vintage=vintage, period=period, sex=sex)


# ---------------------------------------------------------------- uploads stay in their session
def _upload_view(**extra: Any) -> View:
    return View("lad", "2023", "upload:1:Clinic visits", "2024", "persons", **extra)


def test_upload_is_never_shared(squares: gpd.GeoDataFrame, indicator: Indicator, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("an upload reached a shared cache")

    monkeypatch.setattr(cache, "_shared_drawn", refuse)
    monkeypatch.setattr(cache, "_shared_layer", refuse)
    monkeypatch.setattr(cache, "_shared_small_areas", refuse)
    rows = squares.drop(columns="geometry").assign(period="2024", sex="persons")
    fetch, fetched = _counting(lambda *_a: pd.DataFrame(rows))
    areas = squares[["area_code", "area_name", "geometry"]]
    view = _upload_view()
    drawn = [cache.drawn(view, indicator, method="quantiles", england=None, gdf=areas, values=fetch) for _ in range(2)]
    assert len(fetched) == 2 and drawn[0].key is None
    build, built = _counting(lambda: folium.FeatureGroup())
    assert not isinstance(cache.layer(drawn[0].key, build), cache.FrozenLayer)
    assert not isinstance(cache.layer(("le_birth", "upload:1:x"), build), cache.FrozenLayer)
    assert len(built) == 2
    small, made = _counting(lambda v: _Bundle(layer=folium.FeatureGroup(), joined=areas))
    cache.small_areas(View("lad", "2023", "le_birth", "2023-25", "female", area_code="E1", lsoa_indicator="upload:2:y"), small)
    assert len(made) == 1
    monkeypatch.setattr(cache, "_shared_trend", refuse)
    monkeypatch.setattr(cache.area_profile, "trend", lambda *_a, **_k: rows)
    assert cache.trend("upload:1:Clinic visits", "E1", level="lad", sex="persons") is rows


# ---------------------------------------------------------------- small areas
@dataclass(frozen=True)
class _Bundle:
    layer: Any
    joined: gpd.GeoDataFrame


def test_small_areas_built_once_per_area_and_indicator(squares: gpd.GeoDataFrame, indicator: Indicator,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    classification = classify(squares["value"], method="quantiles", value_type="rate", unit="years")

    def layer() -> folium.FeatureGroup:
        return choropleth_layer(squares, name="Small areas", indicator=indicator, period="2024", england_value=None,
                                scheme=scheme_for("higher_is_better", method="quantiles", k=classification.k),
                                classification=classification)

    build, built = _counting(lambda v: _Bundle(layer=layer(), joined=squares))
    view = View("lad", "2023", "le_birth", "2023-25", "female", area_code="E1")
    first, second = cache.small_areas(view, build), cache.small_areas(view, build)
    assert len(built) == 1
    assert first is not None and second is not None and first.layer is not second.layer
    assert first.joined is second.joined
    assert _sent([first.layer], monkeypatch) == _sent([layer()], monkeypatch)
    cache.small_areas(View("lad", "2023", "le_birth", "2023-25", "female", area_code="E2"), build)
    cache.small_areas(View("lad", "2023", "le_birth", "2023-25", "female", area_code="E1", lsoa_indicator="x"), build)
    assert len(built) == 3
    none, _ = _counting(lambda v: None)
    assert cache.small_areas(View("lad", "2023", "le_birth", "2023-25", "female", area_code="E3"), none) is None


# ---------------------------------------------------------------- warming at start
def test_warmed_default_view_is_a_cache_hit(data_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    import ui.map

    view = cache.warm_default_view()
    assert (view.level, view.area_code) == ("lad", None)

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the default view was built again after the warm-up")

    monkeypatch.setattr(cache, "_drawn", refuse)
    monkeypatch.setattr(cache, "areas_layer", refuse)
    monkeypatch.setattr(ui.map, "areas_layer", refuse)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60).run()
    assert [str(e.value) for e in at.exception] == []
    assert at.query_params["indicator"] == view.indicator_id and at.query_params["level"] == view.level


def test_default_view_is_built_by_its_first_visit_without_a_warm_up(data_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above can fail: without the warm-up, the first render builds the layer."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    import ui.map

    built, calls = _counting(cache.areas_layer)
    monkeypatch.setattr(ui.map, "areas_layer", built)
    monkeypatch.setattr(cache, "warm_default_view", lambda: (_ for _ in ()).throw(RuntimeError("no warm-up")))
    AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60).run()
    assert len(calls) == 1


def test_the_joined_table_carries_the_intervals_and_methods_the_csv_writes(data_dir) -> None:
    # Upper tiers 2021, le_birth_1618 (women, 2016-18): counties are approximations with combined intervals,
    # unitaries their districts' published rows; the tooltip's ci_method is the export table's, area by area.
    from documents.figures import MapFigures
    from geo.row_intervals import COMBINED

    view = View("utla", "2021", "le_birth_1618", "2016-18", "female")
    indicator = load_catalogue(data_dir)[view.indicator_id]
    gdf = boundaries_for(view.level, view.vintage)
    drawn = cache.drawn(view, indicator, method="quantiles", england=None, gdf=gdf, values=indicators_values)
    joined = drawn.joined.set_index("area_code")
    assert joined.loc["E10000016", "ci_method"] == COMBINED  # Kent
    assert joined.loc["E10000016", "lower_ci_95"] == joined.loc["E10000016", "lower_ci"]
    figures = MapFigures(view=view, indicator=indicator, joined=drawn.joined, classification=drawn.classification,
                         categories=drawn.categories, scheme=drawn.scheme, legend=drawn.legend, england_row=None,
                         attribution="a")
    table = figures.table().set_index("area_code")
    pd.testing.assert_series_equal(joined["ci_method"].reindex(table.index), table["ci_method"], check_names=False)
    for side in ("lower_ci", "upper_ci", "lower_ci_99_8", "upper_ci_99_8"):
        column = {"lower_ci": "lower_ci_95", "upper_ci": "upper_ci_95"}.get(side, side)
        pd.testing.assert_series_equal(joined[column].reindex(table.index), table[side], check_names=False)


# ---------------------------------------------------------------- the comparison with England at 95% and 99.8%
@pytest.mark.parametrize(
    ("method", "level"),
    [pytest.param("england", 95.0, id="95"), pytest.param("england_998", 99.8, id="99-8")],
)
def test_drawn_compares_with_england_at_the_methods_level(compared_998: gpd.GeoDataFrame, indicator: Indicator,
                                                           method: str, level: float) -> None:
    from tests.conftest import BY_HAND_998, ENGLAND_998

    rows = compared_998.drop(columns="geometry").assign(period="2024", sex="female")
    view = View("lad", "2023", indicator.indicator_id, "2024", "female", method)
    made = cache.drawn(view, indicator, method=method, england=ENGLAND_998, gdf=compared_998[["area_code", "area_name",
                       "geometry"]], values=lambda *_a: pd.DataFrame(rows))
    assert made.categories is not None and made.categories.tolist() == BY_HAND_998[level]
    assert made.joined["comparison"].tolist() == BY_HAND_998[level] and made.scheme.level == level
    assert made.legend.method.startswith(f"Compared with England at {level:g}% confidence")
    layer = cache.areas_layer(view, indicator, made, compared_998, england=ENGLAND_998)
    feats = {f["properties"]["area_code"]: f["properties"] for f in
             next(c for c in layer._children.values() if isinstance(c, folium.GeoJson)).data["features"]}
    ayton, eee = feats["E09000001"], feats["E09000005"]
    if level == 95.0:
        assert ayton["class_label"] == "Worse than England (95% confidence)" and cache.CI_99_8 not in eee
        assert "Not compared" not in made.legend.note
    else:
        assert ayton["class_label"] == "Similar to England (99.8% confidence)"
        assert eee["class_label"] == "Not compared (no 99.8% confidence interval)"
        assert eee[cache.CI_99_8] == "no 99.8% interval: only the 95% one is published (no count or denominator held)"
        assert ayton[cache.CI_99_8] == "78.3 to 80.1"  # the limits it was compared by, worked by hand
        assert "Not compared at 99.8%: 1 area has a 95% confidence interval but no 99.8% one" in made.legend.note


@pytest.mark.parametrize(
    ("keep", "held"),
    [
        pytest.param(["E09000001", "E09000005"], True, id="one-symmetric-interval"),
        pytest.param(["E09000005", "E09000006"], False, id="asymmetric-or-none"),
    ],
)
def test_held_99_8_says_whether_any_area_has_a_99_8_interval(compared_998: gpd.GeoDataFrame, indicator: Indicator,
                                                             keep: list[str], held: bool) -> None:
    rows = compared_998.drop(columns="geometry")
    rows = pd.DataFrame(rows[rows["area_code"].isin(keep)])
    view = View("lad", "2023", f"le_test_{held}", "2024", "female", "england_998")
    assert cache.held_99_8(view, indicator, values=lambda *_a: rows) is held
    upload = View("lad", "2023", f"upload:1:x{held}", "2024", "female", "england_998")
    assert cache.held_99_8(upload, indicator, values=lambda *_a: rows) is held
