"""Small server-side SVG charts: no script, no CDN, print and PDF friendly.

Every chart has a <title> and text labels, so it reads without colour and
works in WeasyPrint PDFs as well as in the browser.
"""
from __future__ import annotations

import math

from markupsafe import Markup, escape

RED, GREY, INK = "#c8102e", "#d9d4cf", "#222"
# Widest chart and smallest label, in SVG units: app.css keeps a chart at least
# 560 * 11 / 12 = 514 px wide, so a label is never under 11 px on screen.
MAX_WIDTH, MIN_FONT = 560, 12


def bar_chart(items: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 560,
              bar_height: int = 22, max_value: float | None = None) -> Markup:
    """Horizontal bars, one per (label, value)."""
    label_width, gap = 150, 6
    top = max([v for _, v in items] + [max_value or 0, 1e-9])
    height = len(items) * (bar_height + gap) + 10
    plot = width - label_width - 70
    rows = []
    for n, (label, value) in enumerate(items):
        y = 5 + n * (bar_height + gap)
        length = 0 if top <= 0 else plot * value / top
        rows.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" fill="{GREY}" opacity="0.35"/>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{RED}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.7:.1f}">{_label(value, unit)}</text>')
    return _svg(width, height, 13, title, rows)


def line_chart(points: list[tuple[str, float | None]], *, title: str, unit: str = "", width: int = 560,
               height: int = 220, low: float = 0, high: float | None = None) -> Markup:
    """A line over labelled points; None breaks the line (missing, not zero)."""
    pad_left, pad_right, pad_bottom, pad_top = 45, 45, 30, 22
    values = [v for _, v in points if v is not None]
    high = high if high is not None else max(values + [low + 1])
    plot_w, plot_h = width - pad_left - pad_right, height - pad_bottom - pad_top
    step = plot_w / max(1, len(points) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad_left + i * step, pad_top + plot_h * (1 - (v - low) / ((high - low) or 1))

    parts = [f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - pad_right}" y2="{pad_top + plot_h}" stroke="{GREY}"/>',
             f'<text x="{pad_left - 6}" y="{pad_top + 4}" text-anchor="end">{_fmt(high)}</text>',
             f'<text x="{pad_left - 6}" y="{pad_top + plot_h}" text-anchor="end">{_fmt(low)}</text>']
    segment: list[str] = []
    for i, (label, value) in enumerate(points):
        x = pad_left + i * step
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">{escape(label)}</text>')
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="{RED}" stroke-width="2" points="{" ".join(segment)}"/>')
            segment = []
            continue
        px, py = xy(i, value)
        segment.append(f"{px:.1f},{py:.1f}")
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{RED}"/>'
                     f'<text x="{px:.1f}" y="{py - 8:.1f}" text-anchor="middle">{_label(value, unit)}</text>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="{RED}" stroke-width="2" points="{" ".join(segment)}"/>')
    return _svg(width, height, 12, title, parts)


def _svg(width: int, height: float, font_size: int, title: str, parts: list[str]) -> Markup:
    """The chart in a box that scrolls sideways when the screen is narrower than the chart.

    The SVG scales with its box, but never below the ``min-width`` app.css
    gives ``svg.chart``: with every label at least ``MIN_FONT`` units in a
    chart at most ``MAX_WIDTH`` wide, no label is drawn smaller than 11 px;
    on a phone the chart scrolls inside its box instead.
    """
    return Markup(f'<div class="chart-box"><svg class="chart" role="img" viewBox="0 0 {width} {height}" '
                  f'width="100%" xmlns="http://www.w3.org/2000/svg" font-size="{font_size}" fill="{INK}">'
                  f'<title>{escape(title)}</title>' + "".join(parts) + "</svg></div>")


def _label(value: float, unit: str) -> str:
    """A point's label: a percentage with one decimal as ``core.formatting.pct`` writes it (a card
    saying 91.0% sits over a chart saying 91.0%, not 91%); anything else as short as it goes."""
    if unit == "%":
        return f"{value:.1f}%"
    return f"{_fmt(value)}{escape(unit)}"


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def grouped_bar_chart(groups: list[tuple[str, list[float]]], series: list[str], *, title: str, unit: str = "",
                      width: int = 560, height: int = 240) -> Markup:
    """Vertical columns side by side per label (e.g. income and expense by quarter), with a legend."""
    colours = [RED, "#6b6b6b", "#e8a33d"]
    pad_left, pad_bottom, pad_top, legend = 10, 34, 24, 20
    top = max([v for _, values in groups for v in values] + [1e-9])
    plot_h = height - pad_bottom - pad_top - legend
    slot = (width - pad_left * 2) / max(1, len(groups))
    bar = min(28.0, slot * 0.8 / max(1, len(series)))
    parts = []
    for n, name in enumerate(series):
        x = pad_left + n * 110
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colours[n % len(colours)]}"/>'
                     f'<text x="{x + 16}" y="14">{escape(name)}</text>')
    base = legend + pad_top + plot_h
    parts.append(f'<line x1="{pad_left}" y1="{base}" x2="{width - pad_left}" y2="{base}" stroke="{GREY}"/>')
    for g, (label, values) in enumerate(groups):
        centre = pad_left + slot * (g + 0.5)
        start = centre - bar * len(values) / 2
        for n, value in enumerate(values):
            h = plot_h * value / top
            x, y = start + n * bar, base - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                         f'fill="{colours[n % len(colours)]}"><title>{escape(label)} {escape(series[n])} '
                         f'{_fmt(value)}{escape(unit)}</title></rect>'
                         f'<text x="{x + bar / 2 - 1:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
                         f'{_fmt(round(value))}</text>')
        parts.append(f'<text x="{centre:.1f}" y="{height - 10}" text-anchor="middle">{escape(label)}</text>')
    return _svg(width, height, 12, title, parts)


def threshold_chart(items: list[tuple[str, float, float, str, bool]], *, title: str, width: int = 560,
                    bar_height: int = 22) -> Markup:
    """Shares from 0 to 100%, each against its own bar: (label, share, threshold, threshold label, met).

    A bar whose condition is met is red, one that falls short grey; the
    threshold is a black tick with its name, so it reads without colour.
    """
    label_width, gap, right = 190, 20, 60
    plot = width - label_width - right
    height = len(items) * (bar_height + gap) + 8
    rows = []
    for n, (label, share, threshold, mark, met) in enumerate(items):
        y = 6 + n * (bar_height + gap)
        length = plot * max(0.0, min(1.0, share))
        tick = label_width + plot * threshold
        rows.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" fill="{GREY}" opacity="0.35"/>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{RED if met else "#8c8c8c"}"/>'
            f'<line x1="{tick:.1f}" y1="{y - 3}" x2="{tick:.1f}" y2="{y + bar_height + 3}" stroke="{INK}" '
            f'stroke-width="2"/>'
            f'<text x="{tick:.1f}" y="{y + bar_height + 14}" text-anchor="middle" font-size="12">{escape(mark)}</text>'
            f'<text x="{label_width + plot + 6}" y="{y + bar_height * 0.7:.1f}">{math.floor(share * 1000) / 10:.1f}%</text>')
    return _svg(width, height, 13, title, rows)

