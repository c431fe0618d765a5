"""An area against England: the one rule, and the one set of words, every page uses to compare.

The rule is OHID Fingertips' (:func:`geo.classify.compare_with_england`, which also
colours the map's "compared with England" view): an area is *better* or *worse*
than England (*higher* or *lower* for an indicator with no polarity) when its 95%
confidence interval excludes England's value, and *similar* when the interval
includes it. Where the interval is not held but the publisher gives its own
comparison by that rule (OHID's Fingertips does for life expectancy and
preventable deaths; the build keeps it in the row's ``note``), its verdict is used
and the words say it is the publisher's. Where neither is held nothing is tested,
and the words say so rather than let a difference in the numbers pass for a
significant one.

:func:`compare` applies the rule to one value; :meth:`Versus.short` (a list such
as the map panel) and :meth:`Versus.sentence` (the pack, the one-page summary, the
command line) write it. A sentence may give the difference as a number ("7%
higher than England's 30.2"); its verdict then follows from the interval, never
from the number.

Examples
--------
>>> v = compare(32.4, lower_ci=25.9, upper_ci=40.1, england=30.2, polarity="lower_is_better")
>>> v.verdict, v.short()
('similar', 'similar to England (not significantly different at 95% confidence)')
>>> compare(215.0, lower_ci=None, upper_ci=None, england=145.8, polarity="lower_is_better").short()
'not tested: no confidence interval is held'
>>> compare(161.6, lower_ci=None, upper_ci=None, england=145.8, polarity="lower_is_better",
...         published=published_verdict("compared with England (Fingertips, 95% CI): similar")).verdict
'similar'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

from geo.classify import compare_with_england

__all__ = ["PHRASES", "PUBLISHED_NOTE", "SIGNIFICANT", "Verdict", "Versus", "compare", "difference",
           "note_without_verdict", "published_verdict"]

#: What an area is against England. "no interval": a value without a confidence
#: interval; "no England value": England's figure is not held; "missing": no value.
Verdict = Literal["better", "similar", "worse", "higher", "lower", "no interval", "no England value", "missing"]

#: The words for each verdict, in every sentence and list that compares with England.
PHRASES: Final[dict[str, str]] = {
    "better": "better than England",
    "similar": "similar to England",
    "worse": "worse than England",
    "higher": "higher than England",
    "lower": "lower than England",
    "no interval": "no confidence interval is held",
    "no England value": "England's value is not held",
    "missing": "not available",
}
#: The verdicts that say the difference is significant at 95% confidence.
SIGNIFICANT: Final = frozenset({"better", "worse", "higher", "lower"})
#: How the build writes a publisher's own comparison in a row's note (geo/ingest/health.py, Fingertips files).
PUBLISHED_NOTE: Final = "compared with England (Fingertips, 95% CI): "
_PUBLISHED = re.compile(re.escape(PUBLISHED_NOTE) + r"(better|similar|worse|higher|lower)\b")
_BY_PUBLISHER: Final = "OHID's published comparison"


def published_verdict(note: str | None) -> str | None:
    """The publisher's own comparison with England in a row's note ("worse"), or ``None``."""
    found = _PUBLISHED.search(note or "")
    return found.group(1) if found else None


def note_without_verdict(note: str | None) -> str:
    """A row's note less the publisher's comparison (which :func:`compare` words), e.g. for the map panel."""
    parts = [p.strip() for p in (note or "").split(";")]
    return "; ".join(p for p in parts if p and not _PUBLISHED.match(p))


def _number(value: float | None) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _fmt(value: float) -> str:
    return f"{value:,.1f}"


@dataclass(frozen=True)
class Versus:
    """One value against England's, with the verdict of :func:`compare`."""

    verdict: Verdict
    value: float | None
    england: float | None
    lower_ci: float | None
    upper_ci: float | None
    polarity: str
    #: "interval" (the area's confidence interval was tested), "published" (the publisher's own test), or "".
    basis: Literal["interval", "published", ""] = ""
    #: The confidence level of the interval tested, in percent: 95, or 99.8 (Fingertips' two levels).
    level: float = 95.0

    @property
    def phrase(self) -> str:
        """The verdict's words, e.g. "similar to England"."""
        return PHRASES[self.verdict]

    @property
    def tested(self) -> bool:
        """Whether the area's interval was tested against England's value."""
        return self.verdict in SIGNIFICANT or self.verdict == "similar"

    def _reason(self) -> str:
        """Why the verdict: "95% confidence interval 25.9 to 40.1 includes England's value", or who tested it."""
        if self.basis == "published":
            return _BY_PUBLISHER
        lo, hi = self.lower_ci, self.upper_ci
        assert lo is not None and hi is not None and self.england is not None
        where = f"{self.level:g}% confidence interval {_fmt(lo)} to {_fmt(hi)}"
        if self.verdict == "similar":
            return f"{where} includes England's value"
        return f"{where}, wholly {'above' if lo > self.england else 'below'} England's value"

    def short(self) -> str:
        """The verdict for a list such as the map panel, e.g. "worse than England (95% confidence)"."""
        by = ", as published by OHID" if self.basis == "published" else ""
        if self.verdict in SIGNIFICANT:
            return f"{self.phrase} (significant at {self.level:g}% confidence{by})"
        if self.verdict == "similar":
            return f"{self.phrase} (not significantly different at {self.level:g}% confidence{by})"
        if self.verdict == "missing":
            return self.phrase
        return f"not tested: {self.phrase}"

    def sentence(self, difference: str = "") -> str:
        """The verdict as the end of a sentence, after ``difference`` (e.g. "7% higher than England's 30.2").

        The verdict and its reason always come with it, so a difference in the numbers
        never reads as a significant one when the interval says otherwise.
        """
        lead = difference.strip()
        at = f" at {self.level:g}% confidence" if self.basis == "published" else ""
        if self.verdict in SIGNIFICANT:
            verdict = f"{self.phrase}{at} ({self._reason()})"
            return f"{lead}: {verdict}" if lead else verdict
        if self.verdict == "similar":
            verdict = f"{self.phrase}: not a significant difference{at} ({self._reason()})"
            return f"{lead}, but {verdict}" if lead else verdict
        if self.verdict == "no interval":
            why = f"{self.phrase}, so we cannot say whether the difference is significant"
            return f"{lead}; {why}" if lead else f"not tested against England: {why}"
        if self.verdict == "no England value":
            return f"{lead} ({self.phrase})" if lead else f"not compared: {self.phrase}"
        return f"{lead}; {self.phrase}" if lead else self.phrase


