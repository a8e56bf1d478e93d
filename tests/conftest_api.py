"""Helpers for the REST API tests: an in-process twilio HttpClient, raw ASGI requests, and the
OpenAPI schemas (skipped cleanly when the reference folder is absent)."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from simtel.api import create_app
from simtel.simulator import Simulator

OAI = (
    Path(__file__).parents[1].parent / "shared/reference/oai/twilio_api_v2010_recording_subset.json"
)
BASE_URL = "http://simtel.test"


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def asgi_request(
    app: Any,
    method: str,
    path: str,
    *,
    query: str = "",
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    raw_path: bytes | None = None,
) -> Reply:
    """One request straight into the ASGI app (no sockets, no TestClient)."""
    header_list = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()
    ]
    if body and not any(k == b"content-type" for k, _ in header_list):
        header_list.append((b"content-type", b"application/x-www-form-urlencoded"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path or path.encode("utf-8", "surrogateescape"),
        "query_string": query.encode("latin-1", "replace") if isinstance(query, str) else query,
        "root_path": "",
        "headers": header_list,
        "client": ("127.0.0.1", 1),
        "server": ("simtel.test", 80),
    }
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    hdrs = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]}
    return Reply(start["status"], hdrs, data)


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class AsgiHttpClient(HttpClient):
    """twilio-python's transport, delivering into the app in process."""

    def __init__(self, app: Any) -> None:
        super().__init__(logging.getLogger("tests.api"), is_async=False)
        self.app = app

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        parts = urlsplit(uri)
        query = "&".join(q for q in (parts.query, urlencode(params or {}, doseq=True)) if q)
        body = urlencode(data or {}, doseq=True).encode()
        all_headers = dict(headers or {})
        if auth:
            all_headers.update(basic(*auth))
        reply = asgi_request(
            self.app, method.upper(), parts.path, query=query, body=body, headers=all_headers
        )
        return TwilioResponse(reply.status, reply.body.decode("utf-8", "replace"), reply.headers)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=7)


@pytest.fixture
def app(sim: Simulator) -> Any:
    return create_app(sim)


@pytest.fixture
def client(sim: Simulator, app: Any) -> Client:
    twilio = Client(sim.account.sid, sim.account.auth_token, http_client=AsgiHttpClient(app))
    twilio.api.base_url = BASE_URL
    return twilio


def auth_of(sim: Simulator) -> dict[str, str]:
    return basic(sim.account.sid, sim.account.auth_token)


# -- OpenAPI schemas ----------------------------------------------------------------------------
def _convert(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema: `nullable`, closed objects, prices as strings (spec §2.2)."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k not in ("nullable", "format", "example")}
    kind = out.get("type")
    if node.get("nullable") and isinstance(kind, str):
        out["type"] = [kind, "null"]
    if kind == "object" and "properties" in out:
        out["additionalProperties"] = False
    return out


def _relax_prices(schemas: dict[str, Any]) -> None:
    for schema in schemas.values():
        price = schema.get("properties", {}).get("price")
        if price is not None and "number" in price.get("type", []):
            price["type"] = ["number", "string", "null"]


class Schemas:
    def __init__(self, document: dict[str, Any]) -> None:
        self.components = _convert(document["components"])
        _relax_prices(self.components["schemas"])
        self.paths = document["paths"]

    def validator(self, schema: Any) -> Any:
        import jsonschema

        root = {**copy.deepcopy(schema), "components": self.components}
        return jsonschema.Draft7Validator(root)

    def check(self, name: str, body: Any) -> None:
        self.validator({"$ref": f"#/components/schemas/{name}"}).validate(body)

    def properties(self, name: str) -> set[str]:
        return set(self.components["schemas"][name]["properties"])

    def check_list(self, path: str, body: Any) -> None:
        op = self.paths[path]["get"]
        schema = _convert(op["responses"]["200"]["content"]["application/json"]["schema"])
        self.validator(schema).validate(body)


@pytest.fixture(scope="session")
def oai() -> Schemas:
    if not OAI.is_file():
        pytest.skip(f"OpenAPI reference not found at {OAI}")
    return Schemas(json.loads(OAI.read_text()))
