"""Queues and Members over REST, through the official twilio client, checked against Twilio's
OpenAPI schemas."""

from __future__ import annotations

from typing import Any

import pytest
from conftest_api import Schemas, asgi_request, auth_of, error_of
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from test_flow_support import BASE, VoiceApp
from twilio.base.exceptions import TwilioRestException

from simtel.api.app import create_app
from simtel.engine.calls.parties import Party
from simtel.simulator import Simulator
from simtel.testing import simtel_client

FROM = "+15005550001"
CALLERS = ("+15005550051", "+15005550052", "+15005550053")
QUEUES = "/2010-04-01/Accounts/{AccountSid}/Queues.json"
MEMBERS = "/2010-04-01/Accounts/{AccountSid}/Queues/{QueueSid}/Members.json"


def waiting_callers(count: int = 3) -> tuple[Simulator, VoiceApp, str]:
    sim = Simulator(seed=16, allow_http=False)
    app = VoiceApp(sim)
    app.route("/caller", '<Response><Enqueue action="/left">support</Enqueue></Response>')
    app.route("/left", "<Response/>")
    app.route("/elsewhere", "<Response><Say>You were moved</Say></Response>")
    twilio = simtel_client(sim)
    for number in CALLERS[:count]:
        sim.set_party(number, Party(answer_after=1, hangup_after=None, talk="silent"))
        twilio.calls.create(to=number, from_=FROM, url=BASE + "/caller")
        sim.advance(10)
    queue = sim.queues.named("support")
    assert queue is not None
    return sim, app, queue.sid


def test_create_fetch_update_list_delete(oai_more: Schemas) -> None:
    sim = Simulator(seed=16)
    twilio = simtel_client(sim)
    queue = twilio.queues.create(friendly_name="sales", max_size=20)
    assert queue.sid.startswith("QU")
    assert (queue.friendly_name, queue.max_size, queue.current_size) == ("sales", 20, 0)
    assert queue.average_wait_time == 0
    updated = twilio.queues(queue.sid).update(max_size=50, friendly_name="sales-eu")
    assert (updated.max_size, updated.friendly_name) == (50, "sales-eu")
    other = twilio.queues.create(friendly_name="support")
    assert other.max_size == 1000
    assert [q.sid for q in twilio.queues.list()] == [queue.sid, other.sid]
    assert [q.sid for q in twilio.queues.list(page_size=1)] == [queue.sid, other.sid]
    assert twilio.queues(queue.sid).delete() is True
    assert [q.sid for q in twilio.queues.list()] == [other.sid]
    with pytest.raises(TwilioRestException) as excinfo:
        twilio.queues(queue.sid).fetch()
    assert error_of(excinfo) == (404, 20404)
    auth = auth_of(sim)
    body = asgi_request(
        sim_app(sim),
        "GET",
        f"/2010-04-01/Accounts/{sim.account.sid}/Queues/{other.sid}.json",
        headers=auth,
    ).json()
    oai_more.check("api.v2010.account.queue", body)
    listed = asgi_request(
        sim_app(sim), "GET", f"/2010-04-01/Accounts/{sim.account.sid}/Queues.json", headers=auth
    ).json()
    oai_more.check_list(QUEUES, listed)


def sim_app(sim: Simulator) -> Starlette:
    return create_app(sim)


def test_bad_queue_parameters_are_refused() -> None:
    sim = Simulator(seed=16)
    twilio = simtel_client(sim)
    twilio.queues.create(friendly_name="support")
    with pytest.raises(TwilioRestException) as excinfo:
        twilio.queues.create(friendly_name="support")
    assert error_of(excinfo) == (400, 22003)
    with pytest.raises(TwilioRestException) as excinfo:
        twilio.queues.create(friendly_name="big", max_size=5001)
    assert error_of(excinfo)[0] == 400
    with pytest.raises(TwilioRestException) as excinfo:
        twilio.queues.create(friendly_name="x" * 65)
    assert error_of(excinfo)[0] == 400


def test_members_list_fetch_front_and_sizes(oai_more: Schemas) -> None:
    sim, _app, sid = waiting_callers()
    twilio = simtel_client(sim)
    queue = twilio.queues(sid).fetch()
    # callers answered at 2, 12, 22 s and it is now 30 s: waits 28, 18, 8
    assert queue.current_size == 3
    assert queue.average_wait_time == 18
    members = twilio.queues(sid).members.list()
    assert [m.position for m in members] == [1, 2, 3]
    assert [m.wait_time for m in members] == [28, 18, 8]
    front = twilio.queues(sid).members("Front").fetch()
    assert front.call_sid == members[0].call_sid
    second = twilio.queues(sid).members(members[1].call_sid).fetch()
    assert (second.position, second.queue_sid) == (2, sid)
    auth = auth_of(sim)
    path = f"/2010-04-01/Accounts/{sim.account.sid}/Queues/{sid}/Members"
    oai_more.check_list(
        MEMBERS, asgi_request(sim_app(sim), "GET", path + ".json", headers=auth).json()
    )
    one = asgi_request(sim_app(sim), "GET", f"{path}/{front.call_sid}.json", headers=auth).json()
    oai_more.check("api.v2010.account.queue.member", one)


