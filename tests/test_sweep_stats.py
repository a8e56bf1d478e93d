"""The statistics of sweeps: Student-t quantiles, confidence intervals, Erlang B."""

from __future__ import annotations

import math

import pytest

from simtel.sweep.stats import erlang_b, mean_ci, t_cdf, t_quantile

# two-sided 95 % critical values from printed t tables
T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 9: 2.262, 29: 2.045, 120: 1.980}


@pytest.mark.parametrize(("df", "expected"), sorted(T_TABLE.items()))
def test_t_quantiles_match_the_printed_table(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)
    assert t_quantile(0.025, df) == pytest.approx(-expected, abs=5e-4)
    assert t_cdf(t_quantile(0.975, df), df) == pytest.approx(0.975, abs=1e-9)


def test_t_quantile_tends_to_the_normal_one() -> None:
    assert t_quantile(0.975, 1e6) == pytest.approx(1.959964, abs=1e-5)
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)


def test_the_interval_is_the_hand_computed_one() -> None:
    interval = mean_ci([0.1, 0.3, 0.2, 0.4])
    # mean 0.25; deviations ±0.15, ±0.05: s = sqrt(0.05 / 3); t(0.975, 3) = 3.182446
    assert interval.n == 4
    assert interval.mean == pytest.approx(0.25)
    assert interval.stdev == pytest.approx(math.sqrt(0.05 / 3))
    assert interval.half_width == pytest.approx(3.182446 * math.sqrt(0.05 / 3) / 2, rel=1e-6)
    assert (interval.low, interval.high) == pytest.approx((0.25 - 0.205426, 0.25 + 0.205426))


def test_one_value_has_no_interval() -> None:
    interval = mean_ci([3.0])
    assert interval.mean == 3.0 and math.isnan(interval.half_width)
    with pytest.raises(ValueError):
        mean_ci([])


def erlang_b_closed_form(servers: int, load: float) -> float:
    terms = [load**k / math.factorial(k) for k in range(servers + 1)]
    return terms[-1] / sum(terms)


@pytest.mark.parametrize(("servers", "load"), [(0, 2.0), (1, 1.0), (2, 1.0), (6, 4.2), (30, 25)])
def test_erlang_b_is_the_closed_form(servers: int, load: float) -> None:
    assert erlang_b(servers, load) == pytest.approx(erlang_b_closed_form(servers, load))


def test_erlang_b_known_values() -> None:
    assert erlang_b(1, 1.0) == 0.5
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=1e-6)
    assert erlang_b(200, 150.0) < 1e-3  # the recursion stays stable where factorials overflow
