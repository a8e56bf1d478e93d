"""The read-only guard: a simulation whose store is read-only (`simtel serve --read-only`)
answers every request that would change something with one Twilio-style error.

Refused: every method but GET and HEAD (REST creates, updates and deletes, and the control API's
advance, reset and parties), with HTTP 405 and Twilio's 20004 "Method not allowed", the message
saying the server is read-only, and `Allow: GET, HEAD`. Twilio has no read-only mode; 20004 is
its code for a method a resource does not take, which is what a read-only server's resources
are. The web console's own POSTs (sign-in, and actions, which act only through the API) pass
here, and its actions are then refused by the API with the same error, shown as their answer.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from simtel.api.errors import error_response, format_of
from simtel.errors import TwilioError

SAFE_METHODS = frozenset({"GET", "HEAD"})
#: the console signs in with a POST; its actions reach the simulation only through the API
CONSOLE_PREFIX = "/_simtel/console/"
READ_ONLY_CODE = 20004
READ_ONLY_STATUS = 405


class ReadOnlyRefusal(TwilioError):
    def __init__(self, method: str, path: str) -> None:
        super().__init__(
            READ_ONLY_CODE,
            READ_ONLY_STATUS,
            f"Method {method} not allowed on {path}: this simtel serve is read-only "
            "(--read-only), it serves a finished run",
        )
        self.args = (method, path)


class ReadOnlyGuard:
    """ASGI middleware answering `ReadOnlyRefusal` for any request but GET and HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = str(scope["method"]), str(scope.get("path", ""))
            if method not in SAFE_METHODS and not path.startswith(CONSOLE_PREFIX):
                response = error_response(ReadOnlyRefusal(method, path), format_of(path))
                response.headers["Allow"] = "GET, HEAD"
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
