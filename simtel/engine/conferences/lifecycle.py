"""Conferences: `<Dial><Conference>` and CreateParticipant, lifecycle, mixing and recording.

Contract, in simulated time:

* A conference is named per account: a friendly name maps to at most one live conference; once
  it has completed, the same name creates a new one (a new `CF` SID). It is created `init` by
  its first participant, whose status-callback settings are the conference's (§6.5).
* It starts (`in-progress`, `conference-start`) when at least two participants are present and
  one of them has `startConferenceOnEnter`. Until then participants hear hold audio
  (`conference_room`); hold audio is never recorded.
* It ends (`completed`) when a participant with `endConferenceOnExit` leaves
  (`participant-with-end-conference-on-exit-left`), when the last participant leaves
  (`last-participant-left`), or by the API (`conference-ended-via-api`);
  `call_sid_ending_conference` is the call that caused it. The participants still present leave
  then; a `<Dial><Conference>` participant's call goes on to its next verb, a participant added
  by the API is hung up.
* Recording: when a participant asks for `record-from-start`, the conference is recorded from
  the moment it starts (the first two participants bridged) or, if it is already in progress,
  from that participant's join; the settings (`trim`, `recordingStatusCallback*`) are those of
  the first participant that asked. Source `Conference`, `conference_sid` set, `call_sid` the
  call of that participant (Twilio's example shows a CA SID there). One channel, as the seed
  says of `<Conference>` recordings; with the account's `dual_channel_conference_recordings`
  (Twilio's 2025 default) stored dual: channel 1 the first participant, channel 2 everyone else
  and the beeps.
  It stops when the conference ends (stopping it through the API is refused by the recorder).
* `<Dial record=...>` around a `<Conference>` records the participant's own leg (source
  `DialVerb`: its inbound on channel 1, what it hears of the conference on channel 2).
* Refusals (`rules.refusal_of`: 16025, 16020, 13240) are a notification and a failed
  `DialResult`, so the call's next verb runs; the API answers them with HTTP 400.
* A coach (`coach`/`CallSidToCoach`) is heard only by the participant it coaches, hears
  everyone, and is not recorded. `Dial timeLimit` caps the time in the conference.
* Keys: a participant's DTMF sounds in the conference (see `room.Conference.key`). With
  `<Dial hangupOnStar="true">`, `*` makes the participant leave (`ReasonParticipantLeft`
  `participant_hung_up`: it left by its own action) and its call goes on: the `<Dial>`'s
  `action` with `DialCallStatus=answered`, or the next verb (DOC-DIAL).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.engine.calls.call import Call
from simtel.engine.conferences.audio import ENTER_BEEP, EXIT_BEEP
from simtel.engine.conferences.callbacks import end_params, send_conference_callback
from simtel.engine.conferences.room import Conference, Participant
from simtel.engine.conferences.rules import (
    CONFERENCE_GONE,
    ENTER_BEEPS,
    EXIT_BEEPS,
    conference_ending,
    refusal_of,
)
from simtel.engine.conferences.setup import (
    ParticipantRequest,
    conference_options,
    conference_recording_options,
    hold_audio,
    hold_player,
)
from simtel.engine.execution.dialed import dial_recording
from simtel.engine.execution.verbs import Leg
from simtel.engine.recordings.callbacks import recording_url
from simtel.errors import NotFound, TwilioError
from simtel.events import EventKind
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext


class Conferences:
    """Every conference of one simulation."""

    def __init__(self, sim: EngineContext) -> None:
        self.sim = sim
        self.env = sim.env
        self.by_sid: dict[str, Conference] = {}
        #: the main account's live conferences by friendly name (a name is unique per account:
        #: a subaccount's are in `live_of`, see `_rooms`)
        self.live: dict[str, Conference] = {}
        self.live_of: dict[str, dict[str, Conference]] = {}
        self._pending: dict[str, Participant] = {}

    # -- lookups --------------------------------------------------------------------------------
    def get(self, sid: str) -> Conference:
        found = self.by_sid.get(sid)
        if found is None:
            raise NotFound(f"/2010-04-01/Accounts/{self.sim.account.sid}/Conferences/{sid}.json")
        return found

    def participant(self, conference_sid: str, call_sid: str) -> Participant:
        found = self.get(conference_sid).participants.get(call_sid)
        if found is None or found.status in ("complete", "failed"):
            path = f"/2010-04-01/Accounts/{self.sim.account.sid}/Conferences/{conference_sid}"
            raise NotFound(f"{path}/Participants/{call_sid}.json")
        return found

    def _rooms(self, account_sid: str) -> dict[str, Conference]:
        """The live conferences of an account, by friendly name."""
        if account_sid == self.sim.account.sid:
            return self.live
        return self.live_of.setdefault(account_sid, {})

    # -- <Dial><Conference> ---------------------------------------------------------------------
    def join(
        self, call: Call, target: cmd.DialTarget, dial: cmd.Dial
    ) -> Generator[simpy.Event, Any, cmd.DialResult]:
        """Run `call` in the conference `target.address` until it leaves (see the contract)."""
        options = target.conference or conference_options()
        leg = Leg(self.sim, call)
        if leg.gone:
            return cmd.DialResult("failed", None, None, False, hangup=True)
        conference = self._rooms(call.account_sid).get(target.address)
        refusal = refusal_of(conference, options)
        if refusal is not None:
            leg.notify(cmd.Notice(refusal.code, "error", refusal.message))
            return cmd.DialResult("failed", None, None, False, hangup=leg.gone)
        conference = conference or self._open(target.address, options, call.account_sid)
        participant = self._enter(conference, call, options)
        recording = dial_recording(self.sim, call, dial)
        yield from self._stay(participant, float(dial.time_limit), dial.hangup_on_star)
        if recording is not None and recording.is_active:
            self.sim.recorder.stop(recording)
        return cmd.DialResult(
            "answered",
            None,
            None,
            True,
            recording_url=recording_url(self.sim, recording.sid) if recording else None,
            recording_sid=recording.sid if recording else None,
            hangup=leg.gone,
        )

    def _stay(
        self, participant: Participant, limit: float, hangup_on_star: bool = False
    ) -> Generator[simpy.Event, Any, None]:
        """Until the participant hangs up, is made to leave, reaches `limit`, or presses `*`
        with `hangup_on_star`; every other key it presses meanwhile sounds in the conference."""
        left = participant.left
        assert left is not None
        call = participant.call
        hangup = Leg(self.sim, call).hangup_event()
        limit_reached = self.env.timeout(max(limit, 0.0))
        reason = "participant_hung_up"
        try:
            while True:
                key = call.context["key"]
                yield self.env.any_of([hangup, left, limit_reached, key])
                if hangup.processed or left.processed or limit_reached.processed:
                    break
                if hangup_on_star and key.value == "*":
                    break  # leaves the conference; the call goes on to its next verb
                conference = self.by_sid[participant.conference_sid]
                conference.key(participant, str(key.value), self.env.now)
        except simpy.Interrupt:
            reason = "participant_updated_via_api"
            raise
        finally:
            if participant.present:
                self._leave(participant, reason)

    # -- the API ------------------------------------------------------------------------------
    def create_participant(
        self, conference: str, request: ParticipantRequest, account_sid: str | None = None
    ) -> Participant:
        """CreateParticipant: dial `request.to` and join it to `conference` (a CF SID, or a
        friendly name, which creates the conference when none is live) of the account
        `account_sid` (None: the main account)."""
        account_sid = account_sid or self.sim.account.sid
        if conference.startswith("CF") and len(conference) == 34:
            found: Conference | None = self.get(conference)
            if found is not None and not found.live:
                raise TwilioError(CONFERENCE_GONE, 400, "Conference does not exist or is completed")
        else:
            found = self._rooms(account_sid).get(conference)
        refusal = refusal_of(found, request.conference)
        if refusal is not None:
            raise refusal
        room = found or self._open(conference, request.conference, account_sid)
        engine = self.sim.call_engine
        call = engine.new_call(
            to=request.to,
            from_=request.from_,
            direction="outbound-api",
            options=request.call,
            party=request.party or self.sim.party_for(request.to),
            account_sid=room.account_sid,
        )
        participant = self._participant(room, call, request.conference, status="queued")
        room.participants[call.sid] = participant
        self._pending[call.sid] = participant
        self.sim.events.emit(EventKind.PARTICIPANT_CREATED, call.sid, **participant.fields())
        engine.start_outbound(call, on_connect=lambda _: self._api_participant(participant))
        return participant

    def end(self, conference_sid: str) -> Conference:
        """UpdateConference `Status=completed`; a completed conference is left as it is."""
        conference = self.get(conference_sid)
        if conference.live:
            self._end(conference, "conference-ended-via-api", None)
        return conference

    def update_participant(
        self, conference_sid: str, call_sid: str, *, muted: bool | None, hold: bool | None
    ) -> Participant:
        """UpdateParticipant `Muted` / `Hold` (events `participant-[un]mute`, `-[un]hold`)."""
        participant = self.participant(conference_sid, call_sid)
        conference = self.by_sid[conference_sid]
        changes: list[str] = []
        if muted is not None and muted != participant.muted:
            participant.muted = muted
            changes.append("participant-mute" if muted else "participant-unmute")
        if hold is not None and hold != participant.hold:
            participant.hold = hold
            changes.append("participant-hold" if hold else "participant-unhold")
        if changes:
            self._touch(participant, "muted", "hold")
            conference.route(self.env.now)
            for event in changes:
                send_conference_callback(self.sim, conference, event, participant)
        return participant

    # -- lifecycle ----------------------------------------------------------------------------
    def _open(self, name: str, options: cmd.ConferenceOptions, account_sid: str) -> Conference:
        now = self.env.now
        conference = Conference(
            sid=self.sim.sids.mint("CF"),
            account_sid=account_sid,
            friendly_name=name,
            date_created=now,
            date_updated=now,
            settings=options,
            region=options.region or "us1",
        )
        self.by_sid[conference.sid] = conference
        self._rooms(account_sid)[name] = conference
        self.sim.events.emit(EventKind.CONFERENCE_CREATED, conference.sid, **conference.fields())
        return conference

    def _participant(
        self, conference: Conference, call: Call, options: cmd.ConferenceOptions, status: str
    ) -> Participant:
        now = self.env.now
        return Participant(
            call=call,
            conference_sid=conference.sid,
            options=options,
            date_created=now,
            date_updated=now,
            muted=options.muted,
            coaching=options.coach is not None,
            call_sid_to_coach=options.coach,
            status=status,
        )

    def _enter(
        self,
        conference: Conference,
        call: Call,
        options: cmd.ConferenceOptions,
        participant: Participant | None = None,
    ) -> Participant:
        now = self.env.now
        created = participant is None
        if participant is None:
            participant = self._participant(conference, call, options, status="connected")
        participant.status, participant.present = "connected", True
        participant.left = self.env.event()
        participant.hold_audio = hold_audio(self.sim, call, options)
        participant.hold_player = hold_player(self.sim, call, options)
        conference.participants[call.sid] = participant
        if conference.first_sid is None:
            conference.first_sid = call.sid
        if options.record == "record-from-start" and conference.record_settings is None:
            conference.record_settings = options
            conference.recorded_by = call.sid
        if created:
            self.sim.events.emit(EventKind.PARTICIPANT_CREATED, call.sid, **participant.fields())
        else:
            self._touch(participant, "status", "listed")
        send_conference_callback(self.sim, conference, "participant-join", participant)
        self._maybe_start(conference)
        if conference.status == "in-progress" and options.beep in ENTER_BEEPS:
            conference.announce(ENTER_BEEP, ENTER_BEEP.duration, now)
        conference.route(now)
        self._maybe_record(conference)
        return participant

    def _maybe_start(self, conference: Conference) -> None:
        present = conference.present
        if conference.status != "init" or len(present) < 2:
            return
        if not any(p.options.start_conference_on_enter for p in present):
            return
        self._set_status(conference, "in-progress")
        send_conference_callback(self.sim, conference, "conference-start")

    def _maybe_record(self, conference: Conference) -> None:
        settings = conference.record_settings
        if settings is None or conference.recording is not None:
            return
        if conference.status != "in-progress":
            return
        conference.recording = self.sim.recorder.start(
            owner=conference.sid,
            call_sid=conference.recorded_by,
            conference_sid=conference.sid,
            source="Conference",
            options=conference_recording_options(settings),
            layout=conference.layout(self.sim.account.dual_channel_conference_recordings),
            speakers=tuple(p.call for p in conference.present),
            account_sid=conference.account_sid,
        )

    def _leave(self, participant: Participant, reason: str) -> None:
        conference = self.by_sid[participant.conference_sid]
        now = self.env.now
        participant.present, participant.status = False, "complete"
        participant.leave_reason = reason
        self._touch(participant, "status", "listed")
        if participant.left is not None and not participant.left.triggered:
            participant.left.succeed(reason)
        conference.route(now)
        others = conference.present and not conference_ending(conference)
        if others and conference.status == "in-progress" and participant.options.beep in EXIT_BEEPS:
            conference.announce(EXIT_BEEP, EXIT_BEEP.duration, now)
        extra = [
            ("ParticipantCallStatus", participant.call.status),
            ("ReasonParticipantLeft", reason),
        ]
        send_conference_callback(self.sim, conference, "participant-leave", participant, extra)
        if conference_ending(conference) or not conference.live:
            return
        if participant.options.end_conference_on_exit:
            self._end(conference, "participant-with-end-conference-on-exit-left", participant)
        elif not conference.present and not self._waiting_for(conference):
            self._end(conference, "last-participant-left", participant)

    def _end(self, conference: Conference, reason: str, ending: Participant | None) -> None:
        conference.reason_conference_ended = reason
        conference.call_sid_ending_conference = ending.sid if ending is not None else None
        why = "conference_ended_via_api" if ending is None else "moderator_ended_conference"
        for participant in conference.present:
            self._leave(participant, why)
        conference.route(self.env.now)
        self._rooms(conference.account_sid).pop(conference.friendly_name, None)
        self._set_status(
            conference,
            "completed",
            reason_conference_ended=reason,
            call_sid_ending_conference=conference.call_sid_ending_conference,
        )
        self.sim.recorder.stop_owned(conference.sid)
        send_conference_callback(
            self.sim, conference, "conference-end", extra=end_params(conference, ending)
        )

    def _set_status(self, conference: Conference, status: str, **fields: Any) -> None:
        conference.status = status
        conference.date_updated = self.env.now
        self.sim.events.emit(
            EventKind.CONFERENCE_UPDATED,
            conference.sid,
            status=status,
            date_updated=conference.date_updated,
            **fields,
        )

    def _touch(self, participant: Participant, *names: str) -> None:
        participant.date_updated = self.env.now
        api = participant.fields()
        fields = {name: api[name] for name in (*names, "date_updated", "conference_sid")}
        self.sim.events.emit(EventKind.PARTICIPANT_UPDATED, participant.sid, **fields)

    def _waiting_for(self, conference: Conference) -> bool:
        return any(p.conference_sid == conference.sid for p in self._pending.values())

    # -- participants added by the API ------------------------------------------------------------
    def _api_participant(self, participant: Participant) -> Generator[simpy.Event, Any, None]:
        self._pending.pop(participant.sid, None)
        conference = self.by_sid[participant.conference_sid]
        if not conference.live:
            return
        self._enter(conference, participant.call, participant.options, participant)
        yield from self._stay(participant, participant.call.options.time_limit)

    def call_ended(self, call: Call) -> None:
        """A call added by the API that ended before it joined: the participant `failed`.
        The call engine's `on_end` hook, which the simulator installs (`Simulator.conferences`)."""
        participant = self._pending.pop(call.sid, None)
        if participant is None:
            return
        participant.status = "failed"
        self._touch(participant, "status", "listed")
        conference = self.by_sid[participant.conference_sid]
        if conference.live and not conference.present and not self._waiting_for(conference):
            self._end(conference, "last-participant-left", participant)
