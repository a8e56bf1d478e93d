"""Small SVG building blocks: elements, linear scales, tick values, axes, number formatting.

SVG is built as lxml elements without a namespace, so the same tree can be inlined into an HTML
page (where the HTML parser puts `<svg>` in the SVG namespace itself) or written as a standalone
`.svg` file by `standalone`, which adds the `xmlns` declaration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "font-family:system-ui,sans-serif;font-size:11px"
PALETTE = ("#1f6feb", "#d9480f", "#2f9e44", "#9c36b5", "#e8590c", "#0b7285", "#5c940d")

Element = etree._Element


def element(parent: Element | None, tag: str, text: str | None = None, **attrs: object) -> Element:
    """A child of `parent` (or a root); `class_` and `stroke_width` style names become `class`
    and `stroke-width`; None attributes are left out."""
    values = {_name(k): _value(v) for k, v in attrs.items() if v is not None}
    node = etree.Element(tag, values) if parent is None else etree.SubElement(parent, tag, values)
    if text is not None:
        node.text = text
    return node


def _name(key: str) -> str:
    return "class" if key == "class_" else key.replace("_", "-")


def _value(value: object) -> str:
    if isinstance(value, float):
        return fmt(value)
    return str(value)


def fmt(value: float) -> str:
    """A coordinate or number, short: at most 2 decimals, no trailing zeros."""
    if not math.isfinite(value):
        return "0"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def canvas(width: int, height: int, class_: str, label: str) -> Element:
    svg = element(
        None,
        "svg",
        class_=class_,
        width=width,
        height=height,
        viewBox=f"0 0 {width} {height}",
        role="img",
        style=FONT,
    )
    element(svg, "title", label)
    return svg


def standalone(svg: Element) -> bytes:
    """A complete SVG document from a tree built by `canvas`."""
    text = etree.tostring(svg, encoding="unicode")
    if not text.startswith("<svg "):
        raise ValueError("not an svg element")
    text = f'<svg xmlns="{SVG_NS}" ' + text[len("<svg ") :]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")


@dataclass(frozen=True, slots=True)
class Scale:
    """Maps the domain `[lo, hi]` linearly onto the pixel range `[start, end]`."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.hi - self.lo
        if span == 0:
            return (self.start + self.end) / 2.0
        return self.start + (value - self.lo) / span * (self.end - self.start)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About `count` round values covering `[lo, hi]` (steps of 1, 2 or 5 times a power of 10)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks: list[float] = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def padded(lo: float, hi: float, fraction: float = 0.05) -> tuple[float, float]:
    """`[lo, hi]` widened a little (or made non-empty when lo == hi)."""
    if hi <= lo:
        return (lo - 1.0, hi + 1.0) if lo == 0 else (lo * 0.9, hi * 1.1)
    margin = (hi - lo) * fraction
    return lo - margin, hi + margin


def axes(
    svg: Element,
    x: Scale,
    y: Scale,
    *,
    x_label: str,
    y_label: str,
    x_ticks: list[tuple[float, str]] | None = None,
) -> None:
    """Frame, grid lines, tick labels and axis titles for the plot area of `x` and `y`."""
    group = element(svg, "g", class_="axes", stroke="#ccc", fill="none")
    element(group, "rect", x=x.start, y=y.end, width=x.end - x.start, height=y.start - y.end).set(
        "stroke", "#999"
    )
    labels = element(svg, "g", class_="tick-labels", fill="#333")
    for value in nice_ticks(min(y.lo, y.hi), max(y.lo, y.hi)):
        pos = y(value)
        element(group, "line", x1=x.start, x2=x.end, y1=pos, y2=pos)
        element(labels, "text", tick_label(value), x=x.start - 4, y=pos + 4, text_anchor="end")
    ticks = x_ticks or [(v, tick_label(v)) for v in nice_ticks(x.lo, x.hi, 6)]
    for value, text in ticks:
        pos = x(value)
        element(group, "line", x1=pos, x2=pos, y1=y.start, y2=y.end)
        element(labels, "text", text, x=pos, y=y.start + 14, text_anchor="middle")
    middle_x = (x.start + x.end) / 2.0
    element(labels, "text", x_label, x=middle_x, y=y.start + 30, text_anchor="middle")
    middle_y = (y.start + y.end) / 2.0
    element(
        labels,
        "text",
        y_label,
        x=12,
        y=middle_y,
        text_anchor="middle",
        transform=f"rotate(-90 12 {fmt(middle_y)})",
    )


def tick_label(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"
