"""Spearhead layers: labels, escaping, legends, residual classes."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.spearhead import Criterion, assess
from layers import spearhead as layers


def _areas(names: list[str]) -> gpd.GeoDataFrame:
    boxes = [shapely.box(i, 50, i + 0.5, 50.5) for i in range(len(names))]
    return gpd.GeoDataFrame({"area_code": [f"E0{i}" for i in range(len(names))], "area_name": names},
                            geometry=boxes, crs=4326)


def _run(n: int = 5) -> tuple[gpd.GeoDataFrame, pd.DataFrame, tuple[Criterion, ...], dict[str, float]]:
    gdf = _areas(["<b>Bad</b> & Co"] + [f"Area {i}" for i in range(1, n)])
    values = pd.DataFrame({"le": [70.0, 80, 81, 82, 83], "imd": [40.0, 10, 11, 12, 13]},
                          index=pd.Index(gdf["area_code"], name="area_code"))
    crit = (Criterion("le", "Life expectancy", "le_birth", "female", "2015-17", "higher_is_better"),
            Criterion("imd", "IMD score", "imd", "persons", "2019", "lower_is_better"))
    result = assess(values, {"le": "higher_is_better", "imd": "lower_is_better"}, threshold=2)
    table = result.table.reset_index()
    table.insert(1, "area_name", gdf["area_name"])
    for c in crit:
        table[f"{c.key}_value"] = values[c.key].to_numpy()
    return gdf, table, crit, dict(result.cutoffs)


def test_one_label_per_qualifying_area_and_escaped_text() -> None:
    gdf, table, crit, cutoffs = _run()
    fmap = folium.Map()
    layers.spearhead_layer(gdf, table, crit, cutoffs, name="Spearhead <x>").add_to(fmap)
    page = fmap.get_root().render()
    assert page.count("hga-label") == int(table["qualifies"].sum()) == 1
    assert "2/2" in page
    assert "<b>Bad</b>" not in page
    assert "\\u0026lt;b\\u0026gt;Bad" in page  # escaped, then JSON-encoded by folium
    assert "cut-off 70" in page  # the criterion met, with the cut-off


def test_legend_counts_and_rule() -> None:
    _, table, _crit, _ = _run()
    legend = layers.spearhead_legend(table, n=2, rests_on="2 or more of the 2", title="T")
    counts = {e.label.split(":")[0]: e.count for e in legend.entries}
    assert counts["2/2"] == 1 and counts["Does not qualify"] == 4
    assert "ties at the cut-off" in legend.note


def test_residual_classes_split_the_as_predicted_band_by_side() -> None:
    gdf = _areas(["a", "b", "c", "d"])
    table = pd.DataFrame(
        {"value": [80.0, 70, 75, 76], "imd": [1.0, 2, 3, 4], "predicted": [75.0, 75, 76, 75],
         "residual": [5.0, -5, -1, 1], "verdict": ["better than predicted", "worse than predicted", "as predicted",
                                                   "as predicted"], "rule": ["1.96 SD"] * 4},
        index=gdf["area_code"],
    )
    legend = layers.residual_legend(table, polarity="higher_is_better", title="R", residual_sd=1.0)
    counts = {e.label: e.count for e in legend.entries}
    assert counts == {"Better than predicted": 1, "As predicted, on the better side": 1,
                      "As predicted, on the worse side": 1, "Worse than predicted": 1, "No value": 0}
    assert "95% confidence interval" in legend.note and "1.96" in legend.note
    layer = layers.residual_layer(gdf, table, polarity="higher_is_better", name="R", unit="years")
    assert layer is not None


# --- years behind England (issue 14) ---------------------------------------------------------


def _lag_table() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    gdf = _areas(["<b>Bad</b> & Co", "Ahead", "Far", "Gone", "Blank", "Near", "Farther"])
    table = pd.DataFrame({
        "area_code": gdf["area_code"], "area_name": gdf["area_name"],
        "value": [81.0, 83.0, 80.9, 79.0, float("nan"), 83.2, 80.8],
        "gap": [2.5, -0.5, 2.6, 4.5, float("nan"), 0.3, 2.7],
        "years_behind": [3.0, 0.0, 21.0, 22.0, float("nan"), 1.0, 21.0],
        "beyond_series": pd.array([False, False, False, True, pd.NA, False, False], dtype="boolean"),
        "england_period": ["2020-22", "2023-25", "2002-04", "", "", "2022-24", "2002-04"],
        "flat_england_since": ["", "", "2010-12", "2010-12", "", "", "2010-12"],
    })
    return gdf, table


@pytest.mark.parametrize(
    ("years", "expected"),
    [
        pytest.param([0.0, 1.0, 2.0, 3.0, 14.0, 15.0, 16.0, 22.0], ["1 year", "2 to 3 years", "14 to 15 years",
                                                                    "16 to 22 years"], id="a-jump-in-the-data"),
        pytest.param([0.0, 5.0, 5.0, 5.0], ["5 years"], id="one-value-one-class"),
        pytest.param([0.0, 0.0], [], id="none-behind"),
    ],
)
def test_lag_classes_come_from_the_data_and_none_is_empty(years: list[float], expected: list[str]) -> None:
    table = pd.DataFrame({"years_behind": years, "beyond_series": pd.array([False] * len(years), dtype="boolean"),
                          "gap": [y / 10 for y in years]})
    classes = layers.lag_classes(table)
    behind = [label.split(" (")[0] for label in classes.labels[1:-1]]
    assert behind == expected
    counts = classes.of.value_counts()
    assert all(counts.get(label, 0) > 0 for label in classes.labels[1:-1])  # no empty class
    assert "by rank" in classes.method
    if expected:
        assert all("gap" in label for label in classes.labels[1:-1])  # the gaps beside the years


def test_lag_layer_escapes_and_legend_counts_every_class() -> None:
    gdf, table = _lag_table()
    fmap = folium.Map()
    layers.lag_layer(gdf, table, name="Years <behind>").add_to(fmap)
    page = fmap.get_root().render()
    assert "<b>Bad</b>" not in page
    assert "more than 22 years, a gap of 4.5 years (a floor: beyond the series held)" in page
    assert "21 years, a gap of 2.6 years" in page and "own figure was flat after 2010-12" in page
    assert layers.LAG_COLOURS["beyond the series"] in page
    legend = layers.lag_legend(table, title="T", first_period="2001-03", period="2023-25", beyond_years=22,
                               flat="England's figure changed little after 2011.")
    counts = {e.label: e.count for e in legend.entries}
    assert counts["Beyond the series: more than 22 years (a floor)"] == 1
    assert counts["No value (missing or suppressed)"] == 1
    assert sum(counts.values()) == len(table) and all(counts.values())
    assert "2001-03" in legend.note and "midpoint years" in legend.note and "is a floor" in legend.note
    assert "changed little after 2011" in legend.note


def test_undecided_tooltip_says_why_values_are_missing() -> None:
    gdf, table, crit, cutoffs = _run()
    table.loc[0, "le_value"] = float("nan")
    table.loc[0, ["undecided", "qualifies"]] = [True, False]
    fmap = folium.Map()
    why = {str(table.loc[0, "area_code"]): {"le": "published for 2023 codes, where Bad is part of Big"}}
    layers.spearhead_layer(gdf, table, crit, cutoffs, name="S", missing=why).add_to(fmap)
    page = fmap.get_root().render()
    assert "Life expectancy: no value (published for 2023 codes, where Bad is part of Big)" in page


def test_tooltip_values_at_the_published_precision() -> None:
    from geo.classify import NumberFormat

    gdf, table, crit, cutoffs = _run()
    table["le_value"] = table["le_value"] + 0.0411  # stored at full precision: 70.0411
    cutoffs = {**cutoffs, "le": 70.0411}
    fmap = folium.Map()
    layers.spearhead_layer(gdf, table, crit, cutoffs, name="S",
                           formats={"le": NumberFormat(1, 1.0, "years"), "imd": NumberFormat(1, 1.0, "")}).add_to(fmap)
    page = fmap.get_root().render()
    assert "Life expectancy: 70.0 (worst fifth; cut-off 70.0)" in page
    assert "70.0411" not in page


@pytest.mark.parametrize(("n", "expected"), [pytest.param(5, "3/5, 5/5 labels", id="five"),
                                             pytest.param(6, "3/6, 5/6 labels", id="six-with-an-upload")])
def test_legend_names_the_labels_drawn(n: int, expected: str) -> None:
    table = pd.DataFrame({"criteria_met": [5, 3, 1], "qualifies": [True, True, False], "undecided": [False, False, False]})
    legend = layers.spearhead_legend(table, n=n, rests_on="3 or more", title="t")
    assert expected in legend.method
