"""The spine chart as SVG (Fingertips style) with its text alternative: :class:`geo.spine.Spine` drawn.

One row per indicator: its name above a bar running from England's worst value (left)
to the best (right), the darker middle from the 25th to the 75th percentile, a black
line at England's value and the area's marker. The marker says the comparison with
England three ways, so the chart reads without colour: its colour (the atlas's
colour-blind-safe comparison colours, :data:`layers.style.COMPARISON_COLOURS`), its
shape (:data:`SHAPES`: circle better, diamond similar, square worse, triangles higher
and lower, a hollow ring not compared) and a text column with the value and the word.

The SVG is one image (``role="img"``) named by its ``<title>`` and described by its
``<desc>``; :func:`spine_table` is the same figures as an HTML table, the text
alternative a screen reader can move through. Every text is escaped.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Final

from geo.spine import METHOD, Spine, Vertebra
from layers.style import COMPARISON_COLOURS

__all__ = ["SHAPES", "marker", "spine_html", "spine_svg", "spine_table", "value_text"]

#: The marker's shape for each comparison word.
SHAPES: Final[dict[str, str]] = {
    "better": "circle", "similar": "diamond", "worse": "square", "higher": "triangle-up", "lower": "triangle-down",
    "not compared": "ring",
}
_INK: Final = "#1A1A1A"
_LIGHT: Final = "#D4D4D4"  # the outer quarters of the spread
_DARK: Final = "#8C8C8C"  # the middle half (25th to 75th percentile)
_ROW: Final = 40
_TEXT_W: Final = 140  # the value and word beside each bar
_LABEL_CHARS: Final = 50  # a longer name is cut with "…" (in full in the row's title and the table)
_TOP: Final = 28
_BAR_X: Final = 8
_BAR_H: Final = 12
_FONT: Final = "font-family='DejaVu Sans,Arial,sans-serif'"


def value_text(number: float | None) -> str:
    """A value as the chart writes it: "80.6", "1,273.0", or three decimals below 1 ("0.368")."""
    if number is None:
        return "no value"
    return f"{number:,.3f}" if abs(number) < 1 else f"{number:,.1f}"


def _fill(row: Vertebra) -> str:
    colours = COMPARISON_COLOURS["none" if row.indicator.polarity == "none" else "polarity"]
    return colours.get(row.word, colours["not compared"])


def marker(shape: str, x: float, y: float, *, fill: str, size: float = 7.0) -> str:
    """One marker of ``shape`` (:data:`SHAPES`' values) centred on ``(x, y)``, outlined dark on any fill."""
    s = size
    stroke = f"stroke='{_INK}' stroke-width='1.5'"
    if shape == "circle":
        return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{s:.1f}' fill='{fill}' {stroke}/>"
    if shape == "ring":
        return f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{s - 1:.1f}' fill='#FFFFFF' stroke='{_INK}' stroke-width='2.5'/>"
    if shape == "square":
        return f"<rect x='{x - s + 1:.1f}' y='{y - s + 1:.1f}' width='{2 * s - 2:.1f}' height='{2 * s - 2:.1f}' fill='{fill}' {stroke}/>"
    points = {
        "diamond": ((0, -s - 1), (s + 1, 0), (0, s + 1), (-s - 1, 0)),
        "triangle-up": ((0, -s - 1), (s + 1, s), (-s - 1, s)),
        "triangle-down": ((0, s + 1), (s + 1, -s), (-s - 1, -s)),
    }.get(shape)
    if points is None:
        raise ValueError(f"Unknown marker shape {shape!r}; expected one of {', '.join(sorted(set(SHAPES.values())))}.")
    path = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in points)
    return f"<polygon points='{path}' fill='{fill}' {stroke}/>"


def _period(row: Vertebra) -> str:
    """The row's period after its name, unless the name says it ("Fuel poverty 2020")."""
    return "" if row.period in row.indicator.label else f" <tspan fill='#444444'>({html.escape(row.period)})</tspan>"


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)].rstrip() + "…"


def _x(row: Vertebra, number: float, bar_w: float) -> float:
    return _BAR_X + min(1.0, max(0.0, row.position(number))) * bar_w


