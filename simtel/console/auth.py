"""Who may use the console: the account's own credentials, as for the REST API.

Two ways in, both checked against `sim.account` at request time:

* HTTP Basic with the account SID and auth token (what `curl -u` and the REST API use);
* the login form, which sets `simtel_console`, an HttpOnly, SameSite=Strict session cookie whose
  value is an HMAC of the account SID keyed by the auth token (so changing the token logs every
  browser out; the token itself never leaves the server).

Every form that changes something carries `csrf`, an HMAC of a fixed label under the same key;
a POST without the right one is refused (403), whichever way the request authenticated.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request

from simtel.api.auth import credentials

if TYPE_CHECKING:
    from simtel.simulator import Simulator

COOKIE = "simtel_console"
CSRF_FIELD = "csrf"
#: the longest credential the login form reads (a SID is 34 characters, a token 32)
MAX_CREDENTIAL = 256


def _mac(sim: Simulator, label: str) -> str:
    key = sim.account.auth_token.encode()
    return hmac.new(key, f"{label}:{sim.account.sid}".encode(), hashlib.sha256).hexdigest()


def session_value(sim: Simulator) -> str:
    """The cookie value that proves a login to this account."""
    return _mac(sim, "simtel-console-session")


def csrf_token(sim: Simulator) -> str:
    return _mac(sim, "simtel-console-csrf")


def valid_login(sim: Simulator, account_sid: str, auth_token: str) -> bool:
    same_sid = hmac.compare_digest(account_sid.encode(), sim.account.sid.encode())
    same_token = hmac.compare_digest(auth_token.encode(), sim.account.auth_token.encode())
    return same_sid and same_token


def signed_in(sim: Simulator, request: Request) -> bool:
    """Whether `request` carries the session cookie or valid Basic credentials."""
    cookie = request.cookies.get(COOKIE, "")
    if cookie and hmac.compare_digest(cookie.encode(), session_value(sim).encode()):
        return True
    given = credentials(request)
    return given is not None and valid_login(sim, *given)


def valid_csrf(sim: Simulator, value: str | None) -> bool:
    return value is not None and hmac.compare_digest(value.encode(), csrf_token(sim).encode())


def safe_next(target: str | None, default: str) -> str:
    """A local path to go to after login: anything else (another origin, `//host`) is `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def login_url(prefix: str, request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{prefix}/login?next={quote(here, safe='')}"
