"""Whatever the documents and outcomes, the interpreter ends with a CallEnd and never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from twiml import (
    Ack,
    CallEnd,
    Dial,
    DialResult,
    Enqueue,
    EnqueueResult,
    Fetch,
    FetchResult,
    Gather,
    GatherResult,
    InitialRequest,
    Interpreter,
    Notify,
    Pause,
    Play,
    Played,
    Record,
    RecordResult,
    Say,
    StartRecording,
    StopRecording,
)
from twiml.schema import ELEMENTS

URL = "https://app.example.com/voice"
NAMES = sorted({path.rsplit("/", 1)[-1] for path in ELEMENTS} | {"Foo", "say", "Identity"})
ATTRIBUTES = sorted({a.name for spec in ELEMENTS.values() for a in spec.attributes} | {"bogus"})
VALUES = st.sampled_from(
    [
        "true",
        "false",
        "0",
        "5",
        "-1",
        "99999",
        "#",
        "",
        "x y",
        "/rel",
        "http://h/p",
        "GET",
        "post",
        "http://[::1",
        "http://h:99999/",
        "sip:a@b",
        "completed",
        "in-progress",
        "record-from-answer",
        "dual",
        "CA" + "a" * 32,
    ]
) | st.text(max_size=8)
TEXT = st.sampled_from(["", "+14155551212", "hello", "sip:a@b.c", "/a.mp3", "room"]) | st.text(
    max_size=10
)


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    element = etree.Element(draw(st.sampled_from(NAMES)))
    for name in draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=4, unique=True)):
        element.set(name, _xml_safe(draw(VALUES)))
    element.text = _xml_safe(draw(TEXT))
    if depth < 2:
        for child in draw(st.lists(elements(depth + 1), max_size=3)):
            element.append(child)
    return element


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or (" " <= ch < "\ud800"))


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    root = etree.Element(draw(st.sampled_from(["Response", "Response", "Response", "Reply"])))
    for child in draw(st.lists(elements(), max_size=5)):
        root.append(child)
    return etree.tostring(root)


BODIES = documents() | st.binary(max_size=64)
CONTENT_TYPES = st.sampled_from(
    ["text/xml", "application/xml", "text/plain", "audio/mpeg", "application/json", ""]
)


def outcome_for(command: object, data: st.DataObject, late: bool) -> object:
    hangup = late or data.draw(st.booleans())
    if isinstance(command, Say | Play | Pause):
        return Played(hangup=hangup)
    if isinstance(command, Gather):
        digits = data.draw(st.sampled_from(["", "1", "12#"]))
        return GatherResult(digits, data.draw(st.sampled_from([None, "#"])), hangup)
    if isinstance(command, Record):
        digits = data.draw(st.sampled_from(["", "#", "hangup"]))
        duration = data.draw(st.sampled_from([0.0, 0.4, 3.0]))
        return RecordResult("RE1", "https://api/RE1", duration, digits, hangup)
    if isinstance(command, Dial):
        status = data.draw(st.sampled_from(["completed", "busy", "no-answer", "answered"]))
        return DialResult(status, "CA1", 3, status == "completed", None, None, hangup)
    if isinstance(command, Enqueue):
        result = data.draw(st.sampled_from(["bridged", "queue-full", "leave", "redirected"]))
        return EnqueueResult(result, "QU1", 4, hangup)  # type: ignore[arg-type]
    assert isinstance(command, Notify | StartRecording | StopRecording)
    return Ack()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), inline=st.booleans())
def test_any_document_and_outcomes_end_with_a_call_end(data: st.DataObject, inline: bool):
    whisper = data.draw(st.booleans())
    if inline:
        body = data.draw(documents()).decode()
        request = InitialRequest(url=None, twiml=body)
    else:
        request = InitialRequest(url=URL, fallback_url=data.draw(st.sampled_from([None, URL])))
    gen = Interpreter(request, whisper=whisper).run()
    outcome: object = None
    for step in range(3000):
        try:
            command = gen.send(outcome)  # type: ignore[arg-type]
        except StopIteration as stop:
            assert isinstance(stop.value, CallEnd)
            return
        if isinstance(command, Fetch):
            assert command.url.startswith("http")
            status = data.draw(st.sampled_from([200, 200, 200, 500]))
            body = data.draw(BODIES)
            outcome = FetchResult(status, data.draw(CONTENT_TYPES), body, None, command.url)
        else:
            outcome = outcome_for(command, data, late=step > 1000)
    raise AssertionError("the call never ended")
