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

SIGNATURE_HEADER = "X-Twilio-Signature"


def signature_payload(url: str, params: Sequence[tuple[str, str]] | None) -> str:
    """The string that is signed: `url` plus the sorted `name + value` pairs."""
    if not params:
        return url
    values_by_name: dict[str, set[str]] = {}
    for name, value in params:
        values_by_name.setdefault(name, set()).add(value)
    parts = [url]
    for name in sorted(values_by_name):
        parts.extend(name + value for value in sorted(values_by_name[name]))
    return "".join(parts)


def compute_signature(url: str, params: Sequence[tuple[str, str]] | None, auth_token: str) -> str:
    """The `X-Twilio-Signature` value for a request to `url` with form `params` (None for GET)."""
    payload = signature_payload(url, params).encode("utf-8")
    digest = hmac.new(auth_token.encode("utf-8"), payload, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii").strip()
