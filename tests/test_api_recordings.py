"""The Recording resource through the official twilio client: start, control, list, delete."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from conftest_api import Schemas, asgi_request, auth_of, basic, error_of
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from simtel.engine.calls.call import Call, RecordingOptions
from simtel.engine.recordings.recorder import call_layout
from simtel.simulator import Simulator

A, B = "+15551230001", "+15559870000"
ACCOUNT_LIST = "/2010-04-01/Accounts/{AccountSid}/Recordings.json"


def live_call(sim: Simulator, to: str = A) -> Call:
    """An outbound call, answered (the default party answers 3 s after ringing)."""
    call = sim.create_call(to, B)
    sim.advance(5)
    assert call.status == "in-progress"
    return call


def get_json(sim: Simulator, app: Any, path: str, query: str = "") -> Any:
    reply = asgi_request(app, "GET", path, query=query, headers=auth_of(sim))
    assert reply.status == 200, reply.text
    return reply.json()


def base(sim: Simulator) -> str:
    return f"/2010-04-01/Accounts/{sim.account.sid}"


def test_create_on_live_call_has_the_call_schema(
    sim: Simulator, app: Any, client: Client, oai: Schemas
) -> None:
    call = live_call(sim)
    created = client.calls(call.sid).recordings.create(recording_channels="dual")
    assert (created.status, created.channels, created.source) == (
        "in-progress",
        2,
        "StartCallRecordingAPI",
    )
    assert created.track == "both" and created.call_sid == call.sid and created.duration is None
    body = get_json(sim, app, f"{base(sim)}/Calls/{call.sid}/Recordings/{created.sid}.json")
    oai.check("api.v2010.account.call.call_recording", body)
    assert set(body) == oai.properties("api.v2010.account.call.call_recording")
    assert body["uri"] == f"{base(sim)}/Calls/{call.sid}/Recordings/{created.sid}.json"
    assert "media_url" not in body and "subresource_uris" not in body


def test_create_defaults_and_both_array_spellings(sim: Simulator, client: Client) -> None:
    call = live_call(sim)
    first = client.calls(call.sid).recordings.create()
    options = sim.recorder.get(first.sid).options
    assert options == RecordingOptions(
        channels="mono", track="both", trim="do-not-trim", status_callback_events=("completed",)
    )
    client.calls(call.sid).recordings(first.sid).update(status="stopped")
    second = client.calls(call.sid).recordings.create(
        recording_status_callback="http://app.test/rec",
        recording_status_callback_event=["in-progress", "completed"],
        recording_track="inbound",
    )
    assert sim.recorder.get(second.sid).options.status_callback_events == (
        "in-progress",
        "completed",
    )
    client.calls(call.sid).recordings(second.sid).update(status="stopped")
    reply = asgi_request(
        app_of(client),
        "POST",
        f"{base(sim)}/Calls/{call.sid}/Recordings.json",
        body=b"RecordingStatusCallbackEvent=absent+completed&Trim=trim-silence",
        headers=auth_of(sim),
    )
    assert reply.status == 201, reply.text
    options = sim.recorder.get(reply.json()["sid"]).options
    assert options.status_callback_events == ("absent", "completed")
    assert options.trim == "trim-silence"


def app_of(client: Client) -> Any:
    return client.http_client.app  # type: ignore[attr-defined]


def test_create_refuses_calls_not_in_progress(sim: Simulator, client: Client) -> None:
    ringing = sim.create_call(A, B)
    sim.advance(2)
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls(ringing.sid).recordings.create()
    assert error_of(excinfo) == (400, 21220)
    sim.advance(60)
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls(ringing.sid).recordings.create()
    assert error_of(excinfo) == (400, 21220)
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls("CA" + "0" * 32).recordings.create()
    assert error_of(excinfo) == (404, 20404)
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls(sim.create_call(A, B).sid).recordings.create(recording_channels="triple")
    assert error_of(excinfo) == (400, 20001)


def test_pause_resume_stop_and_twilio_current(sim: Simulator, client: Client) -> None:
    call = live_call(sim)
    recordings = client.calls(call.sid).recordings
    rec = recordings.create()
    sim.advance(2)
    assert recordings("Twilio.CURRENT").update(status="paused", pause_behavior="skip").status == (
        "paused"
    )
    assert sim.recorder.get(rec.sid).pauses[-1].behavior == "skip"
    sim.advance(3)
    assert recordings(rec.sid).update(status="in-progress").status == "in-progress"
    second = recordings.create()
    with pytest.raises(TwilioRestException) as excinfo:
        recordings("Twilio.CURRENT").update(status="paused")
    assert error_of(excinfo) == (400, 16108)
    assert recordings(second.sid).update(status="stopped").status == "stopped"
    assert recordings(rec.sid).update(status="stopped").status == "stopped"
    with pytest.raises(TwilioRestException) as excinfo:
        recordings("Twilio.CURRENT").update(status="paused")
    assert error_of(excinfo) == (404, 20404)
    with pytest.raises(TwilioRestException) as excinfo:
        recordings(rec.sid).update(status="in-progress")
    assert error_of(excinfo) == (400, 16114)
    with pytest.raises(TwilioRestException) as excinfo:
        recordings(rec.sid).update(status="paused", pause_behavior="mute")
    assert error_of(excinfo) == (400, 20001)
    assert recordings(rec.sid).fetch().status == "processing"  # a read never says stopped
    sim.advance(1)
    assert recordings(rec.sid).fetch().status == "processing"
    sim.advance(10)
    done = recordings(rec.sid).fetch()
    assert done.status == "completed" and done.duration is not None and done.price is not None
    sim.advance(60)
    with pytest.raises(TwilioRestException) as excinfo:
        recordings(rec.sid).update(status="paused")
    assert error_of(excinfo) == (400, 21220)


def make_recordings(sim: Simulator, client: Client, count: int) -> list[str]:
    sids = []
    for _ in range(count):
        call = live_call(sim)
        sids.append(client.calls(call.sid).recordings.create().sid)
        sim.advance(1)
    return sids


def test_list_walks_every_page_newest_first(
    sim: Simulator, app: Any, client: Client, oai: Schemas
) -> None:
    sids = make_recordings(sim, client, 7)
    listed = [r.sid for r in client.recordings.list(page_size=3)]
    assert listed == sids[::-1]
    page = client.recordings.page(page_size=3)
    assert [r.sid for r in page] == sids[::-1][:3]
    second = page.next_page()
    assert [r.sid for r in second] == sids[::-1][3:6]
    assert [r.sid for r in second.previous_page()] == sids[::-1][:3]
    body = get_json(sim, app, f"{base(sim)}/Recordings.json", "PageSize=3")
    oai.check_list(ACCOUNT_LIST, body)
    for item in body["recordings"]:
        assert set(item) == oai.properties("api.v2010.account.recording")
    assert body["previous_page_uri"] is None and (body["start"], body["end"]) == (0, 2)
    assert body["first_page_uri"] == f"{base(sim)}/Recordings.json?PageSize=3&Page=0"
    assert body["next_page_uri"].endswith(f"PageSize=3&Page=1&PageToken=PA{sids[-3]}")
    last = get_json(sim, app, f"{base(sim)}/Recordings.json", "PageSize=3&Page=2")
    assert [r["sid"] for r in last["recordings"]] == [sids[0]] and last["next_page_uri"] is None
    assert (last["start"], last["end"]) == (6, 6)


def test_page_size_limits(sim: Simulator, client: Client, app: Any) -> None:
    with pytest.raises(TwilioException, match="20007"):
        client.recordings.list(page_size=1001)
    for query in ("PageSize=0", "PageSize=abc", "Page=-1", "PageToken=PAnothing"):
        reply = asgi_request(
            app, "GET", f"{base(sim)}/Recordings.json", query=query, headers=auth_of(sim)
        )
        assert reply.status == 400 and reply.json()["code"] in (20001,), (query, reply.text)


def test_filters_by_call_and_date(sim: Simulator, client: Client, app: Any) -> None:
    day_one = make_recordings(sim, client, 2)
    sim.advance(86400)
    day_two = make_recordings(sim, client, 1)
    call_sid = sim.recorder.get(day_one[0]).call_sid
    assert [r.sid for r in client.recordings.list(call_sid=call_sid)] == [day_one[0]]
    assert [r.sid for r in client.calls(call_sid).recordings.list()] == [day_one[0]]
    on_day_one = client.recordings.list(date_created=date(2026, 1, 1))
    assert sorted(r.sid for r in on_day_one) == sorted(day_one)
    after = client.recordings.list(date_created_after=datetime(2026, 1, 2, tzinfo=UTC))
    assert [r.sid for r in after] == day_two
    cut = sim.recorder.get(day_one[1]).date_created
    before = client.recordings.list(date_created_before=sim.clock.at(cut))
    assert sorted(r.sid for r in before) == sorted(day_one)
    for query, expected in (
        ("DateCreated<=2026-01-01", day_one),
        ("DateCreated>=2026-01-02", day_two),
        ("DateCreated=2026-01-02", day_two),
        ("DateCreated%3C=2025-12-31", []),
    ):
        body = get_json(sim, app, f"{base(sim)}/Recordings.json", query)
        assert sorted(r["sid"] for r in body["recordings"]) == sorted(expected), query
        assert body["uri"].startswith(f"{base(sim)}/Recordings.json?DateCreated")
    call_list = client.calls(call_sid).recordings.list(date_created=date(2026, 1, 2))
    assert call_list == []
    reply = asgi_request(
        app,
        "GET",
        f"{base(sim)}/Recordings.json",
        query="DateCreated=yesterday",
        headers=auth_of(sim),
    )
    assert reply.status == 400


def test_delete_soft_deletes_and_hides(sim: Simulator, client: Client, app: Any) -> None:
    call = live_call(sim)
    rec = client.calls(call.sid).recordings.create()
    with pytest.raises(TwilioRestException) as excinfo:
        client.recordings(rec.sid).delete()
    assert error_of(excinfo) == (400, 20009)
    sim.advance(60)
    assert client.recordings(rec.sid).fetch().status == "completed"
    assert client.recordings(rec.sid).delete() is True
    with pytest.raises(TwilioRestException) as excinfo:
        client.recordings(rec.sid).fetch()
    assert error_of(excinfo) == (404, 20404)
    assert client.recordings(rec.sid).fetch(include_soft_deleted=True).status == "deleted"
    assert client.recordings.list() == []
    assert [r.sid for r in client.recordings.list(include_soft_deleted=True)] == [rec.sid]
    assert client.calls(call.sid).recordings.list() == []
    with pytest.raises(TwilioRestException) as excinfo:
        client.calls(call.sid).recordings(rec.sid).fetch()
    assert error_of(excinfo) == (404, 20404)
    with pytest.raises(TwilioRestException) as excinfo:
        client.recordings(rec.sid).delete()
    assert error_of(excinfo) == (404, 20404)
    media = asgi_request(app, "GET", f"{base(sim)}/Recordings/{rec.sid}.wav")
    assert media.status == 404


def test_call_level_delete(sim: Simulator, client: Client) -> None:
    call = live_call(sim)
    rec = client.calls(call.sid).recordings.create()
    sim.advance(60)
    assert client.calls(call.sid).recordings(rec.sid).delete() is True
    assert client.recordings(rec.sid).fetch(include_soft_deleted=True).status == "deleted"


def test_conference_view(sim: Simulator, client: Client, app: Any, oai: Schemas) -> None:
    call = live_call(sim)
    conference = "CF" + "ab" * 16
    rec = sim.recorder.start(
        owner=conference,
        call_sid=call.sid,
        conference_sid=conference,
        source="StartConferenceRecordingAPI",
        options=RecordingOptions(),
        layout=call_layout(call, "mono", "both"),
    )
    recordings = client.conferences(conference).recordings
    assert [r.sid for r in recordings.list()] == [rec.sid]
    assert recordings("Twilio.CURRENT").update(status="paused").status == "paused"
    with pytest.raises(TwilioRestException) as excinfo:
        recordings(rec.sid).update(status="stopped")
    assert error_of(excinfo) == (400, 21220)
    body = get_json(sim, app, f"{base(sim)}/Conferences/{conference}/Recordings/{rec.sid}.json")
    oai.check("api.v2010.account.conference.conference_recording", body)
    assert set(body) == oai.properties("api.v2010.account.conference.conference_recording")
    account = get_json(sim, app, f"{base(sim)}/Recordings/{rec.sid}.json")
    oai.check("api.v2010.account.recording", account)
    assert "track" not in account and account["media_url"].endswith(f"/Recordings/{rec.sid}")
    with pytest.raises(TwilioRestException) as excinfo:
        client.conferences("CF" + "cd" * 16).recordings(rec.sid).fetch()
    assert error_of(excinfo) == (404, 20404)


def test_xml_representation(sim: Simulator, client: Client, app: Any) -> None:
    from xml.etree import ElementTree as ET

    call = live_call(sim)
    rec = client.calls(call.sid).recordings.create()
    reply = asgi_request(app, "GET", f"{base(sim)}/Recordings/{rec.sid}.xml", headers=auth_of(sim))
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(reply.body)
    assert root.tag == "TwilioResponse" and root.findtext("Recording/Sid") == rec.sid
    assert root.findtext("Recording/Uri") == f"{base(sim)}/Recordings/{rec.sid}"
    assert root.find("Recording/Price") is not None and root.findtext("Recording/Price") == ""
    listing = asgi_request(app, "GET", f"{base(sim)}/Recordings", headers=auth_of(sim))
    lists = ET.fromstring(listing.body).find("Recordings")
    assert lists is not None and lists.get("pagesize") == "50"
    assert [e.findtext("Sid") for e in lists] == [rec.sid]
    missing = asgi_request(
        app, "GET", f"{base(sim)}/Recordings/RE{'0' * 32}.xml", headers=auth_of(sim)
    )
    assert missing.status == 404
    assert ET.fromstring(missing.body).findtext("RestException/Code") == "20404"


def test_authentication_and_account(sim: Simulator, app: Any) -> None:
    path = f"{base(sim)}/Recordings.json"
    for headers in ({}, basic(sim.account.sid, "wrong"), {"Authorization": "Basic !!!"}):
        reply = asgi_request(app, "GET", path, headers=headers)
        assert reply.status == 401 and reply.json()["code"] == 20003
        assert "type" not in reply.json()
    other = "AC" + "f" * 32
    reply = asgi_request(
        app, "GET", f"/2010-04-01/Accounts/{other}/Recordings.json", headers=auth_of(sim)
    )
    assert reply.status == 404 and reply.json() == {
        "code": 20404,
        "message": f"The requested resource /2010-04-01/Accounts/{other}/Recordings.json was "
        "not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    assert json.loads(asgi_request(app, "DELETE", path, headers=auth_of(sim)).body)["code"] == 20004


def test_a_recording_gone_from_memory_is_deleted_and_purged_like_any_other() -> None:
    """Under `keep_media=False` completed recordings leave the engine; delete still works."""
    from simtel import Simulator
    from simtel.events import EventKind
    from simtel.testing import simtel_client

    sim = Simulator(seed=4, keep_media=False)
    client = simtel_client(sim)
    created = client.calls.create(
        to="+15551230001",
        from_="+15559870000",
        twiml='<Response><Pause length="20"/></Response>',
        record=True,
    )
    sim.advance(120)
    (listed,) = client.recordings.list(call_sid=created.sid)
    assert listed.status == "completed" and listed.sid not in sim.recorder.recordings
    assert client.recordings(listed.sid).delete() is True
    assert client.recordings(listed.sid).fetch(include_soft_deleted=True).status == "deleted"
    sim.advance(40 * 86400)
    assert [e.sid for e in sim.events if e.kind is EventKind.RECORDING_PURGED] == [listed.sid]
