"""Standalone TwiML (voice) parser and interpreter: no SimPy, no simtel.

``parse`` turns a document into a typed verb tree (:mod:`twiml.verbs`); ``Interpreter`` runs
documents as a coroutine that yields commands (:mod:`twiml.commands`) and receives outcomes.
"""

from __future__ import annotations

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
from twiml.parse import TwiMLError, parse
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
