"""The pack's content: plain-English figures against England, read through the loading API."""

from __future__ import annotations

import pytest

from geo import comparison, indicators, pack, profile

LIVERPOOL = "E08000012"


NO_CI = "; no confidence interval is held, so we cannot say whether the difference is significant."


@pytest.mark.parametrize(
    ("indicator_id", "sex", "value", "ci", "england", "expected"),
    [
        pytest.param("le_birth", "male", 74.1, None, 79.4,
                     "Men here can expect to live 74.1 years (P), 5.3 years fewer than the England average of 79.4"
                     + NO_CI, id="issue-example"),
        pytest.param("le_birth", "female", 84.2, None, 83.2,
                     "Women here can expect to live 84.2 years (P), 1.0 year more than the England average of 83.2"
                     + NO_CI, id="one-year-more"),
        pytest.param("le_birth", "male", 79.4, None, 79.4,
                     "Men here can expect to live 79.4 years (P), the same as the England average of 79.4" + NO_CI,
                     id="same"),
        pytest.param("le_birth", "female", 82.9, (82.5, 83.3), 83.5,
                     "Women here can expect to live 82.9 years (P), 0.6 years fewer than the England average of 83.5: "
                     "worse than England (95% confidence interval 82.5 to 83.3, wholly below England's value).",
                     id="fewer-and-worse"),
        pytest.param("fuel_poverty", "persons", 18.7, None, 13.2,
                     "18.7% of households were in fuel poverty in P, against 13.2% across England" + NO_CI, id="fuel"),
        pytest.param("u75_prev", "persons", 230.8, None, 145.8,
                     "Label: 230.8 per 100,000 in P, 58% higher than England's 145.8" + NO_CI, id="ratio-no-ci"),
        pytest.param("u75_cvd_prev", "persons", 32.4, (25.9, 40.1), 30.2,
                     "Label: 32.4 per 100,000 in P, 7% higher than England's 30.2, but similar to England: not a "
                     "significant difference (95% confidence interval 25.9 to 40.1 includes England's value).",
                     id="hastings-higher-but-similar"),
    ],
)
def test_figure_sentence(indicator_id: str, sex: str, value: float, ci: tuple[float, float] | None, england: float,
                         expected: str) -> None:
    lower, upper = ci or (None, None)
    versus = comparison.compare(value, lower_ci=lower, upper_ci=upper, england=england, polarity="lower_is_better"
                                if indicator_id not in ("le_birth", "hle_birth") else "higher_is_better")
    got = pack.figure_sentence(indicator_id, sex, period="P", versus=versus, unit="per 100,000", label="Label")
    assert got == expected


def test_figure_sentence_words_the_publishers_comparison_where_no_interval_is_held() -> None:
    # Tower Hamlets' men (issue 19): "0.4 years fewer" while the panel said similar
    versus = comparison.compare(79.3, lower_ci=None, upper_ci=None, england=79.7, polarity="higher_is_better",
                                published="similar")
    got = pack.figure_sentence("le_birth", "male", period="P", versus=versus, unit="years", label="Label")
    assert got == ("Men here can expect to live 79.3 years (P), 0.4 years fewer than the England average of 79.7, "
                   "but similar to England: not a significant difference at 95% confidence (OHID's published "
                   "comparison).")


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


def test_a_county_pack_says_which_figures_are_approximations(data_dir) -> None:
    """Lancashire (a county): its later life expectancy is the atlas's population-weighted approximation."""
    from geo import derived

    county = pack.build("E10000017", data_dir=data_dir)
    for figure in county.figures:
        rows = indicators.load(figure.indicator_id, level="utla", sex=figure.sex, period=figure.period,
                               data_dir=data_dir)
        approximate = bool(derived.is_approximate(rows.loc[rows["area_code"] == "E10000017", "note"]).any())
        assert ("An approximation" in figure.sentence) is approximate, figure.sentence
    assert any("An approximation" in f.sentence for f in county.figures)


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


def test_the_packs_map_outline_holds_every_small_area_it_draws(data_dir) -> None:
    import shapely

    made = pack.build("E09000030", data_dir=data_dir)  # Tower Hamlets: its outline once left out the Isle of Dogs
    assert len(made.lsoas) > 100
    assert shapely.covers(made.outline, made.lsoas.geometry.to_numpy()).all()
