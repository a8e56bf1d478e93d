"""The control API under `/_simtel/`: what a test or an operator does that Twilio has no API for.

Moving the clock, starting over, reading the event log, and acting as the far party of a call
(pressing keys, hanging up, dialling one of the account's numbers). Same HTTP Basic auth as the
REST API; JSON answers; bad input is a Twilio-style JSON error, never a 500.

| method | path | form / query | answer |
|---|---|---|---|
| GET | `/_simtel/clock` | | `{"t": seconds, "now": RFC 2822}` |
| POST | `/_simtel/clock/advance` | `Seconds` | the clock after running exactly that far |
| POST | `/_simtel/reset` | | the clock of the fresh simulation (`t` = 0) |
| GET | `/_simtel/events` | `since` (seq, default 0), `sid`, `limit` | a page of events (below) |
| POST | `/_simtel/calls` | `From`, `To`, party fields (below) | the Call, 201 |
| POST | `/_simtel/calls/{CallSid}/digits` | `Digits`, `Interval` | the Call |
| POST | `/_simtel/calls/{CallSid}/hangup` | | the Call |
| POST | `/_simtel/calls/{CallSid}/replies` | `Say` (repeatable), `After` (s; 0.5) | the Call |
| GET, PUT, DELETE | `/_simtel/parties[/{address}]` | party JSON | see `simtel.api.parties` |

Events come in pages of `limit` (1 to 10,000, default 1,000) events, each `Event.to_json`, from
sequence number `since`; when more remain the answer has `X-Simtel-Next-Since: N` (the `since`
of the next page) and `Link: </_simtel/events?since=N&limit=L>; rel="next"`.

Party fields of `POST /_simtel/calls` (the caller's behaviour, see `Party`): `AnswerAfter`,
`HangupAfter` (seconds after answer, or `never`), `Talk` (`spurts`|`script`|`silent`), `Say`
(repeatable; `text` or `at:text`, `at` in seconds after answer; implies `Talk=script`), `Digits`
with `DigitsAt` (seconds after answer, default 1), `Reply` (repeatable: what the caller says to
each `<Gather input="speech">` in turn, see `simtel.engine.execution.speech`). Without any of
them the caller is whoever `Simulator.set_party` registered for `From`.

Concurrency: every command that takes the simulator's lock runs in a worker thread, never on the
event loop, because the lock may be held by a clock advance that is waiting for the user's app,
and that app may be calling this very server back.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simtel.api import parties, serializers
from simtel.api.auth import authenticate
from simtel.api.errors import InvalidParameter, guarded
from simtel.api.params import Params, phone_number, read_params
from simtel.engine.calls.parties import Party, Press, Reply, Utterance
from simtel.engine.execution.speech import queue_reply
from simtel.errors import InvalidCallState, TwilioError
from simtel.events import EventKind
from simtel.stepping import MAX_ADVANCE, AdvanceOutOfRange

if TYPE_CHECKING:
    from simtel.engine.calls.call import Call
    from simtel.simulator import Simulator

PREFIX = "/_simtel"
MISSING_TO = 21201
MISSING_FROM = 21213
INVALID_TO = 21211
INVALID_FROM = 21212
DTMF_KEYS = re.compile(r"^[0-9*#]+$")
#: seconds as the control API takes them: digits, optionally a point and up to 6 decimals
PLAIN_SECONDS = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,6})?$")
TALK_MODES = ("spurts", "script", "silent")
#: events per page of `/_simtel/events`, unless `limit` says otherwise, and the most it may say
EVENTS_PAGE = 1000
MAX_EVENTS_PAGE = 10_000
#: seconds between two keys pressed through the control API, unless `Interval` says otherwise
KEY_INTERVAL = 0.3
#: seconds between the end of a speech prompt and a reply, unless `After` says otherwise
REPLY_AFTER = 0.5
#: gap between two `Say` utterances that give no time of their own
SAY_GAP = 0.5

Handler = Callable[[Request], Awaitable[Response]]


def routes(sim: Simulator) -> list[BaseRoute]:
    """The `/_simtel/*` routes for `sim` (mounted by `simtel.api.app.create_app`)."""
    control = _Control(sim)
    return [
        Route(f"{PREFIX}/clock", control.guard(control.clock), methods=["GET"]),
        Route(f"{PREFIX}/clock/advance", control.guard(control.advance), methods=["POST"]),
        Route(f"{PREFIX}/reset", control.guard(control.reset), methods=["POST"]),
        Route(f"{PREFIX}/events", control.guard(control.events), methods=["GET"]),
        Route(f"{PREFIX}/calls", control.guard(control.place_call), methods=["POST"]),
        Route(
            f"{PREFIX}/calls/{{CallSid}}/digits", control.guard(control.digits), methods=["POST"]
        ),
        Route(
            f"{PREFIX}/calls/{{CallSid}}/hangup", control.guard(control.hangup), methods=["POST"]
        ),
        Route(
            f"{PREFIX}/calls/{{CallSid}}/replies", control.guard(control.replies), methods=["POST"]
        ),
        *parties.routes(sim, control.guard, PREFIX),
    ]


def invalid(name: str, value: str, expected: str) -> InvalidParameter:
    return InvalidParameter(f"Invalid {name} '{value}': expected {expected}")


class _Control:
    """The handlers; each reads the simulator at request time (a reset rebuilds it in place)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def guard(self, handler: Handler) -> Handler:
        """Basic auth first; any failure becomes Twilio's JSON error body."""

        async def authenticated(request: Request) -> Response:
            authenticate(self.sim, request)
            return await handler(request)

        return guarded(authenticated, _json)

    # -- clock --------------------------------------------------------------------------------
    async def clock(self, request: Request) -> Response:
        return JSONResponse(clock_json(self.sim))

    async def advance(self, request: Request) -> Response:
        form = await read_params(request)
        seconds = _seconds(form, "Seconds", required=True)
        assert seconds is not None
        try:
            ended = await run_in_threadpool(self.sim.advance, seconds)
        except AdvanceOutOfRange as refused:
            raise InvalidParameter(f"Invalid Seconds '{seconds:g}': {refused}") from None
        return JSONResponse(clock_json(self.sim, ended))

    async def reset(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(self._reset))

    def _reset(self) -> dict[str, Any]:
        """The fresh simulation's clock, read under the same lock as the reset: a realtime
        clock stepping right after it must not show in the answer."""
        with self.sim.lock:
            self.sim.reset()
            return clock_json(self.sim)

    # -- the event log ------------------------------------------------------------------------
    async def events(self, request: Request) -> Response:
        """A page of at most `limit` events from `since`; when more remain, the headers name the
        next page (`X-Simtel-Next-Since`, and a `Link` with `rel="next"`)."""
        query = request.query_params
        since = _integer(query.get("since", "0"), "since")
        limit = _integer(query.get("limit", str(EVENTS_PAGE)), "limit")
        if not 1 <= limit <= MAX_EVENTS_PAGE:
            raise invalid("limit", str(limit), f"an integer from 1 to {MAX_EVENTS_PAGE}")
        sid = query.get("sid")
        matching = (e for e in self.sim.events.since(since) if not sid or e.sid == sid)
        chosen = list(islice(matching, limit + 1))
        headers = {}
        if len(chosen) > limit:
            chosen = chosen[:limit]
            after = chosen[-1].seq + 1
            following = urlencode({**({"sid": sid} if sid else {}), "since": after, "limit": limit})
            headers = {
                "X-Simtel-Next-Since": str(after),
                "Link": f'<{PREFIX}/events?{following}>; rel="next"',
            }
        body = "[" + ",".join(event.to_json() for event in chosen) + "]"
        return Response(body, media_type="application/json", headers=headers)

    # -- the far party ------------------------------------------------------------------------
    async def place_call(self, request: Request) -> Response:
        form = await read_params(request)
        to, from_ = form.text("To"), form.text("From")
        if to is None:
            raise TwilioError(MISSING_TO, 400, "No to number is specified")
        if from_ is None:
            raise TwilioError(MISSING_FROM, 400, "Caller phone number is required")
        to = phone_number(to, "To", INVALID_TO, identities=False)
        from_ = phone_number(from_, "From", INVALID_FROM)
        party = caller_party(self.sim.party_for(from_), form)
        call = await run_in_threadpool(self.sim.place_inbound_call, from_, to, party)
        return JSONResponse(call_json(self.sim, call), status_code=201)

    async def digits(self, request: Request) -> Response:
        form = await read_params(request)
        digits = form.text("Digits")
        if digits is None or not DTMF_KEYS.match(digits):
            raise invalid("Digits", digits or "", "DTMF keys 0-9, * and #")
        interval = _seconds(form, "Interval")
        call = self.sim.call(request.path_params["CallSid"])
        await run_in_threadpool(
            self._press, call, digits, KEY_INTERVAL if interval is None else interval
        )
        return JSONResponse(call_json(self.sim, call))

    async def hangup(self, request: Request) -> Response:
        call = self.sim.call(request.path_params["CallSid"])
        await run_in_threadpool(self._hang_up, call)
        return JSONResponse(call_json(self.sim, call))

    async def replies(self, request: Request) -> Response:
        form = await read_params(request)
        says = [value.strip() for key, value in form.pairs if key == "Say"]
        if not says or not all(says):
            raise invalid("Say", "", "the words the party says (repeatable)")
        after = _seconds(form, "After")
        call = self.sim.call(request.path_params["CallSid"])
        if not call.is_live:
            raise InvalidCallState(call.sid, call.status)
        with self.sim.lock:
            for text in says:
                queue_reply(call, Reply(text, REPLY_AFTER if after is None else after))
        return JSONResponse(call_json(self.sim, call))

    def _press(self, call: Call, digits: str, interval: float) -> None:
        with self.sim.lock:
            self.sim.call_engine.press(call, digits, interval)

    def _hang_up(self, call: Call) -> None:
        """The far party hangs up: an answered call completes; a ringing one is canceled."""
        with self.sim.lock:
            if not call.is_live:
                raise InvalidCallState(call.sid, call.status)
            self.sim.events.emit(EventKind.PARTY_HANGUP, call.sid)
            self.sim.call_engine.hangup(call)
            if call.is_live:
                self.sim.call_engine.cancel(call)


