"""simtel: an offline, deterministic simulator of Twilio Programmable Voice call recording.

The public names below load on first use (PEP 562): `import simtel.cli` (and so `simtel run`
and `simtel --help`) does not pay for the whole engine before it knows what it runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

_HOMES = {
    "CallbackConfig": "simtel.engine.calls.call",
    "CallOptions": "simtel.engine.calls.call",
    "RecordingOptions": "simtel.engine.calls.call",
    "DEFAULT_PARTY": "simtel.engine.calls.parties",
    "Party": "simtel.engine.calls.parties",
    "Press": "simtel.engine.calls.parties",
    "Utterance": "simtel.engine.calls.parties",
    "NotFound": "simtel.errors",
    "ScenarioError": "simtel.errors",
    "SimtelError": "simtel.errors",
    "TwilioError": "simtel.errors",
    "Event": "simtel.events",
    "EventKind": "simtel.events",
    "EventLog": "simtel.events",
    "Simulator": "simtel.simulator",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
