"""A subaccount's webhooks are signed with its own auth token: its calls' TwiML and status
callbacks, its recordings' callbacks, and the inbound calls to the numbers it bought."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Collector, Received
from twilio.request_validator import RequestValidator

from simtel.errors import TwilioError
from simtel.simulator import Simulator
from simtel.testing import simtel_client

APP = "http://app.test"
TO, FROM = "+15551230001", "+15557650002"


def _signed_by(token: str, request: Received) -> bool:
    return bool(RequestValidator(token).validate(request.url, request.params, request.signature))


def _tenant(sim: Simulator, client: Any) -> tuple[str, str]:
    created = client.api.v2010.accounts.create(friendly_name="tenant")
    return created.sid, created.auth_token


def test_call_and_recording_callbacks_use_the_subaccount_token(
    sim: Simulator, client: Any, collector: Collector
) -> None:
    collector.status = 200
    collector.body = '<Response><Say>hello there</Say><Pause length="10"/></Response>'
    sim.mount(APP, collector.app())
    sid, token = _tenant(sim, client)
    call = client.api.v2010.accounts(sid).calls.create(
        to=TO,
        from_=FROM,
        url=f"{APP}/voice",
        status_callback=f"{APP}/status",
        record=True,
        recording_status_callback=f"{APP}/recording",
        recording_status_callback_event=["completed", "absent"],
    )
    sim.advance(120)
    purposes = {r.path for r in collector.received}
    assert {"/voice", "/status", "/recording"} <= purposes
    for request in collector.received:
        assert request.params["AccountSid"] == sid
        assert _signed_by(token, request), request.path
        assert not _signed_by(sim.account.auth_token, request), request.path
    recording = collector.on("/recording")[-1]
    assert recording["CallSid"] == call.sid
    media = f"/Accounts/{sid}/Recordings/{recording['RecordingSid']}"
    assert recording["RecordingUrl"].endswith(media)
    own = simtel_client(sim, sid)
    assert [r.sid for r in own.recordings.list()] == [recording["RecordingSid"]]
    assert client.recordings.list() == []


def test_main_account_webhooks_keep_the_main_token(
    sim: Simulator, client: Any, collector: Collector
) -> None:
    collector.status, collector.body = 200, "<Response><Say>hi</Say></Response>"
    sim.mount(APP, collector.app())
    _tenant(sim, client)
    client.calls.create(to=TO, from_=FROM, url=f"{APP}/voice", status_callback=f"{APP}/status")
    sim.advance(60)
    assert collector.received
    assert all(_signed_by(sim.account.auth_token, r) for r in collector.received)


def test_inbound_calls_to_a_subaccount_number(
    sim: Simulator, client: Any, collector: Collector
) -> None:
    collector.status, collector.body = 200, "<Response><Say>welcome</Say></Response>"
    sim.mount(APP, collector.app())
    sid, token = _tenant(sim, client)
    own = simtel_client(sim, sid)
    number = own.incoming_phone_numbers.create(phone_number=TO, voice_url=f"{APP}/inbound")
    assert number.account_sid == sid
    inbound = sim.place_inbound_call(FROM, TO)
    sim.advance(60)
    assert inbound.account_sid == sid
    voice = [r for r in collector.received if r.path == "/inbound"]
    assert voice and voice[0].params["AccountSid"] == sid
    assert _signed_by(token, voice[0]) and not _signed_by(sim.account.auth_token, voice[0])
    assert [c.sid for c in own.calls.list()] == [inbound.sid]
    assert client.calls.list() == []


def test_inbound_calls_to_a_suspended_subaccount_are_rejected(sim: Simulator, client: Any) -> None:
    sid, _ = _tenant(sim, client)
    simtel_client(sim, sid).incoming_phone_numbers.create(phone_number=TO, voice_url=APP)
    client.api.v2010.accounts(sid).update(status="suspended")
    with pytest.raises(TwilioError) as refused:
        sim.place_inbound_call(FROM, TO)
    assert refused.value.code == 10003
    assert sim.calls == {}
