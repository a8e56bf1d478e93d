"""The web console in a real browser: headless Chromium (Playwright) against a live `simtel serve`.

Each test drives the console as a person would (the form, the clock buttons, the call page's
controls) and checks what the page shows without reloading it: the `window.stayed` marker set
before an action survives only if the page was never reloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console_browser import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CHROMIUM,
    CHROMIUM_ARGS,
    NUMBER,
    Live,
    browser_missing,
    screenshots_dir,
    simtel_serve,
    user_data_dir,
)

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))

CONSOLE = "/_simtel/console"
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with simtel_serve() as served:
        yield served


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, user_data_dir() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(WAIT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshots_dir(tmp_path_factory.mktemp("console-screenshots"))


@pytest.fixture
def page(browser_context: Any, live: Live) -> Iterator[Any]:
    page = browser_context.new_page()
    _sign_in(page, live)
    yield page
    page.close()


def _sign_in(page: Any, live: Live) -> None:
    page.goto(live.url + "/")
    if "/login" in page.url:
        page.fill("input[name=AccountSid]", ACCOUNT_SID)
        page.fill("input[name=AuthToken]", AUTH_TOKEN)
        page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(re.escape(live.url + CONSOLE) + "$"))


def _place_call(page: Any, live: Live, **fields: str) -> str:
    """Place an inbound call from the overview's form; the call's SID from the notice."""
    page.goto(live.url + CONSOLE)
    page.fill("#place-call input[name=From]", fields.get("From", "+15557001"))
    page.select_option("#place-call select[name=To]", NUMBER)
    page.fill("#place-call input[name=HangupAfter]", fields.get("HangupAfter", "30"))
    page.fill(
        "#place-call input[name=Say]", fields.get("Say", "1:hello I would like to check my order")
    )
    page.click("#place-call button")
    notice = page.locator("#notice.ok")
    notice.wait_for()
    found = re.search(r"CA[0-9a-f]{32}", notice.inner_text())
    assert found, notice.inner_text()
    return found.group(0)


def _advance(page: Any, label: str) -> None:
    before = page.locator("#clock-t").inner_text()
    page.click(f"form.advance button:has-text('{label}')")
    page.wait_for_function(
        "before => document.getElementById('clock-t').textContent !== before", arg=before
    )


def _mark(page: Any) -> None:
    page.evaluate("window.stayed = true")


def _stayed(page: Any) -> bool:
    return bool(page.evaluate("window.stayed === true"))


def test_signing_in_needs_the_account_credentials(browser_context: Any, live: Live) -> None:
    page = browser_context.new_page()
    try:
        page.context.clear_cookies()
        page.goto(live.url + CONSOLE + "/calls")
        assert "/login" in page.url
        page.fill("input[name=AccountSid]", ACCOUNT_SID)
        page.fill("input[name=AuthToken]", "not-the-token")
        page.click("button:has-text('Sign in')")
        assert page.locator("[role=alert]").inner_text().startswith("Those are not")
        page.fill("input[name=AccountSid]", ACCOUNT_SID)
        page.fill("input[name=AuthToken]", AUTH_TOKEN)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(live.url + CONSOLE + "/calls")
        assert page.locator("h1").inner_text() == "Calls"
    finally:
        page.close()


def test_a_call_placed_from_the_form_goes_live_when_the_clock_button_is_pressed(
    page: Any, live: Live, shots: Path
) -> None:
    sid = _place_call(page, live)
    page.goto(f"{live.url}{CONSOLE}/calls/{sid}")
    status = page.locator("#call-status")
    assert status.inner_text() == "ringing"
    _mark(page)
    _advance(page, "+1 s")
    page.wait_for_function(
        "document.getElementById('call-status').textContent.trim() === 'in-progress'"
    )
    assert _stayed(page), "the page was reloaded"
    page.goto(f"{live.url}{CONSOLE}/calls")
    row = page.locator(f"#call-rows tr:has(a:text('{sid}'))")
    assert "in-progress" in row.inner_text()


def test_pause_and_resume_from_the_call_page_shows_in_the_dual_waveform_and_the_player(
    page: Any, live: Live, shots: Path
) -> None:
    sid = _place_call(page, live, HangupAfter="12")
    page.goto(f"{live.url}{CONSOLE}/calls/{sid}")
    _mark(page)
    _advance(page, "+1 s")
    pause = page.locator("#call-recordings button:has-text('Pause')")
    pause.wait_for()
    recording = re.search(r"RE[0-9a-f]{32}", pause.get_attribute("id") or "")
    assert recording
    _advance(page, "+1 s")
    pause.click()
    page.locator("#call-recordings .status:text('paused')").wait_for()
    page.fill("form.custom input[name=Seconds]", "3")
    page.click("form.custom button")
    page.locator("#call-recordings button:has-text('Resume')").click()
    page.locator("#call-recordings .status:text('in-progress')").wait_for()
    _advance(page, "+1 min")
    page.locator("#call-recordings .status:text('completed')").wait_for()
    assert _stayed(page)
    page.screenshot(path=str(shots / "call.png"), full_page=True)

    page.goto(f"{live.url}{CONSOLE}/recordings/{recording.group(0)}")
    waveform = page.locator("#waveform svg.waveform")
    assert waveform.locator("path.channel").count() == 2
    pause_mark = waveform.locator("rect.pause")
    assert pause_mark.count() == 1 and pause_mark.get_attribute("data-behavior") == "silence"
    served = page.locator("#served-json").inner_text()
    duration = float(re_field(served, "duration"))
    seconds = float(page.locator("#player").get_attribute("data-seconds") or "0")
    assert abs(seconds - duration) < 1.0
    reported = page.evaluate(
        """async () => {
            const audio = document.getElementById('player');
            if (audio.readyState < 1) {
                await new Promise(r => audio.addEventListener('loadedmetadata', r, {once: true}));
            }
            await audio.play();
            await new Promise(r => setTimeout(r, 300));
            return {duration: audio.duration, playing: !audio.paused, time: audio.currentTime};
        }"""
    )
    assert reported["duration"] == pytest.approx(seconds, abs=0.01)
    assert reported["playing"] and reported["time"] > 0
    page.screenshot(path=str(shots / "recording.png"), full_page=True)
    page.select_option("#player-format", "mp3")
    mp3 = page.evaluate(
        """async () => {
            const audio = document.getElementById('player');
            if (!audio.src.endsWith('.mp3') || audio.readyState < 1) {
                await new Promise(r => audio.addEventListener('loadedmetadata', r, {once: true}));
            }
            return {src: audio.src, duration: audio.duration};
        }"""
    )
    assert mp3["src"].endswith("media.mp3")
    assert mp3["duration"] == pytest.approx(seconds, abs=0.1)


def re_field(body: str, name: str) -> str:
    found = re.search(rf'"{name}":\s*"?([^",}}]+)', body)
    assert found, body
    return found.group(1)


def test_the_inspector_shows_each_request_and_answer_and_the_failing_callback(
    page: Any, live: Live
) -> None:
    sid = _place_call(page, live, HangupAfter="2")
    page.goto(f"{live.url}{CONSOLE}/calls/{sid}")
    _advance(page, "+1 min")
    voice = page.locator("#inspector details[data-purpose=voice]").first
    voice.wait_for()
    voice.locator("summary").click()
    assert voice.locator(".http-status").inner_text() == "200"
    assert f"{live.app_url}/voice" in voice.locator("summary").inner_text()
    assert "<Start><Recording" in voice.locator("pre.body").inner_text()
    assert voice.locator(".params th:text('CallSid')").count() == 1
    assert len(voice.locator(".sig code").inner_text()) > 20
    failing = page.locator("#inspector details.failed[data-purpose=recording-status-callback]")
    failing.first.wait_for()
    failing.first.locator("summary").click()
    assert failing.first.locator(".http-status").inner_text() == "500"
    assert "recording store is down" in failing.first.locator("pre.body").inner_text()
    notice = page.locator("#inspector table.notifications tr:has(td:text('15003'))")
    assert notice.count() >= 1 and "warning" in notice.first.inner_text()


def test_the_events_tail_shows_new_events_live(page: Any, live: Live, shots: Path) -> None:
    page.goto(f"{live.url}{CONSOLE}/events")
    _mark(page)
    before = page.locator("#event-rows tr").count()
    with live.api() as api:
        placed = api.post("/_simtel/calls", data={"From": "+15557002", "To": NUMBER})
        assert placed.status_code == 201
    _advance(page, "+1 s")
    page.locator("#event-rows tr.fresh").first.wait_for()
    assert page.locator("#event-rows tr").count() > before
    assert _stayed(page)
    assert page.locator(f"#event-rows tr:has-text('{placed.json()['sid']}')").count() >= 1
    page.screenshot(path=str(shots / "events.png"))


def test_the_clock_moves_by_keyboard_alone(page: Any, live: Live) -> None:
    page.goto(live.url + CONSOLE)
    before = page.locator("#clock-t").inner_text()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "+10 s":
            break
    else:
        pytest.fail("Tab never reached the +10 s button")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "before => document.getElementById('clock-t').textContent !== before", arg=before
    )
    assert float(page.locator("#clock-t").inner_text()) == pytest.approx(float(before) + 10)


def test_pages_read_at_phone_width(page: Any, live: Live, shots: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live.url}{CONSOLE}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    page.screenshot(path=str(shots / "overview-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live.url}{CONSOLE}")
    page.screenshot(path=str(shots / "overview.png"))
    page.goto(f"{live.url}{CONSOLE}/calls")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(shots / "calls.png"))


def test_participants_show_who_is_speaking_live_with_the_clock(
    page: Any, live: Live, shots: Path
) -> None:
    """Two participants added through the API take turns (scripted 10 s lines, 20 s apart):
    each clock button press moves the "speaking" mark without reloading the page."""
    from playwright.sync_api import expect

    with live.api() as api:
        for number, at in (("+15557101", 1), ("+15557102", 21)):
            line = {"at": at, "say": "here is my long update for this week", "duration": 10}
            party = {"answer_after": 0, "hangup_after": 60, "talk": "script", "script": [line]}
            assert api.put(f"/_simtel/parties/{number}", json=party).status_code == 200
        joined = []
        for number in ("+15557101", "+15557102"):
            made = api.post(
                f"/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences/standup/Participants.json",
                data={"From": NUMBER, "To": number},
            )
            assert made.status_code == 201, made.text
            joined.append(made.json())
    first, second = (participant["call_sid"] for participant in joined)
    page.goto(f"{live.url}{CONSOLE}/conferences/{joined[0]['conference_sid']}")
    _mark(page)

    def speaking(sid: str) -> Any:
        return page.locator(f"table.participants tr:has(a:text('{sid}')) td.speaking")

    _advance(page, "+10 s")  # the first answered about 1 s in and talks from 1 s after that
    expect(speaking(first)).to_have_text("speaking", timeout=WAIT_MS)
    expect(speaking(second)).to_have_text("", timeout=WAIT_MS)
    page.screenshot(path=str(shots / "conference.png"))
    _advance(page, "+10 s")  # both between their lines
    expect(speaking(first)).to_have_text("", timeout=WAIT_MS)
    _advance(page, "+10 s")  # the second's line
    expect(speaking(second)).to_have_text("speaking", timeout=WAIT_MS)
    expect(speaking(first)).to_have_text("", timeout=WAIT_MS)
    assert _stayed(page), "the page was reloaded"
