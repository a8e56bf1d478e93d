"""Parsing and validation: Twilio's codes, lines and defaults for each verb."""

from __future__ import annotations

import pytest
from twilio.twiml.voice_response import Gather, Recording, Start, Stop, VoiceResponse

from twiml import Notice, TwiMLError, parse
from twiml import verbs as v
from twiml.commands import SpeechOptions

URL = "https://app.example.com/voice"


def single(body: str) -> tuple[v.Verb, tuple[Notice, ...]]:
    document = parse(f"<Response>{body}</Response>", URL)
    assert len(document.verbs) == 1, document.verbs
    return document.verbs[0], document.notices


def codes(notices: tuple[Notice, ...]) -> list[int]:
    return [notice.code for notice in notices]


# --- documents that cannot run -------------------------------------------------------------


def test_not_well_formed_is_12100_with_lxml_line():
    with pytest.raises(TwiMLError) as caught:
        parse("<Response>\n  <Say>hello\n</Response>", URL)
    notice = caught.value.notice
    assert (notice.code, notice.level, notice.line, notice.url) == (12100, "error", 3, URL)
    assert "line 3" in notice.message


@pytest.mark.parametrize(
    "body",
    [
        '  <?xml version="1.0"?><Response/>',  # whitespace before the declaration
        "<Response><Say>unclosed</Response>",
        "<Response><Say loop=2>x</Say></Response>",  # unquoted attribute
        "<Response><Say><Play></Say></Play></Response>",
        "",
        b"\x00\xff\xfe",
    ],
)
def test_malformed_documents_are_12100(body: str | bytes):
    with pytest.raises(TwiMLError) as caught:
        parse(body, URL)
    assert caught.value.notice.code == 12100


def test_doctype_is_refused_so_xxe_and_entity_bombs_cannot_work(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<Response><Say>&x;</Say></Response>"
    )
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "]><Response><Say>&h;</Say></Response>"
    )
    for body in (xxe, laughs):
        with pytest.raises(TwiMLError) as caught:
            parse(body, URL)
        assert caught.value.notice.code == 12100
        assert "TOP-SECRET" not in caught.value.notice.message


@pytest.mark.parametrize("body", ["<Reply/>", "<response/>", '<t:Response xmlns:t="urn:x"/>'])
def test_wrong_root_is_12102(body: str):
    with pytest.raises(TwiMLError) as caught:
        parse(body, URL)
    assert (caught.value.notice.code, caught.value.notice.line) == (12102, 1)


def test_bad_version_is_12101_and_good_versions_pass():
    with pytest.raises(TwiMLError) as caught:
        parse('<Response version="3.0"/>', URL)
    assert caught.value.notice.code == 12101
    assert parse('<Response version="2010-04-01"/>', URL).verbs == ()


# --- notices -------------------------------------------------------------------------------


def test_unknown_verb_and_case_sensitivity_give_12200_and_are_skipped():
    document = parse("<Response>\n<say>x</say>\n<Foo/>\n<Hangup/></Response>", URL)
    assert document.verbs == (v.Hangup(line=4),)
    assert [(n.code, n.line, n.level) for n in document.notices] == [
        (12200, 2, "warning"),
        (12200, 3, "warning"),
    ]
    assert "<say>" in document.notices[0].message


def test_unknown_attribute_is_named_in_a_12200_warning():
    verb, notices = single('<Say colour="blue">hi</Say>')
    assert isinstance(verb, v.Say) and verb.text == "hi"
    assert codes(notices) == [12200] and "'colour'" in notices[0].message


def test_attribute_simtel_ignores_is_announced():
    verb, notices = single('<Dial ringTone="uk">+14155551212</Dial>')
    assert codes(notices) == [12200]
    assert "not simulated" in notices[0].message and verb.fatal is None