def compare(value: float | None, *, lower_ci: float | None, upper_ci: float | None, england: float | None,
            polarity: str, published: str | None = None, level: float = 95.0) -> Versus:
    """One area's value against England's, by its confidence interval (the Fingertips rule).

    Parameters
    ----------
    value, lower_ci, upper_ci
        The area's value and its interval (``None`` or NaN when not held).
    england
        England's value for the same period and sex (``None`` when not held).
    polarity
        ``"higher_is_better"``, ``"lower_is_better"`` or ``"none"`` (higher / similar / lower).
    published
        The publisher's own verdict by the same rule (:func:`published_verdict`), used only
        when the interval is not held; it is at 95%, so it is not used at another level.
    level
        The level of ``lower_ci``/``upper_ci`` in percent: 95 (default) or 99.8, Fingertips'
        two levels (:func:`geo.intervals.compare_at` compares whole columns at either).
    """
    v, lo, hi, eng = _number(value), _number(lower_ci), _number(upper_ci), _number(england)
    verdict: Verdict
    basis: Literal["interval", "published", ""] = ""
    if v is None:
        verdict = "missing"
    elif eng is None:
        verdict = "no England value"
    elif lo is not None and hi is not None:
        found = str(compare_with_england(pd.Series([v]), pd.Series([lo]), pd.Series([hi]), england_value=eng,
                                         polarity=polarity).iloc[0])
        verdict, basis = found, "interval"  # type: ignore[assignment]
    elif level == 95.0 and (published in SIGNIFICANT or published == "similar"):
        verdict, basis = published, "published"  # type: ignore[assignment]
    else:
        verdict = "no interval"
    return Versus(verdict, v, eng, lo, hi, polarity, basis, float(level))


def difference(value: float, england: float, *, unit: str = "") -> str:
    """The difference from England's value in words (arithmetic on the published values, not a test).

    Years are given in years ("2.8 years fewer than England's 79.7"), percentages in
    percentage points, anything else as a share of England's value ("7% higher than
    England's 30.2").
    """
    if unit == "years":
        diff = value - england
        if round(diff, 1) == 0:
            return f"the same as England's {_fmt(england)}"
        years = "year" if round(abs(diff), 1) == 1 else "years"
        return f"{_fmt(abs(diff))} {years} {'more' if diff > 0 else 'fewer'} than England's {_fmt(england)}"
    if unit.startswith("%"):
        diff = value - england
        if round(diff, 1) == 0:
            return f"the same as England's {_fmt(england)}%"
        points = "percentage point" if round(abs(diff), 1) == 1 else "percentage points"
        return f"{_fmt(abs(diff))} {points} {'higher' if diff > 0 else 'lower'} than England's {_fmt(england)}%"
    ratio = value / england if england else float("nan")
    if not math.isfinite(ratio):
        return f"against England's {_fmt(england)}"
    if round(ratio, 2) == 1:
        return f"about the same as England's {_fmt(england)}"
    return f"{abs(ratio - 1):.0%} {'higher' if ratio > 1 else 'lower'} than England's {_fmt(england)}"
