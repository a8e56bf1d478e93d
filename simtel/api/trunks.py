"""Elastic SIP Trunking v1 (spec §8.1): Trunks create/list/fetch and their Recording settings.

JSON only, v1 style: ISO 8601 dates, absolute `https://trunking.twilio.com/v1/...` URLs, lists in
a `meta` envelope. `POST /v1/Trunks` takes `FriendlyName` and `DomainName`; the other Trunk
settings (disaster recovery, transfer, CNAM, secure trunking) are not simulated and are refused
with 20001. Channel capacity and calls-per-second limits have no Twilio parameter: set them with
`sim.trunks.create(...)`. `GET`/`POST /v1/Trunks/{TK}/Recording` read and set `Mode` and `Trim`
(invalid values 20001); the body is `{"mode": ..., "trim": ...}`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from simtel.api import auth
from simtel.api.endpoints import stored
from simtel.api.errors import JSON_TYPE, InvalidParameter, guarded
from simtel.api.params import Params, check_sid, read_params
from simtel.engine.trunks.trunking import RECORDING_MODES, RECORDING_TRIMS
from simtel.errors import NotFound, UnsupportedFeature
from simtel.store import PageTokenError

if TYPE_CHECKING:
    from simtel.simulator import Simulator

BASE_URL = "https://trunking.twilio.com"
PREFIX = "/v1/Trunks"
UNSUPPORTED = (
    "DisasterRecoveryUrl",
    "DisasterRecoveryMethod",
    "TransferMode",
    "Secure",
    "CnamLookupEnabled",
    "TransferCallerId",
)
LINKS = {
    "origination_urls": "OriginationUrls",
    "credential_lists": "CredentialLists",
    "ip_access_control_lists": "IpAccessControlLists",
    "phone_numbers": "PhoneNumbers",
    "recording": "Recording",
}
Doc = dict[str, Any]


def routes(sim: Simulator) -> list[BaseRoute]:
    api = _TrunkApi(sim)
    return [
        Route(PREFIX, api.endpoint(api.trunks), methods=["GET", "POST"]),
        Route(f"{PREFIX}/{{sid}}", api.endpoint(api.trunk), methods=["GET"]),
        Route(f"{PREFIX}/{{sid}}/Recording", api.endpoint(api.recording), methods=["GET", "POST"]),
    ]


def trunk_json(sim: Simulator, doc: Doc) -> Doc:
    """A stored trunk as `trunking.v1.trunk`."""
    out = {k: v for k, v in doc.items() if k not in ("date_created", "date_updated")}
    out["date_created"] = sim.clock.iso8601(doc.get("date_created"))
    out["date_updated"] = sim.clock.iso8601(doc.get("date_updated"))
    url = f"{BASE_URL}{PREFIX}/{doc['sid']}"
    out["url"] = url
    out["links"] = {name: f"{url}/{segment}" for name, segment in LINKS.items()}
    return out


def _json(body: Doc, status: int = 200) -> Response:
    return Response(json.dumps(body), status, media_type=JSON_TYPE)


class _TrunkApi:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def endpoint(self, handler: Any) -> Any:
        async def respond(request: Request) -> Response:
            # the v1 API names no account: a trunk belongs to the credentials' account
            request.state.caller = auth.identify(self.sim, request)
            params = await read_params(request)
            response: Response = await handler(request, params)
            return response

        return guarded(respond, lambda _: "json")

    async def _run(self, command: Any, *args: Any) -> Any:
        def locked() -> Any:
            with self.sim.lock:
                self.sim.store.flush()
                return command(*args)

        return await run_in_threadpool(locked)

    def _sid(self, request: Request) -> str:
        """The path's trunk, which must be the caller's or one of its subaccounts' (20404)."""
        sid = check_sid(str(request.path_params["sid"]), "TK", request.url.path)
        trunk = self.sim.trunks.trunks.get(sid)
        owner = None if trunk is None else self.sim.accounts.get(trunk.account_sid)
        if owner is None or not self.sim.accounts.reaches(request.state.caller, owner):
            raise NotFound(request.url.path)
        return sid

    async def trunks(self, request: Request, params: Params) -> Response:
        if request.method == "POST":
            for unsupported in UNSUPPORTED:
                if params.text(unsupported) is not None:
                    raise UnsupportedFeature(unsupported)
            name = params.text("FriendlyName", max_length=64)
            domain = params.text("DomainName", max_length=253)
            caller = request.state.caller.sid
            return _json(await self._run(self._create, name, domain, caller), 201)
        paging = params.paging()
        page = await self._run(
            self._page, paging.page_size, paging.page, paging.token, request.state.caller.sid
        )
        return _json(page)

    async def trunk(self, request: Request, params: Params) -> Response:
        return _json(await self._run(self._fetch, self._sid(request), request.url.path))

    async def recording(self, request: Request, params: Params) -> Response:
        sid = self._sid(request)
        if request.method == "POST":
            mode = params.choice("Mode", RECORDING_MODES, "") or None
            trim = params.choice("Trim", RECORDING_TRIMS, "") or None
            return _json(await self._run(self._set_recording, sid, request.url.path, mode, trim))
        doc = await self._run(self._fetch, sid, request.url.path)
        return _json(dict(doc["recording"]))

    # -- commands (under the simulator's lock) ----------------------------------------------------
    def _create(self, name: str | None, domain: str | None, account_sid: str) -> Doc:
        trunk = self.sim.trunks.create(name, domain_name=domain, account_sid=account_sid)
        self.sim.store.flush()
        return self._fetch(trunk.sid, f"{PREFIX}/{trunk.sid}")

    def _fetch(self, sid: str, path: str) -> Doc:
        return trunk_json(self.sim, stored(self.sim, "trunks", sid, path))

    def _set_recording(self, sid: str, path: str, mode: str | None, trim: str | None) -> Doc:
        if sid not in self.sim.trunks.trunks:
            raise NotFound(path)
        trunk = self.sim.trunks.set_recording(sid, mode, trim)
        return dict(trunk.recording)

    def _page(self, size: int, number: int, token: str | None, account_sid: str) -> Doc:
        try:
            page = self.sim.store.list_page(
                "trunks",
                filters={"account_sid": account_sid},
                page_size=size,
                page=number,
                page_token=token,
            )
        except PageTokenError as error:
            raise InvalidParameter(f"Invalid PageToken: {error}") from None

        def url(page_number: int, page_token: str | None) -> str:
            query = [("PageSize", str(size)), ("Page", str(page_number))]
            if page_token is not None:
                query.append(("PageToken", page_token))
            return f"{BASE_URL}{PREFIX}?{urlencode(query)}"

        return {
            "trunks": [trunk_json(self.sim, doc) for doc in page.items],
            "meta": {
                "page": number,
                "page_size": size,
                "first_page_url": url(0, None),
                "previous_page_url": (
                    url(number - 1, page.previous_token) if page.previous_token else None
                ),
                "url": url(number, token),
                "next_page_url": url(number + 1, page.next_token) if page.next_token else None,
                "key": "trunks",
            },
        }
