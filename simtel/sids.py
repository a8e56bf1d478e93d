"""Seeded SID minting: Twilio's two-letter prefix and 32 lowercase hex digits.

SIDs come from their own random stream (derived from the simulation seed), so drawing an extra
random number elsewhere never changes which SIDs a run hands out.

The stream is read in blocks of `BLOCK` SIDs: numpy's `Generator.bytes(16 * k)` equals `k`
successive `bytes(16)` draws, so the SIDs are the same as drawing one at a time, for a tenth of
the cost. Uniqueness is not checked: two of a million 128-bit random SIDs collide with
probability below 1e-26, and a set of every SID issued would cost ~100 bytes per resource.
"""

from __future__ import annotations

import re

import numpy as np

PREFIXES = {
    "account": "AC",
    "call": "CA",
    "conference": "CF",
    "recording": "RE",
    "transcription": "TR",
    "trunk": "TK",
    "phone_number": "PN",
    "participant": "CA",
    "encryption_key": "CR",
}

SID_PATTERN = re.compile(r"^(?P<prefix>[A-Z]{2})[0-9a-fA-F]{32}$")


def is_sid(value: str, prefix: str) -> bool:
    match = SID_PATTERN.match(value)
    return match is not None and match.group("prefix") == prefix


#: SIDs drawn from the stream at once
BLOCK = 1024


class SidMinter:
    """Hands out fresh SIDs, deterministic in `seed` and in the order they are asked for."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.Generator(np.random.PCG64([seed, 0x51D5]))
        self._block = ""
        self._at = 0

    def mint(self, prefix: str) -> str:
        at = self._at
        if at >= len(self._block):
            self._block, at = self._rng.bytes(16 * BLOCK).hex(), 0
        self._at = at + 32
        return prefix + self._block[at : at + 32]
