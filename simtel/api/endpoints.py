"""The request context every endpoint gets (`ApiRequest`: its simulator, account, parameters
and format, and how it runs commands and reads under the simulator's lock), the Starlette
endpoint that authenticates, reads the parameters and answers failures as Twilio does
(`endpoint`), and what every resource module shares: its routes (`RouteAt`, `collection`,
`ACCOUNT`) and stored documents (`stored`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simtel.api import auth
from simtel.api.errors import Endpoint, guarded, request_path, split_suffix
from simtel.api.params import Params, check_sid, read_params
from simtel.errors import NotFound

if TYPE_CHECKING:
    from simtel.account import Account
    from simtel.simulator import Simulator

#: the prefix of every 2010 API path
ACCOUNT = "/2010-04-01/Accounts/{account_sid}"
#: a read runs on the event loop's thread only if at most this many events wait to be stored
INLINE_FLUSH = 256


def stored(sim: Simulator, table: str, sid: str, path: str) -> dict[str, Any]:
    """The stored document `sid` of `table`; 20404 for `path` when there is none."""
    doc = sim.store.get(table, sid)
    if doc is None:
        raise NotFound(path)
    return doc


T = TypeVar("T")
Handler = Callable[["ApiRequest"], Awaitable[Response]]
MediaTest = Callable[[Request], bool]


@dataclass(slots=True)
class ApiRequest:
    """One 2010 API request: its simulator, parameters, and the suffix of its last segment
    (`json`, `xml`, `wav`, `mp3`, `csv`, or "" for none)."""

    sim: Simulator
    request: Request
    params: Params
    suffix: str
    #: the account the path names (the credentials' own for `/Accounts.json`), and whose
    #: credentials these are (None for public media)
    account: Account
    credentials: Account | None = None

    @property
    def path(self) -> str:
        return request_path(self.request)

    @property
    def account_sid(self) -> str:
        return self.account.sid

    def require_active(self) -> None:
        """10001 (HTTP 403) unless the path's account is active: a suspended or closed account
        creates nothing (`simtel.accounts`)."""
        self.sim.accounts.require_active(self.account.sid)

    def owned(self, doc: dict[str, Any]) -> dict[str, Any]:
        """`doc` when it is a resource of the path's account; 20404 otherwise."""
        if doc.get("account_sid", self.account.sid) != self.account.sid:
            raise NotFound(self.path)
        return doc

    @property
    def fmt(self) -> str:
        """The data format: JSON for `.json`, CSV for `.csv`, XML otherwise (the 2010 API's
        default)."""
        if self.suffix in ("json", "csv"):
            return self.suffix
        return "xml"

    def sid(self, name: str, prefix: str) -> str:
        """The path parameter `name` without its suffix, checked to be a `prefix` SID."""
        stem, _ = split_suffix(str(self.request.path_params.get(name, "")))
        return check_sid(stem, prefix, self.path)

    async def run(self, command: Callable[..., T], *args: Any) -> T:
        """Run `command(*args)` in a worker thread under the simulator's lock, store flushed."""
        return await run_in_threadpool(_locked, self.sim, command, *args)

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        """`run` for a query that only reads (the store, the engine's state): never a command,
        never a webhook, never long. When the simulator's lock is free and little waits to be
        flushed it runs at once on this thread, saving the hop to a worker thread; otherwise
        it goes the way of `run` (never blocking the event loop on the lock)."""
        sim = self.sim
        if sim.store.pending <= INLINE_FLUSH and sim.lock.acquire(blocking=False):
            try:
                sim.store.flush()
                return query(*args)
            finally:
                sim.lock.release()
        return await self.run(query, *args)


def _locked(sim: Simulator, command: Callable[..., T], *args: Any) -> T:
    with sim.lock:
        sim.store.flush()
        return command(*args)


def suffix_of(request: Request) -> str:
    return split_suffix(request_path(request).rsplit("/", 1)[-1])[1]


def endpoint(sim: Simulator, handler: Handler, media: MediaTest | None = None) -> Endpoint:
    """A Starlette endpoint: authenticate, check the account, read parameters, run `handler`,
    and answer any failure as Twilio does. `media(request)` true marks a media download (public
    unless the account enforces media auth)."""

    async def respond(request: Request) -> Response:
        suffix = suffix_of(request)
        access = auth.require(sim, request, media=media is not None and media(request))
        params = await read_params(request)
        api = ApiRequest(sim, request, params, suffix, access.account, access.credentials)
        if sim.accounts.has_subaccounts:
            sids = auth.path_sids(request)
            if sids:
                await api.read(auth.check_owned, sim, access.account.sid, sids, api.path)
        return await handler(api)

    return guarded(respond, lambda request: "json" if suffix_of(request) == "json" else "xml")


@dataclass(frozen=True, slots=True)
class RouteAt:
    """Builds a resource's routes on `sim`: `at(path, handler, methods)` serves `methods` on
    `path` with `handler`, through `endpoint` (`media` as there)."""

    sim: Simulator

    def __call__(
        self, path: str, handler: Handler, methods: list[str], media: MediaTest | None = None
    ) -> Route:
        return Route(path, endpoint(self.sim, handler, media), methods=methods)


def collection(path: str) -> tuple[str, ...]:
    """The four spellings of a list path: `.json`, `.xml`, `.csv`, and bare (XML)."""
    return (f"{path}.json", f"{path}.xml", f"{path}.csv", path)
