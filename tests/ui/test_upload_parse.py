"""The map page parses an upload once: reruns of the page with the same file parse nothing.

Each test counts calls to :func:`geo.sandbox.check` (the one parse: the sheets and the check,
in a worker process) while one session uploads a file and the page reruns, as it does on
every click. Before, every rerun read the file again, twice (its sheet names, then the check).

The panel's questions and preview: a column of percentages is drawn as written when its
values tell their scale and asked about when they cannot, three rows are shown as the
map will draw them before *Add to map*, a government file's skipped title and notes are
said in one line each, and the join check and the legend give one count of areas with
no value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo import sandbox, shared

APP = str(Path(__file__).resolve().parents[2] / "app.py")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every call to the one parse, with its arguments; the parse still runs (in its worker)."""
    calls: list[dict[str, Any]] = []
    real = sandbox.check

    def counted(data: bytes, **kwargs: Any) -> sandbox.Checked:
        calls.append(kwargs)
        return real(data, **kwargs)

    monkeypatch.setattr(sandbox, "check", counted)
    shared.clear()
    return calls


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"level": "lad", "vintage": "2019"})
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception]


def test_a_workbook_is_parsed_once_across_reruns(data_dir, parses: list[dict[str, Any]]) -> None:
    at = _page()
    data = (FIXTURES / "two_sheets.xlsx").read_bytes()
    at.file_uploader(key="upload_file").set_value(("f.xlsx", data, XLSX)).run()
    assert _errors(at) == [] and len(parses) == 1
    assert at.selectbox(key="upload_sheet").options == ["Notes", "Data"]
    for _ in range(3):
        at.run()  # what every click on the page does
    assert len(parses) == 1, "a rerun with the same file parsed it again"

    at.selectbox(key="upload_sheet").set_value("Data").run()  # another sheet: one more parse
    assert len(parses) == 2 and parses[-1]["sheet"] == "Data"
    assert at.button(key="upload_add") is not None and _errors(at) == []
    for _ in range(3):
        at.run()
    assert len(parses) == 2


def test_a_csv_is_parsed_once_and_again_only_when_a_name_is_confirmed(data_dir, parses: list[dict[str, Any]]) -> None:
    at = _page()
    data = (FIXTURES / "names_only.csv").read_bytes()
    at.file_uploader(key="upload_file").set_value(("names.csv", data, "text/csv")).run()
    at.run()
    at.run()
    assert len(parses) == 1
    confirm = [s for s in at.selectbox if str(s.key).startswith("upload_name_")]
    assert confirm, "'Middlesbrogh' is offered for confirming"
    confirm[0].set_value(confirm[0].options[0]).run()  # the check changes with a confirmed name: one more parse
    assert len(parses) == 2 and parses[-1]["accept"]
    at.run()
    assert len(parses) == 2


def test_the_same_file_uploaded_again_is_not_parsed_again(data_dir, parses: list[dict[str, Any]]) -> None:
    at = _page()
    data = (FIXTURES / "lad2019_rates.csv").read_bytes()
    at.file_uploader(key="upload_file").set_value(("rates.csv", data, "text/csv")).run()
    at.file_uploader(key="upload_file").set_value(("rates.csv", data, "text/csv")).run()  # a new upload id, the same bytes
    at.run()
    assert len(parses) == 1


def test_a_hostile_workbook_is_refused_in_one_line_and_the_page_carries_on(data_dir, parses: list[dict[str, Any]],
                                                                            tmp_path: Path) -> None:
    from tests.geo.test_workbook import measured_cells

    at = _page()
    at.file_uploader(key="upload_file").set_value(("big.xlsx", measured_cells(tmp_path / "big.xlsx").read_bytes(), XLSX)).run()
    assert _errors(at) == [] and len(parses) == 1
    assert any("Over the compression ratio cap" in e.value for e in at.error)
    at.run()
    assert len(parses) == 1


# ---------------------------------------------------------------- the scale of percentages, the preview, the count
def _legend_text(at: AppTest) -> str:
    import html
    import re

    found = [m.value for m in at.markdown if "hga-legend" in m.value]
    return re.sub(r"<[^>]+>", " ", html.unescape(found[0])) if found else ""


def _preview(at: AppTest) -> list[tuple[str, str]]:
    frames = [t.value for t in at.table if list(t.value.columns) == ["Value"]]
    return [(str(i), str(v)) for f in frames for i, v in f["Value"].items()]


def test_percentages_on_a_0_100_scale_are_drawn_as_written(data_dir, parses: list[dict[str, Any]]) -> None:
    at = _page()
    data = (FIXTURES / "lad_percent_0_100.csv").read_bytes()
    at.file_uploader(key="upload_file").set_value(("obesity.csv", data, "text/csv")).run()
    at.selectbox(key="upload_value_type").set_value("proportion").run()
    assert not [r for r in at.radio if str(r.key).startswith("upload_scale_")], "the data tell their scale: no question"
    assert any("already percentages (0-100)" in c.value for c in at.caption)
    assert _preview(at) == [("Cornwall", "18.9%"), ("Hartlepool", "22.4%"), ("Middlesbrough", "25.1%")]
    at.button(key="upload_add").click().run()
    assert _errors(at) == []
    legend = _legend_text(at)
    assert "18.9%" in legend and "1,890" not in legend and "()" not in legend


