"""Charts as SVG, drawn on the server: a line chart of counts over time and a bar chart.

Each function answers a whole ``<figure>``: a visible title, the SVG (``role="img"`` with
an ``aria-label`` that states the data in words, and a ``<title>`` tooltip on every point
and bar), an HTML legend where there are series, and the same numbers as a table in a
``<details>`` for screen readers, copying, and anyone who prefers numbers.  Colours come
from CSS classes (``s0`` ... ``s7`` for series, any class given for a bar), never from
inline styles, which the console's Content-Security-Policy forbids.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["PALETTE_SIZE", "Bar", "bar_chart", "line_chart", "nice_ticks"]

#: Series colours there are classes for (``s0`` ... ``s7``).
PALETTE_SIZE = 8
_FONT = 11


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Axis ticks from 0 to at least ``top`` in steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0, 1]
    rough = top / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    if step < 1 and top >= 1:
        step = 1
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[Markup | str]]) -> Markup:
    cells = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{escape(row[0])}</th>'
            if i == 0
            else f'<td class="num">{escape(cell)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return Markup(
        f'<details class="chart-data"><summary>Data table</summary><div class="table-wrap">'
        f'<table class="data"><caption class="visually-hidden">{escape(caption)}</caption>'
        f"<thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def _figure(title: str, svg: str, extra: Markup | str, table: Markup, label: str) -> Markup:
    return Markup(
        f'<figure class="chart"><figcaption class="chart-title">{escape(title)}</figcaption>'
        f'<svg class="chart-svg" role="img" aria-label="{escape(label)}" {svg}</svg>'
        f"{extra}{table}</figure>"
    )


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[int | float]],
    *,
    details: Sequence[str] | None = None,
    unit: str = "events",
    width: int = 1100,
    height: int = 260,
) -> Markup:
    """One line per series over the points ``labels`` (short x-axis labels); ``details``
    are the points' longer names for tooltips and the table (``labels`` by default)."""
    details = list(details or labels)
    names = list(series)
    if not labels or not names:
        return _figure(
            title,
            f'viewBox="0 0 {width} 60"><text x="{width / 2}" y="34" text-anchor="middle" '
            f'class="chart-empty">No {escape(unit)} in this period</text>',
            "",
            Markup(""),
            f"{title}: no {unit} in this period",
        )
    left, right, top, bottom = 56, 16, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((v for values in series.values() for v in values), default=0))
    y_max = ticks[-1]
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    parts = [f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet">']
    for tick in ticks:
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="axis-label" x="{left - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end" font-size="{_FONT}">{_number(tick)}</text>'
        )
    every = max(1, math.ceil(n / 8))
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text class="axis-label" x="{x(i):.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" font-size="{_FONT}">{escape(label)}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}"/>'
    )
    for k, name in enumerate(names):
        values = series[name]
        colour = f"s{k % PALETTE_SIZE}"
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<g class="series {colour}"><polyline class="line" points="{points}"/>')
        for i, value in enumerate(values):
            parts.append(
                f'<circle class="point" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3">'
                f"<title>{escape(name)} · {escape(details[i])}: {_number(value)} "
                f"{escape(unit)}</title></circle>"
            )
        parts.append("</g>")
    legend = Markup(
        '<ul class="legend">'
        + "".join(
            f'<li><span class="swatch s{k % PALETTE_SIZE}" aria-hidden="true"></span>'
            f'{escape(name)} <span class="muted">{_number(sum(series[name]))}</span></li>'
            for k, name in enumerate(names)
        )
        + "</ul>"
    )
    totals = ", ".join(f"{name} {_number(sum(series[name]))}" for name in names)
    label = f"{title}, {details[0]} to {details[-1]}: {totals} {unit}"
    table = _table(
        title,
        ["Time (UTC)", *names],
        [[details[i], *(_number(series[name][i]) for name in names)] for i in range(n)],
    )
    return _figure(title, "".join(parts), legend, table, label)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, and optionally a CSS class and a link."""

    label: str
    value: int | float
    css: str = ""
    href: str | None = None
    detail: str = ""


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    unit: str = "alerts",
    empty: str = "No data",
    width: int = 360,
    label_width: int = 112,
) -> Markup:
    """Horizontal bars, longest for the largest value; a bar with ``href`` is a link."""
    if not bars:
        return _figure(
            title,
            f'viewBox="0 0 {width} 40"><text x="{width / 2}" y="24" text-anchor="middle" '
            f'class="chart-empty">{escape(empty)}</text>',
            "",
            Markup(""),
            f"{title}: {empty}",
        )
    row, gap, top = 22, 6, 4
    height = top + len(bars) * (row + gap)
    value_width = 48
    plot_w = width - label_width - value_width
    top_value = max((b.value for b in bars), default=0) or 1
    parts = [f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet">']
    for i, bar in enumerate(bars):
        y = top + i * (row + gap)
        length = max(1.0, plot_w * bar.value / top_value) if bar.value else 0.0
        text = bar.label if len(bar.label) <= 20 else bar.label[:19] + "…"
        tip = f"{bar.label}{f' ({bar.detail})' if bar.detail else ''}: {_number(bar.value)} {unit}"
        group = (
            f'<g class="bar-row"><title>{escape(tip)}</title>'
            f'<text class="bar-label" x="{label_width - 6}" y="{y + row / 2 + 4}" '
            f'text-anchor="end" font-size="{_FONT + 1}">{escape(text)}</text>'
            f'<rect class="bar {escape(bar.css)}" x="{label_width}" y="{y}" '
            f'width="{length:.1f}" height="{row}" rx="2"/>'
            f'<text class="bar-value" x="{label_width + length + 6:.1f}" y="{y + row / 2 + 4}" '
            f'font-size="{_FONT + 1}">{_number(bar.value)}</text></g>'
        )
        if bar.href:
            group = f'<a href="{escape(bar.href)}" aria-label="{escape(tip)}">{group}</a>'
        parts.append(group)
    words = ", ".join(f"{b.label} {_number(b.value)}" for b in bars)
    table = _table(title, ["", unit.capitalize()], [[b.label, _number(b.value)] for b in bars])
    return _figure(title, "".join(parts), "", table, f"{title}: {words} {unit}")
