"""Class breaks for choropleths and the comparison with England.

Breaks come from mapclassify; the England comparison follows OHID's Fingertips
method: an area is *better* or *worse* when its 95% confidence interval excludes
England's value, *similar* otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import mapclassify
import numpy as np
import pandas as pd

from geo.errors import DataUnavailableError

__all__ = ["Classification", "Method", "classify", "compare_with_england", "format_number", "rank_of"]

Method = Literal["quantiles", "deciles", "natural_breaks", "equal_interval", "decile_values"]

_DESCRIPTIONS = {
    "quantiles": "Quintiles: {k} groups with about the same number of areas",
    "deciles": "Deciles: {k} groups with about the same number of areas",
    "natural_breaks": "Natural breaks (Fisher-Jenks): {k} classes",
    "equal_interval": "Equal intervals: {k} classes of equal width",
    "decile_values": "National deciles: 1 = most deprived 10% of England",
}


@dataclass(frozen=True)
class Classification:
    """Classes for a set of values.

    ``class_id`` is aligned with the input (0 = lowest values, ``<NA>`` where the
    value is missing); ``bins`` are upper bounds; ``labels`` read like "76.4 to 78.9".
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
        return _DESCRIPTIONS[self.method].format(k=self.k)


def format_number(value: float, *, span: float | None = None) -> str:
    """Format a value with as many decimals as its magnitude (or the spread of breaks) needs."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "no data"
    scale = abs(span) if span not in (None, 0) else abs(value)
    if scale >= 1000:
        return f"{value:,.0f}"
    if scale >= 20:
        return f"{value:,.1f}"
    if scale >= 1:
        return f"{value:,.2f}"
    return f"{value:,.3f}"


def classify(values: pd.Series, *, method: str, k: int = 5) -> Classification:
    """Split ``values`` into classes by ``method``.

    Raises
    ------
    DataUnavailableError
        Every value is missing.
    """
    numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    present = numeric.dropna()
    if present.empty:
        raise DataUnavailableError("Every value is missing for this selection, so there is nothing to classify.")
    if method == "decile_values":
        return _fixed_deciles(numeric)
    if method == "deciles":
        k = 10
    note = ""
    unique = present.nunique()
    if unique < k:
        note = f"Only {unique} distinct values, so {unique} classes instead of {k}."
        k = max(unique, 1)
    y = present.to_numpy()
    if k == 1:
        bins = np.array([y.max()])
        yb = np.zeros(len(y), dtype=int)
    else:
        classifier = {
            "quantiles": lambda: mapclassify.Quantiles(y, k=k),
            "deciles": lambda: mapclassify.Quantiles(y, k=k),
            "natural_breaks": lambda: mapclassify.FisherJenks(y, k=k),
            "equal_interval": lambda: mapclassify.EqualInterval(y, k=k),
        }[method]()
        bins, yb = np.asarray(classifier.bins), np.asarray(classifier.yb)
        k = len(bins)
    class_id = pd.Series(pd.NA, index=numeric.index, dtype="Int64")
    class_id.loc[present.index] = yb
    counts = tuple(int((yb == i).sum()) for i in range(k))
    lower = float(y.min())
    span = float(bins[-1] - lower)
    edges = [lower, *bins]
    labels = tuple(f"{format_number(edges[i], span=span)} to {format_number(edges[i + 1], span=span)}" for i in range(k))
    return Classification(method, k, class_id, tuple(float(b) for b in bins), lower, counts, labels, note)


def _fixed_deciles(numeric: pd.Series) -> Classification:
    class_id = (numeric - 1).round().astype("Int64")
    counts = tuple(int((class_id == i).sum()) for i in range(10))
    labels = tuple(f"Decile {i + 1}" + (" (most deprived)" if i == 0 else " (least deprived)" if i == 9 else "")
                   for i in range(10))
    return Classification("decile_values", 10, class_id, tuple(float(i) for i in range(1, 11)), 1.0, counts, labels)


def compare_with_england(
    value: pd.Series,
    lower_ci: pd.Series,
    upper_ci: pd.Series,
    *,
    england_value: float,
    polarity: str,
) -> pd.Series:
    """Categories "better"/"similar"/"worse" (or "higher"/"similar"/"lower" with no polarity).

    Rows with a value but no interval are "not compared"; rows without a value are "missing".
    """
    value = pd.to_numeric(value, errors="coerce")
    lo = pd.to_numeric(lower_ci, errors="coerce")
    hi = pd.to_numeric(upper_ci, errors="coerce")
    above = lo > england_value
    below = hi < england_value
    if polarity == "higher_is_better":
        high, low = "better", "worse"
    elif polarity == "lower_is_better":
        high, low = "worse", "better"
    else:
        high, low = "higher", "lower"
    out = pd.Series("similar", index=value.index, dtype="object")
    out[above.fillna(False)] = high
    out[below.fillna(False)] = low
    out[lo.isna() | hi.isna()] = "not compared"
    out[value.isna()] = "missing"
    return out


def rank_of(values: pd.Series, *, polarity: str) -> pd.Series:
    """Rank 1 = best (ties share the lowest rank); with no polarity, rank 1 = highest value."""
    numeric = pd.to_numeric(values, errors="coerce")
    ascending = polarity == "lower_is_better"
    return numeric.rank(method="min", ascending=ascending).astype("Int64")
