"""List prices (USD) and Twilio's rounding: usage rounds up to the next whole minute.

Prices are negative decimal strings on the API (a charge), `None` until the resource completes.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal

PRICE_UNIT = "USD"

#: Per started minute, by call direction.
CALL_RATES: dict[str, Decimal] = {
    "inbound": Decimal("0.0085"),
    "outbound-api": Decimal("0.0140"),
    "outbound-dial": Decimal("0.0140"),
    "trunking-originating": Decimal("0.0034"),
    "trunking-terminating": Decimal("0.0045"),
}
RECORDING_RATE = Decimal("0.0025")
TRANSCRIPTION_RATE = Decimal("0.05")


def billable_minutes(seconds: float) -> int:
    """Whole minutes, rounded up: 78 s is 2 minutes; 0 s is 0."""
    return math.ceil(round(seconds, 6) / 60.0) if seconds > 0 else 0


def charge(seconds: float, rate: Decimal, places: int = 5) -> str:
    """The negative price string for `seconds` of usage at `rate` per started minute."""
    return _price(billable_minutes(seconds), rate, places)


@functools.lru_cache(maxsize=4096)
def _price(minutes: int, rate: Decimal, places: int) -> str:
    """The price of `minutes` started minutes (memoised: a run charges a few distinct ones)."""
    amount = rate * minutes
    return f"{-amount:.{places}f}" if amount else f"{Decimal(0):.{places}f}"
