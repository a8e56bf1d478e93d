"""A readable timeline of a run: one line per event, in words a learner follows.

`timeline(events)` gives `(seconds, who, what, kind)` rows: calls are named `call 1`, `call 2`
... in the order they appear (a `<Dial>` leg says whose leg it is), recordings `rec 1`, ...;
`what` says what happened: a TwiML verb and its main attributes, a webhook with its method, URL
and answer, a status change, a recording's progress, a notification with its code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from simtel.events import Event, EventKind

Row = tuple[float, str, str, str]
QUIET = frozenset({EventKind.NUMBER_CREATED, EventKind.NUMBER_UPDATED})
_VERB_KEYS = {
    "Say": ("text",),
    "Play": ("url", "digits"),
    "Pause": ("length",),
    "Record": ("max_length", "timeout", "play_beep", "finish_on_key", "trim"),
    "Dial": ("record", "targets", "timeout", "recording_track"),
    "Gather": ("input", "num_digits", "timeout"),
    "Start": ("channels", "track", "trim"),
    "Stop": (),
    "Hangup": (),
    "Reject": ("reason",),
}


class Names:
    """Short stable names for SIDs: `call 1`, `rec 1`, `conf 1`, ..."""

    PREFIXES: ClassVar[dict[str, str]] = {
        "CA": "call",
        "RE": "rec",
        "CF": "conf",
        "TR": "transcript",
        "TK": "trunk",
    }

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def __call__(self, sid: str) -> str:
        if not sid:
            return "-"
        name = self._names.get(sid)
        if name is None:
            kind = self.PREFIXES.get(sid[:2], sid[:2])
            self._counts[kind] = self._counts.get(kind, 0) + 1
            name = self._names[sid] = f"{kind} {self._counts[kind]}"
        return name


def timeline(events: Iterable[Event]) -> list[Row]:
    names = Names()
    rows: list[Row] = []
    for event in events:
        if event.kind in QUIET:
            continue
        rows.append((event.t, names(event.sid), describe(event, names), str(event.kind)))
    return rows


def describe(event: Event, names: Names) -> str:
    fields, kind = event.fields, event.kind
    if kind == EventKind.CALL_CREATED:
        parent = fields.get("parent_call_sid")
        leg = f" (leg of {names(parent)})" if parent else ""
        return f"{fields['direction']} call from {fields['from']} to {fields['to']}{leg}"
    if kind in (EventKind.CALL_UPDATED, EventKind.CONFERENCE_UPDATED):
        return _status_change(fields, "duration", " s")
    if kind == EventKind.CALL_PROGRESS:
        return f"dialing ({fields.get('event')})"
    if kind == EventKind.PARTY_DIGITS:
        return f"party presses {fields.get('digits')}"
    if kind == EventKind.PARTY_HANGUP:
        return "party hangs up"
    if kind == EventKind.TWIML_VERB:
        return verb_text(fields)
    if kind == EventKind.WEBHOOK:
        return webhook_text(fields)
    if kind == EventKind.RECORDING_CREATED:
        channels = "dual" if fields.get("channels") == 2 else "mono"
        owner = names(fields.get("call_sid") or fields.get("conference_sid") or "")
        return (
            f"recording starts: source {fields.get('source')}, {channels}, "
            f"track {fields.get('track')}, of {owner}"
        )
    if kind == EventKind.RECORDING_UPDATED:
        return "recording " + _status_change(fields, "duration", " s")
    if kind == EventKind.NOTIFICATION:
        line = f" (line {fields['line']})" if fields.get("line") else ""
        return (
            f"{fields.get('level', 'notice')} {fields.get('code')}: {fields.get('message')}{line}"
        )
    return f"{kind}: " + _status_change(fields, "", "")


def verb_text(fields: Mapping[str, Any]) -> str:
    verb = str(fields.get("verb"))
    noun = f"><{fields['noun']}" if fields.get("noun") else ""
    keys = _VERB_KEYS.get(verb, ())
    parts = []
    for key in keys:
        value = fields.get(key)
        if value in (None, "", [], False):
            continue
        if isinstance(value, list):
            value = " ".join(str(item) for item in value)
        parts.append(f'"{value}"' if key == "text" else f"{_camel(key)}={value}")
    return f"<{verb}{noun}> " + " ".join(parts) if parts else f"<{verb}{noun}>"


def webhook_text(fields: Mapping[str, Any]) -> str:
    params = dict(fields.get("params") or [])
    answer = fields.get("status") or f"failed {fields.get('error_code')}"
    about = params.get("RecordingStatus") or params.get("CallStatus") or ""
    attempt = f", attempt {fields['attempt']}" if fields.get("attempt", 1) > 1 else ""
    detail = f" [{about}]" if about else ""
    return (
        f"webhook {fields.get('purpose')}{detail}: {fields.get('method')} {fields.get('url')}"
        f" -> {answer}{attempt}"
    )


def _status_change(fields: Mapping[str, Any], extra: str, unit: str) -> str:
    status = fields.get("status")
    shown = [f"-> {status}"] if status else []
    if extra and fields.get(extra) is not None:
        shown.append(f"{extra} {fields[extra]}{unit}")
    if fields.get("error_code"):
        shown.append(f"error {fields['error_code']}")
    if not shown:
        changed = sorted(key for key in fields if key != "date_updated")
        return "updated " + ", ".join(changed)
    return ", ".join(shown)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