@pytest.mark.parametrize(("scale", "cornwall"), [pytest.param("0-1", "18.9%", id="proportions"),
                                                  pytest.param("0-100", "0.189%", id="small-percentages")])
def test_percentages_between_0_and_1_ask_their_scale(data_dir, parses: list[dict[str, Any]], scale: str,
                                                     cornwall: str) -> None:
    at = _page()
    data = b"code,Obesity\nE06000052,0.189\nE06000001,0.224\nE06000002,0.251\n"
    at.file_uploader(key="upload_file").set_value(("obesity.csv", data, "text/csv")).run()
    at.selectbox(key="upload_value_type").set_value("proportion").run()
    question = at.radio(key="upload_scale_0")
    assert question.value is None and "cannot tell" in question.label
    assert at.button(key="upload_add").disabled and _preview(at) == []
    question.set_value(scale).run()
    assert not at.button(key="upload_add").disabled
    assert _preview(at)[0] == ("Cornwall", cornwall)
    at.button(key="upload_add").click().run()
    assert cornwall in _legend_text(at)


def test_a_government_file_says_what_it_skipped(data_dir, parses: list[dict[str, Any]]) -> None:
    at = _page()
    data = (FIXTURES / "gov_title_footer.csv").read_bytes()
    at.file_uploader(key="upload_file").set_value(("table3.csv", data, "text/csv")).run()
    captions = [c.value for c in at.caption]
    assert any("21 of 21 rows matched" in c and "“Prevalence of obesity (%)”" in c for c in captions)
    assert any(c.startswith("Skipped 1 title line above the header") for c in captions)
    assert any(c.startswith("Skipped 3 footer lines below the data") and "Source: NHS Digital" in c for c in captions)
    assert not any("problem" in e.label for e in at.expander)


def test_the_join_check_and_the_legend_give_one_count(data_dir, parses: list[dict[str, Any]]) -> None:
    import re

    at = _page()
    data = (FIXTURES / "lad_percent_0_100.csv").read_bytes()  # Rutland's row has a blank value
    at.file_uploader(key="upload_file").set_value(("obesity.csv", data, "text/csv")).run()
    preview = next(c.value for c in at.caption if "will show No data" in c.value)
    at.button(key="upload_add").click().run()
    join = next(c.value for c in at.caption if c.value.startswith("Join check"))
    counted = re.search(r"(\d+) area\(s\) on the map have no", join)
    legend = re.search(r"No data\s+\((\d+) areas\)", _legend_text(at))
    assert counted and legend and counted.group(1) == legend.group(1)
    assert f"{legend.group(1)} will show No data" in preview


def test_percentages_carried_onto_merged_areas_are_weighted_never_summed(data_dir, parses: list[dict[str, Any]]) -> None:
    from geo import codes

    # Cumbria's six 2021 districts, 20.0 to 25.0%, drawn on the 2023 map where they make two.
    cumbria = ("E07000026", "E07000027", "E07000028", "E07000029", "E07000030", "E07000031")
    data = ("code,Obesity\n" + "".join(f"{c},{20 + i}.0\n" for i, c in enumerate(cumbria))).encode()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"level": "lad", "vintage": "2023"})
    at.run()
    at.file_uploader(key="upload_file").set_value(("cumbria.csv", data, "text/csv")).run()
    at.radio(key="upload_target").set_value(("lad", "2023")).run()
    assert at.radio(key="upload_kind_0").value == "count"  # a column of numbers: the person says how it adds up
    at.selectbox(key="upload_value_type").set_value("proportion").run()
    assert not [r for r in at.radio if str(r.key).startswith("upload_kind_")], "a percentage is not offered a sum"
    assert any("percentages are weighted by population" in c.value for c in at.caption)
    became = codes.reconcile(list(cumbria), source="2021", target="2023").mapped
    names = codes.area_names("lad", "2023")
    shown = dict(_preview(at))
    for code in sorted(set(became["target_code"])):
        value = float(shown[names[code]].rstrip("%"))
        assert 20.0 <= value <= 25.0, f"{names[code]} reads {value}%: summed, not weighted"


# ---------------------------------------------------------------- a list of postcodes (issue 20)
POSTCODES = (b"Postcode,Households\nL1 0AA,4\nl1 0aa,4\nL1  0AA,4\nSW1A 1AA,2\nM1 1AE,1\n,1\nEH1 1YZ,3\n"
             b"BF1 3AA,1\nL1 9ZZ,1\nnot known,1\n")


