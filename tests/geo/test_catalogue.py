"""Tests for geo.catalogue: plain labels and descriptions, and the picker order of data/catalogue.json."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from geo.catalogue import GROUPS, LABEL_MAX, Indicator, Source, load_catalogue
from geo.ingest.labels import order_key, relabel

#: Abbreviations and id fragments a newcomer would not read (whole words, any case).
JARGON = ("prop", "pc", "avg", "la", "lsoa", "lsoas", "pop", "iod", "hi", "dsr", "prev", "pct10")
#: Phrases that say who published the figures.
PUBLISHER = re.compile(r"[Pp]ublish|Office for National Statistics|Ministry of Housing|Department for")


@pytest.fixture(scope="module")
def catalogue(data_dir: Path) -> dict[str, Indicator]:
    return load_catalogue(data_dir)


def test_every_label_fits_the_sidebar(catalogue: dict[str, Indicator]) -> None:
    long = {i: ind.label for i, ind in catalogue.items() if len(ind.label) > LABEL_MAX}
    assert not long, f"labels over {LABEL_MAX} characters: {long}"


def test_labels_are_unique_within_their_group(catalogue: dict[str, Indicator]) -> None:
    counts = Counter((ind.group, ind.label) for ind in catalogue.values())
    assert [key for key, n in counts.items() if n > 1] == []


def test_labels_are_plain_words(catalogue: dict[str, Indicator]) -> None:
    bad = {}
    for i, ind in catalogue.items():
        words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", ind.label)}
        if "_" in ind.label or words & set(JARGON) or ind.label == ind.indicator_id:
            bad[i] = ind.label
    assert not bad, f"labels with underscores or abbreviations: {bad}"


def test_descriptions_are_full_sentences_naming_the_publisher(catalogue: dict[str, Indicator]) -> None:
    bad = {}
    for i, ind in catalogue.items():
        text = ind.description
        sentences = re.findall(r"[.!?](?:\s|$)", text)
        if not (text[:1].isupper() and text.endswith(".") and len(text.split()) >= 8 and "_" not in text
                and 1 <= len(sentences) <= 3 and PUBLISHER.search(text)):
            bad[i] = text
    assert not bad, f"descriptions that are not one or two full sentences naming a publisher: {bad}"


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        pytest.param("lsoa", "imd2025_imd_decile", id="small-areas-IoD2025-decile"),
        pytest.param("lad", "imd2025_imd_la_rank_avg_score", id="districts-IoD2025-rank-of-average-score"),
        pytest.param("pct", "imd2019_imd_area_avg_score", id="pcts-latest-held-IoD2019"),
    ],
)
def test_deprivation_opens_on_the_latest_imd_headline(
    catalogue: dict[str, Indicator], level: str, expected: str
) -> None:
    """ui.map._pick_group offers the first indicator of the group held at the level."""
    first = next(i for i, ind in catalogue.items() if ind.group == "Deprivation" and level in ind.levels)
    assert first == expected


def test_groups_follow_the_display_order(catalogue: dict[str, Indicator]) -> None:
    order = [GROUPS.index(ind.group) for ind in catalogue.values()]
    assert order == sorted(order)


@pytest.mark.parametrize("group", ["Deprivation", "Deprivation domains"])
def test_deprivation_editions_run_latest_first(catalogue: dict[str, Indicator], group: str) -> None:
    for level in ("lsoa", "lad"):
        years = [int(ind.edition[3:]) for ind in catalogue.values()
                 if ind.group == group and level in ind.levels and ind.edition]
        assert years and years == sorted(years, reverse=True), level


def test_population_opens_on_all_ages_then_each_count_beside_its_share(catalogue: dict[str, Indicator]) -> None:
    ids = [i for i, ind in catalogue.items() if ind.group == "Population"]
    assert ids[:3] == ["pop_total", "pop_0_4", "pop_0_4_share"]


# --- geo.ingest.labels on tiny records ----------------------------------------------------------------

_MHCLG = Source("Ministry of Housing, Communities and Local Government", "English Indices of Deprivation", "r")


def _tiny(indicator_id: str, *, edition: str = "", group: str = "Deprivation", source: Source = _MHCLG) -> Indicator:
    return Indicator(indicator_id, "Title", "Raw description.", "unit", "none", group, source,
                     edition=edition, short_title="raw short title")


@pytest.mark.parametrize(
    ("indicator_id", "edition", "label"),
    [
        pytest.param("imd2019_idaci_la_prop_most_deprived_10pc", "IoD2019", "IDACI 2019: areas in worst 10%",
                     id="district-share"),
        pytest.param("imd2025_imd_la_rank_avg_score", "IoD2025", "IMD 2025 rank: average score", id="district-rank"),
        pytest.param("imd2025_living_env_la_rank_prop_most_deprived_10pc", "IoD2025",
                     "Environment 2025 rank: worst 10% areas", id="district-short-domain-name"),
        pytest.param("imd2010_wider_barriers_decile", "IoD2010", "Housing barriers 2010: decile", id="small-area"),
    ],
)
def test_relabel_builds_labels_from_the_id(indicator_id: str, edition: str, label: str) -> None:
    ind = relabel(_tiny(indicator_id, edition=edition))
    assert ind.short_title == label
    assert f"From the English Indices of Deprivation {edition[3:]}, published by the " in ind.description


def test_relabel_keeps_unknown_ids_and_adds_the_publisher() -> None:
    ind = relabel(_tiny("brand_new", source=Source("Office for National Statistics", "d", "r")))
    assert ind.short_title == "raw short title"
    assert ind.description == "Raw description. Published by Office for National Statistics."


def test_order_key_puts_the_latest_edition_and_headline_first() -> None:
    ids = {"imd2019_imd_la_avg_score": "IoD2019", "imd2025_imd_la_avg_score": "IoD2025",
           "imd2025_income_la_rank_avg_score": "IoD2025", "imd2025_imd_la_rank_avg_score": "IoD2025"}
    ordered = sorted((_tiny(i, edition=e) for i, e in ids.items()), key=order_key)
    assert [ind.indicator_id for ind in ordered] == [
        "imd2025_imd_la_rank_avg_score", "imd2025_imd_la_avg_score", "imd2025_income_la_rank_avg_score",
        "imd2019_imd_la_avg_score",
    ]
