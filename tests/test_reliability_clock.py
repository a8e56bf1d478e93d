"""One clock under concurrent clients (issue: concurrent advances lost simulated time, and an
advance during a webhook stepped the simulation from a second thread). Loopback only, bounded."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simtel import Simulator
from simtel.engine.calls.call import CallOptions
from simtel.engine.calls.parties import Party
from simtel.server import Server
from simtel.stepping import ClockBusy

PAUSE = "<Response><Pause length='40'/></Response>"
APP = "http://app.test"
LOOP = f"<Response><Pause length='2'/><Redirect>{APP}/loop</Redirect></Response>"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=5) as simulation:
        yield simulation


def http_for(sim: Simulator, srv: Server) -> httpx.Client:
    auth = (sim.account.sid, sim.account.auth_token)
    return httpx.Client(base_url=srv.url, auth=auth, timeout=30.0, trust_env=False)


def advance(http: httpx.Client, seconds: str) -> tuple[float, float]:
    answer = http.post("/_simtel/clock/advance", data={"Seconds": seconds})
    assert answer.status_code == 200, answer.text
    return float(seconds), float(answer.json()["t"])


def looping_app() -> Starlette:
    """TwiML that pauses 2 s and fetches itself again, answering after a few wall milliseconds:
    every advance has webhooks to wait for."""

    async def voice(request: Request) -> Response:
        await asyncio.sleep(0.002)
        return Response(LOOP, media_type="text/xml")

    return Starlette(routes=[Route("/loop", voice, methods=["POST"])])


def test_concurrent_advances_sum_exactly_and_each_moves_its_own_seconds(sim: Simulator) -> None:
    sim.mount(APP, looping_app())
    for n in range(3):
        sim.create_call(
            to=f"+1500555000{n}",
            from_="+15005550100",
            options=CallOptions(url=f"{APP}/loop"),
            party=Party(hangup_after=None),
        )
    asked = ["0.5", "1", "2.25", "3", "7.75"] * 12
    with Server(sim) as srv, http_for(sim, srv) as http, ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda s: advance(http, s), asked))
    assert sim.now == sum(float(s) for s in asked) == 174.0
    # each answer is the end of its own advance: ordered by end, every one began where the
    # previous ended (no two overlapped, none lost time)
    ends = sorted(answers, key=lambda pair: pair[1])
    starts = [0.0] + [end for _, end in ends[:-1]]
    assert [end - seconds for seconds, end in ends] == starts


def slow_voice_app(delay: float, entered: threading.Event) -> Starlette:
    async def voice(request: Request) -> Response:
        entered.set()
        await asyncio.sleep(delay)
        return Response(PAUSE, media_type="text/xml")

    return Starlette(routes=[Route("/voice", voice, methods=["POST"])])


def run_two_advances(delay: float, *, concurrent: bool) -> list[str]:
    """The event log of: a call whose TwiML takes `delay` wall seconds, then two 30 s advances."""
    entered = threading.Event()
    with Simulator(seed=9) as sim:
        sim.mount(APP, slow_voice_app(delay, entered))
        with Server(sim) as srv, http_for(sim, srv) as http:
            http.post(
                f"/2010-04-01/Accounts/{sim.account.sid}/Calls.json",
                data={"To": "+15005550006", "From": "+15005550001", "Url": f"{APP}/voice"},
            ).raise_for_status()
            if concurrent:
                with ThreadPoolExecutor(2) as pool:
                    first = pool.submit(advance, http, "30")
                    assert entered.wait(10)  # the first advance is waiting for the app
                    second = pool.submit(advance, http, "30")
                    ends = sorted([first.result()[1], second.result()[1]])
            else:
                ends = [advance(http, "30")[1], advance(http, "30")[1]]
            assert ends == [30.0, 60.0]
            return [event.to_json() for event in sim.events]


def test_an_advance_during_a_webhook_waits_and_the_log_is_the_sequential_one() -> None:
    sequential = run_two_advances(0.0, concurrent=False)
    assert run_two_advances(0.5, concurrent=True) == sequential


def test_stepping_from_inside_the_stepping_thread_is_refused(sim: Simulator) -> None:
    """An in-process app that advances the clock synchronously from its own webhook handler
    (which runs on the stepping thread) gets `ClockBusy`, not a nested step."""
    raised: list[BaseException] = []

    async def nested(request: Request) -> Response:
        try:
            sim.advance(1)
        except ClockBusy as busy:
            raised.append(busy)
        return Response(PAUSE, media_type="text/xml")

    sim.mount(APP, Starlette(routes=[Route("/voice", nested, methods=["POST"])]))
    sim.create_call(
        to="+15005550007", from_="+15005550001", options=CallOptions(url=f"{APP}/voice")
    )
    assert sim.advance(10) == 10.0
    assert len(raised) == 1
