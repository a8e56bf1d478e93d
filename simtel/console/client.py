"""The console's way to change and read the simulation: the REST and control APIs, in process.

Every action of the console (hang up, redirect, press digits, start/pause/resume/stop a
recording, place a call, move the clock, edit a number, delete a recording) is one request to
simtel's own API app, authenticated as the account and sent over `httpx.ASGITransport` (no
socket). So the console validates parameters, answers errors (Twilio's code and message) and
runs the engine commands exactly as a client of the API would see them, and cannot drift from
them. Reads that must be "as the API serves it" (a recording's JSON, media) go the same way;
lists and details read the store directly, with its paged queries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from simtel.api.auth import OWNED_TABLES
from simtel.api.errors import split_suffix

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from simtel.simulator import Simulator

API = "/2010-04-01/Accounts"
#: how long the console waits for one API request (a clock advance may wait on the user's app)
TIMEOUT = 120.0

Form = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ApiAnswer:
    status: int
    body: bytes
    content_type: str

    @property
    def ok(self) -> bool:
        return self.status < 400

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> str:
        """Twilio's `code: message` of an error answer (the raw body when it is not JSON)."""
        try:
            doc = self.json()
        except ValueError:
            return self.body.decode("utf-8", "replace")[:300]
        if isinstance(doc, dict) and "message" in doc:
            code = doc.get("code")
            return f"{code}: {doc['message']}" if code else str(doc["message"])
        return self.body.decode("utf-8", "replace")[:300]


class ApiClient:
    """Requests to `create_app(sim)` as the account (built on first use)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._app: Starlette | None = None

    @property
    def account_path(self) -> str:
        return f"{API}/{self.sim.account.sid}"

    def _owner(self, path: str) -> str:
        """The account of the resource SID a relative path names first (`Calls/CA…/...`)."""
        sim = self.sim
        if not sim.accounts.has_subaccounts:
            return sim.account.sid
        parts = path.split("/")
        sid = split_suffix(parts[1])[0] if len(parts) > 1 else ""
        table = OWNED_TABLES.get(sid[:2])
        doc = sim.store.get(table, sid) if table is not None else None
        return str((doc or {}).get("account_sid") or sim.account.sid)

    def _transport(self) -> httpx.ASGITransport:
        if self._app is None:
            from simtel.api.app import create_app

            self._app = create_app(self.sim)
        return httpx.ASGITransport(app=self._app)

    async def request(
        self,
        method: str,
        path: str,
        form: Form | None = None,
        query: Mapping[str, str] | None = None,
        json_body: bytes | None = None,
    ) -> ApiAnswer:
        """`path` is absolute (`/_simtel/...`) or under the account (`Calls/CA….json`): the
        account that owns the resource it names (the console acts with the main account's
        credentials, which reach every subaccount)."""
        url = path if path.startswith("/") else f"{API}/{self._owner(path)}/{path}"
        account = self.sim.account
        async with httpx.AsyncClient(
            transport=self._transport(),
            base_url="http://simtel.console",
            auth=(account.sid, account.auth_token),
            timeout=TIMEOUT,
        ) as client:
            if json_body is not None:
                headers = {"Content-Type": "application/json"}
                response = await client.request(
                    method, url, content=json_body, params=query, headers=headers
                )
            else:
                response = await client.request(method, url, data=form, params=query)
        return ApiAnswer(
            response.status_code, response.content, response.headers.get("content-type", "")
        )

    async def get(self, path: str, query: Mapping[str, str] | None = None) -> ApiAnswer:
        return await self.request("GET", path, query=query)

    async def post(self, path: str, form: Form | None = None) -> ApiAnswer:
        return await self.request("POST", path, form=form or {})

    async def delete(self, path: str) -> ApiAnswer:
        return await self.request("DELETE", path)
