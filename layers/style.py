"""Colour schemes: sequential palettes oriented by polarity, comparison colours, status styles.

Palettes are ColorBrewer sequential schemes marked colour-blind safe (YlOrRd for
indicators with a polarity, Blues for those without). The worse end is always the
darker colour; missing and suppressed areas look different from each other and
from every class, and every class is also named in words in tooltips and legends.
"""

from __future__ import annotations

from dataclasses import dataclass

import branca.colormap as cm

__all__ = ["COMPARISON_COLOURS", "MISSING", "SUPPRESSED", "Scheme", "luminance", "scheme_for", "style_for"]

#: CVD-safe comparison colours (Okabe-Ito blue / yellow / vermillion; neutral blues).
COMPARISON_COLOURS: dict[str, str] = {
    "better": "#0072B2",
    "similar": "#F0E442",
    "worse": "#D55E00",
    "lower": "#C6DBEF",
    "higher": "#08519C",
    "not compared": "#FFFFFF",
}
COMPARISON_LABELS: dict[str, str] = {
    "better": "Better than England (95% CI)",
    "similar": "Similar to England",
    "worse": "Worse than England (95% CI)",
    "higher": "Higher than England (95% CI)",
    "lower": "Lower than England (95% CI)",
    "not compared": "Not compared (no confidence interval)",
}

#: Styles for areas without a value: different fill, and a different outline pattern.
MISSING: dict[str, object] = {"fillColor": "#BDBDBD", "fillOpacity": 0.55, "color": "#737373", "weight": 0.6,
                              "dashArray": "4 3"}
SUPPRESSED: dict[str, object] = {"fillColor": "#FFFFFF", "fillOpacity": 0.9, "color": "#252525", "weight": 1.2,
                                 "dashArray": "1 3"}
_OUTLINE = {"color": "#4D4D4D", "weight": 0.5, "fillOpacity": 0.85}


@dataclass(frozen=True)
class Scheme:
    """Colours for one map: ``colours[i]`` fills class ``i`` (0 = lowest values)."""

    kind: str  # "sequential" or "comparison"
    colours: tuple[str, ...]
    polarity: str

    def colour(self, class_id: int) -> str:
        return self.colours[class_id]


def _sample(name: str, k: int) -> list[str]:
    ramp = getattr(cm.linear, name).scale(0, max(k - 1, 1))
    return [ramp.rgb_hex_str(i) for i in range(k)]


def scheme_for(polarity: str, *, method: str, k: int = 5) -> Scheme:
    """The scheme for an indicator's polarity and a classification method."""
    if method == "england":
        return Scheme("comparison", tuple(COMPARISON_COLOURS.values()), polarity)
    # The near-white end of each ramp is skipped: white means "suppressed".
    if polarity == "none":
        colours = _sample("Blues_09", k + 1)[1:]
    else:
        colours = _sample("YlOrRd_09", k + 1)[1:]
        if polarity == "higher_is_better":
            colours = colours[::-1]  # low values are worse, so they get the dark end
    return Scheme("sequential", tuple(colours), polarity)


def style_for(*, class_id: int | None = None, category: str | None = None, status: str = "ok",
              scheme: Scheme) -> dict[str, object]:
    """A Leaflet path style for one area."""
    if status == "suppressed":
        return dict(SUPPRESSED)
    if status != "ok" or (class_id is None and category is None) or category == "missing":
        return dict(MISSING)
    fill = COMPARISON_COLOURS[category] if category is not None else scheme.colour(int(class_id or 0))
    return {**_OUTLINE, "fillColor": fill}


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG) of a ``#rrggbb`` colour: 0 = black, 1 = white."""
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
