"""Rules evaluated: masks on tiny frames, and rules run over the LSOAs of the committed data."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from geo import boundaries, indicators, target
from geo.catalogue import load_catalogue
from geo.errors import RuleError, UnknownAreaCodeError
from geo.lsoa_sets import POPULATION_COLUMNS
from geo.rules import parse
from geo.target import mask

LIVERPOOL = "E08000012"


# ---------------------------------------------------------------- masks on a tiny frame
@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "decile": [1.0, 2.0, 3.0, np.nan, 10.0],
            "idaci": [1.0, 5.0, 2.0, 1.0, np.nan],
            "fuel": [25.0, 10.0, 19.9, 30.0, 20.0],
        }
    )


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        pytest.param("decile <= 2", [0, 1], id="decile"),
        pytest.param("decile <= 2 and idaci <= 2", [0], id="and"),
        pytest.param("decile <= 2 or idaci <= 2", [0, 1, 2, 3], id="or-with-a-missing-side"),
        pytest.param("fuel >= 20", [0, 3, 4], id="threshold-inclusive"),
        pytest.param("fuel > 20", [0, 3], id="threshold-exclusive"),
        pytest.param("decile = 10", [4], id="equals"),
        pytest.param("decile != 1", [1, 2, 4], id="not-equal-skips-missing"),
        pytest.param("decile <= 0", [], id="empty-result"),
        pytest.param("(decile <= 2 or fuel >= 30) and idaci <= 1", [0, 3], id="grouped"),
    ],
)
def test_mask_picks_the_rows(frame: pd.DataFrame, text: str, rows: list[int]) -> None:
    picked = mask(parse(text, data_dir=None), frame)
    assert picked.dtype == bool
    assert list(frame.index[picked]) == rows


# ---------------------------------------------------------------- on the committed data
def test_sure_start_totals_equal_the_loading_api(data_dir) -> None:
    result = target.evaluate(target.PRESETS["Sure Start"], within=LIVERPOOL, data_dir=data_dir)
    parents = boundaries.parent_codes("2011", level="lad", vintage="2021", data_dir=data_dir)
    inside = set(parents[parents == LIVERPOOL].index)

    def values(indicator_id: str, **narrow: str) -> pd.Series:
        rows = indicators.load(indicator_id, level="lsoa", vintage="2011", data_dir=data_dir, **narrow)
        return rows[rows["area_code"].isin(inside)].set_index("area_code")["value"]

    imd, idaci = values("imd2019_imd_decile"), values("imd2019_idaci_decile")
    picked = set(imd.index[(imd <= 2) & (idaci.reindex(imd.index) <= 2)])
    assert set(result.matches["area_code"]) == picked
    assert result.totals.area_lsoas == len(inside)
    period = result.totals.population_period
    assert period is not None
    for column in POPULATION_COLUMNS:
        assert getattr(result.totals, column) == pytest.approx(values(column, period=period).reindex(list(picked)).sum())
    assert result.totals.area_pop_total == pytest.approx(values("pop_total", period=period).sum())
    assert result.matches["rank"].tolist() == list(range(1, len(picked) + 1))


def test_ranked_worst_first(data_dir) -> None:
    result = target.evaluate("imd2019_imd_score >= 40", within=LIVERPOOL, data_dir=data_dir)
    scores = result.matches["imd2019_imd_score"]
    assert scores.is_monotonic_decreasing  # a higher score is more deprived


def test_whole_of_england(data_dir) -> None:
    result = target.evaluate("imd2019_imd_decile <= 1", within="england", data_dir=data_dir)
    deciles = indicators.load("imd2019_imd_decile", level="lsoa", vintage="2011", data_dir=data_dir)
    assert result.totals.lsoas == int((deciles["value"] <= 1).sum())
    assert result.totals.area_lsoas == len(deciles)


# ---------------------------------------------------------------- 2021 values on 2011 LSOAs
def test_a_mixed_rule_runs_on_2011_lsoas_through_the_lookup(data_dir) -> None:
    rule = "imd2019_imd_decile <= 2 and imd2025_imd_decile <= 2"
    result = target.evaluate(rule, within=LIVERPOOL, data_dir=data_dir)
    assert result.lsoa_vintage == "2011"
    assert result.totals.pop_total is not None
    lookup = pd.read_parquet(data_dir / "lookups" / "lsoa11_lsoa21.parquet")
    change = lookup.groupby("lsoa11_code")["change"].first()
    published = indicators.load("imd2025_imd_decile", level="lsoa", vintage="2021", data_dir=data_dir)
    published = published.set_index("area_code")["value"]
    table = result.table.set_index("area_code")
    assert (table["lsoa_change"] == change.reindex(table.index)).all()
    unchanged = table[table["lsoa_change"] == "U"]
    assert (unchanged["imd2025_imd_decile"] == published.reindex(unchanged.index)).all()
    merged = lookup[lookup["change"] == "M"].set_index("lsoa11_code")["lsoa21_code"]
    in_merged = table[table["lsoa_change"] == "M"]
    assert (in_merged["imd2025_imd_decile"] == published.reindex(merged.reindex(in_merged.index)).to_numpy()).all()
    lost = table[table["lsoa_change"].isin(["S", "X"])]
    assert lost["imd2025_imd_decile"].isna().all()
    assert sorted(result.not_compared["area_code"]) == sorted(lost.index)
    assert not result.matches["area_code"].isin(lost.index).any()
    assert "derived LSOA 2011-2021 lookup" in result.notes[0]
    assert f"{len(lost):,} split or redrawn" in result.notes[0]
    assert any("imd2025_imd_decile" in e and "derived LSOA 2011-2021 lookup" in e for e in result.editions)
    assert set(target.export_table(result)["lsoa_change"]) <= {"U", "M"}


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param("imd2019_imd_decile <= 2 and imd2025_imd_decile <= 2", id="mixed-and"),
        pytest.param("imd2019_imd_decile <= 2 or imd2025_imd_decile <= 2", id="mixed-or"),
        pytest.param("imd2019_imd_decile <= 2", id="one-set"),
    ],
)
def test_each_lsoa_is_a_match_a_non_match_or_not_compared(rule: str, data_dir) -> None:
    result = target.evaluate(rule, within=LIVERPOOL, data_dir=data_dir)
    verdict = pd.Series(result.verdicts.to_numpy(), index=result.table["area_code"])
    matched = set(result.matches["area_code"])
    lost = set(result.not_compared["area_code"])
    assert set(verdict[verdict == "match"].index) == matched
    # matched through the 2011 term of an "or" counts as a match; otherwise a split or redrawn LSOA is not compared
    assert set(verdict[verdict == "not_compared"].index) == lost - matched
    assert set(verdict[verdict == "other"].index) == set(verdict.index) - matched - lost
    assert set(verdict) <= set(target.VERDICT_WORDS)
    if "imd2025" not in rule:
        assert "not_compared" not in set(verdict)
    if "or" in rule.split():
        assert lost & matched, "an OR rule matches some split LSOAs through its 2011 term"


def test_cli_lists_what_the_lookup_could_not_compare(data_dir, capsys) -> None:
    assert main(["target", "--within", LIVERPOOL, "--where", "imd2019_imd_decile <= 2 and imd2025_imd_decile <= 2"]) == 0
    out = capsys.readouterr().out
    expected = target.evaluate("imd2019_imd_decile <= 2 and imd2025_imd_decile <= 2", within=LIVERPOOL,
                               data_dir=data_dir)
    assert f"Not compared ({len(expected.not_compared):,} 2011 LSOAs" in out
    assert all(code in out for code in expected.not_compared["area_code"])


# ---------------------------------------------------------------- a user's columns as rule terms
def _user_column(indicator_id: str, rows: dict[str, float], *, level: str = "lsoa", vintage: str = "2011"):
    from geo.catalogue import Indicator, Source

    ind = Indicator(indicator_id, "Fuel poor (your file)", "d", "%", "lower_is_better", "Your data",
                    Source("Your file f.csv", "f.csv", "f.csv"), value_type="proportion",
                    levels={level: (vintage,)}, periods=("2024",))
    values = pd.DataFrame({"indicator_id": indicator_id, "area_code": list(rows), "level": level, "vintage": vintage,
                           "period": "2024", "sex": "persons", "value": list(rows.values()), "lower_ci": np.nan,
                           "upper_ci": np.nan, "count": np.nan, "denominator": np.nan, "status": "ok", "note": None})
    return {indicator_id: (ind, values)}


def test_an_uploaded_lsoa_column_is_a_rule_term(data_dir) -> None:
    inside = target.evaluate("imd2019_imd_decile <= 10", within=LIVERPOOL, data_dir=data_dir).table["area_code"]
    picked = list(inside[:3])
    extra = _user_column("upload:1:fuel", {code: 30.0 if code in picked else 5.0 for code in inside})
    result = target.evaluate("upload_1_fuel >= 20 and imd2019_imd_decile <= 10", within=LIVERPOOL,
                             data_dir=data_dir, extra=extra)
    assert sorted(result.matches["area_code"]) == sorted(picked)
    assert result.totals.lsoas == 3
    assert "upload_1_fuel" in result.table.columns
    assert any(e.startswith("upload_1_fuel:") and "Your file" in e for e in result.editions)


def test_an_uploaded_column_unknown_without_the_upload(data_dir) -> None:
    with pytest.raises(RuleError, match="not an indicator id"):
        target.evaluate("upload_1_fuel >= 20", within=LIVERPOOL, data_dir=data_dir)


def test_an_uploaded_district_column_is_refused_with_the_reason(data_dir) -> None:
    extra = _user_column("upload:2:rate", {LIVERPOOL: 3.0}, level="lad", vintage="2021")
    with pytest.raises(RuleError, match="not held for small areas"):
        target.evaluate("upload_2_rate > 1", within=LIVERPOOL, data_dir=data_dir, extra=extra)


def test_an_uploaded_column_cannot_take_a_catalogue_id(data_dir) -> None:
    extra = _user_column("fuel_poverty", {"E01006512": 1.0})
    with pytest.raises(RuleError, match="already taken"):
        target.evaluate("fuel_poverty > 1", within=LIVERPOOL, data_dir=data_dir, extra=extra)


# ---------------------------------------------------------------- people on 2021 LSOAs
def test_a_2021_rule_counts_people_through_the_lookup(data_dir) -> None:
    rule = "imd2025_imd_decile <= 2 and imd2025_income_decile <= 2"
    result = target.evaluate(rule, within=LIVERPOOL, data_dir=data_dir)
    assert result.lsoa_vintage == "2021"
    lookup = pd.read_parquet(data_dir / "lookups" / "lsoa11_lsoa21.parquet")
    lookup = lookup[lookup["lsoa21_code"].isin(set(result.table["area_code"]))]
    carried = lookup[lookup["change"].isin(["U", "M"])]
    period = result.totals.population_period
    assert period is not None
    table = result.table.set_index("area_code")
    matched = set(result.matches["area_code"])
    for column in POPULATION_COLUMNS:
        rows = indicators.load(column, level="lsoa", vintage="2011", period=period, data_dir=data_dir)
        by_2011 = rows.set_index("area_code")["value"]
        expected = carried.assign(value=carried["lsoa11_code"].map(by_2011)).groupby("lsoa21_code")["value"].sum()
        assert table.loc[expected.index, column].tolist() == pytest.approx(expected.tolist())
        assert getattr(result.totals, column) == pytest.approx(expected.reindex(sorted(matched)).sum())
        if column == "pop_total":
            assert result.totals.area_pop_total == pytest.approx(expected.sum())
    split = set(lookup.loc[lookup["change"].isin(["S", "X"]), "lsoa21_code"])
    assert split, "Liverpool has 2021 LSOAs split from 2011 ones"
    assert table.loc[sorted(split), "pop_total"].isna().all()
    assert table.loc[sorted(split), "pop_note"].str.startswith("not counted").all()
    assert table.loc[table.index.difference(sorted(split)), "pop_total"].notna().all()
    assert result.totals.counted_lsoas == len(matched - split)
    assert result.totals.area_counted_lsoas == len(table) - len(split)
    assert result.totals.share_of_people == pytest.approx(result.totals.pop_total / result.totals.area_pop_total)
    text = " ".join(result.totals.sentences())
    assert (f"in {len(matched - split):,} of the {len(matched):,} matching LSOAs" in text
            and f"{len(matched & split):,} split or redrawn LSOAs not counted" in text)
    assert any("derived LSOA 2011-2021 lookup" in e for e in result.editions if e.startswith("population"))


def test_2001_indicator_goes_through_the_lookup_and_says_so(data_dir) -> None:
    result = target.evaluate("imd2010_imd_decile <= 1 and imd2019_imd_decile <= 1", within=LIVERPOOL,
                             data_dir=data_dir)
    assert result.lsoa_vintage == "2011"
    assert any("LSOA 2001-2011 lookup" in n for n in result.notes)


def test_unknown_area(data_dir) -> None:
    with pytest.raises(UnknownAreaCodeError, match="E99999999"):
        target.evaluate("imd2019_imd_decile <= 1", within="E99999999", data_dir=data_dir)


def test_exports_carry_the_rule_and_editions(data_dir) -> None:
    result = target.evaluate(target.PRESETS["Sure Start"], within=LIVERPOOL, data_dir=data_dir)
    table = target.export_table(result)
    assert {"area_code", "area_name", "imd2019_imd_decile", "imd2019_idaci_decile", *POPULATION_COLUMNS,
            "rule", "editions"} <= set(table.columns)
    assert (table["rule"] == str(result.rule)).all()
    assert "IoD2019" in table["editions"].iloc[0]
    geo = json.loads(target.to_geojson(result, data_dir=data_dir))
    assert geo["rule"] == str(result.rule)
    assert len(geo["features"]) == result.totals.lsoas


def test_exports_write_whole_numbers_as_integers_and_keep_the_values(data_dir) -> None:
    rule = "imd2019_imd_decile <= 2 or fuel_poverty >= 20"
    result = target.evaluate(rule, within=LIVERPOOL, data_dir=data_dir)
    written = pd.read_csv(io.StringIO(target.to_csv(result)), dtype=str, keep_default_na=False, comment="#")
    for column in ("imd2019_imd_decile", "pop_total", "pop_0_4", "rank"):
        assert not written[column].str.contains(".", regex=False).any(), column  # "1924", not "1924.0"
    matches = result.matches.set_index("area_code")
    for column in ("imd2019_imd_decile", "fuel_poverty", *POPULATION_COLUMNS):
        held = matches[column].astype("float64")
        read = pd.to_numeric(written.set_index("area_code")[column].replace("", None)).astype("float64")
        pd.testing.assert_series_equal(read.reindex(held.index), held, check_names=False)
    features = json.loads(target.to_geojson(result, data_dir=data_dir))["features"]
    assert all(isinstance(f["properties"]["pop_total"], int) for f in features if f["properties"]["pop_total"] is not None)


def test_cli_writes_the_lsoas(data_dir, tmp_path, capsys) -> None:
    out = tmp_path / "t.csv"
    status = main(["target", "--within", LIVERPOOL, "--where",
                   "imd2019_imd_decile <= 2 and imd2019_idaci_decile <= 2", "--out", str(out)])
    assert status == 0
    table = pd.read_csv(out, comment="#")
    expected = target.evaluate(target.PRESETS["Sure Start"], within=LIVERPOOL, data_dir=data_dir)
    assert len(table) == expected.totals.lsoas
    assert {"area_code", "area_name", "pop_total", "pop_0_4", "pop_0_15", "pop_65_plus"} <= set(table.columns)
    assert f"{expected.totals.pop_0_4:,.0f}" in capsys.readouterr().out


def test_cli_counts_people_of_a_2021_rule_and_writes_the_notes(data_dir, tmp_path, capsys) -> None:
    rule = "imd2025_imd_decile <= 2 and imd2025_income_decile <= 2"
    out = tmp_path / "t.csv"
    assert main(["target", "--within", LIVERPOOL, "--where", rule, "--out", str(out)]) == 0
    expected = target.evaluate(rule, within=LIVERPOOL, data_dir=data_dir)
    printed = capsys.readouterr().out
    assert expected.totals.pop_total is not None and f"People: {expected.totals.pop_total:,.0f} in " in printed
    written = pd.read_csv(out, dtype={"pop_note": str}, comment="#")
    lost = written[written["pop_total"].isna()]
    assert len(lost) == expected.totals.lsoas - expected.totals.counted_lsoas > 0
    assert lost["pop_note"].str.startswith("not counted").all()


def test_cli_bad_rule_is_one_line(data_dir, capsys) -> None:
    assert main(["target", "--within", LIVERPOOL, "--where", "imd2019_imd_decile <="]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Cannot read the rule at character")


def test_an_uploaded_site_name_cannot_run_as_a_formula_in_either_download(data_dir) -> None:
    import csv
    import io
    import json

    result = target.evaluate("imd2019_imd_score >= 40", within=LIVERPOOL, data_dir=data_dir)
    hostile = '=HYPERLINK("http://evil.example/s","Open site")'
    sites = pd.DataFrame({"area_code": result.matches["area_code"], "nearest_site": hostile, "nearest_site_km": 1.5})
    rows = list(csv.DictReader(line for line in io.StringIO(target.to_csv(result, extra=sites)) if not line.startswith("#")))
    assert rows and {r["nearest_site"] for r in rows} == {"'" + hostile}
    features = json.loads(target.to_geojson(result, extra=sites, data_dir=data_dir))["features"]
    assert {f["properties"]["nearest_site"] for f in features} == {"'" + hostile}


# ---------------------------------------------------------------- a rule that selects every small area (issue 19)
NEWHAM = "E09000025"


@pytest.mark.parametrize(
    ("rule", "ranked_on", "holds"),
    [
        pytest.param(target.PRESETS["Housing"], "iod19_overcrowding", "iod19_overcrowding >= 0.15", id="housing-preset"),
        pytest.param("imd2019_wider_barriers_decile <= 2", "imd2019_wider_barriers_rank",
                     "imd2019_wider_barriers_decile <= 2", id="barriers-to-housing-decile"),
    ],
)
def test_a_rule_matching_all_of_newham_offers_the_worst_fifth_within_it(rule: str, ranked_on: str, holds: str,
                                                                          data_dir) -> None:
    result = target.evaluate(rule, within=NEWHAM, data_dir=data_dir)
    assert result.totals.lsoas == result.totals.area_lsoas == 164
    alt = result.alternative
    assert alt is not None and alt.indicator_id == ranked_on and alt.rule == f"{ranked_on} in worst 20%"
    assert f"{holds} holds in every one" in alt.reason and "does not discriminate" in alt.reason
    fifth = target.evaluate(alt.rule, within=NEWHAM, data_dir=data_dir)
    assert fifth.totals.lsoas == alt.lsoas == math.ceil(164 / 5)
    assert fifth.alternative is None
    # The fifth taken are the worst by the indicator's own polarity, from the published values.
    published = indicators.load(ranked_on, level="lsoa", vintage="2011", data_dir=data_dir).set_index("area_code")["value"]
    inside = published.reindex(result.table["area_code"])
    low_is_worse = load_catalogue(data_dir)[ranked_on].polarity == "higher_is_better"  # rank 1 = most deprived
    worst_first = inside.sort_values(ascending=low_is_worse)
    assert set(fifth.matches["area_code"]) == set(worst_first.index[: alt.lsoas])
    assert any(n.startswith(f"{alt.rule} ranks within Newham: {alt.lsoas} of its 164") for n in fifth.notes)


def test_a_rule_that_discriminates_offers_nothing(data_dir) -> None:
    result = target.evaluate(target.PRESETS["Sure Start"], within=NEWHAM, data_dir=data_dir)
    assert 0 < result.totals.lsoas < result.totals.area_lsoas and result.alternative is None


def test_worst_on_a_count_of_people_is_refused(data_dir) -> None:
    with pytest.raises(RuleError, match="'pop_total' has no better or worse direction"):
        target.evaluate("pop_total in worst 20%", within=NEWHAM, data_dir=data_dir)


# ---------------------------------------------------------------- distances from where people live (issue 20)
def test_downloads_carry_where_each_distance_started_and_the_postcode_attribution(data_dir) -> None:
    from geo import sites as site_io
    from geo.postcodes import ATTRIBUTION

    centres = site_io.residential_centres("2011", data_dir=data_dir)
    if centres.empty:
        pytest.skip("the LSOA centres are not built (python -m geo build --only postcodes)")
    result = target.evaluate(target.PRESETS["Sure Start"], within=LIVERPOOL, data_dir=data_dir)
    shapes = boundaries.load("lsoa", result.lsoa_vintage, data_dir=data_dir)
    matched = shapes[shapes["area_code"].isin(set(result.matches["area_code"]))]
    sites = site_io.read_sites("name,latitude,longitude\nCentre A,53.4084,-2.9916\n")
    distances = site_io.nearest_site(matched, sites.points, centres=centres)
    header = site_io.download_header(distances, centres, sites)
    text = target.to_csv(result, extra=distances, header=header)
    lines = text.splitlines()
    assert lines[: len(header)] == [f"# {line}" for line in header]
    assert any(ATTRIBUTION.split(".")[0] in line for line in lines[: len(header)])
    written = pd.read_csv(io.StringIO(text), comment="#", dtype=str)
    assert set(written["measured_from"]) == {site_io.POSTCODE_CENTRE}
    assert written.set_index("area_code")["distance_m"].astype(int).to_dict() == (
        distances.set_index("area_code")["distance_m"].astype(int).to_dict())
    geo = json.loads(target.to_geojson(result, extra=distances, header=header, data_dir=data_dir))
    assert geo["notes"] == header
    assert {f["properties"]["measured_from"] for f in geo["features"]} == {site_io.POSTCODE_CENTRE}
    assert "notes" not in json.loads(target.to_geojson(result, data_dir=data_dir))  # no distances, no notes


def _totals(pop_total: float | None, area_pop_total: float | None, **kw: object) -> target.Totals:
    people = None if pop_total is None else 1.0
    return target.Totals(lsoas=3, area_lsoas=10, pop_total=pop_total, pop_0_4=people, pop_0_15=people,
                         pop_65_plus=people, area_pop_total=area_pop_total, population_period="2020", **kw)


@pytest.mark.parametrize(
    ("totals", "words"),
    [
        # PHEindicatormethods' intro vignette, phe_proportion of 87 of 131: 95% CI 0.579592 to 0.739301
        pytest.param(_totals(87.0, 131.0), "87 people live in them (ONS mid-2020 estimates), 66.4% (95% CI 58.0% to "
                     "73.9%, by Wilson score) of the area's 131.", id="wilson-worked-example"),
        pytest.param(_totals(87.0, 131.0, counted_lsoas=2, area_counted_lsoas=9),
                     "66.4% (95% CI 58.0% to 73.9%, by Wilson score) of the 131 people", id="some-lsoas-not-counted"),
        pytest.param(_totals(None, None), "so no share of people (no interval: people are not counted).",
                     id="people-not-counted"),
        pytest.param(_totals(0.0, 0.0), "no share of the area's people (no interval: the area's people are not "
                     "counted).", id="area-without-people"),
    ],
)
def test_the_share_of_people_has_its_wilson_interval_or_says_why_not(totals: target.Totals, words: str) -> None:
    assert words in " ".join(totals.sentences())
