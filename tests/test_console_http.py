"""The console over plain HTTP: who gets in, what a form may do, what every page shows, and the
live stream's bounds (the browser tests cover the same pages in Chromium)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from simtel import Party, Simulator, Utterance
from simtel.console import live
from simtel.scenario import build, load_scenario
from simtel.server import Server

CONSOLE = "/_simtel/console"
TWIML = (
    '<Response><Start><Recording channels="dual" trim="do-not-trim"/></Start>'
    '<Say>Hello there.</Say><Pause length="30"/></Response>'
)


@pytest.fixture
def served() -> Iterator[tuple[Simulator, Server]]:
    sim = Simulator(seed=5)
    sim.add_number("+15550100", twiml=TWIML)
    with Server(sim) as server:
        yield sim, server
    sim.close()


def _signed_in(sim: Simulator, server: Server) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server.url, timeout=30)
    answer = client.post(
        f"{CONSOLE}/login",
        data={"AccountSid": sim.account.sid, "AuthToken": sim.account.auth_token},
    )
    assert answer.status_code == 303
    page = client.get(CONSOLE)
    found = re.search(r'name="csrf" content="([0-9a-f]+)"', page.text)
    assert found
    return client, found.group(1)


def test_pages_need_the_account_credentials(served: tuple[Simulator, Server]) -> None:
    sim, server = served
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/").headers["location"] == CONSOLE
        away = client.get(f"{CONSOLE}/calls")
        assert away.status_code == 303 and away.headers["location"].startswith(f"{CONSOLE}/login")
        wrong = client.post(
            f"{CONSOLE}/login", data={"AccountSid": sim.account.sid, "AuthToken": "nope"}
        )
        assert wrong.status_code == 401 and "auth_token" not in client.cookies
        basic = client.get(f"{CONSOLE}/calls", auth=(sim.account.sid, sim.account.auth_token))
        assert basic.status_code == 200 and "<h1>Calls</h1>" in basic.text


def test_login_goes_back_only_to_a_local_page(served: tuple[Simulator, Server]) -> None:
    sim, server = served
    form = {"AccountSid": sim.account.sid, "AuthToken": sim.account.auth_token}
    with httpx.Client(base_url=server.url) as client:
        away = client.post(f"{CONSOLE}/login?next=//evil.example.com/x", data=form)
        assert away.headers["location"] == CONSOLE
        back = client.post(f"{CONSOLE}/login?next={CONSOLE}/events", data=form)
        assert back.headers["location"] == f"{CONSOLE}/events"


def test_an_action_without_the_form_token_changes_nothing(
    served: tuple[Simulator, Server],
) -> None:
    sim, server = served
    client, csrf = _signed_in(sim, server)
    refused = client.post(f"{CONSOLE}/clock/advance", data={"Seconds": "5"})
    assert refused.status_code == 403 and sim.now == 0
    done = client.post(
        f"{CONSOLE}/clock/advance",
        data={"Seconds": "5", "csrf": csrf},
        headers={"X-Console-Fetch": "1"},
    )
    assert done.json() == {"ok": True, "message": "advanced 5 s"} and sim.now == 5


def test_an_action_shows_the_apis_error(served: tuple[Simulator, Server]) -> None:
    sim, server = served
    client, csrf = _signed_in(sim, server)
    answer = client.post(
        f"{CONSOLE}/calls",
        data={"csrf": csrf, "From": "+15557001", "To": "+15559999"},
        headers={"X-Console-Fetch": "1"},
    )
    assert answer.status_code == 400 and answer.json()["message"].startswith("20404")
    plain = client.post(f"{CONSOLE}/calls/CA{'0' * 32}/hangup", data={"csrf": csrf})
    assert plain.status_code == 303
    page = client.get(plain.headers["location"])
    assert 'class="error"' in page.text and "20404" in page.text


def test_every_page_renders_a_call_with_its_recording(served: tuple[Simulator, Server]) -> None:
    sim, server = served
    client, _ = _signed_in(sim, server)
    call = sim.place_inbound_call("+15557001", "+15550100")
    sim.advance(60)
    [recording] = sim.store.list_page("recordings").items
    pages = {
        "": "Latest calls",
        "/calls?Status=completed": call.sid,
        f"/calls/{call.sid}": "<svg",
        "/recordings?CallSid=" + call.sid: recording["sid"],
        f"/recordings/{recording['sid']}": 'data-channels="2"',
        "/conferences": "No conferences",
        "/trunks": "No trunks",
        "/numbers": "+15550100",
        "/parties": "default",
        f"/events?sid={call.sid}": "call.created",
    }
    for path, expected in pages.items():
        answer = client.get(CONSOLE + path)
        assert answer.status_code == 200, path
        assert expected in answer.text, path
    empty = client.get(f"{CONSOLE}/calls?Status=busy")
    assert call.sid not in empty.text
    media = client.get(f"{CONSOLE}/recordings/{recording['sid']}/media.wav?RequestedChannels=1")
    assert media.status_code == 200 and media.content[:4] == b"RIFF"


def test_calls_are_paged(served: tuple[Simulator, Server]) -> None:
    sim, server = served
    client, _ = _signed_in(sim, server)
    sids = [sim.place_inbound_call(f"+1555700{i % 10}", "+15550100").sid for i in range(60)]
    first = client.get(f"{CONSOLE}/calls")
    assert first.text.count(f"{CONSOLE}/calls/CA") == 50
    older = re.search(r'href="([^"]+PageToken=PA[^"]+)"', first.text)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&"))
    shown = set(re.findall(r"calls/(CA[0-9a-f]{32})", first.text + second.text))
    assert shown == set(sids)


def test_the_stream_sends_simulated_time_and_is_bounded(
    served: tuple[Simulator, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, server = served
    client, _ = _signed_in(sim, server)
    sim.advance(3)
    with client.stream("GET", f"{CONSOLE}/stream?events=1&since=0&kind=number") as stream:
        lines = []
        for line in stream.iter_lines():
            lines.append(line)
            if line.startswith("data:") and "number.created" in line:
                break
    assert 'data: {"t": 3.0' in "\n".join(lines)
    monkeypatch.setattr(live, "MAX_STREAMS", 0)
    assert client.get(f"{CONSOLE}/stream").status_code == 503


@pytest.mark.parametrize(
    ("scenario", "page", "expected"),
    [
        ("conference-recording", "/conferences", "weekly-sync"),
        ("contact-centre", "/trunks", 'class="occupancy"'),
    ],
)
def test_conference_and_trunk_pages_of_a_scenario(scenario: str, page: str, expected: str) -> None:
    run = build(load_scenario(scenario))
    sim = run.sim
    sim.advance(120)
    with (
        Server(sim) as server,
        httpx.Client(base_url=server.url, auth=(sim.account.sid, sim.account.auth_token)) as client,
    ):
        listing = client.get(CONSOLE + page)
        assert listing.status_code == 200 and expected in listing.text
        if page == "/trunks":
            assert "<svg" in listing.text  # occupancy over time
            return
        conference = re.search(r"conferences/(CF[0-9a-f]{32})", listing.text)
        assert conference
        detail = client.get(f"{CONSOLE}/conferences/{conference.group(1)}")
        participants = sim.store.count("participants", conference_sid=conference.group(1))
        assert participants > 0
        assert detail.text.count(f"{CONSOLE}/calls/CA") >= participants
    sim.close()


def test_a_realtime_clock_pauses_and_plays_from_the_console() -> None:
    sim = Simulator(seed=5)
    with Server(sim, clock="realtime", speed=50) as server:
        client, csrf = _signed_in(sim, server)
        assert "Pause (50x)" in client.get(CONSOLE).text
        fetch = {"X-Console-Fetch": "1"}
        paused = client.post(f"{CONSOLE}/clock/pause", data={"csrf": csrf}, headers=fetch)
        assert paused.json()["ok"]
        time.sleep(0.2)  # a step in flight finishes
        held = sim.now
        time.sleep(0.3)
        assert sim.now == held and "Play (50x)" in client.get(CONSOLE).text
        client.post(f"{CONSOLE}/clock/play", data={"csrf": csrf}, headers=fetch)
        deadline = time.monotonic() + 10
        while sim.now == held and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sim.now > held
    sim.close()


def test_a_manual_clock_has_nothing_to_pause(served: tuple[Simulator, Server]) -> None:
    sim, server = served
    client, csrf = _signed_in(sim, server)
    answer = client.post(
        f"{CONSOLE}/clock/pause", data={"csrf": csrf}, headers={"X-Console-Fetch": "1"}
    )
    assert answer.status_code == 400 and "manual" in answer.json()["message"]


def test_a_party_is_set_from_the_parties_page(served: tuple[Simulator, Server]) -> None:
    sim, server = served
    client, csrf = _signed_in(sim, server)
    if client.get("/_simtel/parties", auth=(sim.account.sid, sim.account.auth_token)).is_error:
        pytest.skip("this simtel's control API has no /_simtel/parties yet")
    answer = client.post(
        f"{CONSOLE}/parties/%2B15557001",
        data={"csrf": csrf, "Party": '{"answer_after": 7, "hangup_after": null}'},
        headers={"X-Console-Fetch": "1"},
    )
    assert answer.json() == {"ok": True, "message": "party of +15557001 set"}
    party = sim.party_for("+15557001")
    assert party.answer_after == 7 and party.hangup_after is None
    page = client.get(f"{CONSOLE}/parties")
    assert 'data-address="+15557001"' in page.text
    refused = client.post(
        f"{CONSOLE}/parties/%2B15557001",
        data={"csrf": csrf, "Party": "not json"},
        headers={"X-Console-Fetch": "1"},
    )
    assert refused.status_code == 400 and "JSON" in refused.json()["message"]


def _speaking_cells(client: httpx.Client, conference_sid: str) -> dict[str, str]:
    """Each participant row's call SID -> the text of its Speaking cell."""
    page = client.get(f"{CONSOLE}/conferences/{conference_sid}").text
    rows = re.findall(r'calls/(CA[0-9a-f]{32})">.*?<td class="speaking">([^<]*)</td>', page)
    return dict(rows)


