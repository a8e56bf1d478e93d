"""XY charts as inline SVG: lines, step lines, and points with confidence-interval error bars.

One function, `xy_chart`, draws every chart of the report and the sweep: each `Series` is drawn
as `kind` (`line`, `step` or `points`); a `points` series with `low`/`high` gets error bars. Every
series is one `<g class="series {class_}">` holding its path (`class="line"`), its points
(`class="point"`) and error bars (`class="errorbar"`), so tests and stylesheets can find them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from simtel.report.svg import (
    PALETTE,
    Element,
    Scale,
    axes,
    canvas,
    element,
    fmt,
    padded,
    tick_label,
)

SeriesKind = Literal["line", "step", "points"]
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 200, 30, 46


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    xs: Sequence[float]
    ys: Sequence[float]
    kind: SeriesKind = "line"
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None
    class_: str = ""
    dashed: bool = False
    colour: str | None = None

    def finite_points(self) -> list[tuple[float, float]]:
        return [(x, y) for x, y in zip(self.xs, self.ys, strict=True) if _finite(x, y)]


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def xy_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 760,
    height: int = 320,
    x_ticks: list[tuple[float, str]] | None = None,
    y_from_zero: bool = True,
    class_: str = "chart",
) -> Element:
    """A chart of `series` on shared linear axes (x ticks may be given, for categories)."""
    svg = canvas(width, height, class_, title)
    element(svg, "text", title, x=MARGIN_LEFT, y=18, style="font-size:13px;font-weight:600")
    x_scale, y_scale = _scales(series, width, height, x_ticks, y_from_zero)
    axes(svg, x_scale, y_scale, x_label=x_label, y_label=y_label, x_ticks=x_ticks)
    for index, one in enumerate(series):
        colour = one.colour or PALETTE[index % len(PALETTE)]
        group = element(svg, "g", class_=f"series {one.class_}".strip(), data_name=one.name)
        _draw(group, one, x_scale, y_scale, colour)
        _legend(svg, index, one, colour, width)
    return svg


def _scales(
    series: Sequence[Series],
    width: int,
    height: int,
    x_ticks: list[tuple[float, str]] | None,
    y_from_zero: bool,
) -> tuple[Scale, Scale]:
    xs = [x for s in series for x, _ in s.finite_points()]
    xs += [x for x, _ in x_ticks or []]
    ys = [y for s in series for _, y in s.finite_points()]
    for one in series:
        for bound in (one.low or [], one.high or []):
            ys.extend(v for v in bound if math.isfinite(v))
    x_lo, x_hi = padded(min(xs, default=0.0), max(xs, default=1.0), 0.04)
    y_lo, y_hi = min(ys, default=0.0), max(ys, default=1.0)
    if y_from_zero:
        y_lo = min(0.0, y_lo)
    y_lo, y_hi = padded(y_lo, y_hi, 0.06)
    if y_from_zero and min(ys, default=0.0) >= 0:
        y_lo = 0.0
    x_scale = Scale(x_lo, x_hi, MARGIN_LEFT, width - MARGIN_RIGHT)
    y_scale = Scale(y_lo, y_hi, height - MARGIN_BOTTOM, MARGIN_TOP)
    return x_scale, y_scale


def _draw(group: Element, one: Series, x: Scale, y: Scale, colour: str) -> None:
    points = one.finite_points()
    if one.kind in ("line", "step") and points:
        element(
            group,
            "path",
            class_="line",
            d=_line_path(points, x, y, step=one.kind == "step"),
            fill="none",
            stroke=colour,
            stroke_width=1.6,
            stroke_dasharray="5 3" if one.dashed else None,
        )
        return
    for index, (xv, yv) in enumerate(zip(one.xs, one.ys, strict=True)):
        if not _finite(xv, yv):
            continue
        low = one.low[index] if one.low is not None else math.nan
        high = one.high[index] if one.high is not None else math.nan
        if _finite(low, high):
            element(
                group,
                "path",
                class_="errorbar",
                d=_error_bar(x(xv), y(low), y(high)),
                stroke=colour,
                fill="none",
            )
        circle = element(group, "circle", class_="point", cx=x(xv), cy=y(yv), r=3.5, fill=colour)
        element(circle, "title", f"{one.name}: x={tick_label(xv)} y={yv:.4g}")


def _line_path(points: list[tuple[float, float]], x: Scale, y: Scale, *, step: bool) -> str:
    parts = [f"M{fmt(x(points[0][0]))} {fmt(y(points[0][1]))}"]
    for xv, yv in points[1:]:
        if step:
            parts.append(f"H{fmt(x(xv))}V{fmt(y(yv))}")
        else:
            parts.append(f"L{fmt(x(xv))} {fmt(y(yv))}")
    return "".join(parts)


def _error_bar(px: float, low: float, high: float, cap: float = 4.0) -> str:
    return (
        f"M{fmt(px)} {fmt(low)}V{fmt(high)}"
        f"M{fmt(px - cap)} {fmt(low)}H{fmt(px + cap)}"
        f"M{fmt(px - cap)} {fmt(high)}H{fmt(px + cap)}"
    )


def _legend(svg: Element, index: int, one: Series, colour: str, width: int) -> None:
    left = width - MARGIN_RIGHT + 12
    top = MARGIN_TOP + 6 + index * 18
    group = element(svg, "g", class_="legend")
    if one.kind == "points":
        element(group, "circle", cx=left + 8, cy=top, r=3.5, fill=colour)
    else:
        element(
            group,
            "line",
            x1=left,
            x2=left + 16,
            y1=top,
            y2=top,
            stroke=colour,
            stroke_width=2,
            stroke_dasharray="5 3" if one.dashed else None,
        )
    element(group, "text", one.name, x=left + 22, y=top + 4, fill="#333")
