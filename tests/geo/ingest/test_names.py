"""Every area name of every LA, upper-tier and region set is the official ONS name of its vintage.

The official lists are the ONS code/name files in the raw folder (see its PROVENANCE.md,
sections 3 and 4). Only whitespace is normalised; "&"/"and" and punctuation must match
the official spelling exactly.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo.schema import BOUNDARY_SETS

_JT = "boundaries/jtrim_ons_lookups/"
_DK = "boundaries/drkane_geo_lookups/"
LAD13 = (_JT + "158_LAD13_NUTS315_UK_LU.csv", "LAD13CD", "LAD13NM")  # LAD Dec 2013
LA_ALL = (_DK + "la_all_codes.csv", "LADCD", "LADNM")  # every LA code since 2011, latest name
UTLA_ALL = (_DK + "utla_all_codes.csv", "UTLACD", "UTLANM")
CTY20 = (_JT + "030_LAD20_CTY20_EN_LU.csv", "CTY20CD", "CTY20NM")  # counties Apr 2020

#: (level, vintage) -> official lists, the first holding a code gives its name.
OFFICIAL = {
    ("lad", "2013"): [LAD13],
    ("lad", "2019"): [(_JT + "278_LAD19_names_codes_UK.csv", "LAD19CD", "LAD19NM")],
    ("lad", "2020"): [(_JT + "276_LAD20_names_codes_UK.csv", "LAD20CD", "LAD20NM")],
    ("lad", "2021"): [LA_ALL],
    ("lad", "2023"): [LA_ALL],
    ("lad", "2025"): [LA_ALL],
    ("utla", "2013"): [LAD13, (_JT + "020_LAD15_CTY15_EN_LU.csv", "CTY15CD", "CTY15NM")],
    ("utla", "2019"): [(_JT + "177_LTLA19_UTLA19_EW_LU.csv", "UTLA19CD", "UTLA19NM")],
    ("utla", "2021"): [UTLA_ALL, LA_ALL, CTY20],
    ("utla", "2023"): [UTLA_ALL, LA_ALL],
    ("utla", "2025"): [UTLA_ALL],
    ("region", "2019"): [(_JT + "252_RGN19_names_codes_EN.csv", "RGN19CD", "RGN19NM")],
}


def _spaces(names: pd.Series) -> pd.Series:
    return names.str.split().str.join(" ")


def _official(raw_dir, lists) -> pd.Series:
    out = pd.Series(dtype="str")
    for path, code, name in lists:
        lst = pd.read_csv(raw_dir / path, dtype=str, encoding="utf-8-sig").drop_duplicates(code)
        found = _spaces(lst.set_index(code)[name])
        out = found if out.empty else out.combine_first(found)
    return out


def _names(data_dir, level: str, vintage: str) -> pd.Series:
    table = pd.read_parquet(data_dir / "boundaries" / f"{level}_{vintage}.parquet", columns=["area_code", "area_name"])
    return table.set_index("area_code")["area_name"]


def test_every_lad_utla_and_region_set_has_an_official_list() -> None:
    held = {(b.level, b.vintage) for b in BOUNDARY_SETS if b.level in ("lad", "utla", "region")}
    assert held - {("lad", "2008")} == set(OFFICIAL)


@pytest.mark.parametrize(("level", "vintage"), [pytest.param(*key, id="-".join(key)) for key in OFFICIAL])
def test_names_are_the_official_names_of_the_vintage(raw_dir, data_dir, level: str, vintage: str) -> None:
    names = _names(data_dir, level, vintage)
    official = names.index.map(_official(raw_dir, OFFICIAL[(level, vintage)]))
    wrong = [(c, a, b) for c, a, b in zip(names.index, _spaces(names), official, strict=True) if a != b]
    assert not wrong, f"{len(wrong)} names differ from the official list, e.g. {wrong[:3]}"


@pytest.mark.parametrize(
    ("level", "vintage", "code", "name"),
    [
        # ONS LAD Dec 2013 (158), LAD Dec 2019 (278), LA code history (la_all_codes): Tewkesbury.
        pytest.param("lad", "2013", "E07000083", "Tewkesbury", id="tewkesbury-2013"),
        pytest.param("lad", "2025", "E07000083", "Tewkesbury", id="tewkesbury-2025"),
        # 158 (Dec 2013) and 180 (Dec 2016): Shepway; renamed Folkestone and Hythe in 2018 (016, Dec 2018).
        pytest.param("lad", "2013", "E07000112", "Shepway", id="shepway-2013"),
        pytest.param("lad", "2019", "E07000112", "Folkestone and Hythe", id="folkestone-2019"),
    ],
)
def test_names_reported_wrong_in_review(data_dir, level: str, vintage: str, code: str, name: str) -> None:
    assert _names(data_dir, level, vintage)[code] == name


def test_pre_2009_names_are_those_of_the_lsoa_2001_names(raw_dir, data_dir) -> None:
    """No official code/name list of the 354 pre-2009 districts is held; the ONS LSOA 2001
    names (e.g. "Caradon 003B") carry the district's name, so that is the reference."""
    w06 = pd.read_csv(raw_dir / _JT / "087_LSOA01_WD06_EW_LU.csv.gz", dtype=str, usecols=["LSOA01NM", "WD06CD"])
    w06 = w06.assign(code=w06["WD06CD"].str[:4], name=_spaces(w06["LSOA01NM"].str.replace(r"\s+\d{3}[A-Z]$", "", regex=True)))
    official = w06.drop_duplicates("code").set_index("code")["name"]
    names = _names(data_dir, "lad", "2008")
    assert (_spaces(names) == names.index.map(official)).all()


def test_code_changes_use_the_names_of_the_boundary_sets(data_dir) -> None:
    changes = pd.read_parquet(data_dir / "lookups" / "la_code_changes.parquet")
    sets = {b.vintage: _names(data_dir, "lad", b.vintage) for b in BOUNDARY_SETS if b.level == "lad"}
    for side in ("old", "new"):
        held = changes[changes[f"{side}_vintage"].isin(list(sets))]
        expected = [sets[v][c] for v, c in zip(held[f"{side}_vintage"], held[f"{side}_code"], strict=True)]
        assert held[f"{side}_name"].tolist() == expected
