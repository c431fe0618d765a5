"""Class breaks for choropleths, ranks, and the comparison with England.

Breaks come from mapclassify. The England comparison follows OHID's Fingertips
method: an area is *better* or *worse* when its 95% confidence interval excludes
England's value, *similar* when the interval includes it.

Examples
--------
>>> c = classify(pd.Series([70.2, 75.4, 80.1, None]), method="quantiles", k=3)
>>> c.class_id.tolist()
[0, 1, 2, <NA>]
>>> c.labels
('70.2 to 73.7', '73.7 to 77.0', '77.0 to 80.1')
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Final, Literal

import mapclassify
import numpy as np
import pandas as pd

from geo.errors import DataUnavailableError, ValidationError

__all__ = [
    "Classification",
    "Comparison",
    "METHOD_DESCRIPTIONS",
    "Method",
    "classify",
    "compare_with_england",
    "decimals_for",
    "format_number",
    "format_value",
    "rank_label",
    "rank_labels",
    "rank_of",
]

#: How to class values. ``"england"`` is the comparison with England
#: (:func:`compare_with_england`), not a set of breaks; ``"decile_values"`` is for
#: values that already are national deciles 1-10 (e.g. IMD deciles).
Method = Literal["quantiles", "deciles", "natural_breaks", "equal_interval", "england", "decile_values"]
Polarity = Literal["higher_is_better", "lower_is_better", "none"]
Comparison = Literal["better", "similar", "worse", "higher", "lower", "not compared", "missing"]

METHOD_DESCRIPTIONS: Final[dict[str, str]] = {
    "quantiles": "Quantiles ({k} classes of roughly equal count)",
    "deciles": "Deciles ({k} classes of roughly equal count)",
    "natural_breaks": "Natural breaks (Fisher-Jenks, {k} classes)",
    "equal_interval": "Equal intervals ({k} classes of equal width)",
    "decile_values": "Deciles as published (1 = most deprived 10% of England)",
}
_QUANTILE_NAMES: Final = {3: "Tertiles", 4: "Quartiles", 5: "Quintiles"}
_MAX_K: Final = 10
# Fisher-Jenks is O(k n^2) in pure Python here (no numba): above this many values
# the breaks come from evenly spaced order statistics, which keep the distribution.
_JENKS_SAMPLE: Final = 400


@dataclass(frozen=True, eq=False)
class Classification:
    """Classes for a set of values.

    Attributes
    ----------
    class_id : pd.Series
        ``Int64``, aligned with the values classified: 0 = lowest values, ``<NA>``
        where the value is missing.
    bins : tuple of float
        Upper bound of each class (inclusive); ``bins[-1]`` is the maximum.
    lower : float
        The minimum value, the lower bound of class 0.
    counts : tuple of int
        Areas in each class.
    labels : tuple of str
        Each class's range in words, e.g. ``"76.4 to 78.9"``.
    note : str
        Why there are fewer classes than asked for, or how breaks were computed;
        empty when there is nothing to say.
    """

    method: str
    k: int
    class_id: pd.Series
    bins: tuple[float, ...]
    lower: float
    counts: tuple[int, ...]
    labels: tuple[str, ...]
    note: str = ""

    @property
    def description(self) -> str:
        """The method in words, e.g. "Quintiles (5 classes of roughly equal count)"."""
        text = METHOD_DESCRIPTIONS[self.method].format(k=self.k)
        if self.method == "quantiles" and self.k in _QUANTILE_NAMES:
            text = text.replace("Quantiles", _QUANTILE_NAMES[self.k], 1)
        if self.k == 1:
            return "One class: every area with a value has the same value"
        return text


def classify(values: pd.Series, *, method: Method | str, k: int = 5) -> Classification:
    """Split ``values`` into ``k`` classes by ``method``.

    Parameters
    ----------
    values : pd.Series
        Numbers; missing values get no class.
    method : {"quantiles", "deciles", "natural_breaks", "equal_interval", "decile_values"}
        ``"deciles"`` always makes 10 classes; ``"decile_values"`` uses the values
        themselves (1-10) as the classes.
    k : int
        Classes wanted, 2 to 10. Fewer are made when there are fewer distinct
        values (``note`` says so).

    Raises
    ------
    DataUnavailableError
        Every value is missing.
    ValidationError
        ``decile_values`` given something other than whole numbers 1-10.
    ValueError
        An unknown method, ``"england"`` (use :func:`compare_with_england`), or ``k`` outside 2-10.
    """
    if method == "england":
        raise ValueError("method='england' compares with England's value: call compare_with_england(), not classify().")
    if method not in METHOD_DESCRIPTIONS:
        raise ValueError(f"Unknown classification method {method!r}; expected one of {', '.join(METHOD_DESCRIPTIONS)}.")
    if not 2 <= k <= _MAX_K:
        raise ValueError(f"Expected between 2 and {_MAX_K} classes; got k={k}.")
    numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    numeric = numeric.where(np.isfinite(numeric))
    present = numeric.dropna()
    if present.empty:
        raise DataUnavailableError(
            f"Every value is missing for this selection ({len(values)} areas), so there is nothing to classify. "
            "Choose another period, sex or boundary set."
        )
    if method == "decile_values":
        return _decile_values(numeric, present)
    if method == "deciles":
        k = 10
    y = present.to_numpy()
    notes: list[str] = []
    unique = int(np.unique(y).size)
    if unique == 1:
        notes.append(f"All {len(y)} areas with a value have the same value, so there is one class.")
        bins = np.array([y[0]])
    else:
        if unique < k:
            notes.append(f"Only {unique} distinct values, so {unique} classes instead of {k}.")
            k = unique
        bins = _breaks(y, method=method, k=k, notes=notes)
    yb = np.searchsorted(bins, y, side="left")
    if method in ("quantiles", "deciles"):
        bins, yb = _drop_empty(bins, yb, k=k, notes=notes)
    class_id = pd.Series(pd.NA, index=numeric.index, dtype="Int64")
    class_id[present.index] = yb
    lower = float(y.min())
    counts = tuple(int(n) for n in np.bincount(yb, minlength=len(bins)))
    return Classification(
        method=method,
        k=len(bins),
        class_id=class_id,
        bins=tuple(float(b) for b in bins),
        lower=lower,
        counts=counts,
        labels=_range_labels(lower, bins, whole=bool(np.all(y % 1 == 0))),
        note=" ".join(notes),
    )


def _breaks(y: np.ndarray, *, method: str, k: int, notes: list[str]) -> np.ndarray:
    """Upper bounds of ``k`` classes; the last is the maximum."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "numba not installed", tie warnings: handled below
        if method in ("quantiles", "deciles"):
            bins = mapclassify.Quantiles(y, k=k).bins
        elif method == "equal_interval":
            bins = mapclassify.EqualInterval(y, k=k).bins
        else:
            sample = np.sort(y)
            if sample.size > _JENKS_SAMPLE:
                sample = sample[np.linspace(0, sample.size - 1, _JENKS_SAMPLE).round().astype(int)]
                notes.append(f"Natural breaks computed from {_JENKS_SAMPLE} evenly spaced values of {y.size}.")
            if np.unique(sample).size < k:  # heavy ties: break on the distinct values instead
                sample = np.unique(y)
                if sample.size > _JENKS_SAMPLE:
                    sample = sample[np.linspace(0, sample.size - 1, _JENKS_SAMPLE).round().astype(int)]
            bins = mapclassify.FisherJenks(sample, k=k).bins
    bins = np.asarray(bins, dtype="float64")
    bins[-1] = y.max()  # guard against float drift, so every value falls in a class
    return bins


