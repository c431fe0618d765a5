"""The series followed against England: indicator records with their targets, and which series stands for each.

A :class:`GapIndicator` is data, not code: which indicator, which sex, which way is
worse, where it is published and its target. The records are life expectancy by sex
(:data:`LIFE_EXPECTANCY`, the 2010 PSA target: a 10% narrowing), under-75 CVD and
cancer mortality (:data:`MORTALITY`, the 2004 targets: 40% and 6% narrowings by 2010
from a 1995-97 baseline) and healthy life expectancy by sex
(:data:`HEALTHY_LIFE_EXPECTANCY`). The gap tracker (:mod:`geo.gap`), years behind
(:mod:`geo.lag`) and the Spearhead method (:mod:`geo.spearhead`) read them here.

**Which series**: the under-75 records name the official all-cause series a refresh
brings (``u75_cvd``, ``u75_cancer``, after ``python -m geo refresh``) and use it when
held; otherwise the bundled "considered preventable" series stands in, and the note
says so (:func:`resolve`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from geo import indicators
from geo._paths import DATA_DIR
from geo.catalogue import load_catalogue
from geo.errors import DataUnavailableError, UploadError

__all__ = [
    "FAMILIES",
    "HEALTHY_LIFE_EXPECTANCY",
    "INDICATORS",
    "LIFE_EXPECTANCY",
    "MORTALITY",
    "GapIndicator",
    "resolve",
    "select",
]


@dataclass(frozen=True)
class GapIndicator:
    """An indicator the tracker follows: which data, which sex, which way is worse, and its target.

    ``narrowing`` by ``target_period`` (empty: the last period held) is the target
    line; ``official_baseline`` the target's own baseline, ``target_text`` the target
    in words. ``level`` is where the values are published; ``official_id`` the
    series to prefer when held (``indicator_id`` then only stands in for it, for
    ``stands_for``). ``chart`` is the gap the page draws: "relative" or "absolute".
    """

    key: str
    indicator_id: str
    sex: str
    polarity: str
    label: str
    narrowing: float = 0.10
    target_period: str = ""
    official_baseline: str = ""
    target_text: str = ""
    level: str = "lad"
    official_id: str = ""
    stands_for: str = ""
    chart: str = "relative"
    unit: str = "years"


LIFE_EXPECTANCY: tuple[GapIndicator, ...] = (
    GapIndicator("le_male", "le_birth", "male", "higher_is_better", "Male life expectancy at birth"),
    GapIndicator("le_female", "le_birth", "female", "higher_is_better", "Female life expectancy at birth"),
)
_2004 = "2004 target: narrow the gap between the Spearhead group and the population as a whole by {:.0%} by 2010, from a 1995-97 baseline"
MORTALITY: tuple[GapIndicator, ...] = (
    GapIndicator("cvd_u75", "u75_cvd_prev", "persons", "lower_is_better", "Under-75 mortality from cardiovascular disease",
                 narrowing=0.40, target_period="2009-11", official_baseline="1995-97", target_text=_2004.format(0.40),
                 official_id="u75_cvd", stands_for="all cardiovascular deaths under 75 (the 2004 target's measure)",
                 chart="absolute", unit="per 100,000"),
    GapIndicator("cancer_u75", "u75_cancer_prev", "persons", "lower_is_better", "Under-75 mortality from cancer",
                 narrowing=0.06, target_period="2009-11", official_baseline="1995-97", target_text=_2004.format(0.06),
                 official_id="u75_cancer", stands_for="all cancer deaths under 75 (the 2004 target's measure)",
                 chart="absolute", unit="per 100,000"),
)
HEALTHY_LIFE_EXPECTANCY: tuple[GapIndicator, ...] = (
    GapIndicator("hle_male", "hle_birth", "male", "higher_is_better", "Male healthy life expectancy at birth",
                 level="utla", target_text="no official target; the line shows a 10% narrowing for scale"),
    GapIndicator("hle_female", "hle_birth", "female", "higher_is_better", "Female healthy life expectancy at birth",
                 level="utla", target_text="no official target; the line shows a 10% narrowing for scale"),
)
#: Every indicator the tracker offers, by key.
INDICATORS: dict[str, GapIndicator] = {g.key: g for g in (*LIFE_EXPECTANCY, *MORTALITY, *HEALTHY_LIFE_EXPECTANCY)}
#: The tracker's indicators in families, as the page offers them.
FAMILIES: dict[str, tuple[str, ...]] = {
    "le": tuple(g.key for g in LIFE_EXPECTANCY),
    "cvd": ("cvd_u75",),
    "cancer": ("cancer_u75",),
    "hle": tuple(g.key for g in HEALTHY_LIFE_EXPECTANCY),
}


def _held(indicator_id: str, *, level: str, sex: str, data_dir: Path) -> bool:
    if indicator_id not in load_catalogue(data_dir):
        return False
    try:
        combos = indicators.periods(indicator_id, level=level, data_dir=data_dir)
    except DataUnavailableError:
        return False
    return bool((combos["sex"] == sex).any())


def resolve(indicator: GapIndicator, *, data_dir: Path = DATA_DIR) -> tuple[GapIndicator, str]:
    """The record with the series actually used, and a note saying which (empty when nothing to say).

    The official series wins when held (``python -m geo refresh`` brings it);
    otherwise the stand-in, said in the note.
    """
    if indicator.official_id and _held(indicator.official_id, level=indicator.level, sex=indicator.sex,
                                       data_dir=data_dir):
        return (replace(indicator, indicator_id=indicator.official_id, stands_for=""),
                f"Series: {indicator.official_id}, the official rate of {indicator.stands_for}, "
                "brought by `python -m geo refresh`.")
    if indicator.stands_for:
        return indicator, (
            f"Series: {indicator.indicator_id} (deaths considered preventable) stands in for {indicator.stands_for}; "
            f"the official series{' ' + indicator.official_id if indicator.official_id else ''} is held only after "
            "`python -m geo refresh`."
        )
    return indicator, ""


def select(names: Sequence[str] | None) -> list[GapIndicator]:
    """Records for CLI names: a key (``le_female``), a family (``cvd``) or an indicator id (``le_birth``, ``u75_cvd``).

    Naming a series pins it: ``u75_cvd_prev`` is used even after a refresh, ``u75_cvd`` must be held.
    """
    if not names:
        return list(INDICATORS.values())
    chosen: list[GapIndicator] = []
    for name in names:
        if name in INDICATORS:
            hits = [INDICATORS[name]]
        elif name in FAMILIES:
            hits = [INDICATORS[k] for k in FAMILIES[name]]
        else:
            hits = [replace(g, official_id="", stands_for=g.stands_for if name == g.indicator_id else "",
                            indicator_id=name)
                    for g in INDICATORS.values() if name in (g.indicator_id, g.official_id)]
        if not hits:
            known = ", ".join([*INDICATORS, *FAMILIES, *dict.fromkeys(
                i for g in INDICATORS.values() for i in (g.indicator_id, g.official_id) if i)])
            raise UploadError(f"Unknown indicator {name!r}; expected one of {known}.")
        chosen += [g for g in hits if g not in chosen]
    return chosen
