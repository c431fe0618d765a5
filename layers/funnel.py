"""The funnel plot as SVG, with its text alternative: :class:`geo.funnel_plot.FunnelPlot` drawn.

Every area's published value against its denominator, inside the 95% (dashed) and
99.8% (solid) control limits round the areas' average (a thin grey line). A point's
shape says where it lies, so the plot reads without colour (:data:`SHAPES`): a hollow
circle within the 95% limits, a hollow triangle between the 95% and 99.8% limits
(pointing up above, down below), a filled triangle beyond the 99.8% limits. Colour
repeats it by polarity (the atlas's colour-blind-safe comparison colours: above is
worse where lower is better). The selected area is a larger marker with its name beside
it. The SVG is one image (``role="img"``) with a ``<title>`` and a ``<desc>`` giving the
counts on each side and the selected area's place; :func:`funnel_table` is the figures
as HTML tables. Every text is escaped.
"""

from __future__ import annotations

import html
import math
from typing import Final

import numpy as np

from geo import funnels
from geo.funnel_plot import FunnelPlot, NoFunnel
from layers.style import COMPARISON_COLOURS

__all__ = ["SHAPES", "funnel_html", "funnel_svg", "funnel_table", "nice_ticks"]

#: The point's shape on each side of the limits.
SHAPES: Final[dict[str, str]] = {
    funnels.HIGH_998: "triangle-up-filled",
    funnels.HIGH_95: "triangle-up",
    funnels.WITHIN: "circle",
    funnels.LOW_95: "triangle-down",
    funnels.LOW_998: "triangle-down-filled",
    funnels.NOT_PLACED: "cross",
}
_INK: Final = "#1A1A1A"
_GREY: Final = "#6B6B6B"
_FONT: Final = "font-family='DejaVu Sans,Arial,sans-serif'"
_W: Final = 360
_LEFT, _RIGHT, _TOP, _BOTTOM = 50.0, 352.0, 16.0, 230.0
_H: Final = 330


