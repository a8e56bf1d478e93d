"""What a read of a Recording shows while it is captured, paused, stopped and processed.

Seed (`../shared/seed/000_cfd70b55a3ec648f.txt`, "Atualizar um recurso de gravação"): "as
respostas da API para atualizações do recurso de gravação fornecerão um status adicional mais
detalhado, incluindo pausado, em andamento ou interrompido, mas uma busca no recurso de gravação
mostrará apenas em processamento ou concluído"; and the `status` property: "Can be: processing,
completed, absent or deleted". So create and update answer the detailed status; fetches and lists
show `processing` until the recording is `completed` (or `absent`).
"""

from __future__ import annotations

from typing import Any

from conftest import SignedForms
from conftest_api import asgi_request, auth_of
from test_flow_support import CALLER, NUMBER, inbound_number, new_sim
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from simtel.engine.calls.call import Call
from simtel.engine.calls.parties import Party, Press, Utterance
from simtel.simulator import Simulator
from simtel.testing import simtel_client

A, B = "+15551230001", "+15559870000"
READ_STATUSES = {"processing", "completed", "absent", "deleted"}


def live_call(sim: Simulator) -> Call:
    call = sim.create_call(A, B)
    sim.advance(5)
    assert call.status == "in-progress"
    return call


def test_updates_answer_the_detail_and_reads_show_processing(
    sim: Simulator, app: Any, client: Client
) -> None:
    call = live_call(sim)
    recordings = client.calls(call.sid).recordings
    created = recordings.create()
    assert created.status == "in-progress"  # the create answer (OAI example `create201`)
    sim.advance(2)
    assert recordings(created.sid).fetch().status == "processing"
    assert client.recordings(created.sid).fetch().status == "processing"
    paused = recordings(created.sid).update(status="paused")
    assert paused.status == "paused"
    assert recordings(created.sid).fetch().status == "processing"
    assert [r.status for r in client.recordings.list()] == ["processing"]
    assert [r.status for r in recordings.list()] == ["processing"]
    xml = asgi_request(
        app,
        "GET",
        f"/2010-04-01/Accounts/{sim.account.sid}/Recordings/{created.sid}.xml",
        headers=auth_of(sim),
    )
    assert "<Status>processing</Status>" in xml.text
    assert recordings(created.sid).update(status="in-progress").status == "in-progress"
    assert recordings(created.sid).update(status="stopped").status == "stopped"
    assert recordings(created.sid).fetch().status == "processing"
    sim.advance(10)
    assert recordings(created.sid).fetch().status == "completed"


def test_a_record_verb_ended_by_its_finish_key_reads_processing_then_completed() -> None:
    sim, app = new_sim()
    inbound_number(sim)
    response = VoiceResponse()
    response.record(action="/saved", finish_on_key="#", play_beep=False)
    app.route("/voice", response)
    app.route("/saved", "<Response/>")
    party = Party(
        talk="script",
        script=(Utterance(0.5, "a message for you", 3.0),),
        presses=(Press(4.0, "#"),),
        hangup_after=30.0,
    )
    call = sim.place_inbound_call(CALLER, NUMBER, party=party)
    client = simtel_client(sim)
    sim.advance(2.0)
    (capturing,) = client.calls(call.sid).recordings.list()
    assert capturing.status == "processing"
    sim.advance(2.5)  # the key was pressed at 4.0 s: the recording is stopped, then processed
    assert sim.recorder.get(capturing.sid).status in ("stopped", "processing")
    assert client.recordings(capturing.sid).fetch().status == "processing"
    sim.advance(10.0)
    done = client.recordings(capturing.sid).fetch()
    assert done.status == "completed"
    statuses = {r.status for r in client.recordings.list()}
    assert statuses <= READ_STATUSES


def test_the_absent_callback_carries_no_recording_duration() -> None:
    """Seed, RecordingStatusCallback: "RecordingDuration ... (fornecido apenas quando
    RecordingStatus é 'concluído')". A recording stopped at once is absent (16101)."""
    sim, _app = new_sim()
    forms = SignedForms(sim.account.auth_token, "/rec")
    sim.mount("http://hooks.test", forms.app)
    client = simtel_client(sim)
    call = live_call(sim)
    short = client.calls(call.sid).recordings.create(
        recording_status_callback="http://hooks.test/rec",
        recording_status_callback_event=["absent", "completed"],
    )
    client.calls(call.sid).recordings(short.sid).update(status="stopped")
    kept = client.calls(call.sid).recordings.create(
        recording_status_callback="http://hooks.test/rec",
        recording_status_callback_event=["absent", "completed"],
    )
    sim.advance(4)
    client.calls(call.sid).recordings(kept.sid).update(status="stopped")
    sim.advance(10)
    absent, completed = forms.seen
    assert (absent["RecordingSid"], absent["RecordingStatus"]) == (short.sid, "absent")
    assert absent["ErrorCode"] == "16101" and "RecordingDuration" not in absent
    assert (completed["RecordingSid"], completed["RecordingStatus"]) == (kept.sid, "completed")
    assert completed["RecordingDuration"] == "4"
    assert client.recordings(short.sid).fetch().status == "absent"
