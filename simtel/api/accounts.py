"""The Accounts resource (2010-04-01): the main account and its subaccounts.

* `POST /Accounts.json` (CreateAccount, 201) makes an active subaccount of the account whose
  credentials ask (`FriendlyName`, at most 64 characters; Twilio's default
  `SubAccount Created at YYYY-MM-DD HH:MM am` from the simulated clock). A subaccount's
  credentials cannot create one (20403); at most `simtel.accounts.MAX_SUBACCOUNTS`.
* `GET /Accounts.json` lists the accounts the credentials reach (the main account's: itself and
  every subaccount; a subaccount's: itself), newest first, filtered by `FriendlyName` (exact) and
  `Status`, paged like every list (`PageSize`, `Page`, `PA`/`PB` tokens).
* `GET /Accounts/{AC}.json` fetches one; `POST` sets `FriendlyName` and `Status` (`active`,
  `suspended`, `closed`; see `simtel.accounts` for who may and what `closed` does). Closing a
  subaccount releases its phone numbers, as Twilio does.

The answers carry the `auth_token`, as Twilio's do; the events (`account.*`) never do.
Accounts are read from the registry (`Simulator.accounts`, at most 1,001 of them), not the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from simtel import accounts as registry
from simtel.account import Account
from simtel.api.endpoints import ApiRequest, RouteAt, collection
from simtel.api.errors import InvalidParameter
from simtel.api.listing import Listing, page_envelope
from simtel.api.params import Paging
from simtel.api.representations import API_VERSION, render, render_list
from simtel.events import EventKind
from simtel.store import Page

if TYPE_CHECKING:
    from simtel.simulator import Simulator

BASE = f"/{API_VERSION}/Accounts"
LISTING = Listing("accounts", "accounts", "Accounts", "Account", ("FriendlyName", "Status"))
#: the subresources Twilio's Account examples list, in their order
SUBRESOURCES = (
    ("available_phone_numbers", "AvailablePhoneNumbers"),
    ("calls", "Calls"),
    ("conferences", "Conferences"),
    ("incoming_phone_numbers", "IncomingPhoneNumbers"),
    ("notifications", "Notifications"),
    ("outgoing_caller_ids", "OutgoingCallerIds"),
    ("recordings", "Recordings"),
    ("transcriptions", "Transcriptions"),
    ("addresses", "Addresses"),
    ("signing_keys", "SigningKeys"),
    ("connect_apps", "ConnectApps"),
    ("sip", "SIP"),
    ("authorized_connect_apps", "AuthorizedConnectApps"),
    ("usage", "Usage"),
    ("keys", "Keys"),
    ("applications", "Applications"),
    ("short_codes", "SMS/ShortCodes"),
    ("queues", "Queues"),
    ("messages", "Messages"),
    ("balance", "Balance"),
)
Doc = dict[str, Any]


def routes(sim: Simulator) -> list[BaseRoute]:
    at = RouteAt(sim)
    return [
        *(at(path, account_list, ["GET", "POST"]) for path in collection(BASE)),
        at(f"{BASE}/{{account_sid}}", account_instance, ["GET", "POST"]),
    ]


def account_json(sim: Simulator, account: Account) -> Doc:
    """One account in the `api.v2010.account` schema."""
    base = f"{BASE}/{account.sid}"
    return {
        "auth_token": account.auth_token,
        "date_created": sim.clock.rfc2822(account.date_created),
        "date_updated": sim.clock.rfc2822(account.date_updated),
        "friendly_name": account.friendly_name,
        "owner_account_sid": account.owner,
        "sid": account.sid,
        "status": account.status,
        "subresource_uris": {name: f"{base}/{path}.json" for name, path in SUBRESOURCES},
        "type": "Full",
        "uri": f"{base}.json",
    }


# -- endpoints ------------------------------------------------------------------------------------
async def account_list(api: ApiRequest) -> Response:
    if api.request.method == "POST":
        name = api.params.text("FriendlyName", max_length=registry.MAX_FRIENDLY_NAME)
        created = await api.run(_create, api.sim, _caller(api), name)
        return _one(api, created, 201)
    params = api.params
    name = params.text("FriendlyName", max_length=256)
    status = params.choice("Status", registry.STATUSES, "") or None
    paging = params.paging()
    page = await api.read(_page, api.sim, _caller(api), name, status, paging)
    echoed = params.echo(LISTING.echo)
    body = page_envelope(api.path, echoed, paging, page, LISTING.key, page.items)
    return render_list(body, api.fmt, LISTING.key, LISTING.element, LISTING.item_element)


async def account_instance(api: ApiRequest) -> Response:
    if api.request.method == "POST":
        name = api.params.text("FriendlyName", max_length=registry.MAX_FRIENDLY_NAME)
        status = api.params.choice("Status", registry.STATUSES, "") or None
        await api.run(_update, api.sim, _caller(api), api.account, name, status)
    return _one(api, api.account)


def _caller(api: ApiRequest) -> Account:
    assert api.credentials is not None  # the Accounts resource is never public media
    return api.credentials


def _one(api: ApiRequest, account: Account, status: int = 200) -> Response:
    return render(account_json(api.sim, account), api.fmt, "Account", status)


# -- commands and reads (under the simulator's lock) ---------------------------------------------
def _create(sim: Simulator, caller: Account, name: str | None) -> Account:
    now = sim.now
    if name is None:
        moment = sim.clock.at(now)
        name = f"SubAccount Created at {moment:%Y-%m-%d %I:%M} {moment:%p}".replace(
            "AM", "am"
        ).replace("PM", "pm")
    account = sim.accounts.create(caller, name, now)
    sim.events.emit(EventKind.ACCOUNT_CREATED, account.sid, **registry.fields(account))
    return account


def _update(
    sim: Simulator, caller: Account, account: Account, name: str | None, status: str | None
) -> None:
    changes = sim.accounts.update(caller, account, friendly_name=name, status=status, now=sim.now)
    if not changes:
        return
    sim.events.emit(EventKind.ACCOUNT_UPDATED, account.sid, **changes)
    if changes.get("status") == "closed":
        _release_numbers(sim, account.sid)


def _release_numbers(sim: Simulator, account_sid: str) -> None:
    """Closing a subaccount releases every phone number it owns."""
    for phone_number, number in list(sim.numbers.items()):
        if number.account_sid == account_sid:
            del sim.numbers[phone_number]
            sim.events.emit(EventKind.NUMBER_DELETED, number.sid)


def _page(
    sim: Simulator, caller: Account, name: str | None, status: str | None, paging: Paging
) -> Page:
    """A page of the accounts `caller` reaches, newest first (`date_created`, then SID), as
    `api.v2010.account` documents."""
    matching = [
        account
        for account in sim.accounts.visible_to(caller)
        if (name is None or account.friendly_name == name)
        and (status is None or account.status == status)
    ]
    matching.sort(key=lambda a: (a.date_created, a.sid), reverse=True)
    size = paging.page_size
    start = paging.page * size if paging.token is None else _start(matching, paging.token, size)
    chosen = matching[start : start + size]
    first, last = (chosen[0].sid, chosen[-1].sid) if chosen else (None, None)
    return Page(
        items=[account_json(sim, account) for account in chosen],
        page=paging.page,
        page_size=size,
        next_token=f"PA{last}" if chosen and start + size < len(matching) else None,
        previous_token=f"PB{first}" if chosen and start > 0 else None,
        token=paging.token,
    )


def _start(accounts: list[Account], token: str, size: int) -> int:
    """Where the page of a `PA<sid>` token starts (just after the SID), or of a `PB<sid>` one
    (the page that ends just before it)."""
    kind, sid = token[:2], token[2:]
    positions = {account.sid: index for index, account in enumerate(accounts)}
    if kind not in ("PA", "PB") or sid not in positions:
        raise InvalidParameter(f"Invalid PageToken: {token!r} names no account of this list")
    return positions[sid] + 1 if kind == "PA" else max(positions[sid] - size, 0)
