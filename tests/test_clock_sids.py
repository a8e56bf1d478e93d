"""The clock's API timestamps and the SID stream: fast paths that must give exactly what the
straightforward code gave (the golden logs and every API answer depend on it)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import numpy as np
import pytest

from simtel.clock import DEFAULT_EPOCH, Clock
from simtel.sids import BLOCK, SidMinter, is_sid

EPOCHS = (
    DEFAULT_EPOCH,
    datetime(2024, 2, 28, 23, 59, 58, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
)


@pytest.mark.parametrize("epoch", EPOCHS)
def test_rfc2822_and_iso8601_are_what_the_standard_library_prints(epoch: datetime) -> None:
    clock, draw = Clock(epoch), random.Random(3)
    moments = [0, 5, 0.5, 59.9999995, 86_399.9999996, -3.25, 1e8 + 0.75]
    moments += [draw.uniform(-1e6, 1e9) for _ in range(2000)]
    for t in moments:
        moment = (epoch + timedelta(seconds=t)).replace(microsecond=0)
        assert clock.rfc2822(t) == format_datetime(moment, usegmt=False)
        assert clock.iso8601(t) == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert clock.rfc2822(None) is None and clock.iso8601(None) is None
    assert Clock().rfc2822(70) == "Thu, 01 Jan 2026 09:01:10 +0000"


def test_sids_are_those_of_one_draw_per_sid_across_blocks() -> None:
    reference = np.random.Generator(np.random.PCG64([42, 0x51D5]))
    minter = SidMinter(42)
    prefixes = ["CA", "RE", "AC"] * BLOCK  # three blocks' worth
    sids = [minter.mint(prefix) for prefix in prefixes]
    assert sids == [prefix + reference.bytes(16).hex() for prefix in prefixes]
    assert all(is_sid(sid, sid[:2]) for sid in sids) and len(set(sids)) == len(sids)
    assert SidMinter(43).mint("CA") != SidMinter(42).mint("CA")
