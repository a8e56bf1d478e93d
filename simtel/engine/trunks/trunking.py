"""Elastic SIP Trunking: trunks with a channel capacity and a calls-per-second limit, trunk calls,
and trunk recording (spec §8).

Contract, in simulated time:

* A trunk call is **one** Call resource (as Twilio logs it) with `trunk_sid` set and direction
  `trunking-terminating` (the PBX calls out to the PSTN) or `trunking-originating` (the PSTN
  calls in to the PBX). The Call's party is the *called* side (it rings, answers or not, and
  may hang up); the *calling* side is a second `Party` (`caller`) whose voice and hang-up time
  are simulated alongside. The call ends when either side hangs up.
* Capacity: a call occupies one channel from its creation until it ends. A call that finds
  `capacity` channels busy, or arrives when `cps` calls were already accepted in the last
  second, is rejected at once: SIP 503, status `failed` (`SipResponseCode=503` in its status
  callback). Calls are never queued. `Trunk.offered` / `Trunk.blocked` count them.
* Recording (`Trunk.recording_mode`, `recording_trim`; defaults `do-not-record`, `do-not-trim`):
  `record-from-ringing[-dual]` starts when the called side starts ringing, and the ringback the
  caller hears is in it; `record-from-answer[-dual]` starts at answer. The recording stops when
  the call ends. Source `Trunking`, `call_sid` = the trunk call, no status callbacks.
  Dual layout (a GUESS, §8.2, by analogy with `<Dial>` parent/child): channel 1 = the
  originating (calling) side, channel 2 = the other side (ringback, then the called party).
  Mono mixes both. The caller's voice is planned only for recorded calls (the n-th with the key
  `(seed, CALLER_STREAM, n)`), and drawn only when the recording is rendered or trimmed.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simtel.audio.sources import Ringback, Voice, voice_pitch
from simtel.engine.calls.call import Call, CallbackConfig, CallOptions, RecordingOptions
from simtel.engine.calls.legaudio import LegAudio
from simtel.engine.calls.parties import CALLER_STREAM, Party, SpeechPlan, plan_speech
from simtel.engine.calls.steps import HangUpTimer
from simtel.engine.recordings.recording import Recording, TrackRef
from simtel.errors import NotFound, TwilioError
from simtel.events import EventKind

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

RECORDING_MODES = (
    "do-not-record",
    "record-from-ringing",
    "record-from-answer",
    "record-from-ringing-dual",
    "record-from-answer-dual",
)
RECORDING_TRIMS = ("trim-silence", "do-not-trim")
DIRECTIONS = ("trunking-terminating", "trunking-originating")
SERVICE_UNAVAILABLE = 503
INVALID_PARAMETER = 20001
#: the pitch table index callers start at, away from the first called parties' pitches
CALLER_PITCH_BASE = 4
#: the options of a trunk call placed with no status callback and the default timeout (shared:
#: options are frozen)
_DEFAULT_OPTIONS = CallOptions()


@dataclass(eq=False)
class Trunk:
    """A SIP trunk. `capacity` (channels) and `cps` None mean unlimited."""

    sid: str
    account_sid: str
    friendly_name: str | None
    date_created: float
    date_updated: float
    domain_name: str | None = None
    capacity: int | None = None
    cps: float | None = None
    recording_mode: str = "do-not-record"
    recording_trim: str = "do-not-trim"
    active: int = 0
    offered: int = 0
    blocked: int = 0
    recent: deque[float] = field(default_factory=deque)

    @property
    def recording(self) -> dict[str, str]:
        return {"mode": self.recording_mode, "trim": self.recording_trim}

    def fields(self) -> dict[str, Any]:
        """The `trunking.v1.trunk` fields (times as simulated seconds)."""
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "domain_name": self.domain_name,
            "disaster_recovery_method": None,
            "disaster_recovery_url": None,
            "secure": False,
            "recording": self.recording,
            "transfer_mode": "disable-all",
            "transfer_caller_id": "from-transferee",
            "cnam_lookup_enabled": False,
            "auth_type": None,
            "auth_type_set": [],
            "symmetric_rtp_enabled": False,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
        }


@dataclass(eq=False)
class TrunkCall:
    """A live trunk call: `audio.inbound` is the calling side, `audio.outbound` the other."""

    call: Call
    trunk: Trunk
    caller: Party
    caller_speech: SpeechPlan | None
    audio: LegAudio = field(default_factory=LegAudio)
    recording: Recording | None = None
    #: the calling side's hang-up, once answered (let go when the call ends)
    caller_timer: HangUpTimer | None = None


class Trunks:
    """Every trunk of one simulation, and their live calls."""

    def __init__(self, sim: EngineContext) -> None:
        self.sim = sim
        self.env = sim.env
        self.trunks: dict[str, Trunk] = {}
        self.live: dict[str, TrunkCall] = {}
        self._voices = 0
        # first of the `on_end` hooks: the trunk call's audio is closed before the recorder
        # stops its recording, which then has nothing left open to flush
        sim.call_engine.on_end.insert(0, self._call_ended)
        sim.call_engine.on_ringing.append(self._ringing)

    # -- trunks ---------------------------------------------------------------------------------
    def create(
        self,
        friendly_name: str | None = None,
        *,
        capacity: int | None = None,
        cps: float | None = None,
        recording_mode: str = "do-not-record",
        trim: str = "do-not-trim",
        domain_name: str | None = None,
        account_sid: str | None = None,
    ) -> Trunk:
        """A new trunk of `account_sid` (None: the main account); its calls and their
        recordings belong to that account."""
        _check(recording_mode, RECORDING_MODES, "Mode")
        _check(trim, RECORDING_TRIMS, "Trim")
        now = self.env.now
        trunk = Trunk(
            sid=self.sim.sids.mint("TK"),
            account_sid=account_sid or self.sim.account.sid,
            friendly_name=friendly_name,
            date_created=now,
            date_updated=now,
            domain_name=domain_name,
            capacity=capacity,
            cps=cps,
            recording_mode=recording_mode,
            recording_trim=trim,
        )
        self.trunks[trunk.sid] = trunk
        self.sim.events.emit(EventKind.TRUNK_CREATED, trunk.sid, **trunk.fields())
        return trunk

    def get(self, sid: str) -> Trunk:
        trunk = self.trunks.get(sid)
        if trunk is None:
            raise NotFound(f"/v1/Trunks/{sid}")
        return trunk

    def set_recording(self, sid: str, mode: str | None = None, trim: str | None = None) -> Trunk:
        """`POST /v1/Trunks/{Sid}/Recording`: change `Mode` and/or `Trim` for later calls."""
        trunk = self.get(sid)
        if mode is not None:
            _check(mode, RECORDING_MODES, "Mode")
            trunk.recording_mode = mode
        if trim is not None:
            _check(trim, RECORDING_TRIMS, "Trim")
            trunk.recording_trim = trim
        trunk.date_updated = self.env.now
        self.sim.events.emit(
            EventKind.TRUNK_UPDATED,
            trunk.sid,
            recording=trunk.recording,
            date_updated=trunk.date_updated,
        )
        return trunk

    # -- calls ----------------------------------------------------------------------------------
    def place_call(
        self,
        trunk_sid: str,
        from_: str,
        to: str,
        party: Party | None = None,
        direction: str = "trunking-terminating",
        *,
        caller: Party | None = None,
        status: CallbackConfig | None = None,
        timeout: float = 60.0,
    ) -> Call:
        """A call over the trunk from `from_` (`caller`) to `to` (`party`); see the contract."""
        trunk = self.get(trunk_sid)
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
        engine = self.sim.call_engine
        options = (
            CallOptions(status=status or CallbackConfig(), timeout=timeout)
            if status is not None or timeout != _DEFAULT_OPTIONS.timeout
            else _DEFAULT_OPTIONS
        )
        trunk.offered += 1
        if self._over_limit(trunk):
            trunk.blocked += 1
            return engine.refused_call(
                to=to,
                from_=from_,
                direction=direction,
                options=options,
                party=party or self.sim.party_for(to),
                trunk_sid=trunk.sid,
                account_sid=trunk.account_sid,
                context={"sip_response_code": SERVICE_UNAVAILABLE, "dialed": True},
            )
        call = engine.new_call(
            to=to,
            from_=from_,
            direction=direction,
            options=options,
            party=party or self.sim.party_for(to),
            trunk_sid=trunk.sid,
            account_sid=trunk.account_sid,
        )
        trunk.active += 1
        trunk.recent.append(self.env.now)
        caller = caller or self.sim.party_for(from_)
        record = trunk.recording_mode != "do-not-record"
        trunk_call = TrunkCall(call, trunk, caller, self._speech(caller) if record else None)
        self.live[call.sid] = trunk_call
        engine.start_talking(call, lambda _: self._connected(trunk_call))
        return call

    def _over_limit(self, trunk: Trunk) -> bool:
        if trunk.capacity is not None and trunk.active >= trunk.capacity:
            return True
        if trunk.cps is None:
            return False
        recent, horizon = trunk.recent, self.env.now - 1.0
        while recent and recent[0] <= horizon:
            recent.popleft()
        return len(recent) >= trunk.cps

    def _speech(self, caller: Party) -> SpeechPlan:
        pitch = caller.pitch_hz or voice_pitch(self.sim.seed, CALLER_PITCH_BASE + self._voices)
        self._voices += 1
        return plan_speech(caller, (self.sim.seed, CALLER_STREAM, self._voices - 1), pitch)

    def _ringing(self, call: Call) -> None:
        """The called side starts ringing: ringback, and a from-ringing recording."""
        trunk_call = self.live.get(call.sid)
        if trunk_call is None or not trunk_call.trunk.recording_mode.startswith(
            "record-from-ringing"
        ):
            return
        trunk_call.audio.open("ringback", "outbound", self.env.now, Ringback())
        self._record(trunk_call)

    def _connected(self, trunk_call: TrunkCall) -> None:
        """The called side answered: both voices on the trunk call's audio until a hang-up.
        No process: the call lives on its hang-up timers, the caller's among them."""
        call, audio, now = trunk_call.call, trunk_call.audio, self.env.now
        audio.close("ringback", now)
        if trunk_call.trunk.recording_mode != "do-not-record":
            _open_voice(audio, "called", "outbound", call.speech, now)
            _open_voice(audio, "caller", "inbound", trunk_call.caller_speech, now)
            self._record(trunk_call)
        if trunk_call.caller.hangup_after is not None:
            engine = self.sim.call_engine
            timer = HangUpTimer(engine, call, trunk_call.caller.hangup_after, party_hangup=False)
            trunk_call.caller_timer = timer
            timer.start()  # after the called party's own (armed at answer), which wins a tie

    def _record(self, trunk_call: TrunkCall) -> None:
        trunk = trunk_call.trunk
        if trunk.recording_mode == "do-not-record" or trunk_call.recording is not None:
            return
        dual = trunk.recording_mode.endswith("-dual")
        caller = TrackRef(trunk_call.audio, "inbound")
        called = TrackRef(trunk_call.audio, "outbound")
        layout = ((caller,), (called,)) if dual else ((caller, called),)
        options = _recording_options(dual, trunk.recording_trim)
        trunk_call.recording = self.sim.recorder.start(
            owner=trunk_call.call.sid,
            call_sid=trunk_call.call.sid,
            conference_sid=None,
            source="Trunking",
            options=options,
            layout=layout,
            speakers=(trunk_call.call,),
            callbacks=False,
        )

    def _call_ended(self, call: Call) -> None:
        trunk_call = self.live.pop(call.sid, None)
        if trunk_call is None:
            return
        trunk_call.trunk.active -= 1
        trunk_call.audio.close_all(self.env.now)
        if trunk_call.caller_timer is not None:
            trunk_call.caller_timer.call = None


def _open_voice(
    audio: LegAudio, key: str, direction: str, speech: SpeechPlan | None, now: float
) -> None:
    """A voice whose answer-relative spurts start at `now` (the answer)."""
    if speech is not None and speech.spurts:
        audio.open(key, direction, now, Voice(speech.seed, speech.pitch_hz, speech.spurts))


@functools.cache
def _recording_options(dual: bool, trim: str) -> RecordingOptions:
    """The options of a trunk recording (frozen, so one per layout and trim is shared)."""
    return RecordingOptions(channels="dual" if dual else "mono", track="both", trim=trim)


def _check(value: str, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        message = f"{name} must be one of {', '.join(allowed)}, not '{value}'"
        raise TwilioError(INVALID_PARAMETER, 400, message)
