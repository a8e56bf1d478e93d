"""Build typed verbs (:mod:`twiml.verbs`) from lxml elements, collecting notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from twiml import verbs as v
from twiml.build_dial import QUEUE_NAME_CODES, DialBuilder, queue_name_notice
from twiml.commands import Level, Notice, SpeechOptions
from twiml.elements import Element, body_of, children, line_of
from twiml.schema import ELEMENTS, NOT_SIMULATED, SCHEMA_WARNING
from twiml.validate import AttributeReader

V = TypeVar("V", bound=v.Verb)
_VOICE_PREFIXES = ("Polly.", "Google.")
_BASIC_VOICES = ("man", "woman", "alice")
_SAY_LIMITS = {"Polly.": 3000, "Google.": 5000}
_BASIC_SAY_LIMIT = 4096
START_BAD_NOUN = 14300


class DocumentBuilder:
    """Turns the children of ``<Response>`` into verbs; notices land in :attr:`notices`."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.notices: list[Notice] = []
        self._builders: dict[str, Callable[[Element], list[v.Verb]]] = {
            "Say": lambda el: _some(self.say(el)),
            "Play": lambda el: _some(self.play(el)),
            "Pause": lambda el: [self.pause(el)],
            "Gather": lambda el: [self.gather(el)],
            "Record": lambda el: [self.record(el)],
            "Dial": lambda el: [self.dial(el)],
            "Start": self.start,
            "Stop": self.stop,
            "Redirect": lambda el: [self.redirect(el)],
            "Reject": lambda el: [self.reject(el)],
            "Hangup": lambda el: [self.hangup(el)],
            "Enqueue": lambda el: [self.enqueue(el)],
            "Leave": lambda el: [self.leave(el)],
        }

    # --- helpers ---------------------------------------------------------------------------

    def notice(self, code: int, message: str, element: Element, level: Level = "warning") -> Notice:
        notice = Notice(code, level, message, line_of(element), self.url)
        self.notices.append(notice)
        return notice

    def reader(self, path: str, element: Element) -> AttributeReader:
        attrs = {str(key): str(value) for key, value in element.attrib.items()}
        return AttributeReader(ELEMENTS[path], attrs, line_of(element), self.url)

    def close(self, reader: AttributeReader, *inner: Notice | None) -> Notice | None:
        """File the reader's notices; return the first error (the verb's ``fatal``)."""
        self.notices.extend(reader.notices)
        errors = [n for n in reader.notices if n.level == "error"]
        return errors[0] if errors else next((n for n in inner if n is not None), None)

    def no_children(self, element: Element) -> None:
        for child in children(element):
            self.notice(
                SCHEMA_WARNING, f"<{element.tag}> cannot contain <{child.tag}>; ignored", child
            )

    # --- the document ------------------------------------------------------------------

    def verbs(self, root: Element) -> tuple[v.Verb, ...]:
        out: list[v.Verb] = []
        for element in children(root):
            name = str(element.tag)
            build = self._builders.get(name)
            spec = ELEMENTS.get(name)
            if build is not None:
                out.extend(build(element))
            elif spec is not None and not spec.supported and "/" not in spec.path:
                fatal = self.notice(
                    spec.code or 0, f"<{name}> is not simulated by simtel", element, spec.level
                )
                out.append(v.Unsupported(name, line_of(element), fatal))
            else:
                self.notice(SCHEMA_WARNING, f"unknown verb <{name}>; skipped", element)
        return tuple(out)

    # --- media verbs -------------------------------------------------------------------

    def say(self, element: Element) -> v.Say | None:
        reader = self.reader("Say", element)
        text = " ".join("".join(str(part) for part in element.itertext()).split())
        voice = reader.text("voice") or "man"
        if voice not in _BASIC_VOICES and not voice.startswith(_VOICE_PREFIXES):
            reader.notice(13511, f"<Say> voice={voice!r} is invalid; using default 'man'")
            voice = "man"
        say = v.Say(
            text,
            voice,
            reader.text("language") or "en-US",
            reader.integer("loop"),
            line_of(element),
        )
        limit = next((n for p, n in _SAY_LIMITS.items() if voice.startswith(p)), _BASIC_SAY_LIMIT)
        if not text:
            reader.notice(13520, "<Say> has no text; skipped")
        elif len(text) > limit:
            reader.notice(13521, f"<Say> text has {len(text)} characters; the limit is {limit}")
        self.close(reader)
        return say if text else None

    def play(self, element: Element) -> v.Play | None:
        reader = self.reader("Play", element)
        self.no_children(element)
        raw = body_of(element)
        url = reader.resolve(raw) if raw else None
        play = v.Play(url, reader.integer("loop"), reader.keys("digits"), line_of(element))
        if not raw and play.digits is None:
            reader.notice(SCHEMA_WARNING, "<Play> has neither a URL nor digits; skipped")
            self.close(reader)
            return None
        return with_fatal(play, self.close(reader))

    def pause(self, element: Element) -> v.Pause:
        reader = self.reader("Pause", element)
        self.no_children(element)
        pause = v.Pause(reader.integer("length"), line_of(element))
        return with_fatal(pause, self.close(reader))

    def gather(self, element: Element) -> v.Gather:
        reader = self.reader("Gather", element)
        prompts: list[v.Prompt] = []
        for child in children(element):
            built = {"Say": self.say, "Play": self.play, "Pause": self.pause}.get(str(child.tag))
            if built is None:
                self.notice(13320, f"<Gather> cannot contain <{child.tag}>; ignored", child)
                continue
            prompt = built(child)
            if prompt is not None:
                prompts.append(prompt)
        input_ = reader.choice("input")
        timeout = reader.integer("timeout")
        gather = v.Gather(
            prompts=tuple(prompts),
            action=reader.url("action") or self.url,
            method=reader.method("method"),
            timeout=timeout,
            finish_on_key=reader.keys("finishOnKey") or "",
            num_digits=reader.optional_integer("numDigits"),
            input=input_,
            action_on_empty_result=reader.flag("actionOnEmptyResult"),
            line=line_of(element),
            speech=speech_options(reader, float(timeout)),
        )
        fatal = self.close(reader, *(prompt.fatal for prompt in prompts))
        return with_fatal(gather, fatal)

    # --- recording verbs ---------------------------------------------------------------

    def record(self, element: Element) -> v.Record:
        reader = self.reader("Record", element)
        self.no_children(element)
        transcribe = reader.flag("transcribe")
        max_length = reader.integer("maxLength")
        if transcribe and "maxLength" not in reader.attrs:
            max_length = 120  # Twilio's default for a transcribed recording
        elif transcribe and max_length > 120:
            reader.notice(
                13615,
                f"<Record> maxLength={max_length} is too high for transcription (120 s at most)",
            )
        callback = reader.url("transcribeCallback") or None
        if callback is not None and not transcribe:
            reader.notice(SCHEMA_WARNING, "<Record> transcribeCallback needs transcribe='true'")
        record = v.Record(
            action=reader.url("action") or self.url,
            method=reader.method("method"),
            timeout=reader.integer("timeout"),
            finish_on_key=reader.keys("finishOnKey") or "",
            max_length=max_length,
            play_beep=reader.flag("playBeep"),
            trim=reader.choice("trim"),
            **reader.recording_callback(),
            transcribe=transcribe,
            transcribe_callback=callback,
            line=line_of(element),
        )
        return with_fatal(record, self.close(reader))

    def dial(self, element: Element) -> v.Dial:
        return DialBuilder(self).dial(element)

    def start(self, element: Element) -> list[v.Verb]:
        return self._recording_nouns(element, "Start")

    def stop(self, element: Element) -> list[v.Verb]:
        return self._recording_nouns(element, "Stop")

    def _recording_nouns(self, element: Element, verb: str) -> list[v.Verb]:
        reader = self.reader(verb, element)
        self.close(reader)
        out: list[v.Verb] = []
        for child in children(element):
            name = str(child.tag)
            spec = ELEMENTS.get(f"{verb}/{name}")
            if name == "Recording":
                out.append(self._recording(child, verb))
            elif spec is not None:
                self.notice(
                    spec.code or SCHEMA_WARNING,
                    f"<{verb}><{name}> is not simulated by simtel; ignored",
                    child,
                )
            else:
                fatal = self.notice(
                    START_BAD_NOUN, f"<{verb}> cannot contain <{name}>", child, "error"
                )
                out.append(v.Unsupported(verb, line_of(child), fatal))
        if not out and not any(True for _ in children(element)):
            self.notice(SCHEMA_WARNING, f"<{verb}> has no noun; skipped", element)
        return out

    def _recording(self, element: Element, verb: str) -> v.Verb:
        reader = self.reader(f"{verb}/Recording", element)
        self.no_children(element)
        if verb == "Stop":
            stop = v.StopRecording(reader.text("name"), line_of(element))
            return with_fatal(stop, self.close(reader))
        start = v.StartRecording(
            name=reader.text("name"),
            **reader.recording_callback(),
            trim=reader.choice("trim"),
            track=reader.choice("track"),
            channels=reader.choice("channels"),
            line=line_of(element),
        )
        return with_fatal(start, self.close(reader))

    # --- flow verbs --------------------------------------------------------------------

    def redirect(self, element: Element) -> v.Redirect:
        reader = self.reader("Redirect", element)
        self.no_children(element)
        raw = body_of(element)
        url = reader.resolve(raw) if raw else self.url
        if url is None and not raw:
            reader.notice(11100, "<Redirect> has no URL and there is no document URL", "error")
        redirect = v.Redirect(url, reader.method("method"), line_of(element))
        return with_fatal(redirect, self.close(reader))

    def reject(self, element: Element) -> v.Reject:
        reader = self.reader("Reject", element)
        self.no_children(element)
        reject = v.Reject(reader.choice("reason"), line_of(element))
        return with_fatal(reject, self.close(reader))

    def hangup(self, element: Element) -> v.Hangup:
        reader = self.reader("Hangup", element)
        self.no_children(element)
        return v.Hangup(line_of(element), self.close(reader))

    # --- queues ------------------------------------------------------------------------

    def enqueue(self, element: Element) -> v.Enqueue:
        reader = self.reader("Enqueue", element)
        self.no_children(element)
        name = body_of(element)
        queue_name_notice(reader, name, "Enqueue", QUEUE_NAME_CODES["Enqueue"])
        if reader.text("workflowSid") is not None:
            reader.notice(
                NOT_SIMULATED,
                "<Enqueue workflowSid> routes through TaskRouter, which simtel does not simulate",
                "error",
            )
        enqueue = v.Enqueue(
            name=name,
            action=reader.url("action") or None,
            method=reader.method("method"),
            wait_url=reader.url("waitUrl") or None,
            wait_url_method=reader.method("waitUrlMethod"),
            line=line_of(element),
        )
        return with_fatal(enqueue, self.close(reader))

    def leave(self, element: Element) -> v.Leave:
        reader = self.reader("Leave", element)
        self.no_children(element)
        return v.Leave(line_of(element), self.close(reader))


