"""simtel: an offline, deterministic simulator of Twilio Programmable Voice call recording.

The public names below load on first use (PEP 562): `import simtel.cli` (and so `simtel run`
and `simtel --help`) does not pay for the whole engine before it knows what it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from simtel.engine.calls.call import CallbackConfig, CallOptions, RecordingOptions
    from simtel.engine.calls.parties import DEFAULT_PARTY, Party, Press, Utterance
    from simtel.errors import NotFound, ScenarioError, SimtelError, TwilioError
    from simtel.events import Event, EventKind, EventLog
    from simtel.simulator import Simulator

__all__ = [
    "DEFAULT_PARTY",
    "CallOptions",
    "CallbackConfig",
    "Event",
    "EventKind",
    "EventLog",
    "NotFound",
    "Party",
    "Press",
    "RecordingOptions",
    "ScenarioError",
    "SimtelError",
    "Simulator",
    "TwilioError",
    "Utterance",
]

__version__ = "0.1.0"

_MODULES = {
    "engine.calls.call": (
        "CallbackConfig",
        "CallOptions",
        "RecordingOptions",
    ),
    "engine.calls.parties": (
        "DEFAULT_PARTY",
        "Party",
        "Press",
        "Utterance",
    ),
    "errors": (
        "NotFound",
        "ScenarioError",
        "SimtelError",
        "TwilioError",
    ),
    "events": (
        "Event",
        "EventKind",
        "EventLog",
    ),
    "simulator": ("Simulator",),
}


__getattr__, _, _ = lazy_loader.attach(__name__, submod_attrs=_MODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
