"""In-process apps start eagerly (`simtel.webhooks.runner`): an app that answers without
suspending costs no turn of the loop, yet sees a real running loop and a current task (anyio,
`asyncio.timeout`); one that suspends continues on the loop under its deadline; what an
app schedules gets its turn; the signature cache keys each token apart."""

from __future__ import annotations

import asyncio
import time

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from simtel import Simulator
from simtel.webhooks import AsyncRunner, WebhookRequest
from simtel.webhooks.signing import compute_signature

APP = "http://app.eager.test"
PARAMS = (("CallSid", "CA" + "1" * 32), ("CallStatus", "completed"))


async def inside() -> tuple[bool, bool, bool]:
    task = asyncio.current_task()
    return (
        task is not None,
        asyncio.get_running_loop().is_running(),
        anyio.get_current_task().id == id(task),  # anyio finds the backend and the task
    )


def test_a_coroutine_that_never_suspends_runs_as_a_task_of_a_running_loop() -> None:
    assert AsyncRunner().run(inside(), 5.0) == (True, True, True)


def test_a_coroutine_that_suspends_finishes_on_the_loop_and_keeps_its_deadline() -> None:
    runner = AsyncRunner()

    async def pause_then_answer() -> tuple[bool, bool, bool]:
        await asyncio.sleep(0.01)
        async with asyncio.timeout(5):  # needs the current task to be this coroutine's
            await asyncio.sleep(0)
        return await inside()

    assert runner.run(pause_then_answer(), 5.0) == (True, True, True)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        runner.run(asyncio.sleep(5), 0.05)
    assert time.monotonic() - started < 2.0


def test_what_an_app_schedules_gets_its_turn_before_the_answer_returns() -> None:
    steps: list[str] = []

    async def note() -> None:
        steps.append("background")

    async def answer() -> str:
        asyncio.get_running_loop().create_task(note())
        return "answered"

    assert AsyncRunner().run(answer(), 5.0) == "answered"
    assert steps == ["background"]


def app() -> Starlette:
    def sync_status(request: Request) -> Response:  # Starlette runs it in its thread pool
        return PlainTextResponse(f"sync {request.headers['x-twilio-signature']}")

    async def async_status(request: Request) -> Response:
        form = await request.form()
        return PlainTextResponse(f"async {form['CallStatus']}")

    async def broken(request: Request) -> Response:
        raise RuntimeError("the app's own bug")

    return Starlette(
        routes=[
            Route("/sync", sync_status, methods=["POST"]),
            Route("/async", async_status, methods=["POST"]),
            Route("/broken", broken, methods=["POST"]),
        ]
    )


@pytest.mark.parametrize("auth_token", ["token-one", "token-two"])
def test_deliveries_are_signed_and_answered_by_sync_and_async_endpoints(auth_token: str) -> None:
    sim = Simulator(seed=9, auth_token=auth_token)
    sim.mount(APP, app())
    validator = RequestValidator(auth_token)
    for path, expected in (("/sync", "sync "), ("/async", "async completed")):
        request = WebhookRequest(APP + path, "POST", PARAMS, "status-callback", PARAMS[0][1])
        outcome = sim.webhooks.deliver(request)
        assert outcome.ok and outcome.response is not None
        assert outcome.response.text.startswith(expected)
    built = sim.webhooks.build(APP + "/sync", "POST", PARAMS)
    signature = dict(built.headers)["X-Twilio-Signature"]
    assert validator.validate(APP + "/sync", dict(PARAMS), signature)
    assert signature == compute_signature(APP + "/sync", PARAMS, auth_token)
    assert signature != compute_signature(APP + "/sync", PARAMS, auth_token + "x")
    sim.close()


def test_an_app_that_raises_answers_500_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    sim = Simulator(seed=9)
    sim.mount(APP, app())
    request = WebhookRequest(APP + "/broken", "POST", PARAMS, "status-callback", PARAMS[0][1])
    outcome = sim.webhooks.deliver(request)
    assert outcome.response is not None and outcome.response.status == 500
    [attempt] = [e for e in sim.events if e.kind == "webhook"]
    assert attempt.fields["status"] == 500
    sim.close()
