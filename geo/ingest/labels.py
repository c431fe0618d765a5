"""Plain labels, descriptions and picker order for the indicator catalogue.

The build modules name indicators for analysts ("IMD 2019 district rank prop most
deprived 10pc"). The catalogue stage passes each declared :class:`Indicator`
through :func:`relabel`, which writes a short label (at most
:data:`geo.catalogue.LABEL_MAX` characters, for the sidebar) and a one- or
two-sentence description from the indicator's structured fields (edition,
domain, measure, source) plus the small :data:`OVERRIDES` table, and through
:func:`order_key`, which puts each group's headline indicator first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from geo.catalogue import GROUPS, Indicator

__all__ = ["OVERRIDES", "PRIORITY", "order_key", "relabel"]


@dataclass(frozen=True)
class _Domain:
    name: str  # in labels
    what: str  # what it measures, for the description
    district_name: str = ""  # in district labels, where ``name`` is too long for the rank labels


#: IoD domain key (as in geo.ingest.imd indicator ids) -> plain names, in picker order.
_DOMAINS: dict[str, _Domain] = {
    "imd": _Domain("IMD", "Overall deprivation (the Index of Multiple Deprivation), combining income, "
                   "employment, education, health, crime, barriers to housing and services, and living environment"),
    "idaci": _Domain("IDACI", "The share of children under 16 living in income-deprived families (the Income "
                     "Deprivation Affecting Children Index)"),
    "idaopi": _Domain("IDAOPI", "The share of people aged 60 and over who are income deprived (the Income "
                      "Deprivation Affecting Older People Index)"),
    "income": _Domain("Income", "The share of people on low incomes, out of work or on low earnings"),
    "employment": _Domain("Employment", "The share of working-age people out of work through unemployment, "
                          "sickness, disability or caring"),
    "education": _Domain("Education", "Lack of attainment and skills among children, young people and adults"),
    "children_young_people": _Domain("Young people's education", "How far children and young people fall "
                                     "behind at school and in going on to further study"),
    "adult_skills": _Domain("Adult skills", "The share of adults with few or no qualifications or little "
                            "English"),
    "health": _Domain("Health", "The risk of dying early or of a poorer quality of life through ill health or "
                      "disability"),
    "crime": _Domain("Crime", "The risk of being a victim of violence, burglary, theft or criminal damage"),
    "barriers": _Domain("Barriers", "Barriers to housing and services: how hard it is to reach local "
                        "services and to find or afford a home"),
    "geographical_barriers": _Domain("Distance to services", "Road distance to a GP, a school, a shop and a "
                                     "post office"),
    "wider_barriers": _Domain("Housing barriers", "Overcrowding, homelessness and how affordable homes are"),
    "living_env": _Domain("Living environment", "The quality of homes and of the air and roads "
                          "around them", district_name="Environment"),
    "indoors": _Domain("Indoor environment", "Homes in poor condition or without central heating"),
    "outdoors": _Domain("Outdoor environment", "Air quality and road traffic accidents"),
}


@dataclass(frozen=True)
class _Measure:
    label: str  # "{d}" and "{y}" stand for the domain's name and the edition's year
    what: str  # the measure in the description; {n} is the number of areas ranked


# Ranks read "IMD 2025 rank: average score" (districts ranked by their average score).
_LSOA_MEASURES: dict[str, _Measure] = {
    "decile": _Measure("{d} {y}: decile", "shown as the national decile of each small area (1 = the most "
                       "deprived 10% in England)"),
    "score": _Measure("{d} {y}: score", "shown as the score of each small area (higher is more deprived)"),
    "rank": _Measure("{d} {y}: rank", "shown as the national rank of each small area (1 = the most deprived "
                     "of {n:,})"),
}
_DISTRICT_MEASURES: dict[str, _Measure] = {
    "rank_avg_score": _Measure("{d} {y} rank: average score", "shown as each district's rank on the average "
                               "score of its small areas (1 = the most deprived)"),
    "avg_score": _Measure("{d} {y}: average score", "shown as the population-weighted average score of each "
                          "district's small areas (higher is more deprived)"),
    "prop_most_deprived_10pc": _Measure("{d} {y}: areas in worst 10%", "shown as the share of each district's "
                                        "small areas that are in England's most deprived 10%"),
    "rank_prop_most_deprived_10pc": _Measure("{d} {y} rank: worst 10% areas",
                                             "shown as each district's rank on the share of its small areas in "
                                             "England's most deprived 10% (1 = the highest share)"),
    "extent": _Measure("{d} {y}: people in worst 30%", "shown as the extent: the share of each district's "
                       "people living in England's most deprived 30% of small areas"),
    "rank_extent": _Measure("{d} {y} rank: people in worst 30%",
                            "shown as each district's rank on extent, the share of its people in England's most "
                            "deprived 30% of small areas (1 = the most deprived)"),
    "local_concentration": _Measure("{d} {y}: local concentration", "shown as the local concentration: how "
                                    "deprived each district's most deprived areas, home to a tenth of its people, "
                                    "are (higher is more deprived)"),
    "rank_local_concentration": _Measure("{d} {y} rank: local concentration", "shown as each district's rank "
                                         "on local concentration, how deprived its most deprived areas are (1 = "
                                         "the most deprived)"),
    "avg_rank": _Measure("{d} {y}: average rank", "shown as the population-weighted average rank of each "
                         "district's small areas, reversed so that higher is more deprived"),
    "rank_avg_rank": _Measure("{d} {y} rank: average rank", "shown as each district's rank on the average rank "
                              "of its small areas (1 = the most deprived)"),
    "scale": _Measure("{d} {y}: people deprived", "shown as the scale: the number of people in each district "
                      "who are deprived (it grows with population)"),
    "rank_scale": _Measure("{d} {y} rank: people deprived", "shown as each district's rank on the number of "
                           "people deprived (1 = the most people)"),
}
_LSOA_COUNT = {"2004": 32482, "2007": 32482, "2010": 32482, "2015": 32844, "2019": 32844, "2025": 33755}

#: indicator id -> (label, description) written by hand where the structured fields say too little.
OVERRIDES: dict[str, tuple[str, str]] = {
    "le_birth": ("Life expectancy", "How many years a newborn would live on average if the area's death rates "
                 "over three years stayed the same all their life. Published by the Office for National "
                 "Statistics and OHID (Fingertips)."),
    "hle_birth": ("Healthy life expectancy", "How many years a newborn could expect to live in very good or "
                  "good health. Published by the Office for National Statistics and OHID (Fingertips)."),
    "le_birth_1618": ("Life expectancy 2016-18 (first issued)", "Life expectancy at birth for 2016-18 as the "
                      "Office for National Statistics first published it, with 95% confidence intervals."),
    "le_birth_1yr": ("Life expectancy (single year)", "Life expectancy at birth worked out from one year of "
                     "deaths instead of three. Published by the Office for National Statistics."),
    "le_birth_hi": ("Life expectancy (Health Index)", "Life expectancy at birth for everyone, as the Office "
                    "for National Statistics uses it in its Health Index."),
    "sii_le": ("Life expectancy gap within the area", "The gap in years between the most and least deprived "
               "parts of the area (the slope index of inequality): a bigger gap means more inequality. "
               "Published by OHID (Fingertips)."),
    "infant_mortality": ("Infant deaths", "Deaths of babies under one year old for every 1,000 live births. "
                         "Published by the Office for National Statistics."),
    "mortality_all_cause_hi": ("Deaths from all causes (Health Index)", "Deaths from all causes per 100,000 "
                               "people, age-standardised, as the Office for National Statistics uses them in its "
                               "Health Index."),
    "mortality_avoidable_hi": ("Avoidable deaths (Health Index)", "Deaths that prevention or timely treatment "
                               "could have avoided, per 100,000 people, age-standardised, as the Office for "
                               "National Statistics uses them in its Health Index."),
    "u75_prev": ("Preventable deaths under 75", "Deaths under 75 from causes considered preventable, per 100,000 "
                 "people, age-standardised. Published by OHID (Fingertips)."),
    "u75_cvd_prev": ("Preventable heart & stroke deaths <75", "Deaths under 75 from heart disease and stroke "
                     "considered preventable, per 100,000 people, age-standardised. Published by OHID "
                     "(Fingertips)."),
    "u75_cancer_prev": ("Preventable cancer deaths under 75", "Deaths under 75 from cancers considered "
                        "preventable, per 100,000 people, age-standardised. Published by OHID (Fingertips)."),
    "iod19_air_quality": ("Air quality 2019", "A combined measure of modelled nitrogen dioxide, benzene, sulphur "
                          "dioxide and particulate levels (higher is worse air). Published by MHCLG in the English "
                          "Indices of Deprivation 2019."),
    "iod19_cidr": ("Illness and disability ratio 2019", "Work-limiting illness and disability from benefit "
                   "claims, compared with England (about 100) after allowing for age and sex. Published by MHCLG "
                   "in the English Indices of Deprivation 2019."),
    "iod19_dist_gp": ("Road distance to a GP 2019", "Average road distance from homes to the nearest GP surgery. "
                      "Published by MHCLG in the English Indices of Deprivation 2019."),
    "iod19_dist_school": ("Road distance to a primary school 2019", "Average road distance from homes to the "
                          "nearest primary school. Published by MHCLG in the English Indices of Deprivation 2019."),
    "iod19_yppl": ("Years of life lost before 75 (2019)", "Years of life lost through deaths before 75, allowing "
                   "for age and sex. Published by MHCLG in the English Indices of Deprivation 2019."),
    "epc_band_c_plus": ("Homes rated energy band C or better", "The share of homes with an Energy Performance "
                        "Certificate that are rated band C or better. Published by the Office for National "
                        "Statistics from certificate data."),
    "epc_median_score": ("Home energy efficiency (median score)", "The middle Energy Performance Certificate "
                         "score of homes with a certificate (1-100; band C starts at 69). Published by the Office "
                         "for National Statistics from certificate data."),
    "fuel_poverty": ("Fuel poverty 2020", "The share of households on a low income living in a home rated energy "
                     "band D or below (the low income, low energy efficiency definition). Published by the "
                     "Department for Business, Energy and Industrial Strategy."),
    "fuel_poverty_lilee_2019": ("Fuel poverty 2019", "The share of households on a low income living in a home "
                                "rated energy band D or below. Published by the Department for Business, Energy "
                                "and Industrial Strategy."),
    "fuel_poverty_lihc": ("Fuel poverty 2012-18 (old definition)", "The share of households with a low income "
                          "and high fuel costs (the low income, high costs definition used 2012-18). Published by "
                          "the Department of Energy and Climate Change and its successors."),
    "fuel_poverty_10pc": ("Fuel poverty 2010-11 (10% definition)", "The share of households that would need to "
                          "spend more than 10% of their income on fuel to keep warm. Published by the Department "
                          "of Energy and Climate Change."),
    "iod19_affordability": ("Housing affordability 2019", "How hard it is to buy or rent a home on local incomes "
                            "(a modelled score; higher is less affordable). Published by MHCLG in the English "
                            "Indices of Deprivation 2019."),
    "iod19_homelessness": ("Homelessness 2019", "Households the council accepted as homeless, per 1,000 "
                           "households. Published by MHCLG in the English Indices of Deprivation 2019."),
    "iod19_no_central_heating": ("Homes without central heating 2011", "The share of homes without central "
                                 "heating at the 2011 Census. Published by MHCLG in the English Indices of "
                                 "Deprivation 2019."),
    "iod19_overcrowding": ("Overcrowded households 2011", "The share of households with too little space for "
                           "their needs at the 2011 Census. Published by MHCLG in the English Indices of "
                           "Deprivation 2019."),
    "iod19_poor_condition": ("Homes in poor condition 2019", "The modelled share of homes that fail the Decent "
                             "Homes standard. Published by MHCLG in the English Indices of Deprivation 2019."),
    "overcrowding_census21": ("Overcrowded households 2021", "The share of households with fewer bedrooms than "
                              "they need, from the 2021 Census. Published by the Office for National Statistics."),
    "imd2019_imd_area_avg_score": ("IMD 2019: average score (PCT/SHA)", "How deprived the area is overall: the "
                                   "population-weighted average IMD 2019 score of its small areas, worked out by "
                                   "the atlas for NHS areas with MHCLG's method. From the English Indices of "
                                   "Deprivation 2019, published by MHCLG."),
    "imd2019_imd_area_prop10": ("IMD 2019: areas in worst 10% (PCT/SHA)", "The share of the area's small areas "
                                "in England's most deprived 10% on the IMD 2019, worked out by the atlas for NHS "
                                "areas. From the English Indices of Deprivation 2019, published by MHCLG."),
    "imd2004_imd_area_prop10": ("IMD 2004: areas in worst 10%, pre-2009", "The share of each pre-2009 district's "
                                "small areas in England's most deprived 10% on the IMD 2004, worked out by the "
                                "atlas. From the English Indices of Deprivation 2004, published by the Office of "
                                "the Deputy Prime Minister."),
}

#: Indicator ids that open their group, in this order; the rest follow by :func:`order_key`.
PRIORITY: tuple[str, ...] = (
    "le_birth", "hle_birth", "sii_le",
    "u75_prev", "u75_cvd_prev", "u75_cancer_prev", "infant_mortality",
    "fuel_poverty", "overcrowding_census21",
    "pop_total", "pop_0_4", "pop_0_4_share", "pop_0_15", "pop_0_15_share", "pop_65_plus", "pop_65_plus_share",
)

#: Who published each edition of the English Indices of Deprivation (the department's name at the time).
_IOD_PUBLISHER = {
    "2004": "the Office of the Deputy Prime Minister",
    **dict.fromkeys(("2007", "2010", "2015"), "the Department for Communities and Local Government"),
    **dict.fromkeys(("2019", "2025"), "the Ministry of Housing, Communities and Local Government"),
}
_IOD_ID = re.compile(r"^imd(?P<year>\d{4})_(?P<rest>.+)$")


def _parse(indicator_id: str) -> tuple[str, str, str, bool] | None:
    """(year, domain, measure, district) of an IoD indicator id such as ``imd2025_imd_la_avg_score``."""
    m = _IOD_ID.match(indicator_id)
    if m is None:
        return None
    rest = m["rest"]
    for domain in sorted(_DOMAINS, key=len, reverse=True):
        if rest.startswith(domain + "_"):
            measure = rest[len(domain) + 1 :]
            if measure.startswith("la_") and measure[3:] in _DISTRICT_MEASURES:
                return m["year"], domain, measure[3:], True
            if measure in _LSOA_MEASURES:
                return m["year"], domain, measure, False
    return None


def _publisher_sentence(ind: Indicator) -> str:
    publisher, year = ind.source.publisher, ind.edition.removeprefix("IoD")
    if publisher.startswith("Ministry of Housing") and year in _IOD_PUBLISHER:
        return f"From the English Indices of Deprivation {year}, published by {_IOD_PUBLISHER[year]}."
    if publisher.startswith("humaniverse"):
        return (f"Worked out by the R package IMD (humaniverse, British Red Cross) from the English Indices of "
                f"Deprivation {year}, published by {_IOD_PUBLISHER[year]}.")
    if year in _IOD_PUBLISHER and "IoD" in publisher:
        copy = publisher.split(", from")[0]
        return (f"From the English Indices of Deprivation {year}, published by {_IOD_PUBLISHER[year]}, "
                f"as copied by {copy}.")
    return f"Published by {publisher}."


def _iod(ind: Indicator, year: str, domain: str, measure: str, *, district: bool) -> tuple[str, str]:
    dom = _DOMAINS[domain]
    spec = (_DISTRICT_MEASURES if district else _LSOA_MEASURES)[measure]
    label = spec.label.format(d=(dom.district_name or dom.name) if district else dom.name, y=year)
    what = spec.what.format(n=_LSOA_COUNT.get(year, 0))
    return label, f"{dom.what}, {what}. {_publisher_sentence(ind)}"


def relabel(ind: Indicator) -> Indicator:
    """``ind`` with a plain ``short_title`` and ``description``; every other field unchanged."""
    if ind.indicator_id in OVERRIDES:
        label, description = OVERRIDES[ind.indicator_id]
    elif (parsed := _parse(ind.indicator_id)) is not None:
        year, domain, measure, district = parsed
        label, description = _iod(ind, year, domain, measure, district=district)
    else:
        label = ind.short_title or ind.title
        description = ind.description
        if ind.source.publisher.split(" (")[0] not in description:
            description = f"{description} {_publisher_sentence(ind)}"
    return replace(ind, short_title=label, description=description)


_DOMAIN_ORDER = tuple(_DOMAINS)
_MEASURE_ORDER = (*_LSOA_MEASURES, *_DISTRICT_MEASURES)


def order_key(ind: Indicator) -> tuple[int, int, int, int, int, str]:
    """Sort key: group, then :data:`PRIORITY`, then IoD edition (latest first), domain and headline measure.

    ``ui.map`` offers the first indicator of a group held at the level, so the key puts
    the latest IMD headline (IoD2025 decile for small areas, rank of average score for
    districts) at the top of "Deprivation".
    """
    group = GROUPS.index(ind.group) if ind.group in GROUPS else len(GROUPS)
    priority = PRIORITY.index(ind.indicator_id) if ind.indicator_id in PRIORITY else len(PRIORITY)
    year = int(ind.edition.removeprefix("IoD")) if ind.edition.removeprefix("IoD").isdigit() else 0
    parsed = _parse(ind.indicator_id)
    if parsed is None:
        return group, priority, -year, len(_DOMAIN_ORDER), len(_MEASURE_ORDER), ind.indicator_id
    _, domain, measure, _ = parsed
    return group, priority, -year, _DOMAIN_ORDER.index(domain), _MEASURE_ORDER.index(measure), ind.indicator_id
