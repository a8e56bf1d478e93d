"""Every executed verb is logged with its line in the TwiML document (the console shows it)."""

from __future__ import annotations

from simtel import Simulator
from simtel.events import EventKind

TWIML = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say>Hello.</Say>
  <Pause length="1"/>

  <Gather numDigits="1" timeout="1" actionOnEmptyResult="false">
    <Say>Press a key.</Say>
  </Gather>
  <Hangup/>
</Response>"""


def test_twiml_verb_events_carry_the_source_line() -> None:
    with Simulator(seed=3) as sim:
        sim.add_number("+15550100", twiml=TWIML)
        call = sim.place_inbound_call("+15557001", "+15550100")
        sim.run(until=60)
        executed = sim.events.of(call.sid, EventKind.TWIML_VERB)
        verbs = [(e.fields["verb"], e.fields["line"]) for e in executed]
    assert verbs == [("Say", 3), ("Pause", 4), ("Gather", 6), ("Hangup", 9)]
