"""documents.area_table: the map's table of areas says what the map says, in an order a reader picks."""

from __future__ import annotations

import html
import io
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from documents.area_table import (
    CSV_NOTE,
    SORTS,
    AreaRows,
    area_rows,
    check_sort,
    sort_label,
    sorted_rows,
    sorts_for,
    table_csv,
    table_html,
)
from documents.figures import MapFigures
from geo.catalogue import Indicator, Source
from geo.classify import classify, compare_with_england
from geo.comparison import PHRASES
from geo.row_intervals import with_intervals
from geo.view import View
from layers.choropleth import choropleth_layer
from layers.legend import build_legend
from layers.style import COMPARISON_LABELS, STATUS_LABELS, scheme_for

ATTRIBUTION = "Source: Office for National Statistics."
#: Five areas: three with a value, one suppressed, one with no value; B's name needs escaping.
AREAS = pd.DataFrame({
    "area_code": ["E1", "E2", "E3", "E4", "E5"],
    "area_name": ["alpha", "Beta <b>&</b>", "Gamma", "delta", "Epsilon"],
    "value": [81.25, 79.5, np.nan, 83.75, np.nan],
    "lower_ci": [80.5, 78.0, np.nan, 83.0, np.nan],
    "upper_ci": [82.0, 81.0, np.nan, 84.5, np.nan],
    "status": ["ok", "ok", "suppressed", "ok", "missing"],
    "note": [None, "an approximation: population-weighted mean of 2 areas", None, None, None],
})
ENGLAND = pd.Series({"value": 82.0, "lower_ci": np.nan, "upper_ci": np.nan})


def _indicator(polarity: str = "higher_is_better", value_type: str = "years") -> Indicator:
    unit = "% of people" if value_type == "proportion" else "years"
    return Indicator("le_test", "Life expectancy at birth", "d", unit, polarity, "Life expectancy",  # type: ignore[arg-type]
                     Source("ONS", "Life expectancy", "raw.csv"), value_type=value_type, has_ci=True,
                     short_title="Life expectancy")


#: The same areas as proportions (%) with the count and denominator behind E1 and E4 (their intervals computed).
PROPORTIONS = AREAS.assign(value=[25.0, 79.5, np.nan, 40.0, np.nan], lower_ci=[np.nan, 78.0, np.nan, np.nan, np.nan],
                           upper_ci=[np.nan, 81.0, np.nan, np.nan, np.nan], count=[50, np.nan, np.nan, 80, np.nan],
                           denominator=[200, np.nan, np.nan, 200, np.nan])


def _figures(*, method: str = "quantiles", polarity: str = "higher_is_better", areas: pd.DataFrame = AREAS,
             value_type: str = "years") -> MapFigures:
    """The five areas as the map draws them: classes by ``method``, or compared with England ("england").

    The joined table carries each row's limits and ``ci_method``, as the map page's does (``ui.cache.drawn``).
    """
    indicator = _indicator(polarity, value_type)
    joined = gpd.GeoDataFrame(areas.copy(), geometry=[box(i, 0, i + 1, 1) for i in range(len(areas))], crs="EPSG:4326")
    limits = with_intervals(joined, value_type=value_type)
    joined["lower_ci_95"], joined["upper_ci_95"] = limits["lower_ci"], limits["upper_ci"]
    joined["lower_ci_99_8"], joined["upper_ci_99_8"] = limits["lower_ci_99_8"], limits["upper_ci_99_8"]
    joined["ci_method"] = limits["ci_method"]
    view = View("lad", "2023", indicator.indicator_id, "2023-25", "female", method=method)
    classification = categories = None
    if method == "england":
        categories = compare_with_england(joined["value"], joined["lower_ci"], joined["upper_ci"], england_value=82.0,
                                          polarity=polarity)
        joined["comparison"] = categories
    else:
        classification = classify(joined["value"].where(joined["status"] == "ok"), method=method, k=3,
                                  value_type=indicator.value_type, unit=indicator.unit)
    scheme = scheme_for(polarity, method=method, k=classification.k if classification else 3)
    legend = build_legend(indicator=indicator, period=view.period, sex=view.sex, classification=classification,
                          scheme=scheme, england_value=82.0, statuses=joined["status"], categories=categories)
    return MapFigures(view=view, indicator=indicator, joined=joined, classification=classification,
                      categories=categories, scheme=scheme, legend=legend, england_row=ENGLAND, attribution=ATTRIBUTION)


@pytest.fixture(scope="module")
def quintiles() -> AreaRows:
    return area_rows(_figures())


# ---------------------------------------------------------------- the URL's sort=
@pytest.mark.parametrize(
    ("given", "polarity", "expected", "noted"),
    [
        pytest.param(None, "higher_is_better", "name", False, id="absent-is-name"),
        pytest.param("high", "higher_is_better", "high", False, id="offered"),
        pytest.param("worst", "lower_is_better", "worst", False, id="worst-with-polarity"),
        pytest.param("worst", "none", "name", True, id="worst-without-polarity"),
        pytest.param("<script>alert(1)</script>", "none", "name", True, id="hostile"),
        pytest.param("HIGH", "higher_is_better", "name", True, id="not-case-folded"),
    ],
)
def test_a_sort_is_used_only_when_offered(given: str | None, polarity: str, expected: str, noted: bool) -> None:
    sort, note = check_sort(given, polarity=polarity)
    assert sort == expected and sort in sorts_for(polarity)
    assert bool(note) == noted
    if noted and given != "worst":
        assert repr(given) in note  # the note quotes what arrived (the page escapes it)


