"""A subaccount's webhooks are signed with its own auth token: its calls' TwiML and status
callbacks, its recordings' callbacks, and the inbound calls to the numbers it bought."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from conftest import Collector, Received
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioException, TwilioRestException
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


def test_a_redirected_webhook_keeps_the_subaccount_signature(sim: Simulator, client: Any) -> None:
    seen: list[tuple[str, str, dict[str, str], str]] = []

    async def voice(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        seen.append((str(request.url), "POST", form, request.headers["x-twilio-signature"]))
        return Response(status_code=303, headers={"Location": f"{APP}/twiml"})

    async def twiml(request: Request) -> Response:
        seen.append((str(request.url), "GET", {}, request.headers["x-twilio-signature"]))
        return Response("<Response><Say>moved</Say></Response>", media_type="text/xml")

    app = Starlette(
        routes=[Route("/voice", voice, methods=["POST"]), Route("/twiml", twiml, methods=["GET"])]
    )
    sim.mount(APP, app)
    sid, token = _tenant(sim, client)
    client.api.v2010.accounts(sid).calls.create(to=TO, from_=FROM, url=f"{APP}/voice")
    sim.advance(30)
    assert [method for _, method, _, _ in seen] == ["POST", "GET"]
    for url, _, params, signature in seen:
        assert RequestValidator(token).validate(url, params, signature), url


def test_other_accounts_recordings_and_numbers_are_not_found(
    sim: Simulator, client: Any, collector: Collector
) -> None:
    sid, _ = _tenant(sim, client)
    own = simtel_client(sim, sid)
    number = own.incoming_phone_numbers.create(phone_number="+15550009999")
    call = own.calls.create(to=TO, from_=FROM, twiml="<Response><Pause length='20'/></Response>")
    sim.advance(8)
    recording = own.calls(call.sid).recordings.create()
    sim.advance(60)
    assert own.recordings(recording.sid).fetch().account_sid == sid
    for missing in (
        client.recordings(recording.sid).fetch,
        client.incoming_phone_numbers(number.sid).fetch,
    ):
        with pytest.raises(TwilioRestException) as refused:
            missing()
        assert refused.value.code == 20404
    with pytest.raises(TwilioException, match="20404"):
        client.calls(call.sid).recordings.list()
    base = f"{client.api.base_url}/2010-04-01/Accounts"
    media = {
        owner: client.http_client.request("GET", f"{base}/{owner}/Recordings/{recording.sid}.wav")
        for owner in (sim.account.sid, sid)
    }
    assert (media[sim.account.sid].status_code, media[sid].status_code) == (404, 200)


def test_a_subaccount_calls_media_fetch_is_signed_with_its_token(
    sim: Simulator, client: Any
) -> None:
    fetched: list[tuple[str, str]] = []

    async def tone(request: Request) -> Response:
        fetched.append((str(request.url), request.headers["x-twilio-signature"]))
        samples = (np.sin(np.arange(8000) * 2 * np.pi * 440 / 8000) * 0.3).astype("float32")
        out = io.BytesIO()
        sf.write(out, samples, 8000, format="WAV", subtype="PCM_16")
        return Response(out.getvalue(), media_type="audio/wav")

    sim.mount(APP, Starlette(routes=[Route("/tone.wav", tone, methods=["GET"])]))
    sid, token = _tenant(sim, client)
    twiml = f"<Response><Play>{APP}/tone.wav</Play></Response>"
    client.api.v2010.accounts(sid).calls.create(to=TO, from_=FROM, twiml=twiml)
    sim.advance(30)
    [(url, signature)] = fetched
    assert RequestValidator(token).validate(url, {}, signature)
    assert not RequestValidator(sim.account.auth_token).validate(url, {}, signature)
