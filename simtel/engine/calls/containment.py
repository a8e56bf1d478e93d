"""The last line of defence: an exception inside a call's process ends that call, not the run.

A call's lifecycle and its flow (TwiML) run as SimPy processes. A bug in simtel, or an input no
check foresaw, raising inside one of them would otherwise escape `env.run` and fail the clock
advance (and, in `simtel serve`, every advance after it). `contained` runs the steps of a call's
process and turns any exception into:

* a `notification` event on the call: code 11200 (the class Twilio's debugger uses when it could
  not get on with a call), level `error`, the exception as the message and its traceback in a
  `traceback` field, so the event log says what happened and where;
* the call `failed` if it is still live (its `completed` status callback goes out as usual).

The advance goes on, and so does every other call.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.events import EventKind

if TYPE_CHECKING:
    from simtel.engine.calls.call import Call
    from simtel.engine.calls.legs import CallEngine

#: the notification code of a call ended by an exception inside simtel
CALL_PROCESS_FAILED = 11200

log = logging.getLogger("simtel.engine")


def contained(
    engine: CallEngine, call: Call, steps: Generator[simpy.Event, Any, None]
) -> Generator[simpy.Event, Any, None]:
    """`steps`, with any exception ending `call` as `failed` (see the module docstring)."""
    try:
        yield from steps
    except Exception as error:
        fail_call(engine, call, error)


def fail_call(engine: CallEngine, call: Call, error: Exception) -> None:
    """Record `error` on `call` and end it `failed` (a no-op end for a call already over)."""
    log.error("call %s failed inside simtel", call.sid, exc_info=error)
    engine.sim.events.emit(
        EventKind.NOTIFICATION,
        call.sid,
        code=CALL_PROCESS_FAILED,
        level="error",
        message=f"The call failed inside simtel: {type(error).__name__}: {error}"[:1000],
        traceback="".join(traceback.format_exception(error)),
    )
    if call.is_live:
        try:
            engine.finish(call, "failed")
        except Exception:  # the call's state is past saving; the run goes on
            log.exception("call %s could not be ended after a failure", call.sid)
