"""HTTP Basic authentication of the 2010 API, and the account in the path.

Credentials are the account SID and auth token (twilio-python's `Client(account_sid, token)`);
anything else is 401 with code 20003. The `{AccountSid}` of the path must then be the simulated
account: simtel holds exactly one account, so any other SID names resources that do not exist and
is answered 20404 (rather than 20003: the caller did authenticate).

Recording media (`/Recordings/{Sid}`, `.wav`, `.mp3`) is public unless the account enforces
HTTP auth on media (`sim.account.media_auth`), as Twilio's voice settings allow.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import TYPE_CHECKING

from starlette.requests import Request

from simtel.api.errors import request_path
from simtel.errors import NotFound, TwilioError

if TYPE_CHECKING:
    from simtel.simulator import Simulator


class AuthenticationError(TwilioError):
    def __init__(self, message: str) -> None:
        super().__init__(20003, 401, message)


def credentials(request: Request) -> tuple[str, str] | None:
    """(username, password) of a Basic `Authorization` header; None when absent or malformed."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def authenticate(sim: Simulator, request: Request) -> None:
    """Refuse (20003, 401) unless the request carries the account's SID and auth token."""
    given = credentials(request)
    if given is None:
        raise AuthenticationError("Authentication Error - No credentials provided")
    username, password = given
    account = sim.account
    same_user = hmac.compare_digest(username.encode(), account.sid.encode())
    same_token = hmac.compare_digest(password.encode(), account.auth_token.encode())
    if not (same_user and same_token):
        raise AuthenticationError("Authentication Error - invalid username")


def check_account(sim: Simulator, request: Request) -> None:
    """20404 when the path's `{AccountSid}` is not the simulated account."""
    if request.path_params.get("account_sid") != sim.account.sid:
        raise NotFound(request_path(request))


def require(sim: Simulator, request: Request, *, media: bool = False) -> None:
    """The check every 2010 endpoint makes first; `media` requests skip Basic auth unless the
    account enforces it."""
    if not media or sim.account.media_auth:
        authenticate(sim, request)
    check_account(sim, request)
