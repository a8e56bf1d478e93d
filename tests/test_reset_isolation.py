"""A reset leaves nothing behind: after `POST /_simtel/reset` (or `Simulator.reset()`) during a
live `<Dial>`, a conference, a recording in progress and a pending webhook, the same commands
give the same event log as a fresh simulation, and the app hears nothing from the old one."""

from __future__ import annotations

import gc
import io
import threading
from typing import Any

from test_flow_support import AGENT, BASE, VoiceApp

from simtel.engine.calls.parties import Party
from simtel.simulator import Simulator
from simtel.testing import simtel_client

DIAL = f'<Response><Dial record="record-from-ringing"><Number>{AGENT}</Number></Dial></Response>'
ROOM = (
    '<Response><Dial><Conference record="record-from-start" statusCallback="/conf" '
    'statusCallbackEvent="start end join leave">room</Conference></Dial></Response>'
)
FROM = "+15005550001"


def setup(sim: Simulator) -> VoiceApp:
    app = VoiceApp(sim)
    app.route("/dial", DIAL)
    app.route("/room", ROOM)
    for path in ("/status", "/conf", "/rec"):
        app.route(path, "")
    sim.set_party(AGENT, Party(answer_after=10, hangup_after=40))
    return app


def start_everything(sim: Simulator, twilio: Any) -> None:
    """A ringing <Dial>, a two-party conference, a recording in progress, then a status
    callback still waiting for its delivery."""
    calls = twilio.calls
    calls.create(to="+15005550010", from_=FROM, url=BASE + "/dial")
    calls.create(to="+15005550011", from_=FROM, url=BASE + "/room")
    calls.create(to="+15005550012", from_=FROM, url=BASE + "/room")
    calls.create(
        to="+15005550013",
        from_=FROM,
        twiml='<Response><Pause length="50"/></Response>',
        record=True,
        recording_status_callback=BASE + "/rec",
        recording_status_callback_event=["in-progress", "completed"],
    )
    sim.advance(8)
    calls.create(
        to="+15005550014",
        from_=FROM,
        twiml="<Response><Pause length='5'/></Response>",
        status_callback=BASE + "/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )


def run_to_the_end(sim: Simulator) -> None:
    sim.advance(20)
    gc.collect()  # where the old simulation's clean-up used to run, inside the new one
    sim.advance(200)


def event_log(sim: Simulator) -> str:
    buffer = io.StringIO()
    sim.events.write_jsonl(buffer)
    return buffer.getvalue()


def fresh_run() -> tuple[str, list[str]]:
    sim = Simulator(seed=9, allow_http=False)
    app = setup(sim)
    start_everything(sim, simtel_client(sim))
    run_to_the_end(sim)
    return event_log(sim), [r.path for r in app.requests]


def reset_over_http(sim: Simulator, twilio: Any) -> None:
    answer = twilio.http_client.request(
        "POST",
        "http://simtel/_simtel/reset",
        auth=(sim.account.sid, sim.account.auth_token),
    )
    assert answer.status_code == 200


def test_reset_over_http_during_everything_leaves_nothing_behind() -> None:
    expected_log, expected_requests = fresh_run()
    sim = Simulator(seed=9, allow_http=False)
    app = setup(sim)
    twilio = simtel_client(sim)
    start_everything(sim, twilio)
    assert {c.status for c in sim.calls.values()} >= {"ringing", "in-progress", "queued"}
    assert any(r.status == "in-progress" for r in sim.recorder.recordings.values())
    assert any(c.status == "in-progress" for c in sim.conferences.live.values())
    reset_over_http(sim, twilio)
    app.requests.clear()
    start_everything(sim, twilio)
    run_to_the_end(sim)
    assert event_log(sim) == expected_log
    assert [r.path for r in app.requests] == expected_requests


def test_simulator_reset_twice_in_a_row_is_the_same_as_fresh() -> None:
    expected_log, _ = fresh_run()
    sim = Simulator(seed=9, allow_http=False)
    setup(sim)
    twilio = simtel_client(sim)
    for _ in range(2):
        start_everything(sim, twilio)
        sim.reset()
    start_everything(sim, twilio)
    run_to_the_end(sim)
    assert event_log(sim) == expected_log


def test_a_reset_while_a_step_waits_for_the_app_unwinds_that_step_into_the_old_world() -> None:
    expected_log, _ = fresh_run()
    sim = Simulator(seed=9, allow_http=False)
    app = setup(sim)
    twilio = simtel_client(sim)
    entered, release = threading.Event(), threading.Event()

    def slow_dial(_params: dict[str, str]) -> str:
        entered.set()
        assert release.wait(30)
        return DIAL

    app.route("/dial", slow_dial)
    answers: list[float] = []

    def dial_and_advance() -> None:
        twilio.calls.create(to="+15005550010", from_=FROM, url=BASE + "/dial")
        answers.append(sim.advance(60))

    stepping = threading.Thread(target=dial_and_advance)
    stepping.start()
    assert entered.wait(30)
    sim.reset()  # the stepping thread waits for the app: the lock is free
    requests_before = len(app.requests)
    release.set()
    stepping.join(30)
    assert not stepping.is_alive()
    assert answers == [0.0]  # the advance in flight answers the new clock
    assert len(app.requests) == requests_before  # the old <Dial> dialled nobody, fetched nothing
    assert list(sim.events) == [] and sim.calls == {}
    app.route("/dial", DIAL)
    start_everything(sim, twilio)
    run_to_the_end(sim)
    assert event_log(sim) == expected_log
