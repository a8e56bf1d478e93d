"""`/_simtel/parties`: who is at the far end of a number, set while the server runs.

The same fields as a scenario's `parties` and `default_party` (docs/scenarios.md), as JSON:

    {"answer": "answer", "answer_after": 2, "hangup_after": null, "talk": "script",
     "script": [{"at": 1, "say": "Hi, it is Ana"}], "presses": [{"at": 12, "digits": "1#"}],
     "pitch_hz": 180, "name": "Ana"}

| method | path | body | answer |
|---|---|---|---|
| GET | `/_simtel/parties` | | `{"default": party, "parties": {address: party}}` |
| GET | `/_simtel/parties/{address}` | | the party `address` gets (its own, else the default) |
| PUT | `/_simtel/parties/{address}` | party JSON | the party set (unset keys: the default's) |
| DELETE | `/_simtel/parties/{address}` | | 204; the address gets the default party again |
| PUT | `/_simtel/parties/default` | party JSON | the new default (over the built-in one) |
| DELETE | `/_simtel/parties/default` | | 204; the built-in default is back |

The built-in default answers after 3 s, talks in spurts and hangs up 30 s after answering.

`address` is a phone number (`+15551230000`, URL-encoded `%2B` or not), `client:...` or a SIP URI.
An outbound call's party is the one of its `To`, an inbound (placed) call's the one of its
`From`; a change applies to calls that start after it. A body that does not fit is 400 with
the offending key; a body is at most `MAX_BODY` bytes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from simtel.api.errors import InvalidParameter
from simtel.engine.calls.parties import DEFAULT_PARTY, Party, Press, Utterance
from simtel.scenario.schema import PARTY, ListOf, Scalar, Section, Spec

if TYPE_CHECKING:
    from simtel.simulator import Simulator

DEFAULT = "default"
KEYS = re.compile(r"^[0-9*#wW]{1,64}$")
MAX_BODY = 64 * 1024
MAX_ADDRESS = 256
_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
}


def routes(sim: Simulator, guard: Any, prefix: str) -> list[BaseRoute]:
    """The routes, each wrapped in the control API's `guard` (auth, Twilio-style errors)."""
    parties = _Parties(sim)
    return [
        Route(f"{prefix}/parties", guard(parties.list), methods=["GET"]),
        Route(f"{prefix}/parties/{{address:path}}", guard(parties.one), methods=["GET"]),
        Route(f"{prefix}/parties/{{address:path}}", guard(parties.put), methods=["PUT", "POST"]),
        Route(f"{prefix}/parties/{{address:path}}", guard(parties.delete), methods=["DELETE"]),
    ]


class _Parties:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def list(self, request: Request) -> Response:
        chosen, default = dict(self.sim.parties), self.sim.default_party  # reads: no lock needed
        return JSONResponse(
            {
                "default": party_json(default),
                "parties": {address: party_json(p) for address, p in sorted(chosen.items())},
            }
        )

    async def one(self, request: Request) -> Response:
        address = _address(request)
        party = self.sim.default_party if address == DEFAULT else self.sim.party_for(address)
        return JSONResponse(party_json(party))

    async def put(self, request: Request) -> Response:
        address = _address(request)
        body = await request.body()
        if len(body) > MAX_BODY:
            raise InvalidParameter(f"A party is at most {MAX_BODY} bytes of JSON")
        try:
            fields = json.loads(body or b"{}")
        except ValueError:
            raise InvalidParameter("A party is a JSON object (see docs/scenarios.md)") from None
        _check(fields, PARTY, "party")
        for index, press in enumerate(fields.get("presses") or ()):
            if not KEYS.match(press["digits"]):
                raise InvalidParameter(
                    f"Invalid party.presses[{index}].digits '{press['digits'][:40]}': "
                    "expected DTMF keys 0-9, *, # (w, W: pauses)"
                )
        party = await run_in_threadpool(self._set, address, fields)
        return JSONResponse(party_json(party))

    def _set(self, address: str, fields: dict[str, Any]) -> Party:
        """Under the simulator's lock, in a worker thread (never the event loop: the lock may be
        held by a step)."""
        with self.sim.lock:
            base = DEFAULT_PARTY if address == DEFAULT else self.sim.default_party
            party = party_from_json(fields, base)
            if address == DEFAULT:
                self.sim.default_party = party
            else:
                self.sim.set_party(address, party)
            return party

    async def delete(self, request: Request) -> Response:
        await run_in_threadpool(self._forget, _address(request))
        return Response(status_code=204)

    def _forget(self, address: str) -> None:
        with self.sim.lock:
            if address == DEFAULT:
                self.sim.default_party = DEFAULT_PARTY
            else:
                self.sim.parties.pop(address, None)


