"""Traffic models for load scenarios: when calls arrive, how long they hold, how they end.

Every draw takes the simulation's own generator (`sim.rng`), handed in by the runner: the same
seed gives the same arrivals, holding times and outcomes, and so the same event log.

* Arrivals (`times(rng, end)` → the instants of calls before `end`, drawn lazily, one at a time):
  `poisson` (exponential gaps at `rate_per_hour`), `hourly` (a Poisson process whose rate follows
  24 hourly `rates`, by the hour of day of the simulated clock; drawn by thinning), `times` (calls
  at the listed instants).
* Holding times (`sample(rng)` → seconds of talk after answer): `fixed`, `exponential` (mean),
  `lognormal` (`mean` is the mean holding time in seconds, `sigma` the standard deviation of its
  logarithm), `empirical` (values resampled uniformly from a one-column CSV of seconds).
* Outcomes: a mix such as `{answer: 0.8, busy: 0.1, no-answer: 0.1}` (weights, normalised).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from simtel.engine.calls.parties import Outcome

if TYPE_CHECKING:
    from simtel.scenario.loader import Block, Scenario

HOUR = 3600.0
OUTCOME_ORDER: tuple[Outcome, ...] = ("answer", "busy", "no-answer", "fail")


class Arrivals(Protocol):
    def times(self, rng: np.random.Generator, end: float) -> Iterator[float]: ...


class Holding(Protocol):
    @property
    def mean(self) -> float: ...

    def sample(self, rng: np.random.Generator) -> float: ...


@dataclass(frozen=True)
class PoissonArrivals:
    rate_per_hour: float

    def times(self, rng: np.random.Generator, end: float) -> Iterator[float]:
        t = 0.0
        while self.rate_per_hour > 0:
            t += float(rng.exponential(HOUR / self.rate_per_hour))
            if t >= end:
                return
            yield t


@dataclass(frozen=True)
class HourlyArrivals:
    """`rates[h]` calls per hour during hour `h` of the simulated day; `day_offset` is the
    second of the day at simulated second 0 (from the scenario's epoch)."""

    rates: tuple[float, ...]
    day_offset: float = 0.0

    def rate_at(self, t: float) -> float:
        return self.rates[int((self.day_offset + t) // HOUR) % 24]

    def times(self, rng: np.random.Generator, end: float) -> Iterator[float]:
        peak, t = max(self.rates), 0.0
        while peak > 0:
            t += float(rng.exponential(HOUR / peak))
            if t >= end:
                return
            if rng.random() * peak < self.rate_at(t):
                yield t


@dataclass(frozen=True)
class ScheduledArrivals:
    at: tuple[float, ...]

    def times(self, rng: np.random.Generator, end: float) -> Iterator[float]:
        yield from (t for t in sorted(self.at) if t < end)


@dataclass(frozen=True)
class FixedHolding:
    mean: float

    def sample(self, rng: np.random.Generator) -> float:
        return self.mean


@dataclass(frozen=True)
class ExponentialHolding:
    mean: float

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean))


@dataclass(frozen=True)
class LognormalHolding:
    mean: float
    sigma: float

    def sample(self, rng: np.random.Generator) -> float:
        mu = math.log(self.mean) - self.sigma**2 / 2
        return float(rng.lognormal(mu, self.sigma))


@dataclass(frozen=True)
class EmpiricalHolding:
    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    def sample(self, rng: np.random.Generator) -> float:
        return self.values[int(rng.integers(0, len(self.values)))]


@dataclass(frozen=True)
class OutcomeMix:
    weights: tuple[tuple[Outcome, float], ...]

    def draw(self, rng: np.random.Generator) -> Outcome:
        if len(self.weights) == 1:
            return self.weights[0][0]
        total = sum(weight for _, weight in self.weights)
        point, running = rng.random() * total, 0.0
        for outcome, weight in self.weights:
            running += weight
            if point < running:
                return outcome
        return self.weights[-1][0]


ALWAYS_ANSWER = OutcomeMix((("answer", 1.0),))


def build_arrivals(scenario: Scenario, block: Block, day_offset: float) -> Arrivals:
    kind = block["kind"]
    needs = {"poisson": "rate_per_hour", "hourly": "rates", "times": "at"}[kind]
    extra = sorted(set(block) - {"kind", needs})
    if needs not in block:
        raise scenario.error(block, "kind", f"arrivals of kind '{kind}' need '{needs}'")
    if extra:
        raise scenario.error(block, extra[0], f"does not apply to arrivals of kind '{kind}'")
    if kind == "poisson":
        return PoissonArrivals(float(block["rate_per_hour"]))
    if kind == "hourly":
        rates = tuple(float(rate) for rate in block["rates"])
        if len(rates) != 24:
            raise scenario.error(block, "rates", f"needs 24 hourly rates, got {len(rates)}")
        return HourlyArrivals(rates, day_offset)
    return ScheduledArrivals(tuple(sorted(float(t) for t in block["at"])))


def build_holding(scenario: Scenario, block: Block) -> Holding:
    if len(block) != 1:
        raise scenario.error(
            block, None, "holding needs exactly one of: fixed, exponential, lognormal, empirical"
        )
    ((kind, value),) = block.items()
    if kind == "fixed":
        return FixedHolding(float(value))
    if kind == "exponential":
        _positive(scenario, block, kind, float(value))
        return ExponentialHolding(float(value))
    if kind == "lognormal":
        _positive(scenario, value, "mean", float(value["mean"]))
        return LognormalHolding(float(value["mean"]), float(value["sigma"]))
    return EmpiricalHolding(read_holding_csv(scenario, block))


def build_outcomes(scenario: Scenario, block: Block | None) -> OutcomeMix:
    if not block:
        return ALWAYS_ANSWER
    weights = tuple((name, float(block[name])) for name in OUTCOME_ORDER if name in block)
    if sum(weight for _, weight in weights) <= 0:
        raise scenario.error(block, None, "outcome weights must not all be zero")
    return OutcomeMix(weights)


def read_holding_csv(scenario: Scenario, block: Block) -> tuple[float, ...]:
    """Seconds from the first column of a CSV (a header row is skipped; blank rows too)."""
    path = scenario.resolve(str(block["empirical"]))
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and row[0].strip()]
    except OSError as error:
        raise scenario.error(block, "empirical", f"cannot read {path}: {error.strerror}") from None
    values: list[float] = []
    for number, row in enumerate(rows):
        try:
            values.append(float(row[0]))
        except ValueError:
            if number == 0:
                continue  # a header
            raise scenario.error(
                block, "empirical", f"{path}: row {number + 1}: {row[0]!r} is not seconds"
            ) from None
    if not values or min(values) < 0:
        raise scenario.error(block, "empirical", f"{path}: needs non-negative seconds")
    return tuple(values)


def _positive(scenario: Scenario, block: Block, key: str, value: float) -> None:
    if value <= 0:
        raise scenario.error(block, key, "must be greater than 0")
