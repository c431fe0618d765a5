"""AppTest: the Streamlit script runs for every view the catalogue offers, and survives bad URLs.

The map itself is a custom component that AppTest cannot draw; browser tests cover it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.catalogue import load_catalogue
from geo.view import MAP_LEVELS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60


def _run(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _problems(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def test_default_view_renders(data_dir) -> None:
    at = _run()
    assert _problems(at) == []
    assert at.title[0].value == "Health Gap Atlas"
    assert [s.label for s in at.selectbox][:3] == ["Geography", "Topic", "Indicator"]
    assert at.query_params["indicator"] == "le_birth"


@pytest.mark.parametrize("level", [lv for lv in MAP_LEVELS if lv != "lad"] + ["lad"])
def test_every_indicator_renders_at_every_level(data_dir, level: str) -> None:
    catalogue = load_catalogue(data_dir)
    held = sorted(i for i, ind in catalogue.items() if level in ind.levels)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    failures = {}
    for indicator_id in held or ["le_birth"]:
        at.query_params.clear()
        at.query_params["level"] = level
        at.query_params["indicator"] = indicator_id
        at.run()
        if _problems(at):
            failures[indicator_id] = _problems(at)
    assert failures == {}


@pytest.mark.parametrize(
    ("params", "note"),
    [
        pytest.param({"level": "parish"}, "Unknown geography", id="bad-level"),
        pytest.param({"indicator": "<script>x</script>"}, "Unknown indicator", id="bad-indicator"),
        pytest.param({"period": "1066"}, "no period", id="bad-period"),
        pytest.param({"vintage": "1999"}, "not '1999'", id="bad-vintage"),
        pytest.param({"method": "rainbow"}, "Unknown classification", id="bad-method"),
        pytest.param({"area": "E99999999"}, "is not in the 2023", id="bad-area"),
        pytest.param({"region": "E12999999"}, "is not an English region", id="bad-region"),
        pytest.param({"area": "E08000013", "lsoa": "le_birth"}, "not a small-area indicator", id="bad-lsoa-indicator"),
        pytest.param({"level": "pct", "indicator": "imd2025_imd_la_avg_score"}, "not held for primary care trusts",
                     id="indicator-not-held-for-pcts"),
    ],
)
def test_bad_parameters_fall_back_with_a_visible_note(data_dir, params: dict[str, str], note: str) -> None:
    at = _run(**params)
    assert _problems(at) == []
    # Notes are written as text: Markdown escapes (ui.widgets.as_text) are what a person does not see.
    shown = [re.sub(r"\\(.)", r"\1", i.value) for i in at.info]
    assert any(note in text for text in shown), shown


def test_selected_area_shows_its_panel(data_dir) -> None:
    at = _run(area="E08000013")  # St. Helens
    assert _problems(at) == []
    assert any(h.value == "St. Helens" for h in at.subheader)
    assert at.query_params["area"] == "E08000013"
    assert any(m.label == "Population" for m in at.metric)


def test_search_offers_matching_areas(data_dir) -> None:
    at = _run()
    at.text_input(key="search_query").input("saint helens").run()
    assert _problems(at) == []
    hits = [b.key for b in at.button if b.key and b.key.startswith("hit_")]
    here = f"hit_E08000013_{at.query_params['vintage']}"  # St. Helens, on the map's code set
    assert hits and hits[0] == here
    at.button(key=here).click().run()
    assert at.query_params["area"] == "E08000013"
    assert at.text_input(key="search_query").value == ""  # a choice clears the search


def test_an_exact_name_offers_only_that_area(data_dir) -> None:
    """Birmingham first, then only areas named with it (PCTs of Birmingham), never look-alikes such as Newham."""
    at = _run()
    at.text_input(key="search_query").input("Birmingham").run()
    labels = [b.label for b in at.button if b.key and b.key.startswith("hit_")]
    assert labels[0].startswith("Birmingham \\(district")
    assert all("Birmingham" in label for label in labels)


def test_breadcrumb_goes_back_to_england(data_dir) -> None:
    at = _run(area="E08000013")
    at.button(key="crumb_england").click().run()
    assert "area" not in at.query_params
    assert _problems(at) == []


def test_about_page_lists_every_indicator(data_dir) -> None:
    at2 = AppTest.from_string(
        f"import sys; sys.path.insert(0, {str(Path(APP).parent)!r})\nfrom ui.about import about_page\nabout_page()",
        default_timeout=TIMEOUT,
    ).run()
    assert _problems(at2) == []
    titles = {e.label for e in at2.expander}
    catalogue = load_catalogue(data_dir)
    assert all(any(ind.title in t for t in titles) for ind in catalogue.values())


def test_breadcrumb_region_zooms_out_on_the_same_map(data_dir) -> None:
    query = {"level": "lad", "vintage": "2019", "indicator": "le_birth", "period": "2005-07", "sex": "female",
             "area": "E08000013"}  # St. Helens, North West, on an old period
    at = _run(**query)
    at.button(key="crumb_region").click().run()
    assert _problems(at) == []
    after = {k: at.query_params[k] for k in ("level", "vintage", "indicator", "period", "sex")}
    assert after == {k: v for k, v in query.items() if k != "area"}  # nothing changed silently
    assert at.query_params["region"] == "E12000002" and "area" not in at.query_params
    assert any(h.value == "North West" for h in at.subheader)
    at.button(key="crumb_england").click().run()
    assert "region" not in at.query_params and at.query_params["level"] == "lad"


def test_small_area_indicator_is_in_the_url(data_dir) -> None:
    at = _run(area="E08000013", lsoa="imd2025_income_decile")
    assert _problems(at) == []
    assert at.selectbox(key="w_lsoa_indicator").value == "imd2025_income_decile"
    at.selectbox(key="w_lsoa_indicator").select("imd2025_imd_decile").run()
    assert at.query_params["lsoa"] == "imd2025_imd_decile"


def test_picking_an_indicator_does_not_announce_replaced_periods(data_dir) -> None:
    at = _run(period="2005-07", sex="female", vintage="2019")
    at.selectbox(key="w_group").select("Deprivation").run()
    assert _problems(at) == []
    assert [i.value for i in at.info] == []


def test_compared_with_england_shows_what_is_drawn(data_dir) -> None:
    at = _run(indicator="imd2019_imd_la_avg_score", level="lad", method="england")
    assert _problems(at) == []
    assert at.selectbox(key="w_method").value == "quantiles"


def test_presentation_mode_stays_in_the_url(data_dir) -> None:
    at = _run(present="1", area="E08000013")
    assert _problems(at) == []
    assert at.query_params["present"] == "1" and at.query_params["area"] == "E08000013"
