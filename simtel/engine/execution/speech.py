"""`<Gather input="speech">` (and `input="dtmf speech"`): speech recognised from what the party
says, exactly and deterministically.

What the gather hears: the words of the party's scripted utterances (`Party.script`, answer-
relative) and of its *replies* (`Party.replies`, the scenario's `replies:`, or
`POST /_simtel/calls/{CallSid}/replies`): when a speech gather's prompts end and the party has a
reply queued, it says the next one `after` seconds later (0.5 s by default), in its own voice on
the leg's inbound track, so recordings and transcriptions hear it too. A party talking in drawn
spurts says no words: its speech is noise to the recogniser.

The contract, in simulated time (`start` is when the gather starts):

* **Barge-in** (`bargeIn`, default true): an utterance starting after `start` cuts the prompts
  where it starts; a key does (with `dtmf` in `input`) as in a DTMF gather.
* **Start of speech**: the first utterance that starts at or after `start` and before the
  prompts' end plus `timeout`. None: the gather times out at that moment, as Twilio does (no
  action unless `actionOnEmptyResult`, and the next verb runs). With `dtmf speech` a key
  pressed before speech starts makes it a DTMF gather.
* **End of speech**: utterances that follow each other with less than `speechTimeout` seconds of
  silence are one result; `auto` means `AUTO_SPEECH_TIMEOUT` (1 s, simtel's stand-in for
  Twilio's end-of-utterance detection); unset, it is `timeout`. Speech is cut at `maxSpeechTime`
  seconds (60 at most). The action is requested `speechTimeout` seconds after the last word.
* **SpeechResult**: the words, joined with single spaces, the first letter capitalised and a
  final period added when the words end without `.`, `?` or `!`. `profanityFilter` (default
  true) masks the words of `PROFANITIES` to their first letter and asterisks, as Twilio does.
* **Confidence**: between 0.80 and 0.99, a hash of the seed, the call, the start time and the
  words: the same run gives the same value, and no draw of the simulation's generator moves.
* **partialResultCallback**: one request per word as it ends, `SequenceNumber` from 1,
  `StableSpeechResult` (the words before it) and `UnstableSpeechResult` (the word), plus the
  standard call parameters; delivered like a status callback.
* `language`, `hints`, `speechModel` and `enhanced` are accepted and recorded in the trace: the
  recogniser hears the script exactly in any language, so they change nothing.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any

import simpy

from simtel.audio.sources import Voice
from simtel.engine.calls.call import Call
from simtel.engine.calls.callbacks import standard_params
from simtel.engine.calls.parties import Reply
from simtel.engine.execution.verbs import HANGUP, Leg, collect_digits, play
from simtel.webhooks import WebhookRequest
from twiml import commands as cmd

AUTO_SPEECH_TIMEOUT = 1.0
PROFANITIES = frozenset({"damn", "hell", "shit", "fuck", "bitch", "bastard", "crap", "ass"})
REPLIES = "replies"
SAID = "said"


@dataclass(frozen=True, slots=True)
class Heard:
    """An utterance in simulated time."""

    start: float
    end: float
    text: str


# --- what the party says -------------------------------------------------------------------


def queue_reply(call: Call, reply: Reply) -> None:
    """Give the party of `call` one more reply to say to the next speech prompt."""
    _replies(call).append(reply)


def _replies(call: Call) -> deque[Reply]:
    queued: deque[Reply] | None = call.context.get(REPLIES)
    if queued is None:
        queued = call.context[REPLIES] = deque(call.party.replies)
    return queued


def say_reply(call: Call, reply: Reply, at: float) -> Heard:
    """The party says `reply` at simulated time `at`: on the inbound track and in its words."""
    length = reply.length
    heard = Heard(at, at + length, reply.text)
    speech = call.speech
    if speech is not None and call.answered_at is not None:
        voice = Voice(speech.seed, speech.pitch_hz, ((0.0, length),))
        call.audio.add("inbound", at, at + length, voice)
        relative = (at - call.answered_at, at + length - call.answered_at, reply.text)
        call.speech = replace(speech, words=(*speech.words, relative))
    said: list[Heard] = call.context.setdefault(SAID, [])
    said.append(heard)
    return heard


def heard_after(call: Call, start: float) -> list[Heard]:
    """Every utterance of the party that starts at or after `start`, in order."""
    found: list[Heard] = []
    speech, answered = call.speech, call.answered_at
    if speech is not None and answered is not None:
        found += [Heard(answered + a, answered + b, text) for a, b, text in speech.words]
    else:  # replies are in the words once answered; without a plan, only in SAID
        found += call.context.get(SAID, [])
    return sorted((h for h in found if h.start >= start), key=lambda h: (h.start, h.end))


# --- the gather ----------------------------------------------------------------------------


def speech_gather(leg: Leg, command: cmd.Gather) -> Generator[simpy.Event, Any, cmd.GatherResult]:
    """`<Gather>` with `speech` in `input` (see the module docstring)."""
    options, dtmf = command.speech, "dtmf" in command.input
    start = leg.env.now
    heard = heard_after(leg.call, start)
    barge = heard[0].start if heard and options.barge_in else math.inf
    for prompt in command.prompts:
        played = yield from play(leg, prompt, stop_on_key=dtmf, until=barge)
        if played.hangup:
            return cmd.GatherResult("", None, hangup=True)
        if played.interrupted_by is not None:
            return (yield from collect_digits(leg, command, played.interrupted_by))
        if leg.env.now >= barge:
            break
    listening = leg.env.now
    replies = _replies(leg.call)
    if listening < barge and replies and not leg.gone:
        reply = replies.popleft()
        say_reply(leg.call, reply, listening + reply.after)
        heard = heard_after(leg.call, start)
    deadline = listening + command.timeout
    first = heard[0] if heard and heard[0].start < deadline else None
    woke = yield from leg.wait((first.start if first else deadline) - leg.env.now, keys=dtmf)
    if woke == HANGUP:
        return cmd.GatherResult("", None, hangup=True)
    if woke is not None:
        return (yield from collect_digits(leg, command, woke))
    if first is None:
        return cmd.GatherResult("", None)
    return (yield from _recognise(leg, command, [h for h in heard if h.start >= first.start]))


def _recognise(
    leg: Leg, command: cmd.Gather, heard: list[Heard]
) -> Generator[simpy.Event, Any, cmd.GatherResult]:
    options = command.speech
    gap = AUTO_SPEECH_TIMEOUT if options.speech_timeout is None else options.speech_timeout
    began = heard[0].start
    cut = began + options.max_speech_time
    words: list[Heard] = []
    end = began
    for utterance in heard:
        if (words and utterance.start - end >= gap) or utterance.start >= cut:
            break
        words.append(utterance)
        end = max(end, min(utterance.end, cut))
    text = " ".join(w.text.strip() for w in words if w.text.strip())
    if options.partial_result_callback:
        _partial_results(leg, command, words, cut)
    woke = yield from leg.wait(end + gap - leg.env.now)
    if woke == HANGUP:
        return cmd.GatherResult("", None, hangup=True)
    result = speech_result(text, options.profanity_filter)
    confidence = _confidence(leg, began, text)
    return cmd.GatherResult("", None, speech_result=result, confidence=confidence)


def speech_result(text: str, profanity_filter: bool) -> str:
    """Twilio's presentation of recognised words (see the module docstring)."""
    words = [_masked(w) if profanity_filter else w for w in text.split()]
    result = " ".join(words)
    if not result:
        return ""
    result = result[0].upper() + result[1:]
    return result if result[-1] in ".?!" else result + "."


