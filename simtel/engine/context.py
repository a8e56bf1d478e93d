"""What the engine needs from the simulation around it: the engine context.

The engine (`simtel.engine.*`) is written against `EngineContext`, never against `Simulator`, the
store or the REST layer: it runs on a SimPy environment, draws from a seeded generator, mints
SIDs, tells time on the clock, appends to the event log, and reaches the user's app through the
webhook interface (`deliver`, `fetch`, `router`). `simtel.simulator.Simulator` is one
implementation: it composes these pieces with the store and the webhook dispatcher and hands
itself to the engines it builds. A test (tests/test_engine_layering.py) parses every engine
module and refuses an import of `simtel.simulator`, `simtel.api` or `simtel.store`.

The context also carries the engines themselves (`call_engine`, `recorder`) because they call
each other (a trunk call starts a recording, a finished call stops it); each is built with the
context and reads the others through it.

Two narrow views stand in for outside services: `MediaCache` (rendered downloads, kept by the
simulator's media store) and `ResourceLookup` (the store's read of a resource row, which the
engine uses only to tell "gone from memory" from "never existed").
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import simpy

from simtel.account import Account
from simtel.clock import Clock
from simtel.events import EventLog
from simtel.sids import SidMinter
from simtel.webhooks import Transport, WebhookOutcome, WebhookRequest
from simtel.webhooks.media import MediaLoader

if TYPE_CHECKING:
    from simtel.engine.calls.call import Call
    from simtel.engine.calls.legs import CallEngine
    from simtel.engine.calls.parties import Party
    from simtel.engine.queues.lifecycle import Queues
    from simtel.engine.recordings.recorder import Recorder

#: what a connected call runs (its TwiML, or plain talk until hang-up)
Flow = Callable[["Call"], Generator[simpy.Event, Any, None]]


class MediaCache(Protocol):
    """Rendered media of recordings, by (SID, format, channel count or None for the stored)."""

    def get(self, recording_sid: str, fmt: str, channels: int | None = None) -> bytes | None: ...

    def put(self, recording_sid: str, fmt: str, channels: int | None, data: bytes) -> None: ...

    def delete(self, recording_sid: str) -> int: ...


class ResourceLookup(Protocol):
    """The stored row of a resource (the projection of the event log), or None."""

    def get(
        self, table: str, sid: str, *, conference_sid: str | None = None
    ) -> dict[str, Any] | None: ...


class Routes(Protocol):
    """Where a URL goes: an app mounted in process, or HTTP."""

    def route(self, url: str) -> Transport: ...


class EngineContext(Protocol):
    """The engine's view of one simulation (see the module docstring).

    Attributes are read-only here: the engine never rebinds them, it uses what they hold.
    """

    @property
    def env(self) -> simpy.Environment: ...

    @property
    def rng(self) -> np.random.Generator: ...

    @property
    def seed(self) -> int: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def sids(self) -> SidMinter: ...

    @property
    def account(self) -> Account: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def public_url(self) -> str: ...

    @property
    def media_dir(self) -> Path | None: ...

    @property
    def keep_media(self) -> bool: ...

    @property
    def calls(self) -> dict[str, Call]: ...

    @property
    def media(self) -> MediaCache: ...

    @property
    def store(self) -> ResourceLookup: ...

    @property
    def router(self) -> Routes: ...

    @property
    def call_engine(self) -> CallEngine: ...

    @property
    def recorder(self) -> Recorder: ...

    @property
    def queues(self) -> Queues:
        """Call queues (`simtel.engine.queues`): `<Enqueue>` and `<Dial><Queue>` run there."""
        ...

    @property
    def media_loader(self) -> MediaLoader:
        """The audio `<Play>` and wait URLs name (`simtel.webhooks.media`)."""
        ...

    @property
    def now(self) -> float: ...

    def deliver(self, request: WebhookRequest) -> None:
        """Send a fire-and-forget webhook (status callbacks) at the current simulated time."""

    def fetch(self, request: WebhookRequest) -> Generator[simpy.Event, Any, WebhookOutcome]:
        """Send a webhook and wait its simulated latency (TwiML and action requests)."""
        ...

    def party_for(self, address: str) -> Party:
        """Who answers (or calls from) `address`."""
        ...

    def flow_for(self, call: Call) -> Flow:
        """What a connected call runs."""
        ...
