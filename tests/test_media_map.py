"""The media map from a scenario's `media:` key and from `simtel serve --media`."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

import simtel.server
from simtel.audio import pitch_of
from simtel.cli import main
from simtel.errors import ScenarioError
from simtel.events import EventKind
from simtel.scenario import build, load_scenario
from simtel.simulator import Simulator

SCENARIO = """\
seed: 4
media:
  "https://cdn.example.com/hold/": sounds
numbers:
  "+15550100":
    twiml: <Response><Play>https://cdn.example.com/hold/low.wav</Play></Response>
parties:
  "+15557001": {answer_after: 0, hangup_after: null, talk: silent}
calls:
  - {at: 0, from: "+15557001", to: "+15550100"}
"""


def write_tone(path: Path, seconds: float, hz: float) -> None:
    t = np.arange(int(seconds * 8000)) / 8000
    buffer = io.BytesIO()
    sf.write(buffer, 0.4 * np.sin(2 * np.pi * hz * t), 8000, format="WAV")
    path.write_bytes(buffer.getvalue())


def test_a_scenario_media_key_plays_local_files(tmp_path: Path) -> None:
    (tmp_path / "sounds").mkdir()
    write_tone(tmp_path / "sounds" / "low.wav", 2.5, 330.0)
    (tmp_path / "s.yaml").write_text(SCENARIO)
    run = build(load_scenario(tmp_path / "s.yaml"))
    run.sim.advance(30)
    (call,) = run.sim.calls.values()
    assert call.answered_at is not None and call.end_time is not None
    assert call.end_time - call.answered_at == pytest.approx(2.5)
    heard = call.audio.outbound.render(call.answered_at, call.answered_at + 2.5, 8000)
    assert pitch_of(heard, 8000) == pytest.approx(330.0, rel=0.01)
    assert list(run.sim.events.of(call.sid, EventKind.NOTIFICATION)) == []
    run.sim.close()


def test_a_missing_media_folder_is_a_scenario_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SCENARIO)
    with pytest.raises(ScenarioError) as raised:
        build(load_scenario(tmp_path / "s.yaml"))
    assert raised.value.line == 3 and "not a directory" in str(raised.value)


def test_serve_media_flag_builds_the_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[simtel.server.Server] = []

    def run(self: simtel.server.Server) -> None:  # the server started and stopped at once
        served.append(self)
        self._socket.close()

    monkeypatch.setattr(simtel.server.Server, "run", run)
    spec = f"https://cdn.example.com/hold/={tmp_path}"
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--media", spec])
    assert result.exit_code == 0, result.output
    media_map = served[0].sim.media_loader.media_map
    assert media_map.resolve("https://cdn.example.com/hold/a.wav") == tmp_path.resolve() / "a.wav"
    with Simulator(media_map=media_map) as sim:
        assert sim.media_loader.media_map is media_map


def test_serve_refuses_a_bad_media_spec() -> None:
    result = CliRunner().invoke(main, ["serve", "--media", "https://cdn.example.com/"])
    assert result.exit_code == 2 and "--media" in result.output
