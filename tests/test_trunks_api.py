"""Elastic SIP Trunking v1 through the official twilio client: Trunks and their Recording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest_api import asgi_request, auth_of
from twilio.base.exceptions import TwilioRestException

from simtel import Simulator
from simtel.api import create_app
from simtel.testing import simtel_client

TRUNK_OAI = (
    Path(__file__).parents[1].parent
    / "shared/reference/oai/twilio_trunking_v1_recording_subset.json"
)


@pytest.fixture
def twilio(sim: Simulator) -> Any:
    return simtel_client(sim)


def test_trunk_recording_fetch_and_update(sim: Simulator, twilio: Any) -> None:
    trunk = twilio.trunking.v1.trunks.create(friendly_name="pbx")
    assert trunk.sid.startswith("TK") and trunk.friendly_name == "pbx"
    assert trunk.recording == {"mode": "do-not-record", "trim": "do-not-trim"}
    assert trunk.url == f"https://trunking.twilio.com/v1/Trunks/{trunk.sid}"
    settings = twilio.trunking.v1.trunks(trunk.sid).recordings().fetch()
    assert (settings.mode, settings.trim) == ("do-not-record", "do-not-trim")
    updated = (
        twilio.trunking.v1.trunks(trunk.sid)
        .recordings()
        .update(mode="record-from-ringing-dual", trim="trim-silence")
    )
    assert (updated.mode, updated.trim) == ("record-from-ringing-dual", "trim-silence")
    engine_trunk = sim.trunks.get(trunk.sid)
    assert (engine_trunk.recording_mode, engine_trunk.recording_trim) == (
        "record-from-ringing-dual",
        "trim-silence",
    )
    only_mode = twilio.trunking.v1.trunks(trunk.sid).recordings().update(mode="record-from-answer")
    assert (only_mode.mode, only_mode.trim) == ("record-from-answer", "trim-silence")
    fetched = twilio.trunking.v1.trunks(trunk.sid).fetch()
    assert fetched.recording == {"mode": "record-from-answer", "trim": "trim-silence"}
    assert [t.sid for t in twilio.trunking.v1.trunks.list()] == [trunk.sid]


def test_trunk_errors(sim: Simulator, twilio: Any) -> None:
    trunk = twilio.trunking.v1.trunks.create(friendly_name="pbx")
    with pytest.raises(TwilioRestException) as invalid:
        twilio.trunking.v1.trunks(trunk.sid).recordings().update(mode="always")
    assert (invalid.value.status, invalid.value.code) == (400, 20001)
    with pytest.raises(TwilioRestException) as missing:
        twilio.trunking.v1.trunks("TK" + "0" * 32).recordings().fetch()
    assert missing.value.status == 404
    with pytest.raises(TwilioRestException) as unsupported:
        twilio.trunking.v1.trunks.create(friendly_name="x", secure=True)
    assert unsupported.value.code == 20001


def test_trunk_recording_json_matches_the_schema(sim: Simulator) -> None:
    if not TRUNK_OAI.is_file():
        pytest.skip(f"OpenAPI reference not found at {TRUNK_OAI}")
    import jsonschema

    document = json.loads(TRUNK_OAI.read_text())
    schema = {
        **document["components"]["schemas"]["trunking.v1.trunk.recording"],
        "components": document["components"],
        "additionalProperties": False,
    }
    trunk = sim.trunks.create("pbx")
    app, headers = create_app(sim), auth_of(sim)
    path = f"/v1/Trunks/{trunk.sid}/Recording"
    fetched = asgi_request(app, "GET", path, headers=headers)
    assert fetched.status == 200 and fetched.headers["content-type"].startswith("application/json")
    jsonschema.validate(fetched.json(), schema)
    assert (
        fetched.json()
        == document["paths"]["/v1/Trunks/{TrunkSid}/Recording"]["get"]["responses"]["200"][
            "content"
        ]["application/json"]["examples"]["fetch"]["value"]
    )
    body = b"Mode=record-from-answer-dual&Trim=trim-silence"
    updated = asgi_request(app, "POST", path, headers=headers, body=body)
    jsonschema.validate(updated.json(), schema)
    assert updated.json() == {"mode": "record-from-answer-dual", "trim": "trim-silence"}
