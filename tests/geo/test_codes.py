"""Tests for geo.codes against the committed boundary sets and code-change lookup."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.codes import RELATIONS, area_names, detect, reconcile
from geo.errors import UnknownLevelError, UnknownVintageError, UploadError
from geo.schema import BOUNDARY_SETS, vintages

LAD_VINTAGES = ("2008", "2011", "2013", "2019", "2020", "2021", "2023", "2025")


def _codes(data_dir, level: str, vintage: str) -> list[str]:
    return pd.read_parquet(data_dir / "boundaries" / f"{level}_{vintage}.parquet", columns=["area_code"])["area_code"].tolist()


@pytest.mark.parametrize(
    ("codes", "source", "target", "level", "expected", "relation"),
    [
        pytest.param(["E06000048"], "2011", "2013", "lad", ["E06000057"], "recode", id="northumberland-2013-recode"),
        pytest.param(["E07000097"], "2011", "2013", "lad", ["E07000242"], "recode", id="east-herts-2013-recode"),
        pytest.param(["E07000004", "E07000007"], "2019", "2020", "lad", ["E06000060"] * 2, "merge", id="bucks-merger"),
        pytest.param(["E08000016"], "2023", "2025", "lad", ["E08000038"], "recode", id="barnsley-2025-recode"),
        pytest.param(["E08000039"], "2025", "2023", "lad", ["E08000019"], "recode", id="sheffield-back-to-2023"),
        pytest.param(["00BN"], "2008", "2025", "lad", ["E08000003"], "recode", id="manchester-old-code"),
        pytest.param(["15UB"], "2008", "2025", "lad", ["E06000052"], "merge", id="caradon-into-cornwall"),
        pytest.param(["40UE"], "2008", "2025", "lad", ["E06000066"], "merge", id="taunton-deane-three-steps"),
        pytest.param(["35UB"], "2008", "2011", "lad", ["E06000048"], "merge", id="alnwick-to-2011-code"),
        pytest.param(["E06000057"], "2025", "2011", "lad", ["E06000048"], "recode", id="northumberland-back-to-2011"),
        pytest.param(["E06000001"], "2019", "2023", "lad", ["E06000001"], "same", id="unchanged"),
        pytest.param(["E10000002"], "2019", "2025", "utla", ["E06000060"], "recode", id="bucks-county-becomes-unitary"),
        pytest.param(["E06000028"], "2013", "2019", "utla", ["E06000058"], "merge", id="bournemouth-into-bcp"),
        pytest.param(["E10000029"], "2013", "2025", "utla", ["E10000029"], "same", id="suffolk-unchanged-county"),
    ],
)
def test_reconcile_maps(data_dir, codes, source, target, level, expected, relation) -> None:
    result = reconcile(codes, source=source, target=target, level=level)
    assert result.unmatched.empty
    assert result.mapped["source_code"].tolist() == codes
    assert result.mapped["target_code"].tolist() == expected
    assert set(result.mapped["relation"]) == {relation}


@pytest.mark.parametrize(
    ("code", "source", "target", "level", "reason"),
    [
        pytest.param("E06000060", "2025", "2019", "lad", r"formed in the 2020 set by merging E07000004 Aylesbury Vale.*"
                     r"cannot be split back", id="merged-area-backwards"),
        pytest.param("E06000052", "2013", "2008", "lad", "by merging 15UB Caradon", id="cornwall-back-to-2008"),
        pytest.param("E07000004", "2025", "2019", "lad", r"not a 2025 local authority code.*merged into E06000060 "
                     r"Buckinghamshire in the 2020 set.*source='2019'", id="old-code-given-as-new"),
        pytest.param("E07000004", "2023", "2025", "lad", "Pass source='2019'", id="wrong-source-vintage"),
        pytest.param("not-a-code", "2019", "2023", "lad", "is not a valid area code", id="garbage"),
        pytest.param("E99999999", "2019", "2023", "lad", "in no local authority set", id="unknown-gss-code"),
        pytest.param("E10000009", "2013", "2019", "utla", "split between E06000058 .* and E06000059 Dorset",
                     id="dorset-county-split"),
        pytest.param("E06000061", "2021", "2019", "utla", "from parts of E10000021 Northamptonshire",
                     id="north-northants-back"),
    ],
)
def test_reconcile_reports_what_it_cannot_map(data_dir, code, source, target, level, reason) -> None:
    result = reconcile([code], source=source, target=target, level=level)
    assert result.mapped.empty
    assert result.unmatched["source_code"].tolist() == [code]
    assert pd.Series(result.unmatched["reason"]).str.contains(reason, regex=True).all(), result.unmatched["reason"].iloc[0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"source": "1999", "target": "2023"}, UnknownVintageError,
                     "expected one of 2008, 2011, 2013, 2019, 2020, 2021, 2023, 2025", id="lad-1999"),
        pytest.param({"source": "2019", "target": "2020", "level": "utla"}, UnknownVintageError,
                     "expected one of 2013, 2019, 2021, 2023, 2025", id="utla-2020"),
        pytest.param({"source": "2019", "target": "2019", "level": "ward"}, UnknownLevelError, "expected one of lad",
                     id="unknown-level"),
    ],
)
def test_reconcile_rejects_unknown_vintages_and_levels(data_dir, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        reconcile(["E06000001"], **kwargs)


@pytest.mark.parametrize("source", LAD_VINTAGES[:-1])
def test_every_district_maps_forward_into_each_later_set(data_dir, source: str) -> None:
    changes = pd.read_parquet(data_dir / "lookups" / "la_code_changes.parquet")
    if source == "2011":
        early = changes[changes["old_vintage"] == "2011"]
        codes = sorted((set(_codes(data_dir, "lad", "2013")) - set(early["new_code"])) | set(early["old_code"]))
    else:
        codes = _codes(data_dir, "lad", source)
    for target in (v for v in LAD_VINTAGES if v > source and v != "2011"):
        result = reconcile(codes, source=source, target=target)
        assert result.unmatched.empty, result.unmatched.head()
        assert set(result.mapped["target_code"]) == set(_codes(data_dir, "lad", target))
        assert set(result.mapped["relation"]) <= set(RELATIONS)


@pytest.mark.parametrize("source", ["2013", "2019", "2021", "2023"])
def test_upper_tiers_map_forward_or_are_reported_as_split(data_dir, source: str) -> None:
    codes = _codes(data_dir, "utla", source)
    result = reconcile(codes, source=source, target="2025", level="utla")
    assert len(result.mapped) + len(result.unmatched) == len(codes)
    assert set(result.mapped["target_code"]) <= set(_codes(data_dir, "utla", "2025"))
    assert result.unmatched["reason"].str.contains("was split between").all()


@pytest.mark.parametrize(("source", "target"), [("2019", "2013"), ("2025", "2021"), ("2025", "2008")])
def test_going_back_maps_unchanged_areas_and_reports_merged_ones(data_dir, source: str, target: str) -> None:
    codes = _codes(data_dir, "lad", source)
    result = reconcile(codes, source=source, target=target)
    assert len(result.mapped) + len(result.unmatched) == len(codes)
    assert set(result.mapped["target_code"]) <= set(_codes(data_dir, "lad", target))
    assert result.unmatched["reason"].str.contains("by merging").all()
    # An area that came back maps forward to where it started.
    again = reconcile(result.mapped["target_code"], source=target, target=source)
    assert again.mapped["target_code"].tolist() == result.mapped["source_code"].tolist()


@pytest.mark.parametrize(
    ("level", "vintage"), [pytest.param(b.level, b.vintage, id=f"{b.level}-{b.vintage}") for b in BOUNDARY_SETS]
)
def test_detect_finds_the_set_a_file_came_from(data_dir, level: str, vintage: str) -> None:
    codes = _codes(data_dir, level, vintage)
    found = detect([*codes, "E92000001"])
    assert (found.level, found.vintage, found.matched, found.total) == (level, vintage, len(codes), len(codes) + 1)
    assert found.unmatched == ("E92000001",)


def test_detect_prefers_the_latest_vintage_and_districts_on_a_tie(data_dir) -> None:
    london = [c for c in _codes(data_dir, "lad", "2025") if c.startswith("E09")]
    found = detect(london)
    assert (found.level, found.vintage) == ("lad", vintages("lad")[-1])


@pytest.mark.parametrize("codes", [pytest.param([], id="empty"), pytest.param(["nonsense", "E99999999"], id="no-match")])
def test_detect_refuses_codes_it_cannot_place(data_dir, codes: list[str]) -> None:
    with pytest.raises(UploadError, match="expected"):
        detect(codes)


def test_area_names_cover_the_set(data_dir) -> None:
    names = area_names("region", "2019")
    assert set(names) == set(_codes(data_dir, "region", "2019")) and all(names.values())
    with pytest.raises(UnknownVintageError, match="expected one of 2013, 2019"):
        area_names("utla", "2020")
