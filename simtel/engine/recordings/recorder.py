"""Recording commands and lifecycle: start, pause, resume, stop, post-processing, delete, purge.

Contract (see `lifecycle.RECORDING_TRANSITIONS`):

* `start` creates the recording `in-progress` at the current simulated time and sends the
  `in-progress` status callback when subscribed.
* `pause(skip|silence)` / `resume` / `stop` move between `in-progress`, `paused` and `stopped`.
  Asking for the status a recording already has is accepted and changes nothing. Any other move
  the table refuses is error 16114 (HTTP 400); `stopped` on a conference recording is refused with
  21220 ("not supported for conference recordings", as Twilio documents).
* A recording stops by itself when the call (or conference) it records ends.
* After `stop`, post-processing takes `processing_delay(duration)` simulated seconds; then the
  recording is `completed` (duration, price and media set), or `absent` with 16101 when shorter
  than `MIN_DURATION` after trim and skip-pauses, or 16102 when silent and the account deletes
  silent recordings. `completed`/`absent` callbacks are sent then.
* `delete` is allowed only on `completed` recordings (20009 otherwise): the media is gone at
  once, the metadata stays (status `deleted`) for `RETENTION` seconds and is purged after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simtel.audio.render import Pause, RecordingWindow, RenderPlan, plan, window_duration
from simtel.audio.timeline import Mix, Track
from simtel.engine import lifecycle
from simtel.engine.calls.call import Call, RecordingOptions
from simtel.engine.recordings.callbacks import recording_url, send_recording_callback
from simtel.engine.recordings.recording import PauseSpan, Recording, TrackRef
from simtel.errors import InvalidCallState, NotFound, TwilioError
from simtel.events import EventKind
from simtel.pricing import RECORDING_RATE, charge

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

CURRENT = "Twilio.CURRENT"
MIN_DURATION = 1.0
RETENTION = 40 * 86400.0
RecordingHook = Callable[[Recording], None]


def processing_delay(duration: float) -> float:
    """Simulated post-processing time: 2 s plus 1 s per started minute of audio."""
    return 2.0 + float(int(duration // 60) + 1)


def call_layout(call: Call, channels: str, track: str) -> tuple[tuple[TrackRef, ...], ...]:
    """Channels of a recording of one leg: `inbound`/`outbound` alone are mono; `both` is mixed
    mono, or dual with the inbound track (the party) on channel 1 and outbound on channel 2."""
    inbound, outbound = TrackRef(call.audio, "inbound"), TrackRef(call.audio, "outbound")
    if track == "inbound":
        return ((inbound,),)
    if track == "outbound":
        return ((outbound,),)
    if channels == "dual":
        return ((inbound,), (outbound,))
    return ((inbound, outbound),)


class Recorder:
    """Every recording of one simulation."""

    def __init__(self, sim: EngineContext) -> None:
        self.sim = sim
        self.env = sim.env
        self.recordings: dict[str, Recording] = {}
        self.by_owner: dict[str, list[Recording]] = {}
        self.on_complete: list[RecordingHook] = []
        self.delete_silent = False
        #: under `keep_media=False`, a final recording this says True of stays in memory
        #: (a scenario keeps the recordings it will render)
        self.retain: Callable[[Recording], bool] | None = None
        self._deleted_at: dict[str, float] = {}  # deleted, not yet purged: sid -> when
        sim.call_engine.on_end.append(self._call_ended)
        sim.call_engine.on_answer.append(self._call_answered)

    # -- starting -----------------------------------------------------------------------------
    def start_call_recording(
        self, call: Call, source: str, options: RecordingOptions, *, name: str | None = None
    ) -> Recording:
        """Record one live leg (`StartCallRecordingAPI`, `OutboundAPI`, `<Start><Recording>`,
        `RecordVerb`); 21220 unless the call is in progress."""
        if not call.in_progress:
            raise InvalidCallState(call.sid, call.status)
        channels = "mono" if options.track != "both" else options.channels
        layout = call_layout(call, channels, options.track)
        return self.start(
            owner=call.sid,
            call_sid=self.parent_sid(call),
            conference_sid=None,
            source=source,
            options=options,
            layout=layout,
            speakers=(call,),
            name=name,
        )

    def start(
        self,
        *,
        owner: str,
        call_sid: str | None,
        conference_sid: str | None,
        source: str,
        options: RecordingOptions,
        layout: tuple[tuple[TrackRef, ...], ...],
        speakers: tuple[Call, ...] = (),
        name: str | None = None,
        callbacks: bool = True,
        account_sid: str | None = None,
    ) -> Recording:
        """The general start: `owner` is the call or conference whose end stops it; the
        recording belongs to `account_sid`, else to its call's account."""
        now = self.env.now
        recording = Recording(
            sid=self.sim.sids.mint("RE"),
            account_sid=account_sid or self._account_of(call_sid),
            call_sid=call_sid,
            conference_sid=conference_sid,
            source=source,
            options=options,
            layout=layout,
            start_time=now,
            date_created=now,
            date_updated=now,
            name=name,
            speakers=speakers,
            callbacks=callbacks,
            owner=owner,
        )
        self.recordings[recording.sid] = recording
        self.by_owner.setdefault(owner, []).append(recording)
        self.sim.events.append(EventKind.RECORDING_CREATED, recording.sid, recording.fields())
        self._callback(recording, "in-progress")
        return recording

    # -- lookups ------------------------------------------------------------------------------
    def _account_of(self, call_sid: str | None) -> str:
        """The account a new recording belongs to: its call's (else the main account)."""
        call = self.sim.calls.get(call_sid) if call_sid else None
        return call.account_sid if call is not None else self.sim.account.sid

    def parent_sid(self, call: Call) -> str:
        return call.parent_call_sid or call.sid

    def get(self, sid: str) -> Recording:
        recording = self.recordings.get(sid)
        if recording is None:
            raise NotFound(f"/2010-04-01/Accounts/{self.sim.account.sid}/Recordings/{sid}.json")
        return recording

    def resolve(self, owner: str, sid: str, path: str) -> Recording:
        """The recording `sid` of call/conference `owner`; `Twilio.CURRENT` is its one active
        recording (16108 when several are active, 20404 when none)."""
        owned = self.by_owner.get(owner, [])
        if sid == CURRENT:
            active = [r for r in owned if r.is_active]
            if len(active) > 1:
                raise TwilioError(
                    16108,
                    400,
                    "Voice Recording: Request failed due to concurrent recordings. There is more "
                    f"than one active recording for {owner}",
                )
            if not active:
                raise NotFound(path)
            return active[0]
        for recording in owned:
            if recording.sid == sid:
                return recording
        raise NotFound(path)

    # -- control ------------------------------------------------------------------------------
    def update(self, recording: Recording, status: str, pause_behavior: str = "silence") -> None:
        """UpdateCallRecording / UpdateConferenceRecording `Status`."""
        if status == recording.status and status in ("in-progress", "paused", "stopped"):
            return
        if status == "paused":
            self.pause(recording, pause_behavior)
        elif status == "in-progress":
            self.resume(recording)
        elif status == "stopped":
            if recording.conference_sid is not None:
                raise TwilioError(
                    21220, 400, "The stopped status isn't supported for conference recordings"
                )
            self.stop(recording)
        else:
            raise TwilioError(
                16114,
                400,
                f"Voice Recording: Resource not in a state to accept recording action request "
                f"(status '{status}' cannot be set)",
            )

    def pause(self, recording: Recording, behavior: str = "silence") -> None:
        if behavior not in ("skip", "silence"):
            raise TwilioError(
                20001, 400, f"PauseBehavior must be skip or silence, not '{behavior}'"
            )
        self._move(recording, "paused", pause_behavior=behavior)
        recording.pauses.append(PauseSpan(self.env.now, None, behavior))

    def resume(self, recording: Recording) -> None:
        self._move(recording, "in-progress")
        recording.pauses[-1].end = self.env.now

    def stop(self, recording: Recording) -> None:
        """Stop capturing now; post-processing then completes the recording."""
        if recording.status == "paused":
            recording.pauses[-1].end = self.env.now
        self._move(recording, "stopped")
        recording.stop_time = self.env.now
        for channel in recording.layout:
            for ref in channel:
                ref.leg.flush(self.env.now)
        duration = self._final_duration(recording)
        # `processing` one step later, at the same instant: the command that stopped it (a REST
        # update) answers `stopped` first
        step = self.env.timeout(0)
        step.callbacks.append(lambda _: self._processing(recording, duration))

    def stop_owned(self, owner: str) -> None:
        """Stop every active recording whose owner is `owner` (a call or conference ending)."""
        for recording in self.by_owner.get(owner, []):
            if recording.is_active:
                self.stop(recording)

    def delete(self, recording: Recording) -> None:
        if recording.status != "completed":
            raise TwilioError(
                20009,
                400,
                f"Cannot delete this resource before it is complete (recording is "
                f"{recording.status})",
            )
        self._move(recording, "deleted", code=20009)
        recording.deleted_at = self.env.now
        self._soft_delete(recording.sid)

    def delete_released(self, sid: str, status: str) -> None:
        """Delete a recording the engine already let go of (`keep_media=False`), known only by
        its stored `status`: the same rules and soft delete as `delete`."""
        if status != "completed":
            raise TwilioError(
                20009,
                400,
                f"Cannot delete this resource before it is complete (recording is {status})",
            )
        self.sim.events.emit(
            EventKind.RECORDING_UPDATED, sid, status="deleted", date_updated=self.env.now
        )
        self._soft_delete(sid)

    def _soft_delete(self, sid: str) -> None:
        self._deleted_at[sid] = self.env.now
        self.sim.media.delete(sid)

    def purge_due(self) -> None:
        """Forget recordings deleted more than `RETENTION` seconds ago."""
        now = self.env.now
        for sid in [s for s, at in self._deleted_at.items() if now - at >= RETENTION]:
            del self._deleted_at[sid]
            self.recordings.pop(sid, None)
            self.sim.events.emit(EventKind.RECORDING_PURGED, sid)

    # -- internals ----------------------------------------------------------------------------
    def window(self, recording: Recording) -> RecordingWindow:
        end = recording.stop_time if recording.stop_time is not None else self.env.now
        channels = tuple(_channel(refs) for refs in recording.layout)
        pauses = tuple(
            Pause(p.start, p.end, "skip" if p.behavior == "skip" else "silence")
            for p in recording.pauses
        )
        return RecordingWindow(recording.start_time, end, channels, pauses, recording.trim)

    def _move(self, recording: Recording, status: str, code: int = 16114, **fields: Any) -> None:
        lifecycle.advance(
            lifecycle.RECORDING_TRANSITIONS, recording.status, status, code=code, what="recording"
        )
        recording.status = status
        now = recording.date_updated = self.env.now
        changes = {"status": status, "date_updated": now}
        if fields:
            changes.update(fields)
        self.sim.events.append(EventKind.RECORDING_UPDATED, recording.sid, changes)

    def plan(self, recording: Recording) -> RenderPlan:
        """What the recording holds (duration, trim, silence) as of now; once it has stopped,
        computed once and kept (`Recording.final_plan`): the window cannot change any more."""
        if recording.final_plan is not None:
            return recording.final_plan
        layout_plan = plan(self.window(recording))
        if recording.stop_time is not None:
            recording.final_plan = layout_plan
        return layout_plan

    def _final_duration(self, recording: Recording) -> float:
        """A stopped recording's duration. An untrimmed recording that never paused needs no
        plan for it (its window on the sample grid): its plan is made when first asked for
        (`plan`), which for such a window is the same whenever it is made."""
        if recording.trim or recording.pauses or recording.stop_time is None:
            return self.plan(recording).duration
        return window_duration(recording.start_time, recording.stop_time)

    def _processing(self, recording: Recording, duration: float) -> None:
        self._move(recording, "processing")
        done = self.env.timeout(processing_delay(duration))
        done.callbacks.append(lambda _: self._processed(recording, duration))

    def _processed(self, recording: Recording, duration: float) -> None:
        """`on_complete` hooks (encryption, transcription) run before the final callback, so it
        can carry what they add."""
        recording.exact_duration = duration
        recording.duration = int(duration + 0.5)
        if duration < MIN_DURATION or (self.delete_silent and self.plan(recording).silent):
            recording.error_code = 16101 if duration < MIN_DURATION else 16102
            final = "absent"
            changes: dict[str, Any] = {"error_code": recording.error_code}
        else:
            recording.price = charge(duration, RECORDING_RATE, places=4)
            final = "completed"
            changes = {"price": recording.price, "price_unit": "USD"}
        self._move(recording, final, duration=str(recording.duration), **changes)
        for hook in self.on_complete:
            hook(recording)
        self._callback(recording, final)
        if not self.sim.keep_media and (self.retain is None or not self.retain(recording)):
            self._forget(recording)

    def _forget(self, recording: Recording) -> None:
        """Drop a final recording from the tables (`Simulator(keep_media=False)`)."""
        self.recordings.pop(recording.sid, None)
        owned = self.by_owner.get(recording.owner)
        if owned is not None and recording in owned:
            owned.remove(recording)
            if not owned:
                del self.by_owner[recording.owner]

    def _call_answered(self, call: Call) -> None:
        """`Record=true` on CreateCall: record the whole call from answer (source OutboundAPI)."""
        if call.options.record and call.direction == "outbound-api":
            self.start_call_recording(call, "OutboundAPI", call.options.recording)

    def _call_ended(self, call: Call) -> None:
        """Stop the call's recordings. The completed status callback names the recording of a
        `Record=true` call, and a `<Dial record>` child leg's names the dial's recording
        (`RecordingUrl`, `RecordingSid`, `RecordingDuration`)."""
        self.stop_owned(call.sid)
        named = [r for r in self.by_owner.get(call.sid, []) if r.source == "OutboundAPI"]
        if call.parent_call_sid is not None:
            dialed = self.by_owner.get(call.parent_call_sid, [])
            named += [r for r in dialed if r.source == "DialVerb" and call in r.speakers]
        for recording in named:
            duration = round(self.plan(recording).duration)
            call.context["completed_params"] = [
                ("RecordingUrl", recording_url(self.sim, recording.sid, recording.account_sid)),
                ("RecordingSid", recording.sid),
                ("RecordingDuration", str(duration)),
            ]

    def _callback(self, recording: Recording, event: str) -> None:
        send_recording_callback(self.sim, recording, event)


def _channel(refs: tuple[TrackRef, ...]) -> Track | Mix:
    if len(refs) == 1:
        track: Track = refs[0].track
        return track
    return Mix(tuple(ref.track for ref in refs))
