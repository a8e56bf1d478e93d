"""`simtel trace`: one call through a TwiML file, as a timeline and a WAV."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import soundfile as sf
from click.testing import CliRunner

from simtel.cli import main
from simtel.scenario.trace import parse_party_spec

VOICEMAIL = """<Response>
  <Say>Leave a message.</Say>
  <Record action="https://app.example.com/done" finishOnKey="#"
          recordingStatusCallback="https://app.example.com/recording"/>
</Response>
"""


def test_trace_prints_the_timeline_and_writes_the_wav(tmp_path: Path) -> None:
    twiml = tmp_path / "voicemail.xml"
    twiml.write_text(VOICEMAIL)
    out = tmp_path / "out"
    spec = "hangup_after=20,say=3:Hello there this is a message,press=9:#"
    result = CliRunner().invoke(main, ["trace", str(twiml), "--party", spec, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = result.output
    for words in (
        '<Say> "Leave a message."',
        "<Record>",
        "party presses #",
        "recording starts: source RecordVerb",
        "-> completed",
        "https://app.example.com/recording -> 200",
    ):
        assert words in text
    wavs = list(out.glob("RE*.wav"))
    assert len(wavs) == 1
    samples, rate = sf.read(io.BytesIO(wavs[0].read_bytes()))
    # <Record> trims silence: what is left is the six spoken words (2.4 s at 150 words/min)
    assert rate == 8000 and abs(len(samples) / rate - 2.4) < 0.3


def test_trace_json_lines(tmp_path: Path) -> None:
    twiml = tmp_path / "hello.xml"
    twiml.write_text("<Response><Say>Hi</Say><Hangup/></Response>")
    result = CliRunner().invoke(main, ["trace", str(twiml), "--json", "--out", str(tmp_path)])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["what"] == "inbound call from +15557000 to +15550100"
    assert [row["what"] for row in rows if row["kind"] == "twiml.verb"] == [
        '<Say> "Hi"',
        "<Hangup>",
    ]


def test_a_bad_party_spec_is_a_usage_error(tmp_path: Path) -> None:
    twiml = tmp_path / "x.xml"
    twiml.write_text("<Response/>")
    result = CliRunner().invoke(main, ["trace", str(twiml), "--party", "answer=maybe"])
    assert result.exit_code == 2
    assert "answer must be one of answer, busy, no-answer, fail" in result.output


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["trace", str(tmp_path / "none.xml")])
    assert result.exit_code == 2 and "no such TwiML file" in result.output


def test_party_specs() -> None:
    block = parse_party_spec(
        "answer_after=2,hangup_after=never,say=Hi there,press=5:12,talk=script"
    )
    assert block["answer_after"] == 2.0 and block["hangup_after"] is None
    assert [(line["at"], line["say"]) for line in block["script"]] == [(1.0, "Hi there")]
    assert [(p["at"], p["digits"]) for p in block["presses"]] == [(5.0, "12")]
    with pytest.raises(ValueError, match="unknown key 'colour'"):
        parse_party_spec("colour=red")


def test_the_bundled_voicemail_document_by_name(tmp_path: Path) -> None:
    spec = "say=9:Hi it is Ana please call me back about my order"
    result = CliRunner().invoke(
        main, ["trace", "voicemail.xml", "--party", spec, "--out", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    whats = [json.loads(line)["what"] for line in result.stdout.splitlines()]
    assert any(what.startswith("recording -> completed") for what in whats), whats
    assert len(list(tmp_path.glob("RE*.wav"))) == 1


def test_a_misspelt_bundled_name_gets_a_suggestion(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["trace", "voicemal", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "simtel: voicemal: no such TwiML file (did you mean 'voicemail.xml'?); give a path, "
        "an http(s) URL, or a bundled document: voicemail.xml"
    ]


MENU = """<Response>
  <Gather action="/menu" numDigits="1" timeout="5"><Say>Press 1</Say></Gather>
</Response>
"""


def test_relative_urls_fail_without_base_url_and_exit_1(tmp_path: Path) -> None:
    twiml = tmp_path / "menu.xml"
    twiml.write_text(MENU)
    result = CliRunner().invoke(main, ["trace", str(twiml), "--out", str(tmp_path), "--json"])
    assert result.exit_code == 1
    assert "error 11100: relative URL '/menu'" in result.stderr
    assert "relative URLs need --base-url" in result.stderr
    allowed = CliRunner().invoke(
        main, ["trace", str(twiml), "--out", str(tmp_path), "--json", "--allow-errors"]
    )
    assert allowed.exit_code == 0


def test_base_url_resolves_relative_urls(tmp_path: Path) -> None:
    twiml = tmp_path / "menu.xml"
    twiml.write_text(MENU)
    args = ["trace", str(twiml), "--party", "press=2:1", "--json", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--base-url", "https://app.example.com/voice"])
    assert result.exit_code == 0, result.output
    whats = [json.loads(line)["what"] for line in result.stdout.splitlines()]
    assert "webhook action [in-progress]: POST https://app.example.com/menu -> 200" in whats


def test_the_callee_spec_leaves_the_caller_alone(tmp_path: Path) -> None:
    twiml = tmp_path / "dial.xml"
    twiml.write_text("<Response><Dial><Number>+15551234567</Number></Dial></Response>")
    args = ["trace", str(twiml), "--json", "--out", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--callee", "answer_after=1,hangup_after=60"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    hangups = [row for row in rows if "hangs up" in row["what"] or "hung up" in row["what"]]
    # the caller keeps the default party (hangs up 30 s after answer), not the callee's 60 s
    assert hangups and hangups[0]["t"] == pytest.approx(30.0, abs=0.5), rows
