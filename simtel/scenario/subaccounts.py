"""The scenario's `accounts:` section: subaccounts of the main account, by friendly name.

```yaml
accounts:
  tenant-a: {}                      # an active subaccount named tenant-a
  tenant-b: {status: suspended}
numbers:
  "+15550100": {twiml: "<Response><Say>Hi</Say></Response>", account: tenant-a}
calls:
  - {to: "+15557770001", twiml: "<Response/>", account: tenant-a}   # made by tenant-a
```

A number's `account` owns it (its inbound calls, recordings and webhooks belong to that
subaccount and are signed with its token); an outbound scripted call's `account` makes it. An
`account` naming no subaccount, or one that is not active for an outbound call (Twilio would
refuse it with 10001), is an error at the key's line. Subaccounts are created at time 0, in the
order written, before anything else, with `simtel.accounts`' deterministic SIDs and tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simtel import accounts as registry
from simtel.events import EventKind

if TYPE_CHECKING:
    from simtel.scenario.loader import Block
    from simtel.scenario.runner import ScenarioRun


def create_subaccounts(run: ScenarioRun) -> None:
    """Create every subaccount of `accounts:` (none without the section: nothing changes)."""
    sim = run.sim
    for name, block in (run.scenario.root.get("accounts") or {}).items():
        if _named(run, str(name)) is not None:
            raise run.scenario.error(block, "", f"a subaccount named '{name}' exists already")
        account = sim.accounts.create(sim.account, str(name), sim.now)
        sim.events.emit(EventKind.ACCOUNT_CREATED, account.sid, **registry.fields(account))
        status = str(block.get("status", "active"))
        changes = sim.accounts.update(
            sim.account, account, friendly_name=None, status=status, now=sim.now
        )
        if changes:
            sim.events.emit(EventKind.ACCOUNT_UPDATED, account.sid, **changes)


def account_of(run: ScenarioRun, block: Block, *, placing: bool = False) -> str | None:
    """The SID of the subaccount `block['account']` names (None without the key); `placing`:
    the account is about to make a call, so it must be active."""
    if "account" not in block:
        return None
    name = str(block["account"])
    account = _named(run, name)
    if account is None:
        raise run.scenario.error(block, "account", f"'{name}' is not one of the accounts")
    if placing and account.status != "active":
        message = f"'{name}' is {account.status}: its calls would be refused (10001)"
        raise run.scenario.error(block, "account", message)
    return account.sid


def _named(run: ScenarioRun, name: str) -> registry.Account | None:
    return next(
        (a for a in run.sim.accounts if not a.is_main and a.friendly_name == name),
        None,
    )
