"""Standalone TwiML (voice) parser and interpreter: no SimPy, no simtel.

``parse`` turns a document into a typed verb tree (:mod:`twiml.verbs`); ``Interpreter`` runs
documents as a coroutine that yields commands (:mod:`twiml.commands`) and receives outcomes.

The names load on first use (PEP 562), except ``parse`` and ``TwiMLError``: the function
``parse`` shares its name with the module ``twiml.parse``, which would shadow a lazy name once
imported. ``twiml.parse`` itself loads lxml only with the first document it parses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

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

_MODULES = {
    "commands": (
        "Ack",
        "CallEnd",
        "Command",
        "ConferenceOptions",
        "Dial",
        "DialResult",
        "DialTarget",
        "Enqueue",
        "EnqueueResult",
        "Fetch",
        "FetchResult",
        "Gather",
        "GatherResult",
        "InitialRequest",
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
    ),
    "interpreter": (
        "APPLICATION_ERROR",
        "MAX_IDLE_DOCUMENTS",
        "Interpreter",
    ),
    "verbs": ("Document",),
}


__getattr__, _, _ = lazy_loader.attach(__name__, submod_attrs=_MODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
