"""Colours and path styles: class palettes by polarity, England comparison, missing and suppressed.

Palette choice
--------------
Classes use ColorBrewer sequential schemes (Cynthia Brewer, colorbrewer2.org,
Apache-2.0; the hex values ship with branca): **YlOrRd** for indicators with a
polarity and **Blues** for those without. ColorBrewer rates its sequential schemes
safe for colour-blind readers, and their lightness rises steadily from one end to
the other, so the order of the classes survives greyscale printing and
photocopying. The near-white first colour of each scheme is dropped (a
``k``-class map uses the ``k + 1``-class scheme without its lightest colour) so
that no class can be mistaken for the white of a suppressed area; ColorBrewer stops
at 9 classes, so 9 and 10 classes are interpolated between the 9-class colours.

The *worse* end is always the darker colour: for ``higher_is_better`` the lowest
values are darkest, for ``lower_is_better`` the highest; with no polarity light
means low and dark means high.

The England comparison uses the Okabe-Ito colour-blind-safe set (blue = better,
yellow = similar, vermillion = worse) in place of Fingertips' green/amber/red, and
three ColorBrewer blues for lower/similar/higher when an indicator has no polarity.

Missing areas are hatched light grey with a dashed outline; suppressed areas are
white with a dark dotted outline. Colour is never the only cue: tooltips and the
legend always name the class or status in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd
from branca.utilities import color_brewer

from geo.classify import ENGLAND_LEVELS

__all__ = [
    "COMPARISON_COLOURS",
    "COMPARISON_LABELS",
    "HATCH_ID",
    "MISSING_STYLE",
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "SUPPRESSED_STYLE",
    "Scheme",
    "comparison_label",
    "decile_colours",
    "hatch_svg",
    "luminance",
    "scheme_for",
    "style_for",
    "swatch_css",
]

Style = dict[str, object]

#: Okabe-Ito (better / similar / worse) and ColorBrewer Blues (lower / similar / higher).
COMPARISON_COLOURS: Final[dict[str, dict[str, str]]] = {
    "polarity": {"better": "#0072B2", "similar": "#F0E442", "worse": "#D55E00", "not compared": "#D9D9D9"},
    "none": {"lower": "#9ECAE1", "similar": "#4292C6", "higher": "#08519C", "not compared": "#D9D9D9"},
}
COMPARISON_LABELS: Final[dict[str, str]] = {
    "better": "Better than England (95% confidence)",
    "similar": "Similar to England",
    "worse": "Worse than England (95% confidence)",
    "higher": "Higher than England (95% confidence)",
    "lower": "Lower than England (95% confidence)",
    "not compared": "Not compared (no confidence interval)",
}
STATUS_LABELS: Final[dict[str, str]] = {
    "missing": "No data",
    "suppressed": "Suppressed (numbers too small to publish)",
}

#: The SVG pattern that hatches missing areas (see :func:`hatch_svg`).
HATCH_ID: Final = "hga-hatch-missing"
_MISSING_FILL: Final = "#F0F0F0"
_HATCH_STROKE: Final = "#8C8C8C"

_OUTLINE: Final[Style] = {"color": "#595959", "weight": 0.5, "opacity": 1.0, "fillOpacity": 0.85, "dashArray": None}
#: Plain CSS colours of the status fills (the map hatches missing areas over its colour).
STATUS_COLOURS: Final[dict[str, str]] = {"missing": _MISSING_FILL, "suppressed": "#FFFFFF"}
#: Hatched light grey (plain light grey where SVG patterns are unavailable), dashed grey outline.
MISSING_STYLE: Final[Style] = {
    "fillColor": f"url(#{HATCH_ID}) {_MISSING_FILL}",
    "fillOpacity": 0.9,
    "color": "#737373",
    "weight": 0.8,
    "opacity": 1.0,
    "dashArray": "4 3",
}
#: White with a dark dotted outline.
SUPPRESSED_STYLE: Final[Style] = {
    "fillColor": STATUS_COLOURS["suppressed"],
    "fillOpacity": 0.95,
    "color": "#1A1A1A",
    "weight": 1.6,
    "opacity": 1.0,
    "dashArray": "1 4",
}


@dataclass(frozen=True)
class Scheme:
    """The colours of one map.

    ``kind`` is "sequential" (``colours[i]`` fills class ``i``, 0 = lowest values)
    or "comparison" (``categories`` maps each England-comparison category to a colour).
    """

    kind: Literal["sequential", "comparison"]
    polarity: str
    colours: tuple[str, ...] = ()
    categories: tuple[tuple[str, str], ...] = ()
    #: The confidence level (%) a comparison scheme's categories were tested at (95 or 99.8).
    level: float = 95.0

    def label(self, category: str) -> str:
        """A comparison category in words at the scheme's level (:func:`comparison_label`)."""
        return comparison_label(category, level=self.level)

    def colour(self, key: int | str) -> str:
        """The fill for class ``key`` (sequential) or category ``key`` (comparison)."""
        if self.kind == "comparison":
            lookup = dict(self.categories)
            if key not in lookup:
                raise ValueError(f"Expected an England-comparison category ({', '.join(lookup)}); got {key!r}.")
            return lookup[str(key)]
        if isinstance(key, str) or not 0 <= int(key) < len(self.colours):
            raise ValueError(f"Expected a class id from 0 to {len(self.colours) - 1}; got {key!r}.")
        return self.colours[int(key)]


