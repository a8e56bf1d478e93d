"""`application/x-www-form-urlencoded`, byte for byte as `urllib.parse.urlencode` writes it.

Every webhook carries a dozen parameters (phone numbers with `+`, RFC 2822 timestamps, URLs);
`urlencode` quotes them a character at a time in Python, this quotes only the characters that
need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote_plus

_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]")
_ESCAPES = {chr(code): "+" if code == 32 else f"%{code:02X}" for code in range(128)}


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


#: values at most this long are remembered (4,096 of them): names and most values (statuses,
#: SIDs, numbers, URLs) recur from one webhook to the next; long text (a transcription) does not
CACHED_LENGTH = 128


def quote_form(text: str) -> str:
    """`quote_plus(text)`: UTF-8, unreserved characters kept, space as `+`."""
    return _quote_cached(text) if len(text) <= CACHED_LENGTH else _quote(text)


@lru_cache(maxsize=4096)
def _quote_cached(text: str) -> str:
    return _quote(text)


def _quote(text: str) -> str:
    if not text.isascii():
        return quote_plus(text)
    return _UNSAFE.sub(_escape, text)


def form_encode(params: Iterable[tuple[str, str]]) -> str:
    """`urlencode(params)` for string pairs, in order, repeated names kept."""
    return "&".join([quote_form(name) + "=" + quote_form(value) for name, value in params])
