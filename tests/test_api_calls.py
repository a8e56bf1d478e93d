"""The Call resource through the official twilio client: create, list, update, delete."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from conftest_api import Schemas, asgi_request, auth_of, error_of
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simtel.events import EventKind
from simtel.simulator import Simulator

A, B, C = "+15551230001", "+15559870000", "+15554440000"
PAUSE = '<Response><Pause length="20"/></Response>'


def calls_path(sim: Simulator) -> str:
    return f"/2010-04-01/Accounts/{sim.account.sid}/Calls"


def test_create_with_twiml_answers_201_queued(
    sim: Simulator, client: Client, app: Any, oai: Schemas
) -> None:
    call = client.calls.create(to=A, from_=B, twiml=PAUSE, status_callback_event=["answered"])
    assert call.status == "queued" and call.direction == "outbound-api"
    assert sim.calls[call.sid].options.twiml == PAUSE
    reply = asgi_request(
        app,
        "POST",
        f"{calls_path(sim)}.json",
        headers=auth_of(sim),
        body=f"To=%2B1555&From=%2B1666&Twiml={PAUSE}".encode(),
    )
    assert reply.status == 201
    oai.check("api.v2010.account.call", reply.json())
    assert set(reply.json()) == oai.properties("api.v2010.account.call")
    sim.advance(5)
    assert client.calls(call.sid).fetch().status == "in-progress"
    sim.advance(30)
    done = client.calls(call.sid).fetch()
    assert done.status == "completed" and done.duration is not None


def test_create_with_record_starts_an_outbound_api_recording(
    sim: Simulator, client: Client
) -> None:
    call = client.calls.create(
        to=A,
        from_=B,
        twiml=PAUSE,
        record=True,
        recording_channels="dual",
        recording_status_callback_event="in-progress completed",
        recording_status_callback="http://app.test/rec",
    )
    sim.advance(5)
    (recording,) = client.calls(call.sid).recordings.list()
    assert (recording.source, recording.channels) == ("OutboundAPI", 2)
    options = sim.recorder.get(recording.sid).options
    assert options.trim == "trim-silence"
    assert options.status_callback_events == ("in-progress", "completed")


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"From": B, "Twiml": PAUSE}, 400, 21201),
        ({"To": A, "Twiml": PAUSE}, 400, 21213),
        ({"To": A, "From": B}, 400, 21205),
        ({"To": A, "From": B, "Url": "ftp://app.test/voice"}, 400, 21205),
        ({"To": A, "From": B, "ApplicationSid": "AP" + "a" * 32}, 400, 21218),
        ({"To": A, "From": B, "Twiml": PAUSE, "StatusCallbackEvent": "hungup"}, 400, 21626),
        ({"To": A, "From": B, "Twiml": PAUSE, "Timeout": "601"}, 400, 21208),
        ({"To": A, "From": B, "Twiml": PAUSE, "Timeout": "soon"}, 400, 21208),
        ({"To": A, "From": B, "Twiml": PAUSE, "Method": "PUT"}, 400, 21209),
        ({"To": A, "From": B, "Twiml": PAUSE, "Record": "maybe"}, 400, 20001),
        ({"To": A, "From": B, "Twiml": PAUSE, "RecordingTrack": "left"}, 400, 21200),
        ({"To": A, "From": B, "Twiml": PAUSE, "MachineDetection": "Enable"}, 400, 20001),
        ({"To": A, "From": B, "Twiml": PAUSE, "SendDigits": "12x4"}, 400, 21200),
        ({"To": A, "From": B, "Twiml": "<Response>" + " " * 4000 + "</Response>"}, 400, 21200),
    ],
)
def test_create_validation(
    sim: Simulator, app: Any, fields: dict[str, str], status: int, code: int
) -> None:
    from urllib.parse import urlencode

    reply = asgi_request(
        app,
        "POST",
        f"{calls_path(sim)}.json",
        headers=auth_of(sim),
        body=urlencode(fields).encode(),
    )
    assert (reply.status, reply.json()["code"]) == (status, code), reply.text
    assert sim.calls == {}


def test_unsupported_parameters_say_so(sim: Simulator, client: Client) -> None:
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls.create(to=A, from_=B, twiml=PAUSE, machine_detection="Enable")
    assert "not supported by simtel" in excinfo.value.msg


def test_list_filters_and_pages(sim: Simulator, client: Client, app: Any, oai: Schemas) -> None:
    first = sim.create_call(A, B)
    sim.advance(60)
    second = sim.create_call(C, B)
    third = sim.create_call(A, C)
    sim.advance(86400)
    fourth = sim.create_call(C, A)
    sim.advance(5)
    everything = [c.sid for c in client.calls.list(page_size=2)]
    assert everything == [fourth.sid, third.sid, second.sid, first.sid]
    assert [c.sid for c in client.calls.list(to=A)] == [third.sid, first.sid]
    assert [c.sid for c in client.calls.list(from_=C)] == [third.sid]
    assert [c.sid for c in client.calls.list(status="in-progress")] == [fourth.sid]
    on_day_two = client.calls.list(start_time=date(2026, 1, 2))
    assert [c.sid for c in on_day_two] == [fourth.sid]
    before = client.calls.list(start_time_before=date(2026, 1, 2))
    assert [c.sid for c in before] == [third.sid, second.sid, first.sid]
    reply = asgi_request(
        app,
        "GET",
        f"{calls_path(sim)}.json",
        query="To=%2B15551230001&PageSize=1",
        headers=auth_of(sim),
    )
    body = reply.json()
    oai.check_list("/2010-04-01/Accounts/{AccountSid}/Calls.json", body)
    assert body["uri"] == f"{calls_path(sim)}.json?To=%2B15551230001&PageSize=1&Page=0"
    assert body["next_page_uri"].endswith(
        f"To=%2B15551230001&PageSize=1&Page=1&PageToken=PA{third.sid}"
    )
    bad = asgi_request(
        app, "GET", f"{calls_path(sim)}.json", query="Status=lost", headers=auth_of(sim)
    )
    assert bad.status == 400


def test_update_hangs_up_cancels_and_refuses_ended_calls(sim: Simulator, client: Client) -> None:
    answered = sim.create_call(A, B)
    sim.advance(5)
    assert client.calls(answered.sid).update(status="canceled").status == "in-progress"
    assert client.calls(answered.sid).update(status="completed").status == "completed"
    ringing = sim.create_call(C, B)
    sim.advance(2)
    assert client.calls(ringing.sid).update(status="canceled").status == "canceled"
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls(answered.sid).update(status="completed")
    assert error_of(excinfo) == (400, 21220)
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls("CA" + "0" * 32).update(status="completed")
    assert error_of(excinfo) == (404, 20404)


def test_update_redirects_and_changes_callbacks(sim: Simulator, client: Client) -> None:
    live = sim.create_call(A, B)
    sim.advance(5)
    client.calls(live.sid).update(
        twiml="<Response><Hangup/></Response>", status_callback="http://app.test/status"
    )
    assert live.options.status.url == "http://app.test/status"
    sim.advance(1)
    assert client.calls(live.sid).fetch().status == "completed"
    kinds = [e.kind for e in sim.events.of(live.sid)]
    assert EventKind.TWIML_VERB in kinds


def test_delete_only_ended_calls(sim: Simulator, client: Client) -> None:
    call = sim.create_call(A, B)
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls(call.sid).delete()
    assert error_of(excinfo) == (400, 20009)
    sim.advance(60)
    assert client.calls(call.sid).delete() is True
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls(call.sid).fetch()
    assert error_of(excinfo) == (404, 20404)
    assert client.calls.list() == []


def test_finished_calls_gone_from_memory_still_answer_from_the_store() -> None:
    """Under `keep_media=False` a finished call leaves the engine; the API consults the store."""
    from twilio.base.exceptions import TwilioRestException

    from simtel import Simulator
    from simtel.testing import simtel_client

    sim = Simulator(seed=2, keep_media=False)
    client = simtel_client(sim)
    created = client.calls.create(to=A, from_=B, twiml=PAUSE)
    sim.advance(120)
    assert created.sid not in sim.calls
    assert client.calls(created.sid).fetch().status == "completed"
    with pytest.raises(TwilioRestException) as refused:
        client.calls(created.sid).update(status="completed")
    assert refused.value.code == 21220
    assert client.calls(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        client.calls(created.sid).fetch()
    assert gone.value.code == 20404
