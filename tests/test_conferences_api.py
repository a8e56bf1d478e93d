"""Conferences, Participants and conference Recordings through the official twilio client."""

from __future__ import annotations

from typing import Any

import pytest
from conftest_api import Schemas, asgi_request, auth_of
from twilio.base.exceptions import TwilioRestException

from simtel import Party, Simulator, Utterance
from simtel.api import create_app
from simtel.testing import simtel_client

AGENT, CUSTOMER, SUPERVISOR = "+15550000001", "+15550000002", "+15550000003"
CALLER_ID = "+15559999999"


def talker(pitch: float, hangup_after: float | None = None) -> Party:
    script = (Utterance(0.0, "hello", duration=600.0),)
    return Party(talk="script", script=script, hangup_after=hangup_after, pitch_hz=pitch)


@pytest.fixture
def twilio(sim: Simulator) -> Any:
    sim.set_party(AGENT, talker(110.0))
    sim.set_party(CUSTOMER, talker(300.0))
    sim.set_party(SUPERVISOR, talker(520.0))
    return simtel_client(sim)


def account(sim: Simulator) -> str:
    return f"/2010-04-01/Accounts/{sim.account.sid}"


def test_participants_create_list_fetch_update(sim: Simulator, twilio: Any) -> None:
    agent = twilio.conferences("support").participants.create(
        from_=CALLER_ID, to=AGENT, label="agent", conference_record="record-from-start"
    )
    assert (agent.status, agent.label, agent.muted) == ("queued", "agent", False)
    conference_sid = agent.conference_sid
    assert conference_sid.startswith("CF")
    customer = twilio.conferences(conference_sid).participants.create(
        from_=CALLER_ID, to=CUSTOMER, end_conference_on_exit=True
    )
    sim.advance(10.0)
    listed = twilio.conferences(conference_sid).participants.list()
    assert {p.call_sid for p in listed} == {agent.call_sid, customer.call_sid}
    assert all(p.status == "connected" for p in listed)
    fetched = twilio.conferences(conference_sid).participants(customer.call_sid).fetch()
    assert fetched.end_conference_on_exit is True
    muted = twilio.conferences(conference_sid).participants(customer.call_sid).update(muted=True)
    assert muted.muted is True
    assert [
        p.call_sid for p in twilio.conferences(conference_sid).participants.list(muted=True)
    ] == [customer.call_sid]
    conference = twilio.conferences(conference_sid).fetch()
    assert (conference.status, conference.friendly_name) == ("in-progress", "support")
    with pytest.raises(TwilioRestException) as duplicate:
        twilio.conferences(conference_sid).participants.create(
            from_=CALLER_ID, to=SUPERVISOR, label="agent"
        )
    assert (duplicate.value.status, duplicate.value.code) == (400, 16025)


def test_conference_recording_pause_and_refused_stop(sim: Simulator, twilio: Any) -> None:
    agent = twilio.conferences("rec").participants.create(
        from_=CALLER_ID, to=AGENT, conference_record="true", conference_trim="do-not-trim"
    )
    twilio.conferences(agent.conference_sid).participants.create(from_=CALLER_ID, to=CUSTOMER)
    sim.advance(10.0)
    conference = twilio.conferences(agent.conference_sid)
    (recording,) = conference.recordings.list()
    assert (recording.status, recording.source, recording.call_sid) == (
        "processing",  # a read shows processing while capturing (the seed)
        "Conference",
        agent.call_sid,  # the participant that asked for it (a CA SID, as Twilio's example)
    )
    paused = conference.recordings("Twilio.CURRENT").update(status="paused", pause_behavior="skip")
    assert paused.status == "paused"
    with pytest.raises(TwilioRestException) as refused:
        conference.recordings(recording.sid).update(status="stopped")
    assert refused.value.code == 21220
    sim.advance(5.0)
    conference.recordings(recording.sid).update(status="in-progress")
    sim.advance(5.0)
    ended = conference.update(status="completed")
    assert (ended.status, ended.reason_conference_ended) == (
        "completed",
        "conference-ended-via-api",
    )
    sim.advance(30.0)
    done = conference.recordings(recording.sid).fetch()
    assert (done.status, done.channels) == ("completed", 1)  # <Conference>: one channel (seed)
    started = sim.recorder.get(recording.sid).start_time
    assert int(done.duration) == round(20.0 - started - 5.0)  # the 5 s paused are skipped
    assert conference.participants.list() == []
    for call in twilio.calls.list():
        assert call.status == "completed"


