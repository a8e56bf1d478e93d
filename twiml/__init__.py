"""Standalone TwiML (voice) parser and interpreter: no SimPy, no simtel.

``parse`` turns a document into a typed verb tree (:mod:`twiml.verbs`); ``Interpreter`` runs
documents as a coroutine that yields commands (:mod:`twiml.commands`) and receives outcomes.

The names load on first use (PEP 562), except ``parse`` and ``TwiMLError``: the function
``parse`` shares its name with the module ``twiml.parse``, which would shadow a lazy name once
imported. ``twiml.parse`` itself loads lxml only with the first document it parses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from twiml.parse import TwiMLError, parse

if TYPE_CHECKING:
    from twiml.commands import (
        Ack,
        CallEnd,
        Command,
        ConferenceOptions,
        Dial,
        DialResult,
        DialTarget,
        Enqueue,
        EnqueueResult,
        Fetch,
        FetchResult,
        Gather,
        GatherResult,
        InitialRequest,
        Notice,
        Notify,
        Outcome,
        Pause,
        Play,
        Played,
        Record,
        RecordResult,
        Say,
        StartRecording,
        StopRecording,
    )
    from twiml.interpreter import APPLICATION_ERROR, MAX_IDLE_DOCUMENTS, Interpreter
    from twiml.verbs import Document

__all__ = [
    "APPLICATION_ERROR",
    "MAX_IDLE_DOCUMENTS",
    "Ack",
    "CallEnd",
    "Command",
    "ConferenceOptions",
    "Dial",
    "DialResult",
    "DialTarget",
    "Document",
    "Enqueue",
    "EnqueueResult",
    "Fetch",
    "FetchResult",
    "Gather",
    "GatherResult",
    "InitialRequest",
    "Interpreter",
    "Notice",
    "Notify",
    "Outcome",
    "Pause",
    "Play",
    "Played",
    "Record",
    "RecordResult",
    "Say",
    "StartRecording",
    "StopRecording",
    "TwiMLError",
    "parse",
]

_HOMES = {
    "Ack": "twiml.commands",
    "CallEnd": "twiml.commands",
    "Command": "twiml.commands",
    "ConferenceOptions": "twiml.commands",
    "Dial": "twiml.commands",
    "DialResult": "twiml.commands",
    "DialTarget": "twiml.commands",
    "Enqueue": "twiml.commands",
    "EnqueueResult": "twiml.commands",
    "Fetch": "twiml.commands",
    "FetchResult": "twiml.commands",
    "Gather": "twiml.commands",
    "GatherResult": "twiml.commands",
    "InitialRequest": "twiml.commands",
    "Notice": "twiml.commands",
    "Notify": "twiml.commands",
    "Outcome": "twiml.commands",
    "Pause": "twiml.commands",
    "Play": "twiml.commands",
    "Played": "twiml.commands",
    "Record": "twiml.commands",
    "RecordResult": "twiml.commands",
    "Say": "twiml.commands",
    "StartRecording": "twiml.commands",
    "StopRecording": "twiml.commands",
    "APPLICATION_ERROR": "twiml.interpreter",
    "MAX_IDLE_DOCUMENTS": "twiml.interpreter",
    "Interpreter": "twiml.interpreter",
    "Document": "twiml.verbs",
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
