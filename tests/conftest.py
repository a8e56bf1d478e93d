"""Shared fixtures: a webhook collector app the simulations post to, and the REST API tests'
simulation, app, official client and OpenAPI schemas."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from conftest_api import OAI, OAI_DIR, OAI_MORE, Schemas
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from simtel.server import Server
from simtel.simulator import Simulator
from simtel.testing import simtel_client


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


class SignedForms:
    """An ASGI app (`.app`) that checks Twilio's signature on every POST to `paths` and keeps
    each form it receives (`.seen`), answering 204."""

    def __init__(self, auth_token: str, *paths: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.seen: list[dict[str, str]] = []
        self.app = Starlette(routes=[Route(p, self.receive, methods=["POST"]) for p in paths])

    async def receive(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        assert self.validator.validate(str(request.url), form, signature)
        self.seen.append(form)
        return Response(status_code=204)


@pytest.fixture
def collector() -> Collector:
    return Collector()


CollectorFactory = Callable[[], Collector]


# -- the REST API tests: one simulation, its app and the official client (simtel.testing) ------
@pytest.fixture
def sim() -> Simulator:
    """Left open: a closed store would refuse the events of generators collected later."""
    return Simulator(seed=7)


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    """`sim` served over loopback HTTP (`simtel serve`'s server), with an authenticated client."""
    auth = (sim.account.sid, sim.account.auth_token)
    with Server(sim) as srv, httpx.Client(base_url=srv.url, auth=auth, trust_env=False) as client:
        yield client


@pytest.fixture
def client(sim: Simulator) -> Any:
    return simtel_client(sim)


@pytest.fixture
def app(client: Any) -> Any:
    """The ASGI app answering `client`."""
    return client.http_client.app


OAI_MISSING = "OpenAPI reference not found"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One visible line when Twilio's OpenAPI schemas are absent (their tests then skip)."""
    if OAI.is_file() and OAI_MORE.is_file():
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if OAI_MISSING in str(getattr(report, "longrepr", ""))
    ]
    if not skipped:
        return
    terminalreporter.write_line(
        f"simtel: Twilio's OpenAPI schemas are absent from {OAI_DIR}: {len(skipped)} schema "
        "tests skipped (the reference lives at ../shared/reference/oai, or set SIMTEL_OAI_DIR)",
        yellow=True,
        bold=True,
    )


@pytest.fixture(scope="session")
def oai() -> Schemas:
    if not OAI.is_file():
        pytest.skip(f"{OAI_MISSING} at {OAI}")
    return Schemas(json.loads(OAI.read_text()))


@pytest.fixture(scope="session")
def oai_more() -> Schemas:
    """The second subset: Notifications, AddOnResults, realtime Transcriptions, numbers."""
    if not OAI_MORE.is_file():
        pytest.skip(f"{OAI_MISSING} at {OAI_MORE}")
    return Schemas(json.loads(OAI_MORE.read_text()))
