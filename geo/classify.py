"""Class breaks for choropleths, ranks, number formats, and the comparison with England.

Classes are half-open and their labels say so: a class runs from its first value
up to, but not including, the first value of the next class ("75.1 to under
79.3"); the last class includes its top value ("83.5 to 86.1"); a class holding a
single value is labelled with that value ("0.0%"). Numbers are written at the
precision of the data (life expectancy to 1 decimal place, ranks to none) and
0-1 proportions as percentages.

Quantile methods make groups *by rank* that never split tied values: ``k`` groups
whenever there are ``k`` distinct values, as equal in size as the ties allow. When
ties make the groups unequal, ``note`` names the tied values and the counts.

The England comparison follows OHID's Fingertips method: an area is *better* or
*worse* when its confidence interval excludes England's value, *similar* when the
interval includes it; at 95% (``method="england"``) or 99.8% (``"england_998"``).

Examples
--------
>>> c = classify(pd.Series([70.2, 75.4, 80.1, 81.0, None]), method="quantiles", k=3)
>>> c.class_id.tolist()
[0, 1, 2, 2, <NA>]
>>> c.labels
('70.2', '75.4', '80.1 to 81.0')
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from geo.errors import DataUnavailableError, ValidationError

__all__ = [
    "Classification",
    "Comparison",
    "ENGLAND_LEVELS",
    "METHOD_DESCRIPTIONS",
    "Method",
    "NumberFormat",
    "classify",
    "compare_with_england",
    "decimals_for",
    "display_unit",
    "format_number",
    "format_value",
    "method_drawn",
    "number_format",
    "rank_label",
    "rank_labels",
    "rank_of",
]

#: How to class values. ``"england"`` and ``"england_998"`` are the comparison with England
#: (:func:`compare_with_england`), not a set of breaks; ``"decile_values"`` is for
#: values that already are national deciles 1-10 (e.g. IMD deciles).
Method = Literal["quantiles", "deciles", "natural_breaks", "equal_interval", "england", "england_998", "decile_values"]
Polarity = Literal["higher_is_better", "lower_is_better", "none"]
Comparison = Literal["better", "similar", "worse", "higher", "lower", "not compared", "missing"]

METHOD_DESCRIPTIONS: Final[dict[str, str]] = {
    "quantiles": "Quantiles ({k} groups by rank)",
    "deciles": "Deciles ({k} groups by rank)",
    "natural_breaks": "Natural breaks (Fisher-Jenks, {k} classes)",
    "equal_interval": "Equal intervals ({k} classes of equal width)",
    "decile_values": "Deciles as published (1 = most deprived 10% of small areas in England)",
}
#: What the map draws for ``method="england"``.
ENGLAND_DESCRIPTION: Final = "Compared with England (95% confidence)"
#: The methods that compare with England, and the confidence level (%) of the intervals each tests.
ENGLAND_LEVELS: Final[dict[str, float]] = {"england": 95.0, "england_998": 99.8}
_QUANTILE_NAMES: Final = {3: "Tertiles", 4: "Quartiles", 5: "Quintiles"}
_MAX_K: Final = 10
# Fisher-Jenks is O(k n^2) in pure Python here (no numba): above this many values
# the breaks come from evenly spaced order statistics, which keep the distribution.
_JENKS_SAMPLE: Final = 400
# Groups by rank are an exact optimisation over at most this many distinct values;
# more are first gathered into about half as many runs (ties never split).
_MAX_RUNS: Final = 1000
_MAX_DATA_DECIMALS: Final = 3
_DECILE_ENDS: Final = {0: "1 = most deprived 10%", 9: "10 = least deprived 10%"}


# ---------------------------------------------------------------- numbers in words
@dataclass(frozen=True)
class NumberFormat:
    """How one indicator's numbers are written.

    Attributes
    ----------
    decimals : int
        Decimal places, after scaling.
    scale : float
        100 for a 0-1 proportion shown as a percentage, else 1.
    unit : str
        The unit as shown, e.g. "years" or "% of LSOAs"; a unit starting with "%"
        puts a "%" after every number.
    """

    decimals: int = 1
    scale: float = 1.0
    unit: str = ""

    @property
    def percent(self) -> bool:
        return self.unit.startswith("%")

    def number(self, value: object, *, decimals: int | None = None) -> str:
        """ "79.3", "2.5%", "1,234"; "no data" when missing."""
        if _is_missing(value):
            return "no data"
        text = format_number(float(value) * self.scale, decimals=self.decimals if decimals is None else decimals)  # type: ignore[arg-type]
        return f"{text}%" if self.percent else text

    def value(self, value: object) -> str:
        """The number with its unit: "79.3 years", "2.5% of LSOAs"; "no data" when missing."""
        text = self.number(value)
        if text == "no data" or not self.unit or self.unit == "%":
            return text
        return f"{text}{self.unit[1:]}" if self.percent else f"{text} {self.unit}"


def display_unit(unit: str, *, value_type: str = "") -> tuple[str, float]:
    """The unit as shown and the scale to apply: 0-1 proportions become percentages.

    >>> display_unit("proportion of LSOAs (0-1)", value_type="proportion")
    ('% of LSOAs', 100.0)
    >>> display_unit("% of households", value_type="proportion")
    ('% of households', 1.0)
    """
    if value_type != "proportion" or unit.lstrip().startswith("%"):
        return unit, 1.0
    shown = re.sub(r"\s*\(0-1\)", "", unit).strip()
    if not shown:  # a proportion with no unit given (an uploaded column): "%", never "% ()"
        return "%", 100.0
    shown = re.sub(r"^proportion\b", "%", shown) if shown.startswith("proportion") else f"% ({shown})"
    return shown, 100.0


def number_format(values: pd.Series | None = None, *, value_type: str = "", unit: str = "") -> NumberFormat:
    """The format for an indicator's ``values``: their own precision, percentages for 0-1 proportions.

    Decimals are the fewest (up to 3) that write every value exactly; values held
    to full precision get 1 decimal place (none from 1,000 up, 3 below 1), and
    percentages 1.
    """
    shown, scale = display_unit(unit, value_type=value_type)
    numeric = pd.Series(dtype="float64") if values is None else pd.to_numeric(values, errors="coerce").astype("float64")
    v = numeric[np.isfinite(numeric)].to_numpy() * scale
    if value_type in ("decile", "rank", "count") or (v.size and bool(np.all(v % 1 == 0))):
        return NumberFormat(0, scale, shown)
    for d in range(1, _MAX_DATA_DECIMALS + 1):
        if v.size and bool(np.all(np.abs(np.round(v, d) - v) <= 1e-9 * np.maximum(1.0, np.abs(v)))):
            return NumberFormat(d, scale, shown)
    if not v.size:
        return NumberFormat(1, scale, shown)
    return NumberFormat(1 if scale != 1.0 or shown.startswith("%") else _decimals_for(float(np.median(np.abs(v)))), scale, shown)


def format_number(value: float | None, *, decimals: int | None = None) -> str:
    """A value as text: thousands separators, and decimals suited to its magnitude.

    Whole numbers (ranks, counts) get none; other values get one decimal place from
    1 upwards, three below 1, and none from 1,000 upwards. Missing is "no data".
    """
    if _is_missing(value):
        return "no data"
    value = float(value)  # type: ignore[arg-type]
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


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


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


# ---------------------------------------------------------------- classes
@dataclass(frozen=True, eq=False)
class Classification:
    """Classes for a set of values.

    Attributes
    ----------
    class_id : pd.Series
        ``Int64``, aligned with the values classified: 0 = lowest values, ``<NA>``
        where the value is missing.
    breaks : tuple of float
        The ``k - 1`` values where classes 1 to ``k - 1`` start: class ``i`` holds
        values from ``breaks[i - 1]`` up to, not including, ``breaks[i]``.
    lower, upper : float
        The smallest and largest values.
    counts : tuple of int
        Areas in each class.
    labels : tuple of str
        Each class in words, e.g. ``"76.4 to under 78.9"``; never two alike.
    note : str
        Why there are fewer classes than asked for, why they are unequal, or how
        breaks were computed; empty when there is nothing to say.
    fmt : NumberFormat
        How the labels write numbers (use it for England's value and tooltips too).
    """

    method: str
    k: int
    class_id: pd.Series
    breaks: tuple[float, ...]
    lower: float
    upper: float
    counts: tuple[int, ...]
    labels: tuple[str, ...]
    note: str = ""
    fmt: NumberFormat = NumberFormat()

    @property
    def bins(self) -> tuple[float, ...]:
        """Upper edges of the classes: ``(*breaks, upper)`` (exclusive, except the last)."""
        return (*self.breaks, self.upper)

    @property
    def description(self) -> str:
        """The method in words, e.g. "Quintiles (5 groups by rank)"."""
        if self.k == 1:
            return "One class: every area with a value has the same value"
        text = METHOD_DESCRIPTIONS[self.method].format(k=self.k)
        if self.method == "quantiles" and self.k in _QUANTILE_NAMES:
            text = text.replace("Quantiles", _QUANTILE_NAMES[self.k], 1)
        return text


def classify(
    values: pd.Series, *, method: Method | str, k: int = 5, value_type: str = "", unit: str = ""
) -> Classification:
    """Split ``values`` into ``k`` classes by ``method``.

    Parameters
    ----------
    values : pd.Series
        Numbers; missing values get no class.
    method : {"quantiles", "deciles", "natural_breaks", "equal_interval", "decile_values"}
        ``"quantiles"`` and ``"deciles"`` make groups by rank that never split ties;
        ``"deciles"`` always asks for 10; ``"decile_values"`` uses the values
        themselves (1-10) as the classes.
    k : int
        Classes wanted, 2 to 10. Fewer are made when there are fewer distinct
        values (``note`` says so).
    value_type, unit : str
        The indicator's (:class:`geo.catalogue.Indicator`), for the labels'
        format: 0-1 proportions are written as percentages.

    Raises
    ------
    DataUnavailableError
        Every value is missing.
    ValidationError
        ``decile_values`` given something other than whole numbers 1-10.
    ValueError
        An unknown method, ``"england"`` or ``"england_998"`` (use :func:`compare_with_england`), or ``k``
        outside 2-10.
    """
    if method in ENGLAND_LEVELS:
        raise ValueError(f"method={method!r} compares with England's value: call compare_with_england(), not classify().")
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
        return _decile_values(numeric, present, unit=unit)
    fmt = number_format(present, value_type=value_type, unit=unit)
    if method == "deciles":
        k = 10
    y = present.to_numpy()
    notes: list[str] = []
    unique = int(np.unique(y).size)
    breaks: np.ndarray
    if unique == 1:
        notes.append(f"All {len(y)} areas with a value have the same value, so there is one class.")
        yb, breaks = np.zeros(len(y), dtype=int), np.array([])
    else:
        if unique < k:
            notes.append(f"Only {unique} distinct values, so {unique} classes instead of {k}.")
            k = unique
        if method == "equal_interval":
            fmt, breaks = _equal_breaks(y, k=k, fmt=fmt)
            yb = np.searchsorted(breaks, y, side="right")
        else:
            yb = _rank_groups(y, k=k) if method in ("quantiles", "deciles") else _jenks_groups(y, k=k, notes=notes)
            breaks = np.array([y[yb == i].min() for i in range(1, k)])
    n_classes = len(breaks) + 1
    counts = tuple(int(n) for n in np.bincount(yb, minlength=n_classes))
    if method in ("quantiles", "deciles") and n_classes > 1 and max(counts) - min(counts) > 1:
        notes.append(_unequal_note(y, counts, fmt=fmt))
    class_id = pd.Series(pd.NA, index=numeric.index, dtype="Int64")
    class_id[present.index] = yb
    lower, upper = float(y.min()), float(y.max())
    if method == "equal_interval":
        fmt, labels = _interval_labels([lower, *breaks.tolist(), upper], fmt=fmt)
    else:
        fmt, labels = _class_labels(y, yb, n_classes, fmt=fmt)
    return Classification(
        method=method,
        k=n_classes,
        class_id=class_id,
        breaks=tuple(float(b) for b in breaks),
        lower=lower,
        upper=upper,
        counts=counts,
        labels=labels,
        note=" ".join(notes),
        fmt=fmt,
    )


def _rank_groups(y: np.ndarray, *, k: int) -> np.ndarray:
    """Class of each value: ``k`` groups by rank, ties kept together, sizes as near ``n / k`` as ties allow.

    The cuts between distinct values minimise the summed squared differences
    between the group sizes and ``n / k`` (dynamic programming), so a value shared
    by many areas becomes one group and the other values are still split ``k - 1``
    ways. With many distinct values and no large ties, each cut simply goes to the
    edge between distinct values nearest its ideal rank ``i * n / k``.
    """
    values, inverse, sizes = np.unique(y, return_inverse=True, return_counts=True)
    value_class = None
    if len(values) > _MAX_RUNS:
        edges = np.cumsum(sizes)[:-1]  # rank where each distinct value after the first starts
        ideal = np.arange(1, k) * len(y) / k
        after = np.clip(np.searchsorted(edges, ideal), 1, len(edges) - 1)
        nearest = np.where(np.abs(edges[after - 1] - ideal) <= np.abs(edges[after] - ideal), after - 1, after)
        if bool(np.all(np.abs(edges[nearest] - ideal) <= len(y) / (4 * k))) and bool(np.all(np.diff(nearest) > 0)):
            value_class = np.searchsorted(nearest + 1, np.arange(len(values)), side="right")
    if value_class is None:
        value_class = _balanced_runs(sizes, k=k)
    return np.asarray(value_class[inverse], dtype=int)


def _balanced_runs(sizes: np.ndarray, *, k: int) -> np.ndarray:
    """Class of each distinct value (with ``sizes`` areas each), minimising the squared gaps to ``n / k``."""
    starts = _runs(sizes)  # index into the distinct values where each run starts
    run_sizes = np.add.reduceat(sizes, starts)
    m, target = len(run_sizes), sizes.sum() / k
    cum = np.concatenate([[0.0], np.cumsum(run_sizes)])
    cost = np.full(m + 1, np.inf)
    cost[1:] = (cum[1:] - target) ** 2
    back = np.zeros((k, m + 1), dtype=int)
    size = cum[None, :] - cum[:, None]  # size[t, i]: runs t..i-1 as one group
    invalid = np.tril(np.ones((m + 1, m + 1), dtype=bool))  # t >= i
    for j in range(1, k):
        total = cost[:, None] + (size - target) ** 2
        total[invalid] = np.inf
        back[j] = np.argmin(total, axis=0)
        cost = total[back[j], np.arange(m + 1)]
    cuts, i = [], m
    for j in range(k - 1, 0, -1):
        i = int(back[j][i])
        cuts.append(i)
    return np.searchsorted(starts[sorted(cuts)], np.arange(len(sizes)), side="right")


def _runs(sizes: np.ndarray) -> np.ndarray:
    """Starts of runs of consecutive distinct values: each value alone, or about 2% of a group when there are many."""
    if len(sizes) <= _MAX_RUNS:
        return np.arange(len(sizes))
    chunk = sizes.sum() / (_MAX_RUNS // 2)  # about _MAX_RUNS / 2 runs, each tie whole: 2% of a decile or less
    starts, filled = [0], 0.0
    for i, n in enumerate(sizes):
        if filled and filled + n > chunk:
            starts.append(i)
            filled = 0.0
        filled += n
    return np.asarray(starts)


def _jenks_groups(y: np.ndarray, *, k: int, notes: list[str]) -> np.ndarray:
    """Class of each value by Fisher-Jenks natural breaks (on a sample when there are many values)."""
    sample = np.sort(y)
    if sample.size > _JENKS_SAMPLE:
        sample = sample[np.linspace(0, sample.size - 1, _JENKS_SAMPLE).round().astype(int)]
        notes.append(f"Natural breaks computed from {_JENKS_SAMPLE} evenly spaced values of {y.size}.")
    if np.unique(sample).size < k:  # heavy ties: break on the distinct values instead
        sample = np.unique(y)
        if sample.size > _JENKS_SAMPLE:
            sample = sample[np.linspace(0, sample.size - 1, _JENKS_SAMPLE).round().astype(int)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "numba not installed"
        # mapclassify pulls in scipy, matplotlib and scikit-learn (about a second): only natural breaks need it.
        import mapclassify

        bins = np.asarray(mapclassify.FisherJenks(sample, k=k).bins, dtype="float64")
    bins[-1] = y.max()  # guard against float drift, so every value falls in a class
    yb = np.searchsorted(bins, y, side="left")
    used = np.unique(yb)
    return np.asarray(np.searchsorted(used, yb), dtype=int)  # no empty classes


def _equal_breaks(y: np.ndarray, *, k: int, fmt: NumberFormat) -> tuple[NumberFormat, np.ndarray]:
    """``k - 1`` equally spaced breaks, rounded to the labels' precision so labels and classes agree."""
    lower, upper = float(y.min()), float(y.max())
    raw = lower + (upper - lower) * np.arange(1, k) / k
    for decimals in range(fmt.decimals, 7):
        breaks = np.round(raw * fmt.scale, decimals) / fmt.scale
        edges = np.concatenate([[lower], breaks, [upper]])
        if bool(np.all(np.diff(edges) > 0)):
            return NumberFormat(decimals, fmt.scale, fmt.unit), breaks
    return NumberFormat(6, fmt.scale, fmt.unit), raw


def _interval_labels(edges: list[float], *, fmt: NumberFormat) -> tuple[NumberFormat, tuple[str, ...]]:
    fmt = _distinct(edges, fmt)
    text = [fmt.number(e) for e in edges]
    last = len(edges) - 2
    return fmt, tuple(f"{text[i]} to {'' if i == last else 'under '}{text[i + 1]}" for i in range(len(edges) - 1))


def _class_labels(y: np.ndarray, yb: np.ndarray, k: int, *, fmt: NumberFormat) -> tuple[NumberFormat, tuple[str, ...]]:
    """Labels from each class's own values: "first to under next first"; the last "first to top"; one value alone."""
    lows = [float(y[yb == i].min()) for i in range(k)]
    highs = [float(y[yb == i].max()) for i in range(k)]
    fmt = _distinct([*lows, highs[-1]], fmt)
    labels = []
    for i in range(k):
        if lows[i] == highs[i]:
            labels.append(fmt.number(lows[i]))
        else:
            end = highs[i] if i == k - 1 else lows[i + 1]
            labels.append(f"{fmt.number(lows[i])} to {'' if i == k - 1 else 'under '}{fmt.number(end)}")
    return fmt, tuple(labels)


def _distinct(edges: list[float], fmt: NumberFormat) -> NumberFormat:
    """``fmt`` with more decimals, if needed, so that different edges never read the same."""
    decimals = fmt.decimals
    while decimals < 6 and len({NumberFormat(decimals, fmt.scale, fmt.unit).number(e) for e in edges}) < len(set(edges)):
        decimals += 1
    return NumberFormat(decimals, fmt.scale, fmt.unit)


def _unequal_note(y: np.ndarray, counts: tuple[int, ...], *, fmt: NumberFormat) -> str:
    """Why groups by rank differ in size, e.g. "... the 183 areas at 0.0%"."""
    ordered, k = np.sort(y), len(counts)
    values, sizes = np.unique(y, return_counts=True)
    tied = {
        float(ordered[p]) for p in (round(i * len(y) / k) for i in range(1, k)) if 0 < p < len(y) and ordered[p - 1] == ordered[p]
    }
    text = f"{k} groups of unequal size ({'/'.join(f'{c:,}' for c in counts)} areas): areas with the same value stay in one group"
    if not tied:
        return text + "."
    worst = max(tied, key=lambda v: int(sizes[np.searchsorted(values, v)]))
    return text + f", e.g. the {int(sizes[np.searchsorted(values, worst)]):,} areas at {fmt.number(worst)}."


def _decile_values(numeric: pd.Series, present: pd.Series, *, unit: str) -> Classification:
    bad = present[(present % 1 != 0) | (present < 1) | (present > 10)]
    if not bad.empty:
        raise ValidationError(
            f"method='decile_values' expects whole numbers 1-10; got {bad.iloc[0]!r} "
            f"and {len(bad) - 1} other values outside that. Use method='deciles' to make deciles from the values."
        )
    class_id = (numeric - 1).astype("Int64")
    counts = tuple(int((class_id == i).sum()) for i in range(10))
    labels = tuple(_DECILE_ENDS.get(i, str(i + 1)) for i in range(10))
    return Classification(
        "decile_values", 10, class_id, tuple(float(i) for i in range(2, 11)), 1.0, 10.0, counts, labels,
        fmt=NumberFormat(0, 1.0, unit),
    )


def method_drawn(
    method: str, *, value_type: str = "", has_ci: bool = True, england_value: float | None = None, period: str = "",
    has_ci_99_8: bool = True,
) -> tuple[str, str]:
    """The method the map can draw when ``method`` is asked for, and why it differs ("" when it does not).

    Deciles as published are drawn as they are; "england" needs confidence intervals and
    an England value, "england_998" also a 99.8% interval for some area (``has_ci_99_8``);
    without them the map falls back to quantiles.

    >>> method_drawn("england", has_ci=False, england_value=79.3)[0]
    'quantiles'
    """
    if value_type == "decile":
        why = "" if method == "decile_values" else "These values are published deciles, so they are shown as they are."
        return "decile_values", why
    if method in ENGLAND_LEVELS:
        at = "" if method == "england" else " at 99.8%"
        missing = [] if has_ci else ["no confidence intervals"]
        if has_ci and at and not has_ci_99_8:
            missing = [f"no 99.8% confidence intervals{f' for {period}' if period else ''} (its source publishes 95% "
                       "ones at most, and no counts are held to compute 99.8% ones from)"]
        if _is_missing(england_value):
            missing.append(f"no England value{f' for {period}' if period else ''}")
        if missing:
            reason = " and ".join(missing)
            return "quantiles", f"This indicator has {reason}, so it cannot be compared with England{at}; showing quintiles instead."
    return method, ""


# ---------------------------------------------------------------- England and ranks
def compare_with_england(
    value: pd.Series,
    lower_ci: pd.Series,
    upper_ci: pd.Series,
    *,
    england_value: float | None,
    polarity: Polarity | str,
) -> pd.Series:
    """Each area against England, by its confidence interval (the Fingertips method).

    The intervals may be at 95% (the map's comparison) or 99.8%: Fingertips offers both,
    and :func:`geo.intervals.compare_at` passes the level's own limits.

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
