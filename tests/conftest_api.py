"""Helpers for the REST API tests (a plain module, imported normally; the fixtures `sim`, `app`,
`client` and `oai` live in conftest.py): raw requests into the app through
`simtel.testing.call_app`, for what the twilio client cannot send (raw bytes, odd paths, bad
auth), Twilio error codes, and the OpenAPI schemas (skipped cleanly when the reference folder is
absent)."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from simtel.simulator import Simulator
from simtel.testing import FORM_CONTENT_TYPE, asgi_scope, call_app

#: Twilio's OpenAPI subsets: `../shared/reference/oai` from the repository root, or the folder
#: `SIMTEL_OAI_DIR` names (a git worktree elsewhere)
OAI_DIR = Path(
    os.environ.get("SIMTEL_OAI_DIR") or Path(__file__).parents[1].parent / "shared/reference/oai"
)
OAI = OAI_DIR / "twilio_api_v2010_recording_subset.json"
#: Notifications, AddOnResults, realtime Transcriptions, IncomingPhoneNumbers, Queues
OAI_MORE = OAI_DIR / "twilio_api_v2010_accounts_queues_notifications_subset.json"


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
) -> Reply:
    """One request straight into the ASGI app, `path` and `query` sent as given (not parsed
    from a URL, so hostile ones arrive intact); a form body unless `headers` say otherwise."""
    all_headers = dict(headers or {})
    if body and not any(k.lower() == "content-type" for k in all_headers):
        all_headers["Content-Type"] = FORM_CONTENT_TYPE
    scope = asgi_scope(method, "http://simtel.test/", all_headers, body)
    scope["path"] = path
    scope["raw_path"] = path.encode("utf-8", "surrogateescape")
    scope["query_string"] = query.encode("latin-1", "replace")
    answer = asyncio.run(call_app(app, scope, body))
    if answer.error is not None:
        raise answer.error
    return Reply(answer.status, dict(answer.headers), answer.body)


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def auth_of(sim: Simulator) -> dict[str, str]:
    return basic(sim.account.sid, sim.account.auth_token)


def error_of(excinfo: pytest.ExceptionInfo[TwilioRestException]) -> tuple[int, int]:
    """The HTTP status and Twilio error code of a refused request."""
    return excinfo.value.status, excinfo.value.code


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
