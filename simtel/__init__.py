"""simtel: an offline, deterministic simulator of Twilio Programmable Voice call recording."""

from __future__ import annotations

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
