"""Phone numbers are validated as Twilio does: E.164 (or a client/SIP identity where a call may
go), with Twilio's codes; a `+` lost to form decoding is named as the cause."""

from __future__ import annotations

from typing import Any

import pytest
from conftest_api import asgi_request
from twilio.base.exceptions import TwilioRestException

from simtel.simulator import Simulator

CALLS = "/2010-04-01/Accounts/{sid}/Calls.json"
TWIML = "<Response><Hangup/></Response>"


@pytest.mark.parametrize(
    ("to", "from_", "code", "words"),
    [
        ("+15005550006", "bogus", 21212, "Invalid 'From' Phone Number: 'bogus' is not E.164"),
        ("5005550006", "+15005550001", 21211, "Invalid 'To' Phone Number: '5005550006'"),
        ("+0123", "+15005550001", 21211, "Invalid 'To' Phone Number"),
        ("+1500555000612345", "+15005550001", 21211, "up to 15 digits"),
    ],
)
def test_bad_numbers_are_refused_with_twilios_codes(
    client: Any, to: str, from_: str, code: int, words: str
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        client.calls.create(to=to, from_=from_, twiml=TWIML)
    assert refused.value.code == code and refused.value.status == 400
    assert words in refused.value.msg


def test_a_plus_sent_unencoded_is_named_as_the_cause(sim: Simulator, app: Any) -> None:
    body = f"To=+15005550006&From=%2B15005550001&Twiml={TWIML}".encode()
    reply = asgi_request(
        app,
        "POST",
        CALLS.format(sid=sim.account.sid),
        body=body,
        headers={"Authorization": _basic(sim)},
    )
    assert reply.status == 400
    error = reply.json()
    assert error["code"] == 21211
    assert "' 15005550006'" in error["message"]
    assert "its leading '+' arrived as a space: encode '+' as %2B" in error["message"]
    assert sim.calls == {}


def test_client_and_sip_identities_may_be_called(client: Any) -> None:
    call = client.calls.create(to="client:alice", from_="+15005550001", twiml=TWIML)
    assert call.to == "client:alice"


def test_a_bought_number_must_be_e164(client: Any) -> None:
    with pytest.raises(TwilioRestException) as refused:
        client.incoming_phone_numbers.create(phone_number="client:alice")
    assert refused.value.code == 21421


def _basic(sim: Simulator) -> str:
    import base64

    token = f"{sim.account.sid}:{sim.account.auth_token}".encode()
    return "Basic " + base64.b64encode(token).decode()
