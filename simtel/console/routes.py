"""The console's routes table, and the login form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from simtel.console import actions, auth, pages, resources
from simtel.console.live import Streams
from simtel.console.media import media
from simtel.console.site import PREFIX, Outcome, Site

if TYPE_CHECKING:
    from simtel.simulator import Simulator

STATIC = Path(__file__).parent / "static"
PageHandler = Callable[[Site, Request], Awaitable[Response]]
ActionHandler = Callable[[Site, Request, Mapping[str, str]], Awaitable[Outcome]]

#: (path under PREFIX, page handler)
PAGES: tuple[tuple[str, PageHandler], ...] = (
    ("", pages.home),
    ("/calls", pages.calls),
    ("/calls/{sid}", pages.call),
    ("/recordings", pages.recordings),
    ("/recordings/{sid}", pages.recording),
    ("/conferences", resources.conferences),
    ("/conferences/{sid}", resources.conference),
    ("/trunks", resources.trunks),
    ("/numbers", resources.numbers),
    ("/parties", resources.parties),
    ("/accounts", resources.accounts),
    ("/events", resources.events),
)
#: (path under PREFIX, action handler): every one a POST with the form's CSRF token
ACTIONS: tuple[tuple[str, ActionHandler], ...] = (
    ("/clock/advance", actions.advance),
    ("/clock/{how:str}", actions.pace),
    ("/reset", actions.reset),
    ("/calls", actions.place_call),
    ("/calls/{sid}/hangup", actions.hangup),
    ("/calls/{sid}/digits", actions.digits),
    ("/calls/{sid}/redirect", actions.redirect),
    ("/calls/{sid}/recordings", actions.start_recording),
    ("/calls/{sid}/recordings/{recording}", actions.recording_status),
    ("/recordings/{sid}/delete", actions.delete_recording),
    ("/numbers/{sid}", actions.update_number),
    ("/parties/{address}", actions.set_party),
)


def routes(sim: Simulator) -> list[BaseRoute]:
    site = Site(sim)
    streams = Streams(site)
    table: list[BaseRoute] = [
        Route("/", _to_console, methods=["GET"]),
        Route(f"{PREFIX}/login", partial(_login, site), methods=["GET", "POST"]),
        Route(f"{PREFIX}/logout", partial(_logout, site), methods=["POST"]),
        Route(f"{PREFIX}/stream", site.page(streams.stream), methods=["GET"]),
        Mount(f"{PREFIX}/static", app=StaticFiles(directory=STATIC), name="console-static"),
    ]
    for path, action in ACTIONS:
        handler = site.action(partial(action, site))
        table.append(Route(f"{PREFIX}{path}", handler, methods=["POST"]))
    for path, page in PAGES:
        table.append(Route(f"{PREFIX}{path}", site.page(partial(page, site)), methods=["GET"]))
    media_handler = site.page(partial(media, site))
    table.append(Route(f"{PREFIX}/recordings/{{sid}}/media.{{fmt}}", media_handler))
    return table


async def _to_console(request: Request) -> Response:
    return RedirectResponse(PREFIX, status_code=307)


async def _login(site: Site, request: Request) -> Response:
    target = auth.safe_next(request.query_params.get("next"), PREFIX)
    if request.method == "GET":
        return site.render(request, "login.html", {"next": target, "failed": False})
    form = await request.form(max_files=0, max_fields=10)
    sid = str(form.get("AccountSid") or "")[: auth.MAX_CREDENTIAL]
    token = str(form.get("AuthToken") or "")[: auth.MAX_CREDENTIAL]
    if not auth.valid_login(site.sim, sid.strip(), token.strip()):
        refused = site.render(request, "login.html", {"next": target, "failed": True})
        refused.status_code = 401
        return refused
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        auth.COOKIE, auth.session_value(site.sim), path="/", httponly=True, samesite="strict"
    )
    return response


async def _logout(site: Site, request: Request) -> Response:
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response
