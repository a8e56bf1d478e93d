"""Running scenarios: determinism, what the runner places, actions, the summary, rendering."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import soundfile as sf

from simtel.scenario import ScenarioRun, build, load_scenario, parse_scenario, summarise

SEEDED = """
seed: 3
duration: 20m
sinks: [https://hooks.example.com]
numbers:
  "+15550100":
    twiml: >-
      <Response><Dial record="record-from-answer-dual"><Number>+15557999</Number></Dial>
      </Response>
traffic:
  - target: "+15550100"
    arrivals: {kind: poisson, rate_per_hour: 60}
    holding: {exponential: 60}
"""


def run_text(tmp_path: Path, text: str, **options: object) -> ScenarioRun:
    scenario = parse_scenario(text, tmp_path / "scenario.yaml")
    scenario_run = build(scenario, **options)  # type: ignore[arg-type]
    scenario_run.run()
    return scenario_run


def events_and_dump(tmp_path: Path, name: str, seed: int | None) -> tuple[str, list[str]]:
    db = tmp_path / f"{name}.db"
    scenario_run = run_text(tmp_path, SEEDED, db=db, seed=seed)
    log = io.StringIO()
    scenario_run.sim.events.write_jsonl(log)
    scenario_run.sim.close()
    with sqlite3.connect(db) as conn:
        dump = list(conn.iterdump())
    return log.getvalue(), dump


def test_same_seed_same_event_log_and_database(tmp_path: Path) -> None:
    events, dump = events_and_dump(tmp_path, "a", None)
    again_events, again_dump = events_and_dump(tmp_path, "b", None)
    other_events, other_dump = events_and_dump(tmp_path, "c", 4)
    assert events.count("\n") > 50
    assert events == again_events
    assert dump == again_dump
    assert events != other_events
    assert dump != other_dump


def test_progress_steps_do_not_change_the_log(tmp_path: Path) -> None:
    quiet = run_text(tmp_path, SEEDED)
    seen: list[float] = []
    stepped = build(parse_scenario(SEEDED, tmp_path / "s.yaml"))
    stepped.run(seen.append, steps=7)
    assert [e.to_json() for e in quiet.sim.events] == [e.to_json() for e in stepped.sim.events]
    assert seen[:7] == [1200.0 * step / 7 for step in range(1, 8)]


def test_the_run_winds_down_until_every_call_and_recording_is_final(tmp_path: Path) -> None:
    scenario_run = run_text(tmp_path, SEEDED)
    assert not scenario_run.busy()
    summary = summarise(scenario_run)
    assert summary["calls_offered"] == len(scenario_run.offered) > 5
    assert summary["calls_completed"] == summary["calls_offered"]
    # a caller who hangs up before the agent answers leaves no from-answer recording
    assert 0 < summary["recordings_by_source"]["DialVerb"] <= summary["calls_offered"]
    assert set(summary["recordings_by_status"]) <= {"completed", "absent"}
    assert summary["sim_seconds"] >= 1200


def test_trunk_blocking_is_counted(tmp_path: Path) -> None:
    text = """
trunks: [{name: small, capacity: 2}]
default_party: {answer_after: 1, hangup_after: 30}
calls:
  - {trunk: small, to: "+15557001"}
  - {trunk: small, to: "+15557002"}
  - {trunk: small, to: "+15557003", at: 5}
  - {trunk: small, to: "+15557004", at: 40}
"""
    summary = summarise(run_text(tmp_path, text))
    assert summary["calls_offered"] == 4
    assert summary["calls_blocked"] == 1
    assert summary["blocking_probability"] == 0.25
    assert summary["calls_by_status"] == {"completed": 3, "failed": 1}
    assert summary["peak_concurrent_calls"] == 2


PAUSING = """
sinks: [https://hooks.example.com]
calls:
  - {label: skip, to: "+15557001", record: true, trim: do-not-trim,
     party: {answer_after: 1, hangup_after: 40}, twiml: <Response><Pause length="60"/></Response>}
  - {label: silence, to: "+15557002", record: true, trim: do-not-trim,
     party: {answer_after: 1, hangup_after: 40}, twiml: <Response><Pause length="60"/></Response>}
actions:
  - {at: 10, call: skip, status: paused, pause_behavior: skip}
  - {at: 25, call: skip, status: in-progress}
  - {at: 10, call: silence, status: paused}
  - {at: 25, call: silence, status: in-progress}
  - {at: 60, call: 0, status: paused}
"""


def test_actions_pause_and_resume_the_current_recording(tmp_path: Path) -> None:
    scenario_run = run_text(tmp_path, PAUSING)
    skip, silence = (scenario_run.labels[name] for name in ("skip", "silence"))
    by_call = {r.call_sid: r for r in scenario_run.sim.recorder.recordings.values()}
    skipped, silenced = by_call[skip.sid].duration, by_call[silence.sid].duration
    assert skipped is not None and silenced is not None
    assert silenced - skipped == 15  # the 15 s pause is cut out, or kept as silence
    assert [p.behavior for p in by_call[skip.sid].pauses] == ["skip"]


def test_a_refused_action_becomes_a_notification_not_a_crash(tmp_path: Path) -> None:
    scenario_run = run_text(tmp_path, PAUSING)
    notes = [e for e in scenario_run.sim.events if e.kind == "notification"]
    assert len(notes) == 1
    assert notes[0].t == 60.0
    assert notes[0].fields["code"] in (21220, 20404)  # the call is over: nothing to pause
    assert "scenario action at 60 s" in notes[0].fields["message"]


def test_render_writes_the_first_n_completed_recordings(tmp_path: Path) -> None:
    scenario_run = run_text(tmp_path, PAUSING + "render: {first: 1}\n")
    written = scenario_run.render(tmp_path / "media")
    assert [path.name for path in written] == [
        f"{next(iter(scenario_run.sim.recorder.recordings))}.wav"
    ]
    samples, rate = sf.read(io.BytesIO(written[0].read_bytes()))
    assert rate == 8000 and len(samples) > 8000 * 20


def test_inbound_callers_and_conference_participants_are_offered_calls(tmp_path: Path) -> None:
    text = """
conferences:
  - name: room
    record: record-from-start
    participants:
      - {from: "+15557001", party: {hangup_after: 20}}
      - {at: 5, from: "+15557002", party: {hangup_after: 10}}
"""
    scenario_run = run_text(tmp_path, text)
    assert [call.from_ for call in scenario_run.offered] == ["+15557001", "+15557002"]
    assert [call.direction for call in scenario_run.offered] == ["inbound", "inbound"]
    sources = summarise(scenario_run)["recordings_by_source"]
    assert sources == {"Conference": 1}


def test_bundled_quickstart_shows_four_sources() -> None:
    scenario_run = build(load_scenario("quickstart"))
    scenario_run.run()
    summary = summarise(scenario_run)
    scenario_run.sim.close()
    assert summary["recordings_by_source"] == {
        "DialVerb": 1,
        "OutboundAPI": 1,
        "RecordVerb": 1,
        "StartCallRecordingAPI": 1,
    }
    assert summary["notifications"] == 0
