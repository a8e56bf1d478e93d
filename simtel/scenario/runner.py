"""Building a `Simulator` from a scenario, and running it to the end.

`build(scenario)` makes the simulation (account, numbers, parties, trunks, apps) and schedules
everything the scenario plans (scripted calls, traffic, conference participants, actions) as
SimPy processes; nothing happens until `ScenarioRun.run()`.

How a run ends: with a `duration`, time runs to `duration` (traffic stops arriving then), after
which the run *winds down*: calls still live and recordings still in progress or processing are
let finish (simulated time jumps from one scheduled event to the next, in whole seconds), so
every call in the summary has its final status. Without a `duration` the run winds down from
the start. The wind-down stops at `WIND_DOWN_LIMIT` simulated seconds past the horizon at most.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from simtel.clock import parse_epoch
from simtel.engine.calls.call import Call
from simtel.engine.recordings.recording import Recording
from simtel.errors import ScenarioError
from simtel.scenario.loader import Block, Scenario
from simtel.scenario.offered import ExactSum, OfferedCalls
from simtel.scenario.parties import party_from, twiml_of
from simtel.scenario.subaccounts import account_of, create_subaccounts
from simtel.simulator import Simulator
from simtel.webhooks.media import MediaMap

if TYPE_CHECKING:
    from simtel.scenario.queueing import QueueStudy
    from simtel.store import Writer

WIND_DOWN_LIMIT = 6 * 3600.0
DEFAULT_APP_URL = "http://app.test/voice"
FINAL_RECORDING = frozenset({"completed", "absent", "failed", "deleted"})
Progress = Callable[[float], None]


@dataclass(eq=False)
class ScenarioRun:
    """A built simulation and what the scenario placed in it.

    `offered` are the calls the scenario itself placed (scripted, traffic, participants), in
    order; `dial` legs and other children are not offered calls. `labels` maps a scripted
    call's label (or its index, as text) to its Call once placed.
    """

    scenario: Scenario
    sim: Simulator
    offered: OfferedCalls = field(default_factory=lambda: OfferedCalls(keep_calls=True))
    labels: dict[str, Call] = field(default_factory=dict)
    trunk_sids: dict[str, str] = field(default_factory=dict)
    pending: int = 0
    #: the exact duration of each recording post-processed `completed`, by SID (a simulation
    #: that keeps its media); a lean one keeps only their exact sum, `recorded_seconds`
    recording_seconds: dict[str, float] = field(default_factory=dict)
    recorded_seconds: ExactSum = field(default_factory=lambda: ExactSum())
    #: completed recordings a lean run kept for `render`
    kept: int = 0
    #: the scenario's queues and agent pools (`simtel.scenario.queueing`), if any
    queue_study: QueueStudy | None = None

    def tally_recording(self, recording: Recording) -> None:
        """A recorder `on_complete` hook: keeps what the summary needs once media are dropped."""
        if recording.status == "completed" and recording.exact_duration is not None:
            if self.sim.keep_media:
                self.recording_seconds[recording.sid] = recording.exact_duration
            self.recorded_seconds.add(recording.exact_duration)

    def keep_for_render(self, recording: Recording) -> bool:
        """A recorder `retain` predicate: a lean run still keeps the recordings `render` will
        write (all of them, or the first N to complete; a simulation keeping its media renders
        the first N to start)."""
        wanted = render_count(self.scenario)
        if recording.status != "completed" or (wanted is not None and self.kept >= wanted):
            return False
        self.kept += 1
        return True

    @property
    def duration(self) -> float | None:
        return self.scenario.duration

    def run(self, progress: Progress | None = None, steps: int = 100) -> float:
        """Run to the horizon (in `steps` slices, calling `progress(now)` after each), then wind
        down; returns the final simulated time."""
        horizon = self.duration
        if horizon is not None and horizon > 0:
            for step in range(1, steps + 1):
                self.sim.run(until=horizon * step / steps, flush=False)
                if progress is not None:
                    progress(self.sim.now)
        self._wind_down((horizon or 0.0) + WIND_DOWN_LIMIT)
        if progress is not None:
            progress(self.sim.now)
        return self.sim.now

    def busy(self) -> bool:
        """Anything still to happen that the summary waits for."""
        if self.pending > 0:
            return True
        if any(call.is_live for call in self.sim.calls.values()):
            return True
        return any(r.status not in FINAL_RECORDING for r in self.sim.recorder.recordings.values())

    def _wind_down(self, limit: float) -> None:
        """Whole-second steps until nothing the summary waits for is left; the store is flushed
        once at the end (thousands of one-second steps would otherwise each be a transaction)."""
        env = self.sim.env
        while self.busy() and self.sim.now < limit:
            upcoming = env.peek()
            if math.isinf(upcoming):
                break
            step = min(limit, max(math.floor(self.sim.now) + 1, math.ceil(upcoming)))
            self.sim.run(until=step, flush=False)
        self.sim.store.flush()

    def render(self, folder: Path) -> list[Path]:
        """Write the media of the recordings `render` asks for as `folder/RE….wav`."""
        wanted = render_count(self.scenario)
        done = [r for r in self.sim.recorder.recordings.values() if r.status == "completed"]
        chosen = done if wanted is None else done[:wanted]
        written: list[Path] = []
        if chosen:
            folder.mkdir(parents=True, exist_ok=True)
        for recording in chosen:
            target = folder / f"{recording.sid}.wav"
            target.write_bytes(self.sim.recording_media(recording.sid, "wav", None))
            written.append(target)
        return written

    @property
    def report(self) -> bool:
        return bool(self.scenario.root.get("report", True))


def render_count(scenario: Scenario) -> int | None:
    """How many completed recordings to render: None for all."""
    value = scenario.root.get("render", "all")
    if value == "all":
        return None
    if value == "none":
        return 0
    if isinstance(value, Block):
        return int(value["first"])
    return int(value)


def build(
    scenario: Scenario,
    *,
    seed: int | None = None,
    db: str | Path | None = None,
    media_dir: str | Path | None = None,
    account_sid: str | None = None,
    auth_token: str | None = None,
    public_url: str = "http://127.0.0.1:8080",
    keep_events: bool | None = None,
    keep_media: bool | None = None,
    store_writer: Writer = "thread",
) -> ScenarioRun:
    """The simulation a scenario describes, with its plans scheduled (see the module doc)."""
    from simtel.scenario import schedule

    root = scenario.root
    account = root.get("account") or Block("account", root.line)
    sim = Simulator(
        seed=scenario.seed if seed is None else seed,
        epoch=_epoch(scenario),
        db=db,
        account_sid=account_sid or account.get("sid"),
        auth_token=auth_token or account.get("auth_token"),
        public_url=public_url,
        allow_http=bool(root.get("allow_http", False)),
        media_dir=media_dir,
        media_map=_media_map(scenario),
        keep_events=keep_events,
        keep_media=keep_media,
        store_writer=store_writer,
    )
    run = ScenarioRun(scenario, sim, offered=OfferedCalls(keep_calls=sim.keep_media))
    sim.call_engine.on_end.append(run.offered.ended)
    sim.recorder.on_complete.append(run.tally_recording)
    sim.recorder.retain = run.keep_for_render
    try:
        _account(run, account)
        _sinks(run)
        _trunks(run)
        create_subaccounts(run)
        _numbers(run)
        if root.get("queues") or root.get("agents"):  # the queue engine only when used
            from simtel.scenario import queueing

            run.queue_study = queueing.setup(run)
        if "default_party" in root:
            sim.default_party = party_from(root["default_party"], sim.default_party)
        for address, block in (root.get("parties") or {}).items():
            sim.set_party(address, party_from(block, sim.party_for(address)))
        schedule.schedule_all(run)
    except BaseException:
        sim.close()
        raise
    return run


def _media_map(scenario: Scenario) -> MediaMap:
    """`media:` URL prefix -> folder (relative to the scenario file) for `<Play>` URLs."""
    block = scenario.root.get("media")
    media_map = MediaMap()
    if not isinstance(block, Block):
        return media_map
    for prefix, folder in block.items():
        try:
            media_map.add(str(prefix), scenario.resolve(str(folder)))
        except ValueError as exc:
            raise scenario.error(block, str(prefix), str(exc)) from None
    return media_map


def _epoch(scenario: Scenario) -> datetime:
    try:
        return parse_epoch(scenario.epoch)
    except ValueError:
        raise scenario.error(
            scenario.root, "epoch", f"{scenario.epoch!r} is not an ISO 8601 date and time"
        ) from None


def _account(run: ScenarioRun, block: Block) -> None:
    sim, scenario = run.sim, run.scenario
    sim.account.media_auth = bool(block.get("media_auth", False))
    sim.recorder.delete_silent = bool(block.get("delete_silent_recordings", False))
    if "encryption_public_key" in block:
        path = scenario.resolve(str(block["encryption_public_key"]))
        try:
            sim.account.encryption_public_key = path.read_bytes()
        except OSError as error:
            message = f"cannot read {path}: {error.strerror}"
            raise scenario.error(block, "encryption_public_key", message) from None


def _sinks(run: ScenarioRun) -> None:
    for url in run.scenario.root.get("sinks") or ():
        run.sim.mount(str(url), sink_app)


async def sink_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app that answers every request `200 <Response/>`: a place for callbacks to land."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-type", b"application/xml")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"<Response/>"})


def _trunks(run: ScenarioRun) -> None:
    for block in run.scenario.root.get("trunks") or ():
        name = str(block["name"])
        if name in run.trunk_sids:
            raise run.scenario.error(block, "name", f"a trunk named '{name}' exists already")
        recording = block.get("recording") or {}
        trunk = run.sim.trunks.create(
            name,
            capacity=block.get("capacity"),
            cps=block.get("cps"),
            recording_mode=recording.get("mode", "do-not-record"),
            trim=recording.get("trim", "do-not-trim"),
        )
        run.trunk_sids[name] = trunk.sid


def _numbers(run: ScenarioRun) -> None:
    scenario = run.scenario
    for number, block in (scenario.root.get("numbers") or {}).items():
        url, twiml = twiml_of(scenario, block)
        if "app" in block:
            url = url or DEFAULT_APP_URL
            if twiml is not None:
                raise scenario.error(block, "app", "an app answers with TwiML itself: drop twiml")
            base = urlsplit(url)
            run.sim.mount(f"{base.scheme}://{base.netloc}", load_app(scenario, block))
        run.sim.add_number(
            number,
            voice_url=url,
            voice_method=block.get("method", "POST"),
            twiml=twiml,
            voice_fallback_url=block.get("fallback_url"),
            status_callback=block.get("status_callback"),
            friendly_name=block.get("friendly_name"),
            account_sid=account_of(run, block),
        )


def load_app(scenario: Scenario, block: Block) -> Any:
    """The ASGI app `module:attr` names; modules next to the scenario file are found too."""
    spec = str(block["app"])
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise scenario.error(block, "app", f"{spec!r} is not of the form 'module:attribute'")
    folder = str(scenario.folder.resolve())
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        module = import_module(module_name)
        app = module
        for part in attr.split("."):
            app = getattr(app, part)
    except (ImportError, AttributeError) as error:
        raise scenario.error(block, "app", f"cannot load {spec}: {error}") from None
    finally:
        if added:
            sys.path.remove(folder)
    if not callable(app):
        raise scenario.error(block, "app", f"{spec} is not an ASGI app")
    return app


__all__ = ["ScenarioError", "ScenarioRun", "build", "render_count", "sink_app"]
