"""The Spearhead method: hand-checked small cases, properties, the CLI against the function."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from geo import spearhead
from geo.spearhead import assess, worst_fifth

AREAS = [f"A{i:02d}" for i in range(1, 11)]


def _ten() -> tuple[pd.DataFrame, dict[str, str]]:
    """Ten made-up areas. With n=10 the worst fifth is 2 areas per indicator.

    le (higher is better): worst are A01 (70), A02 (71)
    cancer (lower is better): worst are A01 (150), A03 (140)
    cvd (lower is better): worst are A02 (90), A03 (95)
    imd (lower is better): worst are A01 (50), A04 (45)
    So A01 meets 3 (le, cancer, imd), A02 2, A03 2, A04 1, the rest 0.
    """
    values = pd.DataFrame(
        {
            "le": [70, 71, 75, 76, 77, 78, 79, 80, 81, 82],
            "cancer": [150, 100, 140, 90, 80, 70, 60, 50, 40, 30],
            "cvd": [60, 90, 95, 50, 40, 30, 20, 10, 5, 1],
            "imd": [50, 10, 20, 45, 30, 5, 6, 7, 8, 9],
        },
        index=pd.Index(AREAS, name="area_code"),
        dtype="float64",
    )
    return values, {"le": "higher_is_better", "cancer": "lower_is_better", "cvd": "lower_is_better",
                    "imd": "lower_is_better"}


def test_ten_areas_hand_checked() -> None:
    values, polarity = _ten()
    result = assess(values, polarity, threshold=3)
    met = result.table["criteria_met"].to_dict()
    assert met == {"A01": 3, "A02": 2, "A03": 2, "A04": 1, **{a: 0 for a in AREAS[4:]}}
    assert result.table["qualifies"][result.table["qualifies"]].index.tolist() == ["A01"]
    assert result.cutoffs == {"le": 71.0, "cancer": 140.0, "cvd": 90.0, "imd": 45.0}
    assert set(result.counts.values()) == {10}
    assert assess(values, polarity, threshold=2).table["qualifies"].sum() == 3  # A01, A02, A03


def test_row_order_does_not_matter() -> None:
    values, polarity = _ten()
    shuffled = values.sample(frac=1.0, random_state=7)
    a = assess(values, polarity).table
    b = assess(shuffled, polarity).table.loc[a.index]
    pd.testing.assert_frame_equal(a, b)


def test_flipping_polarity_flips_the_worst_fifth() -> None:
    values = pd.Series(np.random.default_rng(3).permutation(50).astype(float))
    low = worst_fifth(values, polarity="higher_is_better")
    high = worst_fifth(values, polarity="lower_is_better")
    assert set(values[low.astype(bool)]) == set(range(10))  # the ten lowest
    assert set(values[high.astype(bool)]) == set(range(40, 50))  # the ten highest
    assert not (low & high).any()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([1, 2, 2, 4, 5, 6, 7, 8, 9, 10], [True, True, True] + [False] * 7, id="tie-at-cut-off-all-in"),
        pytest.param([1, 1, 1, 4, 5, 6, 7, 8, 9, 10], [True, True, True] + [False] * 7, id="tie-across-cut-off"),
        pytest.param([1, 2, 3, 3, 5, 6, 7, 8, 9, 10], [True, True] + [False] * 8, id="tie-just-outside-stays-out"),
    ],
)
def test_ties_at_the_cut_off(values: list[float], expected: list[bool]) -> None:
    got = worst_fifth(pd.Series(values, dtype="float64"), polarity="higher_is_better")
    assert got.tolist() == expected


def test_missing_values_leave_the_ranking_and_can_leave_an_area_undecided() -> None:
    values, polarity = _ten()
    values.loc["A01", "le"] = np.nan  # A01 now holds 3 of 4, meets cancer + imd only
    result = assess(values, polarity, threshold=3)
    row = result.table.loc["A01"]
    assert pd.isna(row["le"]) and row["criteria_met"] == 2 and row["criteria_held"] == 3
    assert not row["qualifies"] and row["undecided"]
    assert result.counts["le"] == 9  # n = 9: worst fifth is rank <= 1.8, only A02 (71)
    assert result.table.loc["A02", "le"] == 1 and result.table.loc["A03", "le"] == 0


def test_errors_say_what_was_expected() -> None:
    values, polarity = _ten()
    with pytest.raises(ValueError, match="No polarity for cvd"):
        assess(values, {k: v for k, v in polarity.items() if k != "cvd"})
    with pytest.raises(ValueError, match="between 0 and 1"):
        worst_fifth(values["le"], polarity="higher_is_better", fraction=20)


# --- committed data ---------------------------------------------------------------------


def test_2015_17_uses_all_five_with_two_proxies(data_dir) -> None:
    result = spearhead.run("2015-17", data_dir=data_dir)
    assert [c.key for c in result.criteria] == ["le_male", "le_female", "cancer_u75", "cvd_u75", "imd"]
    assert [c.key for c in result.criteria if c.stands_for] == ["cancer_u75", "cvd_u75"]
    assert result.left_out == ()
    assert result.rests_on == "3 or more of the 5"


def test_2004_reconstruction_rests_on_four_and_says_so(data_dir) -> None:
    result = spearhead.run("2001-03", imd_edition="2004", data_dir=data_dir)
    assert [c.key for c in result.criteria] == ["le_female", "cancer_u75", "cvd_u75", "imd"]
    assert result.criteria[-1].indicator_id == "imd2004_imd_la_avg_score"
    assert any("Male life expectancy" in note for note in result.left_out)
    assert result.rests_on == "3 or more of the 4 held (of the 5)"


def test_cli_writes_what_the_function_returns(data_dir, tmp_path, capsys) -> None:
    out = tmp_path / "spearhead.csv"
    assert main(["spearhead", "--period", "2015-17", "--vintage", "2019", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Spearhead method")
    assert "proxy for all cancer deaths under 75" in text
    table = pd.read_csv(out, comment="#", dtype={"area_code": "str"})
    assert list(table.columns[:2]) == ["area_code", "area_name"]
    for column in ("le_male", "le_female", "cancer_u75", "cvd_u75", "imd", "criteria_met", "qualifies"):
        assert column in table.columns
    result = spearhead.run("2015-17", vintage="2019", data_dir=data_dir).table()
    assert table["area_code"].tolist() == result["area_code"].tolist()
    assert table["criteria_met"].tolist() == result["criteria_met"].tolist()
    assert table["qualifies"].map({True: True, False: False}).tolist() == result["qualifies"].tolist()


def test_cli_error_is_one_line(tmp_path, capsys) -> None:
    assert main(["spearhead", "--period", "2030", "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs at least 3" in err


def test_official_list_by_names_and_old_codes(data_dir) -> None:
    table, notes = spearhead.compare_official(
        ["Liverpool", "00BY", "Nowhere-on-Sea"], ["E08000012", "E06000002"], vintage="2019", data_dir=data_dir
    )
    got = dict(zip(table["area_code"], table["agreement"], strict=True))
    assert got["E08000012"] == "both"  # Liverpool by name, and 00BY is Liverpool's pre-2009 code
    assert got["E06000002"] == "computed only"
    assert any("Nowhere-on-Sea" in n for n in notes)


def test_catalogue_states_the_rules_the_page_and_csv_show(data_dir) -> None:
    import json

    methods = json.loads((data_dir / "catalogue.json").read_text(encoding="utf-8"))["methods"]["spearhead"]
    assert methods["title"] == spearhead.TITLE
    assert (methods["tie_rule"], methods["missing_rule"]) == spearhead.RULES
    assert methods["code_sets"] == spearhead.CODE_SETS
    assert [i["key"] for i in methods["indicators"]] == ["le_male", "le_female", "cancer_u75", "cvd_u75", "imd"]
    header = spearhead.run("2015-17", vintage="2019", data_dir=data_dir).header()
    assert f"Rule: {methods['tie_rule']}" in header and f"Rule: {methods['missing_rule']}" in header


@pytest.mark.parametrize(
    ("value", "cutoff", "expected"),
    [
        pytest.param(39.9411, 35.41549, ("39.9", "35.4"), id="one-decimal"),
        pytest.param(35.43, 35.41549, ("35.43", "35.42"), id="reads-alike-gets-more-decimals"),
        pytest.param(35.41549, 35.41549, ("35.4", "35.4"), id="equal-stays-short"),
        pytest.param(1234.5, 1000.0, ("1,234.5", "1,000.0"), id="thousands"),
    ],
)
def test_shown_pair_at_published_precision(value: float, cutoff: float, expected: tuple[str, str]) -> None:
    from geo.classify import NumberFormat

    assert spearhead.shown_pair(NumberFormat(1, 1.0, "per 100,000"), value, cutoff) == expected


def test_formats_follow_each_indicators_precision(data_dir) -> None:
    result = spearhead.run("2015-17", vintage="2019", data_dir=data_dir)
    fmts = spearhead.formats(result, data_dir=data_dir)
    assert set(fmts) == {c.key for c in result.criteria}
    assert fmts["le_female"].unit == "years" and fmts["le_female"].decimals == 1  # OHID publishes 1 decimal place
    imd = result.values["imd"].dropna().iloc[0]
    shown, _ = spearhead.shown_pair(fmts["imd"], float(imd), float(result.assessment.cutoffs["imd"]))
    assert len(shown.split(".")[-1]) <= 3 and shown != repr(float(imd))


@pytest.mark.parametrize(
    ("entry", "is_pct"),
    [
        pytest.param("Liverpool", False, id="la-name"),
        pytest.param("00BY", False, id="la-old-code"),
        pytest.param("E08000012", False, id="la-ons-code"),
        pytest.param("5NG", True, id="nhs-pct-code"),
        pytest.param("E16000001", True, id="ons-pct-code"),
        pytest.param("E17000001", True, id="ons-care-trust-code"),
        pytest.param("Knowsley PCT", True, id="pct-name"),
        pytest.param("Central Liverpool Primary Care Trust", True, id="pct-long-name"),
    ],
)
def test_split_official(entry: str, is_pct: bool) -> None:
    las, pcts = spearhead.split_official([entry, ""])
    assert (pcts, las) == (([entry], []) if is_pct else ([], [entry]))


def test_official_pcts_by_ons_nhs_code_and_name(data_dir) -> None:
    held = pd.read_parquet(data_dir / "boundaries" / "pct_2011.parquet", columns=["area_code", "area_name", "area_code_old"])
    first, second, third = held.iloc[0], held.iloc[1], held.iloc[2]
    table, unmatched = spearhead.compare_official_pct(
        [str(first["area_code"]).lower(), str(second["area_code_old"]), f"{third['area_name']} PCT",
         "Central Liverpool PCT", "Z9Z"],
        [str(first["area_code"]), str(held.iloc[3]["area_code"])], data_dir=data_dir,
    )
    got = dict(zip(table["area_code"], table["agreement"], strict=True))
    assert got == {first["area_code"]: "both", second["area_code"]: "official list only",
                   third["area_code"]: "official list only", held.iloc[3]["area_code"]: "computed only"}
    # a pre-2006 PCT (Central Liverpool was merged into Liverpool PCT in 2006) is listed with the reason, not dropped
    assert unmatched["entry"].tolist() == ["Central Liverpool PCT", "Z9Z"]
    assert all("303 PCTs of 2002-06" in r for r in unmatched["reason"])


# --- official series after a refresh ------------------------------------------------------------


def _overlay(root, data_dir, periods: tuple[str, ...] | None) -> None:
    """A refreshed folder holding ``u75_cancer`` and ``u75_cvd`` (the official series a refresh brings).

    Scaffolding: its rows are the bundled proxies' rows under the official ids, so the areas and
    periods are real; the tests check which series the method chooses and says, never the figures.
    """
    import json

    from geo import fingertips, indicators, refresh

    rename = {"u75_cancer_prev": "u75_cancer", "u75_cvd_prev": "u75_cvd"}
    rows = pd.concat([indicators.table(i, data_dir=data_dir) for i in rename], ignore_index=True)
    rows = rows.assign(indicator_id=rows["indicator_id"].map(rename), note="test scaffolding")
    if periods is not None:
        rows = rows[rows["period"].isin(periods)]
    chosen = [s for s in fingertips.SERIES if s.indicator_id in rename.values()]
    meta = {s.indicator_id: {"name": "", "released": "2025-12-02", "downloaded": "2026-01-01 09:00 UTC"} for s in chosen}
    folder = root / "refresh-test"
    (folder / "indicators").mkdir(parents=True)
    rows.to_parquet(folder / "indicators" / "fingertips.parquet", index=False)
    records = refresh._catalogue_records(rows, chosen, meta, data_dir=data_dir)
    (folder / "catalogue.json").write_text(json.dumps({"indicators": records}), encoding="utf-8")
    (root / "CURRENT").write_text("refresh-test\n", encoding="utf-8")


@pytest.fixture
def refresh_root(tmp_path, monkeypatch):
    import geo._paths

    root = tmp_path / "refreshed"
    root.mkdir()
    monkeypatch.setattr(geo._paths, "REFRESH_DIR", root)  # a new edition: no cache needs clearing
    yield root


@pytest.mark.parametrize(
    ("periods", "period", "expected"),
    [
        pytest.param(None, "2015-17", ("u75_cancer", "u75_cvd"), id="refreshed-2015-17"),
        pytest.param(None, "2001-03", ("u75_cancer", "u75_cvd"), id="refreshed-2004-reconstruction"),
        pytest.param(("2015-17",), "2001-03", ("u75_cancer_prev", "u75_cvd_prev"), id="refreshed-other-period-only"),
        pytest.param((), "2015-17", ("u75_cancer_prev", "u75_cvd_prev"), id="not-refreshed"),
    ],
)
def test_the_official_series_replaces_the_proxies_once_refreshed_and_the_output_says_so(
    periods: tuple[str, ...] | None, period: str, expected: tuple[str, str], data_dir, refresh_root, tmp_path
) -> None:
    if periods != ():
        _overlay(refresh_root, data_dir, periods)
    result = spearhead.run(period, imd_edition="2004" if period == "2001-03" else None, data_dir=data_dir)
    mortality = {c.key: c for c in result.criteria if c.key in ("cancer_u75", "cvd_u75")}
    assert (mortality["cancer_u75"].indicator_id, mortality["cvd_u75"].indicator_id) == expected
    header = "\n".join(result.header())
    official = expected[0] == "u75_cancer"
    assert all(bool(c.stands_for) is not official for c in mortality.values())
    assert all(c.label.endswith("(official series)") is official for c in mortality.values())
    if official:
        assert "Series: u75_cancer, the official rate of all cancer deaths under 75" in header
        assert "Series: u75_cvd, the official rate of all cardiovascular deaths under 75" in header
        assert "proxy for" not in header
    else:
        assert "proxy for all cancer deaths under 75" in header
        held = "is held, but not for 2001-03" if periods else "is held only after `python -m geo refresh`"
        assert f"the official series u75_cancer {held}" in header
    # the CLI writes the same header line into the CSV
    out = tmp_path / "s.csv"
    args = ["--reconstruct-2004"] if period == "2001-03" else ["--period", period]
    assert main(["spearhead", *args, "--out", str(out)]) == 0
    written = out.read_text(encoding="utf-8")
    assert mortality["cancer_u75"].series in written


# --- cut-offs at published precision, the default code set, why an area is undecided (issue 19) ----------


def test_csv_header_cut_offs_at_the_published_precision(data_dir) -> None:
    import re

    result = spearhead.run("2015-17", vintage="2019", data_dir=data_dir)
    fmts = spearhead.formats(result, data_dir=data_dir)
    header = result.header()
    for c in result.criteria:
        line = next(h for h in header if h.startswith(f"{c.key}: "))
        shown = re.search(r"cut-off ([\d,.]+) over", line)
        assert shown is not None
        assert shown.group(1) == fmts[c.key].number(result.assessment.cutoffs[c.key])
        decimals = len(shown.group(1).split(".")[1]) if "." in shown.group(1) else 0
        assert decimals == fmts[c.key].decimals  # 35.4, not 35.4155


@pytest.mark.parametrize(
    ("period", "natives", "full", "expected"),
    [
        pytest.param("2015-17", {"2013": 1, "2019": 1, "2021": 1, "2023": 2}, {}, "2023", id="most-published-on"),
        pytest.param("2001-03", {"2008": 1, "2013": 1, "2019": 1, "2023": 1}, {"2008": 275, "2019": 283, "2023": 280},
                     "2008", id="pre-2009-period-on-the-354-districts-of-its-time"),
        pytest.param("2001-03", {"2008": 0, "2013": 1, "2019": 1, "2023": 1}, {"2008": 275, "2019": 283, "2023": 280},
                     "2019", id="pre-2009-with-nothing-published-on-2008-codes"),
        pytest.param("2009-11", {"2008": 1, "2013": 1, "2019": 1}, {"2008": 275, "2013": 300, "2019": 316},
                     "2019", id="after-april-2009-the-fullest"),
    ],
)
def test_default_code_set_rule(period: str, natives: dict[str, int], full: dict[str, int], expected: str) -> None:
    from geo.spearhead_sources import choose_vintage

    assert choose_vintage(period, natives, full=full) == expected


def test_a_period_opens_on_the_code_set_its_figures_were_published_on(data_dir) -> None:
    result = spearhead.run("2015-17", data_dir=data_dir)
    published = [c.published_on.split(", ") for c in result.criteria]
    counts = {v: sum(v in p for p in published) for v in {v for p in published for v in p}}
    assert counts[result.vintage] == max(counts.values()) and result.default_code_set
    assert f"the code set {counts[result.vintage]} of the 5 indicators were published on" in result.code_set
    assert all(c.published_on for c in result.criteria)
    header = "\n".join(result.header())
    assert "Default code set: " in header and all(f"published on {c.published_on} codes" in header
                                                  for c in result.criteria)


@pytest.mark.parametrize("area", ["E07000005", "E07000006", "E07000007"], ids=["Chiltern", "South-Bucks", "Wycombe"])
def test_affluent_districts_are_not_undecided_by_default_on_2015_17(data_dir, area: str) -> None:
    result = spearhead.run("2015-17", data_dir=data_dir)
    t = result.assessment.table
    assert area not in t.index[t["undecided"]]
    # on the 2019 code set they are undecided, and the reasons say which values are missing and why
    old = spearhead.run("2015-17", vintage="2019", data_dir=data_dir)
    reasons = spearhead.undecided_reasons(old, data_dir=data_dir)
    assert area in reasons
    assert all("where" in why and "is part of Buckinghamshire" in why for why in reasons[area].values())


def test_every_undecided_area_says_which_values_are_missing_and_why(data_dir, tmp_path) -> None:
    result = spearhead.run("2015-17", data_dir=data_dir)
    reasons = spearhead.undecided_reasons(result, data_dir=data_dir)
    table = spearhead.table_with_reasons(result, reasons)
    undecided = table[table["undecided"]]
    assert len(undecided) and (undecided["undecided_why"] != "").all()
    assert (table.loc[~table["undecided"], "undecided_why"] == "").all()
    for code, why in zip(undecided["area_code"], undecided["undecided_why"], strict=True):
        missing = [c for c in result.criteria if pd.isna(result.values.loc[code, c.key])]
        assert all(f"no {c.label} value on {result.vintage} codes: " in why for c in missing)
    out = tmp_path / "s.csv"
    assert main(["spearhead", "--period", "2015-17", "--out", str(out)]) == 0
    written = pd.read_csv(out, comment="#", dtype={"area_code": str}, keep_default_na=False)
    assert written["undecided_why"].tolist() == table["undecided_why"].tolist()


def test_the_2004_reconstruction_runs_on_the_districts_of_2004_once_a_summary_is_published_on_them(
    data_dir, monkeypatch
) -> None:
    from geo import spearhead_sources

    real = spearhead_sources.published_on

    def with_old_districts(indicator_id: str, **kw: object) -> tuple[str, ...]:
        held = real(indicator_id, **kw)  # type: ignore[arg-type]
        return ("2008", *held) if indicator_id == "imd2004_imd_la_avg_score" else held

    before = spearhead.run("2001-03", imd_edition="2004", data_dir=data_dir)
    monkeypatch.setattr(spearhead, "published_on", with_old_districts)
    after = spearhead.run("2001-03", imd_edition="2004", data_dir=data_dir)
    assert after.vintage == "2008" and len(after.assessment.table) == 354
    assert "the 354 districts of 2001-03" in after.code_set and "IMD 2004 average score" in after.code_set
    held = next(c for c in before.criteria if c.key == "imd").published_on
    assert before.vintage != "2008" or "2008" in held.split(", ")


def test_an_uploaded_column_keeps_the_default_code_set_and_its_header_cut_off(data_dir) -> None:
    from geo import criterion
    from geo.schema import INDICATOR_COLUMNS

    result = spearhead.run("2015-17", data_dir=data_dir)
    codes = list(result.values.index)
    rows = pd.DataFrame({
        "indicator_id": "upload:1:x", "area_code": codes, "level": "lad", "vintage": result.vintage, "period": "2024",
        "sex": "persons", "value": [float(i % 50) + 0.123456 for i in range(len(codes))], "lower_ci": np.nan,
        "upper_ci": np.nan, "count": np.nan, "denominator": np.nan, "status": "ok", "note": None,
    }, columns=list(INDICATOR_COLUMNS))
    own = criterion.OwnCriterion("upload:1:x", "Smokers", "lower_is_better", file_name="f.csv")
    out = criterion.apply(result, own, rows, data_dir=data_dir)
    assert out.default_code_set
    here = sum(out.vintage in c.published_on.split(", ") for c in out.criteria)
    assert f"the code set {here} of the {len(out.criteria)} indicators were published on" in out.code_set
    line = next(h for h in out.header() if h.startswith("own: "))
    assert "cut-off " in line and "0.123456" not in line
