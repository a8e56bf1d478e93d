"""The report of a load run (charts) and the pieces it is drawn with (envelopes, pause marks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lxml import html as lxml_html

from simtel.events import Event, EventKind
from simtel.report import write_report
from simtel.report.data import CallSpan
from simtel.report.load import measured_point, occupancy
from simtel.report.waveform import PauseMark, capture_window, envelope, pause_marks
from simtel.scenario import build, parse_scenario
from simtel.scenario.summary import summarise

LOAD = """
name: small-trunk
seed: 5
duration: 20m
render: none
trunks:
  - {name: pbx, capacity: 2, recording: {mode: record-from-answer}}
traffic:
  - name: callers
    target: pbx
    direction: inbound
    arrivals: {kind: poisson, rate_per_hour: 300}
    holding: {exponential: 30}
    talk: silent
"""


@pytest.fixture(scope="module")
def load_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any]]:
    out = tmp_path_factory.mktemp("load")
    run = build(parse_scenario(LOAD, out / "load.yaml"), db=out / "simtel.db")
    run.run()
    summary = summarise(run)
    run.sim.close()
    return lxml_html.parse(str(write_report(out))).getroot(), summary


def test_a_load_run_gets_concurrency_blocking_and_recording_charts(
    load_page: tuple[Any, dict[str, Any]],
) -> None:
    page, summary = load_page
    assert summary["calls_blocked"] > 0
    [load] = page.xpath("//section[@id='load']")
    [concurrency] = load.xpath(".//svg[contains(@class, 'concurrency')]//path[@class='line']")
    carried = summary["calls_offered"] - summary["calls_blocked"]
    assert concurrency.get("d").count("V") == 2 * carried + 1  # up and down per call, then end
    [blocking] = load.xpath(".//svg[contains(@class, 'blocking')]")
    assert blocking.xpath(".//g[contains(@class, 'erlang-b')]/path[@class='line']")
    [point] = blocking.xpath(".//g[contains(@class, 'observed')]/circle[@class='point']")
    assert f"x=2 y={summary['blocking_probability']:.4g}" in point.findtext("title")
    assert "Capacity 2 " in load.text_content()
    assert load.xpath(".//svg[contains(@class, 'recording-minutes')]//path[@class='line']")


def test_occupancy_counts_calls_from_creation_to_end() -> None:
    spans = [
        CallSpan("CA1", None, 0.0, 1.0, 10.0, "completed"),
        CallSpan("CA2", None, 2.0, 3.0, 5.0, "completed"),
        CallSpan("CA3", None, 4.0, 4.0, 4.0, "failed"),  # refused: holds nothing
    ]
    assert occupancy(spans, 12.0) == ([0.0, 0.0, 2.0, 5.0, 10.0, 12.0], [0, 1, 2, 1, 0, 0])


def test_capacity_and_load_are_measured_from_refused_calls() -> None:
    spans = [
        CallSpan("CA1", None, 0.0, 1.0, 10.0, "completed", "TK1"),
        CallSpan("CA2", None, 2.0, 3.0, 6.0, "completed", "TK1"),
        CallSpan("CA3", None, 4.0, 4.0, 4.0, "failed", "TK1"),
        CallSpan("CA4", None, 8.0, 9.0, 12.0, "completed", "TK1"),
    ]
    point = measured_point(spans)
    assert point is not None
    assert point.capacity == 2  # CA1 and CA2 held channels when CA3 was refused
    assert point.offered_erlangs == pytest.approx(4 / 8.0 * (10 + 4 + 4) / 3)
    assert point.blocking == 0.25
    assert measured_point(spans[:2] + spans[3:]) is None  # nothing refused: capacity unknown


def test_envelope_keeps_the_extremes_of_each_column() -> None:
    samples = np.array([0.0, 0.5, -0.25, 0.1, -1.0, 0.2, 0.3, 0.9])
    lows, highs = envelope(samples, 4)
    assert lows.tolist() == [0.0, -0.25, -1.0, 0.3]
    assert highs.tolist() == [0.5, 0.1, 0.2, 0.9]
    assert [len(a) for a in envelope(samples, 100)] == [8, 8]


def _updates(*changes: tuple[float, str]) -> list[Event]:
    return [
        Event(i, t, EventKind.RECORDING_UPDATED, "RE1", {"status": s})
        for i, (t, s) in enumerate(changes)
    ]


def test_pauses_map_to_file_time_and_the_rest_is_trim() -> None:
    events = _updates((5, "paused"), (8, "in-progress"), (12, "paused"), (13, "in-progress"))
    events += _updates((20, "stopped"))
    window = capture_window(2.0, events)
    assert window.pauses == ((5, 8, None), (12, 13, None))
    # 18 s window, 4 s paused: a 14 s file means the pauses were skipped
    marks, trimmed = pause_marks(window, 14.0)
    assert marks == [PauseMark(3.0, 3.0, "skip"), PauseMark(7.0, 7.0, "skip")]
    assert trimmed == 0.0
    marks, trimmed = pause_marks(window, 18.0)  # an 18 s file kept them as silence
    assert marks == [PauseMark(3.0, 6.0, "silence"), PauseMark(10.0, 11.0, "silence")]
    marks, trimmed = pause_marks(window, 12.5)  # skipped, and 1.5 s of silence trimmed
    assert trimmed == pytest.approx(1.5)


def test_a_pause_behaviour_in_the_event_wins_over_the_guess(tmp_path: Path) -> None:
    events = [
        Event(
            0,
            5,
            EventKind.RECORDING_UPDATED,
            "RE1",
            {"status": "paused", "pause_behavior": "silence"},
        ),
        *_updates((8, "in-progress"), (20, "stopped")),
    ]
    marks, _ = pause_marks(capture_window(2.0, events), 15.0)
    assert marks == [PauseMark(3.0, 6.0, "silence")]
