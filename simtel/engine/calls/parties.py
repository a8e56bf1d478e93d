"""Simulated parties: the people (or phones) at the far end of a call leg.

A `Party` says how a leg answers (or does not), when its person hangs up, what they say and which
keys they press. Times in a party are seconds after the leg is answered. `plan_speech` turns a
party into the voice of one leg: its talk spurts come from the leg's own generator, keyed by
`(simulation seed, stream, leg index)` and drawn only when something reads them
(`simtel.audio.spurts`), so the same seed gives the same voice and an unheard leg draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from simtel.audio.sources import UNTIL_SLACK
from simtel.audio.spans import Span, SpanArray
from simtel.audio.spurts import TalkSpurts, leg_seed
from simtel.quickinit import quick_init

Outcome = Literal["answer", "busy", "no-answer", "fail"]

#: Speaking rate used to time scripted utterances (words per minute).
WORDS_PER_MINUTE = 150.0


@dataclass(frozen=True, slots=True)
class Utterance:
    """Words a party says, starting `at` seconds after answer; lasts `duration` (from the text's
    word count at `WORDS_PER_MINUTE` when None)."""

    at: float
    text: str
    duration: float | None = None

    @property
    def length(self) -> float:
        if self.duration is not None:
            return self.duration
        words = max(len(self.text.split()), 1)
        return words * 60.0 / WORDS_PER_MINUTE


@dataclass(frozen=True, slots=True)
class Reply:
    """Words a party says in reply to a speech prompt: `after` seconds after the prompts of the
    next `<Gather input="speech">` end (see `simtel.engine.execution.speech`)."""

    text: str
    after: float = 0.5

    @property
    def length(self) -> float:
        return Utterance(0.0, self.text).length


@dataclass(frozen=True, slots=True)
class Press:
    """DTMF keys pressed `at` seconds after answer, one key every `interval` seconds."""

    at: float
    digits: str
    interval: float = 0.3


@quick_init
@dataclass(frozen=True, slots=True)
class Party:
    """How the far end of a leg behaves.

    * `outcome`: `answer`, `busy`, `no-answer` (rings until the caller's timeout) or `fail`
      (unreachable: the call fails with SIP 404).
    * `answer_after`: ring seconds before answering; a value beyond the dial timeout is a no-answer.
    * `hangup_after`: seconds after answer when the person hangs up; None means they stay until
      the other side ends the call.
    * `talk`: `spurts` (speech-like talk spurts drawn from the seed), `script` (only the
      `script` utterances) or `silent`.
    * `replies`: what the party says to speech prompts, one reply per `<Gather input="speech">`,
      in order (on top of `talk`).
    * `pitch_hz`: the voice's fundamental; None takes a distinct pitch per party from the seed.
    """

    outcome: Outcome = "answer"
    answer_after: float = 3.0
    hangup_after: float | None = 30.0
    talk: Literal["spurts", "script", "silent"] = "spurts"
    script: tuple[Utterance, ...] = ()
    presses: tuple[Press, ...] = ()
    pitch_hz: float | None = None
    mean_spurt: float = 1.6
    mean_gap: float = 0.9
    name: str | None = None
    replies: tuple[Reply, ...] = ()


#: The party of any number nothing describes: answers after 3 s, talks in spurts and hangs up
#: 30 s after answering.
DEFAULT_PARTY = Party()

#: How long spurts are planned ahead for a party that never hangs up by itself.
SPEECH_HORIZON = 4 * 3600.0


#: the `stream` of a leg's speech key: call legs, and the calling side of trunk calls
LEG_STREAM = 0x1E6
CALLER_STREAM = 0xCA11


@quick_init
@dataclass(frozen=True, slots=True)
class SpeechPlan:
    """The concrete voice of one party on one call: spurts relative to the answer time.

    Drawn spurts are `TalkSpurts` (drawn on first read) or a `SpanArray`; scripted ones the
    utterances' own spans.
    """

    seed: int
    pitch_hz: float
    spurts: TalkSpurts | SpanArray | tuple[Span, ...]
    words: tuple[tuple[float, float, str], ...] = field(default=())

    def words_between(self, start: float, end: float) -> list[str]:
        """Words whose utterance lies inside [start, end) (answer-relative seconds)."""
        return [text for at, until, text in self.words if at >= start and until <= end]

    def drawn(self) -> SpanArray | tuple[Span, ...]:
        """The spurts themselves (drawing `TalkSpurts` if they were not yet)."""
        spurts = self.spurts
        return spurts.spans if isinstance(spurts, TalkSpurts) else spurts

    def until(self, t: float) -> SpeechPlan:
        """This plan as far as answer-relative time `t` matters (see `Voice.until`): what a call
        that ended at `t` keeps of a voice planned hours ahead. Draws nothing."""
        spurts = self.spurts
        if isinstance(spurts, TalkSpurts):
            bounded = spurts.until(t)
            if bounded is spurts:
                return self
            return SpeechPlan(self.seed, self.pitch_hz, bounded, self.words)
        if not isinstance(spurts, SpanArray):
            return self
        kept = spurts.starting_before(t + 1.0, UNTIL_SLACK)
        return self if kept is spurts else replace(self, spurts=kept)


def plan_speech(party: Party, key: tuple[int, ...], pitch_hz: float) -> SpeechPlan:
    """The voice of `party` on the leg `key` names (`(seed, stream, index)`). Nothing is drawn
    here: drawn spurts are `TalkSpurts`, drawn when first read."""
    seed = leg_seed(key)
    if party.talk == "silent":
        return SpeechPlan(seed, pitch_hz, ())
    if party.talk == "script":
        spurts = tuple((u.at, u.at + u.length) for u in party.script)
        words = tuple((u.at, u.at + u.length, u.text) for u in party.script)
        return SpeechPlan(seed, pitch_hz, spurts, words)
    horizon = party.hangup_after if party.hangup_after is not None else SPEECH_HORIZON
    return SpeechPlan(seed, pitch_hz, TalkSpurts(key, horizon, party.mean_spurt, party.mean_gap))
