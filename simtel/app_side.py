"""The user's app as a `Simulator` sees it (`AppSide`, a base of `Simulator`): apps mounted in
process, webhooks sent to them (status callbacks fired and forgotten, TwiML fetched with its
simulated latency), the auth token each is signed with, and the simulator's lock released while
the app answers, so the app may call the REST API back during its webhook.

A reset may come while the lock is released: when the app answers, the step that sent the
webhook is unwound against the old world it belongs to (`simtel.resets`; `RunControl._run`
catches it).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from simtel.resets import SimulationReset

if TYPE_CHECKING:
    import threading

    import simpy

    from simtel.accounts import Accounts
    from simtel.engine.calls.call import Call
    from simtel.resets import Generations
    from simtel.webhooks import Router, WebhookDispatcher, WebhookOutcome, WebhookRequest


class AppSide:
    """Webhooks out of a `Simulator` (the attributes below are the simulator's)."""

    env: simpy.Environment
    lock: threading.RLock
    generations: Generations
    router: Router
    webhooks: WebhookDispatcher
    accounts: Accounts
    calls: dict[str, Call]
    _due_callbacks: list[WebhookRequest]

    def mount(self, base_url: str, app: Any) -> None:
        """Deliver webhooks for URLs under `base_url` to the ASGI `app` in process."""
        self.router.mount(base_url, app)

    def deliver(self, request: WebhookRequest) -> None:
        """Send a fire-and-forget webhook (status callbacks) at the current simulated time.

        Delivery is scheduled as its own process, not made inside the caller: a REST command that
        triggers a callback (say, a recording started from the app's own webhook handler) answers
        first, and the callback goes out when the simulation next steps, in order. Callbacks
        over real HTTP due at one instant go out together, concurrently (`deliver_all`: N slow
        targets cost the slowest, not the sum), and are logged in the order they were due.
        """
        if self.webhooks.is_http(request):
            self._due_callbacks.append(request)
            if len(self._due_callbacks) == 1:
                self.env.process(self._deliver_due())
            return
        self.env.process(self._deliver(request))

    def _deliver(self, request: WebhookRequest) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(0)
        self.webhooks.deliver(request)

    def _deliver_due(self) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(0)
        due, self._due_callbacks = self._due_callbacks, []
        self.webhooks.deliver_all(due)

    def fetch(self, request: WebhookRequest) -> Generator[simpy.Event, Any, WebhookOutcome]:
        """Send a webhook and wait its simulated latency (TwiML and action requests)."""
        outcome = self.webhooks.deliver(request)
        if outcome.latency > 0:
            yield self.env.timeout(outcome.latency)
        return outcome

    def _signing_token(self, sid: str) -> str:
        """The auth token that signs a webhook: of the account `sid` names, or of the account
        that owns the call `sid` (a media fetch carries no `AccountSid`)."""
        call = self.calls.get(sid) if sid.startswith("CA") else None
        return self.accounts.token(call.account_sid if call is not None else sid)

    @contextmanager
    def _released(self) -> Iterator[None]:
        """Let other threads in while this one waits for the user's app."""
        depth = 0
        while True:
            try:
                self.lock.release()
            except RuntimeError:
                break
            depth += 1
        generation = self.generations.number
        try:
            yield
        finally:
            for _ in range(depth):
                self.lock.acquire()
        if self.generations.number != generation:
            self._unwind(generation)

    def _unwind(self, generation: int) -> None:
        """The app answered a step of a simulation reset meanwhile: reinstall that old world
        and unwind the step with `SimulationReset` (`run` catches it: `_unwound`)."""
        ghost = self.generations.ghosts.pop(generation, None)
        if ghost is None:  # not a step of `run` (nothing to unwind into): carry on as is
            return
        self.generations.restore = dict(self.__dict__)
        self.__dict__.clear()
        self.__dict__.update(ghost)
        raise SimulationReset(f"simulation generation {generation} was reset")
