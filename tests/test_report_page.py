"""`simtel report`: the HTML page of a small run, checked by parsing it.

The run: a caller is forwarded with `<Dial record="record-from-ringing-dual">` (its recording is
paused with `skip` for 3 s), the app's `<Dial action>` answers 500 (a failed webhook and a
notification), and an outbound-api call with `Record=true` is paused with `silence`.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simtel import CallOptions, Party, RecordingOptions, Simulator
from simtel.cli import main
from simtel.events import EventKind, read_jsonl
from simtel.report import Limits, write_report

APP = "http://app.test"
NUMBER, CALLER, AGENT = "+15550200002", "+15550100001", "+15550300003"
DIAL = (
    "<Response><Say>Connecting you</Say>"
    '<Dial record="record-from-ringing-dual" recordingStatusCallback="/rec" action="/after">'
    f"<Number>{AGENT}</Number></Dial></Response>"
)


def voice_app() -> Starlette:
    async def voice(request: Request) -> Response:
        return Response(DIAL, media_type="text/xml")

    async def rec(request: Request) -> Response:
        return Response(status_code=204)

    async def after(request: Request) -> Response:
        return Response("broken", status_code=500)

    routes = [Route(p, h, methods=["POST"]) for p, h in (("/voice", voice), ("/rec", rec))]
    return Starlette(routes=[*routes, Route("/after", after, methods=["POST"])])


def write_results(out: Path) -> None:
    """What `simtel run --out` leaves: store file, events.jsonl, media/RE….wav."""
    # keeps its recordings to download them after the run, as `simtel run` keeps those it renders
    sim = Simulator(seed=3, db=out / "simtel.db", media_dir=out / "media", keep_media=True)
    sim.mount(APP, voice_app())
    sim.add_number(NUMBER, voice_url=f"{APP}/voice")
    sim.set_party(AGENT, Party(answer_after=4.0, hangup_after=20.0))
    sim.place_inbound_call(CALLER, NUMBER)
    options = CallOptions(
        twiml="<Response><Pause length='30'/></Response>",
        record=True,
        recording=RecordingOptions(trim="do-not-trim"),
    )
    sim.create_call("+15550400004", NUMBER, options=options, party=Party(answer_after=1.0))
    sim.advance(6)
    dialled, api = sorted(sim.recorder.recordings.values(), key=lambda r: r.source)
    sim.recorder.pause(dialled, "skip")
    sim.recorder.pause(api, "silence")
    sim.advance(3)
    sim.recorder.resume(dialled)
    sim.advance(2)
    sim.recorder.resume(api)
    sim.advance(80)
    for recording in sim.recorder.recordings.values():
        assert recording.status == "completed"
        sim.recording_media(recording.sid, "wav", None)
    sim.events.write_jsonl(out / "events.jsonl")
    sim.close()


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    write_results(out)
    return out


@pytest.fixture(scope="module")
def page(results: Path) -> Any:
    return lxml_html.parse(str(write_report(results))).getroot()


def recordings_by_source(results: Path) -> dict[str, str]:
    events = read_jsonl((results / "events.jsonl").read_text().splitlines())
    created = [e for e in events if e.kind == EventKind.RECORDING_CREATED]
    return {str(e.fields["source"]): e.sid for e in created}


def waveform(page: Any, sid: str) -> Any:
    [svg] = page.xpath(
        f"//section[@id='recordings']//svg[@class='waveform'][title='Waveform of {sid}']"
    )
    return svg


def test_the_page_has_every_section_and_no_external_assets(page: Any) -> None:
    ids = [s.get("id") for s in page.iter("section")]
    assert ids == [
        "summary",
        "timelines",
        "recordings",
        "transcriptions",
        "webhooks",
        "notifications",
    ]
    assert page.xpath("//link | //script | //img | //iframe") == []
    assert all(src.startswith("data:") for src in page.xpath("//@src"))
    assert "<style>" in etree.tostring(page, encoding="unicode")


def test_a_dual_recording_has_one_envelope_path_per_channel(page: Any, results: Path) -> None:
    svg = waveform(page, recordings_by_source(results)["DialVerb"])
    paths = svg.xpath(".//path[@class='channel']")
    assert [p.get("data-channel") for p in paths] == ["1", "2"]
    for path in paths:
        d = path.get("d")
        assert d.startswith("M") and d.endswith("Z") and d.count("L") > 1000  # a column each
    mono = waveform(page, recordings_by_source(results)["OutboundAPI"])
    assert len(mono.xpath(".//path[@class='channel']")) == 1


def test_pauses_are_marked_where_they_are_in_the_file(page: Any, results: Path) -> None:
    sources = recordings_by_source(results)
    [skip] = waveform(page, sources["DialVerb"]).xpath(".//*[@class='pause']")
    assert (skip.tag, skip.get("data-behavior")) == ("line", "skip")
    # the recording started at the <Dial> (0.8 s) and was paused at 6 s: 5.2 s into the file
    assert "5.20 s" in skip.findtext("title")
    [silence] = waveform(page, sources["OutboundAPI"]).xpath(".//*[@class='pause']")
    assert (silence.tag, silence.get("data-behavior")) == ("rect", "silence")
    assert float(silence.get("width")) > 10


def test_the_webhook_table_has_a_row_per_webhook_event(page: Any, results: Path) -> None:
    events = read_jsonl((results / "events.jsonl").read_text().splitlines())
    hooks = [e for e in events if e.kind == EventKind.WEBHOOK]
    rows = page.xpath("//table[@class='webhook-log']/tbody/tr")
    assert len(rows) == len(hooks) >= 3
    for row, hook in zip(rows, hooks, strict=True):
        cells = [td.text_content() for td in row.findall("td")]
        assert cells[2:5] == [hook.fields["purpose"], hook.fields["method"], hook.fields["url"]]
        assert cells[6] == str(hook.fields["status"])
    failed = page.xpath("//table[@class='webhook-log']/tbody/tr[@class='failed']")
    assert [r.findall("td")[4].text_content() for r in failed] == [f"{APP}/after"]
    [note] = page.xpath("//table[@class='notification-log']/tbody/tr")
    assert note.findall("td")[3].text_content() == "11200"


def test_audio_players_carry_the_media_inline(page: Any, results: Path) -> None:
    players = page.xpath("//audio")
    assert len(players) == 2
    for player in players:
        prefix, _, encoded = player.get("src").partition(",")
        assert prefix == "data:audio/wav;base64"
        media = results / "media" / f"{player.get('data-sid')}.wav"
        assert base64.b64decode(encoded) == media.read_bytes()


def test_timelines_show_statuses_verbs_and_webhooks(page: Any, results: Path) -> None:
    svgs = page.xpath("//svg[contains(@class, 'call-timeline')]")
    assert len(svgs) == 2  # the inbound call with its <Dial> leg, and the outbound-api call
    [inbound] = [svg for svg in svgs if len(svg.xpath(".//g[@class='call']")) == 2]
    assert [g.get("data-verb") for g in inbound.xpath(".//g[@class='verb']")][:2] == ["Say", "Dial"]
    assert {r.get("data-status") for r in inbound.xpath(".//rect[@class='status']")} >= {
        "ringing",
        "in-progress",
    }
    circles = inbound.xpath(".//circle[@class='webhook']")
    assert len(circles) == len(page.xpath("//table[@class='webhook-log']/tbody/tr"))
    assert len(inbound.xpath(".//rect[@class='recording']")) == 1


def test_large_media_are_linked_not_inlined(results: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(results, copy)
    page = lxml_html.parse(str(write_report(copy, Limits(inline_audio_bytes=1000)))).getroot()
    sources = sorted(p.get("src") for p in page.xpath("//audio"))
    assert all(s.startswith("media/RE") and s.endswith(".wav") for s in sources)
    assert sorted(page.xpath("//section[@id='recordings']//a/@href")) == sources


def test_a_report_from_the_event_log_alone(results: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(results, copy)
    (copy / "simtel.db").unlink()
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    page = lxml_html.parse(str(copy / "report.html")).getroot()
    assert len(page.xpath("//table[@class='webhook-log']/tbody/tr")) >= 3
    assert len(page.xpath("//svg[@class='waveform']")) == 2


def test_a_report_without_a_results_folder_is_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from simtel.cli import main

    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"simtel: {tmp_path} is not a results folder (no simtel.db or events.jsonl); "
        "simtel run --out DIR writes one"
    ]


def test_the_shared_time_axis_gives_every_timeline_the_same_ticks(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from lxml import html

    from simtel.cli import main

    out = tmp_path / "vm"
    ran = CliRunner().invoke(main, ["run", "voicemail", "--out", str(out), "--json"])
    assert ran.exit_code == 0

    def axes(*flags: str) -> list[list[str]]:
        assert CliRunner().invoke(main, ["report", str(out), *flags]).exit_code == 0
        page = html.parse(str(out / "report.html")).getroot()
        return [
            [t.text_content() for t in svg.xpath(".//g[@class='time-axis']/text")]
            for svg in page.xpath("//svg[contains(@class, 'call-timeline')]")
        ]

    own = axes()
    assert len(own) == 3 and own[0] != own[2]  # calls at 0, 30 and 60 s: each its own range
    shared = axes("--shared-time-axis")
    assert shared[0] == shared[1] == shared[2] and shared[0][0] == "0 s"