def _drop_empty(bins: np.ndarray, yb: np.ndarray, *, k: int, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Merge away quantile classes that ties left empty (mapclassify keeps them)."""
    counts = np.bincount(yb, minlength=len(bins))
    if counts.all():
        return bins, yb
    keep = counts > 0
    new_id = np.cumsum(keep) - 1
    notes.append(f"Tied values left {int(keep.sum())} classes instead of {k}.")
    return bins[keep], new_id[yb]


def _decile_values(numeric: pd.Series, present: pd.Series) -> Classification:
    bad = present[(present % 1 != 0) | (present < 1) | (present > 10)]
    if not bad.empty:
        raise ValidationError(
            f"method='decile_values' expects whole numbers 1-10; got {bad.iloc[0]!r} "
            f"and {len(bad) - 1} other values outside that. Use method='deciles' to make deciles from the values."
        )
    class_id = (numeric - 1).astype("Int64")
    counts = tuple(int((class_id == i).sum()) for i in range(10))
    labels = tuple(
        f"Decile {i + 1}" + {0: " (most deprived)", 9: " (least deprived)"}.get(i, "") for i in range(10)
    )
    return Classification("decile_values", 10, class_id, tuple(float(i) for i in range(1, 11)), 1.0, counts, labels)


# ---------------------------------------------------------------- numbers in words
def format_number(value: float | None, *, decimals: int | None = None) -> str:
    """A value as text: thousands separators, and decimals suited to its magnitude.

    Whole numbers (ranks, counts) get none; other values get one decimal place from
    1 upwards, three below 1, and none from 1,000 upwards. Missing is "no data".
    """
    if value is None or value is pd.NA or not math.isfinite(float(value)):
        return "no data"
    value = float(value)
    if decimals is None:
        decimals = 0 if value.is_integer() else _decimals_for(value)
    text = f"{value:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text  # no "-0.0"


def format_value(value: float | None, *, unit: str, decimals: int | None = None) -> str:
    """A value with its unit: "79.4 years", "12.5% of households"; missing is "no data"."""
    text = format_number(value, decimals=decimals)
    if text == "no data" or not unit:
        return text
    return f"{text}{unit}" if unit.startswith("%") else f"{text} {unit}"


def _decimals_for(value: float) -> int:
    size = abs(value)
    return 0 if size >= 1000 else 1 if size >= 1 else 3


def decimals_for(values: pd.Series) -> int:
    """Decimal places to show a column of values with: none if all are whole, else as for the median size."""
    numeric = pd.to_numeric(values, errors="coerce").astype("float64").dropna()
    numeric = numeric[np.isfinite(numeric)]
    if numeric.empty or bool((numeric % 1 == 0).all()):
        return 0
    return _decimals_for(float(numeric.abs().median()))


def _range_labels(lower: float, bins: np.ndarray, *, whole: bool) -> tuple[str, ...]:
    """ "76.4 to 78.9" per class: decimals as for the values, more only where edges would merge."""
    edges = [lower, *(float(b) for b in bins)]
    decimals = 0 if whole else _decimals_for(max(edges, key=abs))
    while decimals < 6 and len({format_number(e, decimals=decimals) for e in edges}) < len(set(edges)):
        decimals += 1
    text = [format_number(e, decimals=decimals) for e in edges]
    return tuple(text[i] if text[i] == text[i + 1] else f"{text[i]} to {text[i + 1]}" for i in range(len(bins)))


# ---------------------------------------------------------------- England and ranks
def compare_with_england(
    value: pd.Series,
    lower_ci: pd.Series,
    upper_ci: pd.Series,
    *,
    england_value: float | None,
    polarity: Polarity | str,
) -> pd.Series:
    """Each area against England, by its 95% confidence interval (the Fingertips method).

    Returns "better" / "similar" / "worse" (or "higher" / "similar" / "lower" when
    the indicator has no polarity); "not compared" for a value without an interval
    (or no England value); "missing" for no value. An interval that touches
    England's value counts as similar.
    """
    if polarity not in ("higher_is_better", "lower_is_better", "none"):
        raise ValueError(f"Unknown polarity {polarity!r}; expected higher_is_better, lower_is_better or none.")
    value = pd.to_numeric(value, errors="coerce")
    lo = pd.to_numeric(lower_ci, errors="coerce").reindex(value.index)
    hi = pd.to_numeric(upper_ci, errors="coerce").reindex(value.index)
    high, low = {"higher_is_better": ("better", "worse"), "lower_is_better": ("worse", "better")}.get(
        polarity, ("higher", "lower")
    )
    out = pd.Series("similar", index=value.index, dtype="str")
    if england_value is None or not math.isfinite(float(england_value)):
        out[:] = "not compared"
    else:
        out[(lo > england_value).fillna(False).astype(bool)] = high
        out[(hi < england_value).fillna(False).astype(bool)] = low
        out[(lo.isna() | hi.isna()).astype(bool)] = "not compared"
    out[value.isna().astype(bool)] = "missing"
    return out


def rank_of(values: pd.Series, *, polarity: Polarity | str) -> pd.Series:
    """Rank 1 = best (ties share the lowest rank; missing is ``<NA>``).

    With no polarity, rank 1 is the highest value.
    """
    numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    return numeric.rank(method="min", ascending=polarity == "lower_is_better").astype("Int64")


def rank_label(rank: object, of: int) -> str:
    """ "rank 3 of 296", or "not ranked" for a missing rank."""
    if rank is None or rank is pd.NA or (isinstance(rank, float) and math.isnan(rank)):
        return "not ranked"
    return f"rank {int(rank):,} of {of:,}"  # type: ignore[call-overload]


def rank_labels(values: pd.Series, *, polarity: Polarity | str) -> pd.Series:
    """ "rank N of M" for every value (M = areas with a value), aligned with ``values``."""
    ranks = rank_of(values, polarity=polarity)
    of = int(ranks.notna().sum())
    return pd.Series([rank_label(r, of) for r in ranks], index=values.index, dtype="str")
