"""What a scenario plans in time: scripted calls, traffic streams, conference participants, and
API actions, each a SimPy process started by `schedule_all(run)`.

* A scripted call is `inbound` when `to` is one of the scenario's numbers (the party at `from`
  calls it and the number's TwiML answers), else `outbound-api` (CreateCall from `from` to the
  party at `to`, running the call's own `twiml`/`url`). With `trunk` it is a trunk call instead:
  `trunking-originating` for inbound, `trunking-terminating` for outbound.
* A traffic stream places one call per arrival until the horizon. Its holding time is how long
  the *caller* stays after answer (inbound) or the *called* party (outbound). Traffic parties
  speak at pitches taken in turn from `TRAFFIC_PITCHES`. Its outcome mix
  decides whether the called side answers: inbound calls to a number are always answered by the
  number's TwiML, so a mix there is an error.
* A conference participant calls the conference's number (one is made up when not given) at
  `at`; that number's TwiML is `<Dial><Conference>` with the conference's `record` settings.
* An action runs an API command on a scripted call at `at`: `start_recording` (the
  StartCallRecording API), a recording `status` change (`recording: current` is
  `Twilio.CURRENT`, the default), `press` or `hangup`. An action the API would refuse does not
  stop the run: it becomes an error `notification` event with Twilio's code.
"""

from __future__ import annotations

import difflib
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from simtel.engine.calls.call import Call
from simtel.engine.calls.parties import Party
from simtel.engine.recordings.recorder import CURRENT
from simtel.errors import TwilioError
from simtel.events import EventKind
from simtel.scenario import traffic
from simtel.scenario.loader import Block
from simtel.scenario.parties import call_options, party_from, start_recording_options
from simtel.scenario.subaccounts import account_of

if TYPE_CHECKING:
    from simtel.scenario.runner import ScenarioRun

Process = Generator[simpy.Event, Any, None]
DEFAULT_FROM = "+15005550006"
TRAFFIC_ADDRESS_BASE = 5552000000
CONFERENCE_NUMBER_BASE = 5550009000
#: voices of traffic parties, taken in turn: a load run has thousands of parties, more than the
#: engine's table of well-separated pitches
TRAFFIC_PITCHES = (105.0, 120.0, 135.0, 150.0, 170.0, 190.0, 210.0, 230.0, 255.0, 280.0, 310.0)
TWIML_KEYS = ("twiml", "twiml_file", "url")
INBOUND_ONLY_KEYS = ("record", *TWIML_KEYS, "account")


def schedule_all(run: ScenarioRun) -> None:
    root = run.scenario.root
    _check_horizon(run)
    for index, block in enumerate(root.get("calls") or ()):
        place = _placer(run, block)
        _start(run, block.get("at", 0.0), _scripted(run, index, block, place))
    for index, block in enumerate(root.get("conferences") or ()):
        _conference(run, index, block)
    for index, block in enumerate(root.get("traffic") or ()):
        _start(run, 0.0, _stream(run, index, block))
    for block in root.get("actions") or ():
        _check_call_ref(run, block)
        _start(run, block["at"], _action(run, block))
    for pool in run.queue_study.pools if run.queue_study is not None else ():
        _start(run, 0.0, pool.staff())


def _start(run: ScenarioRun, at: float, body: Process) -> None:
    run.pending += 1

    def process() -> Process:
        try:
            if at > 0:
                yield run.sim.env.timeout(at)
            yield from body
        finally:
            run.pending -= 1

    run.sim.env.process(process())


def _check_horizon(run: ScenarioRun) -> None:
    scenario, root = run.scenario, run.scenario.root
    horizon = scenario.duration
    if root.get("traffic") and horizon is None:
        raise scenario.error(root, "traffic", "traffic needs a scenario 'duration'")
    if horizon is None:
        return
    for section in ("calls", "actions"):
        for block in root.get(section) or ():
            if block.get("at", 0.0) > horizon:
                raise scenario.error(
                    block, "at", f"is after the scenario's duration ({horizon:g} s)"
                )


# -- scripted calls ---------------------------------------------------------------------------
def _scripted(run: ScenarioRun, index: int, block: Block, place: Any) -> Process:
    yield run.sim.env.timeout(0)
    call = place()
    run.offered.append(call)
    run.labels[str(index)] = call
    if "label" in block:
        run.labels[str(block["label"])] = call


