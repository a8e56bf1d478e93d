"""Bounded resources in `simtel serve`: the event log comes in pages, rendered media is cached
within a byte budget, and rendering runs outside the simulator's lock (issue: 86,979 events in
one answer; a media cache without limit; a 28 s MP3 render held every other request)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import simtel.audio.mediastream as mediastream
from simtel import Simulator
from simtel.server import Server
from simtel.store.media import MediaStore

PAUSE = "<Response><Pause length='20'/></Response>"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=6) as simulation:
        yield simulation


@pytest.fixture
def served(sim: Simulator) -> Iterator[httpx.Client]:
    auth = (sim.account.sid, sim.account.auth_token)
    with Server(sim) as srv, httpx.Client(base_url=srv.url, auth=auth, trust_env=False) as http:
        yield http


def test_events_come_in_pages_with_a_next_link(sim: Simulator, served: httpx.Client) -> None:
    for n in range(4):
        sim.create_call(to=f"+1500555001{n}", from_="+15005550001")
    served.post("/_simtel/clock/advance", data={"Seconds": "60"})
    everything = [event.to_json() for event in sim.events]
    assert len(everything) > 20
    pages, url = [], "/_simtel/events?limit=7"
    while url:
        answer = served.get(url)
        assert answer.status_code == 200
        assert len(answer.json()) <= 7
        pages.append(answer.json())
        url = answer.links.get("next", {}).get("url", "")
        if url:
            assert answer.headers["X-Simtel-Next-Since"] == str(pages[-1][-1]["seq"] + 1)
    assert [event for page in pages for event in page] == [
        httpx.Response(200, text=e).json() for e in everything
    ]
    assert len(pages) == -(-len(everything) // 7)
    # the default page is 1,000 events; a page says nothing more when it is the last
    assert "X-Simtel-Next-Since" not in served.get("/_simtel/events").headers


def test_a_page_of_one_call_s_events_links_to_the_rest_of_them(
    sim: Simulator, served: httpx.Client
) -> None:
    calls = [sim.create_call(to=f"+1500555002{n}", from_="+15005550001") for n in range(3)]
    served.post("/_simtel/clock/advance", data={"Seconds": "60"})
    sid = calls[1].sid
    answer = served.get("/_simtel/events", params={"sid": sid, "limit": 3})
    seen = [e["seq"] for e in answer.json()]
    while "next" in answer.links:
        assert f"sid={sid}" in answer.links["next"]["url"]
        answer = served.get(answer.links["next"]["url"])
        seen += [e["seq"] for e in answer.json()]
    assert seen == [e.seq for e in sim.events.of(sid)]


@pytest.mark.parametrize("limit", ["0", "10001", "-1", "many"])
def test_a_page_size_out_of_range_is_400(served: httpx.Client, limit: str) -> None:
    answer = served.get("/_simtel/events", params={"limit": limit})
    assert (answer.status_code, answer.json()["code"]) == (400, 20001)


def test_the_media_cache_forgets_the_least_recently_used_beyond_its_budget() -> None:
    store = MediaStore(None, max_bytes=250)
    store.put("RE1", "wav", None, b"1" * 100)
    store.put("RE2", "wav", None, b"2" * 100)
    assert store.get("RE1", "wav") is not None  # RE1 is now the most recently used
    store.put("RE3", "wav", None, b"3" * 100)
    assert store.get("RE2", "wav") is None  # the least recently used went
    assert store.get("RE1", "wav") == b"1" * 100 and store.get("RE3", "wav") == b"3" * 100
    assert store.size == 200
    store.put("RE4", "mp3", None, b"4" * 300)  # larger than the whole budget: not kept
    assert store.get("RE4", "mp3") is None and store.size == 200
    assert store.delete("RE1") == 1 and store.size == 100


def test_media_renders_outside_the_lock_and_other_requests_go_on(
    sim: Simulator, served: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = served.post(
        f"/2010-04-01/Accounts/{sim.account.sid}/Calls.json",
        data={"To": "+15005550006", "From": "+15005550001", "Twiml": PAUSE, "Record": "true"},
    ).json()
    served.post("/_simtel/clock/advance", data={"Seconds": "120"})
    [recording] = served.get(
        f"/2010-04-01/Accounts/{sim.account.sid}/Calls/{call['sid']}/Recordings.json"
    ).json()["recordings"]
    rendering, release = threading.Event(), threading.Event()
    real_encode = mediastream.media_bytes

    def slow_encode(*args: Any) -> Any:
        rendering.set()
        assert release.wait(10)
        return real_encode(*args)

    monkeypatch.setattr(mediastream, "media_bytes", slow_encode)
    downloads: list[httpx.Response] = []
    uri = f"/2010-04-01/Accounts/{sim.account.sid}/Recordings/{recording['sid']}.mp3"
    download = threading.Thread(target=lambda: downloads.append(served.get(uri, timeout=20)))
    download.start()
    try:
        assert rendering.wait(10)
        # the render is under way: the clock still moves and the API still answers
        moved = served.post("/_simtel/clock/advance", data={"Seconds": "5"}, timeout=3)
        assert moved.json()["t"] == 125.0
        assert served.get(f"/2010-04-01/Accounts/{sim.account.sid}/Calls.json").status_code == 200
    finally:
        release.set()
        download.join(20)
    [mp3] = downloads
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    assert len(mp3.content) > 1000