def _row_title(row: Vertebra, area_name: str) -> str:
    left, right = row.ends
    unit = f" {row.indicator.unit}" if row.indicator.unit else ""
    england = "England's value is not held" if row.england is None else f"England {value_text(row.england)}"
    return (f"{row.label}, {row.period}: {area_name} {value_text(row.value)}{unit}, {england}; {left} "
            f"{value_text(row.worst)}, 25th percentile {value_text(row.q25)}, 75th percentile "
            f"{value_text(row.q75)}, {right} {value_text(row.best)} ({row.areas} areas); {row.versus.short()}")


def _row(row: Vertebra, top: float, *, area_name: str, bar_w: float) -> list[str]:
    e = html.escape
    mid = top + 22
    xs = [_x(row, v, bar_w) for v in (row.worst, row.q25, row.q75, row.best)]
    out = [f"<g><title>{e(_row_title(row, area_name))}</title>",
           f"<text x='{_BAR_X}' y='{top + 11}' font-size='12' fill='{_INK}' {_FONT}>"
           f"{e(_cut(row.label, _LABEL_CHARS - len(row.period)))}{_period(row)}</text>"]
    for (a, b), colour in zip(((xs[0], xs[1]), (xs[1], xs[2]), (xs[2], xs[3])), (_LIGHT, _DARK, _LIGHT), strict=True):
        out.append(f"<rect x='{min(a, b):.1f}' y='{mid - _BAR_H / 2:.1f}' width='{abs(b - a):.1f}' height='{_BAR_H}' "
                   f"fill='{colour}'/>")
    if row.england is not None:
        ex = _x(row, row.england, bar_w)
        out.append(f"<line x1='{ex:.1f}' y1='{mid - 10:.1f}' x2='{ex:.1f}' y2='{mid + 10:.1f}' stroke='{_INK}' "
                   "stroke-width='2'/>")
    if row.value is not None:
        out.append(marker(SHAPES[row.word], _x(row, row.value, bar_w), mid, fill=_fill(row)))
    said = row.word if row.value is not None else ("suppressed" if row.status == "suppressed" else "")
    out.append(f"<text x='{_BAR_X + bar_w + 10:.1f}' y='{mid + 4:.1f}' font-size='11' fill='{_INK}' {_FONT}>"
               f"{e(value_text(row.value))} <tspan font-weight='bold'>{e(said)}</tspan></text></g>")
    return out


def _legend(top: float, width: int) -> list[str]:
    """Each marker with its word, then the bar's parts and England's line."""
    out = []
    x = float(_BAR_X)
    for word, shape in SHAPES.items():
        fill = COMPARISON_COLOURS["polarity"].get(word) or COMPARISON_COLOURS["none"][word]
        out.append(marker(shape, x + 7, top + 8, fill=fill, size=6))
        out.append(f"<text x='{x + 17:.1f}' y='{top + 12:.1f}' font-size='11' fill='{_INK}' {_FONT}>{word}</text>")
        x += 17 + 6.6 * len(word) + 10
        if x > width - 100:
            x, top = float(_BAR_X), top + 20
    top += 24
    out += [f"<rect x='{_BAR_X}' y='{top}' width='24' height='{_BAR_H}' fill='{_LIGHT}'/>",
            f"<rect x='{_BAR_X + 24}' y='{top}' width='24' height='{_BAR_H}' fill='{_DARK}'/>",
            f"<rect x='{_BAR_X + 48}' y='{top}' width='24' height='{_BAR_H}' fill='{_LIGHT}'/>",
            f"<text x='{_BAR_X + 80}' y='{top + 10}' font-size='11' fill='{_INK}' {_FONT}>worst to best; darker: 25th to "
            "75th percentile</text>",
            f"<line x1='{_BAR_X + 12}' y1='{top + 20}' x2='{_BAR_X + 12}' y2='{top + 36}' stroke='{_INK}' stroke-width='2'/>",
            f"<text x='{_BAR_X + 24}' y='{top + 32}' font-size='11' fill='{_INK}' {_FONT}>England's value</text>"]
    return out


