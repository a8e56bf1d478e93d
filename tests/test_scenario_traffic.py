"""Traffic models: arrival processes, holding-time distributions and outcome mixes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simtel.scenario.loader import Block, Scenario
from simtel.scenario.traffic import (
    EmpiricalHolding,
    ExponentialHolding,
    FixedHolding,
    HourlyArrivals,
    LognormalHolding,
    OutcomeMix,
    PoissonArrivals,
    ScheduledArrivals,
    build_holding,
)

N = 20_000


def rng(seed: int = 1) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([seed, 1]))


@pytest.mark.parametrize(
    ("holding", "mean"),
    [
        (FixedHolding(42.0), 42.0),
        (ExponentialHolding(120.0), 120.0),
        (LognormalHolding(150.0, 0.6), 150.0),
        (LognormalHolding(30.0, 1.0), 30.0),
        (EmpiricalHolding((10.0, 20.0, 60.0)), 30.0),
    ],
)
def test_holding_times_have_their_mean(holding: object, mean: float) -> None:
    generator = rng()
    samples = np.array([holding.sample(generator) for _ in range(N)])  # type: ignore[attr-defined]
    assert samples.min() >= 0
    assert abs(samples.mean() - mean) / mean < 0.03


def test_lognormal_sigma_is_the_spread_of_the_logarithm() -> None:
    generator = rng(2)
    samples = np.log([LognormalHolding(150.0, 0.6).sample(generator) for _ in range(N)])
    assert abs(samples.std() - 0.6) < 0.02


def test_poisson_arrivals_come_at_their_rate_with_exponential_gaps() -> None:
    times = list(PoissonArrivals(600.0).times(rng(), 100 * 3600.0))
    assert abs(len(times) / 100 - 600) / 600 < 0.02
    gaps = np.diff(times)
    assert abs(gaps.mean() - 6.0) < 0.1
    assert abs(gaps.std() / gaps.mean() - 1.0) < 0.03  # exponential: CV = 1
    assert times == sorted(times) and times[-1] < 100 * 3600.0


def test_hourly_arrivals_follow_the_hour_of_the_simulated_day() -> None:
    rates = tuple(600.0 if 9 <= hour < 17 else 60.0 for hour in range(24))
    # the epoch is 08:00, so simulated hour 0 is 08:00-09:00 (quiet), hour 1 is busy
    arrivals = HourlyArrivals(rates, day_offset=8 * 3600.0)
    times = np.array(list(arrivals.times(rng(), 24 * 3600.0 * 10)))
    hour_of_day = ((times + 8 * 3600.0) // 3600 % 24).astype(int)
    busy = np.isin(hour_of_day, range(9, 17)).sum() / (8 * 10)
    quiet = (~np.isin(hour_of_day, range(9, 17))).sum() / (16 * 10)
    assert abs(busy - 600) / 600 < 0.03
    assert abs(quiet - 60) / 60 < 0.08


def test_scheduled_arrivals_are_the_listed_instants_before_the_horizon() -> None:
    assert list(ScheduledArrivals((30.0, 0.0, 10.0, 99.0)).times(rng(), 50.0)) == [0, 10, 30]


def test_an_outcome_mix_draws_in_proportion() -> None:
    mix = OutcomeMix((("answer", 0.8), ("busy", 0.1), ("no-answer", 0.1)))
    generator = rng()
    draws = [mix.draw(generator) for _ in range(N)]
    assert abs(draws.count("answer") / N - 0.8) < 0.01
    assert abs(draws.count("busy") / N - 0.1) < 0.01
    assert set(draws) == {"answer", "busy", "no-answer"}


def test_empirical_holding_reads_seconds_from_a_csv(tmp_path: Path) -> None:
    (tmp_path / "holding.csv").write_text("seconds\n30\n90\n\n60\n", encoding="utf-8")
    block = Block("traffic[0].holding", 5)
    block["empirical"] = "holding.csv"
    holding = build_holding(Scenario(tmp_path / "s.yaml", Block("", 1)), block)
    assert isinstance(holding, EmpiricalHolding)
    assert holding.values == (30.0, 90.0, 60.0)
    assert holding.mean == 60.0


def test_same_seed_same_draws() -> None:
    first = list(PoissonArrivals(100.0).times(rng(7), 36000.0))
    again = list(PoissonArrivals(100.0).times(rng(7), 36000.0))
    other = list(PoissonArrivals(100.0).times(rng(8), 36000.0))
    assert first == again != other
