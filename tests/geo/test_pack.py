"""The pack's content: plain-English figures against England, read through the loading API."""

from __future__ import annotations

import pytest

from geo import indicators, pack, profile

LIVERPOOL = "E08000012"


@pytest.mark.parametrize(
    ("indicator_id", "sex", "value", "england", "expected"),
    [
        pytest.param("le_birth", "male", 74.1, 79.4,
                     "Men here can expect to live 74.1 years (P), 5.3 years fewer than the England average of 79.4.",
                     id="issue-example"),
        pytest.param("le_birth", "female", 84.2, 83.2,
                     "Women here can expect to live 84.2 years (P), 1.0 year more than the England average of 83.2.",
                     id="one-year-more"),
        pytest.param("le_birth", "male", 79.4, 79.4,
                     "Men here can expect to live 79.4 years (P), the same as the England average of 79.4.",
                     id="same"),
        pytest.param("fuel_poverty", "persons", 18.7, 13.2,
                     "18.7% of households were in fuel poverty in P, against 13.2% across England.", id="fuel"),
        pytest.param("u75_prev", "persons", 230.8, 145.8,
                     "Label: 230.8 per 100,000 in P, 58% higher than England's 145.8.", id="ratio"),
    ],
)
def test_figure_sentence(indicator_id: str, sex: str, value: float, england: float, expected: str) -> None:
    got = pack.figure_sentence(indicator_id, sex, period="P", value=value, england=england, unit="per 100,000",
                               label="Label")
    assert got == expected


@pytest.fixture(scope="module")
def liverpool(data_dir) -> pack.Pack:
    return pack.build(LIVERPOOL, data_dir=data_dir)


def test_figures_equal_the_loading_api(liverpool: pack.Pack, data_dir) -> None:
    assert 4 <= len(liverpool.sentences) <= 6
    for figure in liverpool.figures:
        rows = indicators.load(figure.indicator_id, level="lad", sex=figure.sex, period=figure.period,
                               data_dir=data_dir)
        values = set(rows.loc[rows["area_code"] == LIVERPOOL, "value"])
        assert figure.value in values
        england = indicators.england_value(figure.indicator_id, period=figure.period, sex=figure.sex,
                                           data_dir=data_dir)
        assert england is not None and figure.england == float(england["value"])
        assert f"{figure.value:,.1f}" in figure.sentence and f"{figure.england:,.1f}" in figure.sentence


def test_deprivation_sentence_counts_the_lsoas(liverpool: pack.Pack, data_dir) -> None:
    deciles = profile.lsoa_deciles(LIVERPOOL, level=liverpool.area.level, vintage=liverpool.area.vintage,
                                   data_dir=data_dir)
    most, total = int(deciles.loc[deciles["decile"] <= 2, "lsoas"].sum()), int(deciles["lsoas"].sum())
    assert liverpool.deprivation.startswith(f"{most} of its {total} small areas")
    assert len(liverpool.lsoas) == total


def test_spearhead_status_and_sources(liverpool: pack.Pack) -> None:
    assert liverpool.spearhead.startswith("Spearhead status:")
    assert liverpool.sources and all("Licence" in s for s in liverpool.sources)
    assert "Open Government Licence" in liverpool.attribution


def test_regions_and_unknown_codes_are_refused(data_dir) -> None:
    from geo.errors import UnknownAreaCodeError

    with pytest.raises(UnknownAreaCodeError, match="local authority, upper-tier authority or PCT"):
        pack.build("E12000002", data_dir=data_dir)
    with pytest.raises(UnknownAreaCodeError):
        pack.build("E99999999", data_dir=data_dir)


def test_pack_says_how_many_years_behind_england_as_the_lag_module_does(data_dir) -> None:
    from geo import lag, pack

    made = pack.build("E08000012", data_dir=data_dir)
    expected = lag.area_sentences("E08000012", "Liverpool", level=made.area.level, vintage=made.area.vintage)[:2]
    assert made.lag == expected and all("Liverpool" in s for s in made.lag)
