"""Simulated seconds and the datetimes the API shows for them.

The engine only knows SimPy's `env.now`, a float of seconds since the scenario's epoch. This module
turns those seconds into the timestamps Twilio prints: RFC 2822 in GMT for the 2010 API and its
webhooks, ISO 8601 for the v1 trunking API. Nothing here reads the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

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
        return format_datetime(self.at(t).replace(microsecond=0), usegmt=False)

    def iso8601(self, t: float | None) -> str | None:
        """`2015-01-02T11:23:45Z`, or None for None."""
        if t is None:
            return None
        return self.at(t).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
