"""The composition root: one simulation's environment, randomness, clock, store and webhooks.

A `Simulator` owns one SimPy environment, one seeded random generator (plus a separate stream for
SIDs), the event log and the store that consumes it, and the webhook dispatcher. Everything that
changes state is a command on it (or on the engines it holds); time moves only through
`advance` and `run`. Two simulators in one process share nothing.

It is also a context manager (closing the store), and thread-safe in the way `simtel serve`
needs: commands and time steps take `lock`; the lock is released while a webhook is waiting for
the user's app, so that app may call the REST API back during the webhook.

This module builds and wires the parts (`__init__`, the engines built on first use, `reset`)
and holds the commands (numbers, parties, calls, recording media); the clock control (`now`,
`advance`, `run`) is `simtel.running.RunControl`, the webhooks out and the lock released around
them `simtel.app_side.AppSide`, both bases of `Simulator`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from simtel.account import Account, PhoneNumber
from simtel.accounts import Accounts, refuse_inactive_inbound
from simtel.app_side import AppSide
from simtel.clock import DEFAULT_EPOCH, Clock, parse_epoch
from simtel.engine.calls.call import Call, CallbackConfig, CallOptions
from simtel.engine.calls.legs import CallEngine
from simtel.engine.calls.parties import DEFAULT_PARTY, Party
from simtel.engine.context import Flow
from simtel.engine.recordings.media import attach_encryption, media_job
from simtel.engine.recordings.recorder import Recorder
from simtel.engine.recordings.transcriber import Transcriber
from simtel.engine.trunks.trunking import Trunks
from simtel.errors import NotFound
from simtel.events import EventKind, EventLog
from simtel.notifications import Notification, assert_no_errors, notifications_in
from simtel.resets import Generations, TrackedEnvironment, retire
from simtel.running import RunControl
from simtel.sids import SidMinter
from simtel.stepping import StepTurns
from simtel.store import MediaStore, Store, Writer
from simtel.store.media import DEFAULT_CACHE_BYTES
from simtel.webhooks import (
    LatencyModel,
    Router,
    WebhookDispatcher,
    WebhookRequest,
    ZeroLatency,
)
from simtel.webhooks.media import MediaLoader, MediaMap

# Built on first use (`conferences`, `queues`, `flow_for`): a simulation that runs no TwiML,
# conference or queue never imports them, nor the TwiML interpreter they stand on.
if TYPE_CHECKING:
    from simtel.engine.conferences.lifecycle import Conferences
    from simtel.engine.queues.lifecycle import Queues


def default_auth_token(seed: int) -> str:
    """The auth token a simulation uses when none is given: 32 hex digits from the seed."""
    return hashlib.sha256(f"simtel-auth-token-{seed}".encode()).hexdigest()[:32]


class Simulator(AppSide, RunControl):
    """One deterministic simulation of a Twilio account.

    `seed` fixes every random draw and SID; `epoch` is the datetime of simulated second 0;
    `db` is a SQLite file path (None keeps the store in memory); `account_sid`/`auth_token`
    default to values derived from the seed (see `default_auth_token`); `public_url` is the
    origin simtel's own URLs (media, RecordingUrl) point at; `media_map` (URL prefix -> folder,
    see `simtel.webhooks.media.MediaMap`) serves `<Play>` URLs that no mounted app serves;
    rendered recordings are cached in `media_dir`, or in memory up to `media_cache_mb` (least
    recently used forgotten first).

    Retention (the store is the record either way). By default a simulation with a file
    database (`db`, and so `simtel run`) keeps only live calls and recordings in memory, as if
    `keep_events=False, keep_media=False`: memory stays bounded however long the run. Without a
    file database the defaults keep everything (`True`, `True`), as tests expect.

    * `keep_events=False`: `events` holds no events; subscribers get each one as it happens, and
      reading the log back (`write_jsonl`, iteration) reads the store's events table.
    * `keep_media=False`: a call leaves `calls` when it ends, and a recording leaves
      `recorder.recordings` once post-processed (`completed` or `absent`), taking its audio
      timelines with it: its media then answers 20404 "not retained in this run" (never an
      empty file), and the REST commands that need the live object (deleting it, updating a
      finished call) no longer find it. Metadata reads come from the store as always.

    `store_writer="process"` (a file database only) has a child process project the events
    into the file (`simtel.store.process`): a run that reads the store at the end runs beside
    it on a second core; every read waits for the child first. `"auto"` (what `simtel run`
    uses) starts a child only once the run has filled the child's first batch of events.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        epoch: datetime | str = DEFAULT_EPOCH,
        db: str | Path | None = None,
        account_sid: str | None = None,
        auth_token: str | None = None,
        public_url: str = "http://127.0.0.1:8080",
        allow_http: bool = True,
        latency: LatencyModel | None = None,
        media_dir: str | Path | None = None,
        media_cache_mb: float = DEFAULT_CACHE_BYTES / 2**20,
        keep_events: bool | None = None,
        keep_media: bool | None = None,
        media_map: MediaMap | Mapping[str, str | Path] | None = None,
        store_writer: Writer = "thread",
    ) -> None:
        self._config: dict[str, Any] = {
            "seed": seed,
            "epoch": epoch,
            "db": db,
            "account_sid": account_sid,
            "auth_token": auth_token,
            "public_url": public_url,
            "allow_http": allow_http,
            "latency": latency,
            "media_dir": media_dir,
            "media_cache_mb": media_cache_mb,
            "keep_events": keep_events,
            "keep_media": keep_media,
            "media_map": media_map,
            "store_writer": store_writer,
        }
        self.seed = seed
        lean = db is not None  # a file database is the record: memory holds live state only
        self.keep_media = not lean if keep_media is None else keep_media
        self.env: simpy.Environment = TrackedEnvironment()
        self.rng = np.random.Generator(np.random.PCG64([seed, 1]))
        self.clock = Clock(parse_epoch(epoch))
        self.sids = SidMinter(seed)
        self.account = Account(
            sid=account_sid or self.sids.mint("AC"),
            auth_token=auth_token or default_auth_token(seed),
        )
        #: the main account and its subaccounts (`simtel.accounts`)
        self.accounts = Accounts(self.account, seed)
        self.public_url = public_url.rstrip("/")
        self.media_dir = Path(media_dir) if media_dir is not None else None
        self.lock = threading.RLock()
        #: one stepping thread at a time, first come first served (kept across `reset`)
        self.turns: StepTurns = self.__dict__.get("turns") or StepTurns()
        self.generations = Generations()
        self.store = Store(None if db is None else Path(db), writer=store_writer)
        keep = not lean if keep_events is None else keep_events
        self.events = EventLog(lambda: self.env.now, keep=keep, history=self.store)
        self.events.subscribe(self.store.consume)
        self.router = Router(allow_http=allow_http)
        self.webhooks = WebhookDispatcher(
            self.account.auth_token,
            self.events,
            self.router,
            latency or ZeroLatency(),
            release=self._released,
            tokens=self._signing_token,
        )
        if not isinstance(media_map, MediaMap):
            media_map = MediaMap(media_map)
        self.media_loader = MediaLoader(self.webhooks, media_map)
        self.calls: dict[str, Call] = {}
        self._due_callbacks: list[WebhookRequest] = []
        self.numbers: dict[str, PhoneNumber] = {}
        #: numbers given by code (not REST), with their settings then: what `reset` restores
        self.configured_numbers: dict[str, dict[str, Any]] = {}
        self.parties: dict[str, Party] = {}
        self.default_party = DEFAULT_PARTY
        self.media = MediaStore(self.media_dir, max_bytes=int(media_cache_mb * 2**20))
        self.call_engine = CallEngine(self)
        self._twiml_flow: Flow | None = None
        self.recorder = Recorder(self)
        for built_on_first_use in ("conferences", "queues"):  # a reset builds them afresh
            self.__dict__.pop(built_on_first_use, None)
        # the conferences' `on_end` hook keeps its place (after the recorder's) whenever they
        # are built
        self.call_engine.on_end.append(self._conference_call_ended)
        self.trunks = Trunks(self)
        self.transcriber = Transcriber(self)
        attach_encryption(self)

    @cached_property
    def conferences(self) -> Conferences:
        """The conference engine (`simtel.engine.conferences`), built on first use."""
        from simtel.engine.conferences.lifecycle import Conferences

        return Conferences(self)

    @cached_property
    def queues(self) -> Queues:
        """The call queues (`simtel.engine.queues`), built on first use."""
        from simtel.engine.queues.lifecycle import Queues

        return Queues(self)

    def _conference_call_ended(self, call: Call) -> None:
        conferences = self.__dict__.get("conferences")  # unbuilt: no participant can be waiting
        if conferences is not None:
            conferences.call_ended(call)

    # -- what Twilio's debugger would show -------------------------------------------------------
    @property
    def notifications(self) -> list[Notification]:
        """Every error and warning notification so far, in order (see `simtel.notifications`)."""
        return notifications_in(self.events)

    def assert_no_errors(self) -> None:
        """Fail (`AssertionError`) listing each error notification and each 11xxx/12xxx/13xxx
        warning so far, with its code, message and TwiML line."""
        __tracebackhide__ = True
        assert_no_errors(self.notifications)

    # -- numbers and parties ------------------------------------------------------------------
    def add_number(
        self, phone_number: str, *, configured: bool = True, **config: Any
    ) -> PhoneNumber:
        """Own `phone_number`; `config` takes PhoneNumber's fields (voice_url, twiml, ...).

        A number added here is part of the simulation's configuration: `reset` adds it again as
        it was given. The REST API passes `configured=False`: what a client creates, changes or
        releases through REST is gone after a reset, like every other REST-created state."""
        with self.lock:
            number = PhoneNumber(sid=self.sids.mint("PN"), phone_number=phone_number, **config)
            if configured:
                self.configured_numbers[phone_number] = dict(config)
            self.numbers[phone_number] = number
            self.events.emit(EventKind.NUMBER_CREATED, number.sid, **_number_fields(self, number))
            return number

    def set_party(self, address: str, party: Party) -> None:
        """Who answers when `address` is called (or who is calling, for inbound calls)."""
        self.parties[address] = party

    def party_for(self, address: str) -> Party:
        return self.parties.get(address, self.default_party)

    # -- calls --------------------------------------------------------------------------------
    def create_call(
        self,
        to: str,
        from_: str,
        options: CallOptions | None = None,
        party: Party | None = None,
        *,
        account_sid: str | None = None,
    ) -> Call:
        """CreateCall: an outbound-api call to `to`, answered as `party` (or the number's party),
        made by the account `account_sid` (None: the main account; 10001 when it is not
        active)."""
        with self.lock:
            self.accounts.require_active(account_sid)
            call = self.call_engine.new_call(
                to=to,
                from_=from_,
                direction="outbound-api",
                options=options or CallOptions(),
                party=party or self.party_for(to),
                account_sid=account_sid,
            )
            self.call_engine.start_outbound(call)
            return call

    def place_inbound_call(self, from_: str, to: str, party: Party | None = None) -> Call:
        """A simulated person at `from_` dials the account's number `to`. The call belongs to
        the number's account; when that account is not active the call is refused (10003)."""
        with self.lock:
            number = self.numbers.get(to)
            if number is None:
                raise NotFound(f"/2010-04-01/Accounts/{self.account.sid}/IncomingPhoneNumbers/{to}")
            refuse_inactive_inbound(self.accounts, number.account_sid)
            options = CallOptions(
                url=number.voice_url,
                method=number.voice_method,
                twiml=number.twiml,
                fallback_url=number.voice_fallback_url,
                fallback_method=number.voice_fallback_method,
            )
            if number.status_callback:
                status = CallbackConfig(number.status_callback, number.status_callback_method)
                options = replace(options, status=status)
            call = self.call_engine.new_call(
                to=to,
                from_=from_,
                direction="inbound",
                options=options,
                party=party or self.party_for(from_),
                status="ringing",
                phone_number_sid=number.sid,
                account_sid=number.account_sid,
            )
            self.call_engine.start_inbound(call)
            return call

    def call(self, sid: str) -> Call:
        try:
            return self.calls[sid]
        except KeyError:
            raise NotFound(f"/2010-04-01/Accounts/{self.account.sid}/Calls/{sid}.json") from None

    def flow_for(self, call: Call) -> Flow:
        """What a connected call runs: its TwiML, or plain conversation without one."""
        if call.options.url is None and call.options.twiml is None:
            return self.call_engine.talk_until_hangup
        if self._twiml_flow is None:
            from simtel.engine.execution.flow import twiml_flow

            self._twiml_flow = twiml_flow(self)
        return self._twiml_flow

    def recording_media(self, sid: str, fmt: str, requested_channels: int | None) -> bytes:
        """The bytes of a recording's `.wav`/`.mp3` download (`simtel.engine.recordings.media`):
        what it needs is read under the lock; rendering and encoding happen after releasing it."""
        with self.lock:
            job = media_job(self, sid, fmt, requested_channels)
        return job()

    # -- lifetime -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Start over in place: the same configuration, account settings, public URL, mounted
        apps, configured numbers (re-added in their order, as configured: numbers created,
        changed or released through REST are not kept) and parties; no calls, recordings or
        events, and a store file emptied. The object stays the same one, so every app, client and
        fixture holding it keeps working; the same seed gives the same SIDs again.

        Nothing of the old simulation runs afterwards (`simtel.resets`): its live processes are
        closed now, their clean-up writing into the old state, which is then thrown away; a
        step waiting for the user's app is unwound, against the old state, when the app
        answers."""
        with self.lock:
            kept = (self.account, self.router, self.public_url, self.parties, self.default_party)
            configured = self.configured_numbers
            lock, generations = self.lock, self.generations
            retire(self.env)
            if generations.stepping is not None:  # a step waits for the app: keep its world
                generations.ghosts[generations.number] = dict(self.__dict__)
            else:
                self.close()
            generations.number += 1
            if self.store.path is not None:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{self.store.path}{suffix}").unlink(missing_ok=True)
            Simulator.__init__(self, **self._config)
            self.lock, self.generations = lock, generations  # both outlive a reset
            self.account, self.router, self.public_url, self.parties, self.default_party = kept
            self.accounts = Accounts(self.account, self.seed)  # subaccounts are REST state
            self.webhooks.router = self.router
            for phone_number, settings in configured.items():
                self.add_number(phone_number, **settings)

    def close(self) -> None:
        self.store.flush()
        self.store.close()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _number_fields(sim: Simulator, number: PhoneNumber) -> dict[str, Any]:
    return {
        "sid": number.sid,
        "account_sid": number.account_sid or sim.account.sid,
        "phone_number": number.phone_number,
        "friendly_name": number.friendly_name or number.phone_number,
        "voice_url": number.voice_url,
        "voice_method": number.voice_method,
        "voice_fallback_url": number.voice_fallback_url,
        "voice_fallback_method": number.voice_fallback_method,
        "status_callback": number.status_callback,
        "status_callback_method": number.status_callback_method,
        "date_created": sim.now,
        "date_updated": sim.now,
    }
