"""Shared by the tests/test_flow_*.py files: a voice app under test and simulator helpers.

`VoiceApp` is a real Starlette app mounted in process at `BASE`. Each path answers with the
TwiML its handler returns (a `VoiceResponse`, a string, or a Starlette `Response`); every
request is checked with twilio's `RequestValidator` against the simulation's auth token and
kept, in order, in `requests`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from simtel.audio.render import render
from simtel.engine.recordings.recording import Recording
from simtel.events import Event, EventKind
from simtel.simulator import Simulator

BASE = "http://app.test"
CALLER = "+15550100001"
NUMBER = "+15550200002"
AGENT = "+15550300003"
Handler = Callable[[dict[str, str]], VoiceResponse | str | Response]


@dataclass(frozen=True)
class Seen:
    path: str
    method: str
    params: dict[str, str]
    valid: bool


class VoiceApp:
    def __init__(self, sim: Simulator) -> None:
        self.validator = RequestValidator(sim.account.auth_token)
        self.handlers: dict[str, Handler] = {}
        self.requests: list[Seen] = []
        app = Starlette(routes=[Route("/{path:path}", self.endpoint, methods=["GET", "POST"])])
        sim.mount(BASE, app)

    def route(self, path: str, handler: Handler | VoiceResponse | str) -> None:
        if callable(handler):
            self.handlers[path] = handler
        else:
            self.handlers[path] = lambda _params, doc=handler: doc

    async def endpoint(self, request: Request) -> Response:
        if request.method == "POST":
            params = {k: str(v) for k, v in (await request.form()).items()}
        else:
            params = dict(request.query_params)
        signature = request.headers.get("x-twilio-signature", "")
        signed = {} if request.method == "GET" else params
        valid = self.validator.validate(str(request.url), signed, signature)
        self.requests.append(Seen(request.url.path, request.method, params, valid))
        handler = self.handlers.get(request.url.path)
        if handler is None:
            return Response("<Response/>", status_code=404, media_type="text/xml")
        answer = handler(params)
        if isinstance(answer, Response):
            return answer
        return Response(str(answer), media_type="text/xml")

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def only(self, path: str) -> dict[str, str]:
        """The params of the one request to `path` (asserts there was exactly one)."""
        hits = self.seen(path)
        assert len(hits) == 1, f"{len(hits)} requests to {path}: {self.requests}"
        assert hits[0].valid, "the X-Twilio-Signature did not validate"
        return hits[0].params


def new_sim(**kwargs: Any) -> tuple[Simulator, VoiceApp]:
    sim = Simulator(seed=kwargs.pop("seed", 7), allow_http=False, **kwargs)
    return sim, VoiceApp(sim)


def say(text: str) -> VoiceResponse:
    """A document that says `text`."""
    response = VoiceResponse()
    response.say(text)
    return response


def inbound_number(sim: Simulator, path: str = "/voice", **config: Any) -> None:
    sim.add_number(NUMBER, voice_url=BASE + path, **config)


def verbs(sim: Simulator, sid: str) -> list[str]:
    return [e.fields["verb"] for e in sim.events.of(sid, EventKind.TWIML_VERB)]


def notifications(sim: Simulator, sid: str | None = None) -> list[Event]:
    return [
        e for e in sim.events if e.kind == EventKind.NOTIFICATION and (sid is None or e.sid == sid)
    ]


def samples(sim: Simulator, recording: Recording) -> np.ndarray[Any, Any]:
    return render(sim.recorder.window(recording))


def between(audio: np.ndarray[Any, Any], start: float, end: float, rate: int = 8000) -> Any:
    return audio[int(start * rate) : int(end * rate)]


def test_the_app_rejects_a_forged_signature() -> None:
    _sim, app = new_sim()
    forged = app.validator.validate(BASE + "/voice", {"CallSid": "CA1"}, "not-a-signature")
    assert forged is False
    assert app.requests == []
