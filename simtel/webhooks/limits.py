"""Limits on what the user's app can make simtel spend: bytes read and wall time waited.

An app is not trusted to be small or quick. Over real HTTP (`HTTPTransport`):

* **size**: a response body is read as a stream and kept up to `MAX_RESPONSE_BYTES` + 1 bytes
  *after* decoding; reading stops there (the response is `truncated`). `gzip` and `deflate` are
  decompressed here, incrementally, never producing more than the bytes still allowed, so a
  1 MB gzip bomb costs 64 KiB of memory, not gigabytes. Other content codings are refused
  (simtel asks for `gzip, deflate` only): 11206.
* **time**: every socket operation of an exchange (connect, TLS, each write and each read) waits
  at most until the exchange's total deadline (`Timeouts.total`: 15 s unless a `#tt=` override
  says less). An app that sends one byte every few seconds is cut off at the deadline, as Twilio
  does, with the timeout code (11203 once the total is what expired).

`simtel.webhooks.deadline.DeadlineBackend` applies the deadline: it wraps httpcore's network
backend, and reads the deadline of the exchange running on the current thread (`deadline_for`).
This module imports no HTTP library, so a simulation that never speaks HTTP never loads one.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

#: the largest response body simtel keeps (Twilio's TwiML limit, 64 KiB; see `twiml.documents`)
MAX_RESPONSE_BYTES = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"

_local = threading.local()


class UnsupportedEncoding(Exception):
    """A `Content-Encoding` simtel did not ask for."""


@contextmanager
def deadline_for(seconds: float) -> Iterator[None]:
    """Network operations of this thread end by `seconds` from now (for the block)."""
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = None


def bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the exchange's total time is over")
    return left if timeout is None else min(timeout, left)


def read_limited(
    chunks: Iterable[bytes], encoding: str | None, limit: int = MAX_RESPONSE_BYTES
) -> tuple[bytes, bool]:
    """The decoded body from raw `chunks` (as sent, `encoding` applied), at most `limit` + 1
    bytes, and whether it was cut there. Decompression never produces more than that."""
    decoder = _decoder(encoding)
    kept: list[bytes] = []
    size = 0
    for chunk in chunks:
        pieces = decoder(chunk, limit + 1 - size)
        for piece in pieces:
            kept.append(piece)
            size += len(piece)
        if size > limit:
            return b"".join(kept)[: limit + 1], True
    return b"".join(kept), False


def _decoder(encoding: str | None) -> Any:
    coding = (encoding or "identity").strip().lower()
    if coding in ("identity", ""):
        return lambda chunk, room: [chunk[:room]]
    if coding in ("gzip", "x-gzip"):
        return _Inflater(zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return _Inflater(zlib.MAX_WBITS | 32)  # zlib or gzip header, detected
    raise UnsupportedEncoding(f"Content-Encoding {encoding!r} (simtel asks for {ACCEPT_ENCODING})")


class _Inflater:
    """Incremental decompression that yields at most `room` bytes per call (plus one, to
    tell that there was more)."""

    def __init__(self, wbits: int) -> None:
        self._inflate = zlib.decompressobj(wbits)

    def __call__(self, chunk: bytes, room: int) -> list[bytes]:
        try:
            piece = self._inflate.decompress(chunk, max(room, 1))
        except zlib.error as exc:
            raise UnsupportedEncoding(f"a body that does not decompress: {exc}") from None
        return [piece]
