"""Tests for geo.crosswalk: values carried from one boundary set onto another.

The tables come from fixture files read by geo.uploads (values made up, codes real);
expected results are computed from the atlas's own lookups and population estimates.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from geo import boundaries, crosswalk, indicators, uploads
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