def _placer(run: ScenarioRun, block: Block) -> Any:
    """Checks a scripted call now (errors at load time), returns the function placing it."""
    scenario, sim = run.scenario, run.sim
    to, from_ = str(block["to"]), str(block.get("from", DEFAULT_FROM))
    inbound = block.get("direction", "inbound" if to in sim.numbers else "outbound-api")
    inbound = inbound == "inbound"
    if "trunk" in block:
        trunk_sid = _trunk_sid(run, block, "trunk")
        direction = "trunking-originating" if inbound else "trunking-terminating"
        called = party_from(block.get("party"), sim.party_for(to))
        return lambda: sim.trunks.place_call(trunk_sid, from_, to, called, direction)
    if inbound:
        if to not in sim.numbers:
            raise scenario.error(block, "to", f"{to} is not one of the scenario's numbers")
        for key in INBOUND_ONLY_KEYS:
            if key in block:
                raise scenario.error(
                    block, key, "an inbound call runs its number's TwiML; set it under numbers"
                )
        caller = party_from(block.get("party"), sim.party_for(from_))
        return lambda: sim.place_inbound_call(from_, to, party=caller)
    _require_twiml(run, block, "to")
    options = call_options(scenario, block)
    called = party_from(block.get("party"), sim.party_for(to))
    account_sid = account_of(run, block, placing=True)
    return lambda: sim.create_call(to, from_, options, party=called, account_sid=account_sid)


def _require_twiml(run: ScenarioRun, block: Block, to_key: str) -> None:
    """An outbound call runs TwiML, as CreateCall demands (21205 without `Url` or `Twiml`): one
    with none is an error here, with a did-you-mean when `to` nearly names a scenario number
    (calling that number would make the call inbound, answered by the number's TwiML)."""
    if any(key in block for key in TWIML_KEYS):
        return
    to = str(block[to_key])
    close = difflib.get_close_matches(to, sorted(run.sim.numbers), n=1, cutoff=0.8)
    hint = ""
    if close and close[0] != to:
        hint = f" (did you mean the scenario's number '{close[0]}'?)"
    raise run.scenario.error(
        block,
        to_key,
        f"an outbound call to {to} runs no TwiML{hint}; give one of url, twiml, twiml_file "
        "(CreateCall refuses a call without them: 21205)",
    )


def _trunk_sid(run: ScenarioRun, block: Block, key: str) -> str:
    name = str(block[key])
    if name not in run.trunk_sids:
        known = ", ".join(sorted(run.trunk_sids)) or "(none)"
        raise run.scenario.error(block, key, f"no trunk named '{name}'; trunks: {known}")
    return run.trunk_sids[name]


# -- traffic ----------------------------------------------------------------------------------
def _stream(run: ScenarioRun, index: int, block: Block) -> Process:
    """Checked at once (errors at load time); the returned process places the calls."""
    scenario, sim = run.scenario, run.sim
    day = sim.clock.epoch
    arrivals = traffic.build_arrivals(
        scenario, block["arrivals"], day.hour * 3600 + day.minute * 60 + day.second
    )
    holding = traffic.build_holding(scenario, block["holding"])
    outcomes = traffic.build_outcomes(scenario, block.get("outcomes"))
    place = _traffic_placer(run, block, outcomes)
    base = TRAFFIC_ADDRESS_BASE + index * 100_000
    return _arrivals(run, arrivals, holding, outcomes, place, base)


def _arrivals(
    run: ScenarioRun,
    arrivals: traffic.Arrivals,
    holding: traffic.Holding,
    outcomes: traffic.OutcomeMix,
    place: Any,
    base: int,
) -> Process:
    sim = run.sim
    yield sim.env.timeout(0)
    for count, at in enumerate(arrivals.times(sim.rng, run.scenario.duration or 0.0)):
        if at > sim.now:
            yield sim.env.timeout(at - sim.now)
        talk_seconds = holding.sample(sim.rng)
        outcome = outcomes.draw(sim.rng)
        run.offered.append(place(f"+1{base + count}", talk_seconds, outcome))


def _traffic_placer(run: ScenarioRun, block: Block, outcomes: traffic.OutcomeMix) -> Any:
    scenario, sim = run.scenario, run.sim
    target = str(block["target"])
    inbound = block.get("direction", "inbound") == "inbound"
    talk = block.get("talk", "spurts")
    answer_after = block.get("answer_after", Party().answer_after)

    def parties(seconds: float, outcome: str) -> tuple[Party, Party]:
        count = len(run.offered)
        # the other side stays a second longer: it never ends the call first, and its speech is
        # planned for the call's length only
        caller = Party(
            hangup_after=seconds if inbound else seconds + 1.0,
            talk=talk,
            pitch_hz=TRAFFIC_PITCHES[count % len(TRAFFIC_PITCHES)],
        )
        called = Party(
            outcome=outcome,  # type: ignore[arg-type]
            answer_after=answer_after,
            hangup_after=seconds + 1.0 if inbound else seconds,
            talk=talk,
            pitch_hz=TRAFFIC_PITCHES[(count + 5) % len(TRAFFIC_PITCHES)],
        )
        return caller, called

    if target in run.trunk_sids:
        _refuse(run, block, ("record", "twiml", "twiml_file", "url"), "a trunk call")
        trunk_sid = run.trunk_sids[target]
        direction = "trunking-originating" if inbound else "trunking-terminating"
        to = str(block.get("number", DEFAULT_FROM))

        def on_trunk(address: str, seconds: float, outcome: str) -> Call:
            caller, called = parties(seconds, outcome)
            if inbound:
                return sim.trunks.place_call(
                    trunk_sid, address, to, called, direction, caller=caller
                )
            return sim.trunks.place_call(trunk_sid, to, address, called, direction, caller=caller)

        return on_trunk
    if target not in sim.numbers:
        raise scenario.error(block, "target", f"{target} is neither a number nor a trunk")
    if "queue" in block or "patience" in block:  # callers who wait in a queue
        if "queue" not in block:
            raise scenario.error(block, "patience", "patience applies to 'queue' callers only")
        from simtel.scenario import queueing

        return queueing.queue_placer(run, block, target, talk)
    if inbound:
        _refuse(run, block, INBOUND_ONLY_KEYS, "an inbound call")
        if [name for name, _ in outcomes.weights] != ["answer"]:
            raise scenario.error(
                block, "outcomes", "inbound calls to a number are answered by its TwiML"
            )
        return lambda address, seconds, outcome: sim.place_inbound_call(
            address, target, party=parties(seconds, outcome)[0]
        )
    _require_twiml(run, block, "target")
    options = call_options(scenario, block)
    return lambda address, seconds, outcome: sim.create_call(
        address, target, options, party=parties(seconds, outcome)[1]
    )


