"""Bar charts as inline SVG: nothing to import in the page's kernel, crisp at any zoom, and the
Chinese labels are text the browser renders with its own CJK font."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_ROW = 20
_LABEL = 190
_BAR = 360
_FONT = "font-family='Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif' font-size='12'"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rate_bars(rows: Sequence[tuple[str, float | None, str]], mark: float | None = None,
              css_class: str = "ql-rate-chart") -> str:
    """Horizontal bars, one per (label, rate 0–1 or None, note): a rate of None draws no bar.
    `mark` draws a dashed line at that rate (e.g. the city's)."""
    height = _ROW * len(rows) + 24
    width = _LABEL + _BAR + 120
    parts = [f"<svg class='{css_class}' xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' role='img'>"]
    for index, (label, value, note) in enumerate(rows):
        y = 4 + index * _ROW
        parts.append(f"<text x='{_LABEL - 6}' y='{y + 13}' text-anchor='end' {_FONT}>{escape(label)}</text>")
        length = 0.0 if value is None else max(0.0, min(1.0, value)) * _BAR
        parts.append(f"<rect x='{_LABEL}' y='{y + 2}' width='{length:.1f}' height='{_ROW - 6}' fill='#c0392b'/>")
        parts.append(f"<text x='{_LABEL + length + 4:.1f}' y='{y + 13}' {_FONT}>"
                     f"{escape(percent(value))}{escape(note)}</text>")
    if mark is not None:
        x = _LABEL + max(0.0, min(1.0, mark)) * _BAR
        parts.append(f"<line x1='{x:.1f}' y1='0' x2='{x:.1f}' y2='{height - 20}' stroke='#555' "
                     "stroke-dasharray='4 3'/>")
        parts.append(f"<text x='{x:.1f}' y='{height - 6}' text-anchor='middle' {_FONT}>"
                     f"全市 {escape(percent(mark))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def band_columns(bands: Sequence[tuple[str, int]], css_class: str = "ql-band-chart") -> str:
    """Vertical bars of counts per score band, each labelled with its count."""
    top = max([count for _, count in bands] + [1])
    column, gap, tall = 70, 18, 180
    width = len(bands) * (column + gap) + gap
    parts = [f"<svg class='{css_class}' xmlns='http://www.w3.org/2000/svg' width='{width}' height='{tall + 50}' "
             f"viewBox='0 0 {width} {tall + 50}' role='img'>"]
    for index, (label, count) in enumerate(bands):
        x = gap + index * (column + gap)
        high = count / top * tall
        parts.append(f"<rect x='{x}' y='{tall - high + 20:.1f}' width='{column}' height='{high:.1f}' fill='#2c7fb8'/>")
        middle = f"x='{x + column / 2}' text-anchor='middle' {_FONT}"
        parts.append(f"<text {middle} y='{tall - high + 15:.1f}'>{count}</text>")
        parts.append(f"<text {middle} y='{tall + 38}'>{escape(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)
