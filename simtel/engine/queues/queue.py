"""A call queue and its members: the Queue and Member resources, as plain state.

A queue belongs to one account (its friendly name is unique there). A `Queue` keeps its
members in arrival order (FIFO): position 1 is the front, the member
`<Dial><Queue>` takes next and the one REST's `Front` names. `max_size` bounds how many may
wait (default 1000, at most 5000, as Twilio documents); an `<Enqueue>` into a full queue is
refused (`QueueResult=queue-full`) and never becomes a member.

`average_wait_time` is what Twilio documents: the average wait, in whole seconds, of the
members waiting at the moment it is read (0 for an empty queue). The run's statistics of every
caller who ever waited (for reports) are kept apart, in `QueueStats`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import simpy

from simtel.engine.calls.call import Call

DEFAULT_MAX_SIZE = 1000
MAX_MAX_SIZE = 5000
MAX_NAME = 64


@dataclass(eq=False)
class Member:
    """One call waiting in a queue. `taken` fires when a `<Dial><Queue>` takes it (its value
    is the dequeuing call) or the REST API redirects it away (value None)."""

    call: Call
    queue: Queue
    enqueued_at: float
    taken: simpy.Event
    left_at: float | None = None

    @property
    def call_sid(self) -> str:
        return self.call.sid

    def wait_time(self, now: float) -> float:
        end = self.left_at if self.left_at is not None else now
        return max(0.0, end - self.enqueued_at)


@dataclass(slots=True)
class QueueStats:
    """Every caller who left this queue, for reports: how many, and their total wait."""

    left: int = 0
    total_wait: float = 0.0

    def add(self, wait: float) -> None:
        self.left += 1
        self.total_wait += wait


@dataclass(eq=False)
class Queue:
    sid: str
    account_sid: str
    friendly_name: str
    max_size: int
    date_created: float
    date_updated: float
    members: list[Member] = field(default_factory=list)
    #: `<Dial><Queue>` legs waiting for a caller, oldest first (each an event to succeed)
    dialers: list[simpy.Event] = field(default_factory=list)
    stats: QueueStats = field(default_factory=QueueStats)
    deleted: bool = False

    @property
    def current_size(self) -> int:
        return len(self.members)

    @property
    def full(self) -> bool:
        return len(self.members) >= self.max_size

    def position(self, member: Member) -> int:
        """1-based position (the front is 1); 0 once the member has left."""
        for index, waiting in enumerate(self.members):
            if waiting is member:
                return index + 1
        return 0

    def member(self, call_sid: str) -> Member | None:
        if call_sid == "Front":
            return self.members[0] if self.members else None
        return next((m for m in self.members if m.call.sid == call_sid), None)

    def average_wait_time(self, now: float) -> int:
        if not self.members:
            return 0
        return round(sum(m.wait_time(now) for m in self.members) / len(self.members))

    def remove(self, member: Member, now: float) -> None:
        if member in self.members:
            self.members.remove(member)
            member.left_at = now
            self.stats.add(member.wait_time(now))

    def fields(self, now: float) -> dict[str, Any]:
        """The resource's fields (times as simulated seconds)."""
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "max_size": self.max_size,
            "current_size": self.current_size,
            "average_wait_time": self.average_wait_time(now),
            "date_created": self.date_created,
            "date_updated": self.date_updated,
        }

    def member_fields(self, member: Member, now: float) -> dict[str, Any]:
        return {
            "call_sid": member.call.sid,
            "queue_sid": self.sid,
            "date_enqueued": member.enqueued_at,
            "position": self.position(member),
            "wait_time": int(member.wait_time(now)),
        }