# -- answers ----------------------------------------------------------------------------------
def clock_json(sim: Simulator, t: float | None = None) -> dict[str, Any]:
    """The clock at `t` (an advance's own end, which later advances may have passed), or now."""
    now = sim.now if t is None else t
    return {"t": now, "now": sim.clock.rfc2822(now)}


def call_json(sim: Simulator, call: Call) -> dict[str, Any]:
    """The Call resource as the REST API shows it."""
    return serializers.call(sim, call.fields())


def _json(request: Request) -> str:
    return "json"


# -- the caller's party -----------------------------------------------------------------------
def caller_party(base: Party, form: Params) -> Party | None:
    """`base` changed by the party fields of `form`; None when the form names none of them."""
    changes: dict[str, Any] = {}
    answer_after = _seconds(form, "AnswerAfter")
    if answer_after is not None:
        changes["answer_after"] = answer_after
    hangup = form.text("HangupAfter")
    if hangup is not None:
        never = hangup.lower() == "never"
        changes["hangup_after"] = None if never else _seconds(form, "HangupAfter")
    says = [value for key, value in form.pairs if key == "Say"]
    if says:
        changes["script"] = _script(says)
        changes["talk"] = "script"
    talk = form.text("Talk")
    if talk is not None:
        if talk not in TALK_MODES:
            raise invalid("Talk", talk, " | ".join(TALK_MODES))
        changes["talk"] = talk
    digits = form.text("Digits")
    if digits is not None:
        if not DTMF_KEYS.match(digits):
            raise invalid("Digits", digits, "DTMF keys 0-9, * and #")
        changes["presses"] = (Press(_seconds(form, "DigitsAt") or 1.0, digits),)
    replies = [value.strip() for key, value in form.pairs if key == "Reply" and value.strip()]
    if replies:
        changes["replies"] = tuple(Reply(text) for text in replies)
    return replace(base, **changes) if changes else None