def scheme_for(polarity: str, *, method: str, k: int = 5) -> Scheme:
    """The colours for an indicator's ``polarity`` and a classification ``method``.

    ``method="england"`` (or ``"england_998"``, at 99.8%) gives the comparison colours;
    any other method ``k`` sequential colours with the worse end darkest.
    """
    if polarity not in ("higher_is_better", "lower_is_better", "none"):
        raise ValueError(f"Unknown polarity {polarity!r}; expected higher_is_better, lower_is_better or none.")
    if method in ENGLAND_LEVELS:
        colours = COMPARISON_COLOURS["none" if polarity == "none" else "polarity"]
        return Scheme("comparison", polarity, categories=tuple(colours.items()), level=ENGLAND_LEVELS[method])
    if not 1 <= k <= 10:
        raise ValueError(f"Expected 1 to 10 classes; got k={k}.")
    ramp = _ramp("Blues" if polarity == "none" else "YlOrRd", k)
    if polarity == "higher_is_better":
        ramp = ramp[::-1]  # low values are worse, so they get the dark end
    return Scheme("sequential", polarity, colours=tuple(ramp))


def comparison_label(category: str, *, level: float = 95.0) -> str:
    """A comparison category in words at ``level``: "Worse than England (99.8% confidence)".

    At 95% the words are :data:`COMPARISON_LABELS`; at 99.8% every category names the level.
    """
    if level == 95.0 or category not in COMPARISON_LABELS:
        return COMPARISON_LABELS.get(category, category)
    at = f"{level:g}%"
    if category == "not compared":
        return f"Not compared (no {at} confidence interval)"
    if category == "similar":
        return f"Similar to England ({at} confidence)"
    return COMPARISON_LABELS[category].replace("(95% confidence)", f"({at} confidence)")


def decile_colours() -> tuple[str, ...]:
    """Fill of deprivation deciles 1-10 (1 = most deprived, darkest), as on the app's maps."""
    return scheme_for("higher_is_better", method="decile_values", k=10).colours


def _ramp(name: str, k: int) -> list[str]:
    """``k`` colours from light to dark, without the scheme's near-white end."""
    if k + 1 <= 9:
        return [c.upper() for c in color_brewer(name, max(k + 1, 3))[1 : k + 1]]
    anchors = np.array([_rgb(c) for c in color_brewer(name, 9)[1:]])
    at = np.linspace(0, len(anchors) - 1, k)
    channels = [np.interp(at, np.arange(len(anchors)), anchors[:, i]) for i in range(3)]
    return ["#{:02X}{:02X}{:02X}".format(*(round(ch[j] * 255) for ch in channels)) for j in range(k)]


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``: 0 = black, 1 = white."""
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_colour)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _is_missing(key: object) -> bool:
    return key is None or key is pd.NA or (isinstance(key, float) and np.isnan(key))


def style_for(key: int | str | None, *, scheme: Scheme) -> Style:
    """A Leaflet path style for one area.

    Parameters
    ----------
    key : int, str or None
        A class id (sequential schemes), an England-comparison category
        (comparison schemes), or a status: "missing" (also ``None``/``<NA>``) or
        "suppressed".

    Examples
    --------
    >>> s = scheme_for("lower_is_better", method="quantiles", k=5)
    >>> style_for(4, scheme=s)["fillColor"] == s.colours[4]
    True
    >>> style_for("suppressed", scheme=s)["dashArray"]
    '1 4'
    """
    if _is_missing(key) or key == "missing":
        return dict(MISSING_STYLE)
    if key == "suppressed":
        return dict(SUPPRESSED_STYLE)
    if isinstance(key, (int, np.integer, str)):
        return {**_OUTLINE, "fillColor": scheme.colour(key)}
    raise ValueError(f"Expected a class id, a comparison category or a status; got {key!r}.")


def swatch_css(key: int | str, *, scheme: Scheme) -> str:
    """Inline CSS for a legend swatch that looks like the map's fill and outline for ``key``."""
    if key == "missing":
        return (
            f"background:repeating-linear-gradient(45deg,{_HATCH_STROKE} 0 1.5px,{_MISSING_FILL} 1.5px 5px);"
            f"border:1px dashed {MISSING_STYLE['color']}"
        )
    if key == "suppressed":
        return f"background:{SUPPRESSED_STYLE['fillColor']};border:2px dotted {SUPPRESSED_STYLE['color']}"
    return f"background:{scheme.colour(key)};border:1px solid {_OUTLINE['color']}"


def hatch_svg() -> str:
    """A hidden ``<svg>`` defining the hatch pattern that :data:`MISSING_STYLE` fills with.

    The pattern must be in the page for the hatch to show; without it the fill
    falls back to plain light grey.
    """
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" aria-hidden="true" '
        'style="position:absolute;width:0;height:0;overflow:hidden"><defs>'
        f'<pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{_MISSING_FILL}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{_HATCH_STROKE}" stroke-width="2"/>'
        "</pattern></defs></svg>"
    )