def test_conferences_list_and_filters(sim: Simulator, twilio: Any) -> None:
    first = twilio.conferences("alpha").participants.create(from_=CALLER_ID, to=AGENT)
    twilio.conferences("beta").participants.create(from_=CALLER_ID, to=CUSTOMER)
    sim.advance(10.0)
    twilio.conferences(first.conference_sid).update(status="completed")
    names = [c.friendly_name for c in twilio.conferences.list()]
    assert sorted(names) == ["alpha", "beta"]
    assert [c.friendly_name for c in twilio.conferences.list(status="completed")] == ["alpha"]
    assert [c.friendly_name for c in twilio.conferences.list(friendly_name="beta")] == ["beta"]
    with pytest.raises(TwilioRestException) as missing:
        twilio.conferences("CF" + "0" * 32).fetch()
    assert missing.value.status == 404


def ended(body: dict[str, Any]) -> dict[str, Any]:
    """The schema types `reason_conference_ended` as a non-null enum, while its description and
    Twilio's own example (spec §2.4) give null for a conference in progress."""
    return {
        **body,
        "reason_conference_ended": body["reason_conference_ended"] or "last-participant-left",
    }


def test_conference_json_matches_the_schemas(sim: Simulator, twilio: Any, oai: Schemas) -> None:
    agent = twilio.conferences("schema").participants.create(
        from_=CALLER_ID, to=AGENT, conference_record="record-from-start"
    )
    twilio.conferences(agent.conference_sid).participants.create(from_=CALLER_ID, to=CUSTOMER)
    sim.advance(10.0)
    app, headers = create_app(sim), auth_of(sim)
    base = f"{account(sim)}/Conferences"
    one = asgi_request(app, "GET", f"{base}/{agent.conference_sid}.json", headers=headers)
    assert one.json()["reason_conference_ended"] is None  # in progress, as Twilio's example
    oai.check("api.v2010.account.conference", ended(one.json()))
    assert set(one.json()) == oai.properties("api.v2010.account.conference")
    listing = asgi_request(app, "GET", f"{base}.json", headers=headers).json()
    listing["conferences"] = [ended(item) for item in listing["conferences"]]
    oai.check_list("/2010-04-01/Accounts/{AccountSid}/Conferences.json", listing)
    participants = asgi_request(
        app, "GET", f"{base}/{agent.conference_sid}/Participants.json", headers=headers
    )
    path = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json"
    oai.check_list(path, participants.json())
    for item in participants.json()["participants"]:
        assert set(item) == oai.properties("api.v2010.account.conference.participant")
    recordings = asgi_request(
        app, "GET", f"{base}/{agent.conference_sid}/Recordings.json", headers=headers
    )
    oai.check_list(
        "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings.json",
        recordings.json(),
    )


def test_unsupported_parameters_are_refused(sim: Simulator, twilio: Any) -> None:
    with pytest.raises(TwilioRestException) as refused:
        twilio.conferences("x").participants.create(
            from_=CALLER_ID, to=AGENT, recording_status_callback_event=["paused"]
        )
    assert refused.value.code == 20001
    first = twilio.conferences("x").participants.create(from_=CALLER_ID, to=AGENT)
    with pytest.raises(TwilioRestException) as announce:
        twilio.conferences(first.conference_sid).update(announce_url="http://app.test/a")
    assert announce.value.code == 20001
