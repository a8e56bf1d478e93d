"""The console's other pages: conferences, trunks, numbers, parties, accounts, and the event
log's tail."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from simtel.console import views
from simtel.engine.conferences.speaking import speaking
from simtel.events import EventKind
from simtel.report.data import CallSpan
from simtel.report.load import concurrency_chart

if TYPE_CHECKING:
    from simtel.console.site import Site

PAGE_SIZE = 50
#: events the tail shows when it opens (newer ones arrive live)
TAIL = 100
#: the calls of one trunk its occupancy chart reads at most (the latest)
TRUNK_SPANS = 5000
LIVE_STATUSES = ("queued", "ringing", "in-progress")
MAX_FILTER = 64


async def conferences(site: Site, request: Request) -> Response:
    page = site.sim.store.list_page("conferences", page_size=PAGE_SIZE)
    counts = {
        c["sid"]: site.sim.store.count("participants", conference_sid=c["sid"]) for c in page.items
    }
    context = {"page": page, "counts": counts}
    return site.render(request, "conferences.html", context, nav="conferences")


async def conference(site: Site, request: Request) -> Response:
    sid = request.path_params["sid"]
    store = site.sim.store
    doc = store.get("conferences", sid)
    if doc is None:
        return site.render(request, "missing.html", {"what": f"conference {sid}"}, "conferences")
    participants = store.list_page(
        "participants", filters={"conference_sid": sid}, page_size=200
    ).items
    recordings = store.list_page("recordings", filters={"conference_sid": sid}, page_size=50)
    context = {
        "conference": doc,
        "participants": participants,
        "speaking": speaking(site.sim.conferences.by_sid.get(sid), site.sim.now),
        "recordings": recordings.items,
    }
    return site.render(request, "conference.html", context, nav="conferences")


async def accounts(site: Site, request: Request) -> Response:
    """The main account and its subaccounts (at most 1,001: `simtel.accounts`), newest first."""
    rows = sorted(site.sim.accounts, key=lambda a: (a.date_created, a.sid), reverse=True)
    context = {"accounts": rows, "main": site.sim.account.sid}
    return site.render(request, "accounts.html", context, nav="accounts")


async def trunks(site: Site, request: Request) -> Response:
    sim = site.sim
    rows: list[dict[str, Any]] = []
    for trunk in sim.store.list_page("trunks", page_size=PAGE_SIZE).items:
        engine = sim.trunks.trunks.get(trunk["sid"])
        spans = _trunk_spans(site, trunk["sid"])
        end = max([sim.now, *(s.end or s.created for s in spans)])
        rows.append(
            {
                "trunk": trunk,
                "active": engine.active if engine else None,
                "capacity": engine.capacity if engine else None,
                "offered": engine.offered if engine else None,
                "blocked": engine.blocked if engine else None,
                "chart": views.svg_markup(concurrency_chart(spans, end)) if spans else None,
            }
        )
    return site.render(request, "trunks.html", {"rows": rows}, nav="trunks")


def _trunk_spans(site: Site, trunk_sid: str) -> list[CallSpan]:
    """The latest `TRUNK_SPANS` calls of the trunk, oldest first, for the occupancy chart."""
    conn = site.sim.store.connection
    site.sim.store.flush()
    sql = (
        "SELECT sid, parent_call_sid, date_created, start_time, end_time, status FROM calls "
        "WHERE json_extract(doc, '$.trunk_sid') = ? ORDER BY date_created DESC LIMIT ?"
    )
    rows = conn.execute(sql, (trunk_sid, TRUNK_SPANS)).fetchall()
    return [
        CallSpan(sid, parent, created, start, end, status, trunk_sid)
        for sid, parent, created, start, end, status in reversed(rows)
    ]


async def numbers(site: Site, request: Request) -> Response:
    page = site.sim.store.list_page("numbers", page_size=200)
    return site.render(request, "numbers.html", {"page": page}, nav="numbers")


async def parties(site: Site, request: Request) -> Response:
    """The far-end parties: `/_simtel/parties` when the control API has it, else the simulator's
    registered parties."""
    answer = await site.api.get("/_simtel/parties")
    served: Any = answer.json() if answer.ok else None
    editable: list[tuple[str, str]] = []
    if isinstance(served, dict):
        editable = [("default", json.dumps(served.get("default"), indent=1))]
        editable += [
            (address, json.dumps(party, indent=1))
            for address, party in (served.get("parties") or {}).items()
        ]
    registered = [
        {"address": address, **asdict(party)} for address, party in sorted(site.sim.parties.items())
    ]
    context = {
        "served": served,
        "editable": editable,
        "registered": registered,
        "default": asdict(site.sim.default_party),
    }
    return site.render(request, "parties.html", context, nav="parties")


async def events(site: Site, request: Request) -> Response:
    kind = request.query_params.get("kind", "")[:MAX_FILTER]
    sid = request.query_params.get("sid", "")[:MAX_FILTER]
    total = len(site.sim.events)
    kinds = [k for k in EventKind if str(k).startswith(kind)] if kind else None
    since = total - TAIL if kinds is None and not sid else total - TAIL * 20
    recent = site.sim.store.events(max(0, since), kinds=kinds, sid=sid or None)
    chosen = recent[-TAIL:][::-1]
    context = {
        "events": chosen,
        "kind": kind,
        "sid": sid,
        "since": total,
        "kinds": sorted({str(k).split(".")[0] for k in EventKind}),
    }
    return site.render(request, "events.html", context, nav="events")