def _masked(word: str) -> str:
    bare = word.strip(".,!?;:").lower()
    if bare not in PROFANITIES:
        return word
    return word[0] + "*" * (len(word) - 1)


def _confidence(leg: Leg, began: float, text: str) -> float:
    key = f"{leg.sim.seed}:{leg.call.sid}:{began:.6f}:{text}".encode()
    fraction = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2.0**64
    return round(0.80 + 0.19 * fraction, 8)


# --- partial results -----------------------------------------------------------------------


def _partial_results(leg: Leg, command: cmd.Gather, words: list[Heard], cut: float) -> None:
    """Schedule one partialResultCallback per word, at the moment the word ends."""
    timed: list[tuple[float, str]] = []
    for utterance in words:
        parts = utterance.text.split()
        step = (utterance.end - utterance.start) / max(len(parts), 1)
        timed += [(utterance.start + (i + 1) * step, part) for i, part in enumerate(parts)]
    timed = [(t, w) for t, w in timed if t <= cut]
    leg.env.process(_send_partials(leg, command, timed))


def _send_partials(
    leg: Leg, command: cmd.Gather, timed: list[tuple[float, str]]
) -> Generator[simpy.Event, Any, None]:
    options = command.speech
    assert options.partial_result_callback is not None
    for sequence, (at, word) in enumerate(timed, start=1):
        if at > leg.env.now:
            yield leg.env.timeout(at - leg.env.now)
        if not leg.call.is_live:
            return
        stable = " ".join(w for _, w in timed[: sequence - 1])
        params = (
            *standard_params(leg.call),
            ("SequenceNumber", str(sequence)),
            ("StableSpeechResult", stable),
            ("UnstableSpeechResult", word),
            ("LanguageCode", options.language),
        )
        leg.sim.deliver(
            WebhookRequest(
                url=options.partial_result_callback,
                method=options.partial_result_callback_method,
                params=tuple(params),
                purpose="partial-result-callback",
                sid=leg.call.sid,
            )
        )
