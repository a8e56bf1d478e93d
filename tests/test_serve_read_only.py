"""`simtel serve --read-only --db FILE`: a finished run's database, written by `simtel run`,
browsed through the official twilio client and the console; every change refused with one
Twilio-style error (405, 20004); no clock."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import soundfile as sf
from click.testing import CliRunner
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from simtel.cli import main
from simtel.errors import TwilioError
from simtel.finished import FinishedRun
from simtel.scenario import load_scenario
from simtel.serve_command import banner
from simtel.server import Server
from simtel.store import Store

CONSOLE = "/_simtel/console"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`simtel run voicemail` (recordings, two of three rendered, and transcriptions)."""
    out = tmp_path_factory.mktemp("voicemail")
    done = CliRunner().invoke(main, ["run", "voicemail", "--out", str(out), "--json"])
    assert done.exit_code == 0, done.output
    return out


@pytest.fixture(scope="module")
def served(run_dir: Path) -> Iterator[tuple[FinishedRun, Server, Client]]:
    sim = FinishedRun(run_dir / "simtel.db", epoch=load_scenario("voicemail").epoch)
    with Server(sim) as server:
        client = Client(sim.account.sid, sim.account.auth_token)
        client.api.base_url = server.url
        yield sim, server, client
    sim.close()


def stored(run_dir: Path, table: str) -> list[dict[str, object]]:
    with Store.open(run_dir / "simtel.db") as store:
        return [json.loads(row[0]) for row in store.connection.execute(f"SELECT doc FROM {table}")]


def test_the_run_s_resources_read_through_the_twilio_client(
    run_dir: Path, served: tuple[FinishedRun, Server, Client]
) -> None:
    sim, _, client = served
    summary = json.loads((run_dir / "summary.json").read_text())
    calls = client.calls.list()
    assert {c.sid for c in calls} >= set(summary["call_labels"])
    assert {c.status for c in calls} == {"completed"}
    assert all(c.account_sid == sim.account.sid for c in calls)
    assert calls[0].date_created.isoformat().startswith(load_scenario("voicemail").epoch[:10])
    recordings = client.recordings.list()
    assert len(recordings) == summary["recordings"] == 3
    transcriptions = client.transcriptions.list()
    assert len(transcriptions) == 3 and all(t.transcription_text for t in transcriptions)
    one = client.recordings(recordings[0].sid).fetch()
    assert one.duration == recordings[0].duration
    assert client.conferences.list() == [] and client.notifications.list() == []
    assert sim.now == max(e.t for e in sim.events)  # the clock stands at the run's end


def test_rendered_recordings_download_as_the_run_wrote_them(
    run_dir: Path, served: tuple[FinishedRun, Server, Client]
) -> None:
    sim, server, _ = served
    files = sorted((run_dir / "media").glob("RE*.wav"))
    assert len(files) == 2
    base = f"/2010-04-01/Accounts/{sim.account.sid}/Recordings"
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for file in files:
            wav = http.get(f"{base}/{file.stem}.wav")
            assert wav.status_code == 200 and wav.content == file.read_bytes()
            mp3 = http.get(f"{base}/{file.stem}.mp3")
            assert mp3.headers["content-type"] == "audio/mpeg"
            original, decoded = sf.info(str(file)), sf.info(io.BytesIO(mp3.content))
            assert decoded.frames == original.frames and decoded.channels == original.channels
        absent = [r["sid"] for r in stored(run_dir, "recordings") if r["status"] == "absent"]
        answer = http.get(f"{base}/{absent[0]}.mp3")
        assert answer.status_code == 404 and "<Code>20404</Code>" in answer.text


def test_a_completed_recording_the_run_did_not_render_is_not_retained(
    run_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (first, *_) = sorted((copy / "media").glob("RE*.wav"))
    first.unlink()
    sim = FinishedRun(copy / "simtel.db")
    try:
        with pytest.raises(TwilioError) as refused:
            sim.recording_media(first.stem, "mp3", None)
        assert refused.value.code == 20404 and "not retained in this run" in refused.value.message
    finally:
        sim.close()


def test_every_change_is_refused_with_one_error(
    served: tuple[FinishedRun, Server, Client],
) -> None:
    sim, server, client = served
    recording, status = client.recordings.list()[0].sid, client.recordings.list()[0].status
    events = len(sim.events)
    attempts = [
        lambda: client.calls.create(to="+15550100", from_="+15557001", url="http://a.test"),
        lambda: client.recordings(recording).delete(),
        lambda: client.calls(client.calls.list()[0].sid).update(status="completed"),
    ]
    for attempt in attempts:
        with pytest.raises(TwilioRestException) as refused:
            attempt()
        assert (refused.value.status, refused.value.code) == (405, 20004)
        assert "read-only" in refused.value.msg
    with httpx.Client(base_url=server.url, auth=(sim.account.sid, sim.account.auth_token)) as h:
        for method, path in (
            ("POST", "/_simtel/clock/advance"),
            ("POST", "/_simtel/reset"),
            ("PUT", "/_simtel/parties/+15550100"),
            ("DELETE", "/_simtel/parties/+15550100"),
        ):
            answer = h.request(method, path, data={"Seconds": "5"})
            assert answer.status_code == 405 and answer.json()["code"] == 20004
            assert answer.headers["allow"] == "GET, HEAD"
        assert h.get("/_simtel/events", params={"limit": 5}).status_code == 200
    assert client.recordings(recording).fetch().status == status  # nothing changed
    assert len(sim.events) == events and sim.now == max(e.t for e in sim.events)


def test_the_console_browses_and_its_actions_answer_the_refusal(
    served: tuple[FinishedRun, Server, Client],
) -> None:
    sim, server, client = served
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        signed = browser.post(
            f"{CONSOLE}/login",
            data={"AccountSid": sim.account.sid, "AuthToken": sim.account.auth_token},
        )
        assert signed.status_code == 303
        recording = client.recordings.list()[0].sid
        page = browser.get(f"{CONSOLE}/recordings/{recording}")
        assert page.status_code == 200 and recording in page.text
        csrf = re.search(r'name="csrf" content="([0-9a-f]+)"', page.text)
        assert csrf
        answer = browser.post(
            f"{CONSOLE}/clock/advance",
            data={"Seconds": "5", "csrf": csrf.group(1)},
            headers={"X-Console-Fetch": "1"},
        )
        assert answer.status_code == 400 and answer.json()["message"].startswith("20004")
        assert "read-only" in answer.json()["message"]


def test_the_banner_says_read_only(served: tuple[FinishedRun, Server, Client]) -> None:
    sim, server, _ = served
    lines = banner(sim, server, "derived from the seed").splitlines()
    assert [line for line in lines if "read-only" in line] == [
        f"  clock        read-only: the finished run in {sim.store.path}, at its end "
        f"(t={sim.now:g} s); changes answer 405 (20004)"
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--read-only"], "name its database with --db FILE"),
        (["--read-only", "--db", "missing.db"], "no such file"),
        (["--read-only", "--db", "{db}", "--clock", "realtime"], "--clock realtime does not"),
        (["--read-only", "--db", "{db}", "--overwrite"], "--overwrite does not apply"),
    ],
)
def test_the_command_says_what_read_only_needs(
    run_dir: Path, arguments: list[str], message: str
) -> None:
    argv = [a.format(db=run_dir / "simtel.db") for a in arguments]
    done = CliRunner().invoke(main, ["serve", "--port", "0", *argv])
    assert done.exit_code == 2 and message in done.output