def _summary(spine: Spine) -> str:
    counts = Counter(row.word if row.value is not None else "no value" for row in spine.rows)
    said = ", ".join(f"{n} {word}" for word, n in counts.most_common())
    return (f"{len(spine.rows)} indicators for {spine.area_name}, each against the spread of all areas of its type "
            f"and England's value: {said}. The table that follows (the figures as a table) gives every figure.")


def spine_svg(spine: Spine, *, width: int = 360) -> str:
    """The spine chart as one accessible SVG image (``role="img"``, ``<title>``, ``<desc>``).

    Raises
    ------
    ValueError
        The spine has no rows (say so in words instead of drawing an empty chart).
    """
    if not spine.rows:
        raise ValueError(f"{spine.area_name} has no indicator to draw on a spine chart; say so in words instead.")
    e = html.escape
    bar_w = width - _BAR_X - _TEXT_W
    height = _TOP + _ROW * len(spine.rows) + 84
    ident = "spine-" + "".join(c for c in spine.area_code if c.isalnum())
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' role='img' class='hga-spine' viewBox='0 0 {width} {height}' "
           f"width='100%' style='max-width:{width}px;height:auto' aria-labelledby='{ident}-t' "
           f"aria-describedby='{ident}-d'>",
           f"<title id='{ident}-t'>{e(spine.title)}</title><desc id='{ident}-d'>{e(_summary(spine))}</desc>",
           f"<rect width='{width}' height='{height}' fill='#FFFFFF'/>",
           f"<text x='{_BAR_X}' y='14' font-size='11' fill='#444444' {_FONT}>worst</text>",
           f"<text x='{_BAR_X + bar_w}' y='14' font-size='11' fill='#444444' text-anchor='end' {_FONT}>best</text>",
           f"<text x='{_BAR_X + bar_w + 10}' y='14' font-size='11' fill='#444444' {_FONT}>{e(_cut(spine.area_name, 20))}</text>"]
    for i, row in enumerate(spine.rows):
        out += _row(row, _TOP + i * _ROW, area_name=spine.area_name, bar_w=bar_w)
    out += _legend(_TOP + _ROW * len(spine.rows) + 6, width)
    out.append("</svg>")
    return "".join(out)


def spine_table(spine: Spine) -> str:
    """The spine's figures as an HTML table (the chart's text alternative), one row per indicator."""
    e = html.escape
    heads = ("Indicator", "Period", spine.area_name, "England", "Worst (or lowest)", "25th percentile",
             "75th percentile", "Best (or highest)", "Compared with England")
    out = [f"<div class='hga-scroll' role='region' tabindex='0' aria-label='{e(spine.title, quote=True)}: the figures' "
           "style='overflow-x:auto'>",
           f"<table class='hga-spine-table'><caption>{e(spine.title)}: the figures</caption><thead><tr>",
           *(f"<th scope='col'>{e(h)}</th>" for h in heads), "</tr></thead><tbody>"]
    for row in spine.rows:
        unit = f" ({row.indicator.unit})" if row.indicator.unit else ""
        cells = (value_text(row.value) if row.value is not None else f"no value ({row.status})",
                 value_text(row.england) if row.england is not None else "not held",
                 value_text(row.worst), value_text(row.q25), value_text(row.q75), value_text(row.best),
                 f"{row.word}: {row.versus.short()}")
        out.append(f"<tr><th scope='row'>{e(row.label + unit)}</th><td>{e(row.period)}</td>"
                   + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def spine_html(spine: Spine) -> str:
    """The chart, a caption saying how it is made, the notes on what is left out, and the table (folded).

    The table is inside a ``<details>`` ("The figures as a table"), opened with a click or
    Enter; the chart's ``<desc>`` says it follows.
    """
    e = html.escape
    if not spine.rows:
        return f"<p>No spine chart: no indicator is held for {e(spine.area_name)} at its level.</p>"
    notes = "".join(f"<li>{e(n)}</li>" for n in spine.left_out)
    return (f"<figure class='hga-spine-figure'>{spine_svg(spine)}<figcaption>{e(METHOD)}</figcaption></figure>"
            + (f"<ul class='hga-notes'>{notes}</ul>" if notes else "")
            + f"<details><summary>The figures as a table</summary>{spine_table(spine)}</details>")
