"""Connection-override fragments: Twilio's defaults, ranges and refusals."""

from __future__ import annotations

import pytest

from simtel.webhooks import (
    ConnectionOverrides,
    InvalidConnectionOverride,
    Timeouts,
    parse_connection_overrides,
    split_fragment,
)


def test_split_fragment() -> None:
    assert split_fragment("https://a.example/v?x=1#ct=100") == ("https://a.example/v?x=1", "ct=100")
    assert split_fragment("https://a.example/v") == ("https://a.example/v", "")


def test_defaults_are_twilios() -> None:
    overrides = parse_connection_overrides("")
    assert overrides == ConnectionOverrides(5000, 15000, 15000, 1, frozenset({"ct"}))
    assert overrides.timeouts() == Timeouts(connect=5.0, read=15.0, total=15.0)
    assert overrides.retries_on("ct")
    assert not overrides.retries_on("rt")
    assert not overrides.retries_on("5xx")
    assert not overrides.retries_on(None)


def test_every_key() -> None:
    overrides = parse_connection_overrides("ct=2000&rt=3000&tt=9000&rc=2&rp=4xx,5xx&e=dublin&sni=y")
    assert overrides.connect_timeout_ms == 2000
    assert overrides.read_timeout_ms == 3000
    assert overrides.total_timeout_ms == 9000
    assert overrides.retry_count == 2
    assert overrides.retry_policy == frozenset({"4xx", "5xx"})
    assert overrides.edges == ("dublin",)
    assert overrides.sni == "y"
    assert overrides.timeouts() == Timeouts(2.0, 3.0, 9.0)


def test_all_means_every_class() -> None:
    policy = parse_connection_overrides("rp=all").retry_policy
    assert policy == frozenset({"4xx", "5xx", "ct", "rt"})


@pytest.mark.parametrize(
    ("fragment", "field", "value"),
    [
        ("ct=1", "connect_timeout_ms", 100),
        ("ct=999999", "connect_timeout_ms", 10_000),
        ("rt=20000", "read_timeout_ms", 15_000),
        ("tt=50", "total_timeout_ms", 100),
        ("rc=9", "retry_count", 5),
        ("rc=-1", "retry_count", 0),
        ("rc=two", "retry_count", 1),
        ("rt=", "read_timeout_ms", 15_000),
    ],
)
def test_values_are_clamped_into_range(fragment: str, field: str, value: int) -> None:
    assert getattr(parse_connection_overrides(fragment), field) == value


def test_a_fragment_that_is_not_overrides_is_ignored() -> None:
    assert parse_connection_overrides("section-2") == ConnectionOverrides()
    assert parse_connection_overrides("utm=x") == ConnectionOverrides()


@pytest.mark.parametrize(
    ("fragment", "code"),
    [
        ("rp=6xx", 11243),
        ("rp=ct,bogus", 11243),
        ("rp=", 11243),
        ("e=mars", 11240),
        ("e=ashburn-ix", 11242),
    ],
)
def test_refused_fragments(fragment: str, code: int) -> None:
    with pytest.raises(InvalidConnectionOverride) as caught:
        parse_connection_overrides(fragment)
    assert caught.value.code == code
