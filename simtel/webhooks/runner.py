"""Event loops for synchronous callers: where in-process ASGI apps run.

Every `ASGITransport` shares one runner (`shared_runner()`) unless given its own. By default a
runner runs a coroutine on the calling thread itself, on a loop that thread owns and reuses (no
thread hop: a webhook to an in-process app costs little more than the app's own work). So an app
runs on one loop per thread that delivers to it: the thread driving the simulation, or each worker
thread of `simtel serve` (state an app binds to a loop on first use, such as an `asyncio.Lock`,
must not be shared between those threads).

A thread whose loop is already running (an app that drives the simulator synchronously from inside
its own request) cannot run another: the coroutine then goes to the runner's background loop
thread, or, from that very thread, to a fresh loop on a helper thread, never deadlocking.

`AsyncRunner(dedicated=True)` always uses its background loop thread: simtel's own REST API,
called through `simtel.testing`, runs there, so an app answering a webhook may call that API
synchronously while the loop it runs on is blocked.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import deque
from collections.abc import Coroutine
from typing import Any, TypeVar

#: how much longer than its timeout a caller waits for an app that blocks the shared loop
_LOOP_GRACE = 0.5

T = TypeVar("T")


class AsyncRunner:
    """Runs coroutines for synchronous callers from any thread (see the module docstring)."""

    def __init__(self, *, dedicated: bool = False) -> None:
        self.dedicated = dedicated
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._local = threading.local()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=_serve_forever, args=(loop,), name="simtel-webhooks", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """The result of `coro`, waiting at most `timeout` seconds (then the task is cancelled and
        TimeoutError raised). An app that blocks its loop without awaiting is not interrupted
        when it runs on the caller's own loop."""
        if not self.dedicated and not _loop_running():
            return self._caller_loop().run(coro, timeout)
        if threading.current_thread() is self._thread:
            return _run_on_fresh_loop(coro, timeout)
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure_loop())
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def _caller_loop(self) -> _ThreadLoop:
        owned: _ThreadLoop | None = getattr(self._local, "loop", None)
        if owned is None:
            owned = self._local.loop = _ThreadLoop()
        return owned


class _ThreadLoop:
    """An event loop owned by one thread, closed when that thread's locals go away.

    A coroutine starts eagerly (as Python 3.12's `eager_task_factory` starts a task): its task's
    first step runs at once, inside the loop's context (the loop running, the task current, so
    anyio, sniffio and `asyncio.timeout` see a real task), and a coroutine that finishes in that
    step (an app answering without awaiting anything that suspends: most webhook handlers) costs
    no turn of the loop. One that suspends continues under `run_until_complete`, its deadline
    armed from then on, as before. Python 3.11 has no eager start, so the first step is taken
    from the loop's ready queue (`_eager_step`); where that is not possible (another loop class)
    the task simply starts on the loop's first turn.
    """

    def __init__(self) -> None:
        # the standard loop, whatever the policy (uvicorn may install uvloop's): the eager step
        # needs its ready queue
        self.loop: asyncio.AbstractEventLoop = asyncio.SelectorEventLoop()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        loop = self.loop
        task = loop.create_task(coro)
        expired: list[bool] = []

        def expire() -> None:
            expired.append(True)
            task.cancel()

        timer: list[asyncio.TimerHandle] = []
        if _eager_step(loop, task):
            if task.done():
                if getattr(loop, "_ready", None):  # what the step scheduled gets its turn
                    loop.run_until_complete(_yield())
                return task.result()
            timer.append(loop.call_later(timeout, expire))
        else:

            def arm() -> None:
                # runs right after the first step: an app that answered at once needs no timer
                if not task.done():
                    timer.append(loop.call_later(timeout, expire))

            loop.call_soon(arm)
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if expired:
                raise TimeoutError("the app did not answer in time") from None
            raise
        finally:
            if timer:
                timer[0].cancel()

    def __del__(self) -> None:
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()


def _eager_step(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> bool:
    """Run `task`'s first step now, with the loop set up as `run_forever` sets it for a turn
    (running on this thread, its async-generator hooks installed); False when the loop is not
    the standard one or its ready queue does not end with that step (then nothing was run)."""
    ready = getattr(loop, "_ready", None)
    if not isinstance(loop, asyncio.BaseEventLoop) or not isinstance(ready, deque) or not ready:
        return False
    handle = ready[-1]
    if getattr(getattr(handle, "_callback", None), "__self__", None) is not task:
        return False
    ready.pop()
    hooks = sys.get_asyncgen_hooks()
    loop._thread_id = threading.get_ident()  # type: ignore[attr-defined]
    sys.set_asyncgen_hooks(
        firstiter=loop._asyncgen_firstiter_hook,  # type: ignore[attr-defined]
        finalizer=loop._asyncgen_finalizer_hook,  # type: ignore[attr-defined]
    )
    asyncio.events._set_running_loop(loop)
    try:
        handle._run()
    finally:
        asyncio.events._set_running_loop(None)
        loop._thread_id = None  # type: ignore[attr-defined]
        sys.set_asyncgen_hooks(*hooks)
    return True


async def _yield() -> None:
    await asyncio.sleep(0)


def _serve_forever(loop: asyncio.AbstractEventLoop) -> None:
    """Run `loop` for good under one root task: anyio (Starlette's `run_in_threadpool`) keeps its
    worker threads for the life of the root task, instead of starting one per request."""

    async def forever() -> None:
        await loop.create_future()

    loop.run_until_complete(forever())


def _loop_running() -> bool:
    return asyncio.events._get_running_loop() is not None


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
