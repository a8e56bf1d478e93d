"""The Notification resource (2010-04-01): simtel's own debugger notifications, as Twilio's
debugger shows an app's errors and warnings.

Every `notification` event of the log is one Notification: an error or warning with Twilio's
code, raised by the TwiML layer (12100 parse failures and 13xxx attribute warnings with the
document's line, 11200 fetch failures), the webhook dispatcher (15003, 112xx on callbacks), the
recorder and transcriber (16105, 13617). The account's list (`/Notifications`) holds them all;
a call's list (`/Calls/{CA}/Notifications`) those about that call. Instances are read-only here
(Twilio's DELETE of a notification is answered 20004, as simtel has no way to delete a log
entry); both lists take `Log` (0 error, 1 warning), `MessageDate`, `MessageDate<`, `MessageDate>`
and Twilio's paging, newest first.

Fields, as Twilio fills them (examples in the OpenAPI description):

* `sid` is `NO` + 32 hex digits derived from the account and the event's position in the log, so
  it is deterministic and never takes a SID from the simulation's SID stream.
* `message_text` is form-encoded: `ErrorCode`, `LogLevel` (`ERROR`/`WARN`), `Msg`, and when known
  `LineNumber` (the TwiML line) and `url`.
* `request_url`/`request_method`, and on an instance `request_variables`, `response_body`,
  `response_headers`, come from the last webhook exchange with the notification's URL before it
  (empty when it is about no exchange). `message_date`, `date_created` and `date_updated` are the
  simulated time of the event.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel.api.endpoints import ACCOUNT, ApiRequest, RouteAt, collection
from simtel.api.errors import InvalidParameter
from simtel.api.listing import page_envelope
from simtel.api.params import Paging
from simtel.api.representations import API_VERSION, render, render_list
from simtel.api.serializers import account_path
from simtel.errors import NotFound
from simtel.store import NoticeQuery, Page

if TYPE_CHECKING:
    from simtel.simulator import Simulator

LOG_LEVELS = {"0": "error", "1": "warning"}
FILTERS = ("Log", "MessageDate", "MessageDate<", "MessageDate>")
Doc = dict[str, Any]
_SEQ_DIGITS = 12


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    account = f"{ACCOUNT}/Notifications"
    call = f"{ACCOUNT}/Calls/{{call_sid}}/Notifications"
    return [
        *(at(path, account_list, ["GET"]) for path in collection(account)),
        at(f"{account}/{{sid}}", instance, ["GET"]),
        *(at(path, call_list, ["GET"]) for path in collection(call)),
        at(f"{call}/{{sid}}", instance, ["GET"]),
    ]


# -- SIDs -----------------------------------------------------------------------------------------
def notification_sid(account_sid: str, seq: int) -> str:
    """`NO` + 20 hex digits of a digest of (account, seq) + `seq` in 12 hex digits."""
    digest = hashlib.sha256(f"{account_sid}:notification:{seq}".encode()).hexdigest()
    return f"NO{digest[: 32 - _SEQ_DIGITS]}{seq:0{_SEQ_DIGITS}x}"


def seq_of(account_sid: str, sid: str) -> int | None:
    """The log position `sid` names, or None when it is not one of this account's SIDs."""
    if len(sid) != 34 or not sid.startswith("NO"):
        return None
    try:
        seq = int(sid[-_SEQ_DIGITS:], 16)
    except ValueError:
        return None
    return seq if notification_sid(account_sid, seq)[2:] == sid[2:].lower() else None


# -- handlers -------------------------------------------------------------------------------------
async def account_list(api: ApiRequest) -> Response:
    return await _list(api, None)


async def call_list(api: ApiRequest) -> Response:
    return await _list(api, api.sid("call_sid", "CA"))


async def instance(api: ApiRequest) -> Response:
    sid = api.sid("sid", "NO")
    call_sid = api.sid("call_sid", "CA") if "call_sid" in api.request.path_params else None
    body = await api.read(_fetch, api.sim, sid, call_sid, api.path)
    return render(api.owned(body), api.fmt, "Notification")


async def _list(api: ApiRequest, call_sid: str | None) -> Response:
    params = api.params
    paging = params.paging()
    log = params.text("Log")
    if log is not None and log not in LOG_LEVELS:
        raise InvalidParameter(f"Log must be 0 (error) or 1 (warning), not '{log}'")
    bounds = params.date_range(api.sim.clock, "MessageDate", "t")
    split = api.sim.accounts.has_subaccounts  # every resource lives under its account
    query = NoticeQuery(
        sid=call_sid,
        level=LOG_LEVELS[log] if log is not None else None,
        lo=bounds.lo if bounds else None,
        hi=bounds.hi if bounds else None,
        hi_exclusive=bounds.hi_exclusive if bounds else False,
        account_sid=api.account_sid if split else None,
        main_account=api.account is api.sim.account,
    )
    page, items = await api.read(_page, api.sim, query, paging, call_sid)
    body = page_envelope(api.path, params.echo(FILTERS), paging, page, "notifications", items)
    return render_list(body, api.fmt, "notifications", "Notifications", "Notification")


