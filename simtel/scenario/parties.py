"""Scenario values turned into engine objects: parties, call options, recording options.

Party keys in a scenario read as the person does: `answer` (answer, busy, no-answer, fail),
`answer_after`, `hangup_after` (null: stays until the other side ends the call), `talk` (spurts,
script, silent), `script` (`{at, say}` lines: `talk` becomes `script` when only a script is
given), `presses` (`{at, digits}`), `pitch_hz`, `name`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from simtel.engine.calls.call import CallbackConfig, CallOptions, RecordingOptions
from simtel.engine.calls.parties import Party, Press, Reply, Utterance

if TYPE_CHECKING:
    from simtel.scenario.loader import Block, Scenario

_PARTY_FIELDS = {
    "answer": "outcome",
    "answer_after": "answer_after",
    "hangup_after": "hangup_after",
    "talk": "talk",
    "pitch_hz": "pitch_hz",
    "name": "name",
}


def party_from(block: Block | None, base: Party) -> Party:
    """`base` with the keys of `block` applied over it."""
    if not block:
        return base
    changes: dict[str, Any] = {
        field: block[key] for key, field in _PARTY_FIELDS.items() if key in block
    }
    if "script" in block:
        changes["script"] = tuple(
            Utterance(line["at"], line["say"], line.get("duration")) for line in block["script"]
        )
        changes.setdefault("talk", "script")
    if "presses" in block:
        changes["presses"] = tuple(
            Press(press["at"], press["digits"], press.get("interval", 0.3))
            for press in block["presses"]
        )
    if "replies" in block:
        changes["replies"] = tuple(_reply(item) for item in block["replies"])
    return replace(base, **changes)


def _reply(item: Any) -> Reply:
    """A `replies:` item: the text, or `{say, after}`."""
    if isinstance(item, str):
        return Reply(item)
    return Reply(str(item["say"]), float(item.get("after", 0.5)))


def recording_options(block: Block) -> RecordingOptions:
    """`recording_channels`, `recording_track`, `trim`, `recording_status_callback[_events]`."""
    defaults = RecordingOptions()
    return RecordingOptions(
        channels=block.get("recording_channels", defaults.channels),
        track=block.get("recording_track", defaults.track),
        trim=block.get("trim", defaults.trim),
        status_callback=block.get("recording_status_callback"),
        status_callback_events=tuple(
            block.get("recording_status_callback_events", defaults.status_callback_events)
        ),
    )


def start_recording_options(block: Block) -> RecordingOptions:
    """The `start_recording` of an action (the StartCallRecording API's parameters)."""
    defaults = RecordingOptions()
    return RecordingOptions(
        channels=block.get("channels", defaults.channels),
        track=block.get("track", defaults.track),
        trim=block.get("trim", "do-not-trim"),
        status_callback=block.get("status_callback"),
        status_callback_events=tuple(
            block.get("status_callback_events", defaults.status_callback_events)
        ),
    )


def twiml_of(scenario: Scenario, block: Block) -> tuple[str | None, str | None]:
    """The (url, twiml) a block names with `url`, `twiml` or `twiml_file` (at most one)."""
    given = [key for key in ("url", "twiml", "twiml_file") if key in block]
    if len(given) > 1:
        raise scenario.error(block, given[1], "give only one of url, twiml, twiml_file")
    if "twiml_file" in block:
        path = scenario.resolve(str(block["twiml_file"]))
        try:
            return None, path.read_text(encoding="utf-8")
        except OSError as error:
            raise scenario.error(
                block, "twiml_file", f"cannot read {path}: {error.strerror}"
            ) from None
    return block.get("url"), block.get("twiml")


def call_options(scenario: Scenario, block: Block) -> CallOptions:
    """CreateCall's parameters from a scripted call or an outbound traffic stream."""
    url, twiml = twiml_of(scenario, block)
    defaults = CallOptions()
    status = CallbackConfig(
        block.get("status_callback"),
        "POST",
        tuple(block.get("status_callback_events", ("completed",))),
    )
    return CallOptions(
        url=url,
        method=block.get("method", "POST"),
        twiml=twiml,
        status=status,
        timeout=block.get("timeout", defaults.timeout),
        time_limit=block.get("time_limit", defaults.time_limit),
        record=bool(block.get("record", False)),
        recording=recording_options(block),
    )
