"""Lifecycles as tables: which status may follow which, declared as data.

`advance` is the one function that moves a resource's status; it refuses an illegal move with the
Twilio error the API answers for it. The tables are the documentation: read them to know what a
resource can do next.
"""

from __future__ import annotations

from collections.abc import Mapping

from simtel.errors import TwilioError

#: Call statuses as the REST resource shows them.
#: `initiated` is a webhook-only moment, not a status.
CALL_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "queued": frozenset({"ringing", "canceled", "failed", "busy", "no-answer"}),
    "ringing": frozenset({"in-progress", "busy", "no-answer", "failed", "canceled"}),
    "in-progress": frozenset({"completed", "failed"}),
    "completed": frozenset(),
    "busy": frozenset(),
    "no-answer": frozenset(),
    "failed": frozenset(),
    "canceled": frozenset(),
}

CALL_TERMINAL = frozenset(s for s, nxt in CALL_TRANSITIONS.items() if not nxt)

#: Recording statuses. `stopped` is reached from a stop command or the end of the recorded call;
#: post-processing then moves it to `processing` and on to `completed` or `absent`. `deleted` is
#: the soft delete of a completed recording.
RECORDING_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "in-progress": frozenset({"paused", "stopped"}),
    "paused": frozenset({"in-progress", "stopped"}),
    "stopped": frozenset({"processing"}),
    "processing": frozenset({"completed", "absent", "failed"}),
    "completed": frozenset({"deleted"}),
    "absent": frozenset(),
    "failed": frozenset(),
    "deleted": frozenset(),
}


class IllegalTransition(TwilioError):
    """A status move the lifecycle table does not allow."""


def advance(
    table: Mapping[str, frozenset[str]],
    current: str,
    new: str,
    *,
    code: int,
    status: int = 400,
    what: str = "resource",
) -> str:
    """Return `new` if `current -> new` is allowed by `table`; raise `IllegalTransition` otherwise.

    `code`/`status` are the Twilio error the caller wants reported for a refused move (21220 for a
    call that is not in progress, 20009 for deleting an incomplete recording, ...).
    """
    allowed = table.get(current)
    if allowed is not None and new in allowed:  # the move every step of a call makes: first
        return new
    if new not in table:
        raise IllegalTransition(code, status, f"Unknown {what} status '{new}'")
    if new not in table.get(current, frozenset()):
        raise IllegalTransition(
            code, status, f"Cannot change {what} status from '{current}' to '{new}'"
        )
    return new
