"""The `/_simtel/*` control API: clock, events, reset, the far party; asserted on `sim.events`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simtel.api.control import routes
from simtel.engine.calls.parties import Party
from simtel.events import EventKind
from simtel.simulator import Simulator
from simtel.testing import TwilioHttpClient

NUMBER = "+15005550100"
CALLER = "+15005550199"


class Control:
    """JSON over the in-process client, authenticated as the simulated account."""

    def __init__(self, sim: Simulator, auth: tuple[str, str] | None = None) -> None:
        self.http = TwilioHttpClient(Starlette(routes=routes(sim)))
        self.auth = auth if auth is not None else (sim.account.sid, sim.account.auth_token)

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        response = self.http.request("GET", f"http://sim{path}", params=params, auth=self.auth)
        return response.status_code, json.loads(response.text)

    def post(self, path: str, **form: Any) -> tuple[int, Any]:
        response = self.http.request("POST", f"http://sim{path}", data=form, auth=self.auth)
        return response.status_code, json.loads(response.text)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=3) as simulation:
        simulation.add_number(NUMBER)
        yield simulation


@pytest.fixture
def control(sim: Simulator) -> Control:
    return Control(sim)


def kinds(sim: Simulator, sid: str) -> list[tuple[float, str]]:
    return [(e.t, str(e.kind)) for e in sim.events.of(sid)]


def statuses(sim: Simulator, sid: str) -> list[str]:
    return [e.fields["status"] for e in sim.events.of(sid, EventKind.CALL_UPDATED)]


def place(control: Control, **form: Any) -> str:
    status, call = control.post("/_simtel/calls", From=CALLER, To=NUMBER, **form)
    assert status == 201, call
    sid: str = call["sid"]
    return sid


# -- auth and errors -----------------------------------------------------------------------------
@pytest.mark.parametrize("auth", [("", ""), ("AC" + "0" * 32, "wrong")])
def test_requests_need_the_account_credentials(sim: Simulator, auth: tuple[str, str]) -> None:
    status, body = Control(sim, auth).get("/_simtel/clock")
    assert status == 401
    assert body["code"] == 20003 and body["status"] == 401
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20003"


@pytest.mark.parametrize("seconds", ["", "-1", "nan", "inf", "soon"])
def test_bad_seconds_are_400_and_time_stays(control: Control, sim: Simulator, seconds: str) -> None:
    status, body = control.post("/_simtel/clock/advance", Seconds=seconds)
    assert (status, body["code"], body["status"]) == (400, 20001, 400)
    assert sim.now == 0.0


# -- clock ---------------------------------------------------------------------------------------
def test_clock_reads_and_advances_simulated_time(control: Control, sim: Simulator) -> None:
    start = {"t": 0.0, "now": "Thu, 01 Jan 2026 09:00:00 +0000"}
    assert control.get("/_simtel/clock") == (200, start)
    status, clock = control.post("/_simtel/clock/advance", Seconds="90.5")
    assert status == 200
    assert clock == {"t": 90.5, "now": "Thu, 01 Jan 2026 09:01:30 +0000"}
    assert sim.now == 90.5


# -- the far party -------------------------------------------------------------------------------
def test_an_inbound_call_runs_as_its_party_says(control: Control, sim: Simulator) -> None:
    sid = place(control, HangupAfter="20", Say=["1:hello there", "I am calling about my order"])
    call = sim.call(sid)
    assert (call.direction, call.from_, call.to) == ("inbound", CALLER, NUMBER)
    assert call.party.hangup_after == 20.0
    assert [(u.at, u.text) for u in call.party.script] == [
        (1.0, "hello there"),
        (2.3, "I am calling about my order"),
    ]
    control.post("/_simtel/clock/advance", Seconds="30")
    assert statuses(sim, sid) == ["in-progress", "completed"]
    assert (20.0, "party.hangup") in kinds(sim, sid)
    assert call.duration == 20


def test_place_call_answers_the_call_resource(control: Control, sim: Simulator) -> None:
    status, call = control.post("/_simtel/calls", From=CALLER, To=NUMBER, Talk="silent")
    assert status == 201
    assert call["sid"].startswith("CA") and call["direction"] == "inbound"
    assert call["uri"] == f"/2010-04-01/Accounts/{sim.account.sid}/Calls/{call['sid']}.json"
    assert sim.call(call["sid"]).party.talk == "silent"


def test_without_party_fields_the_registered_party_calls(control: Control, sim: Simulator) -> None:
    sim.set_party(CALLER, Party(hangup_after=5.0, talk="silent"))
    sid = place(control)
    assert sim.call(sid).party == Party(hangup_after=5.0, talk="silent")


@pytest.mark.parametrize(
    ("form", "code", "status"),
    [
        ({"From": CALLER}, 21201, 400),
        ({"To": NUMBER}, 21213, 400),
        ({"From": CALLER, "To": "+15005550000"}, 20404, 404),
        ({"From": CALLER, "To": NUMBER, "Talk": "loud"}, 20001, 400),
        ({"From": CALLER, "To": NUMBER, "Say": "-1:no"}, 20001, 400),
        ({"From": CALLER, "To": NUMBER, "Digits": "12x"}, 20001, 400),
        ({"From": CALLER, "To": NUMBER, "AnswerAfter": "later"}, 20001, 400),
    ],
)
def test_bad_calls_are_refused(
    control: Control, sim: Simulator, form: dict[str, str], code: int, status: int
) -> None:
    answer_status, body = control.post("/_simtel/calls", **form)
    assert (answer_status, body["code"]) == (status, code)
    assert not sim.calls


def test_scheduled_digits_are_pressed(control: Control, sim: Simulator) -> None:
    sid = place(control, Digits="42", DigitsAt="2", HangupAfter="10")
    control.post("/_simtel/clock/advance", Seconds="10")
    presses = [(e.t, e.fields["digits"]) for e in sim.events.of(sid, EventKind.PARTY_DIGITS)]
    assert presses == [(2.0, "4"), (2.3, "2")]


def test_digits_are_pressed_now(control: Control, sim: Simulator) -> None:
    sid = place(control, HangupAfter="never", Talk="silent")
    control.post("/_simtel/clock/advance", Seconds="5")
    status, call = control.post(f"/_simtel/calls/{sid}/digits", Digits="1#", Interval="0.5")
    assert (status, call["status"]) == (200, "in-progress")
    control.post("/_simtel/clock/advance", Seconds="2")
    presses = [(e.t, e.fields["digits"]) for e in sim.events.of(sid, EventKind.PARTY_DIGITS)]
    assert presses == [(5.0, "1"), (5.5, "#")]


def test_the_party_hangs_up(control: Control, sim: Simulator) -> None:
    sid = place(control, HangupAfter="never")
    control.post("/_simtel/clock/advance", Seconds="7")
    status, call = control.post(f"/_simtel/calls/{sid}/hangup")
    assert (status, call["status"], call["duration"]) == (200, "completed", "7")
    assert kinds(sim, sid)[-2:] == [(7.0, "party.hangup"), (7.0, "call.updated")]
    status, again = control.post(f"/_simtel/calls/{sid}/hangup")
    assert (status, again["code"]) == (400, 21220)
    status, late = control.post(f"/_simtel/calls/{sid}/digits", Digits="1")
    assert (status, late["code"]) == (400, 21220)


def test_unknown_calls_and_bad_digits(control: Control, sim: Simulator) -> None:
    missing = "CA" + "f" * 32
    status, body = control.post(f"/_simtel/calls/{missing}/hangup")
    assert (status, body["code"]) == (404, 20404)
    sid = place(control, HangupAfter="never")
    control.post("/_simtel/clock/advance", Seconds="1")
    for digits in ("", "12a"):
        status, body = control.post(f"/_simtel/calls/{sid}/digits", Digits=digits)
        assert (status, body["code"]) == (400, 20001)


# -- events --------------------------------------------------------------------------------------
def test_events_are_served_from_a_sequence_number(control: Control, sim: Simulator) -> None:
    sid = place(control, HangupAfter="3")
    control.post("/_simtel/clock/advance", Seconds="5")
    status, everything = control.get("/_simtel/events")
    assert status == 200
    assert [e["seq"] for e in everything] == list(range(len(sim.events)))
    assert everything == [json.loads(e.to_json()) for e in sim.events]
    _, tail = control.get("/_simtel/events", since=2)
    assert tail == everything[2:]
    _, about_call = control.get("/_simtel/events", sid=sid)
    assert [e["kind"] for e in about_call] == [str(e.kind) for e in sim.events.of(sid)]
    status, body = control.get("/_simtel/events", since="x")
    assert (status, body["code"]) == (400, 20001)


# -- reset ---------------------------------------------------------------------------------------
def test_reset_starts_over_with_the_same_sids(control: Control, sim: Simulator) -> None:
    first = place(control, HangupAfter="4")
    control.post("/_simtel/clock/advance", Seconds="10")
    before = [e.to_json() for e in sim.events]
    account, number_sid = sim.account.sid, sim.numbers[NUMBER].sid
    status, clock = control.post("/_simtel/reset")
    assert (status, clock["t"]) == (200, 0.0)
    assert [str(e.kind) for e in sim.events] == ["number.created"]
    assert (sim.account.sid, sim.numbers[NUMBER].sid) == (account, number_sid)
    assert not sim.calls
    again = place(control, HangupAfter="4")
    control.post("/_simtel/clock/advance", Seconds="10")
    assert again == first
    assert [e.to_json() for e in sim.events] == before


def test_reset_keeps_mounted_apps_and_the_store_file(tmp_path: Any) -> None:
    hits: list[str] = []

    async def status_callback(request: Request) -> Response:
        hits.append(str((await request.form())["CallStatus"]))
        return Response("")

    app = Starlette(routes=[Route("/status", status_callback, methods=["POST"])])
    with Simulator(seed=1, db=tmp_path / "run.db") as sim:
        sim.mount("http://app.test", app)
        sim.add_number(NUMBER, status_callback="http://app.test/status")
        control = Control(sim)
        place(control, HangupAfter="2")
        control.post("/_simtel/clock/advance", Seconds="5")
        control.post("/_simtel/reset")
        place(control, HangupAfter="2")
        control.post("/_simtel/clock/advance", Seconds="5")
        assert hits == ["completed", "completed"]
        assert sim.store.count("calls") == 1


# -- the app calls back while time moves ----------------------------------------------------------
def test_a_webhook_handler_may_call_the_control_api(sim: Simulator) -> None:
    """The advance waits for the app in a worker thread with the simulator's lock released; the
    app's handler places a second call through the same API meanwhile."""
    control = Control(sim)
    placed: list[str] = []

    async def status_callback(request: Request) -> Response:
        form = await request.form()
        if not placed:
            assert form["CallStatus"] == "completed"
            placed.append(place(control, HangupAfter="1"))
        return Response("")

    app = Starlette(routes=[Route("/status", status_callback, methods=["POST"])])
    sim.mount("http://app.test", app)
    sim.numbers[NUMBER].status_callback = "http://app.test/status"
    first = place(control, HangupAfter="2")
    status, clock = control.post("/_simtel/clock/advance", Seconds="10")
    assert status == 200 and clock["t"] == 10.0
    assert len(placed) == 1 and placed[0] != first
    assert statuses(sim, placed[0]) == ["in-progress", "completed"]


def test_the_api_app_serves_the_control_routes(sim: Simulator) -> None:
    from simtel.api import create_app

    http = TwilioHttpClient(create_app(sim))
    auth = (sim.account.sid, sim.account.auth_token)
    answer = http.request(
        "POST", "http://sim/_simtel/clock/advance", data={"Seconds": 3}, auth=auth
    )
    assert (answer.status_code, json.loads(answer.text)["t"]) == (200, 3.0)
    missing = http.request("GET", "http://sim/_simtel/nothing", auth=auth)
    assert (missing.status_code, json.loads(missing.text)["code"]) == (404, 20404)


# -- numbers are checked as CreateCall checks them (twilio-spec: 21211 To, 21212 From) ----------
def test_a_placed_call_needs_e164_numbers(control: Control) -> None:
    status, body = control.post("/_simtel/calls", From=CALLER, To="bogus")
    assert (status, body["code"]) == (400, 21211)
    status, body = control.post("/_simtel/calls", From="bogus", To=NUMBER)
    assert (status, body["code"]) == (400, 21212)
    status, body = control.post("/_simtel/calls", From=" " + CALLER[1:], To=NUMBER)
    assert (status, body["code"]) == (400, 21212) and "%2B" in body["message"]
