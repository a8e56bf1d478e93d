"""HTTP Basic authentication of the 2010 API, and the account in the path.

Credentials are an account's SID and auth token (twilio-python's `Client(account_sid, token)`);
anything else is 401 with code 20003. The `{AccountSid}` of the path must then be an account the
credentials reach (`simtel.accounts`): the main account's credentials reach the main account and
its subaccounts, a subaccount's only itself; an account they do not reach is 20003 too (the
credentials do not authenticate for it, as Twilio answers), and a SID that is no account's is
20404 (the caller did authenticate). simtel's own control API and the trunking API take the
main account's credentials only (`authenticate`).

Recording media (`/Recordings/{Sid}`, `.wav`, `.mp3`) is public unless the account enforces
HTTP auth on media (`sim.account.media_auth`, which covers the subaccounts too), as Twilio's
voice settings allow.

Once the account is known, every SID in the path must be one of its resources (`check_owned`):
another account's call, recording, conference, transcription or number answers 20404, as a SID
that does not exist would. That check costs nothing until a subaccount exists.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

from simtel.api.errors import request_path, split_suffix
from simtel.errors import NotFound, TwilioError

if TYPE_CHECKING:
    from simtel.account import Account
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


def identify(sim: Simulator, request: Request) -> Account:
    """The account whose SID and auth token the request carries (main or subaccount); 20003
    (401) otherwise."""
    given = credentials(request)
    if given is None:
        raise AuthenticationError("Authentication Error - No credentials provided")
    account = sim.accounts.authenticate(*given)
    if account is None:
        raise AuthenticationError("Authentication Error - invalid username")
    return account


def authenticate(sim: Simulator, request: Request) -> None:
    """Refuse (20003, 401) unless the request carries the main account's SID and auth token."""
    given = credentials(request)
    if given is None:
        raise AuthenticationError("Authentication Error - No credentials provided")
    username, password = given
    account = sim.account
    same_user = hmac.compare_digest(username.encode(), account.sid.encode())
    same_token = hmac.compare_digest(password.encode(), account.auth_token.encode())
    if not (same_user and same_token):
        raise AuthenticationError("Authentication Error - invalid username")


def path_account(sim: Simulator, request: Request) -> Account | None:
    """The account the path names (`{account_sid}`, suffix dropped); None when the path names
    none (`/Accounts.json`)."""
    raw = request.path_params.get("account_sid")
    if raw is None:
        return None
    account = sim.accounts.get(split_suffix(str(raw))[0])
    if account is None:
        raise NotFound(request_path(request))
    return account


def require(sim: Simulator, request: Request, *, media: bool = False) -> Access:
    """The check every 2010 endpoint makes first: who is asking, and for which account. `media`
    requests skip Basic auth unless the account enforces it (then `credentials` is None)."""
    if media and not sim.account.media_auth:
        target = path_account(sim, request) or sim.account
        return Access(target, None)
    caller = identify(sim, request)
    named = path_account(sim, request)
    if named is None:
        return Access(caller, caller)
    if not sim.accounts.reaches(caller, named):
        raise AuthenticationError(
            f"Authentication Error - the credentials of {caller.sid} do not reach {named.sid}"
        )
    return Access(named, caller)


@dataclass(frozen=True, slots=True)
class Access:
    """The account a request acts for, and the credentials' account (None: public media)."""

    account: Account
    credentials: Account | None


#: the store table of each SID prefix a path may carry; a resource module with its own table
#: (say, queues) adds its prefix here
OWNED_TABLES: dict[str, str] = {
    "CA": "calls",
    "RE": "recordings",
    "CF": "conferences",
    "TR": "transcriptions",
    "PN": "numbers",
}


def check_owned(sim: Simulator, account_sid: str, sids: list[str], path: str) -> None:
    """20404 for `path` when one of `sids` is a resource of an account other than
    `account_sid` (a SID the store does not hold is left to the endpoint)."""
    for sid in sids:
        table = OWNED_TABLES.get(sid[:2])
        if table is None:
            continue
        doc = sim.store.get(table, sid)
        if doc is not None and doc.get("account_sid", account_sid) != account_sid:
            raise NotFound(path)


def path_sids(request: Request) -> list[str]:
    """The resource SIDs among the path parameters (suffixes dropped)."""
    found: list[str] = []
    for name, value in request.path_params.items():
        if name == "account_sid":
            continue
        stem = split_suffix(str(value))[0]
        if stem[:2] in OWNED_TABLES and len(stem) == 34:
            found.append(stem)
    return found
