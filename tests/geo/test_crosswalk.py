"""Tests for geo.crosswalk: values carried from one boundary set onto another.

The tables come from fixture files read by geo.uploads (values made up, codes real);
expected results are computed from the atlas's own lookups and population estimates.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from geo import boundaries, codes, crosswalk, indicators, uploads
from geo.errors import UploadError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"


def _check(data: bytes) -> uploads.Upload:
    return uploads.validate(data, file_name="file.csv")


def _carry(up: uploads.Upload, **kwargs: object) -> crosswalk.Mapped:
    return crosswalk.carry(up.values, columns=up.columns, source=(up.level, up.vintage), **kwargs)  # type: ignore[arg-type]


def test_same_boundaries_keep_values(data_dir) -> None:
    up = _check((FIXTURES / "lad2019_rates.csv").read_bytes())
    mapped = _carry(up, level="lad", vintage="2019")
    pd.testing.assert_frame_equal(mapped.values, up.values)
    assert mapped.changes.empty and mapped.unmatched.empty


def test_merged_districts_sum_counts_and_weight_rates(data_dir) -> None:
    up = _check((FIXTURES / "lad2008_old_codes.csv").read_bytes())
    cornwall = ["15UB", "15UC", "15UD", "15UE", "15UF", "15UG"]
    given = pd.read_csv(FIXTURES / "lad2008_old_codes.csv").set_index("code")["deaths"]
    counts = _carry(up, level="lad", vintage="2023", kinds={"deaths": "count"})
    row = counts.values.set_index("area_code").loc["E06000052"]
    assert row["value"] == given[cornwall].sum() and row["status"] == "ok"
    assert counts.changes.set_index("target_code").loc["E06000052", "parts"] == 6
    # Rates: weighted by each 2008 district's population (its 2011 LSOAs' populations added up).
    rates = _carry(up, level="lad", vintage="2023", kinds={"deaths": "rate"})
    lsoa = indicators.load("pop_total", level="lsoa", vintage="2011")
    lsoa = lsoa[lsoa["period"] == sorted(lsoa["period"].unique())[-1]]
    parents = boundaries.parent_codes("2011", level="lad", vintage="2008")
    pop = lsoa.groupby(lsoa["area_code"].map(parents))["value"].sum()[cornwall]
    expected = (given[cornwall] * pop).sum() / pop.sum()
    assert math.isclose(rates.values.set_index("area_code").loc["E06000052", "value"], expected)
    assert any("population-weighted" in n for n in rates.notes)


def test_part_missing_makes_the_merged_area_missing(data_dir) -> None:
    up = _check(b"code,n\n15UB,1\n15UC,2\n00BN,3\n")
    mapped = _carry(up, level="lad", vintage="2023", kinds={"n": "count"})
    row = mapped.values.set_index("area_code").loc["E06000052"]
    assert row["status"] == "missing" and "4 of its 6 parts" in row["note"]


def test_small_areas_add_up_to_districts(data_dir) -> None:
    parents = boundaries.parent_codes("2011", level="lad", vintage="2021")
    hartlepool = sorted(parents[parents == "E06000001"].index)
    text = "lsoa code,people\n" + "".join(f"{c},{i + 1}\n" for i, c in enumerate(hartlepool))
    up = _check(text.encode())
    assert up.level == "lsoa"
    mapped = _carry(up, level="lad", vintage="2021", kinds={"people": "count"})
    assert mapped.values.set_index("area_code").loc["E06000001", "value"] == sum(range(1, len(hartlepool) + 1))


def test_rates_refused_without_populations(data_dir) -> None:
    parents = boundaries.parent_codes("2021", level="lad", vintage="2023")
    codes = sorted(parents[parents == "E06000001"].index)
    up = _check(("code,rate\n" + "".join(f"{c},1.5\n" for c in codes)).encode())
    assert (up.level, up.vintage) == ("lsoa", "2021")
    with pytest.raises(UploadError, match=r"a rate cannot be summed.*no populations"):
        _carry(up, level="lad", vintage="2023", kinds={"rate": "rate"})


def test_no_lookup_is_refused(data_dir) -> None:
    up = _check((FIXTURES / "pct_nhs_codes.csv").read_bytes())
    with pytest.raises(UploadError, match="no lookup from 2011 primary care trusts"):
        _carry(up, level="lad", vintage="2023")


@pytest.mark.parametrize(
    ("level", "vintage", "expected"),
    [
        pytest.param("lsoa", "2011", "2011 LSOAs", id="lsoa"),
        pytest.param("lad", "2019", "2019 local authority districts", id="lad"),
    ],
)
def test_set_label(level: str, vintage: str, expected: str) -> None:
    assert crosswalk.set_label(level, vintage) == expected


# ---------------------------------------------------------------- 2011 LSOAs onto 2021 LSOAs and 2023+ districts
@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        pytest.param({"a": "d1", "b": "d2"}, {"d1": "m", "d2": "m"}, {"a": "m", "b": "m"}, id="merge"),
        pytest.param({"a": "d1", "b": "d2"}, {"d1": "m"}, {"a": "m"}, id="second-step-lost"),
        pytest.param({"a": "d1"}, {"d1": "d1"}, {"a": "d1"}, id="unchanged"),
    ],
)
def test_compose(first: dict[str, str], then: dict[str, str], expected: dict[str, str]) -> None:
    def walk(pairs: dict[str, str]) -> pd.DataFrame:
        return pd.DataFrame({"source_code": list(pairs), "target_code": list(pairs.values())}, dtype="str")

    out = crosswalk.compose(walk(first), walk(then))
    assert dict(zip(out["source_code"], out["target_code"], strict=True)) == expected


def _lsoa11_population() -> pd.Series:
    pop = indicators.load("pop_total", level="lsoa", vintage="2011")
    return pop[pop["period"] == sorted(pop["period"].unique())[-1]].set_index("area_code")["value"]


def test_lsoa_2011_onto_2021_lsoas_carries_unchanged_and_merged_never_splits(data_dir) -> None:
    # lsoa2011_counts.csv (made-up values): E01019078 and E01019079 unchanged, E01019103 + E01019105 merged,
    # E01019213 split in 2021; which is which comes from the derived lookup, read here.
    given = pd.read_csv(FIXTURES / "lsoa2011_counts.csv").set_index("LSOA11CD")
    lookup = crosswalk.lsoa11_lookup(data_dir).set_index("lsoa11_code")
    change = lookup.groupby(level=0)["change"].first()
    up = _check((FIXTURES / "lsoa2011_counts.csv").read_bytes())
    mapped = _carry(up, level="lsoa", vintage="2021", kinds={"people": "count", "rate": "rate"})
    people = mapped.values[mapped.values["column"] == "people"].set_index("area_code")["value"]
    rate = mapped.values[mapped.values["column"] == "rate"].set_index("area_code")["value"]
    unchanged = [c for c in given.index if change[c] == "U"]
    assert all(people[c] == given.loc[c, "people"] for c in unchanged) and len(unchanged) == 2
    merged = [c for c in given.index if change[c] == "M"]
    (target,) = set(lookup.loc[merged, "lsoa21_code"])
    assert people[target] == given.loc[merged, "people"].sum()
    pop = _lsoa11_population()[merged]
    assert math.isclose(rate[target], (given.loc[merged, "rate"] * pop).sum() / pop.sum())
    split = lookup.loc[["E01019213"]]
    assert set(split["change"]) == {"S"}
    assert not set(split["lsoa21_code"]) & set(people.index)  # never divided
    assert mapped.unmatched.set_index("source_code").loc["E01019213", "reason"].endswith("its values cannot be divided")
    assert "derived LSOA 2011-2021 lookup" in mapped.route and mapped.notes[0] == f"Route: {mapped.route}."


def _cumbria_file(columns: dict[str, pd.Series]) -> bytes:
    """Every 2011 LSOA of the six Cumbrian districts of 2021, with the given columns."""
    lsoa = _lsoa11_population()
    parents = boundaries.parent_codes("2011", level="lad", vintage="2021")
    mine = sorted(c for c in lsoa.index if parents.get(c) in CUMBRIA_2021)
    body = "".join(f"{c}," + ",".join(f"{columns[k][c]:g}" for k in columns) + "\n" for c in mine)
    return ("lsoa11cd," + ",".join(columns) + "\n" + body).encode()


#: Allerdale, Barrow-in-Furness, Carlisle, Copeland, Eden and South Lakeland: the 2021 districts of Cumbria.
CUMBRIA_2021 = ("E07000026", "E07000027", "E07000028", "E07000029", "E07000030", "E07000031")


@pytest.mark.parametrize("vintage", [pytest.param("2023", id="2023"), pytest.param("2025", id="2025")])
def test_lsoa_2011_counts_sum_to_2023_districts_through_2021(data_dir, vintage: str) -> None:
    # The ONS mid-year LSOA estimates of 2011 LSOAs as a count file: added up and merged, they must give
    # the 2021 districts' own estimates of the same year, summed over what each became.
    lsoa = _lsoa11_population()
    latest = sorted(indicators.load("pop_total", level="lsoa", vintage="2011")["period"].unique())[-1]
    up = _check(_cumbria_file({"people": lsoa}))
    mapped = _carry(up, level="lad", vintage=vintage, kinds={"people": "count"})
    districts = indicators.load("pop_total", level="lad", vintage="2021")
    districts = districts[districts["period"] == latest].set_index("area_code")["value"]
    became = codes.reconcile(list(CUMBRIA_2021), source="2021", target=vintage).mapped.set_index("source_code")
    expected = districts[list(CUMBRIA_2021)].groupby(became["target_code"]).sum()
    got = mapped.values.set_index("area_code")["value"]
    assert len(expected) == 2 and got.to_dict() == expected.to_dict()
    assert set(mapped.values["status"]) == {"ok"} and mapped.unmatched.empty
    assert mapped.route.startswith(f"2011 LSOAs to {vintage} local authority districts: 2011 LSOAs added up into the "
                                   "2021 local authority districts they lie in (ONS LSOA 2011 lookup); then through "
                                   "the ONS code changes")


def test_lsoa_2011_rates_weighted_by_lsoa_populations_as_districts_then_merges(data_dir) -> None:
    # Made-up rates; the two-step reading (2021 districts weighted by their LSOAs' populations, then the merge
    # weighted by the districts' summed populations) is the one the route states.
    lsoa = _lsoa11_population()
    rates = pd.Series([(i % 13) + 0.5 for i in range(len(lsoa))], index=lsoa.index)
    up = _check(_cumbria_file({"rate": rates}))
    mapped = _carry(up, level="lad", vintage="2023", kinds={"rate": "rate"})
    parents = boundaries.parent_codes("2011", level="lad", vintage="2021")
    mine = lsoa[lsoa.index.map(parents).isin(CUMBRIA_2021)]
    by = mine.index.map(parents)
    district_pop = mine.groupby(by).sum()
    district_rate = (rates[mine.index] * mine).groupby(by).sum() / district_pop
    became = codes.reconcile(list(CUMBRIA_2021), source="2021", target="2023").mapped.set_index("source_code")
    merged = (district_rate * district_pop).groupby(became["target_code"]).sum() / district_pop.groupby(
        became["target_code"]).sum()
    got = mapped.values.set_index("area_code")["value"]
    assert set(got.index) == set(merged.index)
    assert all(math.isclose(got[c], merged[c]) for c in merged.index)
    assert any("population-weighted" in n and "of the 2011 LSOAs" in n for n in mapped.notes)


def test_lsoa_2011_part_of_a_merged_district_is_missing_not_guessed(data_dir) -> None:
    up = _check((FIXTURES / "lsoa2011_counts.csv").read_bytes())
    mapped = _carry(up, level="lad", vintage="2023", kinds={"people": "count", "rate": "count"})
    assert set(mapped.values["status"]) == {"missing"}
    assert mapped.values["note"].str.contains("parts are not in your file").all()
