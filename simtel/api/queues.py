"""Queues and their Members (`simtel.engine.queues`).

* `POST /Queues` (201) creates a queue: `FriendlyName` (required, 1-64 characters, unique in
  the account: 22003 otherwise), `MaxSize` (1-5000, default 1000: 20001 otherwise).
* Every queue belongs to the account of the path (a name is unique in its account; another
  account's queue is 20404). `GET /Queues` lists the account's live queues, oldest first;
  `GET /Queues/{QU}` fetches one with its `current_size` and `average_wait_time` (of the
  members waiting now) computed as it is read;
  `POST /Queues/{QU}` sets `FriendlyName` / `MaxSize` (a smaller `MaxSize` keeps the callers
  already waiting); `DELETE` (204) deletes it (callers still waiting leave with
  `QueueResult=system-error`).
* `GET /Queues/{QU}/Members` lists the waiting callers, front first; `GET .../Members/{CA}` (or
  `Front`) fetches one; `POST .../Members/{CA or Front}` with `Url` (and `Method`) dequeues it:
  the caller's `<Enqueue>` ends with `QueueResult=redirected` and the call runs the document
  at `Url`. Without `Url` it is 20001.

Queues and members are live state: they are read from the engine under the simulator's lock,
not from the store (the event log still has every change: `queue.*`, `member.*`). Paging is by
offset (`Page`, `PageSize`) or `PageToken=PA<sid>` (after that SID).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel.api.endpoints import ACCOUNT, ApiRequest, RouteAt, collection
from simtel.api.errors import InvalidParameter
from simtel.api.listing import page_envelope
from simtel.api.representations import render, render_list
from simtel.api.serializers import account_path
from simtel.engine.execution.flow import redirect
from simtel.engine.queues.queue import DEFAULT_MAX_SIZE, MAX_MAX_SIZE, MAX_NAME, Member, Queue
from simtel.errors import NotFound
from simtel.store.queries import Page

if TYPE_CHECKING:
    from simtel.simulator import Simulator

Doc = dict[str, Any]
TIMES = ("date_created", "date_updated", "date_enqueued")
MISSING_URL = 20001


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    base = f"{ACCOUNT}/Queues"
    members = f"{base}/{{queue_sid}}/Members"
    return [
        *(at(path, queue_list, ["GET", "POST"]) for path in collection(base)),
        at(f"{base}/{{sid}}", queue_instance, ["GET", "POST", "DELETE"]),
        *(at(path, member_list, ["GET"]) for path in collection(members)),
        at(f"{members}/{{call_sid}}", member_instance, ["GET", "POST"]),
    ]


# -- serializers ----------------------------------------------------------------------------------
def _times(sim: Simulator, doc: Doc) -> Doc:
    return {k: sim.clock.rfc2822(float(v)) if k in TIMES else v for k, v in doc.items()}


def queue_json(sim: Simulator, doc: Doc) -> Doc:
    out = _times(sim, doc)
    out["uri"] = f"{account_path(sim, doc['account_sid'])}/Queues/{doc['sid']}.json"
    return out


def member_json(sim: Simulator, doc: Doc) -> Doc:
    out = {k: v for k, v in _times(sim, doc).items() if k != "account_sid"}
    base = account_path(sim, doc["account_sid"])
    out["uri"] = f"{base}/Queues/{doc['queue_sid']}/Members/{doc['call_sid']}.json"
    return out


# -- queues ---------------------------------------------------------------------------------------
async def queue_list(api: ApiRequest) -> Response:
    sim = api.sim
    if api.request.method == "POST":
        name = _name(api, required=True)
        assert name is not None
        size = _size(api, DEFAULT_MAX_SIZE) or DEFAULT_MAX_SIZE
        api.require_active()
        account = api.account_sid
        doc = await api.run(lambda: sim.queues.create(name, size, account).fields(sim.now))
        return render(queue_json(sim, doc), api.fmt, "Queue", 201)

    def read() -> list[Doc]:
        return [q.fields(sim.now) for q in sim.queues.of_account(api.account_sid)]

    docs = await api.read(read)
    return _listing(api, docs, "sid", "queues", "Queues", "Queue", queue_json)


async def queue_instance(api: ApiRequest) -> Response:
    sim = api.sim
    sid = api.sid("sid", "QU")
    method = api.request.method
    if method == "DELETE":
        await api.run(_guard(api, lambda: sim.queues.delete(sid, api.account_sid)))
        return Response(status_code=204)
    if method == "POST":
        name = _name(api, required=False)
        size = _size(api, None)
        update = _guard(
            api,
            lambda: sim.queues.update(
                sid, friendly_name=name, max_size=size, account_sid=api.account_sid
            ),
        )
        doc = (await api.run(update)).fields(sim.now)
    else:
        doc = await api.read(lambda: _queue(api, sid).fields(sim.now))
    return render(queue_json(sim, doc), api.fmt, "Queue")


def _name(api: ApiRequest, *, required: bool) -> str | None:
    name = api.params.text("FriendlyName", max_length=MAX_NAME)
    if name is None and required:
        raise InvalidParameter("Missing required parameter FriendlyName in the post body", 20001)
    if name is not None and not name:
        raise InvalidParameter("FriendlyName must be 1 to 64 characters", 20001)
    return name


def _size(api: ApiRequest, default: int | None) -> int | None:
    if api.params.text("MaxSize") is None:
        return default
    return api.params.integer("MaxSize", DEFAULT_MAX_SIZE, lo=1, hi=MAX_MAX_SIZE)


def _queue(api: ApiRequest, sid: str) -> Queue:
    try:
        return api.sim.queues.get(sid, api.account_sid)
    except NotFound:
        raise NotFound(api.path) from None


def _guard(api: ApiRequest, command: Callable[[], Any]) -> Callable[[], Any]:
    """`command`, with a missing queue answered as a 20404 of the requested path."""

    def guarded() -> Any:
        try:
            return command()
        except NotFound:
            raise NotFound(api.path) from None

    return guarded


# -- members --------------------------------------------------------------------------------------
async def member_list(api: ApiRequest) -> Response:
    sim = api.sim
    queue_sid = api.sid("queue_sid", "QU")

    def read() -> list[Doc]:
        queue = _queue(api, queue_sid)
        return [_member(queue, m, sim.now) for m in queue.members]

    docs = await api.read(read)
    return _listing(
        api, docs, "call_sid", "queue_members", "QueueMembers", "QueueMember", member_json
    )


async def member_instance(api: ApiRequest) -> Response:
    sim = api.sim
    queue_sid = api.sid("queue_sid", "QU")
    raw = str(api.request.path_params["call_sid"])
    call_sid = raw.removesuffix(f".{api.suffix}") if api.suffix else raw
    if call_sid != "Front":
        call_sid = api.sid("call_sid", "CA")
    if api.request.method == "POST":
        url = api.params.text("Url")
        if not url:
            raise InvalidParameter("Url is required to dequeue a member", MISSING_URL)
        method = api.params.method("Method")
        doc = await api.run(_dequeue, api, queue_sid, call_sid, url, method)
    else:
        doc = await api.read(lambda: _member_doc(api, queue_sid, call_sid))
    return render(member_json(sim, doc), api.fmt, "QueueMember")


def _member_doc(api: ApiRequest, queue_sid: str, call_sid: str) -> Doc:
    queue = _queue(api, queue_sid)
    member = queue.member(call_sid)
    if member is None:
        raise NotFound(api.path)
    return _member(queue, member, api.sim.now)


def _dequeue(api: ApiRequest, queue_sid: str, call_sid: str, url: str, method: str) -> Doc:
    """Redirect the member's call to `url`: its `<Enqueue>` ends `redirected` (the member is
    answered as it was when dequeued)."""
    doc = _member_doc(api, queue_sid, call_sid)
    sim = api.sim
    redirect(sim, sim.calls[doc["call_sid"]], url=url, method=method)
    return doc


def _member(queue: Queue, member: Member, now: float) -> Doc:
    return {**queue.member_fields(member, now), "account_sid": queue.account_sid}


# -- paging ---------------------------------------------------------------------------------------
def _listing(
    api: ApiRequest,
    docs: Sequence[Doc],
    key_field: str,
    key: str,
    element: str,
    item_element: str,
    serialize: Callable[[Simulator, Doc], Doc],
) -> Response:
    paging = api.params.paging()
    start = paging.page * paging.page_size
    token = paging.token
    if token is not None and token.startswith("PA"):
        after = token[2:]
        keys = [doc[key_field] for doc in docs]
        start = keys.index(after) + 1 if after in keys else len(docs)
    chunk = list(docs[start : start + paging.page_size])
    more = start + len(chunk) < len(docs)
    next_token = f"PA{chunk[-1][key_field]}" if more and chunk else None
    page = Page(chunk, paging.page, paging.page_size, next_token, None, token)
    items = [serialize(api.sim, doc) for doc in chunk]
    body = page_envelope(api.path, [], paging, page, key, items)
    return render_list(body, api.fmt, key, element, item_element)
