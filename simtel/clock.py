"""Simulated seconds and the datetimes the API shows for them.

The engine only knows SimPy's `env.now`, a float of seconds since the scenario's epoch. This module
turns those seconds into the timestamps Twilio prints: RFC 2822 in GMT for the 2010 API and its
webhooks, ISO 8601 for the v1 trunking API. Nothing here reads the wall clock.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_EPOCH = datetime(2026, 1, 1, 9, 0, 0, tzinfo=UTC)


def parse_epoch(value: str | datetime) -> datetime:
    """An epoch from ISO 8601 text or a datetime; naive values are taken as UTC."""
    moment = (
        datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Clock:
    """Maps simulated seconds to datetimes from `epoch` (UTC).

    Whole seconds are shown, as Twilio does.
    """

    epoch: datetime = DEFAULT_EPOCH

    def at(self, t: float) -> datetime:
        return self.epoch + timedelta(seconds=t)

    def seconds(self, moment: datetime) -> float:
        """Simulated seconds of `moment` (naive values are UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (moment - self.epoch).total_seconds()

    def rfc2822(self, t: float | None) -> str | None:
        """`Fri, 20 Aug 2010 01:13:42 +0000`, or None for None."""
        if t is None:
            return None
        return _rfc2822(self.epoch, t)

    def iso8601(self, t: float | None) -> str | None:
        """`2015-01-02T11:23:45Z`, or None for None."""
        if t is None:
            return None
        return _iso8601(self.epoch, t)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.lru_cache(maxsize=8192)
def _rfc2822(epoch: datetime, t: float) -> str:
    """`email.utils.format_datetime` (usegmt off) of `epoch + t` in whole seconds, without its
    per-call overhead (and cached: a page of resources repeats its instants)."""
    moment = (epoch + timedelta(seconds=t)).replace(microsecond=0)
    zone = "-0000" if moment.tzinfo is None else moment.strftime("%z")
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {zone}"
    )


@functools.lru_cache(maxsize=8192)
def _iso8601(epoch: datetime, t: float) -> str:
    return (epoch + timedelta(seconds=t)).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
