"""Call lifecycles: every outcome with its whole status-callback sequence, as event traces."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from simtel.engine.calls.call import CallbackConfig, CallOptions
from simtel.engine.calls.parties import Party
from simtel.events import EventKind
from simtel.simulator import Simulator
from tests.conftest import Collector

ALL_EVENTS = ("initiated", "ringing", "answered", "completed")
TO, FROM = "+15005550006", "+15005550001"


def place(sim: Simulator, collector: Collector, party: Party, **options: object):
    sim.mount("http://app.test", collector.app())
    sim.set_party(TO, party)
    status = CallbackConfig("http://app.test/status", events=ALL_EVENTS)
    return sim.create_call(TO, FROM, CallOptions(status=status, **options))  # type: ignore[arg-type]


def trace(sim: Simulator, sid: str) -> list[tuple[float, str]]:
    """(time, status) of every status change of call `sid`."""
    return [
        (e.t, e.fields["status"])
        for e in sim.events.of(sid, EventKind.CALL_CREATED, EventKind.CALL_UPDATED)
    ]


def callbacks(collector: Collector) -> list[tuple[str, str]]:
    return [(p["CallStatus"], p["SequenceNumber"]) for p in collector.on("/status")]


def test_answered_call_completes_when_the_party_hangs_up(collector: Collector) -> None:
    sim = Simulator(seed=7)
    call = place(sim, collector, Party(answer_after=4.0, hangup_after=65.0))
    sim.advance(120)
    assert trace(sim, call.sid) == [
        (0.0, "queued"),
        (1.0, "ringing"),
        (5.0, "in-progress"),
        (70.0, "completed"),
    ]
    assert callbacks(collector) == [
        ("initiated", "0"),
        ("ringing", "1"),
        ("in-progress", "2"),
        ("completed", "3"),
    ]
    done = collector.on("/status")[-1]
    assert done["CallDuration"] == "65"
    assert done["Duration"] == "2"  # minutes, rounded up
    assert done["SipResponseCode"] == "200"
    assert done["CallbackSource"] == "call-progress-events"
    assert done["Timestamp"] == "Thu, 01 Jan 2026 09:01:10 +0000"
    assert call.price == "-0.02800"
    assert call.duration == 65


def test_busy_call(collector: Collector) -> None:
    sim = Simulator(seed=7)
    call = place(sim, collector, Party(outcome="busy"))
    sim.advance(30)
    assert trace(sim, call.sid) == [(0.0, "queued"), (1.0, "ringing"), (3.0, "busy")]
    assert callbacks(collector) == [("initiated", "0"), ("ringing", "1"), ("busy", "2")]
    assert collector.on("/status")[-1]["SipResponseCode"] == "486"
    assert call.duration is None and call.price is None


def test_no_answer_waits_for_the_timeout(collector: Collector) -> None:
    sim = Simulator(seed=7)
    call = place(sim, collector, Party(answer_after=90.0), timeout=20.0)
    sim.advance(60)
    assert trace(sim, call.sid) == [(0.0, "queued"), (1.0, "ringing"), (21.0, "no-answer")]
    assert callbacks(collector)[-1] == ("no-answer", "2")


def test_unreachable_party_fails_without_ringing(collector: Collector) -> None:
    sim = Simulator(seed=7)
    call = place(sim, collector, Party(outcome="fail"))
    sim.advance(10)
    assert trace(sim, call.sid) == [(0.0, "queued"), (0.0, "failed")]
    assert callbacks(collector) == [("initiated", "0"), ("failed", "1")]
    assert collector.on("/status")[-1]["SipResponseCode"] == "404"


def test_cancel_while_ringing(collector: Collector) -> None:
    sim = Simulator(seed=7)
    call = place(sim, collector, Party(answer_after=10.0))
    sim.advance(3)
    sim.call_engine.cancel(call)
    sim.advance(30)
    assert trace(sim, call.sid) == [(0.0, "queued"), (1.0, "ringing"), (3.0, "canceled")]
    assert callbacks(collector) == [("initiated", "0"), ("ringing", "1"), ("canceled", "2")]


def test_cancel_while_queued_fires_no_callback(collector: Collector) -> None:
    sim = Simulator(seed=7)
    call = place(sim, collector, Party())
    sim.call_engine.cancel(call)
    sim.advance(30)
    assert trace(sim, call.sid) == [(0.0, "queued"), (0.0, "canceled")]
    assert callbacks(collector) == []


def test_cancel_does_not_touch_a_call_in_progress(collector: Collector) -> None:
    sim = Simulator(seed=7)
    call = place(sim, collector, Party(answer_after=2.0, hangup_after=None))
    sim.advance(10)
    sim.call_engine.cancel(call)
    assert call.status == "in-progress"
    sim.call_engine.complete(call)
    assert call.status == "completed" and call.duration == 7


def test_default_event_is_completed_only(collector: Collector) -> None:
    sim = Simulator(seed=7)
    sim.mount("http://app.test", collector.app())
    sim.create_call(TO, FROM, CallOptions(status=CallbackConfig("http://app.test/status")))
    sim.advance(60)
    assert callbacks(collector) == [("completed", "0")]


def test_callbacks_are_signed_like_twilio(collector: Collector) -> None:
    sim = Simulator(seed=3)
    place(sim, collector, Party(answer_after=1.0, hangup_after=5.0))
    sim.advance(30)
    validator = RequestValidator(sim.account.auth_token)
    assert collector.received
    for request in collector.received:
        assert validator.validate(request.url, request.params, request.signature)


def test_inbound_call_to_an_owned_number(collector: Collector) -> None:
    sim = Simulator(seed=3)
    sim.mount("http://app.test", collector.app())
    sim.add_number(TO, status_callback="http://app.test/status")
    call = sim.place_inbound_call(FROM, TO, Party(hangup_after=12.0))
    sim.advance(30)
    assert call.direction == "inbound" and call.status == "completed"
    assert call.duration == 12
    assert callbacks(collector) == [("completed", "0")]
    assert collector.on("/status")[0]["Direction"] == "inbound"


@pytest.mark.parametrize("status", [500, 404])
def test_a_failing_status_callback_is_logged_and_the_call_goes_on(
    collector: Collector, status: int
) -> None:
    collector.status = status
    sim = Simulator(seed=7)
    call = place(sim, collector, Party(answer_after=1.0, hangup_after=3.0))
    sim.advance(30)
    assert call.status == "completed"
    deliveries = [e for e in sim.events if e.kind is EventKind.WEBHOOK]
    assert [d.fields["status"] for d in deliveries] == [status] * len(deliveries)
    assert len(deliveries) >= 4
    warnings = [e for e in sim.events if e.kind is EventKind.NOTIFICATION]
    assert warnings and all(w.fields["code"] == 15003 for w in warnings)


def test_an_unreachable_callback_url_is_logged_and_the_call_goes_on() -> None:
    sim = Simulator(seed=7)
    status = CallbackConfig("http://127.0.0.1:9/status#ct=200&rc=0", events=ALL_EVENTS)
    call = sim.create_call(TO, FROM, CallOptions(status=status))
    sim.advance(60)
    assert call.status == "completed"
    deliveries = [e for e in sim.events if e.kind is EventKind.WEBHOOK]
    assert len(deliveries) == 4
    assert all(d.fields["status"] is None and d.fields["error_code"] for d in deliveries)


def test_outbound_api_calls_are_paced_at_one_per_second(collector: Collector) -> None:
    sim = Simulator(seed=7)
    calls = [sim.create_call(TO, FROM) for _ in range(3)]
    sim.advance(5)
    initiated = [sim.events.of(c.sid, EventKind.CALL_PROGRESS)[0].t for c in calls]
    assert initiated == [0.0, 1.0, 2.0]
    assert [c.queue_time for c in calls] == ["0", "1000", "2000"]


def test_pacing_is_configurable(collector: Collector) -> None:
    sim = Simulator(seed=7)
    sim.call_engine.api_cps = 4.0
    calls = [sim.create_call(TO, FROM) for _ in range(3)]
    sim.advance(5)
    assert [sim.events.of(c.sid, EventKind.CALL_PROGRESS)[0].t for c in calls] == [0, 0.25, 0.5]


def test_same_seed_same_bytes_other_seed_other_sids(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def run(seed: int, name: str) -> tuple[str, list[str]]:
        with Simulator(seed=seed, db=tmp_path / f"{name}.db") as sim:
            for i in range(5):
                sim.set_party(f"+1555000{i}", Party(answer_after=1.0 + i, hangup_after=20.0))
                sim.create_call(f"+1555000{i}", FROM, CallOptions(record=True))
            sim.advance(120)
            log = "".join(e.to_json() + "\n" for e in sim.events)
            dump = list(sim.store.connection.iterdump())
        return log, dump

    first, second, other = run(11, "a"), run(11, "b"), run(12, "c")
    assert first == second
    assert first[0] != other[0]
    assert (tmp_path / "a.db").read_bytes() == (tmp_path / "b.db").read_bytes()


def test_record_true_names_the_recording_in_the_completed_callback(collector: Collector) -> None:
    sim = Simulator(seed=7)
    call = place(sim, collector, Party(answer_after=2.0, hangup_after=20.0), record=True)
    sim.advance(60)
    done = collector.on("/status")[-1]
    recording = next(iter(sim.recorder.recordings.values()))
    assert done["CallStatus"] == "completed"
    assert done["RecordingSid"] == recording.sid
    assert done["RecordingUrl"].endswith(f"/Recordings/{recording.sid}")
    assert int(done["RecordingDuration"]) == recording.duration
    assert recording.call_sid == call.sid and recording.source == "OutboundAPI"


@pytest.mark.parametrize(
    ("hangup_after", "time_limit", "ends_at", "party_hangs_up"),
    [
        (30.0, 60.0, 35.0, True),
        (30.0, 30.0, 35.0, True),  # a tie: the party's hang-up wins
        (30.0, 12.0, 17.0, False),
        (None, 20.0, 25.0, False),
        (None, 0.0, None, False),  # no limit and a party that stays: the call lives on
    ],
)
def test_the_earlier_of_hang_up_and_time_limit_ends_the_call(
    hangup_after: float | None, time_limit: float, ends_at: float | None, party_hangs_up: bool
) -> None:
    sim = Simulator(seed=2)
    sim.set_party(TO, Party(answer_after=4.0, hangup_after=hangup_after))
    call = sim.create_call(TO, FROM, CallOptions(time_limit=time_limit))
    sim.advance(500.0)
    assert call.end_time == ends_at
    hangups = sim.events.of(call.sid, EventKind.PARTY_HANGUP)
    assert [e.t for e in hangups] == ([ends_at] if party_hangs_up else [])
    if ends_at is not None:
        assert call.hang_up_timer is not None and call.hang_up_timer.call is None  # let go


def test_a_run_tunes_the_garbage_collector_and_restores_it() -> None:
    import gc

    from simtel.running import RUN_GC_THRESHOLD

    before = gc.get_threshold()
    sim = Simulator(seed=1)
    seen: list[tuple[int, int, int]] = []
    sim.events.subscribe(lambda _: seen.append(gc.get_threshold()))
    sim.set_party(TO, Party(answer_after=1.0, hangup_after=2.0))
    sim.create_call(TO, FROM)
    sim.run()
    assert seen[-1] == RUN_GC_THRESHOLD != before
    assert gc.get_threshold() == before
