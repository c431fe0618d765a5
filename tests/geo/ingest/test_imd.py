"""geo.ingest.imd: the committed IoD tables equal the raw files; checks refuse broken rankings."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from geo.errors import ValidationError
from geo.ingest import imd
from geo.ingest._common import BuildContext
from geo.schema import INDICATOR_COLUMNS

H = "indicators/humaniverse_imd/"
FILE10 = "indicators/mhclg_iod2019/File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"


@cache
def _committed(data_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(data_dir / "indicators" / f"{name}.parquet")


@cache
def _by_indicator(data_dir: Path, name: str) -> dict[str, pd.DataFrame]:
    return {str(k): rows.set_index("area_code") for k, rows in _committed(data_dir, name).groupby("indicator_id")}


def _rows(data_dir: Path, indicator_id: str) -> pd.DataFrame:
    name = "imd_la" if "_la_" in indicator_id else f"imd{indicator_id[3:7]}_lsoa"
    return _by_indicator(data_dir, name)[indicator_id]


def _values(data_dir: Path, indicator_id: str) -> pd.Series:
    return _rows(data_dir, indicator_id)["value"]


# ---------------------------------------------------------------- checks on tiny fixtures

@pytest.mark.parametrize(
    ("column", "expected"),
    [
        pytest.param("IMD_score", ("imd", "score"), id="imd-score"),
        pytest.param("Housing_and_Access_rank", ("barriers", "rank"), id="2019-barriers"),
        pytest.param("Housing_and_Services_decile", ("barriers", "decile"), id="2025-barriers"),
        pytest.param("indoors_sub_domain_rank_decile", ("indoors", "decile"), id="2007-rank-decile"),
        pytest.param("skills_sub_domain_score", ("adult_skills", "score"), id="2004-skills"),
        pytest.param("Children_and_young_people_rank", ("children_young_people", "rank"), id="2019-children"),
        pytest.param("lad04_name", None, id="identifier"),
    ],
)
def test_raw_column_names_map_to_domain_and_measure(column: str, expected: tuple[str, str] | None) -> None:
    assert imd._parse(column) == expected


@pytest.mark.parametrize(
    ("header", "measure"),
    [
        pytest.param("IMD - Rank of average score ", "rank_avg_score", id="rank-avg-score"),
        pytest.param("IMD 2019 - Local concentration ", "local_concentration", id="local-concentration"),
        pytest.param("Rank of Income Scale", "rank_scale", id="rank-scale"),
        pytest.param("Employment scale ", "scale", id="scale"),
        pytest.param("Crime - Proportion of LSOAs in most deprived 10% nationally ", "prop_most_deprived_10pc",
                     id="proportion"),
    ],
)
def test_file10_headers_map_to_measures(header: str, measure: str) -> None:
    assert imd._la_measure(header) == measure


@pytest.mark.parametrize(
    ("ranks", "ok"),
    [
        pytest.param([1, 2, 3, 4], True, id="permutation"),
        pytest.param([1, 1, 3, 4], True, id="tie-shares-lower-rank"),
        pytest.param([1, 2, 2, 3], False, id="tie-without-gap"),
        pytest.param([1, 2, 4, 5], False, id="missing-rank"),
        pytest.param([1, 2.5, 2.5, 4], False, id="averaged-ties"),
    ],
)
def test_official_ranks_must_be_a_ranking(ranks: list[float], ok: bool) -> None:
    rank = pd.Series(ranks, dtype="float64")
    if ok:
        imd._check_rank("x", rank, score=None, n=4, official=True)
    else:
        with pytest.raises(ValidationError, match="not a complete ranking"):
            imd._check_rank("x", rank, score=None, n=4, official=True)


def test_rank_one_must_have_the_highest_score() -> None:
    with pytest.raises(ValidationError, match="rank 1 must be the most deprived"):
        imd._check_rank("x", pd.Series([1.0, 2.0, 3.0]), score=pd.Series([1.0, 2.0, 3.0]), n=3, official=True)


@pytest.mark.parametrize(
    ("counts", "ok"),
    [
        pytest.param([100] * 10, True, id="equal-tenths"),
        pytest.param([103, 97] + [100] * 8, True, id="ties-at-cut"),
        pytest.param([150, 50] + [100] * 8, False, id="lopsided"),
        pytest.param([100] * 9 + [0], False, id="decile-10-empty"),
    ],
)
def test_deciles_hold_about_a_tenth_each(counts: list[int], ok: bool) -> None:
    decile = pd.Series(np.repeat(np.arange(1, 11), counts), dtype="float64")
    if ok:
        imd._check_decile("x", decile, n=1000)
    else:
        with pytest.raises(ValidationError, match="decile counts"):
            imd._check_decile("x", decile, n=1000)


def test_catalogue_marks_package_values_derived_and_cautions_every_indicator() -> None:
    by_id = {i.indicator_id: i for i in imd.CATALOGUE}
    assert by_id["imd2004_imd_decile"].derived and by_id["imd2004_indoors_rank"].derived
    assert not by_id["imd2004_imd_rank"].derived and not by_id["imd2019_imd_decile"].derived
    assert by_id["imd2010_imd_la_avg_score"].derived and not by_id["imd2019_imd_la_avg_score"].derived
    assert "imd2004_living_env_decile" not in by_id
    for ind in imd.CATALOGUE:
        assert any("not designed to measure change over time" in c for c in ind.caveats), ind.indicator_id
        assert bool(ind.method) == ind.derived, ind.indicator_id
        assert ind.valid_range is not None


# ---------------------------------------------------------------- committed data vs raw

@pytest.mark.parametrize(
    ("indicator_id", "raw_file", "code", "column", "scale"),
    [
        pytest.param("imd2019_imd_score", "indicators/mysociety_composite_uk_imd/UK_IMD_E.csv.gz", "lsoa",
                     "overall_local_score", 1.0, id="2019-imd-score-mysociety"),
        pytest.param("imd2019_employment_score", "indicators/mysociety_composite_uk_imd/UK_IMD_E.csv.gz", "lsoa",
                     "employment_score", 100.0, id="2019-employment-rate-mysociety-x100"),
        pytest.param("imd2025_indoors_score", H + "imd2025_england_lsoa21_subdomains.csv.gz", "lsoa21_code",
                     "indoors_score", 1.0, id="2025-indoors-score"),
        pytest.param("imd2025_wider_barriers_decile", H + "imd2025_england_lsoa21_subdomains.csv.gz", "lsoa21_code",
                     "wider_barriers_decile", 1.0, id="2025-wider-barriers-decile"),
        pytest.param("imd2004_imd_score", H + "imd2004_england_lsoa01.csv.gz", "lsoa01_code", "IMD_score", 1.0,
                     id="2004-imd-score"),
        pytest.param("imd2004_imd_rank", H + "imd2004_england_lsoa01.csv.gz", "lsoa01_code", "IMD_rank", 1.0,
                     id="2004-imd-rank"),
        pytest.param("imd2010_health_score", H + "imd2010_england_lsoa01.csv.gz", "lsoa01_code", "Health_score", 1.0,
                     id="2010-health-score"),
    ],
)
def test_lsoa_values_equal_raw(raw_dir, data_dir, indicator_id: str, raw_file: str, code: str, column: str,
                               scale: float) -> None:
    raw = pd.read_csv(raw_dir / raw_file, dtype=str)
    if "nation" in raw:
        raw = raw[raw["nation"] == "E"]
    expected = pd.to_numeric(raw.set_index(code)[column]) / scale
    ours = _values(data_dir, indicator_id)
    assert len(ours) == len(expected)
    diff = (ours - expected.reindex(ours.index)).abs()
    assert diff.max() < 1e-9, diff.idxmax()


def test_2019_income_rate_equals_the_ons_workbook(raw_dir, data_dir) -> None:
    wb = openpyxl.load_workbook(raw_dir / "indicators/ons_income_deprivation/localincomedeprivationdata.xlsx",
                                read_only=True, data_only=True)
    rows = list(wb["LSOA"].iter_rows(values_only=True, max_col=8))
    header = list(rows[0])
    col = header.index("Income Score (rate)")
    ons = pd.Series({r[0]: float(r[col]) for r in rows[1:] if r[0]})
    ours = _values(data_dir, "imd2019_income_score")
    assert ours.sort_index().equals(ons.sort_index())


def _file10(raw_dir: Path, sheet: str) -> pd.DataFrame:
    wb = openpyxl.load_workbook(raw_dir / FILE10, read_only=True, data_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    return pd.DataFrame([r for r in rows[1:] if r[0]], columns=[str(h).strip() for h in rows[0]]).set_index(
        "Local Authority District code (2019)")


@pytest.mark.parametrize(
    ("sheet", "header", "indicator_id"),
    [
        pytest.param("IMD", "IMD - Rank of average score", "imd2019_imd_la_rank_avg_score", id="imd-rank-avg-score"),
        pytest.param("IMD", "IMD - Average score", "imd2019_imd_la_avg_score", id="imd-avg-score"),
        pytest.param("IMD", "IMD 2019 - Extent", "imd2019_imd_la_extent", id="imd-extent"),
        pytest.param("Income", "Income scale", "imd2019_income_la_scale", id="income-scale"),
        pytest.param("IDACI", "IDACI - Proportion of LSOAs in most deprived 10% nationally",
                     "imd2019_idaci_la_prop_most_deprived_10pc", id="idaci-proportion"),
    ],
)
def test_2019_district_summaries_equal_file10_for_every_district(raw_dir, data_dir, sheet: str, header: str,
                                                                  indicator_id: str) -> None:
    official = _file10(raw_dir, sheet)[header].astype("float64")
    ours = _values(data_dir, indicator_id)
    assert len(official) == 317
    pd.testing.assert_series_equal(ours.sort_index(), official.sort_index(), check_names=False, check_index_type=False)


@pytest.mark.parametrize("edition", list(imd.EDITIONS))
def test_every_lsoa_indicator_covers_the_whole_lsoa_set(data_dir, edition: str) -> None:
    df = _committed(data_dir, f"imd{edition}_lsoa")
    n = imd.EDITIONS[edition].n
    assert tuple(df.columns) == INDICATOR_COLUMNS
    # Rows are sorted by indicator then code, so each indicator is one block of the same n codes.
    codes = df["area_code"].to_numpy().reshape(-1, n)
    assert len(set(codes[0])) == n and (codes == codes[0]).all()
    assert df["indicator_id"].nunique() == len(codes)
    assert set(df["vintage"]) == {imd.EDITIONS[edition].vintage} and set(df["period"]) == {edition}


@pytest.mark.parametrize("edition", list(imd.EDITIONS))
def test_deciles_are_tenths_and_official_ones_follow_the_rank(data_dir, edition: str) -> None:
    n = imd.EDITIONS[edition].n
    by_id = {i.indicator_id: i for i in imd.CATALOGUE}
    deciles = [i for i in _by_indicator(data_dir, f"imd{edition}_lsoa") if i.endswith("_decile")]
    assert deciles
    for indicator_id in deciles:
        rows = _rows(data_dir, indicator_id)
        counts = rows["value"].value_counts()
        assert sorted(counts.index) == list(range(1, 11)) and (counts - n / 10).abs().max() <= 5, indicator_id
        rule = np.ceil(10 * _values(data_dir, indicator_id.replace("_decile", "_rank")).reindex(rows.index) / n)
        off = rule != rows["value"]
        if not by_id[indicator_id].derived:
            assert not off.any(), indicator_id
        # Package deciles off MHCLG's rule carry a note giving the rule's decile; no other row has a note.
        assert rows["note"].notna().equals(off), indicator_id
        assert all(note.endswith(f"gives {int(d)}") for note, d in zip(rows["note"][off], rule[off], strict=True))


def test_left_out_living_environment_deciles_are_inverted_in_the_raw_file(raw_dir) -> None:
    raw = pd.read_csv(raw_dir / H / "imd2004_england_lsoa01_subdomains.csv.gz")
    means = raw.groupby("living_environment_domain_decile")["living_environment_domain_score"].mean()
    assert means.loc[1] < means.loc[10]  # decile 1 is the least deprived: the package's bug


def test_2025_districts_are_the_2023_code_set(data_dir) -> None:
    codes = set(_values(data_dir, "imd2025_imd_la_avg_score").index)
    boundaries = data_dir / "boundaries" / "lad_2023.parquet"
    if not boundaries.exists():
        pytest.skip("lad_2023 boundaries not built")
    assert codes == set(pd.read_parquet(boundaries, columns=["area_code"])["area_code"])


def test_district_summaries_rebuilt_from_raw_match_committed(raw_dir, data_dir, tmp_path) -> None:
    ctx = BuildContext(raw_dir=raw_dir, out_dir=tmp_path, log=lambda _: None)
    rebuilt = imd._finish(imd.la_summaries(ctx))
    pd.testing.assert_frame_equal(rebuilt, _committed(data_dir, "imd_la"))
