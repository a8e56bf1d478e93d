"""Queues: `<Enqueue>`, the Queue resource's commands, and who is told when callers come and go.

Contract, in simulated time:

* A queue is named per account: `<Enqueue>` joins the live queue of that friendly name in the
  call's account, creating it on demand (max size 1000); `<Dial><Queue>` dials the queue of
  the dialing call's account; the REST API creates, renames, resizes and deletes queues.
* `<Enqueue>` (`enqueue`) makes the call a member at the back of the queue and holds it there:
  it hears Twilio's default hold music (simtel's stand-in, as for conferences) or its waitUrl
  document (`wait.QueueWait`), never recorded. It leaves with a `QueueResult`:
  `bridged` once a `<Dial><Queue>` took it and that bridge ended, `hangup` when the caller hung
  up (or the wait document said `<Hangup>`), `leave` on `<Leave>`, `redirected` when the REST
  API redirected the call (UpdateCall or UpdateMember `Url`), `queue-full` when there was no
  room (never a member), `error` when the wait document failed, `system-error` when the queue
  was deleted under it. `QueueTime` is the whole seconds spent waiting (until taken, for
  `bridged`).
* Every arrival is offered to the oldest `<Dial><Queue>` waiting on an empty queue, then to the
  `on_enqueue` hooks; every departure runs the `on_leave` hooks, every bridge (once the two
  hear each other) the `on_bridge` hooks, every `queue-full` the `on_refuse` hooks (the
  scenario's queue study listens to all four).
* Events: `queue.created` / `queue.updated` / `queue.deleted`, `member.enqueued`,
  `member.left` (with `result` and `queue_time`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.engine.calls.call import Call
from simtel.engine.conferences.audio import HOLD_MUSIC
from simtel.engine.execution.verbs import Leg
from simtel.engine.queues.dequeue import dequeue
from simtel.engine.queues.queue import DEFAULT_MAX_SIZE, MAX_MAX_SIZE, Member, Queue
from simtel.engine.queues.wait import QueueWait
from simtel.errors import NotFound, TwilioError
from simtel.events import EventKind
from twiml import commands as cmd

if TYPE_CHECKING:
    from simtel.engine.context import EngineContext

Hook = Callable[[Queue, Member], None]
LeaveHook = Callable[[Queue, Member, str], None]
BridgeHook = Callable[[Queue, Member, "Bridge"], None]
RefuseHook = Callable[[Queue, Call], None]
INVALID_PARAMETER = 20001
NAME_IN_USE = 22003  # "A queue with this friendly name already exists" (simtel's pick)
HOLD_KEY = "queue-hold"


class Bridge:
    """A member taken by a `<Dial><Queue>`: `ended` fires when the bridge is over."""

    def __init__(self, env: simpy.Environment, dequeuer: Call, taken_at: float) -> None:
        self.dequeuer = dequeuer
        self.taken_at = taken_at
        self.started_at: float | None = None  # None until the two hear each other
        self.ended = env.event()
        #: the caller was redirected away (REST) while bridged: the dequeuer's dial ends
        self.cut = env.event()


class Queues:
    """Every queue of one simulation."""

    def __init__(self, sim: EngineContext) -> None:
        self.sim = sim
        self.env = sim.env
        self.by_sid: dict[str, Queue] = {}
        #: live queues by (account SID, friendly name)
        self.by_name: dict[tuple[str, str], Queue] = {}
        self.on_enqueue: list[Hook] = []
        self.on_leave: list[LeaveHook] = []
        self.on_bridge: list[BridgeHook] = []
        self.on_refuse: list[RefuseHook] = []

    # -- the resource ---------------------------------------------------------------------------
    def get(self, sid: str, account_sid: str | None = None) -> Queue:
        """The live queue `sid` of `account_sid` (None: the main account); else 20404."""
        account = account_sid or self.sim.account.sid
        found = self.by_sid.get(sid)
        if found is None or found.deleted or found.account_sid != account:
            raise NotFound(f"/2010-04-01/Accounts/{account}/Queues/{sid}.json")
        return found

    def named(self, name: str, account_sid: str | None = None) -> Queue | None:
        return self.by_name.get((account_sid or self.sim.account.sid, name))

    def of_account(self, account_sid: str | None = None) -> list[Queue]:
        """An account's live queues, oldest first."""
        account = account_sid or self.sim.account.sid
        return [q for q in self.by_sid.values() if q.account_sid == account and not q.deleted]

    def create(
        self,
        friendly_name: str,
        max_size: int = DEFAULT_MAX_SIZE,
        account_sid: str | None = None,
    ) -> Queue:
        account = account_sid or self.sim.account.sid
        if (account, friendly_name) in self.by_name:
            raise TwilioError(NAME_IN_USE, 400, f"A queue named {friendly_name!r} already exists")
        _check_size(max_size)
        now = self.env.now
        queue = Queue(self.sim.sids.mint("QU"), account, friendly_name, max_size, now, now)
        self.by_sid[queue.sid] = queue
        self.by_name[(account, friendly_name)] = queue
        self.sim.events.emit(
            EventKind.QUEUE_CREATED,
            queue.sid,
            account_sid=account,
            friendly_name=friendly_name,
            max_size=max_size,
        )
        return queue

    def update(
        self,
        sid: str,
        *,
        friendly_name: str | None = None,
        max_size: int | None = None,
        account_sid: str | None = None,
    ) -> Queue:
        queue = self.get(sid, account_sid)
        changed: dict[str, Any] = {}
        if friendly_name is not None and friendly_name != queue.friendly_name:
            if (queue.account_sid, friendly_name) in self.by_name:
                raise TwilioError(
                    NAME_IN_USE, 400, f"A queue named {friendly_name!r} already exists"
                )
            del self.by_name[(queue.account_sid, queue.friendly_name)]
            queue.friendly_name = changed["friendly_name"] = friendly_name
            self.by_name[(queue.account_sid, friendly_name)] = queue
        if max_size is not None:
            _check_size(max_size)
            queue.max_size = changed["max_size"] = max_size
        if changed:
            queue.date_updated = self.env.now
            self.sim.events.emit(EventKind.QUEUE_UPDATED, queue.sid, **changed)
        return queue

    def delete(self, sid: str, account_sid: str | None = None) -> None:
        """Delete a queue; callers still waiting leave it with `system-error`."""
        queue = self.get(sid, account_sid)
        queue.deleted = True
        del self.by_name[(queue.account_sid, queue.friendly_name)]
        self.sim.events.emit(EventKind.QUEUE_DELETED, queue.sid)
        for member in list(queue.members):
            if not member.taken.triggered:
                member.taken.succeed("system-error")
        for dialer in queue.dialers:
            if not dialer.triggered:
                dialer.succeed()
        queue.dialers.clear()

    # -- members --------------------------------------------------------------------------------
    def take_front(self, queue: Queue, dequeuer: Call) -> tuple[Member, Bridge] | None:
        """Take the front member for `dequeuer` (a `<Dial><Queue>`); None when empty."""
        while queue.members:
            member = queue.members[0]
            now = self.env.now
            queue.remove(member, now)
            if member.taken.triggered or not member.call.is_live:
                continue
            bridge = Bridge(self.env, dequeuer, now)
            member.taken.succeed(bridge)
            self._left(queue, member, "bridged", dequeued_by=dequeuer.sid)
            return member, bridge
        return None

    def _left(self, queue: Queue, member: Member, result: str, **extra: Any) -> None:
        wait = member.wait_time(self.env.now)
        self.sim.events.emit(
            EventKind.MEMBER_LEFT,
            member.call.sid,
            queue_sid=queue.sid,
            result=result,
            queue_time=round(wait, 6),
            **extra,
        )
        for hook in self.on_leave:
            hook(queue, member, result)

    def params(self, queue: Queue, member: Member) -> cmd.Params:
        """The waitUrl request parameters, as they are now."""
        now = self.env.now
        return (
            ("QueuePosition", str(queue.position(member))),
            ("QueueSid", queue.sid),
            ("QueueTime", str(int(member.wait_time(now)))),
            ("AvgQueueTime", str(queue.average_wait_time(now))),
            ("CurrentQueueSize", str(queue.current_size)),
            ("MaxQueueSize", str(queue.max_size)),
        )

    # -- <Dial><Queue> --------------------------------------------------------------------------
    def dial(
        self, leg: Leg, target: cmd.DialTarget, command: cmd.Dial
    ) -> Generator[simpy.Event, Any, cmd.DialResult]:
        """Run `<Dial><Queue>` on `leg` (`simtel.engine.queues.dequeue`)."""
        return (yield from dequeue(self, leg, target, command))

    # -- <Enqueue> ------------------------------------------------------------------------------
    def enqueue(
        self, leg: Leg, command: cmd.Enqueue
    ) -> Generator[simpy.Event, Any, cmd.EnqueueResult]:
        """Run `<Enqueue>` on `leg` until the call leaves the queue (see the contract)."""
        if leg.gone:
            return cmd.EnqueueResult("hangup", None, None, hangup=True)
        account = leg.call.account_sid
        queue = self.named(command.name, account) or self.create(command.name, account_sid=account)
        if queue.full:
            for refused in self.on_refuse:
                refused(queue, leg.call)
            return cmd.EnqueueResult("queue-full", None, None)
        call, env = leg.call, self.env
        member = Member(call, queue, env.now, env.event())
        queue.members.append(member)
        self.sim.events.emit(
            EventKind.MEMBER_ENQUEUED,
            call.sid,
            queue_sid=queue.sid,
            position=queue.current_size,
            current_size=queue.current_size,
        )
        self._offer(queue, member)
        wait = self._hold(call, queue, member, command)
        try:
            events = [member.taken, leg.hangup_event()]
            if wait is not None:
                events.append(wait.ended)
            yield env.any_of(events)
        except simpy.Interrupt:  # UpdateCall / UpdateMember `Url`: the flow redirects the call
            self._release(call, wait)
            return self._gone(queue, member, "redirected")
        self._release(call, wait)
        taken = member.taken.value if member.taken.triggered else None
        if isinstance(taken, Bridge):
            queue_time = round(taken.taken_at - member.enqueued_at)
            try:
                yield env.any_of([taken.ended, leg.hangup_event()])
            except simpy.Interrupt:  # redirected while bridged: the agent's side ends too
                if not taken.cut.triggered:
                    taken.cut.succeed()
                return cmd.EnqueueResult("redirected", queue.sid, queue_time)
            return cmd.EnqueueResult("bridged", queue.sid, queue_time, hangup=leg.gone)
        if taken == "system-error":
            return self._gone(queue, member, "system-error")
        if leg.gone:
            return self._gone(queue, member, "hangup", hangup=True)
        assert wait is not None and wait.ended.triggered
        end = wait.ended.value
        assert isinstance(end, cmd.CallEnd)
        if end.reason == "hangup":
            self.sim.call_engine.finish(call, "completed")
            return self._gone(queue, member, "hangup", hangup=True)
        return self._gone(queue, member, "leave" if end.reason == "leave" else "error")

    def _offer(self, queue: Queue, member: Member) -> None:
        while queue.dialers:
            dialer = queue.dialers.pop(0)
            if not dialer.triggered:
                dialer.succeed()
                break
        for hook in self.on_enqueue:
            hook(queue, member)

    def _hold(
        self, call: Call, queue: Queue, member: Member, command: cmd.Enqueue
    ) -> QueueWait | None:
        if command.wait_url is None:
            call.audio.open(HOLD_KEY, "outbound", self.env.now, HOLD_MUSIC)
            return None
        return QueueWait(
            self.sim,
            call,
            command.wait_url,
            command.wait_url_method,
            lambda: self.params(queue, member),
        )

    def _release(self, call: Call, wait: QueueWait | None) -> None:
        call.audio.close(HOLD_KEY, self.env.now)
        if wait is not None:
            wait.stop()

    def _gone(
        self, queue: Queue, member: Member, result: cmd.QueueResult, *, hangup: bool = False
    ) -> cmd.EnqueueResult:
        now = self.env.now
        if member.left_at is None:
            queue.remove(member, now)
            self._left(queue, member, result)
        return cmd.EnqueueResult(result, queue.sid, round(member.wait_time(now)), hangup=hangup)


def _check_size(max_size: int) -> None:
    if not 1 <= max_size <= MAX_MAX_SIZE:
        raise TwilioError(
            INVALID_PARAMETER, 400, f"MaxSize must be between 1 and {MAX_MAX_SIZE}: {max_size}"
        )