def test_a_long_sort_is_cut_in_the_note() -> None:
    _sort, note = check_sort("x" * 5_000, polarity="none")
    assert len(note) < 300 and "..." in note


@pytest.mark.parametrize(("polarity", "first"), [pytest.param("higher_is_better", "lowest", id="higher-is-better"),
                                                 pytest.param("lower_is_better", "highest", id="lower-is-better")])
def test_worst_first_says_which_end(polarity: str, first: str) -> None:
    assert sort_label("worst", polarity=polarity) == f"Worst first ({first} value first)"


# ---------------------------------------------------------------- rows
@pytest.mark.parametrize(("areas", "value_type"), [pytest.param(AREAS, "years", id="published-intervals"),
                                                    pytest.param(PROPORTIONS, "proportion", id="computed-intervals")])
def test_each_value_is_written_as_the_map_s_tooltip_writes_it(areas: pd.DataFrame, value_type: str) -> None:
    figures = _figures(areas=areas, value_type=value_type)
    rows = area_rows(figures).rows.set_index("area_code")
    layer = choropleth_layer(figures.joined, name="t", indicator=figures.indicator, period="2023-25", england_value=82.0,
                             scheme=figures.scheme, classification=figures.classification)
    (geojson,) = [c for c in layer._children.values() if hasattr(c, "data")]
    said = 0
    for feature in geojson.data["features"]:
        props = feature["properties"]
        row = rows.loc[html.unescape(props["area_code"])]
        tooltip = html.unescape(props["value_text"])
        if np.isnan(row["value"]):
            assert tooltip == row["value_text"]
            continue
        interval = row["ci_text"] if row["ci_text"].startswith("no interval") else f"95% CI {row['ci_text']}"
        assert tooltip == f"{row['value_text']} ({interval})"  # the value, its interval and its method
        assert html.unescape(props["class_label"]) == row["class_text"]
        said += 1
    assert said == 3  # every area with a value
    if value_type == "proportion":
        assert rows.loc["E1", "ci_text"].endswith("computed by Wilson score")


def test_missing_and_suppressed_are_words_never_blank(quintiles: AreaRows) -> None:
    rows = quintiles.rows.set_index("area_code")
    text = rows.drop(columns=["value", "class_rank"])
    assert not (text == "").any().any() and not text.isna().any().any()
    assert rows.loc["E3", "value_text"] == rows.loc["E3", "class_text"] == STATUS_LABELS["suppressed"]
    assert rows.loc["E5", "value_text"] == rows.loc["E5", "class_text"] == STATUS_LABELS["missing"]
    assert rows.loc["E3", "note_text"].startswith("Value suppressed")
    assert rows.loc["E3", "ci_text"].startswith("no interval: ")


def test_the_interval_and_the_comparison_are_the_export_table_s(quintiles: AreaRows) -> None:
    table = _figures().table().set_index("area_code")
    rows = quintiles.rows.set_index("area_code")
    for code in ("E1", "E2", "E4"):
        assert rows.loc[code, "compared_text"].lower() == PHRASES[table.loc[code, "compared_with_england"]].lower()
    assert rows.loc["E5", "compared_text"].startswith("Not compared")


def test_compared_with_england_the_class_is_the_legend_s_words() -> None:
    figures = _figures(method="england")
    rows = area_rows(figures)
    ok = figures.joined["status"] == "ok"
    assert rows.class_heading == "Compared with England on the map"
    assert list(rows.rows.loc[ok.to_numpy(), "class_text"]) == [COMPARISON_LABELS[c] for c in figures.categories[ok]]
    assert {e.label for e in figures.legend.entries} >= set(rows.rows["class_text"])


# ---------------------------------------------------------------- orders
@pytest.mark.parametrize(
    ("sort", "polarity", "codes"),
    [
        pytest.param("name", "higher_is_better", ["E1", "E2", "E4", "E5", "E3"], id="name-a-to-z-ignoring-case"),
        pytest.param("high", "higher_is_better", ["E4", "E1", "E2", "E5", "E3"], id="highest-first-missing-last"),
        pytest.param("low", "higher_is_better", ["E2", "E1", "E4", "E5", "E3"], id="lowest-first-missing-last"),
        pytest.param("worst", "higher_is_better", ["E2", "E1", "E4", "E5", "E3"], id="worst-is-lowest"),
        pytest.param("worst", "lower_is_better", ["E4", "E1", "E2", "E5", "E3"], id="worst-is-highest"),
        pytest.param("class", "higher_is_better", ["E2", "E1", "E4", "E5", "E3"], id="class-in-legend-order"),
    ],
)
def test_sorted_rows(sort: str, polarity: str, codes: list[str]) -> None:
    rows = area_rows(_figures(polarity=polarity))
    # Missing and suppressed always last, by name: "Epsilon" (E5) before "Gamma" (E3).
    assert list(sorted_rows(rows, sort)["area_code"]) == codes


