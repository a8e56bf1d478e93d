"""When a scenario is an Erlang loss system, and its offered load.

Erlang B applies (`erlang_inputs`) when the scenario has exactly one trunk with a `capacity`,
exactly one traffic stream, aimed at that trunk, with `poisson` arrivals and a holding time of
known mean (`exponential`, `lognormal`, `fixed`: Erlang B is insensitive to the holding-time
distribution beyond its mean), every call answered (no `outcomes`, or only `answer`), and no
scripted calls or conferences besides. A `cps` limit is allowed when it almost never bites: the
chance that more than `cps` Poisson arrivals fall in one second is below `CPS_NEGLIGIBLE`.
Then a call holds a channel from its creation until it ends:
`POST_DIAL_DELAY` before ringing, `answer_after` seconds of ringing, then the holding time, so
the offered load in erlangs is

    A = rate_per_hour / 3600 * (POST_DIAL_DELAY + answer_after + mean holding).

The fixed ring time makes the channel holding time not exactly exponential; Erlang B is
insensitive to the holding-time distribution beyond its mean, so the formula still holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from simtel.engine.calls.parties import Party
from simtel.engine.calls.steps import POST_DIAL_DELAY

HOUR = 3600.0
#: a CPS limit this unlikely to refuse a call leaves the system an Erlang loss system
CPS_NEGLIGIBLE = 1e-6


@dataclass(frozen=True, slots=True)
class ErlangInputs:
    capacity: int
    offered_erlangs: float


def erlang_inputs(scenario: Mapping[str, Any]) -> ErlangInputs | None:
    """The trunk capacity and offered load, or None when Erlang B does not describe the run."""
    trunks, streams = scenario.get("trunks") or [], scenario.get("traffic") or []
    if len(trunks) != 1 or len(streams) != 1 or scenario.get("calls"):
        return None
    if scenario.get("conferences"):
        return None
    trunk, stream = trunks[0], streams[0]
    if not isinstance(trunk, Mapping) or not isinstance(stream, Mapping):
        return None
    capacity = trunk.get("capacity")
    if not _integer(capacity):
        return None
    if stream.get("target") != trunk.get("name") or not _answered(stream.get("outcomes")):
        return None
    rate, mean = _poisson_rate(stream.get("arrivals")), _holding_mean(stream.get("holding"))
    if rate is None or mean is None or not _cps_negligible(trunk.get("cps"), rate / HOUR):
        return None
    answer_after = _number(stream.get("answer_after", Party().answer_after))
    if answer_after is None:
        return None
    hold = POST_DIAL_DELAY + answer_after + mean
    return ErlangInputs(capacity, rate / HOUR * hold)


def _poisson_rate(arrivals: Any) -> float | None:
    if not isinstance(arrivals, Mapping) or arrivals.get("kind") != "poisson":
        return None
    return _number(arrivals.get("rate_per_hour"))


def _holding_mean(holding: Any) -> float | None:
    """The mean of an `exponential`, `fixed` or `lognormal` holding time."""
    if not isinstance(holding, Mapping) or len(holding) != 1:
        return None
    ((kind, value),) = holding.items()
    if kind in ("exponential", "fixed"):
        return _number(value)
    if kind == "lognormal" and isinstance(value, Mapping):
        return _number(value.get("mean"))
    return None


def _cps_negligible(cps: Any, per_second: float) -> bool:
    """No limit, or one that P(more than `cps` Poisson arrivals in a second) says never bites."""
    if cps is None:
        return True
    limit = _number(cps)
    if limit is None:
        return False
    term = total = math.exp(-per_second)
    for k in range(1, int(limit) + 1):
        term *= per_second / k
        total += term
    return 1.0 - total < CPS_NEGLIGIBLE


def _answered(outcomes: Any) -> bool:
    if not outcomes:
        return True
    if not isinstance(outcomes, Mapping):
        return False
    return all(name == "answer" or not weight for name, weight in outcomes.items())


def _number(value: Any) -> float | None:
    """`value` as a float when it is a number >= 0 (not a boolean), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
