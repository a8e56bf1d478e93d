"""Call timelines: one SVG per call family (a top-level call and its child legs) on one time axis.

Each call is a row of four lanes: the TwiML verbs it ran (`g.verb` marks), its status as coloured
spans (`rect.status`), the webhooks sent about it or its recordings (`circle.webhook`: green for
a 2xx answer, red otherwise), and its recordings (`rect.recording`, with `rect.pause` spans).
Every mark has a `<title>` tooltip with the details; `legend_svg` is the key to them. A call
is named by its scenario label when the run has one (`calls[N]` or the call's `label`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simtel.events import Event, EventKind
from simtel.report.data import RunData, status_changes
from simtel.report.svg import Element, Scale, canvas, element, fmt, nice_ticks, tick_label
from simtel.report.waveform import capture_window

LABEL_WIDTH, MARGIN_RIGHT, ROW_HEIGHT, AXIS_HEIGHT, TOP = 200, 80, 66, 24, 6
STATUS_COLOURS = {
    "queued": "#ced4da",
    "initiated": "#ced4da",
    "ringing": "#fab005",
    "in-progress": "#40c057",
    "paused": "#fd7e14",
    "stopped": "#868e96",
    "processing": "#adb5bd",
}
TERMINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


@dataclass(frozen=True, slots=True)
class Family:
    root: dict[str, Any]
    legs: list[dict[str, Any]]

    @property
    def calls(self) -> list[dict[str, Any]]:
        return [self.root, *self.legs]


def families(calls: list[dict[str, Any]]) -> list[Family]:
    roots = [c for c in calls if not c.get("parent_call_sid")]
    return [
        Family(root, [c for c in calls if c.get("parent_call_sid") == root["sid"]])
        for root in roots
    ]


def family_svg(
    run: RunData, family: Family, width: int = 1000, span: tuple[float, float] | None = None
) -> Element:
    """The family's timeline on its own time range, or on `span` (see `shared_span`)."""
    rows = family.calls
    height = TOP + len(rows) * ROW_HEIGHT + AXIS_HEIGHT
    svg = canvas(width, height, "call-timeline", f"Timeline of {family.root['sid']}")
    lo, hi = span if span is not None else _time_range(run, family)
    x = Scale(lo, hi, LABEL_WIDTH, width - MARGIN_RIGHT)
    for index, call in enumerate(rows):
        _row(svg, run, call, x, TOP + index * ROW_HEIGHT)
    _axis(svg, x, TOP + len(rows) * ROW_HEIGHT)
    return svg


def shared_span(run: RunData, groups: list[Family]) -> tuple[float, float] | None:
    """One time range covering every family, so their timelines line up."""
    ranges = [_time_range(run, family) for family in groups]
    if not ranges:
        return None
    return min(lo for lo, _ in ranges), max(hi for _, hi in ranges)


#: what the timeline marks mean, in the order the legend shows them
LEGEND = (
    ("rect", "#ced4da", "queued / initiated"),
    ("rect", "#fab005", "ringing"),
    ("rect", "#40c057", "in progress"),
    ("rect", "#d0ebff", "recording"),
    ("rect", "#fd7e14", "recording paused"),
    ("circle", "#2f9e44", "webhook answered 2xx"),
    ("circle", "#e03131", "webhook failed"),
    ("verb", "#495057", "TwiML verb"),
)


def legend_svg(width: int = 1000) -> Element:
    """The key to the timelines' colours and marks."""
    svg = canvas(width, 22, "legend", "Timeline legend")
    x = 4.0
    for shape, colour, text in LEGEND:
        item = element(svg, "g", class_="legend-item", data_label=text)
        if shape == "rect":
            element(item, "rect", x=x, y=5, width=16, height=10, fill=colour, stroke="#999")
        elif shape == "circle":
            element(item, "circle", cx=x + 8, cy=10, r=4, fill=colour)
        else:
            element(
                item, "path", d=f"M{fmt(x + 4)} 6L{fmt(x + 12)} 6L{fmt(x + 8)} 13Z", fill=colour
            )
        element(item, "text", text, x=x + 20, y=14, style="font-size:11px", fill="#333")
        x += 28 + 6.2 * len(text)
    return svg


def _time_range(run: RunData, family: Family) -> tuple[float, float]:
    times: list[float] = []
    for call in family.calls:
        times.extend(e.t for e in run.events_of(call["sid"]))
        times.extend(e.t for rec in _recordings_of(run, call) for e in run.events_of(rec["sid"]))
        times.append(float(call.get("date_created") or 0.0))
    lo, hi = min(times), max(times)
    return (lo, hi + 1.0) if hi - lo < 1.0 else (lo, hi + (hi - lo) * 0.02)


def _recordings_of(run: RunData, call: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in run.recordings if r.get("call_sid") == call["sid"]]