@pytest.mark.parametrize(
    ("body", "code", "field", "default"),
    [
        ('<Say loop="-1">x</Say>', 13510, "loop", 1),
        ('<Say voice="robot">x</Say>', 13511, "voice", "man"),
        ('<Play loop="x">u.mp3</Play>', 13410, "loop", 1),
        ('<Play digits="12z">u.mp3</Play>', 13430, "digits", None),
        ('<Pause length="0"/>', 13910, "length", 1),
        ('<Pause length="1.5"/>', 13910, "length", 1),
        ('<Gather timeout="soon"/>', 13313, "timeout", 5),
        ('<Gather finishOnKey="x"/>', 13310, "finish_on_key", "#"),
        ('<Gather numDigits="0"/>', 13314, "num_digits", None),
        ('<Gather method="PUT"/>', 13312, "method", "POST"),
        ('<Gather input="telepathy"/>', 13326, "input", "dtmf"),
        ('<Record timeout="-3"/>', 13611, "timeout", 5),
        ('<Record maxLength="0"/>', 13612, "max_length", 3600),
        ('<Record finishOnKey="a"/>', 13613, "finish_on_key", "1234567890*#"),
        ('<Record playBeep="yes"/>', 13616, "play_beep", True),
        ('<Record trim="sometimes"/>', 13699, "trim", "trim-silence"),
        ('<Record transcribe="maybe"/>', 13614, "transcribe", False),
        ('<Record method="DELETE"/>', 13610, "method", "POST"),
        ('<Record recordingStatusCallback="ftp://x/y"/>', 13256, "recording_status_callback", None),
        ('<Dial record="always">1</Dial>', 13217, "record", "do-not-record"),
        ('<Dial hangupOnStar="1">1</Dial>', 13213, "hangup_on_star", False),
        ('<Dial timeLimit="0">1</Dial>', 13216, "time_limit", 14400),
        ('<Dial method="PATCH">1</Dial>', 13210, "method", "POST"),
        ('<Dial callerId="not a number!">1</Dial>', 13214, "caller_id", None),
        ('<Dial answerOnBridge="on">1</Dial>', 13219, "answer_on_bridge", False),
        ('<Dial sequential="on">1</Dial>', 13218, "sequential", False),
        ('<Dial recordingTrack="left">1</Dial>', 13622, "recording_track", "both"),
        ('<Redirect method="PUT">/x</Redirect>', 13710, "method", "POST"),
        ('<Reject reason="angry"/>', 13810, "reason", "rejected"),
    ],
)
def test_invalid_values_warn_with_their_code_and_use_the_default(body, code, field, default):
    verb, notices = single(body)
    assert codes(notices) == [code]
    assert notices[0].level == "warning" and notices[0].line == 1
    assert "using default" in notices[0].message
    assert getattr(verb, field) == default
    assert verb.fatal is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('<Record recordingStatusCallbackEvent="in-progress finished"/>', 13621),
        ('<Dial recordingStatusCallbackEvent="done">1</Dial>', 13621),
        ('<Record transcribe="true" transcribeCallback="gopher://x"/>', 13257),
        ('<Gather actionOnEmptyResult="sometimes"/>', 13338),
        ("<Dial><Number>call-me-maybe</Number></Dial>", 13224),
        ('<Dial><Conference endConferenceOnExit="yes">r</Conference></Dial>', 13231),
        ('<Dial><Conference trim="x">r</Conference></Dial>', 13239),
        ('<Dial><Conference coach="CA1">r</Conference></Dial>', 13240),
        ('<Dial><Queue reservationSid="WR1">support</Queue></Dial>', 13750),
        ('<Enqueue workflowSid="WW1">support</Enqueue>', 13750),
        ("<Enqueue></Enqueue>", 14204),
        (f"<Enqueue>{'q' * 65}</Enqueue>", 14205),
        ("<Dial><Queue></Queue></Dial>", 14212),
        ("<Start><Banana/></Start>", 14300),
    ],
)
def test_error_level_problems_make_the_verb_fatal(body: str, code: int):
    verb, notices = single(body)
    assert verb.fatal is not None and verb.fatal.code == code
    assert verb.fatal.level == "error" and code in codes(notices)


def test_events_accept_spaces_commas_and_drop_duplicates():
    verb, notices = single(
        '<Record recordingStatusCallbackEvent="in-progress,completed absent completed"/>'
    )
    assert verb.recording_status_callback_event == ("in-progress", "completed", "absent")
    assert notices == ()


def test_gather_nested_verb_speech_and_ssml():
    response = VoiceResponse()
    gather = Gather(input="dtmf speech")
    say = gather.say("Hello ")
    say.emphasis("there", level="strong")
    gather.append(VoiceResponse().hangup())
    response.append(gather)
    document = parse(str(response), URL)
    (verb,), notices = document.verbs, document.notices
    assert isinstance(verb, v.Gather)
    assert verb.prompts == (v.Say("Hello there", "man", "en-US", 1, line=1),)
    assert codes(notices) == [13320]  # speech input is simulated: no 12200 any more


def test_gather_speech_attributes_are_read():
    doc = (
        '<Response><Gather input="speech" timeout="3" speechTimeout="auto" hints="billing, '
        'sales,,support" language="fr-FR" speechModel="phone_call" enhanced="true" '
        'profanityFilter="false" partialResultCallback="/partial" bargeIn="false" '
        'maxSpeechTime="90"/></Response>'
    )
    document = parse(doc, URL)
    (verb,), notices = document.verbs, document.notices
    assert isinstance(verb, v.Gather) and verb.speech is not None
    speech = verb.speech
    assert speech.speech_timeout is None and speech.hints == ("billing", "sales", "support")
    assert (speech.language, speech.speech_model) == ("fr-FR", "phone_call")
    assert speech.enhanced and not speech.profanity_filter and not speech.barge_in
    assert speech.partial_result_callback == "https://app.example.com/partial"
    assert speech.max_speech_time == 60  # clamped to Twilio's 60, with its warning
    assert codes(notices) == [13328]


