"""The pytest fixtures and helpers of `simtel.testing`, through the official twilio client."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simtel import Simulator
from simtel.testing import DEFAULT_APP_URL, TwilioHttpClient, simtel_client, simulated

TWIML = "<Response><Pause length='5'/></Response>"


def place_calls(twilio: Any, count: int) -> list[str]:
    return [
        twilio.calls.create(to=f"+1500555{n:04d}", from_="+15005550001", twiml=TWIML).sid
        for n in range(count)
    ]


def test_calls_list_through_the_official_client(simtel_sim: Simulator, simtel_twilio: Any) -> None:
    sids = place_calls(simtel_twilio, 3)
    simtel_sim.advance(60)
    listed = simtel_twilio.calls.list()
    assert sorted(c.sid for c in listed) == sorted(sids)
    assert {c.status for c in listed} == {"completed"}
    assert simtel_twilio.calls.list(limit=2, page_size=1)[1].sid in sids  # paging follows


def test_recordings_list_through_the_versioned_path(
    simtel_sim: Simulator, simtel_twilio: Any
) -> None:
    [sid] = place_calls(simtel_twilio, 1)
    simtel_sim.advance(5)  # answered after 1 s of dialing and 3 s of ringing
    started = simtel_twilio.calls(sid).recordings.create()
    simtel_sim.advance(60)
    listed = simtel_twilio.api.v2010.account.recordings.list()
    assert [(r.sid, r.call_sid, r.status) for r in listed] == [(started.sid, sid, "completed")]


def test_the_base_url_may_be_anything(simtel_sim: Simulator, simtel_twilio: Any) -> None:
    simtel_twilio.api.base_url = "http://127.0.0.1:1"  # nothing listens there: nothing is sent
    assert simtel_twilio.calls.list() == []
    assert simtel_twilio.http_client.last_request.url.startswith("http://127.0.0.1:1/2010-04-01/")


def test_api_errors_are_twilio_exceptions(simtel_twilio: Any) -> None:
    with pytest.raises(TwilioRestException) as raised:
        simtel_twilio.calls("CA" + "0" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_wrong_credentials_are_refused(simtel_sim: Simulator) -> None:
    twilio = simtel_client(simtel_sim)
    intruder = Client(simtel_sim.account.sid, "not-the-token", http_client=twilio.http_client)
    with pytest.raises(TwilioRestException) as raised:
        intruder.calls("CA" + "0" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (401, 20003)


def test_simtel_app_mounts_the_users_app(simtel_sim: Simulator, simtel_app: Any) -> None:
    async def voice(request: Request) -> Response:
        return PlainTextResponse(TWIML, media_type="text/xml")

    base = simtel_app(Starlette(routes=[Route("/voice", voice, methods=["POST"])]))
    assert base == DEFAULT_APP_URL
    twilio = simtel_client(simtel_sim)
    created = twilio.calls.create(to="+15005550007", from_="+15005550001", url=f"{base}/voice")
    simtel_sim.advance(30)
    webhooks = [e for e in simtel_sim.events.of(created.sid) if str(e.kind) == "webhook"]
    assert webhooks and webhooks[0].fields["url"] == "http://app.test/voice"
    assert webhooks[0].fields["status"] == 200


@pytest.mark.simtel(seed=7, epoch="2026-03-01T12:00:00Z")
def test_the_marker_configures_the_simulation(simtel_sim: Simulator, simtel_twilio: Any) -> None:
    assert simtel_sim.seed == 7
    [sid] = place_calls(simtel_twilio, 1)
    assert simtel_twilio.calls(sid).fetch().date_created.isoformat() == "2026-03-01T12:00:00+00:00"


def test_same_seed_same_sids() -> None:
    runs = []
    for _ in range(2):
        with simulated(seed=5) as sim:
            runs.append((sim.account.sid, place_calls(simtel_client(sim), 2)))
    assert runs[0] == runs[1]
    with simulated(seed=6) as sim:
        assert sim.account.sid != runs[0][0]


def test_simulated_closes_the_simulation() -> None:
    with simulated() as sim:
        pass
    with pytest.raises(Exception, match="closed"):
        sim.store.flush()


def test_the_client_keeps_its_app(simtel_sim: Simulator) -> None:
    twilio = simtel_client(simtel_sim)
    assert isinstance(twilio.http_client, TwilioHttpClient)
    assert (twilio.username, twilio.password) == (
        simtel_sim.account.sid,
        simtel_sim.account.auth_token,
    )
