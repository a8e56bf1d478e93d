"""Inputs that used to break the server: `Seconds=1e308` (every later request answered 500), a
TwiML number of 4,300+ digits (the advance answered 500 and the call hung), and any exception
inside a call's process. Each now gets its code and the server keeps serving. Loopback only."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import httpx
import pytest
import simpy
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simtel import Simulator
from simtel.engine.calls.call import Call
from simtel.engine.calls.containment import CALL_PROCESS_FAILED
from simtel.events import EventKind
from simtel.stepping import MAX_ADVANCE, MAX_SIMULATED_TIME, AdvanceOutOfRange


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=4) as simulation:
        yield simulation


def advance(http: httpx.Client, seconds: str) -> httpx.Response:
    return http.post("/_simtel/clock/advance", data={"Seconds": seconds})


@pytest.mark.parametrize(
    "seconds",
    ["1e308", "1e3", "-0", "+5", "0x10", "Infinity", "NaN", "5.", ".5", "1.0000001", "31622401"],
)
def test_seconds_must_be_a_plain_decimal_in_range(
    sim: Simulator, http: httpx.Client, seconds: str
) -> None:
    answer = advance(http, seconds)
    assert answer.status_code == 400
    body = answer.json()
    assert (body["code"], body["status"]) == (20001, 400)
    assert "plain decimal number of seconds from 0 to 31622400" in body["message"]
    assert sim.now == 0.0
    # the server keeps serving, and the clock still moves
    assert advance(http, "2.5").json() == {"t": 2.5, "now": "Thu, 01 Jan 2026 09:00:02 +0000"}
    assert http.get("/_simtel/clock").status_code == 200


def test_an_advance_past_the_horizon_is_refused_and_the_server_keeps_serving(
    sim: Simulator, http: httpx.Client
) -> None:
    steps = int(MAX_SIMULATED_TIME // MAX_ADVANCE)
    for _ in range(steps):
        assert advance(http, f"{MAX_ADVANCE:.0f}").status_code == 200
    answer = advance(http, f"{MAX_ADVANCE:.0f}")
    assert answer.status_code == 400 and answer.json()["code"] == 20001
    assert "may run 3162240000 seconds from its epoch" in answer.json()["message"]
    assert sim.now == steps * MAX_ADVANCE
    assert http.get("/_simtel/clock").json()["now"] == "Mon, 18 Mar 2126 09:00:00 +0000"


def test_the_simulator_refuses_out_of_range_advances_itself(sim: Simulator) -> None:
    for seconds in (float("nan"), float("inf"), -1.0, 1e308):
        with pytest.raises(AdvanceOutOfRange):
            sim.advance(seconds)
    assert sim.now == 0.0


@pytest.mark.parametrize(
    ("twiml", "code"),
    [
        ("<Pause length='{n}'/>", 13910),  # no maximum: an invalid value, the default used
        ("<Record maxLength='{n}'/>", 13612),  # above its maximum
        ("<Dial timeout='{n}'>+15005550006</Dial>", 13212),  # clamped
        ("<Pause length='-{n}'/>", 13910),  # below its minimum
    ],
)
def test_a_huge_number_attribute_gets_its_code_and_the_call_goes_on(
    sim: Simulator, http: httpx.Client, twiml: str, code: int
) -> None:
    document = "<Response>" + twiml.format(n="9" * 5000) + "<Pause length='2'/></Response>"

    async def voice(request: Request) -> Response:
        return Response(document, media_type="text/xml")

    sim.mount("http://app.test", Starlette(routes=[Route("/voice", voice, methods=["POST"])]))
    call = http.post(
        f"/2010-04-01/Accounts/{sim.account.sid}/Calls.json",
        data={"To": "+15005550006", "From": "+15005550001", "Url": "http://app.test/voice"},
    )
    assert call.status_code == 201, call.text
    sid = call.json()["sid"]
    assert advance(http, "300").status_code == 200
    [notice] = [e for e in sim.events.of(sid, EventKind.NOTIFICATION) if e.fields["code"] == code]
    assert "99999" in notice.fields["message"]
    assert sim.call(sid).status == "completed"
    assert advance(http, "10").json()["t"] == 310.0


def test_an_exception_inside_a_call_fails_that_call_only(
    sim: Simulator, http: httpx.Client
) -> None:
    def broken_flow(call: Call) -> Generator[simpy.Event, Any, None]:
        yield sim.env.timeout(1)
        raise RuntimeError("a bug in a verb")

    healthy = sim.create_call(to="+15005550007", from_="+15005550001")
    sim.flow_for = lambda call: (
        broken_flow
        if call.to == "+15005550006"
        # type: ignore[method-assign]
        else (sim.call_engine.talk_until_hangup)
    )
    broken = sim.create_call(to="+15005550006", from_="+15005550001")
    assert advance(http, "20").json()["t"] == 20.0
    assert sim.call(broken.sid).status == "failed"
    [notice] = sim.events.of(broken.sid, EventKind.NOTIFICATION)
    assert notice.fields["code"] == CALL_PROCESS_FAILED and notice.fields["level"] == "error"
    assert "RuntimeError: a bug in a verb" in notice.fields["message"]
    assert 'raise RuntimeError("a bug in a verb")' in notice.fields["traceback"]
    assert sim.call(healthy.sid).status == "in-progress"
    assert advance(http, "60").json()["t"] == 80.0
    assert sim.call(healthy.sid).status == "completed"
