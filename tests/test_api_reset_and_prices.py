"""`/_simtel/reset` clears what REST created, and a failed transcription's price.

Issue 14 item 9: after a reset, creating the same number through REST again must succeed (it
answered 21422, "not available", because the number survived). A number given by code
(`Simulator.add_number`) is configuration and comes back as configured. Digest §2.4: the OpenAPI
example of a `failed` transcription costs `-0.05000`.
"""

from __future__ import annotations

import pytest
from conftest_api import error_of
from test_flow_support import CALLER, NUMBER, inbound_number, new_sim
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from simtel.engine.calls.parties import Party, Utterance
from simtel.simulator import Simulator
from simtel.testing import simtel_client

CONFIGURED, REST_MADE = "+15550300001", "+15550300002"


def reset(client: Client) -> None:
    reply = client.http_client.request(
        "POST", f"{client.api.base_url}/_simtel/reset", auth=client.auth
    )
    assert reply.status_code == 200


def test_reset_clears_rest_created_numbers_and_restores_configured_ones(
    sim: Simulator, client: Client
) -> None:
    sim.add_number(CONFIGURED, voice_url="http://app.test/voice")
    made = client.incoming_phone_numbers.create(phone_number=REST_MADE)
    configured_sid = sim.numbers[CONFIGURED].sid
    client.incoming_phone_numbers(configured_sid).update(voice_url="http://elsewhere.test/x")
    with pytest.raises(TwilioRestException) as taken:
        client.incoming_phone_numbers.create(phone_number=REST_MADE)
    assert error_of(taken) == (400, 21422)
    reset(client)
    listed = client.incoming_phone_numbers.list()
    assert [n.phone_number for n in listed] == [CONFIGURED]
    assert listed[0].voice_url == "http://app.test/voice"  # as configured, not as updated
    again = client.incoming_phone_numbers.create(phone_number=REST_MADE)
    assert again.phone_number == REST_MADE and again.sid != configured_sid
    assert made.sid != configured_sid
    assert client.calls.list() == [] and client.recordings.list() == []


def test_reset_restores_a_configured_number_released_through_rest(
    sim: Simulator, client: Client
) -> None:
    sim.add_number(CONFIGURED, voice_url="http://app.test/voice")
    client.incoming_phone_numbers(sim.numbers[CONFIGURED].sid).delete()
    assert client.incoming_phone_numbers.list() == []
    reset(client)
    assert [n.phone_number for n in client.incoming_phone_numbers.list()] == [CONFIGURED]


def test_a_failed_transcription_costs_one_minute() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    response = VoiceResponse()
    response.record(transcribe=True, play_beep=False, timeout=1, action="/done")
    app.route("/voice", response)
    app.route("/done", "<Response/>")
    talker = Party(talk="script", script=(Utterance(0.2, "hi", 1.3),), hangup_after=30.0)
    sim.place_inbound_call(CALLER, NUMBER, party=talker)
    sim.advance(60)
    client = simtel_client(sim)
    (transcription,) = client.transcriptions.list()
    assert transcription.status == "failed"  # under two seconds: too short to transcribe
    assert transcription.transcription_text == "(blank)"
    assert (str(transcription.price), transcription.price_unit) == ("-0.05000", "USD")