def _refuse(run: ScenarioRun, block: Block, keys: tuple[str, ...], what: str) -> None:
    for key in keys:
        if key in block:
            raise run.scenario.error(block, key, f"does not apply to {what}")


# -- conferences ------------------------------------------------------------------------------
def _conference(run: ScenarioRun, index: int, block: Block) -> None:
    # here, not at the top: xml.sax.saxutils imports urllib.request (http.client, ssl)
    from xml.sax.saxutils import escape, quoteattr

    sim = run.sim
    number = str(block.get("number", f"+1{CONFERENCE_NUMBER_BASE + index}"))
    attributes = ""
    if "record" in block:
        attributes += f" record={quoteattr(block['record'])}"
    if "recording_status_callback" in block:
        attributes += f" recordingStatusCallback={quoteattr(block['recording_status_callback'])}"
    twiml = (
        f"<Response><Dial><Conference{attributes}>{escape(str(block['name']))}"
        "</Conference></Dial></Response>"
    )
    if number in sim.numbers:
        raise run.scenario.error(block, "number", f"{number} is already one of the numbers")
    sim.add_number(number, twiml=twiml, friendly_name=f"conference {block['name']}")
    for participant in block["participants"]:
        from_ = str(participant["from"])
        caller = party_from(participant.get("party"), sim.party_for(from_))
        _start(
            run, participant.get("at", 0.0), _participant(run, participant, from_, number, caller)
        )


def _participant(run: ScenarioRun, block: Block, from_: str, number: str, caller: Party) -> Process:
    yield run.sim.env.timeout(0)
    call = run.sim.place_inbound_call(from_, number, party=caller)
    run.offered.append(call)
    if "label" in block:
        run.labels[str(block["label"])] = call


# -- actions ----------------------------------------------------------------------------------
def _check_call_ref(run: ScenarioRun, block: Block) -> None:
    root = run.scenario.root
    ref = block["call"]
    calls = root.get("calls") or []
    labels = {str(c["label"]) for c in calls if "label" in c}
    for conference in root.get("conferences") or ():
        labels |= {str(p["label"]) for p in conference["participants"] if "label" in p}
    if (isinstance(ref, int) and 0 <= ref < len(calls)) or str(ref) in labels:
        return
    known = ", ".join(sorted(labels)) or "none"
    message = f"{ref!r} names no call: use an index 0..{len(calls) - 1} or a label ({known})"
    raise run.scenario.error(block, "call", message)


def _action(run: ScenarioRun, block: Block) -> Process:
    yield run.sim.env.timeout(0)
    call = run.labels.get(str(block["call"]))
    try:
        if call is None:
            raise TwilioError(20404, 404, f"call {block['call']!r} was not placed yet")
        _act(run, call, block)
    except TwilioError as error:
        run.sim.events.emit(
            EventKind.NOTIFICATION,
            call.sid if call is not None else "",
            code=error.code,
            level="error",
            message=f"scenario action at {block['at']:g} s: {error.message}",
        )


def _act(run: ScenarioRun, call: Call, block: Block) -> None:
    sim = run.sim
    if "start_recording" in block:
        options = start_recording_options(block["start_recording"])
        sim.recorder.start_call_recording(call, "StartCallRecordingAPI", options)
    if "status" in block:
        wanted = str(block.get("recording", "current"))
        sid = CURRENT if wanted.lower() in ("current", CURRENT.lower()) else wanted
        path = f"/2010-04-01/Accounts/{sim.account.sid}/Calls/{call.sid}/Recordings/{sid}.json"
        recording = sim.recorder.resolve(call.sid, sid, path)
        sim.recorder.update(recording, block["status"], block.get("pause_behavior", "silence"))
    if "press" in block:
        sim.call_engine.press(call, str(block["press"]))
    if block.get("hangup"):
        sim.call_engine.complete(call)
