"""Hostile input on every route: malformed bodies, wrong SID shapes, junk parameters, bad auth.

Whatever arrives, the answer is a Twilio error (4xx, JSON or XML) or a success, never a 500.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from conftest_api import asgi_request, auth_of, basic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simtel.api import create_app
from simtel.simulator import Simulator

PARAMS = (
    "To",
    "From",
    "Url",
    "Twiml",
    "Status",
    "PauseBehavior",
    "PageSize",
    "Page",
    "PageToken",
    "DateCreated",
    "DateCreated<",
    "DateCreated>",
    "StartTime<",
    "CallSid",
    "IncludeSoftDeleted",
    "RecordingChannels",
    "RecordingTrack",
    "Trim",
    "RecordingStatusCallbackEvent",
    "Timeout",
    "StatusCallbackEvent",
    "Record",
    "RequestedChannels",
    "PhoneNumber",
    "VoiceUrl",
    "Method",
)
TEMPLATES = (
    "Recordings{s}",
    "Recordings/{re}{s}",
    "Calls{s}",
    "Calls/{ca}{s}",
    "Calls/{ca}/Recordings{s}",
    "Calls/{ca}/Recordings/{re}{s}",
    "Conferences/{cf}/Recordings{s}",
    "Conferences/{cf}/Recordings/{re}{s}",
    "Transcriptions{s}",
    "Transcriptions/{tr}{s}",
    "Recordings/{re}/Transcriptions{s}",
    "IncomingPhoneNumbers{s}",
    "IncomingPhoneNumbers/{pn}{s}",
    "{junk}",
)


def build_world() -> tuple[Simulator, Any, dict[str, str]]:
    sim = Simulator(seed=3)
    app = create_app(sim)
    ended = sim.create_call("+15551230001", "+15559870000")
    sim.advance(5)
    done = sim.recorder.start_call_recording(
        ended, "StartCallRecordingAPI", ended.options.recording
    )
    sim.advance(60)
    live = sim.create_call("+15551230002", "+15559870000")
    sim.advance(5)
    active = sim.recorder.start_call_recording(
        live, "StartCallRecordingAPI", live.options.recording
    )
    number = sim.add_number("+15550001111")
    known = {"ca": live.sid, "ca2": ended.sid, "re": active.sid, "re2": done.sid, "pn": number.sid}
    return sim, app, known


SIM, APP, KNOWN = build_world()

junk = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
sid_like = st.one_of(
    st.sampled_from(sorted(KNOWN.values())),
    st.sampled_from(["Twilio.CURRENT", "CA" + "0" * 32, "RE" + "f" * 32, "", ".", "..", "%00"]),
    st.from_regex(r"[A-Z]{2}[0-9a-fA-F]{30,34}", fullmatch=True),
    junk.filter(lambda s: "/" not in s),
)
value = st.one_of(
    junk,
    st.sampled_from(
        [
            "true",
            "false",
            "-1",
            "0",
            "1001",
            "2026-01-01",
            "PA",
            "PB" + "0" * 34,
            "http://app.test/v",
            "paused",
            "stopped",
            "dual",
            "2",
        ]
    ),
    st.integers(-(10**30), 10**30).map(str),
)
pairs = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMS), junk), value), max_size=6)


def form(items: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in items)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    template = draw(st.sampled_from(TEMPLATES))
    suffix = draw(st.sampled_from(["", ".json", ".xml", ".wav", ".mp3", ".csv", ".JSON"]))
    path = template.format(
        s=suffix,
        re=draw(sid_like),
        ca=draw(sid_like),
        cf=draw(sid_like),
        tr=draw(sid_like),
        pn=draw(sid_like),
        junk=draw(junk),
    )
    account = draw(st.sampled_from([SIM.account.sid, SIM.account.sid, "AC" + "1" * 32, "x"]))
    body = draw(st.one_of(pairs.map(form).map(str.encode), st.binary(max_size=200)))
    return {
        "method": draw(st.sampled_from(["GET", "POST", "DELETE", "PUT", "HEAD", "PATCH"])),
        "path": f"/2010-04-01/Accounts/{account}/{path}",
        "query": draw(st.one_of(pairs.map(form), junk)),
        "body": body,
        "headers": draw(
            st.sampled_from(
                [
                    auth_of(SIM),
                    auth_of(SIM),
                    {},
                    basic(SIM.account.sid, "nope"),
                    {"Authorization": "Basic %%%"},
                    {**auth_of(SIM), "Content-Type": "multipart/form-data"},
                ]
            )
        ),
    }


def assert_twilio_error(reply: Any) -> None:
    kind = reply.headers.get("content-type", "")
    if kind.startswith("application/json"):
        body = json.loads(reply.body)
        assert set(body) == {"code", "message", "more_info", "status"}
        assert body["status"] == reply.status
    else:
        assert kind.startswith("application/xml"), kind
        root = ET.fromstring(reply.body)
        assert root.findtext("RestException/Status") == str(reply.status)


@settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(requests())
def test_no_request_gets_a_server_error(request: dict[str, Any]) -> None:
    reply = asgi_request(
        APP,
        request["method"],
        request["path"],
        query=request["query"],
        body=request["body"],
        headers=request["headers"],
    )
    assert reply.status < 500, (request, reply.body[:300])
    if reply.status >= 400 and request["method"] != "HEAD":
        assert_twilio_error(reply)


def test_huge_body_is_refused() -> None:
    path = f"/2010-04-01/Accounts/{SIM.account.sid}/Calls.json"
    reply = asgi_request(APP, "POST", path, body=b"To=" + b"1" * (2 << 20), headers=auth_of(SIM))
    assert reply.status == 413 and json.loads(reply.body)["code"] == 20001
    many = "&".join(f"k{i}=v" for i in range(5000)).encode()
    reply = asgi_request(APP, "POST", path, body=many, headers=auth_of(SIM))
    assert reply.status == 400
    bad = asgi_request(APP, "POST", path, body=b"To=\xff\xfe", headers=auth_of(SIM))
    assert bad.status == 400 and "UTF-8" in json.loads(bad.body)["message"]