def test_the_conference_page_shows_who_is_speaking_at_the_simulated_time() -> None:
    """Two participants take turns (scripted lines): the page marks the one inside a line at
    the current simulated second, and follows the clock."""
    sim = Simulator(seed=5)
    room = '<Response><Dial><Conference beep="false">standup</Conference></Dial></Response>'
    sim.add_number("+15550100", twiml=room)
    first = Party(answer_after=0, hangup_after=15.0, talk="script")
    first = replace(first, script=(Utterance(1.0, "good morning", 4.0),))
    second = replace(first, script=(Utterance(6.0, "hi all", 4.0),))
    one = sim.place_inbound_call("+15557001", "+15550100", party=first)
    two = sim.place_inbound_call("+15557002", "+15550100", party=second)
    with (
        Server(sim) as server,
        httpx.Client(base_url=server.url, auth=(sim.account.sid, sim.account.auth_token)) as client,
    ):
        sim.advance(0.5)
        (conference,) = sim.conferences.by_sid
        assert _speaking_cells(client, conference) == {one.sid: "", two.sid: ""}
        sim.advance(2.5)  # t = 3: the first is inside its line
        assert _speaking_cells(client, conference) == {one.sid: "speaking", two.sid: ""}
        sim.advance(5.0)  # t = 8: the second is
        assert _speaking_cells(client, conference) == {one.sid: "", two.sid: "speaking"}
        sim.advance(5.0)  # t = 13: nobody
        assert _speaking_cells(client, conference) == {one.sid: "", two.sid: ""}
    sim.run()  # both hang up at 15 s
    sim.close()