# -- reads (under the simulator's lock) ----------------------------------------------------------
def _page(
    sim: Simulator, query: NoticeQuery, paging: Paging, call_sid: str | None
) -> tuple[Page, list[Doc]]:
    size, account = paging.page_size, sim.account.sid
    after = before = None
    if paging.token is not None:
        after, before = _token(account, paging.token)
    rows = sim.store.notice_rows(
        query, limit=size + 1, offset=paging.page * size, below=after, above=before
    )
    if before is not None:
        more_after, more_before = True, len(rows) > size
        rows = rows[-size:] if len(rows) > size else rows
    else:
        more_after, more_before = len(rows) > size, after is not None or paging.page > 0
        rows = rows[:size]
    sids = [notification_sid(account, row["seq"]) for row in rows]
    page = Page(
        items=rows,
        page=paging.page,
        page_size=size,
        next_token=f"PA{sids[-1]}" if rows and more_after else None,
        previous_token=f"PB{sids[0]}" if rows and more_before else None,
        token=paging.token,
    )
    return page, [notification(sim, row, call_sid, full=False) for row in rows]


def _token(account_sid: str, token: str) -> tuple[int | None, int | None]:
    """(below, above) seq bounds of a `PA<NO…>` / `PB<NO…>` token."""
    seq = seq_of(account_sid, token[2:]) if token[:2] in ("PA", "PB") else None
    if seq is None:
        raise InvalidParameter(f"Invalid PageToken: {token!r} is not PA<sid> or PB<sid>")
    return (seq, None) if token.startswith("PA") else (None, seq)


def _fetch(sim: Simulator, sid: str, call_sid: str | None, path: str) -> Doc:
    seq = seq_of(sim.account.sid, sid)
    row = sim.store.notice(seq) if seq is not None else None
    if row is None or (call_sid is not None and row.get("sid") != call_sid):
        raise NotFound(path)
    return notification(sim, row, call_sid, full=True)


def notification(sim: Simulator, row: Doc, under_call: str | None, *, full: bool) -> Doc:
    """One notification in the list schema, or with `full` in the instance schema. Its SID is
    derived from the main account's (so it never changes); its `account_sid` is the account of
    the resource it is about."""
    sid = notification_sid(sim.account.sid, int(row["seq"]))
    account = _owner(sim, str(row.get("sid") or ""))
    call_sid = _call_of(sim, str(row.get("sid") or ""))
    when = sim.clock.rfc2822(float(row["t"]))
    code = row.get("code")
    exchange = _exchange(sim, row)
    base = account_path(sim, account)
    parent = f"{base}/Calls/{under_call}" if under_call is not None else base
    out: Doc = {
        "account_sid": account,
        "api_version": API_VERSION,
        "call_sid": call_sid,
        "date_created": when,
        "date_updated": when,
        "error_code": None if code is None else str(code),
        "log": "0" if row.get("level") == "error" else "1",
        "message_date": when,
        "message_text": message_text(row),
        "more_info": None if code is None else f"https://www.twilio.com/docs/errors/{code}",
        "request_method": exchange.get("method") if exchange else None,
        "request_url": str(row.get("url") or ""),
        "sid": sid,
        "uri": f"{parent}/Notifications/{sid}.json",
    }
    if full:
        pairs = [(str(k), str(v)) for k, v in exchange.get("params") or []] if exchange else []
        out["request_variables"] = urlencode(pairs)
        out["response_body"] = str(exchange.get("body") or "") if exchange else ""
        content_type = exchange.get("content_type") if exchange else None
        headers = [("Content-Type", str(content_type))] if content_type else []
        out["response_headers"] = urlencode(headers)
    return out


def message_text(row: Doc) -> str:
    """Twilio's form-encoded `message_text`: ErrorCode, LogLevel, Msg, LineNumber, url."""
    pairs = [
        ("ErrorCode", str(row.get("code") or "")),
        ("LogLevel", "ERROR" if row.get("level") == "error" else "WARN"),
        ("Msg", str(row.get("message") or "")),
    ]
    if row.get("line") is not None:
        pairs.append(("LineNumber", str(row["line"])))
    if row.get("url"):
        pairs.append(("url", str(row["url"])))
    return urlencode(pairs)


#: the table of a notification's resource, by SID prefix
_OWNER_TABLES = {"CA": "calls", "RE": "recordings", "CF": "conferences", "TR": "transcriptions"}


def _owner(sim: Simulator, sid: str) -> str:
    """The account of the resource a notification is about (the main account's by default)."""
    table = _OWNER_TABLES.get(sid[:2])
    if table is None or not sim.accounts.has_subaccounts:
        return sim.account.sid
    doc = sim.store.get(table, sid)
    return str(doc.get("account_sid") or sim.account.sid) if doc else sim.account.sid


def _call_of(sim: Simulator, sid: str) -> str | None:
    """The call a notification is about: its SID, or a recording's call."""
    if sid.startswith("CA"):
        return sid
    if sid.startswith("RE"):
        doc = sim.store.get("recordings", sid)
        call_sid = doc.get("call_sid") if doc else None
        return str(call_sid) if call_sid else None
    return None


def _exchange(sim: Simulator, row: Doc) -> Doc | None:
    url, sid = row.get("url"), row.get("sid")
    if not url or not sid:
        return None
    return sim.store.exchange_before(str(sid), str(url), int(row["seq"]))
