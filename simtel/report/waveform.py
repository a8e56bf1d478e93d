"""Recording waveforms: a min/max envelope per pixel column, one band per channel, pauses marked.

The x axis is media time (seconds into the file). Pauses come from the recording's events
(`paused` until the next `in-progress` or `stopped`): a `skip` pause left no audio, so it is a
line at the point where the audio was cut; a `silence` pause is a shaded span of the file.
When an event does not say which behaviour a pause had, the file's length decides: a file
shorter than the recording window by the paused time means the pauses were skipped. What
`trim-silence` removed is the rest of the difference between window and file; the caption
states it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simtel.events import Event, EventKind
from simtel.report.svg import Element, Scale, canvas, element, fmt, nice_ticks, tick_label

BAND_HEIGHT = 70
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, AXIS_HEIGHT = 40, 12, 8, 22
TOLERANCE = 0.05
CHANNEL_COLOURS = ("#1f6feb", "#d9480f")
CHANNEL_NAMES = {1: "channel 1 (left)", 2: "channel 2 (right)"}


@dataclass(frozen=True, slots=True)
class PauseMark:
    """A pause in media seconds: `end == start` for a skipped pause."""

    start: float
    end: float
    behavior: str


@dataclass(frozen=True, slots=True)
class Window:
    """What the events say about a recording's capture: when, and how long it paused."""

    start: float
    stop: float | None
    pauses: tuple[tuple[float, float, str | None], ...]

    @property
    def paused_seconds(self) -> float:
        return sum(end - start for start, end, _ in self.pauses)


def capture_window(start: float, events: list[Event]) -> Window:
    """The recording's window and pauses from its `recording.*` events."""
    pauses: list[tuple[float, float, str | None]] = []
    paused_at: tuple[float, str | None] | None = None
    stop: float | None = None
    for event in events:
        if event.kind not in (EventKind.RECORDING_UPDATED, EventKind.RECORDING_CREATED):
            continue
        status = event.fields.get("status")
        if status == "paused" and paused_at is None:
            behavior = event.fields.get("pause_behavior")
            paused_at = (event.t, None if behavior is None else str(behavior))
        elif status in ("in-progress", "stopped") and paused_at is not None:
            pauses.append((paused_at[0], event.t, paused_at[1]))
            paused_at = None
        if status == "stopped" and stop is None:
            stop = event.t
    return Window(start, stop, tuple(pauses))


def pause_marks(window: Window, media_seconds: float) -> tuple[list[PauseMark], float]:
    """The pauses in media time, and the seconds trim removed (0 when unknown or none)."""
    if window.stop is None:
        return [], 0.0
    length = window.stop - window.start
    guessed = "skip" if media_seconds <= length - window.paused_seconds + TOLERANCE else "silence"
    marks: list[PauseMark] = []
    skipped = 0.0
    for start, end, behavior in window.pauses:
        how = behavior or guessed
        at = start - window.start - skipped
        if how == "skip":
            marks.append(PauseMark(at, at, how))
            skipped += end - start
        else:
            marks.append(PauseMark(at, at + end - start, how))
    trimmed = max(0.0, length - skipped - media_seconds)
    return marks, (trimmed if trimmed > TOLERANCE else 0.0)


def envelope(
    samples: npt.NDArray[np.float64], columns: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per column, the min and max of the samples it covers (1-D input)."""
    n = len(samples)
    if n == 0:
        return np.zeros(1), np.zeros(1)
    columns = max(1, min(columns, n))
    starts = (np.arange(columns) * n) // columns
    return np.minimum.reduceat(samples, starts), np.maximum.reduceat(samples, starts)


def waveform_svg(
    samples: npt.NDArray[np.float64],
    rate: int,
    marks: list[PauseMark],
    *,
    label: str,
    width: int = 960,
) -> Element:
    """One band per channel (a filled min/max envelope path each), pause marks, a time axis."""
    frames = samples if samples.ndim == 2 else samples.reshape(-1, 1)
    channels = frames.shape[1]
    height = MARGIN_TOP + channels * (BAND_HEIGHT + 6) + AXIS_HEIGHT
    svg = canvas(width, height, "waveform", label)
    seconds = len(frames) / rate
    x = Scale(0.0, max(seconds, 1e-9), MARGIN_LEFT, width - MARGIN_RIGHT)
    plot_width = int(width - MARGIN_LEFT - MARGIN_RIGHT)
    for index in range(channels):
        top = MARGIN_TOP + index * (BAND_HEIGHT + 6)
        _band(svg, frames[:, index], index + 1, top, x, plot_width)
    bottom = MARGIN_TOP + channels * (BAND_HEIGHT + 6) - 6
    _pauses(svg, marks, x, MARGIN_TOP, bottom)
    _time_axis(svg, x, seconds, bottom)
    return svg


def _band(
    svg: Element, channel: npt.NDArray[np.float64], number: int, top: float, x: Scale, columns: int
) -> None:
    y = Scale(-1.0, 1.0, top + BAND_HEIGHT, top)
    element(
        svg,
        "rect",
        class_="band",
        x=x.start,
        y=top,
        width=x.end - x.start,
        height=BAND_HEIGHT,
        fill="#f6f8fa",
        stroke="#d0d7de",
    )
    element(svg, "line", x1=x.start, x2=x.end, y1=y(0.0), y2=y(0.0), stroke="#d0d7de")
    lows, highs = envelope(np.clip(channel, -1.0, 1.0), columns)
    step = (x.end - x.start) / len(highs)
    upper = [f"{fmt(x.start + i * step)} {fmt(y(v))}" for i, v in enumerate(highs)]
    lower = [f"{fmt(x.start + i * step)} {fmt(y(v))}" for i, v in enumerate(lows)][::-1]
    colour = CHANNEL_COLOURS[(number - 1) % len(CHANNEL_COLOURS)]
    path = element(
        svg,
        "path",
        class_="channel",
        data_channel=number,
        d="M" + "L".join(upper + lower) + "Z",
        fill=colour,
        stroke=colour,
        stroke_width=0.6,
    )
    element(path, "title", CHANNEL_NAMES.get(number, f"channel {number}"))
    element(svg, "text", f"ch{number}", x=4, y=top + BAND_HEIGHT / 2 + 4, fill="#555")


def _pauses(svg: Element, marks: list[PauseMark], x: Scale, top: float, bottom: float) -> None:
    for mark in marks:
        if mark.end > mark.start:
            node = element(
                svg,
                "rect",
                class_="pause",
                data_behavior=mark.behavior,
                x=x(mark.start),
                y=top,
                width=max(1.0, x(mark.end) - x(mark.start)),
                height=bottom - top,
                fill="#fab005",
                fill_opacity=0.25,
            )
        else:
            node = element(
                svg,
                "line",
                class_="pause",
                data_behavior=mark.behavior,
                x1=x(mark.start),
                x2=x(mark.start),
                y1=top,
                y2=bottom,
                stroke="#e8590c",
                stroke_width=2,
                stroke_dasharray="4 2",
            )
        element(node, "title", f"paused ({mark.behavior}) at {mark.start:.2f} s")


def _time_axis(svg: Element, x: Scale, seconds: float, bottom: float) -> None:
    group = element(svg, "g", class_="time-axis", fill="#555")
    for value in nice_ticks(0.0, seconds, 8):
        element(
            group, "text", f"{tick_label(value)} s", x=x(value), y=bottom + 16, text_anchor="middle"
        )
