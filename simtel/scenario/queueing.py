"""Contact-centre scenarios: `queues:`, `agents:` pools, and traffic that waits in a queue.

Everything runs through simtel's own TwiML, as an app on Twilio would build it:

* Each `queues:` entry is created (REST's CreateQueue) before anything rings, so agents may
  dial it while it is empty.
* Callers reach a queue through their number's TwiML (`<Enqueue>name</Enqueue>`). A traffic
  stream with `queue: name` says its callers are that queue's: their `holding` time counts from
  the moment an agent is bridged to them (then the caller hangs up), and with `patience` (a
  distribution, like `holding`) a caller still waiting when its patience runs out hangs up:
  an abandoned call (`QueueResult=hangup`).
* An agent is a call leg that logs in for its shift: it dials the pool's login number, whose
  TwiML (served in process at `AGENT_APP/<pool>`) is `<Dial timeout="600"><Queue>name</Queue>
  </Dial>`, then `<Pause length="wrap_up"/>` and `<Redirect/>` back: it waits for a caller,
  talks, wraps up, and waits again. `answer_after` (whole seconds) is a `<Queue url>` pause the
  caller hears once taken, before the agent is on the line. `twiml` replaces that document.
* Staffing: `count` agents all the time, or `staffing` (24 hourly counts by the hour of day of
  the simulated clock), or `shifts` (`start`, `end`, `count`; overlapping shifts add up). When
  the staffed count drops, idle agents log out (hang up) at once and busy ones when their call
  ends. At the scenario's `duration` traffic stops and the centre closes: agents serve the
  callers still waiting, then log out as the queue empties (no caller's wait is cut short).
"""

from __future__ import annotations

import difflib
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from simtel.engine.calls.call import Call
from simtel.engine.calls.parties import Party
from simtel.engine.queues.queue import DEFAULT_MAX_SIZE, Member, Queue
from simtel.scenario import traffic
from simtel.scenario.queue_metrics import QueueTally

if TYPE_CHECKING:
    from simtel.engine.queues.lifecycle import Bridge
    from simtel.scenario.loader import Block, Scenario
    from simtel.scenario.runner import ScenarioRun

AGENT_APP = "http://agents.simtel.test"
AGENT_NUMBER_BASE = 5550008000
HOUR = 3600.0
DIAL_TIMEOUT = 600
DEFAULT_SERVICE_LEVEL = 20.0
Process = Generator[simpy.Event, Any, None]


@dataclass(eq=False)
class Agent:
    call: Call
    login_at: float
    bridge: Bridge | None = None  # the call it is on, if any
    leaving: bool = False


@dataclass(frozen=True)
class CallerPlan:
    """A queue caller's draws: talk seconds once bridged, patience (None: endless)."""

    talk: float
    patience: float | None


