"""One conference room: its participants, who hears whom, and the audio its recording captures.

Routing contract (`Conference.route`, called after every change of state):

* While the conference is `in-progress`, each participant's outbound track carries the voice of
  every other participant present who is neither muted nor on hold (key `peer:<CallSid>`).
  A participant on hold hears its hold audio and nobody; a coach (`coaching`) is heard only by
  the participant it coaches.
* While the conference waits to start (`init`), and while on hold, a participant hears the hold
  audio (key `hold`): the default `HOLD_MUSIC`, what its `waitUrl` answers (a `HoldPlayer`:
  TwiML run, or audio looped), or silence (`waitUrl=""`). Hold audio reaches nobody else and is
  never recorded.
* The conference's own `mix` leg is what its recording captures (spec §9, dual-channel): its
  *inbound* track (channel 1) mirrors the first participant to join, its *outbound* track
  (channel 2) every other participant and the beeps. A voice is mirrored only while it is heard
  in the conference (in progress, not muted, not on hold, not coaching), so muted spans are
  absent from the recording too.
* A participant's DTMF (`Conference.key`) goes where its voice goes at that instant: to every
  participant who hears it, and into the recording's mix on its channel. A key pressed while
  the participant is muted, on hold, or coaching (heard only by the one it coaches) follows the
  same rule; before the conference starts nobody hears it. A `*` that `hangupOnStar` turns into
  leaving the conference is not heard (the lifecycle never passes it here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from simtel.audio.sources import Dtmf, Voice
from simtel.engine.calls.call import API_VERSION, Call
from simtel.engine.calls.legaudio import LegAudio, Source, shifted
from simtel.engine.recordings.recording import Recording, TrackRef
from twiml import commands as cmd

FIRST_CHANNEL = "inbound"
OTHER_CHANNEL = "outbound"


class HoldPlayer(Protocol):
    """Something that plays while a participant waits (a TwiML `waitUrl`: `conference_wait`)."""

    def start(self, now: float) -> None: ...

    def stop(self, now: float) -> None: ...


@dataclass(eq=False)
class Participant:
    """One call in one conference. `present` is False before it joins and after it left."""

    call: Call
    conference_sid: str
    options: cmd.ConferenceOptions
    date_created: float
    muted: bool = False
    hold: bool = False
    coaching: bool = False
    call_sid_to_coach: str | None = None
    status: str = "connected"
    present: bool = False
    date_updated: float = 0.0
    hold_audio: Source | None = None
    hold_player: HoldPlayer | None = None
    left: simpy.Event | None = None
    leave_reason: str | None = None

    @property
    def sid(self) -> str:
        return self.call.sid

    @property
    def audible(self) -> bool:
        return self.present and not self.muted and not self.hold

    def hears(self, speaker: Participant) -> bool:
        if speaker is self or not speaker.audible or self.hold:
            return False
        return not speaker.coaching or speaker.call_sid_to_coach == self.sid

    def fields(self) -> dict[str, Any]:
        options = self.options
        return {
            "account_sid": self.call.account_sid,
            "call_sid": self.call.sid,
            "label": options.participant_label,
            "call_sid_to_coach": self.call_sid_to_coach,
            "coaching": self.coaching,
            "conference_sid": self.conference_sid,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "end_conference_on_exit": options.end_conference_on_exit,
            "muted": self.muted,
            "hold": self.hold,
            "start_conference_on_enter": options.start_conference_on_enter,
            "status": self.status,
            "queue_time": "0",
            "listed": self.status not in ("complete", "failed"),
        }


@dataclass(eq=False)
class Conference:
    """A conference room while it lives (and after, for its final fields)."""

    sid: str
    account_sid: str
    friendly_name: str
    date_created: float
    settings: cmd.ConferenceOptions
    status: str = "init"
    date_updated: float = 0.0
    region: str = "us1"
    reason_conference_ended: str | None = None
    call_sid_ending_conference: str | None = None
    participants: dict[str, Participant] = field(default_factory=dict)
    first_sid: str | None = None
    sequence: int = 0
    recording: Recording | None = None
    record_settings: cmd.ConferenceOptions | None = None
    #: the call of the participant whose `record` asked for the recording (its `call_sid`)
    recorded_by: str | None = None
    mix: LegAudio = field(default_factory=LegAudio)
    routes: set[tuple[str, str]] = field(default_factory=set)

    @property
    def live(self) -> bool:
        return self.status != "completed"

    @property
    def present(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.present]

    def layout(self, dual: bool) -> tuple[tuple[TrackRef, ...], ...]:
        """The layout of the conference recording: `dual` puts the first participant on
        channel 1 and everyone else on 2; otherwise one channel mixes both."""
        first, other = TrackRef(self.mix, FIRST_CHANNEL), TrackRef(self.mix, OTHER_CHANNEL)
        return ((first,), (other,)) if dual else ((first, other),)

    def fields(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "status": self.status,
            "region": self.region,
            "api_version": API_VERSION,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "reason_conference_ended": self.reason_conference_ended,
            "call_sid_ending_conference": self.call_sid_ending_conference,
        }

    # -- audio ----------------------------------------------------------------------------------
    def wanted_routes(self) -> set[tuple[str, str]]:
        """(listener, speaker) pairs that should sound now; listener `mix` is the recording."""
        wanted: set[tuple[str, str]] = set()
        present = self.present
        started = self.status == "in-progress"
        for listener in present:
            if not started or listener.hold:
                wanted.add((listener.sid, "hold"))
                continue
            wanted.update((listener.sid, s.sid) for s in present if listener.hears(s))
        if started:
            wanted.update(("mix", s.sid) for s in present if s.audible and not s.coaching)
        return wanted

    def route(self, now: float) -> None:
        """Open and close the sources on every track so that they match `wanted_routes`."""
        wanted = self.wanted_routes()
        for listener, speaker in sorted(self.routes - wanted):
            self._close(listener, speaker, now)
        for listener, speaker in sorted(wanted - self.routes):
            self._open(listener, speaker, now)
        self.routes = wanted

    def announce(self, source: Source, length: float, now: float) -> None:
        """Play `source` to everyone present and into the recording's second channel."""
        for participant in self.present:
            participant.call.audio.add("outbound", now, now + length, source)
        self.mix.add(OTHER_CHANNEL, now, now + length, source)

    def key(self, presser: Participant, key: str, now: float) -> None:
        """`presser` pressed `key` at `now`: its tone sounds where its voice would."""
        if self.status != "in-progress" or not presser.present:
            return
        tone = Dtmf(key)
        end = now + tone.duration
        for listener in self.present:
            if listener.hears(presser):
                listener.call.audio.add("outbound", now, end, tone)
        if presser.audible and not presser.coaching:
            channel = FIRST_CHANNEL if presser.sid == self.first_sid else OTHER_CHANNEL
            self.mix.add(channel, now, end, tone)

    def _open(self, listener: str, speaker: str, now: float) -> None:
        if speaker == "hold":
            held = self.participants[listener]
            if held.hold_audio is not None:
                held.call.audio.open("hold", "outbound", now, held.hold_audio)
            if held.hold_player is not None:
                held.hold_player.start(now)
            return
        voice = _voice(self.participants[speaker].call, now)
        if voice is None:
            return
        if listener == "mix":
            channel = FIRST_CHANNEL if speaker == self.first_sid else OTHER_CHANNEL
            self.mix.open(f"voice:{speaker}", channel, now, voice)
        else:
            self.participants[listener].call.audio.open(f"peer:{speaker}", "outbound", now, voice)

    def _close(self, listener: str, speaker: str, now: float) -> None:
        if speaker == "hold":
            held = self.participants[listener]
            held.call.audio.close("hold", now)
            if held.hold_player is not None:
                held.hold_player.stop(now)
        elif listener == "mix":
            self.mix.close(f"voice:{speaker}", now)
        else:
            self.participants[listener].call.audio.close(f"peer:{speaker}", now)


def _voice(call: Call, now: float) -> Source | None:
    """`call`'s party voice as heard from `now` on (local time 0 = `now`)."""
    speech, answered = call.speech, call.answered_at
    if speech is None or answered is None or not speech.spurts:
        return None
    return shifted(Voice(speech.seed, speech.pitch_hz, speech.spurts), now - answered)