def _script(says: list[str]) -> tuple[Utterance, ...]:
    """`at:text` or `text` items; an item without `at` starts `SAY_GAP` after the previous one."""
    script: list[Utterance] = []
    cursor = SAY_GAP
    for item in says:
        at_text, sep, rest = item.partition(":")
        at = _float_or_none(at_text) if sep else None
        text = rest if at is not None else item
        start = at if at is not None else cursor
        if start < 0 or not text.strip():
            raise invalid("Say", item, "'text' or 'seconds:text' with seconds >= 0")
        utterance = Utterance(start, text.strip())
        script.append(utterance)
        cursor = start + utterance.length + SAY_GAP
    return tuple(script)


# -- form values ------------------------------------------------------------------------------
def _seconds(form: Params, name: str, *, required: bool = False) -> float | None:
    """A plain decimal number of seconds (`90`, `2.5`: no sign, exponent, `inf` or `nan`) from 0
    to `MAX_ADVANCE` (one year); None when absent (400 when `required`)."""
    value = form.text(name, max_length=40)
    if value is None:
        if required:
            raise InvalidParameter(f"Required parameter {name} missing")
        return None
    if not PLAIN_SECONDS.match(value) or float(value) > MAX_ADVANCE:
        raise invalid(name, value, f"a plain decimal number of seconds from 0 to {MAX_ADVANCE:.0f}")
    return float(value)


def _float_or_none(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _integer(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise invalid(name, value, "an integer") from None
