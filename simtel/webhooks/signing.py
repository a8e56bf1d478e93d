"""X-Twilio-Signature, computed exactly as Twilio and twilio-python's `RequestValidator` do.

The signed string is the full URL Twilio requested (scheme, host, port if any, path and query)
followed, for a form POST, by every parameter as `name + value`: names de-duplicated and sorted,
each name's values de-duplicated and sorted. The signature is the base64 of the HMAC-SHA1 of that
string keyed with the account's auth token. For a GET the parameters are already in the query
string, so nothing is appended.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache

SIGNATURE_HEADER = "X-Twilio-Signature"


def signature_payload(url: str, params: Sequence[tuple[str, str]] | None) -> str:
    """The string that is signed: `url` plus the sorted `name + value` pairs."""
    if not params:
        return url
    # the distinct (name, value) pairs sorted: names sorted, each name's values sorted
    return url + "".join([name + value for name, value in sorted(set(params))])


def compute_signature(url: str, params: Sequence[tuple[str, str]] | None, auth_token: str) -> str:
    """The `X-Twilio-Signature` value for a request to `url` with form `params` (None for GET)."""
    mac = _keyed(auth_token).copy()
    mac.update(signature_payload(url, params).encode("utf-8"))
    return base64.b64encode(mac.digest()).decode("ascii")


@lru_cache(maxsize=64)
def _keyed(auth_token: str) -> hmac.HMAC:
    """An HMAC-SHA1 keyed with `auth_token`, never updated: each signature copies it (keying
    and looking up the digest each time cost a third of a signature)."""
    return hmac.new(auth_token.encode("utf-8"), digestmod=hashlib.sha1)