def test_updating_a_member_with_a_url_dequeues_it() -> None:
    sim, app, sid = waiting_callers()
    twilio = simtel_client(sim)
    front = twilio.queues(sid).members("Front").fetch()
    moved = twilio.queues(sid).members("Front").update(url=BASE + "/elsewhere", method="POST")
    assert moved.call_sid == front.call_sid
    sim.advance(5)
    assert twilio.queues(sid).fetch().current_size == 2
    left = app.only("/left")
    assert (left["QueueResult"], left["CallSid"], left["QueueTime"]) == (
        "redirected",
        front.call_sid,
        "28",
    )
    assert app.only("/elsewhere")["CallSid"] == front.call_sid
    assert [m.position for m in twilio.queues(sid).members.list()] == [1, 2]
    with pytest.raises(TwilioRestException) as excinfo:
        twilio.queues(sid).members(front.call_sid).fetch()
    assert error_of(excinfo) == (404, 20404)


def test_deleting_a_queue_with_callers_gives_them_system_error() -> None:
    sim, app, sid = waiting_callers(1)
    simtel_client(sim).queues(sid).delete()
    sim.advance(1)
    assert app.only("/left")["QueueResult"] == "system-error"


def test_redirecting_a_bridged_caller_ends_the_agents_dial() -> None:
    sim, app, sid = waiting_callers(1)
    app.route(
        "/agent", '<Response><Dial action="/agent-done"><Queue>support</Queue></Dial></Response>'
    )
    app.route("/agent-done", "<Response/>")
    agent = "+15005550059"
    sim.set_party(agent, Party(answer_after=1, hangup_after=None, talk="silent"))
    twilio = simtel_client(sim)
    caller = twilio.queues(sid).members("Front").fetch().call_sid
    twilio.calls.create(to=agent, from_=FROM, url=BASE + "/agent")
    sim.advance(20)
    twilio.calls(caller).update(url=BASE + "/elsewhere")
    sim.advance(5)
    assert app.only("/left")["QueueResult"] == "redirected"
    assert app.only("/elsewhere")["CallSid"] == caller
    done = app.only("/agent-done")
    assert (done["DialCallStatus"], done["DialCallDuration"]) == ("completed", "18")


def test_queues_live_under_their_account() -> None:
    sim = Simulator(seed=16)
    main = simtel_client(sim)
    sub_sid = main.api.accounts.create(friendly_name="tenant").sid
    tenant = simtel_client(sim, sub_sid)
    theirs = tenant.queues.create(friendly_name="support")
    ours = main.queues.create(friendly_name="support")  # the same name in another account
    assert theirs.account_sid == sub_sid and ours.account_sid == sim.account.sid
    assert theirs.uri == f"/2010-04-01/Accounts/{sub_sid}/Queues/{theirs.sid}.json"
    assert [q.sid for q in main.queues.list()] == [ours.sid]
    assert [q.sid for q in tenant.queues.list()] == [theirs.sid]
    assert [q.sid for q in main.api.accounts(sub_sid).queues.list()] == [theirs.sid]
    with pytest.raises(TwilioRestException) as excinfo:
        main.queues(theirs.sid).fetch()
    assert error_of(excinfo) == (404, 20404)


def test_the_pytest_plugin_runs_a_queue_app(
    simtel_sim: Simulator, simtel_twilio: Any, simtel_app: Any
) -> None:
    """An app under test with the plugin's fixtures: a caller waits, an agent takes it."""
    seen: list[dict[str, str]] = []

    async def voice(request: Request) -> Response:
        return Response(
            '<Response><Enqueue action="/left">sales</Enqueue></Response>', media_type="text/xml"
        )

    async def agent(request: Request) -> Response:
        return Response(
            "<Response><Dial><Queue>sales</Queue></Dial></Response>", media_type="text/xml"
        )

    async def left(request: Request) -> Response:
        seen.append({k: str(v) for k, v in (await request.form()).items()})
        return Response("<Response/>", media_type="text/xml")

    routes = [
        Route(f"/{n}", h, methods=["POST"])
        for n, h in (("voice", voice), ("agent", agent), ("left", left))
    ]
    base = simtel_app(Starlette(routes=routes))
    simtel_sim.set_party(CALLERS[0], Party(answer_after=1, hangup_after=None, talk="silent"))
    simtel_sim.set_party(CALLERS[1], Party(answer_after=1, hangup_after=30, talk="silent"))
    simtel_twilio.calls.create(to=CALLERS[0], from_=FROM, url=f"{base}/voice")
    simtel_sim.advance(10)
    queue = simtel_twilio.queues.list()[0]
    assert (queue.friendly_name, queue.current_size) == ("sales", 1)
    simtel_twilio.calls.create(to=CALLERS[1], from_=FROM, url=f"{base}/agent")
    simtel_sim.advance(60)
    assert [(s["QueueResult"], s["QueueTime"]) for s in seen] == [("bridged", "10")]
