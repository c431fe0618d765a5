"""The Spearhead method's stated rules and its indicator record: one source for the page, the CSV header and the
catalogue.

Kept free of data access so :mod:`geo.ingest.catalogue` can write them into
``data/catalogue.json`` without importing the analysis modules.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CODE_SETS", "FIVE", "RULES", "TITLE", "Criterion", "describe"]


@dataclass(frozen=True)
class Criterion:
    """One indicator of the set: which data, which period and sex, and which way is worse.

    ``stands_for`` names what the 2004 method used when this is a proxy.
    """

    key: str
    label: str
    indicator_id: str
    sex: str
    period: str
    polarity: str
    stands_for: str = ""
    #: Which series was used, official or stand-in, in words (empty when there is no choice).
    series: str = ""
    #: For an official series brought by a refresh: one plain sentence for the page (what, where from, periods).
    official: str = ""
    #: The code sets (vintages) its figures are published on, ", "-joined (empty for an uploaded column).
    published_on: str = ""

TITLE = "Spearhead method (Department of Health, 2004)"

#: The 2004 indicator set: key, label, indicator id (None for IMD: by edition), sex, what a proxy stands for.
FIVE: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("le_male", "Male life expectancy at birth", "le_birth", "male", ""),
    ("le_female", "Female life expectancy at birth", "le_birth", "female", ""),
    ("cancer_u75", "Cancer deaths under 75 (considered preventable)", "u75_cancer_prev", "persons",
     "all cancer deaths under 75"),
    ("cvd_u75", "Heart and stroke deaths under 75 (considered preventable)", "u75_cvd_prev", "persons",
     "all cardiovascular deaths under 75"),
    ("imd", "IMD average score", None, "persons", ""),
)

RULES: tuple[str, ...] = (
    "Ties at the cut-off: areas are ranked from the worst (1 = worst) and tied areas share the "
    "best of their ranks; an area is in the worst fifth when its rank is at most fraction x n "
    "(n = areas with a value), so every area tied with the last one in is in too.",
    "Missing values: an area without a value on an indicator (missing, suppressed, or a merged "
    "area whose parts' values cannot be combined) is left out of that ranking and not counted "
    "as in the worst fifth; it can still qualify on the indicators it holds, and is marked "
    "undecided when only its missing values keep it out. Nothing is estimated.",
)

CODE_SETS = (
    "Each indicator is carried to the chosen code set through the ONS code-change lookups "
    "(geo.codes.reconcile): kept and recoded areas keep their value; merged or split areas get none, "
    "because their parts' values cannot be combined or divided."
)


def describe() -> dict[str, object]:
    """The method as the catalogue's ``methods.spearhead`` entry."""
    return {
        "title": TITLE,
        "indicators": [
            {"key": key, "label": label, "indicator_id": indicator_id or "IMD average score, edition nearest the period",
             "sex": sex, "stands_for": stands_for}
            for key, label, indicator_id, sex, stands_for in FIVE
        ],
        "tie_rule": RULES[0],
        "missing_rule": RULES[1],
        "code_sets": CODE_SETS,
    }
