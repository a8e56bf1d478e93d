"""What the console's pages show, shaped from the store, the event log and `simtel.report`.

The call timeline and the recording waveform are `simtel.report`'s own SVG components (one
visual language with `simtel report`): this module only gathers their inputs from the live store
instead of a results folder. The webhook inspector rebuilds each logged request with the
dispatcher's `build` (same URL, headers and `X-Twilio-Signature` simtel sent: signing is
deterministic) beside the logged answer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soundfile as sf
from lxml import etree

from simtel.events import Event, EventKind
from simtel.report.data import RunData
from simtel.report.timeline import Family, family_svg
from simtel.report.waveform import capture_window, pause_marks, waveform_svg

if TYPE_CHECKING:
    from simtel.simulator import Simulator

#: the most child legs, recordings or log rows one call page reads
MAX_ROWS = 200


def svg_markup(svg: etree._Element) -> str:
    return str(etree.tostring(svg, encoding="unicode"))


def family_of(sim: Simulator, call: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The call's family: its root (the parent, when `call` is a child leg) and the root's legs."""
    store = sim.store
    root = call
    parent_sid = call.get("parent_call_sid")
    if parent_sid:
        root = store.get("calls", str(parent_sid)) or call
    legs = store.list_page(
        "calls", filters={"parent_call_sid": root["sid"]}, page_size=MAX_ROWS
    ).items
    return root, sorted(legs, key=lambda leg: (leg.get("date_created") or 0, leg["sid"]))


def recordings_of(sim: Simulator, call_sids: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for sid in call_sids:
        found += sim.store.list_page(
            "recordings", filters={"call_sid": sid}, page_size=MAX_ROWS
        ).items
    return sorted(found, key=lambda r: (r.get("date_created") or 0, r["sid"]))


def timeline_svg(
    sim: Simulator,
    root: dict[str, Any],
    legs: list[dict[str, Any]],
    recordings: list[dict[str, Any]],
) -> str:
    """`simtel.report`'s call-family timeline over the live store."""
    sids = [c["sid"] for c in (root, *legs)] + [r["sid"] for r in recordings]
    run = RunData(
        directory=Path("."),
        calls=[root, *legs],
        recordings=recordings,
        events_by_sid={sid: sim.store.events(sid=sid) for sid in sids},
        webhooks=[],
        webhook_total=0,
        notifications=[],
        notification_total=0,
        spans=[],
        recording_totals=[],
        summary=None,
    )
    return svg_markup(family_svg(run, Family(root, legs)))


@dataclass(frozen=True, slots=True)
class VerbRow:
    t: float
    verb: str
    line: int | None
    details: str


def executed_verbs(events: list[Event]) -> list[VerbRow]:
    rows: list[VerbRow] = []
    for event in events:
        if event.kind != EventKind.TWIML_VERB:
            continue
        fields = event.fields
        shown = {
            k: v for k, v in fields.items() if k not in ("verb", "line") and v not in (None, "", [])
        }
        details = ", ".join(f"{k}={v}" for k, v in shown.items())
        line = fields.get("line")
        rows.append(
            VerbRow(
                event.t, str(fields.get("verb")), line if isinstance(line, int) else None, details
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class Exchange:
    """One attempt of one webhook: what simtel sent and what the app answered."""

    seq: int
    t: float
    sid: str
    purpose: str
    attempt: int
    method: str
    url: str
    params: list[tuple[str, str]]
    request_headers: list[tuple[str, str]]
    signature: str
    status: int | None
    error_code: int | None
    response_headers: list[tuple[str, str]]
    body: str | None
    latency: float | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def exchanges(sim: Simulator, sids: list[str]) -> list[Exchange]:
    """Every logged webhook attempt about `sids`, in log order."""
    rows: list[dict[str, Any]] = []
    for sid in sids:
        rows += sim.store.webhooks(sid)[:MAX_ROWS]
    rows.sort(key=lambda row: int(row["seq"]))
    return [_exchange(sim, row) for row in rows]


def _exchange(sim: Simulator, row: dict[str, Any]) -> Exchange:
    params = [(str(k), str(v)) for k, v in row.get("params") or []]
    method = str(row.get("method") or "POST")
    token = sim.webhooks.signing_token(tuple(params), str(row.get("sid") or ""))
    request = sim.webhooks.build(str(row["url"]), method, tuple(params), token)
    headers = [(str(k), str(v)) for k, v in request.headers]
    signature = next((v for k, v in headers if k.lower() == "x-twilio-signature"), "")
    latency = row.get("latency")
    return Exchange(
        seq=int(row["seq"]),
        t=float(row["t"]),
        sid=str(row["sid"]),
        purpose=str(row.get("purpose")),
        attempt=int(row.get("attempt") or 1),
        method=method,
        url=request.url,
        params=params,
        request_headers=headers,
        signature=signature,
        status=row.get("status"),
        error_code=row.get("error_code"),
        response_headers=[(str(k), str(v)) for k, v in row.get("headers") or []],
        body=row.get("body"),
        latency=float(latency) if isinstance(latency, int | float) else None,
    )


def notifications_of(sim: Simulator, sids: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for sid in sids:
        rows += sim.store.notifications(sid)[:MAX_ROWS]
    return sorted(rows, key=lambda row: int(row["seq"]))


@dataclass(frozen=True, slots=True)
class Waveform:
    svg: str
    channels: int
    seconds: float
    notes: list[str]


def waveform(sim: Simulator, recording: dict[str, Any], wav: bytes) -> Waveform:
    """`simtel.report`'s waveform of the recording's WAV, pauses placed from its events."""
    samples, rate = sf.read(io.BytesIO(wav), dtype="float64", always_2d=True)
    seconds = len(samples) / rate
    events = sim.store.events(sid=str(recording["sid"]))
    window = capture_window(float(recording.get("start_time") or 0.0), events)
    marks, trimmed = pause_marks(window, seconds)
    label = f"Waveform of {recording['sid']}"
    svg = waveform_svg(np.asarray(samples), int(rate), marks, label=label)
    notes = [f"{seconds:.2f} s of audio"]
    notes += [f"paused ({m.behavior}) at {m.start:.2f} s" for m in marks]
    if trimmed:
        notes.append(f"trim-silence removed {trimmed:.2f} s")
    return Waveform(svg_markup(svg), int(samples.shape[1]), seconds, notes)
