"""REST and webhooks: simtel's handlers against bare routes on the same app and a raw ASGI call.

* REST, over loopback: `simtel.server.Server(sim, extra=[bare])` serves simtel's app on a free
  port, as `simtel serve` does. The bare routes on the SAME app answer the very dict simtel's
  route answered (a recording's JSON; a page of the recordings list), so the difference is
  simtel's work (auth, parameters, SQL, serialisation), not the server or the client. One
  `httpx.Client` with keep-alive sends a bounded number of requests; simtel's and the bare
  route's rounds alternate, each figure the best round.
* Webhooks, in process: `sim.webhooks.deliver` of a signed status callback to a mounted
  Starlette app (through `ASGITransport`) against awaiting the same app's ASGI callable directly,
  in alternating rounds, timed by the thread's CPU time (both run on the calling thread alone).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bench.common import Row, best_rates
from simtel import Party, Simulator
from simtel.server import Server
from simtel.webhooks import WebhookRequest

#: simtel's REST handlers must reach this fraction of a bare route's rate
TARGET_REST = 0.7
#: in-process webhook delivery must reach this fraction of a raw ASGI call's rate
TARGET_WEBHOOK = 0.5
PAGE_SIZE = 50
APP_URL = "http://app.bench.test"


def recorded_simulator(calls: int) -> Simulator:
    """A simulation holding `calls` completed dual-channel trunk recordings."""
    sim = Simulator(seed=3)
    sim.set_party("+15550100001", Party(pitch_hz=180.0))
    sim.set_party("+15550100002", Party(hangup_after=60.0, pitch_hz=120.0))
    trunk = sim.trunks.create("rest", recording_mode="record-from-answer-dual")
    for _ in range(calls):
        sim.trunks.place_call(trunk.sid, "+15550100002", "+15550100001")
        sim.advance(1.0)
    sim.run()
    return sim


def _bare_routes(answers: dict[str, Any]) -> Sequence[BaseRoute]:
    async def recording(request: Request) -> Response:
        return JSONResponse(answers["recording"])

    async def listing(request: Request) -> Response:
        return JSONResponse(answers["page"])

    return [Route("/_bench/recording", recording), Route("/_bench/recordings", listing)]


def rest_rows(calls: int, requests: int) -> list[Row]:
    sim = recorded_simulator(calls)
    answers: dict[str, Any] = {}
    server = Server(sim, extra=[lambda _: _bare_routes(answers)])
    base = f"/2010-04-01/Accounts/{sim.account.sid}"
    auth = (sim.account.sid, sim.account.auth_token)
    with server, httpx.Client(base_url=server.url, auth=auth) as client:
        pages = _page_uris(client, f"{base}/Recordings.json?PageSize={PAGE_SIZE}")
        answers["page"] = client.get(pages[0]).json()
        sid = answers["page"]["recordings"][0]["sid"]
        one = f"{base}/Recordings/{sid}.json"
        answers["recording"] = client.get(one).json()
        rows = [
            _rest_row("REST fetch recording JSON", client, [one], "/_bench/recording", requests),
            _rest_row(
                f"REST list recordings, {len(pages)} pages of {PAGE_SIZE}",
                client,
                pages,
                "/_bench/recordings",
                requests,
            ),
        ]
    sim.close()
    return rows


def _page_uris(client: httpx.Client, first: str) -> list[str]:
    uris, uri = [], first
    while uri:
        uris.append(uri)
        response = client.get(uri)
        response.raise_for_status()
        uri = response.json()["next_page_uri"]
    return uris


def _rest_row(name: str, client: httpx.Client, uris: list[str], bare: str, requests: int) -> Row:
    def simtel() -> int:
        for i in range(requests):
            client.get(uris[i % len(uris)]).raise_for_status()
        return requests

    def baseline() -> int:
        for _ in range(requests):
            client.get(bare).raise_for_status()
        return requests

    baseline()  # warm both paths before measuring
    simtel()
    simtel_rate, bare_rate = best_rates(simtel, baseline, 3)
    return Row(
        name,
        simtel=simtel_rate,
        baseline=bare_rate,
        unit="req/s",
        target=TARGET_REST,
        notes="baseline: a bare Starlette route on the same app returning the same dict",
    )


# -- webhooks -------------------------------------------------------------------------------------
def _user_app() -> Starlette:
    async def callback(request: Request) -> Response:
        form = await request.form()
        return Response(
            f"<Response><!-- {form['CallStatus']} --></Response>", media_type="text/xml"
        )

    return Starlette(routes=[Route("/status", callback, methods=["POST"])])


def webhook_row(deliveries: int) -> Row:
    sim = Simulator(seed=4)
    app = _user_app()
    sim.mount(APP_URL, app)
    params = (("CallSid", "CA" + "0" * 32), ("CallStatus", "completed"), ("Duration", "30"))
    request = WebhookRequest(f"{APP_URL}/status", "POST", params, "status-callback", params[0][1])

    def simtel() -> int:
        for _ in range(deliveries):
            assert sim.webhooks.deliver(request).ok
        return deliveries

    built = sim.webhooks.build(request.url, request.method, request.params)
    raw_scope = _scope(built.url, built.headers, built.body or b"")

    async def raw_calls() -> None:
        for _ in range(deliveries):
            assert await _raw_call(app, raw_scope, built.body or b"") == 200

    def baseline() -> int:
        asyncio.run(raw_calls())
        return deliveries

    simtel_rate, raw_rate = best_cpu_rates(simtel, baseline, 3)
    sim.close()
    return Row(
        "webhook delivery in process (ASGI)",
        simtel=simtel_rate,
        baseline=raw_rate,
        unit="req/s",
        target=TARGET_WEBHOOK,
        notes=(
            "baseline: awaiting the same app's ASGI callable in one event loop; rates per "
            "second of the delivering thread's CPU time"
        ),
    )


def best_cpu_rates(
    first: Callable[[], int], second: Callable[[], int], repeat: int = 3
) -> tuple[float, float]:
    """`best_rates`, timed by the calling thread's CPU time (`time.thread_time`). Both sides
    run entirely on this thread (the app in process, no I/O), so CPU time is the work they do;
    wall time on a shared machine adds whatever the neighbours take, which swung this row's
    ratio by +-40 % from one run to the next."""
    rates = [0.0, 0.0]
    for _ in range(repeat):
        for index, work in enumerate((first, second)):
            started = time.thread_time()
            done = work()
            elapsed = time.thread_time() - started
            rates[index] = max(rates[index], done / elapsed if elapsed > 0 else float("inf"))
    return rates[0], rates[1]


async def _raw_call(app: Starlette, scope: dict[str, Any], body: bytes) -> int:
    """Await `app` once with `scope` and `body`; the response status."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    await app(dict(scope), receive, send)
    return int(sent[0]["status"])


def _scope(url: str, headers: Sequence[tuple[str, str]], body: bytes) -> dict[str, Any]:
    from simtel.webhooks.exchange import HttpRequest
    from simtel.webhooks.transports import asgi_scope

    return asgi_scope(HttpRequest("POST", url, tuple(headers), body))
