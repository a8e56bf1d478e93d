"""Who is speaking in a conference now: the console's "speaking" marks, read on demand.

A participant is speaking at simulated second `now` when its call is live, answered, and its
party is inside one of its talk spurts (scripted utterances or drawn spurts: `SpeechPlan`),
whether or not the others hear it (a muted participant who talks is still speaking; the console
shows muted next to it). Reading it draws a leg's lazy spurts if nothing had drawn them yet:
the draw is the leg's own, so it changes nothing else in the simulation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simtel.audio.spans import SpanArray

if TYPE_CHECKING:
    from simtel.engine.calls.call import Call
    from simtel.engine.conferences.room import Conference

#: how far past `now` a spurt may start and still count (a spurt starting at `now` counts)
INSTANT = 1e-6


def talking(call: Call, now: float) -> bool:
    """Whether `call`'s party is in a talk spurt at simulated second `now`."""
    speech, answered = call.speech, call.answered_at
    if speech is None or answered is None or not call.is_live or not speech.spurts:
        return False
    t = now - answered
    spurts = speech.drawn()
    if isinstance(spurts, SpanArray):
        return any(end > start for start, end in spurts.touching(t, t + INSTANT))
    return any(start <= t < end for start, end in spurts)


def speaking(conference: Conference | None, now: float) -> frozenset[str]:
    """The call SIDs of the participants present in `conference` who are speaking at `now`
    (none when there is no such conference, e.g. a finished run browsed read-only)."""
    if conference is None:
        return frozenset()
    return frozenset(p.sid for p in conference.present if talking(p.call, now))