def _some(verb: v.Verb | None) -> list[v.Verb]:
    return [] if verb is None else [verb]


def with_fatal(verb: V, fatal: Notice | None) -> V:
    return verb if fatal is None else replace(verb, fatal=fatal)


SPEECH_TIMEOUT_INVALID = 13327


def speech_options(reader: AttributeReader, timeout: float) -> SpeechOptions:
    """`<Gather>`'s speech attributes: `speechTimeout` is `auto` or whole seconds >= 0 (13327
    otherwise, and the gather's `timeout` is used, as when it is unset)."""
    raw = (reader.text("speechTimeout") or "").strip()
    speech_timeout: float | None = timeout
    if raw == "auto":
        speech_timeout = None
    elif raw.isdigit() and len(raw) <= 6:
        speech_timeout = float(raw)
    elif raw:
        message = f"Gather: Invalid speechTimeout value {raw!r} (auto or whole seconds)"
        reader.notice(SPEECH_TIMEOUT_INVALID, message)
    hints = tuple(h.strip() for h in (reader.text("hints") or "").split(",") if h.strip())
    return SpeechOptions(
        speech_timeout=speech_timeout,
        max_speech_time=reader.integer("maxSpeechTime"),
        hints=hints,
        language=reader.text("language") or "en-US",
        speech_model=reader.text("speechModel") or "default",
        enhanced=reader.flag("enhanced"),
        profanity_filter=reader.flag("profanityFilter"),
        partial_result_callback=reader.url("partialResultCallback") or None,
        partial_result_callback_method=reader.method("partialResultCallbackMethod"),
        barge_in=reader.flag("bargeIn"),
    )