@pytest.fixture
def tallies(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every count of a list of postcodes (the slow part: the postcode table's lookups), with its arguments."""
    from geo.postcode_uploads import PostcodeList

    calls: list[dict[str, Any]] = []
    real = PostcodeList.tally

    def counted(self: PostcodeList, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(self, **kwargs)

    monkeypatch.setattr(PostcodeList, "tally", counted)
    return calls


#: An indicator held on the 2019 districts (the default one's latest period is on the 2023 ones).
IMD_2019 = "imd2019_imd_la_avg_score"


def _postcode_page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.run()
    at.file_uploader(key="upload_file").set_value(("households.csv", POSTCODES, "text/csv")).run()
    return at


def _report(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown if "rows read" in m.value).replace("\\", "")  # Markdown escapes


def test_a_list_of_postcodes_is_parsed_once_and_counted_once(data_dir, parses: list[dict[str, Any]],
                                                            tallies: list[dict[str, Any]]) -> None:
    at = _postcode_page({"level": "lad", "vintage": "2023"})
    assert _errors(at) == [] and len(parses) == 1 and len(tallies) == 1
    assert tallies[0]["count_column"] == "Households"  # its header says it counts
    report = _report(at)
    assert "10 rows read: 5 placed in England, 5 not counted" in report
    for words in ("empty postcode cell", "in Scotland", "non-geographic", "neither the ONS postcode lookup",
                  "not shaped like a postcode", "lower case", "spaces"):
        assert words in report, words
    assert any("Contains Royal Mail data" in c.value.replace("\\", "") for c in at.caption)  # the attribution
    threshold = at.number_input(key="pc_threshold")
    assert threshold.value == 5 and threshold.min == 1
    for _ in range(2):
        at.run()
    threshold.set_value(1).run()  # another threshold: suppressed again, not looked up again
    assert len(parses) == 1 and len(tallies) == 1
    assert any("0 suppressed (fewer than 1)" in c.value.replace("\\", "") for c in at.caption)


@pytest.mark.parametrize(
    ("query", "chosen"),
    [pytest.param({"level": "lad", "vintage": "2019", "indicator": IMD_2019}, ("lad", "2019"), id="the-maps-districts"),
     pytest.param({"level": "lad", "vintage": "2023", "area": "E08000012"}, ("lsoa", "2021"), id="drilled-2023"),
     pytest.param({"level": "lad", "vintage": "2019", "indicator": IMD_2019, "area": "E08000012"}, ("lsoa", "2011"),
                  id="drilled-2019"),
     pytest.param({"level": "utla", "vintage": "2023"}, ("lsoa", "2021"), id="upper-tier")],
)
def test_what_to_count_into_starts_at_the_maps_geography(data_dir, query: dict[str, str],
                                                          chosen: tuple[str, str]) -> None:
    at = _postcode_page(query)
    assert at.selectbox(key="pc_target").value == chosen


def test_added_counts_are_a_session_layer_with_suppression_and_no_postcode(data_dir) -> None:
    import re

    at = _postcode_page({"level": "lad", "vintage": "2023", "area": "E08000012"})
    at.button(key="pc_add").click().run()
    assert _errors(at) == []
    (indicator_id, layer), = at.session_state["_uploads"].items()
    assert indicator_id.startswith("upload:") and at.query_params["lsoa"] == indicator_id
    assert at.query_params["area"] == "E08000012" and at.query_params["indicator"] == indicator_id
    values = layer.values
    lad = values[values["level"] == "lad"].set_index("area_code")
    assert lad.loc["E08000012", "value"] == 12 and lad.loc["E09000033", "status"] == "suppressed"  # 2 < 5
    assert not re.search(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", values.to_csv(), re.I)
    import html

    legends = re.sub(r"<[^>]+>", " ", html.unescape(" ".join(m.value for m in at.markdown if "hga-legend" in m.value)))
    assert "Suppressed (numbers too small to publish)  (2 areas)" in legends  # Westminster's 2 and Manchester's 1
    assert "Small areas in Liverpool: Households" in legends


def test_rates_per_1000_on_districts_move_the_map_there(data_dir) -> None:
    at = _postcode_page({"level": "utla", "vintage": "2023"})
    at.selectbox(key="pc_target").set_value(("lad", "2019")).run()
    at.radio(key="pc_measure").set_value("rate").run()
    at.button(key="pc_add").click().run()
    assert _errors(at) == []
    assert (at.query_params["level"], at.query_params["vintage"]) == ("lad", "2019")
    (layer,) = at.session_state["_uploads"].values()
    assert layer.indicator.unit == "per 1,000 residents" and layer.indicator.has_ci
    assert "per 1,000 residents" in _legend_text(at)


def test_a_count_columns_name_reaches_the_map_as_plain_text(data_dir) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"level": "lad", "vintage": "2023"})
    at.run()
    data = b"Postcode,<img src=x onerror=alert(1)> **People** [x](https://evil.example)\nL1 0AA,5\nM1 1AE,6\n"
    at.file_uploader(key="upload_file").set_value(("list.csv", data, "text/csv")).run()
    count_by = next(s for s in at.selectbox if str(s.key).startswith("pc_count_column"))
    assert str(count_by.value).startswith("<img")  # its header says People: it counts each row
    at.button(key="pc_add").click().run()
    assert _errors(at) == []
    (layer,) = at.session_state["_uploads"].values()
    for text in (layer.indicator.title, layer.indicator.label, layer.indicator.description):
        assert not any(c in text for c in "<>*[]"), text
