"""One background event loop for synchronous callers: where in-process ASGI apps run.

Every `ASGITransport` shares one runner (`shared_runner()`) unless given its own; simtel's own
REST API, called through `simtel.testing`, runs on another, so an app answering a webhook may call
that API synchronously without blocking the loop it runs on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

#: how much longer than its timeout a caller waits for an app that blocks the shared loop
_LOOP_GRACE = 0.5

T = TypeVar("T")


class AsyncRunner:
    """One event loop on one daemon thread, started on first use, running coroutines for
    synchronous callers from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="simtel-webhooks", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """The result of `coro`, waiting at most `timeout` seconds (then the task is cancelled and
        TimeoutError raised). Called from the loop's own thread (an app that drives the simulator
        from inside a request), it runs `coro` on a fresh loop in a helper thread instead of
        deadlocking."""
        if threading.current_thread() is self._thread:
            return _run_on_fresh_loop(coro, timeout)
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure_loop())
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise


def _run_on_fresh_loop(coro: Coroutine[Any, Any, T], timeout: float) -> T:
    outcome: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(asyncio.wait_for(coro, timeout)))
        except BaseException as exc:  # handed back to the caller below
            errors.append(exc)

    helper = threading.Thread(target=target, name="simtel-webhooks-nested", daemon=True)
    helper.start()
    helper.join(timeout + _LOOP_GRACE)
    if errors:
        raise errors[0]
    if not outcome:
        raise TimeoutError("the app did not answer in time")
    return outcome[0]


_shared_runner = AsyncRunner()


def shared_runner() -> AsyncRunner:
    """The process-wide runner every `ASGITransport` uses unless given its own."""
    return _shared_runner
