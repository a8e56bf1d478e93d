"""The report page: one self-contained HTML document (inline CSS and SVG, audio as data URIs).

Sections, each a `<section id=…>`: `summary`, `queues` (a run with queues), `load` (runs with
many calls), `timelines`, `recordings`, `transcriptions`, `webhooks`, `notifications`. Tables
and counts say when a section shows only the first items of a large run.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import soundfile as sf
from lxml import html as lxml_html

from simtel.report import load as load_charts
from simtel.report.data import Limits, RunData
from simtel.report.queues import queue_section
from simtel.report.svg import Element, element
from simtel.report.timeline import families, family_svg, legend_svg, shared_span
from simtel.report.waveform import capture_window, pause_marks, waveform_svg

LOAD_RUN_CALLS = 10
CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
h3{font-size:14px;margin:18px 0 4px}
table{border-collapse:collapse;font-size:12px;margin:6px 0}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f7}td.num{text-align:right}
tr.failed td{background:#fff0f0}
.note{color:#666;font-size:12px}
svg{display:block;margin:6px 0;max-width:100%;height:auto}
svg.legend{margin:4px 0 10px}
audio{display:block;margin:4px 0 12px}
code{font-size:12px}
"""


def render_page(run: RunData, limits: Limits) -> str:
    root = element(None, "html", lang="en")
    head = element(root, "head")
    element(head, "meta", charset="utf-8")
    element(head, "title", f"simtel report: {_name(run)}")
    element(head, "style", CSS)
    body = element(root, "body")
    element(body, "h1", f"simtel report: {_name(run)}")
    _summary(body, run)
    if (run.summary or {}).get("queues"):
        queue_section(_section(body, "queues", "Queues"), run.summary or {}, _table)
    if run.call_total >= LOAD_RUN_CALLS:
        _load(body, run)
    _timelines(body, run, limits)
    _recordings(body, run, limits)
    _transcriptions(body, run)
    _webhooks(body, run)
    _notifications(body, run)
    text = lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    return str(text)


def _name(run: RunData) -> str:
    name = (run.summary or {}).get("scenario") or (run.summary or {}).get("name")
    return str(name) if name else run.directory.name


def _section(body: Element, ident: str, title: str) -> Element:
    section = element(body, "section", id=ident)
    element(section, "h2", title)
    return section


def _note(parent: Element, text: str) -> None:
    element(parent, "p", text, class_="note")


