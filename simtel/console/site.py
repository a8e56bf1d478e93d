"""The console's shared machinery: templates, the sign-in guard, flash messages, answers.

`Site` holds what every handler needs (the simulator, the in-process API client, the Jinja2
environment) and `page`/`action` wrap handlers: a page needs a signed-in browser (else it
redirects to the login form), an action also needs the form's CSRF token. An action answers a
browser's plain form post with a redirect back (its message in a short-lived cookie), and the
console's JavaScript (which sends `X-Console-Fetch`) with JSON `{ok, message}`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from simtel.console import auth
from simtel.console.client import ApiAnswer, ApiClient
from simtel.server import RealtimeClock

if TYPE_CHECKING:
    from simtel.simulator import Simulator

PREFIX = "/_simtel/console"
FLASH_COOKIE = "simtel_console_flash"
FETCH_HEADER = "x-console-fetch"
#: the longest form value an action reads
MAX_FIELD = 4000

Handler = Callable[[Request], Awaitable[Response]]
Outcome = tuple[bool, str]


class Site:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.api = ApiClient(sim)
        self.env = Environment(
            loader=PackageLoader("simtel.console", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = self.when
        self.env.filters["seconds"] = _seconds
        self.env.filters["pretty"] = _pretty

    # -- rendering ----------------------------------------------------------------------------
    def when(self, t: object) -> str:
        """Simulated seconds as `HH:MM:SS` of the simulated day (the full date in a title)."""
        if not isinstance(t, int | float):
            return ""
        return self.sim.clock.at(float(t)).strftime("%H:%M:%S")

    def clock(self) -> dict[str, Any]:
        now = self.sim.now
        return {"t": now, "now": self.sim.clock.rfc2822(now), "seq": len(self.sim.events)}

    def render(
        self, request: Request, template: str, context: Mapping[str, Any], nav: str = ""
    ) -> HTMLResponse:
        flash = request.cookies.get(FLASH_COOKIE)
        pacer = realtime_clock(request)
        body = self.env.get_template(template).render(
            prefix=PREFIX,
            nav=nav,
            clock=self.clock(),
            realtime=None if pacer is None else {"paused": pacer.paused, "speed": pacer.speed},
            csrf=auth.csrf_token(self.sim),
            account_sid=self.sim.account.sid,
            flash=_read_flash(flash),
            **context,
        )
        response = HTMLResponse(body)
        if flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    # -- guards -------------------------------------------------------------------------------
    def page(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            if not auth.signed_in(self.sim, request):
                return RedirectResponse(auth.login_url(PREFIX, request), status_code=303)
            return await handler(request)

        return guarded

    def action(
        self, handler: Callable[[Request, Mapping[str, str]], Awaitable[Outcome]]
    ) -> Handler:
        async def guarded(request: Request) -> Response:
            if not auth.signed_in(self.sim, request):
                return JSONResponse({"ok": False, "message": "sign in first"}, status_code=401)
            form = await _form(request)
            if not auth.valid_csrf(self.sim, form.get(auth.CSRF_FIELD)):
                return JSONResponse({"ok": False, "message": "bad form token"}, status_code=403)
            ok, message = await handler(request, form)
            if request.headers.get(FETCH_HEADER):
                return JSONResponse({"ok": ok, "message": message}, status_code=200 if ok else 400)
            back = auth.safe_next(form.get("back") or _referer(request), PREFIX)
            response = RedirectResponse(back, status_code=303)
            response.set_cookie(
                FLASH_COOKIE,
                quote(json.dumps([ok, message])),
                path="/",
                httponly=True,
                samesite="strict",
            )
            return response

        return guarded

    # -- API answers --------------------------------------------------------------------------
    @staticmethod
    def outcome(answer: ApiAnswer, done: str) -> Outcome:
        return (True, done) if answer.ok else (False, answer.error)


def realtime_clock(request: Request) -> RealtimeClock | None:
    """The realtime clock of the `simtel.server.Server` serving `request`, if it runs one."""
    server = getattr(request.app.state, "server", None)
    clock = getattr(server, "realtime", None)
    return clock if isinstance(clock, RealtimeClock) else None


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=100)
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key not in values:
            values[key] = value[:MAX_FIELD]
    return values


def _referer(request: Request) -> str | None:
    """The path and query of the page the form was on (same origin only)."""
    parts = urlsplit(request.headers.get("referer", ""))
    if parts.netloc and parts.netloc != request.headers.get("host"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path else None


def _read_flash(value: str | None) -> tuple[bool, str] | None:
    if not value:
        return None
    try:
        ok, message = json.loads(unquote(value))
    except (ValueError, TypeError):
        return None
    return bool(ok), str(message)[:500]


def _seconds(value: object) -> str:
    if not isinstance(value, int | float):
        return ""
    return f"{float(value):.1f} s"


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=False)
