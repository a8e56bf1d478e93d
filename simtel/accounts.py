"""Subaccounts: the main account's children, and which credentials reach which account.

`Accounts` holds the main account (the `Simulator`'s own `Account`) and the subaccounts created
through the Accounts resource (`POST /2010-04-01/Accounts.json`). Contracts:

* **Deterministic, outside the SID stream.** A subaccount's SID is `AC` + a SHA-256 digest of
  (seed, main account SID, its position); its auth token a digest of (seed, its SID). Creating
  one draws nothing from the simulation's generator or SID minter, so every other SID, event and
  golden log stays the same.
* **Reach.** The main account's credentials reach the main account and every subaccount; a
  subaccount's credentials reach only itself (`reaches`).
* **Status.** `active`, `suspended` or `closed`; `closed` is final (`AccountClosed`). The main
  account's status never changes through the API, and only the main account's credentials
  change a subaccount's status (Twilio: "You must use your main account's authentication
  credentials to suspend a subaccount. Also, you cannot suspend your main account"). An account
  that is not `active` refuses what would create activity (`require_active`: 10001, HTTP 403);
  its history stays readable, and a closed one stays in the list.
* **Bounded.** At most `MAX_SUBACCOUNTS` subaccounts (Twilio's default limit), friendly names
  of at most `MAX_FRIENDLY_NAME` characters.

Every change is an `account.created` / `account.updated` event (without the auth token: the
log is shared freely, the token is a secret). `/_simtel/reset` forgets every subaccount.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from simtel.account import Account

__all__ = ["Account", "AccountForbidden", "AccountNotActive", "Accounts"]
from simtel.errors import TwilioError

STATUSES = ("active", "suspended", "closed")
MAX_SUBACCOUNTS = 1000
MAX_FRIENDLY_NAME = 64
ACCOUNT_NOT_ACTIVE = 10001
INBOUND_REJECTED = 10003
FORBIDDEN = 20403


class AccountNotActive(TwilioError):
    """10001: a suspended or closed account asked to create something."""

    def __init__(self, account: Account) -> None:
        super().__init__(
            ACCOUNT_NOT_ACTIVE,
            403,
            f"Account is not active: {account.sid} is {account.status}",
        )
        self.args = (account,)


class AccountForbidden(TwilioError):
    """20403: authenticated, but these credentials may not do this to that account."""

    def __init__(self, message: str) -> None:
        super().__init__(FORBIDDEN, 403, message)


def subaccount_sid(seed: int, main_sid: str, position: int) -> str:
    digest = hashlib.sha256(f"simtel-subaccount-{seed}-{main_sid}-{position}".encode())
    return "AC" + digest.hexdigest()[:32]


def subaccount_token(seed: int, sid: str) -> str:
    return hashlib.sha256(f"simtel-auth-token-{seed}-{sid}".encode()).hexdigest()[:32]


class Accounts:
    """The main account and its subaccounts, by SID, in creation order."""

    def __init__(self, main: Account, seed: int) -> None:
        self.main = main
        self.seed = seed
        self._subaccounts: dict[str, Account] = {}
        #: subaccounts ever created in this run (a SID is never reused, even after a close)
        self._created = 0

    def __iter__(self) -> Iterator[Account]:
        """The main account, then its subaccounts in creation order."""
        yield self.main
        yield from self._subaccounts.values()

    def __len__(self) -> int:
        return 1 + len(self._subaccounts)

    @property
    def has_subaccounts(self) -> bool:
        return bool(self._subaccounts)

    def get(self, sid: str) -> Account | None:
        if sid == self.main.sid:
            return self.main
        return self._subaccounts.get(sid)

    def token(self, sid: str | None) -> str:
        """The auth token that signs `sid`'s webhooks (the main account's for any other SID)."""
        found = self._subaccounts.get(sid) if sid else None
        return (found or self.main).auth_token

    # -- credentials ----------------------------------------------------------------------------
    def authenticate(self, username: str, password: str) -> Account | None:
        """The account whose SID and auth token these are; None when they are no account's."""
        account = self.get(username)
        if account is None:
            # compare anyway, so a wrong SID costs what a wrong token does
            hmac.compare_digest(password.encode(), self.main.auth_token.encode())
            return None
        if hmac.compare_digest(password.encode(), account.auth_token.encode()):
            return account
        return None

    @staticmethod
    def reaches(credentials: Account, target: Account) -> bool:
        """Whether `credentials` may act on `target`: itself, or one of its subaccounts."""
        return target.sid == credentials.sid or target.owner_account_sid == credentials.sid

    def visible_to(self, credentials: Account) -> list[Account]:
        """The accounts `credentials` may list: itself and, for the main account, every
        subaccount."""
        return [account for account in self if self.reaches(credentials, account)]

    # -- commands -------------------------------------------------------------------------------
    def create(self, owner: Account, friendly_name: str, now: float) -> Account:
        """A new active subaccount of `owner` (which must be the main account)."""
        if not owner.is_main:
            raise AccountForbidden("A subaccount cannot create subaccounts")
        if len(self._subaccounts) >= MAX_SUBACCOUNTS:
            raise TwilioError(
                20001, 400, f"An account has at most {MAX_SUBACCOUNTS} subaccounts in simtel"
            )
        sid = subaccount_sid(self.seed, self.main.sid, self._created)
        self._created += 1
        account = Account(
            sid=sid,
            auth_token=subaccount_token(self.seed, sid),
            friendly_name=friendly_name,
            owner_account_sid=owner.sid,
            date_created=now,
            date_updated=now,
        )
        self._subaccounts[sid] = account
        return account

    def update(
        self,
        credentials: Account,
        account: Account,
        *,
        friendly_name: str | None,
        status: str | None,
        now: float,
    ) -> dict[str, Any]:
        """Apply UpdateAccount; the changed fields (empty when nothing changed)."""
        changes: dict[str, Any] = {}
        if status is not None and status != account.status:
            if account.is_main:
                raise AccountForbidden("The main account's status cannot be changed")
            if credentials.sid != account.owner_account_sid:
                raise AccountForbidden(
                    "Only the main account's credentials change a subaccount's status"
                )
            if account.status == "closed":
                raise TwilioError(20001, 400, f"Account {account.sid} is closed: it stays closed")
            account.status = changes["status"] = status
        if friendly_name is not None and friendly_name != account.friendly_name:
            account.friendly_name = changes["friendly_name"] = friendly_name
        if changes:
            account.date_updated = changes["date_updated"] = now
        return changes

    def require_active(self, sid: str | None) -> None:
        """10001 unless the account `sid` (None: the main account) is active."""
        account = self.get(sid) if sid else self.main
        if account is not None and account.status != "active":
            raise AccountNotActive(account)


def refuse_inactive_inbound(accounts: Accounts, sid: str | None) -> None:
    """10003 ("Incoming call rejected due to inactive account") when the account that owns a
    called number is suspended or closed."""
    account = accounts.get(sid) if sid else accounts.main
    if account is not None and account.status != "active":
        raise TwilioError(
            INBOUND_REJECTED,
            403,
            f"Incoming call rejected due to inactive account: {account.sid} is {account.status}",
        )


def fields(account: Account) -> dict[str, Any]:
    """The account's fields for its events (never the auth token)."""
    return {
        "sid": account.sid,
        "owner_account_sid": account.owner,
        "friendly_name": account.friendly_name,
        "status": account.status,
        "type": "Full",
        "date_created": account.date_created,
        "date_updated": account.date_updated,
    }
