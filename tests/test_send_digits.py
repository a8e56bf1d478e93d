"""CreateCall `SendDigits`: DTMF sent to the called party once it answers, before the TwiML."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from simtel import Party, Simulator
from simtel.audio import detect_dtmf
from simtel.testing import simtel_client


def test_send_digits_reach_the_called_party_before_the_twiml() -> None:
    sim = Simulator(seed=5)
    sim.set_party("+15005550006", Party(answer_after=2.0, hangup_after=20.0, talk="silent"))
    client = simtel_client(sim)
    created = client.calls.create(
        to="+15005550006",
        from_="+15005550001",
        twiml="<Response><Pause length='10'/></Response>",
        send_digits="1w2#",
    )
    sim.advance(30)
    call = sim.call(created.sid)
    assert call.answered_at == 3.0
    assert detect_dtmf(call.audio.outbound.render(0.0, 3.0, 8000), 8000) == ""
    assert detect_dtmf(call.audio.outbound.render(3.0, 30.0, 8000), 8000) == "12#"


@pytest.mark.parametrize("digits", ["12x", "1" * 33])
def test_invalid_send_digits_are_refused(digits: str) -> None:
    sim = Simulator(seed=5)
    client = simtel_client(sim)
    with pytest.raises(TwilioRestException) as refused:
        client.calls.create(
            to="+15005550006", from_="+15005550001", twiml="<Response/>", send_digits=digits
        )
    assert refused.value.code == 21200
