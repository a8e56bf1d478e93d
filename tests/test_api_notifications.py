"""Notifications (account and call lists, instances) and the other links a Call or a Recording
advertises (`AddOnResults`, a call's `Transcriptions`), through the official twilio client and
checked against Twilio's OpenAPI schemas (`twilio_api_v2010_accounts_queues_notifications_subset`).

Digest §2.2: a Call's `subresource_uris` lists `notifications` and `transcriptions`, and an
account-level Recording lists `add_on_results`: each link must answer, not 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest
from conftest_api import Schemas, asgi_request, auth_of, error_of
from test_flow_support import BASE, CALLER, NUMBER, inbound_number, new_sim
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from simtel.api.notifications import notification_sid, seq_of
from simtel.simulator import Simulator
from simtel.testing import simtel_client

ACCOUNT_LIST = "/2010-04-01/Accounts/{AccountSid}/Notifications.json"
CALL_LIST = "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Notifications.json"
ADD_ONS = "/2010-04-01/Accounts/{AccountSid}/Recordings/{ReferenceSid}/AddOnResults.json"
FIRST = """<?xml version="1.0"?>
<Response>
  <Say loop="often">Welcome</Say>
  <Redirect>/broken</Redirect>
</Response>"""
BROKEN = """<Response>
  <Say>unclosed
</Response>"""


def debugged_calls() -> tuple[Simulator, Client, str, str]:
    """Two inbound calls: one through a 13510 warning (line 3) into a 12100 parse failure, one
    whose TwiML URL answers 404 (11200)."""
    sim, app = new_sim()
    inbound_number(sim)
    sim.add_number("+15550200009", voice_url=BASE + "/missing")
    app.route("/voice", FIRST)
    app.route("/broken", BROKEN)
    parsed = sim.place_inbound_call(CALLER, NUMBER)
    sim.advance(5)
    missing = sim.place_inbound_call(CALLER, "+15550200009")
    sim.advance(5)
    return sim, simtel_client(sim), parsed.sid, missing.sid


def get_json(sim: Simulator, client: Client, path: str, query: str = "") -> Any:
    reply = asgi_request(client.http_client.app, "GET", path, query=query, headers=auth_of(sim))
    assert reply.status == 200, reply.text
    return reply.json()


def test_the_debugger_log_as_notifications(oai_more: Schemas) -> None:
    sim, client, parsed, missing = debugged_calls()
    notes = client.notifications.list()
    assert [(n.error_code, n.log, n.call_sid) for n in notes] == [
        ("11200", "0", missing),
        ("12100", "0", parsed),
        ("13510", "1", parsed),
    ]
    warning = notes[2]
    text = parse_qs(warning.message_text)
    assert text["ErrorCode"] == ["13510"] and text["LogLevel"] == ["WARN"]
    assert text["LineNumber"] == ["3"] and text["url"] == [f"{BASE}/voice"]
    assert warning.request_url == f"{BASE}/voice" and warning.request_method == "POST"
    assert warning.more_info == "https://www.twilio.com/docs/errors/13510"
    parse = parse_qs(notes[1].message_text)
    assert parse["LineNumber"] == ["3"] and parse["LogLevel"] == ["ERROR"]
    assert warning.message_date == warning.date_created
    body = get_json(sim, client, f"/2010-04-01/Accounts/{sim.account.sid}/Notifications.json")
    oai_more.check_list(ACCOUNT_LIST, body)


def test_call_lists_filters_instances_and_paging(oai_more: Schemas) -> None:
    sim, client, parsed, missing = debugged_calls()
    mine = client.calls(parsed).notifications.list()
    assert [n.error_code for n in mine] == ["12100", "13510"]
    assert [n.error_code for n in client.calls(missing).notifications.list()] == ["11200"]
    assert [n.error_code for n in client.notifications.list(log=1)] == ["13510"]
    assert [n.error_code for n in client.calls(parsed).notifications.list(log=0)] == ["12100"]
    paged = list(client.notifications.stream(page_size=1))
    assert [n.error_code for n in paged] == ["11200", "12100", "13510"]
    one = client.notifications(mine[0].sid).fetch()
    assert one.sid == mine[0].sid and one.sid.startswith("NO") and len(one.sid) == 34
    assert parse_qs(one.request_variables)["CallSid"] == [parsed]
    assert one.response_body.startswith("<Response>")
    assert parse_qs(one.response_headers)["Content-Type"][0].startswith("text/xml")
    under_call = client.calls(parsed).notifications(mine[0].sid).fetch()
    assert under_call.uri.endswith(f"/Calls/{parsed}/Notifications/{mine[0].sid}.json")
    base = f"/2010-04-01/Accounts/{sim.account.sid}"
    instance = get_json(sim, client, f"{base}/Notifications/{one.sid}.json")
    oai_more.check("api.v2010.account.notification-instance", instance)
    calls_body = get_json(sim, client, f"{base}/Calls/{parsed}/Notifications.json", "Log=1")
    oai_more.check_list(CALL_LIST, calls_body)
    assert calls_body["first_page_uri"].endswith("Notifications.json?Log=1&PageSize=50&Page=0")
    with pytest.raises(TwilioRestException) as elsewhere:
        client.calls(missing).notifications(mine[0].sid).fetch()
    assert error_of(elsewhere) == (404, 20404)
    with pytest.raises(TwilioRestException) as forged:
        client.notifications("NO" + "0" * 32).fetch()
    assert error_of(forged) == (404, 20404)
    with pytest.raises(TwilioException) as bad_log:  # a page fetch that fails (digest §11)
        client.notifications.list(log=7)
    assert "Log must be 0 (error) or 1 (warning)" in str(bad_log.value)


def test_notification_sids_are_derived_not_minted() -> None:
    sid = notification_sid("AC" + "1" * 32, 4242)
    assert seq_of("AC" + "1" * 32, sid) == 4242
    assert seq_of("AC" + "2" * 32, sid) is None  # another account's SID
    assert seq_of("AC" + "1" * 32, sid.upper().replace("NO", "NO", 1)) == 4242


def test_advertised_links_answer(sim: Simulator, client: Client, oai_more: Schemas) -> None:
    call = sim.create_call("+15551230001", "+15559870000")
    sim.advance(5)
    recording = client.calls(call.sid).recordings.create()
    sim.advance(40)
    fetched = client.calls(call.sid).fetch()
    links = fetched.subresource_uris
    assert set(links) >= {"notifications", "recordings", "transcriptions"}
    for name in ("notifications", "transcriptions"):
        body = get_json(sim, client, links[name])
        assert body[name] == [] and body["next_page_uri"] is None
    account_recording = get_json(
        sim, client, f"/2010-04-01/Accounts/{sim.account.sid}/Recordings/{recording.sid}.json"
    )
    add_ons = get_json(sim, client, account_recording["subresource_uris"]["add_on_results"])
    oai_more.check_list(ADD_ONS, add_ons)
    assert add_ons["add_on_results"] == []
    assert client.recordings(recording.sid).add_on_results.list() == []
    with pytest.raises(TwilioRestException) as no_result:
        client.recordings(recording.sid).add_on_results("XR" + "0" * 32).fetch()
    assert error_of(no_result) == (404, 20404)
    with pytest.raises(TwilioException) as unknown:
        client.recordings("RE" + "0" * 32).add_on_results.list()
    assert "20404" in str(unknown.value)
    with pytest.raises(TwilioRestException) as realtime:
        client.calls(call.sid).transcriptions.create()
    assert error_of(realtime) == (400, 20001)
    assert "not supported by simtel" in realtime.value.msg