def _table(parent: Element, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Element:
    table = element(parent, "table")
    header = element(element(table, "thead"), "tr")
    for name in headers:
        element(header, "th", name)
    body = element(table, "tbody")
    for row in rows:
        line = element(body, "tr")
        for value in row:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            element(
                line, "td", "" if value is None else str(value), class_="num" if numeric else None
            )
    return table


def _log_table(
    parent: Element, keys: Sequence[str], entries: Sequence[Mapping[str, Any]], class_: str
) -> Element:
    """A log as a table of class `class_`: each entry's time `t` (s, to the millisecond), then
    its `keys` (headed by the key, `_` read as a space)."""
    headers = ("t (s)", *(key.replace("_", " ") for key in keys))
    rows = [(round(float(entry["t"]), 3), *(entry.get(key) for key in keys)) for entry in entries]
    table = _table(parent, headers, rows)
    table.set("class", class_)
    return table


# -- sections -----------------------------------------------------------------------------------
#: the run's figures, as `simtel run` wrote them to summary.json, with labels and units
SUMMARY_ROWS = (
    ("calls_offered", "calls offered"),
    ("calls_completed", "calls completed"),
    ("calls_blocked", "calls blocked (SIP 503)"),
    ("blocking_probability", "blocking probability"),
    ("calls_by_status", "calls by final status"),
    ("call_legs", "call legs (offered calls and their <Dial> legs)"),
    ("peak_concurrent_calls", "peak concurrent calls"),
    ("recordings", "recordings"),
    ("recordings_completed", "recordings completed"),
    ("recordings_by_source", "recordings by source"),
    ("recordings_by_status", "recordings by status"),
    ("recording_minutes", "recorded time (minutes)"),
    ("recording_cost_usd", "recording cost (USD)"),
    ("call_cost_usd", "call cost (USD)"),
    ("webhooks_sent", "webhook requests"),
    ("notifications", "notifications"),
    ("events", "events logged"),
    ("sim_seconds", "simulated time (s)"),
    ("seed", "seed"),
    ("wall_seconds", "wall time of the run (s)"),
)


def _summary(body: Element, run: RunData) -> None:
    """One set of figures: the run's own summary when there is one (what `simtel run`
    printed), else the counts of what the store holds."""
    section = _section(body, "summary", "Summary")
    summary = run.summary or {}
    rows: list[tuple[str, object]] = [
        (label, _figure(summary[key])) for key, label in SUMMARY_ROWS if key in summary
    ]
    if not rows:
        recorded = sum(seconds for _, seconds in run.recording_totals)
        rows = [
            ("calls and call legs", run.call_total),
            ("recordings", run.recording_total),
            ("recorded time (minutes)", round(recorded / 60.0, 2)),
            ("webhook requests", run.webhook_total),
            ("notifications", run.notification_total),
        ]
        _note(section, "No summary.json in the folder: counts of what the store holds.")
    _table(section, ("measure", "value"), rows).set("class", "summary")


def _figure(value: object) -> object:
    if isinstance(value, dict):
        return ", ".join(f"{key} {count}" for key, count in value.items()) or "none"
    if isinstance(value, float):
        return round(value, 6)
    return value


def _load(body: Element, run: RunData) -> None:
    section = _section(body, "load", "Load")
    end = max([s.end or s.created for s in run.spans] + [t for t, _ in run.recording_totals])
    section.append(load_charts.concurrency_chart(run.spans, end))
    point = load_charts.erlang_point(run.summary, run.spans)
    if point is not None:
        section.append(load_charts.blocking_chart(point))
        if point.source == "measured":
            _note(
                section,
                f"Capacity {point.capacity} and offered load "
                f"{point.offered_erlangs:.3g} E measured from the run (arrival rate x mean "
                "channel holding time); Erlang B assumes Poisson arrivals.",
            )
    else:
        _note(
            section,
            "No Erlang B comparison: the calls do not all use one trunk, or no call "
            "was refused (the capacity is unknown).",
        )
    section.append(load_charts.recording_minutes_chart(run.recording_totals, end))


def _timelines(body: Element, run: RunData, limits: Limits) -> None:
    section = _section(body, "timelines", "Call timelines")
    groups = families(run.calls)
    roots = sum(1 for s in run.spans if s.parent_sid is None)
    if roots > len(groups):
        _note(section, f"Showing the first {len(groups)} of {roots} calls.")
    section.append(legend_svg())
    span = shared_span(run, groups) if limits.shared_time_axis else None
    if span is not None:
        _note(section, "All timelines share one time axis (simulated seconds).")
    for family in groups:
        sid = family.root["sid"]
        label = run.labels.get(sid)
        element(section, "h3", f"Call {label} ({sid})" if label else f"Call {sid}")
        section.append(family_svg(run, family, span=span))


def _recordings(body: Element, run: RunData, limits: Limits) -> None:
    section = _section(body, "recordings", "Recordings")
    headers = ("sid", "call", "source", "channels", "status", "duration", "start (s)", "error")
    _table(
        section,
        headers,
        [
            (
                r["sid"],
                run.labels.get(str(r.get("call_sid")))
                or r.get("call_sid")
                or r.get("conference_sid"),
                r.get("source"),
                r.get("channels"),
                r.get("status"),
                r.get("duration"),
                r.get("start_time"),
                r.get("error_code"),
            )
            for r in run.recordings[: limits.log_rows]
        ],
    )
    inlined = 0
    for recording in [r for r in run.recordings if r["sid"] in run.media][: limits.waveforms]:
        inlined += _recording(section, run, recording, limits, inlined)


def _recording(
    section: Element, run: RunData, recording: dict[str, Any], limits: Limits, inlined: int
) -> int:
    """A recording's waveform and player; returns the bytes inlined."""
    path = run.media[recording["sid"]]
    data = path.read_bytes()
    samples, rate = sf.read(io.BytesIO(data), dtype="float64", always_2d=True)
    window = capture_window(
        float(recording.get("start_time") or 0.0), run.events_of(recording["sid"])
    )
    marks, trimmed = pause_marks(window, len(samples) / rate)
    element(
        section,
        "h3",
        f"{recording['sid']} ({recording.get('source')}, "
        f"{samples.shape[1]} channel{'s' if samples.shape[1] > 1 else ''})",
    )
    label = f"Waveform of {recording['sid']}"
    section.append(waveform_svg(np.asarray(samples), int(rate), marks, label=label))
    notes = [f"{len(samples) / rate:.2f} s of audio"]
    if marks:
        notes.append(", ".join(f"paused ({m.behavior}) at {m.start:.2f} s" for m in marks))
    if trimmed:
        notes.append(f"trim-silence removed {trimmed:.2f} s of leading/trailing silence")
    _note(section, "; ".join(notes))
    relative = f"{path.parent.name}/{path.name}"
    fits = len(data) <= limits.inline_audio_bytes
    inline = fits and inlined + len(data) <= limits.inline_audio_total
    uri = "data:audio/wav;base64," + base64.b64encode(data).decode("ascii") if inline else relative
    element(
        section, "audio", controls="controls", preload="none", src=uri, data_sid=recording["sid"]
    )
    if inline:
        return len(data)
    link = element(element(section, "p", class_="note"), "a", relative, href=relative)
    link.tail = f" ({len(data)} bytes: linked, not inlined)"
    return 0


def _webhooks(body: Element, run: RunData) -> None:
    section = _section(body, "webhooks", "Webhook log")
    if run.webhook_total > len(run.webhooks):
        _note(section, f"Showing the first {len(run.webhooks)} of {run.webhook_total} requests.")
    keys = ("sid", "purpose", "method", "url", "attempt", "status", "error_code")
    table = _log_table(section, keys, run.webhooks, "webhook-log")
    for row, hook in zip(table.iterfind("tbody/tr"), run.webhooks, strict=True):
        status = hook.get("status")
        if not (isinstance(status, int) and 200 <= status < 300):
            row.set("class", "failed")


def _transcriptions(body: Element, run: RunData) -> None:
    section = _section(body, "transcriptions", "Transcriptions")
    if not run.transcriptions:
        _note(section, "None.")
        return
    rows = [
        (
            t.get("sid"),
            t.get("recording_sid"),
            run.labels.get(str(t.get("call_sid"))) or t.get("call_sid"),
            t.get("status"),
            t.get("duration"),
            t.get("transcription_text"),
        )
        for t in run.transcriptions
    ]
    headers = ("sid", "recording", "call", "status", "duration (s)", "text")
    _table(section, headers, rows).set("class", "transcriptions")


def _notifications(body: Element, run: RunData) -> None:
    section = _section(body, "notifications", "Notifications")
    if not run.notifications:
        _note(section, "None.")
        return
    keys = ("sid", "level", "code", "message", "line", "url")
    _log_table(section, keys, run.notifications, "notification-log")
    _note(section, "line: the line of the TwiML document the notification is about.")
