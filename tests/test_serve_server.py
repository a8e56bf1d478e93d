"""`simtel.server`: the API over loopback HTTP, the manual and realtime clocks, clean stops."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import soundfile as sf
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.rest import Client

from simtel import Simulator
from simtel.server import RealtimeClock, Server, _bind, simulator_from_env

TWIML = "<Response><Pause length='60'/></Response>"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=2) as simulation:
        yield simulation


def twilio_for(sim: Simulator, srv: Server) -> Client:
    client = Client(sim.account.sid, sim.account.auth_token)
    client.api.base_url = srv.url
    return client


def control(sim: Simulator, srv: Server) -> httpx.Client:
    auth = (sim.account.sid, sim.account.auth_token)
    return httpx.Client(base_url=srv.url, auth=auth, timeout=5.0, trust_env=False)


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_official_client_over_loopback(sim: Simulator) -> None:
    with Server(sim) as srv, control(sim, srv) as http:
        assert srv.url.startswith("http://127.0.0.1:") and sim.public_url == srv.url
        twilio = twilio_for(sim, srv)
        call = twilio.calls.create(to="+15005550006", from_="+15005550001", twiml=TWIML)
        answer = http.post("/_simtel/clock/advance", data={"Seconds": "5"})
        assert answer.json()["t"] == 5.0
        recording = twilio.calls(call.sid).recordings.create()
        http.post("/_simtel/clock/advance", data={"Seconds": "60"})
        assert [c.status for c in twilio.calls.list()] == ["completed"]
        [done] = twilio.recordings.list()
        assert (done.sid, done.status) == (recording.sid, "completed")
        media = http.get(f"{done.media_url}.wav")  # media_url points at this server
        samples, rate = sf.read(io.BytesIO(media.content))
        assert abs(len(samples) / rate - int(done.duration)) <= 1
        assert http.get("/_simtel/clock", auth=("AC" + "0" * 32, "x")).status_code == 401
    assert refused(srv.port)


def test_a_webhook_handler_calls_the_server_back(sim: Simulator) -> None:
    """An advance over HTTP waits for the app; the app starts a recording over HTTP meanwhile."""
    started: list[str] = []
    box: dict[str, Client] = {}

    def record(call_sid: str) -> None:
        started.append(box["twilio"].calls(call_sid).recordings.create().sid)

    async def call_status(request: Request) -> Response:
        form = await request.form()
        await run_in_threadpool(record, str(form["CallSid"]))
        return Response(status_code=204)

    sim.mount("http://app.test", Starlette(routes=[Route("/s", call_status, methods=["POST"])]))
    with Server(sim) as srv, control(sim, srv) as http:
        box["twilio"] = twilio = twilio_for(sim, srv)
        call = twilio.calls.create(
            to="+15005550006",
            from_="+15005550001",
            twiml=TWIML,
            status_callback="http://app.test/s",
            status_callback_event=["answered"],
        )
        http.post("/_simtel/clock/advance", data={"Seconds": "60"})
        assert len(started) == 1
        assert twilio.recordings(started[0]).fetch().call_sid == call.sid


def test_the_realtime_clock_follows_the_wall_clock(sim: Simulator) -> None:
    with Server(sim, clock="realtime", speed=1000) as srv, control(sim, srv) as http:
        assert srv.realtime is not None and srv.realtime.running
        began = time.monotonic()
        first = http.get("/_simtel/clock").json()["t"]
        time.sleep(0.4)
        second = http.get("/_simtel/clock").json()["t"]
        wall = time.monotonic() - began
        # x1000, give or take the step in flight when the first reading was taken (0.2 s)
        assert 100 < second - first <= (wall + 0.2) * 1000
        assert http.post("/_simtel/clock/advance", data={"Seconds": "5000"}).json()["t"] > 5000
    assert not srv.realtime.running
    stopped_at = sim.now
    time.sleep(0.1)
    assert sim.now == stopped_at


def test_the_realtime_clock_survives_a_reset(sim: Simulator) -> None:
    with Server(sim, clock="realtime", speed=1000) as srv, control(sim, srv) as http:
        deadline = time.monotonic() + 5
        while sim.now < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        before = http.get("/_simtel/clock").json()["t"]
        after = http.post("/_simtel/reset").json()["t"]
        assert after < before  # time started over...
        deadline = time.monotonic() + 5
        while sim.now <= after and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sim.now > after  # ...and goes on following the wall clock


def test_the_manual_clock_stands_still(sim: Simulator) -> None:
    with Server(sim) as srv:
        assert srv.realtime is None
        time.sleep(0.1)
        assert sim.now == 0.0


def test_a_failing_simulation_stops_the_realtime_clock(sim: Simulator) -> None:
    def broken(seconds: float) -> float:
        raise RuntimeError("engine failure")

    sim.advance = broken  # type: ignore[method-assign]
    clock = RealtimeClock(sim, speed=10, step=0.01).start()
    deadline = time.monotonic() + 2
    while clock.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not clock.running
    assert isinstance(clock.error, RuntimeError)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"clock": "sundial"}, "clock must be"), ({"speed": 0}, "speed must be")],
)
def test_bad_settings_are_refused(sim: Simulator, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        if "clock" in kwargs:
            Server(sim, **kwargs)
        else:
            RealtimeClock(sim, **kwargs)


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    sid, token = "AC" + "ab" * 16, "0123456789abcdef0123456789abcdef"
    monkeypatch.setenv("SIMTEL_ACCOUNT_SID", sid)
    monkeypatch.setenv("SIMTEL_AUTH_TOKEN", token)
    with simulator_from_env(seed=1) as from_env:
        assert (from_env.account.sid, from_env.account.auth_token) == (sid, token)
    with simulator_from_env(seed=1, auth_token="explicit") as explicit:
        assert explicit.account.auth_token == "explicit"


def test_run_serves_in_the_foreground_until_stopped(sim: Simulator) -> None:
    srv = Server(sim, clock="realtime", speed=100)
    runner = threading.Thread(target=srv.run)
    runner.start()
    deadline = time.monotonic() + 5
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.01)
    with control(sim, srv) as http:
        assert http.get("/_simtel/clock").status_code == 200
    srv.stop()
    runner.join(5)
    assert not runner.is_alive()
    assert srv.realtime is not None and not srv.realtime.running
    assert refused(srv.port)


def test_extra_routes_are_served_by_the_same_app(sim: Simulator) -> None:
    async def hello(request: Request) -> Response:
        return Response(f"hello {request.path_params['name']}", media_type="text/plain")

    extra = [lambda _sim: [Route("/_extra/{name}", hello)]]
    with Server(sim, extra=extra) as srv, control(sim, srv) as http:
        assert http.get("/_extra/simtel").text == "hello simtel"
        assert http.get(f"/2010-04-01/Accounts/{sim.account.sid}/Calls.json").status_code == 200


def test_keep_alive_requests_are_not_held_back_by_nagle(sim: Simulator) -> None:
    """Connections accepted from the server's socket have TCP_NODELAY (its protocol is TCP): with
    Nagle on, each keep-alive request waits on a delayed ACK (or stalls for good)."""

    async def small(request: Request) -> Response:
        return Response(b"x" * 1000, media_type="application/json")

    listening = _bind("127.0.0.1", 0)
    try:  # the contract asyncio needs before it sets TCP_NODELAY on accepted connections
        assert listening.proto == socket.IPPROTO_TCP
    finally:
        listening.close()
    extra = [lambda _sim: [Route("/_small", small)]]
    with Server(sim, extra=extra) as srv, control(sim, srv) as http:
        for _ in range(100):  # a stall would hit the client's timeout (speed lives in bench/)
            assert http.get("/_small").status_code == 200