def nice_ticks(low: float, high: float, *, count: int = 5) -> list[float]:
    """Round tick values spanning ``low`` to ``high`` (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def _tick_text(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == 0 else f"{value:,.1f}".rstrip("0").rstrip(".")


def _colour(side: str, polarity: str) -> str:
    if polarity == "none":
        palette = COMPARISON_COLOURS["none"]
        return {"high": palette["higher"], "low": palette["lower"]}.get(_direction(side) or "", "#FFFFFF")
    palette = COMPARISON_COLOURS["polarity"]
    good = "low" if polarity == "lower_is_better" else "high"
    direction = _direction(side)
    if direction is None:
        return "#FFFFFF"
    return palette["better"] if direction == good else palette["worse"]


def _direction(side: str) -> str | None:
    return "high" if side in (funnels.HIGH_95, funnels.HIGH_998) else "low" if side in (
        funnels.LOW_95, funnels.LOW_998) else None


def point(shape: str, x: float, y: float, *, colour: str, size: float = 3.6, stroke: float = 1.0) -> str:
    """One point of ``shape`` (:data:`SHAPES`' values): outline only, or filled with ``colour``."""
    s = size
    line = f"stroke='{_INK}' stroke-width='{stroke:g}'"
    if shape == "circle":
        return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{s:.1f}' fill='#FFFFFF' fill-opacity='0.6' {line}/>"
    if shape == "cross":
        return (f"<path d='M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}L{x + s:.1f},"
                f"{y - s:.1f}' {line}/>")
    up = shape.startswith("triangle-up")
    filled = shape.endswith("-filled")
    if not (shape.startswith("triangle-")):
        raise ValueError(f"Unknown point shape {shape!r}; expected one of {', '.join(SHAPES.values())}.")
    k = 1.25 * s
    tip, base = (y - k, y + 0.8 * k) if up else (y + k, y - 0.8 * k)
    fill = colour if filled else "#FFFFFF"
    return (f"<polygon points='{x:.1f},{tip:.1f} {x + k:.1f},{base:.1f} {x - k:.1f},{base:.1f}' fill='{fill}' "
            f"{line}/>")


def _scales(plot: FunnelPlot) -> tuple[tuple[float, float], tuple[float, float]]:
    """The x range (0 to past the largest denominator) and the y range (the points and the limits beside them)."""
    pts = plot.points
    x_max = float(pts["denominator"].max()) * 1.05
    x_min = float(pts["denominator"].min())
    ys = [float(pts["value"].min()), float(pts["value"].max()), plot.funnel.baseline]
    for x, y in plot.lines().values():
        beside = (x >= x_min) & (x <= x_max) & np.isfinite(y)
        ys += [float(y[beside].min()), float(y[beside].max())] if beside.any() else []
    low, high = min(ys), max(ys)
    pad = (high - low) * 0.06 or 1.0
    low = max(0.0, low - pad) if low >= 0 else low - pad
    return (0.0, x_max), (low, high + pad)


def _axes(xr: tuple[float, float], yr: tuple[float, float], plot: FunnelPlot) -> list[str]:
    e = html.escape
    sx = (_RIGHT - _LEFT) / (xr[1] - xr[0])
    sy = (_BOTTOM - _TOP) / (yr[1] - yr[0])
    out = [f"<rect x='{_LEFT}' y='{_TOP}' width='{_RIGHT - _LEFT}' height='{_BOTTOM - _TOP}' fill='#FFFFFF' "
           f"stroke='{_GREY}' stroke-width='1'/>"]
    for t in nice_ticks(*xr):
        x = _LEFT + (t - xr[0]) * sx
        out.append(f"<line x1='{x:.1f}' y1='{_BOTTOM}' x2='{x:.1f}' y2='{_BOTTOM + 4}' stroke='{_GREY}'/>"
                   f"<text x='{x:.1f}' y='{_BOTTOM + 16}' font-size='10' text-anchor='middle' fill='{_INK}' "
                   f"{_FONT}>{e(_tick_text(t))}</text>")
    for t in nice_ticks(*yr):
        y = _BOTTOM - (t - yr[0]) * sy
        out.append(f"<line x1='{_LEFT - 4}' y1='{y:.1f}' x2='{_LEFT}' y2='{y:.1f}' stroke='{_GREY}'/>"
                   f"<text x='{_LEFT - 6}' y='{y + 3.5:.1f}' font-size='10' text-anchor='end' fill='{_INK}' "
                   f"{_FONT}>{e(_tick_text(t))}</text>")
    unit = plot.indicator.unit
    out.append(f"<text x='{(_LEFT + _RIGHT) / 2:.1f}' y='{_BOTTOM + 31}' font-size='11' text-anchor='middle' "
               f"fill='{_INK}' {_FONT}>{e(plot.denominator_label.capitalize())} (denominator)</text>")
    out.append(f"<text transform='translate(12 {(_TOP + _BOTTOM) / 2:.1f}) rotate(-90)' font-size='11' "
               f"text-anchor='middle' fill='{_INK}' {_FONT}>{e(plot.indicator.label[:40])} ({e(unit[:24])})</text>")
    return out


def _limits(xr: tuple[float, float], yr: tuple[float, float], plot: FunnelPlot, clip: str) -> list[str]:
    sx = (_RIGHT - _LEFT) / (xr[1] - xr[0])
    sy = (_BOTTOM - _TOP) / (yr[1] - yr[0])
    out = [f"<g clip-path='url(#{clip})'>"]
    base_y = _BOTTOM - (plot.funnel.baseline - yr[0]) * sy
    out.append(f"<line x1='{_LEFT}' y1='{base_y:.1f}' x2='{_RIGHT}' y2='{base_y:.1f}' stroke='{_GREY}' "
               "stroke-width='1.2'/>")
    for name, (x, y) in plot.lines().items():
        keep = np.isfinite(x) & np.isfinite(y) & (x <= xr[1] * 1.2)
        path = " ".join(f"{_LEFT + (a - xr[0]) * sx:.1f},{_BOTTOM - (b - yr[0]) * sy:.1f}"
                        for a, b in zip(x[keep], y[keep], strict=True))
        dash = " stroke-dasharray='6 4'" if name.endswith("_95") else ""
        out.append(f"<polyline points='{path}' fill='none' stroke='{_INK}' stroke-width='1.4'{dash}/>")
    out.append("</g>")
    return out


def _points(xr: tuple[float, float], yr: tuple[float, float], plot: FunnelPlot) -> list[str]:
    e = html.escape
    sx = (_RIGHT - _LEFT) / (xr[1] - xr[0])
    sy = (_BOTTOM - _TOP) / (yr[1] - yr[0])
    polarity = plot.indicator.polarity
    out, chosen = [], []
    pts = plot.points
    for code, name, value, denominator, side in zip(pts["area_code"], pts["area_name"], pts["value"],
                                                    pts["denominator"], pts["side"], strict=True):
        x, y = _LEFT + (float(denominator) - xr[0]) * sx, _BOTTOM - (float(value) - yr[0]) * sy
        if code == plot.area_code:
            chosen.append((x, y, str(side), str(name)))
            continue
        out.append(point(SHAPES[str(side)], x, y, colour=_colour(str(side), polarity)))
    for x, y, side, name in chosen:  # drawn last, on top, with its name beside it
        out.append(point(SHAPES[side], x, y, colour=_colour(side, polarity), size=7.0, stroke=2.5))
        right = x < _RIGHT - 100
        tx = x + 11 if right else x - 11
        out.append(f"<text x='{tx:.1f}' y='{y - 8:.1f}' font-size='12' font-weight='bold' fill='{_INK}' "
                   f"text-anchor='{'start' if right else 'end'}' stroke='#FFFFFF' stroke-width='3' "
                   f"paint-order='stroke' {_FONT}>{e(name[:30])}</text>")
    return out


def _legend(plot: FunnelPlot) -> list[str]:
    y = _BOTTOM + 52
    out = [f"<line x1='{_LEFT}' y1='{y}' x2='{_LEFT + 26}' y2='{y}' stroke='{_INK}' stroke-width='1.4' "
           "stroke-dasharray='6 4'/>",
           f"<text x='{_LEFT + 32}' y='{y + 4}' font-size='11' fill='{_INK}' {_FONT}>95% limits</text>",
           f"<line x1='{_LEFT + 100}' y1='{y}' x2='{_LEFT + 126}' y2='{y}' stroke='{_INK}' stroke-width='1.4'/>",
           f"<text x='{_LEFT + 132}' y='{y + 4}' font-size='11' fill='{_INK}' {_FONT}>99.8% limits</text>",
           f"<line x1='{_LEFT + 212}' y1='{y}' x2='{_LEFT + 226}' y2='{y}' stroke='{_GREY}' stroke-width='1.2'/>",
           f"<text x='{_LEFT + 230}' y='{y + 4}' font-size='11' fill='{_INK}' {_FONT}>average "
           f"{plot.funnel.baseline:,.1f}</text>"]
    words = ((funnels.WITHIN, "within 95%"), (funnels.HIGH_95, "above 95%"), (funnels.HIGH_998, "above 99.8%"),
             (funnels.LOW_95, "below 95%"), (funnels.LOW_998, "below 99.8%"))
    x = 14.0
    for i, (side, text) in enumerate(words):
        row_y = y + 22 + 20 * (i // 3)
        col_x = x + 116 * (i % 3)
        out.append(point(SHAPES[side], col_x + 6, row_y, colour=_colour(side, plot.indicator.polarity), size=4.5))
        out.append(f"<text x='{col_x + 16}' y='{row_y + 4}' font-size='11' fill='{_INK}' {_FONT}>{text}</text>")
    return out


def _description(plot: FunnelPlot) -> str:
    counts = "; ".join(f"{n} {side}" for side, n in plot.counts().items() if n)
    return (f"{len(plot.points)} areas, each at its value and denominator, round the average of "
            f"{plot.funnel.baseline:,.1f}: {counts}. {plot.sentence()}").strip()


def funnel_svg(plot: FunnelPlot) -> str:
    """The funnel plot as one accessible SVG image (``role="img"``, ``<title>``, ``<desc>``)."""
    e = html.escape
    xr, yr = _scales(plot)
    ident = f"funnel-{plot.indicator.indicator_id}".replace("_", "-")
    clip = f"{ident}-clip"
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' role='img' class='hga-funnel' viewBox='0 0 {_W} {_H}' "
           f"width='100%' style='max-width:{_W}px;height:auto' aria-labelledby='{ident}-t' aria-describedby='{ident}-d'>",
           f"<title id='{ident}-t'>{e(plot.title)}</title><desc id='{ident}-d'>{e(_description(plot))}</desc>",
           f"<defs><clipPath id='{clip}'><rect x='{_LEFT}' y='{_TOP}' width='{_RIGHT - _LEFT}' "
           f"height='{_BOTTOM - _TOP}'/></clipPath></defs>",
           f"<rect width='{_W}' height='{_H}' fill='#FFFFFF'/>"]
    out += _axes(xr, yr, plot)
    out += _limits(xr, yr, plot, clip)
    out += _points(xr, yr, plot)
    out += _legend(plot)
    out.append("</svg>")
    return "".join(out)


def funnel_table(plot: FunnelPlot) -> str:
    """The plot's figures as HTML: the areas on each side of the limits, then every area (the text alternative)."""
    e = html.escape
    sides = "".join(f"<tr><th scope='row'>{e(side)}</th><td>{n}</td></tr>" for side, n in plot.counts().items() if n)
    out = [f"<table class='hga-funnel-sides'><caption>{e(plot.title)}: areas on each side of the limits</caption>"
           f"<thead><tr><th scope='col'>Where the area lies</th><th scope='col'>Areas</th></tr></thead>"
           f"<tbody>{sides}</tbody></table>",
           f"<div class='hga-scroll' role='region' tabindex='0' aria-label='{e(plot.title, quote=True)}: every area' "
           "style='overflow-x:auto;max-height:24em;overflow-y:auto'>",
           f"<table class='hga-funnel-areas'><caption>Every area</caption><thead><tr>"
           f"<th scope='col'>Area</th><th scope='col'>Value ({e(plot.indicator.unit)})</th><th scope='col'>Count</th>"
           f"<th scope='col'>Denominator ({e(plot.denominator_label)})</th><th scope='col'>Where it lies</th>"
           "</tr></thead><tbody>"]
    pts = plot.points.sort_values("area_name")
    for name, value, count, denominator, side in zip(pts["area_name"], pts["value"], pts["count"], pts["denominator"],
                                                     pts["side"], strict=True):
        out.append(f"<tr><th scope='row'>{e(str(name))}</th><td>{float(value):,.1f}</td><td>{float(count):,.0f}</td>"
                   f"<td>{float(denominator):,.0f}</td><td>{e(str(side))}</td></tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def funnel_html(plot: FunnelPlot | NoFunnel) -> str:
    """The plot with a caption (how the limits are made, what is left out) and its tables folded; or the one line why not."""
    e = html.escape
    if isinstance(plot, NoFunnel):
        return f"<p class='hga-no-funnel'>{e(plot.line)}</p>"
    method = (f"Control limits at 95% and 99.8% round the average of all areas (the sum of the counts over the sum "
              f"of the denominators), as OHID's PHEindicatormethods computes them "
              f"({'Wilson score' if plot.statistic == 'proportion' else 'exact Poisson'}).")
    left = " Not placed: " + "; ".join(plot.left_out) + "." if plot.left_out else ""
    return (f"<figure class='hga-funnel-figure'>{funnel_svg(plot)}<figcaption>{e(plot.sentence())} {e(method)}"
            f"{e(left)}</figcaption></figure><details><summary>The figures as a table</summary>"
            f"{funnel_table(plot)}</details>")