def _row(svg: Element, run: RunData, call: dict[str, Any], x: Scale, top: float) -> None:
    group = element(svg, "g", class_="call", data_sid=call["sid"])
    label = run.labels.get(call["sid"])
    name = f"{label} ({call['sid'][:8]}…)" if label else f"{call['sid'][:14]}…"
    element(group, "text", name, x=4, y=top + 22, style="font-weight:600", class_="call-label")
    element(group, "text", str(call.get("direction", "")), x=4, y=top + 35, fill="#555")
    route = f"{call.get('from', '')} → {call.get('to', '')}"
    element(group, "text", route, x=4, y=top + 48, fill="#555", style="font-size:10px")
    events = run.events_of(call["sid"])
    _verbs(group, events, x, top)
    _statuses(group, events, x, top + 24)
    recordings = _recordings_of(run, call)
    hooks = [e for e in events if e.kind == EventKind.WEBHOOK]
    for recording in recordings:
        hooks += [e for e in run.events_of(recording["sid"]) if e.kind == EventKind.WEBHOOK]
    _webhooks(group, sorted(hooks, key=lambda e: e.seq), x, top + 44)
    for recording in recordings:
        _recording(group, run, recording, x, top + 52)
    element(
        group,
        "line",
        x1=0,
        x2=x.end,
        y1=top + ROW_HEIGHT - 2,
        y2=top + ROW_HEIGHT - 2,
        stroke="#eee",
    )


def _verbs(group: Element, events: list[Event], x: Scale, top: float) -> None:
    for index, event in enumerate(e for e in events if e.kind == EventKind.TWIML_VERB):
        verb = str(event.fields.get("verb", "?"))
        px, py = x(event.t), top + 9 + (index % 2) * 9
        mark = element(group, "g", class_="verb", data_verb=verb)
        element(
            mark,
            "path",
            d=f"M{fmt(px - 3)} {fmt(top + 16)}L{fmt(px + 3)} {fmt(top + 16)}"
            f"L{fmt(px)} {fmt(top + 21)}Z",
            fill="#495057",
        )
        element(mark, "text", verb, x=px + 4, y=py, style="font-size:10px", fill="#495057")
        details = ", ".join(f"{k}={v}" for k, v in event.fields.items() if v not in (None, ""))
        element(mark, "title", f"t={event.t:.2f} s <{verb}> {details}")


def _statuses(group: Element, events: list[Event], x: Scale, top: float) -> None:
    changes = status_changes(events)
    for (start, status), following in zip(changes, [*changes[1:], None], strict=True):
        if status in TERMINAL:
            element(
                group, "text", status, x=x(start) + 3, y=top + 11, fill="#333", class_="terminal"
            )
            continue
        end = following[0] if following is not None else x.hi
        rect = element(
            group,
            "rect",
            class_="status",
            data_status=status,
            x=x(start),
            y=top,
            width=max(1.0, x(end) - x(start)),
            height=14,
            fill=STATUS_COLOURS.get(status, "#adb5bd"),
        )
        element(rect, "title", f"{status} from {start:.2f} s to {end:.2f} s")


def _webhooks(group: Element, hooks: list[Event], x: Scale, y: float) -> None:
    for event in hooks:
        status = event.fields.get("status")
        ok = isinstance(status, int) and 200 <= status < 300
        circle = element(
            group,
            "circle",
            class_="webhook",
            cx=x(event.t),
            cy=y,
            r=3.5,
            fill="#2f9e44" if ok else "#e03131",
        )
        code = event.fields.get("error_code")
        element(
            circle,
            "title",
            f"t={event.t:.2f} s {event.fields.get('purpose')} "
            f"{event.fields.get('method')} {event.fields.get('url')} → {status}"
            + (f" (error {code})" if code else ""),
        )


def _recording(
    group: Element, run: RunData, recording: dict[str, Any], x: Scale, top: float
) -> None:
    events = run.events_of(recording["sid"])
    start = float(recording.get("start_time") or recording.get("date_created") or 0.0)
    window = capture_window(start, events)
    end = window.stop if window.stop is not None else x.hi
    bar = element(
        group,
        "rect",
        class_="recording",
        data_sid=recording["sid"],
        x=x(start),
        y=top,
        width=max(1.0, x(end) - x(start)),
        height=8,
        fill="#d0ebff",
        stroke="#1c7ed6",
    )
    element(
        bar,
        "title",
        f"{recording['sid']} {recording.get('source')} "
        f"{recording.get('channels')} ch, {recording.get('status')}, "
        f"{recording.get('duration')} s",
    )
    for pause_start, pause_end, _ in window.pauses:
        element(
            group,
            "rect",
            class_="pause",
            x=x(pause_start),
            y=top,
            width=max(1.0, x(pause_end) - x(pause_start)),
            height=8,
            fill="#fd7e14",
        )


def _axis(svg: Element, x: Scale, top: float) -> None:
    group = element(svg, "g", class_="time-axis", fill="#555")
    element(group, "line", x1=x.start, x2=x.end, y1=top, y2=top, stroke="#999")
    for value in nice_ticks(x.lo, x.hi, 10):
        element(group, "line", x1=x(value), x2=x(value), y1=top, y2=top + 4, stroke="#999")
        element(
            group, "text", f"{tick_label(value)} s", x=x(value), y=top + 16, text_anchor="middle"
        )
