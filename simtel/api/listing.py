"""List endpoints of the 2010 API: a page of a store table, newest first, in Twilio's paging
envelope (`page_envelope`: URIs relative, filters echoed), and answered (`list_response`), with
the JSON text of unchanged items reused (`ItemTexts`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from simtel.api.endpoints import ApiRequest
from simtel.api.errors import JSON_TYPE, InvalidParameter
from simtel.api.params import Paging
from simtel.api.representations import render_list
from simtel.store import DateRange, Page, PageTokenError

#: a resource's serializer: a stored document to its JSON fields
Serialize = Callable[[Mapping[str, Any]], dict[str, Any]]


def page_envelope(
    path: str,
    echoed: list[tuple[str, str]],
    paging: Paging,
    page: Page,
    key: str,
    items: Sequence[object],
) -> dict[str, Any]:
    """Twilio's list body: URIs relative, filters echoed first, then PageSize and Page."""

    def uri(page_number: int, token: str | None) -> str:
        query = [*echoed, ("PageSize", str(paging.page_size)), ("Page", str(page_number))]
        if token is not None:
            query.append(("PageToken", token))
        return f"{path}?{urlencode(query)}"

    start = paging.page * paging.page_size
    return {
        "first_page_uri": uri(0, None),
        "end": start + len(items) - 1 if items else 0,
        "previous_page_uri": (
            uri(max(paging.page - 1, 0), page.previous_token) if page.previous_token else None
        ),
        key: items,
        "uri": uri(paging.page, paging.token),
        "page_size": paging.page_size,
        "start": start if items else 0,
        "next_page_uri": uri(paging.page + 1, page.next_token) if page.next_token else None,
        "page": paging.page,
    }


@dataclass(frozen=True, slots=True)
class Listing:
    """What one list endpoint reads and how it answers."""

    table: str
    key: str
    element: str
    item_element: str
    echo: tuple[str, ...] = ()


async def list_response(
    api: ApiRequest,
    listing: Listing,
    serialize: Serialize,
    *,
    filters: Mapping[str, object] | None = None,
    ranges: Sequence[DateRange] = (),
    include_deleted: bool = True,
    same: Hashable | None = None,
) -> Response:
    """A page of `listing.table` (newest first) in Twilio's envelope, as JSON or XML.

    `same`, when given, says that `serialize` answers equal stored documents with equal items
    whenever `same` is equal (say, the view and the account's URLs): a JSON page then reuses the
    JSON text it made of an unchanged document (`ItemTexts`), instead of serializing and encoding
    it again."""
    fmt = api.fmt
    paging = api.params.paging()
    if api.sim.accounts.has_subaccounts:  # every resource lives under its account
        filters = {**(filters or {}), "account_sid": api.account_sid}

    def read() -> Page:
        try:
            return api.sim.store.list_page(
                listing.table,
                filters=filters,
                date_filters=list(ranges),
                page_size=paging.page_size,
                page=paging.page,
                page_token=paging.token,
                include_deleted=include_deleted,
            )
        except PageTokenError as error:
            raise InvalidParameter(f"Invalid PageToken: {error}") from None

    page = await api.read(read)
    echoed = api.params.echo(listing.echo)
    if fmt == "json" and same is not None and len(page.raw) == len(page.items):
        texts = [
            _ITEM_TEXTS.text((listing.table, same, raw), serialize, doc)
            for raw, doc in zip(page.raw, page.items, strict=True)
        ]
        body = page_envelope(api.path, echoed, paging, page, listing.key, texts)
        body[listing.key] = _ITEMS_HERE
        encoded = json.dumps(body).replace(f'"{_ITEMS_HERE}"', "[" + ", ".join(texts) + "]", 1)
        return Response(encoded, 200, media_type=JSON_TYPE)
    items = [serialize(doc) for doc in page.items]
    body = page_envelope(api.path, echoed, paging, page, listing.key, items)
    return render_list(body, fmt, listing.key, listing.element, listing.item_element)


#: where a JSON page's items go in its encoded envelope (URIs are URL-encoded: no `@` in them)
_ITEMS_HERE = "@@simtel-list-items@@"


class ItemTexts:
    """The JSON text of list items by (table, `same`, stored SID and document), least recently
    used forgotten first beyond `capacity`. Thread-safe."""

    def __init__(self, capacity: int = 5_000) -> None:
        self.capacity = capacity
        self._texts: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def text(self, key: Hashable, serialize: Serialize, doc: Mapping[str, Any]) -> str:
        with self._lock:
            found = self._texts.get(key)
            if found is not None:
                self._texts.move_to_end(key)
                return found
        made = json.dumps(serialize(doc))
        with self._lock:
            self._texts[key] = made
            if len(self._texts) > self.capacity:
                self._texts.popitem(last=False)
        return made


_ITEM_TEXTS = ItemTexts()