class QueueStudy:
    """The queues and agent pools of one scenario run, and the tallies of their metrics."""

    def __init__(self, run: ScenarioRun) -> None:
        self.run = run
        self.sim = run.sim
        self.tallies: dict[str, QueueTally] = {}
        self.plans: dict[str, CallerPlan] = {}
        self.agents: dict[str, Agent] = {}
        self.pools: list[AgentPool] = []
        queues = self.sim.queues
        queues.on_enqueue.append(self._enqueued)
        queues.on_leave.append(self._left)
        queues.on_bridge.append(self._bridged)
        queues.on_refuse.append(self._refused)

    # -- setup ------------------------------------------------------------------------------------
    def add_queue(self, block: Block, service_level: float) -> None:
        name = str(block["name"])
        scenario = self.run.scenario
        if name in self.tallies:
            raise scenario.error(block, "name", f"a queue named '{name}' exists already")
        max_size = int(block.get("max_size", DEFAULT_MAX_SIZE))
        if not 1 <= max_size <= 5000:
            raise scenario.error(block, "max_size", "must be between 1 and 5000")
        queue = self.sim.queues.create(name, max_size)
        self.tallies[name] = QueueTally(queue.sid, service_level)

    def queue_name(self, block: Block, key: str) -> str:
        """`block[key]`, checked to name a queue of the scenario (with a did-you-mean)."""
        name = str(block[key])
        if name not in self.tallies:
            close = difflib.get_close_matches(name, list(self.tallies), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            known = ", ".join(sorted(self.tallies)) or "none"
            message = f"no queue named '{name}'{hint}; the scenario's queues: {known}"
            raise self.run.scenario.error(block, key, message)
        return name

    def plan_caller(self, call: Call, plan: CallerPlan) -> None:
        self.plans[call.sid] = plan

    # -- engine hooks -----------------------------------------------------------------------------
    def _enqueued(self, queue: Queue, member: Member) -> None:
        tally = self.tallies.get(queue.friendly_name)
        if tally is not None:
            tally.enqueued(self.sim.now, queue.current_size)
        plan = self.plans.get(member.call.sid)
        if plan is not None and plan.patience is not None:
            timer = self.sim.env.timeout(plan.patience)
            timer.callbacks.append(lambda _: self._out_of_patience(member))

    def _refused(self, queue: Queue, call: Call) -> None:
        tally = self.tallies.get(queue.friendly_name)
        if tally is not None:
            tally.refused += 1

    def _out_of_patience(self, member: Member) -> None:
        if member.left_at is None and member.call.is_live:
            self.sim.call_engine.hangup(member.call)

    def _left(self, queue: Queue, member: Member, result: str) -> None:
        tally = self.tallies.get(queue.friendly_name)
        if tally is not None:
            tally.left(self.sim.now, member.wait_time(self.sim.now), result, queue.current_size)
        if queue.current_size == 0:
            for pool in self.pools:
                if pool.closing and pool.queue == queue.friendly_name:
                    pool.adjust(0)

    def _bridged(self, queue: Queue, member: Member, bridge: Bridge) -> None:
        now = self.sim.now
        tally = self.tallies.get(queue.friendly_name)
        if tally is not None:
            tally.answered(now - member.enqueued_at)
        plan = self.plans.pop(member.call.sid, None)
        if plan is not None:
            timer = self.sim.env.timeout(plan.talk)
            timer.callbacks.append(lambda _: self._hang_up(member.call))
        agent = self.agents.get(bridge.dequeuer.sid)
        if agent is not None:
            agent.bridge = bridge
            bridge.ended.callbacks.append(lambda _: self._agent_free(agent, bridge))

    def _hang_up(self, call: Call) -> None:
        if call.is_live:
            self.sim.call_engine.hangup(call)

    def _agent_free(self, agent: Agent, bridge: Bridge) -> None:
        """A bridge ended (the agent may already be on its next one, at this same instant)."""
        pool = next(p for p in self.pools if agent in p.on_duty)
        pool.busy_seconds += self.sim.now - bridge.taken_at + pool.wrap_up
        if agent.bridge is bridge:
            agent.bridge = None
            if agent.leaving and not pool.serving_to_close():
                pool.log_out(agent)


class AgentPool:
    """One `agents:` entry: its agents' legs, logged in and out as its staffing says."""

    def __init__(self, study: QueueStudy, block: Block, index: int) -> None:
        scenario = study.run.scenario
        self.study = study
        self.sim = study.sim
        self.name = str(block.get("name", f"agents-{index + 1}"))
        self.queue = study.queue_name(block, "queue")
        self.wrap_up = round(float(block.get("wrap_up", 0)))
        self.answer_after = round(float(block.get("answer_after", 0)))
        self.talk = str(block.get("talk", "silent"))
        self.staffing = Staffing.of(scenario, block, self.sim.clock.epoch)
        self.number = str(block.get("number", f"+1{AGENT_NUMBER_BASE + index}"))
        self.twiml = block.get("twiml")
        self.on_duty: list[Agent] = []
        self.logged_seconds = 0.0
        self.busy_seconds = 0.0
        self.logins = 0
        self.closing = False
        self.sim.add_number(self.number, voice_url=f"{AGENT_APP}/{index}", configured=False)
        study.pools.append(self)

    def document(self) -> str:
        if self.twiml is not None:
            return str(self.twiml)
        url = f' url="{AGENT_APP}/answer/{self.answer_after}"' if self.answer_after > 0 else ""
        pause = f'<Pause length="{self.wrap_up}"/>' if self.wrap_up > 0 else ""
        return (
            f'<Response><Dial timeout="{DIAL_TIMEOUT}"><Queue{url}>{_xml(self.queue)}</Queue>'
            f"</Dial>{pause}<Redirect/></Response>"
        )

    def staff(self) -> Process:
        """Log agents in and out at each change of the staffed count; all out at the horizon."""
        env = self.sim.env
        horizon = self.study.run.scenario.duration or 0.0
        for at, count in self.staffing.changes(horizon):
            if at > env.now:
                yield env.timeout(at - env.now)
            self.adjust(count)
        if horizon > env.now:
            yield env.timeout(horizon - env.now)
        self.closing = True
        self.adjust(0)

    def serving_to_close(self) -> bool:
        """At the horizon agents stay until their queue is empty (nobody is left waiting)."""
        queue = self.sim.queues.named(self.queue)
        return self.closing and queue is not None and queue.current_size > 0

    def adjust(self, count: int) -> None:
        staying = [a for a in self.on_duty if not a.leaving]
        for _ in range(count - len(staying)):
            self.log_in()
        extra = len(staying) - count
        idle_first = sorted(staying, key=lambda a: a.bridge is not None)
        for agent in idle_first[: max(0, extra)]:
            agent.leaving = True
            if agent.bridge is None and not self.serving_to_close():
                self.log_out(agent)

    def log_in(self) -> None:
        self.logins += 1
        address = f"client:{self.name}-{self.logins}"
        party = Party(answer_after=0.0, hangup_after=None, talk=self.talk)  # type: ignore[arg-type]
        call = self.sim.place_inbound_call(address, self.number, party=party)
        agent = Agent(call, self.sim.now)
        self.on_duty.append(agent)
        self.study.agents[call.sid] = agent

    def log_out(self, agent: Agent) -> None:
        if agent in self.on_duty:
            self.on_duty.remove(agent)
            self.logged_seconds += self.sim.now - agent.login_at
        if agent.call.is_live:
            self.sim.call_engine.hangup(agent.call)

    def occupancy(self, now: float) -> float:
        logged = self.logged_seconds + sum(now - a.login_at for a in self.on_duty)
        return self.busy_seconds / logged if logged > 0 else 0.0


@dataclass(frozen=True)
class Staffing:
    """How many agents are on duty: `constant`, else 24 hourly counts, else shifts."""

    constant: int | None = None
    hourly: tuple[int, ...] = ()
    day_offset: float = 0.0
    shifts: tuple[tuple[float, float, int], ...] = ()

    @classmethod
    def of(cls, scenario: Scenario, block: Block, epoch: Any) -> Staffing:
        given = [key for key in ("count", "staffing", "shifts") if key in block]
        if len(given) != 1:
            message = "an agent pool needs exactly one of: count, staffing, shifts"
            raise scenario.error(block, given[1] if len(given) > 1 else None, message)
        if "count" in block:
            return cls(constant=int(block["count"]))
        if "staffing" in block:
            hourly = tuple(int(n) for n in block["staffing"])
            if len(hourly) != 24:
                raise scenario.error(
                    block, "staffing", f"needs 24 hourly counts, got {len(hourly)}"
                )
            offset = epoch.hour * HOUR + epoch.minute * 60 + epoch.second
            return cls(hourly=hourly, day_offset=float(offset))
        shifts = []
        for shift in block["shifts"]:
            start, end = float(shift["start"]), float(shift["end"])
            if end <= start:
                raise scenario.error(shift, "end", "a shift must end after it starts")
            shifts.append((start, end, int(shift["count"])))
        return cls(shifts=tuple(shifts))

    def at(self, t: float) -> int:
        if self.constant is not None:
            return self.constant
        if self.hourly:
            return self.hourly[int((self.day_offset + t) // HOUR) % 24]
        return sum(count for start, end, count in self.shifts if start <= t < end)

    def changes(self, horizon: float) -> list[tuple[float, int]]:
        """(instant, count) at 0 and wherever the count changes before `horizon`."""
        points = {0.0}
        if self.hourly:
            first = HOUR - self.day_offset % HOUR
            points.update(first + k * HOUR for k in range(int(horizon // HOUR) + 1))
        for start, end, _ in self.shifts:
            points.update((start, end))
        out: list[tuple[float, int]] = []
        for t in sorted(p for p in points if p < horizon or p == 0.0):
            count = self.at(t)
            if not out or out[-1][1] != count:
                out.append((t, count))
        return out


def setup(run: ScenarioRun) -> QueueStudy | None:
    """The scenario's queues and agent pools (None when it has neither)."""
    root, scenario = run.scenario.root, run.scenario
    if not root.get("queues") and not root.get("agents"):
        return None
    study = QueueStudy(run)
    for block in root.get("queues") or ():
        study.add_queue(block, float(block.get("service_level", DEFAULT_SERVICE_LEVEL)))
    agents = root.get("agents") or ()
    if agents and scenario.duration is None:
        raise scenario.error(root, "agents", "agents need a scenario 'duration' (their shifts end)")
    for index, block in enumerate(agents):
        AgentPool(study, block, index)
    if study.pools:
        run.sim.mount(AGENT_APP, agent_app(study))
    return study


def queue_placer(run: ScenarioRun, block: Block, target: str, talk: str) -> Any:
    """The placer of a traffic stream whose callers wait in `queue` (see the module doc)."""
    study = run.queue_study
    scenario, sim = run.scenario, run.sim
    if study is None:
        raise scenario.error(block, "queue", "the scenario has no 'queues'")
    study.queue_name(block, "queue")
    if block.get("direction", "inbound") != "inbound" or target not in sim.numbers:
        raise scenario.error(block, "queue", "queue callers call one of the scenario's numbers")
    patience = traffic.build_holding(scenario, block["patience"]) if "patience" in block else None

    def place(address: str, seconds: float, outcome: str) -> Call:
        del outcome  # answered by the number's TwiML
        party = Party(hangup_after=None, talk=talk)  # type: ignore[arg-type]
        call = sim.place_inbound_call(address, target, party=party)
        drawn = None if patience is None else patience.sample(sim.rng)
        study.plan_caller(call, CallerPlan(seconds, drawn))
        return call

    return place


def agent_app(study: QueueStudy) -> Any:
    """The pools' TwiML, in process: `/<pool index>` and `/answer/<seconds>`."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        parts = str(scope["path"]).strip("/").split("/")
        if parts[0] == "answer" and len(parts) == 2 and parts[1].isdigit():
            body = f'<Response><Pause length="{int(parts[1])}"/></Response>'
        elif len(parts) == 1 and parts[0].isdigit() and int(parts[0]) < len(study.pools):
            body = study.pools[int(parts[0])].document()
        else:
            body = "<Response><Hangup/></Response>"
        headers = [(b"content-type", b"text/xml")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    return app


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
