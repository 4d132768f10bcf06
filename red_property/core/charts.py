"""Small server-side SVG charts: no script, no CDN, print and PDF friendly.

Every chart has a <title> and text labels, so it reads without colour and
works in WeasyPrint PDFs as well as in the browser.
"""
from __future__ import annotations

from markupsafe import Markup, escape

RED, GREY, INK = "#c8102e", "#d9d4cf", "#222"


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
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.7:.1f}">{_fmt(value)}{escape(unit)}</text>')
    return Markup(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
                  f'xmlns="http://www.w3.org/2000/svg" font-size="13" fill="{INK}"><title>{escape(title)}</title>'
                  + "".join(rows) + "</svg>")


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
                     f'<text x="{px:.1f}" y="{py - 8:.1f}" text-anchor="middle">{_fmt(value)}{escape(unit)}</text>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="{RED}" stroke-width="2" points="{" ".join(segment)}"/>')
    return Markup(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
                  f'xmlns="http://www.w3.org/2000/svg" font-size="12" fill="{INK}"><title>{escape(title)}</title>'
                  + "".join(parts) + "</svg>")


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
