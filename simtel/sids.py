"""Seeded SID minting: Twilio's two-letter prefix and 32 lowercase hex digits.

SIDs come from their own random stream (derived from the simulation seed), so drawing an extra
random number elsewhere never changes which SIDs a run hands out.
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


class SidMinter:
    """Hands out fresh SIDs, deterministic in `seed` and in the order they are asked for."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.Generator(np.random.PCG64([seed, 0x51D5]))
        self._issued: set[str] = set()

    def mint(self, prefix: str) -> str:
        while True:
            sid = prefix + self._rng.bytes(16).hex()
            if sid not in self._issued:
                self._issued.add(sid)
                return sid