def _address(request: Request) -> str:
    address = str(request.path_params["address"]).strip()
    if not address or len(address) > MAX_ADDRESS:
        raise InvalidParameter(f"Invalid party address '{address[:40]}'")
    if address[0] == " ":
        address = "+" + address[1:]  # a `+` sent unencoded in a path reads as a space
    return address


def party_json(party: Party) -> dict[str, Any]:
    """`party` in the scenario format's keys."""
    return {
        "answer": party.outcome,
        "answer_after": party.answer_after,
        "hangup_after": party.hangup_after,
        "talk": party.talk,
        "script": [
            {"at": u.at, "say": u.text, **({"duration": u.duration} if u.duration else {})}
            for u in party.script
        ],
        "presses": [
            {"at": p.at, "digits": p.digits, "interval": p.interval} for p in party.presses
        ],
        "pitch_hz": party.pitch_hz,
        "name": party.name,
    }


def party_from_json(fields: dict[str, Any], base: Party) -> Party:
    """`base` with the scenario-format `fields` applied (checked already)."""
    names = {"answer": "outcome", "answer_after": "answer_after", "hangup_after": "hangup_after"}
    names |= {"talk": "talk", "pitch_hz": "pitch_hz", "name": "name"}
    changes: dict[str, Any] = {names[k]: v for k, v in fields.items() if k in names}
    for key in ("answer_after", "hangup_after", "pitch_hz"):
        if changes.get(names[key]) is not None:
            changes[names[key]] = float(changes[names[key]])
    if "script" in fields:
        changes["script"] = tuple(
            Utterance(float(line["at"]), line["say"], line.get("duration"))
            for line in fields["script"]
        )
        changes.setdefault("talk", "script")
    if "presses" in fields:
        changes["presses"] = tuple(
            Press(float(press["at"]), press["digits"], float(press.get("interval", 0.3)))
            for press in fields["presses"]
        )
    return replace(base, **changes)


def _check(value: Any, spec: Spec, path: str) -> None:
    """400 naming `path` when `value` does not fit the scenario spec."""
    if isinstance(spec, Section):
        if not isinstance(value, dict):
            raise InvalidParameter(f"Invalid {path}: expected {spec.describe()}")
        for key, item in value.items():
            if key not in spec.fields:
                allowed = ", ".join(sorted(spec.fields))
                raise InvalidParameter(f"Invalid {path}: unknown key '{key}'; allowed: {allowed}")
            _check(item, spec.fields[key], f"{path}.{key}")
        missing = sorted(spec.required - set(value))
        if missing:
            raise InvalidParameter(f"Invalid {path}: missing {', '.join(missing)}")
    elif isinstance(spec, ListOf):
        if not isinstance(value, list) or len(value) > 1000:
            raise InvalidParameter(f"Invalid {path}: expected a list (of at most 1000)")
        for index, item in enumerate(value):
            _check(item, spec.item, f"{path}[{index}]")
    elif isinstance(spec, Scalar):
        _check_scalar(value, spec, path)


def _check_scalar(value: Any, spec: Scalar, path: str) -> None:
    if value is None and "null" in spec.kinds:
        return
    kinds = tuple(t for kind in spec.kinds for t in _KINDS.get(kind, ()))
    fits = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if fits and isinstance(value, float) and not math.isfinite(value):
        fits = False
    if fits and spec.choices and value not in spec.choices:
        fits = False
    if fits and spec.minimum is not None and not spec.minimum <= value <= 1e9:
        fits = False
    if fits and isinstance(value, str) and len(value) > 4096:
        fits = False
    if not fits:
        minimum = "" if spec.minimum is None else f" from {spec.minimum:g}"
        shown = json.dumps(value)[:40]
        raise InvalidParameter(f"Invalid {path} {shown}: expected {spec.describe()}{minimum}")
