"""Shared fixtures: a webhook collector app the simulations post to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    path: str
    method: str
    params: dict[str, str]
    signature: str | None
    url: str


@dataclass
class Collector:
    """An ASGI app that records every request and answers `status` (204 by default)."""

    received: list[Received] = field(default_factory=list)
    status: int = 204
    body: str = ""

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            form = await request.form() if request.method == "POST" else request.query_params
            params = {k: str(v) for k, v in form.items()}
            self.received.append(
                Received(
                    request.url.path,
                    request.method,
                    params,
                    request.headers.get("x-twilio-signature"),
                    str(request.url),
                )
            )
            return Response(self.body, status_code=self.status, media_type="text/xml")

        return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])

    def on(self, path: str) -> list[dict[str, str]]:
        return [r.params for r in self.received if r.path == path]


@pytest.fixture
def collector() -> Collector:
    return Collector()


CollectorFactory = Callable[[], Collector]
