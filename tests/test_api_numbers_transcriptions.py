"""IncomingPhoneNumbers and Transcriptions through the official twilio client."""

from __future__ import annotations

from typing import Any

import pytest
from conftest_api import Schemas, asgi_request, auth_of, error_of
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simtel.simulator import Simulator


def test_number_lifecycle(sim: Simulator, client: Client) -> None:
    created = client.incoming_phone_numbers.create(
        phone_number="+15550001111",
        voice_url="http://app.test/voice",
        voice_method="GET",
        status_callback="http://app.test/status",
        sms_url="http://app.test/sms",
    )
    assert created.sid.startswith("PN") and created.friendly_name == "+15550001111"
    assert (created.voice_url, created.voice_method, created.sms_url) == (
        "http://app.test/voice",
        "GET",
        "http://app.test/sms",
    )
    owned = sim.numbers["+15550001111"]
    assert (owned.voice_url, owned.voice_method) == ("http://app.test/voice", "GET")
    updated = client.incoming_phone_numbers(created.sid).update(
        voice_url="http://app.test/other", friendly_name="Support", voice_fallback_url=""
    )
    assert (updated.voice_url, updated.friendly_name) == ("http://app.test/other", "Support")
    assert owned.voice_url == "http://app.test/other" and owned.voice_fallback_url is None
    client.incoming_phone_numbers.create(phone_number="+15550002222")
    listed = client.incoming_phone_numbers.list(phone_number="+15550001111")
    assert [n.sid for n in listed] == [created.sid]
    assert len(client.incoming_phone_numbers.list(page_size=1)) == 2
    assert client.incoming_phone_numbers(created.sid).delete() is True
    assert "+15550001111" not in sim.numbers
    with pytest.raises(TwilioRestException) as excinfo:
        client.incoming_phone_numbers(created.sid).fetch()
    assert error_of(excinfo) == (404, 20404)


def test_number_errors(sim: Simulator, client: Client, app: Any) -> None:
    path = f"/2010-04-01/Accounts/{sim.account.sid}/IncomingPhoneNumbers.json"
    for body, code in (
        (b"VoiceUrl=http://app.test/v", 21421),
        (b"PhoneNumber=%2B1555&VoiceUrl=nowhere", 21502),
        (b"PhoneNumber=%2B1555&VoiceMethod=PUT", 21503),
        (b"PhoneNumber=%2B1555&VoiceApplicationSid=AP" + b"a" * 32, 20001),
    ):
        reply = asgi_request(app, "POST", path, body=body, headers=auth_of(sim))
        assert (reply.status, reply.json()["code"]) == (400, code), reply.text
    client.incoming_phone_numbers.create(phone_number="+15550003333")
    with pytest.raises(TwilioRestException) as excinfo:
        client.incoming_phone_numbers.create(phone_number="+15550003333")
    assert error_of(excinfo) == (400, 21422)


def transcribed(sim: Simulator, client: Client) -> tuple[str, str]:
    call = sim.create_call("+15551230001", "+15559870000")
    sim.advance(5)
    recording_sid = client.calls(call.sid).recordings.create().sid
    sim.transcriber.request(sim.recorder.get(recording_sid), callback_url=None, call=call)
    sim.advance(600)
    (transcription,) = client.transcriptions.list()
    return recording_sid, transcription.sid


def test_transcriptions(sim: Simulator, client: Client, app: Any, oai: Schemas) -> None:
    recording_sid, sid = transcribed(sim, client)
    fetched = client.transcriptions(sid).fetch()
    assert fetched.recording_sid == recording_sid and fetched.status in ("completed", "failed")
    nested = client.recordings(recording_sid).transcriptions.list()
    assert [t.sid for t in nested] == [sid]
    base = f"/2010-04-01/Accounts/{sim.account.sid}"
    body = asgi_request(
        app, "GET", f"{base}/Transcriptions/{sid}.json", headers=auth_of(sim)
    ).json()
    oai.check("api.v2010.account.transcription", body)
    assert body["uri"] == f"{base}/Transcriptions/{sid}.json"
    inner = asgi_request(
        app,
        "GET",
        f"{base}/Recordings/{recording_sid}/Transcriptions/{sid}.json",
        headers=auth_of(sim),
    ).json()
    oai.check("api.v2010.account.recording.recording_transcription", inner)
    listing = asgi_request(app, "GET", f"{base}/Transcriptions.json", headers=auth_of(sim)).json()
    oai.check_list("/2010-04-01/Accounts/{AccountSid}/Transcriptions.json", listing)
    other = "RE" + "0" * 32
    with pytest.raises(TwilioRestException) as excinfo:
        client.recordings(other).transcriptions(sid).fetch()
    assert error_of(excinfo) == (404, 20404)
    assert client.recordings(recording_sid).transcriptions(sid).delete() is True
    assert client.transcriptions.list() == []
    with pytest.raises(TwilioRestException) as excinfo:
        client.transcriptions(sid).delete()
    assert error_of(excinfo) == (404, 20404)
