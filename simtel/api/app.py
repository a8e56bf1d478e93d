"""The Starlette application: Twilio's 2010-04-01 REST surface over one simulation.

`create_app(sim)` mounts one routes table per resource module (each exports `routes(sim)`), plus
simtel's control API under `/_simtel/`. Adding a resource is one line in `RESOURCES`. Routing
misses answer Twilio's 20404 (with the requested path) and wrong methods 20004 (HTTP 405). A
simulation with a read-only store (`simtel serve --read-only`) refuses every change
(`simtel.api.readonly`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from simtel.api import (
    accounts,
    advertised,
    calls,
    control,
    errors,
    notifications,
    numbers,
    recordings,
    transcriptions,
)
from simtel.api import conferences as conference_routes
from simtel.api import queues as queue_routes
from simtel.api import trunks as trunk_routes
from simtel.api.readonly import ReadOnlyGuard

if TYPE_CHECKING:
    from simtel.simulator import Simulator

RouteFactory = Callable[["Simulator"], Sequence[BaseRoute]]

#: Every routes table, in matching order.
RESOURCES: tuple[RouteFactory, ...] = (
    accounts.routes,
    recordings.routes,
    calls.routes,
    transcriptions.routes,
    notifications.routes,
    advertised.routes,
    numbers.routes,
    conference_routes.routes,
    queue_routes.routes,
    trunk_routes.routes,
    control.routes,
)


def create_app(sim: Simulator, *, extra: Sequence[RouteFactory] = ()) -> Starlette:
    """The ASGI app serving `sim` (plus the routes of any `extra` factories)."""
    routes: list[BaseRoute] = []
    for factory in (*RESOURCES, *extra):
        routes.extend(factory(sim))
    app = Starlette(
        routes=routes,
        exception_handlers={**errors.handlers(), Exception: errors.server_error},
    )
    app.router.redirect_slashes = False  # Twilio answers `/Calls/` 20404, not a redirect
    if sim.store.readonly:  # a finished run, served to be read (`simtel.finished`)
        app.add_middleware(ReadOnlyGuard)
    return app
