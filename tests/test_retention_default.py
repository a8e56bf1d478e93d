"""Memory bounded by default: a simulation with a file database keeps only live state.

The summary, the event log and the rendered media of a scenario are the same whether its
simulation keeps everything (a store in memory) or only what is live (a store in a file).
"""

from __future__ import annotations

import io
from pathlib import Path

from simtel import Party, Simulator
from simtel.scenario import build, load_scenario, summarise
from simtel.scenario.offered import ExactSum, OfferedCalls

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
AGENT = "+15550001000"


def test_a_file_database_makes_a_lean_simulation_and_memory_a_full_one(tmp_path: Path) -> None:
    lean, full = Simulator(db=tmp_path / "run.db"), Simulator()
    assert (lean.keep_media, lean.events.keeps_events) == (False, False)
    assert (full.keep_media, full.events.keeps_events) == (True, True)
    kept = Simulator(db=tmp_path / "kept.db", keep_events=True, keep_media=True)
    assert (kept.keep_media, kept.events.keeps_events) == (True, True)
    for sim in (lean, full, kept):
        sim.close()


def test_a_lean_simulation_forgets_finished_calls_and_recordings(tmp_path: Path) -> None:
    with Simulator(db=tmp_path / "run.db") as sim:
        sim.set_party(AGENT, Party(answer_after=2.0, hangup_after=10.0))
        trunk = sim.trunks.create("pbx", recording_mode="record-from-answer-dual")
        calls = [sim.trunks.place_call(trunk.sid, f"+1555000{n:04d}", AGENT) for n in range(5)]
        sim.advance(5.0)
        assert len(sim.calls) == 5
        sim.advance(120.0)
        assert sim.calls == {} and sim.recorder.recordings == {}
        assert sim.store.count("calls", status="completed") == 5
        assert sim.store.count("recordings", status="completed") == 5
        assert [sim.store.get("calls", c.sid)["status"] for c in calls] == ["completed"] * 5  # type: ignore[index]


def run_scenario(name: str, db: Path | None) -> tuple[dict[str, object], str, list[bytes]]:
    scenario_run = build(load_scenario(SCENARIOS / f"{name}.yaml"), db=db)
    scenario_run.run()
    summary = summarise(scenario_run)
    log = io.StringIO()
    scenario_run.sim.events.write_jsonl(log)
    media = [
        scenario_run.sim.recording_media(r.sid, "wav", None)
        for r in scenario_run.sim.recorder.recordings.values()
        if r.status == "completed"
    ]
    scenario_run.sim.close()
    return summary, log.getvalue(), sorted(media)


def test_a_lean_scenario_run_gives_the_same_summary_log_and_media(tmp_path: Path) -> None:
    full = run_scenario("trunk-recording", None)
    lean = run_scenario("trunk-recording", tmp_path / "run.db")
    assert full[0]["calls_blocked"] == 1 and full[0]["recordings_completed"] == 5
    assert lean == full


def test_offered_calls_count_statuses_blocking_and_concurrency_without_the_calls() -> None:
    with Simulator() as sim:
        sim.set_party(AGENT, Party(answer_after=2.0, hangup_after=10.0))
        trunk = sim.trunks.create("pbx", capacity=2)
        offered = OfferedCalls(keep_calls=False)
        sim.call_engine.on_end.append(offered.ended)
        for n in range(3):
            offered.append(sim.trunks.place_call(trunk.sid, f"+1555000{n:04d}", AGENT))
        sim.advance(1.0)
        assert offered.peak_concurrency(sim.now) == 2  # two live, the third refused
        sim.advance(30.0)
        offered.append(sim.trunks.place_call(trunk.sid, "+15550009999", AGENT))
        sim.advance(30.0)
        assert len(offered) == 4 and offered.blocked == 1
        assert offered.statuses() == {"completed": 3, "failed": 1}
        assert offered.peak_concurrency(sim.now) == 2


def test_the_exact_sum_is_fsum() -> None:
    values = [0.1] * 10 + [1e16, 1.0, -1e16]
    total = ExactSum()
    for value in values:
        total.add(value)
    assert total.total == 2.0 and sum(values) != 2.0
