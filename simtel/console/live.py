"""Server-sent events on simulated time: every open console page follows the simulation.

`GET /_simtel/console/stream` sends `clock` (`{"t", "now", "seq"}`: simulated time, its RFC 2822
date, the event log's length) whenever the simulation moved (time passed, or an event was
logged), and with `events=1` also `log` messages: the new events themselves (`Event.to_json`),
optionally only those whose kind starts with `kind` or whose SID is `sid`, from `since` on.
A reset shows as the log getting shorter (or being another log): the stream starts over at 0
and says `reset`.

Bounded: at most `MAX_STREAMS` streams at once (more answer 503), `EVENTS_PER_TICK` events per
check, and each stream ends after `STREAM_SECONDS` wall seconds (the browser's `EventSource`
reconnects after `retry` ms, from the last event it saw). A stream stops as soon as the client
goes. The wall clock only paces the checks; what is sent is simulated time.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from simtel.events import Event, EventLog

if TYPE_CHECKING:
    from simtel.console.site import Site

MAX_STREAMS = 32
EVENTS_PER_TICK = 200
STREAM_SECONDS = 60.0
#: wall seconds between two looks at the simulation
POLL = 0.2
HEARTBEAT = 15.0
RETRY_MS = 500
MAX_FILTER = 64


class Streams:
    """Counts the open streams of one console."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.open = 0

    async def stream(self, request: Request) -> Response:
        if self.open >= MAX_STREAMS:
            return PlainTextResponse(
                f"too many live streams (at most {MAX_STREAMS})", status_code=503
            )
        query = request.query_params
        follow = query.get("events") == "1"
        since = _int(query.get("since") or request.headers.get("last-event-id"), 0)
        kind = (query.get("kind") or "")[:MAX_FILTER]
        sid = (query.get("sid") or "")[:MAX_FILTER]
        body = self._messages(request, follow, since, kind, sid)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(body, media_type="text/event-stream", headers=headers)

    async def _messages(
        self, request: Request, follow: bool, since: int, kind: str, sid: str
    ) -> AsyncIterator[str]:
        self.open += 1
        try:
            yield f"retry: {RETRY_MS}\n\n"
            sim = self.site.sim
            log: EventLog | None = None
            seen: tuple[float, int] | None = None
            started = last_sent = time.monotonic()
            while time.monotonic() - started < STREAM_SECONDS:
                if await request.is_disconnected():
                    return
                if sim.events is not log or len(sim.events) < since:
                    if log is not None:
                        since = 0
                        yield "event: reset\ndata: {}\n\n"
                    log = sim.events
                state = (sim.now, len(log))
                if state != seen:
                    seen = state
                    last_sent = time.monotonic()
                    yield _message("clock", json.dumps(self.site.clock()))
                    if follow:
                        chosen, since = _new_events(log, since, kind, sid)
                        for event in chosen:
                            yield _message("log", event.to_json(), event.seq)
                        if since < len(log):
                            seen = None  # more to send: come back at once
                            continue
                elif time.monotonic() - last_sent > HEARTBEAT:
                    last_sent = time.monotonic()
                    yield ": heartbeat\n\n"
                await asyncio.sleep(POLL)
        finally:
            self.open -= 1


def _new_events(log: EventLog, since: int, kind: str, sid: str) -> tuple[list[Event], int]:
    """The next events (at most `EVENTS_PER_TICK` looked at) that pass the filters, and the
    `since` after them."""
    looked = log.since(since)[:EVENTS_PER_TICK]
    chosen = [
        event
        for event in looked
        if (not kind or str(event.kind).startswith(kind)) and (not sid or event.sid == sid)
    ]
    return chosen, since + len(looked)


def _message(name: str, data: str, ident: int | None = None) -> str:
    head = f"id: {ident + 1}\n" if ident is not None else ""
    return f"{head}event: {name}\ndata: {data}\n\n"


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value or default))
    except ValueError:
        return default
