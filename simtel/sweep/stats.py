"""Statistics for sweeps and reports: Student-t confidence intervals and the Erlang B formula.

Pure Python (no scipy): the t quantile comes from the regularised incomplete beta function
(a Lentz continued fraction) inverted by bisection, exact to about 1e-10.

* `mean_ci(values)`: the sample mean and the two-sided 95 % interval `mean ± t(0.975, n-1)·s/√n`
  with `s` the sample standard deviation (n - 1 in the denominator). With one value the interval
  is undefined: the half width is NaN.
* `proportion_ci(successes, trials)`: a probability (blocking) with a Wilson score interval
  that never leaves [0, 1], using the runs' spread for its effective sample size.
* `erlang_b(servers, offered_erlangs)`: the probability that a call finds all `servers` busy in
  an M/M/c/c loss system (Poisson arrivals, any holding-time distribution by insensitivity, no
  queue), by the stable recursion `B(0) = 1`, `B(n) = A·B(n-1) / (n + A·B(n-1))`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95
_EPS = 1e-15
_TINY = 1e-300


@dataclass(frozen=True, slots=True)
class Interval:
    """A sample's mean with its confidence interval: symmetric (`mean ± half_width`, Student t)
    unless `lower`/`upper` are given (a proportion's Wilson interval)."""

    n: int
    mean: float
    stdev: float
    half_width: float
    lower: float | None = None
    upper: float | None = None

    @property
    def low(self) -> float:
        return self.lower if self.lower is not None else self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.upper if self.upper is not None else self.mean + self.half_width


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, 400):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            result *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return result


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b) for 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The `p` quantile of Student's t with `df` > 0 degrees of freedom (0 < p < 1)."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError(f"need 0 < p < 1 and df > 0, not p={p}, df={df}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, high):
            break
    return 0.5 * (low + high)


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """The mean of `values` and the half width of its two-sided Student-t interval."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = math.fsum(values) / n
    if n == 1:
        return Interval(1, mean, math.nan, math.nan)
    stdev = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    quantile = t_quantile(0.5 + confidence / 2.0, n - 1)
    return Interval(n, mean, stdev, quantile * stdev / math.sqrt(n))


def proportion_ci(
    successes: Sequence[int], trials: Sequence[int], confidence: float = CONFIDENCE
) -> Interval:
    """A probability estimated from replications (`successes[r]` of `trials[r]` in run `r`):
    the pooled proportion with a Wilson score interval, which stays within [0, 1].

    Events within one run are not independent (blocked calls cluster at busy moments), so the
    binomial count overstates the information: with two or more runs the Wilson interval uses
    the effective sample size `p(1-p) / var(p_r) * runs` (the runs' own spread; never more than
    the pooled trials), with the normal quantile. With one run it is the plain binomial Wilson
    interval. `stdev` is the runs' standard deviation (NaN for
    one run); `half_width` the larger of the two sides.
    """
    runs = len(trials)
    total = sum(trials)
    if runs == 0 or total <= 0:
        raise ValueError("no trials")
    p = sum(successes) / total
    rates = [s / t for s, t in zip(successes, trials, strict=True) if t > 0]
    n_eff, stdev = float(total), math.nan
    if len(rates) >= 2:
        mean = math.fsum(rates) / len(rates)
        variance = math.fsum((r - mean) ** 2 for r in rates) / (len(rates) - 1)
        stdev = math.sqrt(variance)
        if variance > 0:
            n_eff = min(n_eff, p * (1 - p) * len(rates) / variance)
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    low, high = wilson(p, max(n_eff, 1e-9), z)
    return Interval(runs, p, stdev, max(p - low, high - p), low, high)


def wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion `p` observed over `n` trials."""
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    spread = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - spread), min(1.0, centre + spread)


def erlang_b(servers: int, offered_erlangs: float) -> float:
    """Blocking probability of `servers` channels offered `offered_erlangs` of Poisson traffic."""
    if servers < 0 or offered_erlangs < 0:
        raise ValueError(f"need servers >= 0 and load >= 0, not {servers}, {offered_erlangs}")
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = offered_erlangs * blocking / (n + offered_erlangs * blocking)
    return blocking
