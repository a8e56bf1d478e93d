"""The interpreter run by a scripted driver: documents by URL, outcomes in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

import twiml
from twiml import (
    Ack,
    CallEnd,
    Command,
    DialResult,
    EnqueueResult,
    Fetch,
    FetchResult,
    GatherResult,
    InitialRequest,
    Interpreter,
    Notify,
    Outcome,
    Played,
    RecordResult,
)

VOICE = "https://app.example.com/ivr/voice"
Page = str | tuple[int, str, bytes]


@dataclass
class Trace:
    end: CallEnd
    commands: list[Command] = field(default_factory=list)

    def of(self, kind: type) -> list:
        return [c for c in self.commands if isinstance(c, kind)]

    @property
    def fetches(self) -> list[Fetch]:
        return self.of(Fetch)

    @property
    def codes(self) -> list[int]:
        return [n.notice.code for n in self.of(Notify)]

    @property
    def work(self) -> list[Command]:
        return [c for c in self.commands if not isinstance(c, Fetch | Notify)]


def respond(pages: Mapping[str, Page], fetch: Fetch) -> FetchResult:
    page = pages.get(fetch.url)
    if page is None:
        return FetchResult(404, "text/html", b"not found", None, fetch.url)
    if isinstance(page, str):
        return FetchResult(200, "text/xml", page.encode(), None, fetch.url)
    status, content_type, body = page
    return FetchResult(status, content_type, body, None, fetch.url)


def run(
    pages: Mapping[str, Page] | str,
    outcomes: Sequence[Outcome] = (),
    request: InitialRequest | None = None,
    whisper: bool = False,
) -> Trace:
    """Run a call: ``pages`` maps URLs to documents (a str is the voice document)."""
    if isinstance(pages, str):
        pages = {VOICE: pages}
    interpreter = Interpreter(request or InitialRequest(url=VOICE), whisper=whisper)
    gen = interpreter.run()
    queue = list(outcomes)
    commands: list[Command] = []
    outcome: Outcome | None = None
    for _ in range(5000):
        try:
            command = gen.send(outcome)
        except StopIteration as stop:
            return Trace(stop.value, commands)
        commands.append(command)
        if isinstance(command, Fetch):
            outcome = respond(pages, command)
        elif isinstance(command, Notify | twiml.StartRecording | twiml.StopRecording):
            outcome = Ack()
        elif queue:
            outcome = queue.pop(0)
        elif isinstance(command, twiml.Say | twiml.Play | twiml.Pause):
            outcome = Played()
        else:
            raise AssertionError(f"no scripted outcome for {command}")
    raise AssertionError("the call never ended")


def voicemail(**record: object) -> str:
    response = VoiceResponse()
    response.say("Please leave a message after the beep.")
    response.record(action="/ivr/recorded", **record)
    response.say("We did not get a message.")
    return str(response)


THANKS = "<Response><Say>Thanks, goodbye.</Say></Response>"
RECORDED = "https://app.example.com/ivr/recorded"
RE_URL = "https://api.example.com/Recordings/RE1"


# --- <Record> ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ending", "duration", "sent_digits"),
    [("", 7.4, ""), ("#", 3.0, "#"), ("", 30.0, "")],
    ids=["silence-timeout", "finish-key", "max-length"],
)
def test_voicemail_record_endings_post_the_action(ending: str, duration: float, sent_digits: str):
    result = RecordResult("RE1", RE_URL, duration, ending)
    trace = run({VOICE: voicemail(max_length=30), RECORDED: THANKS}, [Played(), result])
    assert trace.end == CallEnd("end-of-document")
    action = trace.fetches[1]
    assert (action.url, action.method, action.purpose) == (RECORDED, "POST", "action")
    assert action.params == (
        ("RecordingUrl", RE_URL),
        ("RecordingDuration", str(round(duration))),
        ("RecordingSid", "RE1"),
        ("Digits", sent_digits),
    )
    assert [type(c).__name__ for c in trace.work] == ["Say", "Record", "Say"]
    assert trace.work[2] == twiml.Say("Thanks, goodbye.", "man", "en-US", 1)


def test_record_hangup_still_requests_the_action_then_ends():
    result = RecordResult("RE1", RE_URL, 12.0, "hangup", hangup=True)
    trace = run({VOICE: voicemail(), RECORDED: THANKS}, [Played(), result])
    assert trace.end == CallEnd("caller-hangup")
    assert trace.fetches[-1].params[-1] == ("Digits", "hangup")
    assert [type(c).__name__ for c in trace.work] == ["Say", "Record"]  # action TwiML ignored


def test_empty_recording_falls_through_without_action():
    trace = run(voicemail(), [Played(), RecordResult(None, None, 0.0, "")])
    assert len(trace.fetches) == 1
    assert trace.work[-1] == twiml.Say("We did not get a message.", "man", "en-US", 1)
    assert trace.end.reason == "end-of-document"


def test_record_defaults_and_default_action_is_the_current_document():
    doc = "<Response><Record/></Response>"
    trace = run({VOICE: doc}, [RecordResult("RE1", RE_URL, 2.0, "", hangup=True)])
    assert trace.work[0] == twiml.Record(
        max_length=3600.0,
        timeout=5.0,
        finish_on_key="1234567890*#",
        play_beep=True,
        trim="trim-silence",
        recording_status_callback=None,
        recording_status_callback_method="POST",
        recording_status_callback_event=("completed",),
        transcribe=False,
        transcribe_callback=None,
    )
    assert trace.fetches[-1].url == VOICE


def test_record_transcribe_defaults_max_length_to_120_and_resolves_callbacks():
    doc = '<Response><Record transcribe="true" transcribeCallback="t" /></Response>'
    trace = run(doc, [RecordResult(None, None, 0.0, "")])
    record = trace.work[0]
    assert isinstance(record, twiml.Record)
    assert (record.max_length, record.transcribe) == (120.0, True)
    assert record.transcribe_callback == "https://app.example.com/ivr/t"


def test_inline_twiml_with_default_record_action_is_11100():
    request = InitialRequest(url=None, twiml="<Response><Record/></Response>")
    trace = run({}, [RecordResult("RE1", RE_URL, 3.0, "#")], request=request)
    assert trace.end.reason == "error"
    assert trace.end.error is not None and trace.end.error.code == 11100


def test_inline_twiml_with_absolute_action_works():
    response = VoiceResponse()
    response.record(action=RECORDED)
    request = InitialRequest(url=None, twiml=str(response))
    trace = run({RECORDED: THANKS}, [RecordResult("RE1", RE_URL, 3.0, "#")], request=request)
    assert trace.fetches[0].url == RECORDED
    assert trace.end.reason == "end-of-document"


# --- <Gather> ------------------------------------------------------------------------------

MENU = "https://app.example.com/ivr/menu"


def gather_doc(**attrs: object) -> str:
    response = VoiceResponse()
    gather = Gather(action="/ivr/menu", **attrs)
    gather.say("Press 1 for sales, 2 for support.")
    gather.pause(length=2)
    response.append(gather)
    response.say("We did not get your choice.")
    return str(response)


@pytest.mark.parametrize(
    ("result", "params"),
    [
        (GatherResult("1", None), (("Digits", "1"), ("FinishedOnKey", ""))),
        (GatherResult("123", "#"), (("Digits", "123"), ("FinishedOnKey", "#"))),
    ],
)
def test_gather_with_digits_posts_action(result: GatherResult, params: tuple):
    trace = run({VOICE: gather_doc(num_digits=3), MENU: THANKS}, [result])
    assert trace.fetches[1].params == params
    assert trace.fetches[1].purpose == "action"
    assert trace.work[-1] == twiml.Say("Thanks, goodbye.", "man", "en-US", 1)


def test_gather_command_carries_prompts_and_defaults():
    trace = run(gather_doc(), [GatherResult("", None)])
    assert trace.work[0] == twiml.Gather(
        prompts=(
            twiml.Say("Press 1 for sales, 2 for support.", "man", "en-US", 1),
            twiml.Pause(2.0),
        ),
        num_digits=None,
        finish_on_key="#",
        timeout=5.0,
        input="dtmf",
    )


@pytest.mark.parametrize("result", [GatherResult("", None), GatherResult("", "#")])
def test_empty_gather_falls_through(result: GatherResult):
    trace = run(gather_doc(), [result])
    assert len(trace.fetches) == 1
    assert trace.work[-1] == twiml.Say("We did not get your choice.", "man", "en-US", 1)


def test_action_on_empty_result_posts_empty_digits():
    trace = run(
        {VOICE: gather_doc(action_on_empty_result=True), MENU: THANKS}, [GatherResult("", None)]
    )
    assert trace.fetches[1].params == (("Digits", ""), ("FinishedOnKey", ""))


def test_gather_hangup_ends_the_call():
    trace = run(gather_doc(), [GatherResult("", None, hangup=True)])
    assert trace.end == CallEnd("caller-hangup")
    assert len(trace.fetches) == 1


def test_gather_default_action_is_the_current_document():
    trace = run(
        {VOICE: "<Response><Gather/></Response>"},
        [GatherResult("5", None), GatherResult("", None, hangup=True)],
    )
    assert [f.url for f in trace.fetches] == [VOICE, VOICE]


# --- <Dial> --------------------------------------------------------------------------------

DIALED = "https://app.example.com/ivr/dialed"


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("true", "record-from-answer"),
        ("false", "do-not-record"),
        ("do-not-record", "do-not-record"),
        ("record-from-answer", "record-from-answer"),
        ("record-from-ringing", "record-from-ringing"),
        ("record-from-answer-dual", "record-from-answer-dual"),
        ("record-from-ringing-dual", "record-from-ringing-dual"),
    ],
)
def test_dial_record_modes_are_normalised(value: str, normalised: str):
    doc = f'<Response><Dial record="{value}">+14155551212</Dial></Response>'
    trace = run(doc, [DialResult("completed", "CA2", 10, True)])
    dial = trace.work[0]
    assert isinstance(dial, twiml.Dial) and dial.record == normalised
    assert trace.codes == []


def test_dial_action_params_with_recording():
    response = VoiceResponse()
    response.dial("+14155551212", action="/ivr/dialed", record="record-from-answer-dual")
    result = DialResult("completed", "CA2", 42, True, RE_URL, "RE1")
    trace = run({VOICE: str(response), DIALED: THANKS}, [result])
    assert trace.fetches[1].params == (
        ("DialCallStatus", "completed"),
        ("DialCallSid", "CA2"),
        ("DialCallDuration", "42"),
        ("DialBridged", "true"),
        ("RecordingUrl", RE_URL),
        ("RecordingSid", "RE1"),
    )


def test_dial_without_record_sends_no_recording_url_and_conference_no_call_sid():
    response = VoiceResponse()
    dial = Dial(action="/ivr/dialed")
    dial.conference("room-1", record="record-from-start")
    response.append(dial)
    result = DialResult("answered", "CA2", 42, True, RE_URL, "RE1")
    trace = run({VOICE: str(response), DIALED: THANKS}, [result])
    assert trace.fetches[1].params == (("DialCallStatus", "answered"), ("DialBridged", "true"))


def test_dial_without_action_falls_through():
    response = VoiceResponse()
    response.dial("+14155551212")
    response.say("The call ended.")
    trace = run(str(response), [DialResult("no-answer", "CA2", 0, False)])
    assert len(trace.fetches) == 1
    assert trace.work[-1] == twiml.Say("The call ended.", "man", "en-US", 1)


def test_dial_defaults_and_targets():
    response = VoiceResponse()
    dial = Dial()
    dial.number("+1 (415) 555-1212", url="whisper", send_digits="ww1")
    dial.client("alice")
    dial.sip("sip:bob@example.com")
    response.append(dial)
    trace = run(str(response), [DialResult("completed", "CA2", 5, True)])
    command = trace.work[0]
    assert isinstance(command, twiml.Dial)
    assert (command.timeout, command.time_limit, command.caller_id) == (30, 14400, None)
    assert (command.record, command.trim, command.recording_track) == (
        "do-not-record",
        "do-not-trim",
        "both",
    )
    assert command.recording_status_callback_event == ("completed",)
    assert not (command.hangup_on_star or command.answer_on_bridge or command.sequential)
    number, client, sip = command.targets
    assert (number.kind, number.address, number.send_digits) == ("number", "+14155551212", "ww1")
    assert number.url == "https://app.example.com/ivr/whisper"
    assert (client.kind, client.address, sip.kind, sip.address) == (
        "client",
        "alice",
        "sip",
        "sip:bob@example.com",
    )


def test_conference_defaults():
    trace = run(
        "<Response><Dial><Conference>room</Conference></Dial></Response>",
        [DialResult("answered", None, None, True)],
    )
    options = trace.work[0].targets[0].conference
    assert options == twiml.ConferenceOptions(
        muted=False,
        beep="true",
        start_conference_on_enter=True,
        end_conference_on_exit=False,
        participant_label=None,
        wait_url=None,
        wait_method="POST",
        max_participants=250,
        record="do-not-record",
        trim="trim-silence",
        region=None,
        coach=None,
        status_callback=None,
        status_callback_event=(),
        status_callback_method="POST",
        recording_status_callback=None,
        recording_status_callback_method="POST",
        recording_status_callback_event=("completed",),
    )


def test_dial_timeout_is_clamped_with_13212():
    trace = run(
        '<Response><Dial timeout="2">+14155551212</Dial></Response>',
        [DialResult("no-answer", "CA2", 0, False)],
    )
    assert trace.work[0].timeout == 5
    assert trace.codes == [13212]


def test_undiallable_number_is_13224_error_and_ends_the_call():
    doc = "<Response><Say>hi</Say><Dial><Number>not-a-number</Number></Dial></Response>"
    trace = run(doc)
    assert trace.codes == [13224]
    assert trace.end.reason == "error" and trace.end.error.code == 13224
    assert trace.work == [
        twiml.Say("hi", "man", "en-US", 1),
        twiml.Say(twiml.APPLICATION_ERROR, "woman", "en-US", 1),
    ]


def test_caller_hangup_during_dial_requests_the_action_then_ends():
    response = VoiceResponse()
    response.dial("+14155551212", action="/ivr/dialed")
    trace = run(
        {VOICE: str(response), DIALED: THANKS},
        [DialResult("completed", "CA2", 9, True, hangup=True)],
    )
    assert trace.fetches[-1].url == DIALED
    assert trace.end == CallEnd("caller-hangup")
    assert len(trace.work) == 1


# --- <Start>/<Stop> <Recording>, Hangup, Reject, unsupported verbs --------------------------


def test_start_and_stop_recording_defaults():
    doc = (
        '<Response><Start><Recording name="r1" /></Start><Say>secret</Say>'
        '<Stop><Recording name="r1" /></Stop></Response>'
    )
    trace = run(doc)
    assert trace.work == [
        twiml.StartRecording("r1", None, "POST", ("completed",), "trim-silence", "both", "dual"),
        twiml.Say("secret", "man", "en-US", 1),
        twiml.StopRecording("r1"),
    ]


def test_hangup_and_reject_end_the_flow():
    assert run("<Response><Hangup/><Say>never</Say></Response>").end == CallEnd("hangup")
    assert run("<Response><Reject/></Response>").end == CallEnd("reject", "rejected")
    assert run('<Response><Reject reason="busy"/></Response>').end == CallEnd("reject", "busy")


def test_unsupported_verb_runs_what_precedes_then_errors_13750():
    trace = run("<Response><Say>before</Say><Pay/><Say>after</Say></Response>")
    assert trace.codes == [13750]
    assert trace.end.error.code == 13750
    assert trace.work[0] == twiml.Say("before", "man", "en-US", 1)
    assert twiml.Say("after", "man", "en-US", 1) not in trace.work


# --- <Redirect> ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "resolved"),
    [
        ("next", "https://app.example.com/ivr/next"),
        ("/root", "https://app.example.com/root"),
        ("../up?x=1", "https://app.example.com/up?x=1"),
        ("https://other.example.net/a", "https://other.example.net/a"),
    ],
)
def test_redirect_resolves_relative_urls(target: str, resolved: str):
    response = VoiceResponse()
    response.redirect(target, method="GET")
    response.say("unreachable")
    trace = run({VOICE: str(response), resolved: THANKS})
    assert (trace.fetches[1].url, trace.fetches[1].method) == (resolved, "GET")
    assert trace.fetches[1].purpose == "redirect"
    assert trace.work == [twiml.Say("Thanks, goodbye.", "man", "en-US", 1)]


def test_redirect_loop_ends_with_14106_after_the_document_limit():
    trace = run("<Response><Redirect/></Response>")
    assert len(trace.fetches) == twiml.MAX_IDLE_DOCUMENTS
    assert all(fetch.url == VOICE for fetch in trace.fetches)
    assert trace.end.reason == "error" and trace.end.error.code == 14106


def test_a_verb_that_takes_time_resets_the_document_limit():
    outcomes = [Played()] * 150 + [Played(hangup=True)]
    trace = run("<Response><Say>again</Say><Redirect/></Response>", outcomes)
    assert len(trace.fetches) == 151
    assert trace.end == CallEnd("caller-hangup")


def test_redirect_relative_in_inline_twiml_is_11100_when_reached():
    request = InitialRequest(
        url=None, twiml="<Response><Say>a</Say><Redirect>x</Redirect></Response>"
    )
    trace = run({}, request=request)
    assert trace.codes == [11100]
    assert trace.work[0] == twiml.Say("a", "man", "en-US", 1)
    assert trace.end.error.code == 11100


# --- fetching: MIME types, failures, fallback ---------------------------------------------

SAY_HI = "<Response><Say>hi</Say></Response>"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/xml",
        "application/xml",
        "text/html",
        "text/xml; charset=utf-8",
        "TEXT/XML",
        "text/plain",
    ],
)
def test_twiml_mime_types_are_parsed(content_type: str):
    trace = run({VOICE: (200, content_type, SAY_HI.encode())})
    assert trace.work == [twiml.Say("hi", "man", "en-US", 1)]
    assert trace.end.reason == "end-of-document"


def test_plain_text_that_is_not_twiml_is_spoken_then_hangs_up():
    trace = run({VOICE: (200, "text/plain", b"Hello  there,\ncaller")})
    assert trace.work == [twiml.Say("Hello there, caller", "man", "en-US", 1)]
    assert trace.end == CallEnd("hangup")


def test_audio_is_played_then_hangs_up():
    trace = run({VOICE: (200, "audio/mpeg", b"ID3...")})
    assert trace.work == [twiml.Play(VOICE, 1, None)]
    assert trace.end == CallEnd("hangup")


@pytest.mark.parametrize(
    ("page", "code", "fragment"),
    [
        ((200, "application/json", b"{}"), 12300, "application/json"),
        ((500, "text/xml", SAY_HI.encode()), 11200, "status 500"),
        ((404, "text/html", b"nope"), 11200, "status 404"),
        ((200, "text/xml", b"  \n"), 11770, "Empty"),
        ((200, "text/xml", b"<Response>" + b" " * 70000 + b"</Response>"), 11750, "too large"),
        ((200, "text/xml", b"<Response><Say>x</Response>"), 12100, "line 1"),
        ((200, "text/xml", b"<Reply/>"), 12102, "Response"),
    ],
)
def test_voice_document_failures_without_fallback(page: Page, code: int, fragment: str):
    trace = run({VOICE: page})
    assert trace.codes == [code]
    notice = trace.of(Notify)[0].notice
    assert fragment in notice.message and notice.level == "error"
    assert trace.work == [twiml.Say(twiml.APPLICATION_ERROR, "woman", "en-US", 1)]
    assert trace.end.reason == "error" and trace.end.error.code == code


def test_transport_error_code_passes_through():
    gen = Interpreter(InitialRequest(url=VOICE)).run()
    assert isinstance(gen.send(None), Fetch)
    notify = gen.send(FetchResult(None, "", b"", 11205, VOICE))
    assert isinstance(notify, Notify) and notify.notice.code == 11205


FALLBACK = "https://backup.example.com/fallback"


def test_fallback_gets_error_code_and_url():
    request = InitialRequest(url=VOICE, fallback_url=FALLBACK, fallback_method="GET")
    trace = run({VOICE: (500, "text/html", b""), FALLBACK: SAY_HI}, request=request)
    fallback = trace.fetches[1]
    assert (fallback.url, fallback.method, fallback.purpose) == (FALLBACK, "GET", "fallback")
    assert fallback.params == (("ErrorCode", "11200"), ("ErrorUrl", VOICE))
    assert trace.work == [twiml.Say("hi", "man", "en-US", 1)]


def test_unparseable_voice_document_falls_back_with_12100():
    request = InitialRequest(url=VOICE, fallback_url=FALLBACK)
    trace = run({VOICE: "<Response><Say></Response>", FALLBACK: SAY_HI}, request=request)
    assert trace.fetches[1].params[0] == ("ErrorCode", "12100")


def test_failing_fallback_ends_the_call():
    request = InitialRequest(url=VOICE, fallback_url=FALLBACK)
    trace = run({}, request=request)
    assert trace.codes == [11200, 11200]
    assert trace.end.reason == "error"
    assert [f.purpose for f in trace.fetches] == ["voice", "fallback"]


def test_failing_action_document_does_not_use_the_fallback():
    request = InitialRequest(url=VOICE, fallback_url=FALLBACK)
    trace = run(
        {VOICE: voicemail()}, [Played(), RecordResult("RE1", RE_URL, 3.0, "#")], request=request
    )
    assert [f.purpose for f in trace.fetches] == ["voice", "action"]
    assert trace.end.error.code == 11200


# --- whisper documents ---------------------------------------------------------------------


def test_whisper_document_runs_say_and_gather():
    doc = '<Response><Gather numDigits="1"><Say>Press 1 to accept</Say></Gather></Response>'
    trace = run(doc, [GatherResult("", None)], whisper=True)
    assert trace.fetches[0].purpose == "whisper"
    assert isinstance(trace.work[0], twiml.Gather)


def test_dial_in_whisper_is_13201_without_application_error_speech():
    trace = run("<Response><Say>hi</Say><Dial>+14155551212</Dial></Response>", whisper=True)
    assert trace.codes == [13201]
    assert trace.work == [twiml.Say("hi", "man", "en-US", 1)]
    assert trace.end.reason == "error" and trace.end.error.code == 13201


def test_other_verbs_in_whisper_are_skipped_with_a_warning():
    trace = run("<Response><Record/><Say>hi</Say></Response>", whisper=True)
    assert trace.codes == [12200]
    assert trace.of(Notify)[0].notice.level == "warning"
    assert trace.work == [twiml.Say("hi", "man", "en-US", 1)]


def test_wrong_outcome_type_is_a_driver_bug():
    gen = Interpreter(InitialRequest(url=None, twiml=SAY_HI)).run()
    assert isinstance(gen.send(None), twiml.Say)
    with pytest.raises(TypeError, match="Say expects Played"):
        gen.send(GatherResult("", None))


# --- <Enqueue> and <Leave> -------------------------------------------------------------------

ENQUEUE = '<Response><Enqueue action="/ivr/left" waitUrl="/ivr/wait">support</Enqueue></Response>'
LEFT = "https://app.example.com/ivr/left"


def test_enqueue_asks_the_engine_then_posts_how_the_call_left():
    outcome = EnqueueResult("bridged", "QU1", 42)
    trace = run({VOICE: ENQUEUE, LEFT: THANKS}, [outcome])
    assert trace.work[0] == twiml.Enqueue(
        "support", "https://app.example.com/ivr/wait", "POST", line=1
    )
    action = trace.fetches[1]
    assert (action.url, action.purpose) == (LEFT, "action")
    assert action.params == (("QueueResult", "bridged"), ("QueueSid", "QU1"), ("QueueTime", "42"))
    assert trace.end == CallEnd("end-of-document")


def test_a_full_queue_posts_no_sid_nor_time():
    trace = run({VOICE: ENQUEUE, LEFT: THANKS}, [EnqueueResult("queue-full", None, None)])
    assert trace.fetches[1].params == (("QueueResult", "queue-full"),)


def test_a_redirected_member_requests_the_action_and_ends_its_document():
    trace = run({VOICE: ENQUEUE, LEFT: THANKS}, [EnqueueResult("redirected", "QU1", 5)])
    assert trace.fetches[1].params[0] == ("QueueResult", "redirected")
    assert trace.end.reason == "redirected"
    assert not trace.of(twiml.Say)  # the action's TwiML is not run


def test_leave_outside_a_wait_document_is_skipped_with_a_warning():
    trace = run("<Response><Leave/><Say>after</Say></Response>")
    assert trace.codes == [12200]
    assert trace.work == [twiml.Say("after", "man", "en-US", 1)]


def test_a_wait_document_ends_on_leave_and_refuses_other_verbs():
    request = InitialRequest(url=VOICE)
    gen = Interpreter(request, queue_wait=True).run()
    fetch = gen.send(None)
    assert isinstance(fetch, Fetch) and fetch.purpose == "wait"
    doc = "<Response><Say>Hold on</Say><Leave/></Response>"
    say = gen.send(FetchResult(200, "text/xml", doc.encode(), None, VOICE))
    assert isinstance(say, twiml.Say)
    with pytest.raises(StopIteration) as stop:
        gen.send(Played())
    assert stop.value.value.reason == "leave"
    gen = Interpreter(request, queue_wait=True).run()
    gen.send(None)
    notify = gen.send(FetchResult(200, "text/xml", b"<Response><Record/></Response>", None, VOICE))
    assert isinstance(notify, Notify) and notify.notice.code == 13238
