"""Build ``<Dial>`` and its nouns (``<Number>``, ``<Client>``, ``<Sip>``, ``<Conference>``)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from twiml import verbs as v
from twiml.commands import ConferenceOptions, DialTarget, Level, Notice
from twiml.elements import Element, body_of, children, line_of
from twiml.schema import ELEMENTS, NOT_SIMULATED, SCHEMA_WARNING
from twiml.validate import AttributeReader

if TYPE_CHECKING:
    from twiml.build import DocumentBuilder

_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_PHONE = re.compile(r"^\+?[0-9]{1,15}$")
_CALLER_ID = re.compile(r"^(\+?[0-9]{1,15}|client:\S{1,256}|[A-Za-z0-9+\-_.]{1,64})$")
_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
MAX_DIAL_TARGETS = 10
NOT_DIALLABLE = 13224
INVALID_NESTED = 13215
CONFERENCE_MIXED = 13000
MAX_IDENTITY = 256


#: (too short, too long) codes of a queue name, by where it is written
QUEUE_NAME_CODES = {"Enqueue": (14204, 14205), "Dial/Queue": (14212, 14213)}
MAX_QUEUE_NAME = 64


def queue_name_notice(
    reader: AttributeReader, name: str, where: str, codes: tuple[int, int]
) -> None:
    """A queue name is 1 to 64 characters (errors with Twilio's codes otherwise)."""
    if not name:
        reader.notice(codes[0], f"{where}: queue name too short (empty)", "error")
    elif len(name) > MAX_QUEUE_NAME:
        reader.notice(
            codes[1],
            f"{where}: queue name too long ({len(name)} characters; {MAX_QUEUE_NAME} at most)",
            "error",
        )


class DialBuilder:
    def __init__(self, document: DocumentBuilder) -> None:
        self.document = document
        self.fatal: Notice | None = None

    def _note(self, code: int, message: str, element: Element, level: Level = "warning") -> None:
        notice = self.document.notice(code, message, element, level)
        if notice.level == "error" and self.fatal is None:
            self.fatal = notice

    def _close(self, reader: AttributeReader) -> None:
        fatal = self.document.close(reader)
        if self.fatal is None:
            self.fatal = fatal

    def dial(self, element: Element) -> v.Dial:
        reader = self.document.reader("Dial", element)
        caller_id = reader.text("callerId")
        if caller_id is not None and not _CALLER_ID.match(caller_id):
            reader.notice(13214, f"<Dial> callerId={caller_id!r} is invalid; using default none")
            caller_id = None
        dial = v.Dial(
            targets=(),
            action=reader.url("action") or None,
            method=reader.method("method"),
            timeout=reader.integer("timeout"),
            time_limit=reader.integer("timeLimit"),
            caller_id=caller_id,
            record=reader.choice("record"),
            trim=reader.choice("trim"),
            **reader.recording_callback(),
            recording_track=reader.choice("recordingTrack"),
            hangup_on_star=reader.flag("hangupOnStar"),
            answer_on_bridge=reader.flag("answerOnBridge"),
            sequential=reader.flag("sequential"),
            line=line_of(element),
        )
        self._close(reader)  # the verb's own notices come before its nouns'
        dial = replace(dial, targets=self.targets(element))
        if not dial.targets and self.fatal is None:
            self._note(INVALID_NESTED, "<Dial> has nothing to dial", element)
        return dial if self.fatal is None else replace(dial, fatal=self.fatal)

    def targets(self, element: Element) -> tuple[DialTarget, ...]:
        nouns = list(children(element))
        if not nouns:
            text = body_of(element)
            return (self._number_target(text, element, None),) if text else ()
        targets: list[DialTarget] = []
        for noun in nouns:
            target = self.noun(noun)
            if target is not None:
                targets.append(target)
        return self._limit(targets, element)

    def _limit(self, targets: list[DialTarget], element: Element) -> tuple[DialTarget, ...]:
        queues = [t for t in targets if t.kind == "queue"]
        if queues:
            if len(queues) != len(targets):
                self._note(
                    INVALID_NESTED,
                    "<Queue> cannot be mixed with other nouns; only the first <Queue> is used",
                    element,
                )
            return (queues[0],)
        conferences = [t for t in targets if t.kind == "conference"]
        if conferences and len(conferences) != len(targets):
            self._note(
                CONFERENCE_MIXED,
                "Conference Noun cannot be mixed with Number nouns; only the <Conference> is used",
                element,
            )
        if len(conferences) > 1:
            self._note(
                INVALID_NESTED,
                "<Dial> holds more than one <Conference>; the first is used",
                element,
            )
        if conferences:
            return (conferences[0],)
        if len(targets) > MAX_DIAL_TARGETS:
            self._note(
                INVALID_NESTED,
                f"<Dial> holds {len(targets)} nouns; only the first {MAX_DIAL_TARGETS} are dialled",
                element,
            )
        return tuple(targets[:MAX_DIAL_TARGETS])

    def noun(self, noun: Element) -> DialTarget | None:
        name = str(noun.tag)
        spec = ELEMENTS.get(f"Dial/{name}")
        if spec is None:
            self._note(INVALID_NESTED, f"<Dial> cannot contain <{name}>; ignored", noun)
            return None
        if not spec.supported:
            self._note(
                spec.code or SCHEMA_WARNING,
                f"<Dial><{name}> is not simulated by simtel",
                noun,
                spec.level,
            )
            return None
        if name == "Number":
            return self._number_target(body_of(noun), noun, noun)
        if name == "Conference":
            return self._conference(noun)
        if name == "Queue":
            return self._queue(noun)
        return self._party(noun, name)

    def _progress(self, reader: AttributeReader, kind: str, address: str) -> DialTarget:
        digits = reader.keys("sendDigits") if kind == "number" else None
        return DialTarget(
            kind="number" if kind == "number" else "client" if kind == "client" else "sip",
            address=address,
            url=reader.url("url") or None,
            method=reader.method("method"),
            send_digits=digits,
            **reader.status_callback(),
        )

    def _number_target(self, text: str, element: Element, noun: Element | None) -> DialTarget:
        reader = self.document.reader("Dial/Number", noun if noun is not None else element)
        if noun is None:
            reader = AttributeReader(ELEMENTS["Dial/Number"], {}, reader.line, reader.base_url)
        number = _PHONE_SEPARATORS.sub("", text)
        if not _PHONE.match(number):
            reader.notice(
                NOT_DIALLABLE,
                f"cannot dial {text!r}: Twilio does not support calling "
                "this number or the number is invalid",
                "error",
            )
        target = self._progress(reader, "number", number)
        self._close(reader)
        return target

    def _party(self, noun: Element, name: str) -> DialTarget | None:
        reader = self.document.reader(f"Dial/{name}", noun)
        address = body_of(noun)
        if name == "Client":
            identity = [body_of(c) for c in children(noun) if c.tag == "Identity"]
            address = identity[0] if identity else address
            if not address or len(address) > MAX_IDENTITY:
                reader.notice(
                    INVALID_NESTED,
                    f"<Client> identity {address!r} is empty or longer "
                    f"than {MAX_IDENTITY} characters; not dialled",
                )
                self._close(reader)
                return None
        elif not address.startswith(("sip:", "sips:")):
            reader.notice(13243, f"<Sip> {address!r} is not a SIP URI; not dialled")
            self._close(reader)
            return None
        target = self._progress(reader, name.lower(), address)
        self._close(reader)
        return target

    def _conference(self, noun: Element) -> DialTarget | None:
        reader = self.document.reader("Dial/Conference", noun)
        name = body_of(noun)
        coach = reader.text("coach")
        if coach is not None and not _CALL_SID.match(coach):
            reader.notice(13240, f"<Conference> coach={coach!r} is not a Call SID", "error")
        label = reader.text("participantLabel")
        if label is not None and (len(label) > 128 or "/" in label):
            reader.notice(
                16023,
                "Conference: Participant label invalid (max 128 chars, not CallSid, no '/')",
                "error",
            )
        options = ConferenceOptions(
            muted=reader.flag("muted"),
            beep=reader.choice("beep"),
            start_conference_on_enter=reader.flag("startConferenceOnEnter"),
            end_conference_on_exit=reader.flag("endConferenceOnExit"),
            participant_label=label,
            wait_url=reader.url("waitUrl"),
            wait_method=reader.method("waitMethod"),
            max_participants=reader.integer("maxParticipants"),
            record=reader.choice("record"),
            trim=reader.choice("trim"),
            region=reader.optional_choice("region"),
            coach=coach,
            **reader.status_callback(),
            **reader.recording_callback(),
        )
        if not name:
            reader.notice(13237, "<Conference> has no name; not joined")
        self._close(reader)
        if not name:
            return None
        return DialTarget("conference", name, None, "POST", None, None, (), "POST", options)

    def _queue(self, noun: Element) -> DialTarget | None:
        reader = self.document.reader("Dial/Queue", noun)
        name = body_of(noun)
        queue_name_notice(reader, name, "Dial->Queue", QUEUE_NAME_CODES["Dial/Queue"])
        for attribute in ("reservationSid", "postWorkActivitySid"):
            if reader.text(attribute) is not None:
                reader.notice(
                    NOT_SIMULATED,
                    f"<Queue {attribute}> belongs to TaskRouter, which simtel does not simulate",
                    "error",
                )
        target = DialTarget(
            "queue",
            name,
            reader.url("url") or None,
            reader.method("method"),
            None,
            None,
            (),
            "POST",
        )
        self._close(reader)
        return target