def test_every_sort_keeps_every_row(quintiles: AreaRows) -> None:
    for sort in SORTS:
        assert sorted(sorted_rows(quintiles, sort)["area_code"]) == sorted(AREAS["area_code"])


# ---------------------------------------------------------------- HTML
def test_the_html_table_is_a_captioned_escaped_table(quintiles: AreaRows) -> None:
    page = table_html(quintiles, sort="high", scope="Zoomed <in>")
    assert page.count('<th scope="col"') == 7 and page.count('<th scope="row">') == 5
    assert "Beta &lt;b&gt;&amp;&lt;/b&gt;" in page and "<b>" not in page
    assert "Zoomed &lt;in&gt;" in page
    caption = page.split("<caption", 1)[1].split("</caption>", 1)[0]
    for part in ("Life expectancy at birth", "female", "2023-25", "Local authority districts", "2023 boundaries",
                 "5 local authority districts", "value, highest first"):
        assert part in caption, caption
    assert 'aria-sort="descending">Life expectancy, 2023-25</th>' in page
    assert 'role="region" tabindex="0"' in page  # a scrolling region the keyboard reaches


@pytest.mark.parametrize(("limit", "said"), [pytest.param(2, True, id="capped"), pytest.param(5, False, id="all")])
def test_a_long_table_says_how_much_it_shows(quintiles: AreaRows, limit: int, said: bool) -> None:
    page = table_html(quintiles, sort="name", limit=limit)
    assert page.count('<th scope="row">') == limit
    assert ("Showing the first 2 of 5 in this order; the Table (CSV) has every row." in page) == said


# ---------------------------------------------------------------- the Table (CSV)
def test_the_table_csv_is_the_export_table_with_its_methods() -> None:
    figures = _figures()
    text = table_csv(figures)
    header = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    assert header[0] == figures.title and CSV_NOTE in header and ATTRIBUTION in header
    table = pd.read_csv(io.StringIO(text), comment="#", dtype={"area_code": str})
    assert list(table.columns) == list(figures.table().columns)
    assert {"ci_method", "lower_ci_99_8", "upper_ci_99_8", "compared_with_england"} <= set(table.columns)
    assert table["ci_method"].notna().all()


def test_the_table_csv_writes_a_table_it_is_given() -> None:
    figures = _figures()
    given = figures.table()
    given = given.assign(note=given["note"].fillna("given"))
    assert table_csv(figures, given).count(",given,") == int((given["note"] == "given").sum())
    assert replace(figures, scope="Small areas in X").title.startswith("Small areas in X: ")


@pytest.mark.parametrize(
    ("method", "level", "heading", "ayton", "eee", "csv_line"),
    [
        pytest.param("england", 95.0, "Compared with England on the map", "Worse than England (95% confidence)",
                     "Worse than England (95% confidence)",
                     "class: the map's comparison with England at 95% confidence (as compared_with_england)", id="95"),
        pytest.param("england_998", 99.8, "Compared with England at 99.8% on the map",
                     "Similar to England (99.8% confidence)", "Not compared (no 99.8% confidence interval)",
                     "class: the map's comparison with England at 99.8% confidence (as compared_with_england_99_8)",
                     id="99-8"),
    ],
)
def test_the_table_and_its_csv_take_the_comparison_at_the_maps_level(compared_998, indicator, method: str, level: float,
                                                                     heading: str, ayton: str, eee: str,
                                                                     csv_line: str) -> None:
    from documents.figures import _drawn
    from tests.conftest import BY_HAND_998, ENGLAND_998

    ind = replace(indicator, has_ci=True)
    view = View("lad", "2023", ind.indicator_id, "2024", "female", method)
    _c, categories, scheme, legend, _why = _drawn(view, ind, compared_998, england=ENGLAND_998)
    assert categories is not None and categories.tolist() == BY_HAND_998[level]
    figures = MapFigures(view=view, indicator=ind, joined=compared_998.assign(comparison=categories), classification=None,
                         categories=categories, scheme=scheme, legend=legend,
                         england_row=pd.Series({"value": ENGLAND_998}), attribution=ATTRIBUTION)
    rows = area_rows(figures).rows.set_index("area_name")
    assert area_rows(figures).class_heading == heading
    assert (rows.at["Ayton", "class_text"], rows.at["Eee", "class_text"]) == (ayton, eee)
    assert rows.at["Ayton", "compared_text"].startswith("Worse than England")  # the 95% column stays 95%
    header = [line[2:] for line in table_csv(figures).splitlines() if line.startswith("# ")]
    assert csv_line in header
    table = pd.read_csv(io.StringIO(table_csv(figures)), comment="#", dtype={"area_code": str})
    assert {"compared_with_england", "compared_with_england_99_8"} <= set(table.columns)