@pytest.mark.parametrize(("value", "expected"), [(None, 7.0), ("2", 2.0), ("soon", 7.0)])
def test_gather_speech_timeout_defaults_to_timeout(value, expected):
    attribute = "" if value is None else f' speechTimeout="{value}"'
    document = parse(f'<Response><Gather input="speech" timeout="7"{attribute}/></Response>', URL)
    (verb,) = document.verbs
    assert isinstance(verb, v.Gather) and verb.speech is not None
    assert verb.speech.speech_timeout == expected
    assert codes(document.notices) == ([13327] if value == "soon" else [])


def test_start_stop_recording_nouns_and_side_channel_nouns():
    response = VoiceResponse()
    start = Start()
    start.recording(channels="mono", track="inbound", recording_status_callback="/rs")
    start.stream(url="wss://x")
    response.append(start)
    stop = Stop()
    stop.append(Recording())
    response.append(stop)
    document = parse(str(response), URL)
    assert document.verbs == (
        v.StartRecording(
            None,
            "https://app.example.com/rs",
            "POST",
            ("completed",),
            "trim-silence",
            "inbound",
            "mono",
            line=1,
        ),
        v.StopRecording(None, line=1),
    )
    assert codes(document.notices) == [12200]


# --- defaults of the simple verbs ------------------------------------------------------------


def test_simple_verb_defaults():
    document = parse(
        "<Response><Say>a</Say><Play>/a.mp3</Play><Pause/><Redirect>/n</Redirect>"
        "<Reject/><Hangup/></Response>",
        URL,
    )
    assert document.verbs == (
        v.Say("a", "man", "en-US", 1, line=1),
        v.Play("https://app.example.com/a.mp3", 1, None, line=1),
        v.Pause(1, line=1),
        v.Redirect("https://app.example.com/n", "POST", line=1),
        v.Reject("rejected", line=1),
        v.Hangup(line=1),
    )
    assert document.notices == ()


def test_gather_defaults():
    verb, _ = single("<Gather/>")
    speech = SpeechOptions(speech_timeout=5.0)
    assert verb == v.Gather((), URL, "POST", 5, "#", None, "dtmf", False, line=1, speech=speech)


def test_dial_noun_limits():
    numbers = "".join(f"<Number>+1415555{i:04d}</Number>" for i in range(12))
    verb, notices = single(f"<Dial>{numbers}</Dial>")
    assert len(verb.targets) == 10 and codes(notices) == [13215]
    verb, notices = single("<Dial><Number>+1</Number><Conference>r</Conference></Dial>")
    assert [t.kind for t in verb.targets] == ["conference"] and codes(notices) == [13000]
    verb, notices = single("<Dial><Sip>bob@example.com</Sip></Dial>")
    assert verb.targets == () and codes(notices) == [13243, 13215]


def test_say_character_limit_and_empty_text():
    document = parse(f"<Response><Say>{'a' * 4097}</Say><Say> </Say></Response>", URL)
    assert codes(document.notices) == [13521, 13520]
    assert len(document.verbs) == 1


@pytest.mark.parametrize("url", ["sip:bob@example.com", "http://[::1/x", "http://h:99999/", "a b"])
def test_bad_urls_in_bodies_are_11100_errors(url: str):
    verb, notices = single(f"<Redirect>{url}</Redirect>")
    assert verb.fatal is not None and verb.fatal.code == 11100 and codes(notices) == [11100]


def test_bad_url_attribute_warns_and_drops_the_callback():
    verb, notices = single('<Record recordingStatusCallback="http://[::1/cb"/>')
    assert verb.recording_status_callback is None and codes(notices) == [13256]


# --- the document cache ---------------------------------------------------------------------


def test_the_same_body_and_url_give_the_same_document_with_its_notices():
    body = '<Response><Say loop="banana">Hi</Say></Response>'
    first, again = parse(body, URL), parse(body.encode(), URL)
    assert again is first and codes(again.notices) == [13510]
    elsewhere = parse(body, "https://other.example.com/voice")
    assert elsewhere is not first and elsewhere.notices[0].url == "https://other.example.com/voice"
    inline = parse(body, None)
    assert inline is not first and inline.notices[0].url is None


def test_a_document_that_cannot_run_raises_every_time():
    for _ in range(2):
        with pytest.raises(TwiMLError) as caught:
            parse("<Response><Say>unclosed</Response>", URL)
        assert caught.value.notice.code == 12100
