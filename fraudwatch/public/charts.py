"""Charts drawn on the server as inline SVG (no script): horizontal bars for counts by a label,
and columns for weekly series. Every label and title is escaped (values come from reports and
may be written by a fraudster); colours are presentation attributes, never style attributes
(the CSP forbids inline style). The drawing is one pass over the data.

A chart is an image with a title and a description for screen readers (role="img"); its
numbers are in the table the page puts after it. The viewBox is narrow so that a phone shows
its text at about its size; wider screens scale it up within the page's CSS limits."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

COLOURS = ("#1f4e79", "#a3400f", "#2f6b2f")  # >= 4.5:1 on white
INK = "#1a1a1a"
GRID = "#8a8a8a"
MAX_LABEL = 36  # characters of a label drawn in a chart (the table holds it whole)


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _number(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def _open(key: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{escape(key)}-title {escape(key)}-desc" xmlns="http://www.w3.org/2000/svg" '
            f'font-family="sans-serif">',
            f'<title id="{escape(key)}-title">{escape(title)}</title>',
            f'<desc id="{escape(key)}-desc">{escape(desc)}</desc>']


def bar_chart(key: str, title: str, desc: str, rows: Sequence[tuple[str, float]]) -> Markup:
    """Horizontal bars, one per (label, value), the label above its bar and the value after it."""
    width, row_height, bar_max = 360, 40, 290
    top = max((value for _, value in rows), default=0) or 1
    parts = _open(key, title, desc, width, max(row_height, row_height * len(rows) + 4))
    for i, (name, value) in enumerate(rows):
        y = i * row_height
        length = max(1.0, bar_max * value / top) if value else 0
        parts.append(f'<text x="0" y="{y + 14}" font-size="13" fill="{INK}">{escape(_short(name))}</text>')
        parts.append(f'<rect class="bar" x="0" y="{y + 19}" width="{length:.1f}" height="14" fill="{COLOURS[0]}">'
                     f'<title>{escape(name)}: {_number(value)}</title></rect>')
        parts.append(f'<text x="{length + 5:.1f}" y="{y + 31}" font-size="12" fill="{INK}">{_number(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(key: str, title: str, desc: str, labels: Sequence[str],
                 series: Sequence[tuple[str, Sequence[float]]]) -> Markup:
    """Columns per label (e.g. per week), one colour per series (name, values), a legend above
    when there are several, the y axis scaled to the largest value."""
    width, height, left, right, top_y, bottom = 360, 220, 34, 344, 28, 190
    top = max((v for _, values in series for v in values if v is not None), default=0) or 1
    scale = _nice(top)
    parts = _open(key, title, desc, width, height)
    for step in range(3):
        value = scale * step / 2
        y = bottom - (bottom - top_y) * step / 2
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.5"/>')
        parts.append(f'<text x="{left - 3}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{INK}">'
                     f'{_number(value)}</text>')
    if len(series) > 1:
        for s, (name, _) in enumerate(series):
            x = left + s * 120
            parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[s % len(COLOURS)]}"/>'
                         f'<text x="{x + 14}" y="13" font-size="12" fill="{INK}">{escape(_short(name))}</text>')
    group = (right - left) / max(1, len(labels))
    bar = group * 0.8 / max(1, len(series))
    every = max(1, -(-len(labels) // 6))
    for i, name in enumerate(labels):
        x0 = left + i * group + group * 0.1
        for s, (series_name, values) in enumerate(series):
            value = values[i] if i < len(values) and values[i] is not None else 0
            h = (bottom - top_y) * value / scale
            parts.append(f'<rect class="bar" x="{x0 + s * bar:.1f}" y="{bottom - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(name)} · '
                         f'{escape(series_name)}: {_number(value)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{left + (i + 0.5) * group:.1f}" y="{bottom + 15}" font-size="11" '
                         f'text-anchor="middle" fill="{INK}">{escape(_short(name))}</text>')
    parts.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^n (or 1.2, 1.5...) at or above `value`, for an axis."""
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude
