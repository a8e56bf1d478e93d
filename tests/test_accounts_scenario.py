"""Subaccounts in scenarios: `accounts:`, a number's `account`, an outbound call's `account`."""

from __future__ import annotations

from pathlib import Path

import pytest

from simtel.errors import ScenarioError
from simtel.scenario import ScenarioRun, build, parse_scenario
from simtel.testing import simtel_client

TENANTS = """
seed: 5
sinks: [https://hooks.example.com]
accounts:
  tenant-a: {}
  tenant-b: {status: suspended}
numbers:
  "+15550100":
    account: tenant-a
    twiml: <Response><Say>hello</Say></Response>
    status_callback: https://hooks.example.com/status
  "+15550200": {twiml: <Response><Say>main</Say></Response>}
calls:
  - {to: "+15550100", from: "+15557770001"}
  - {to: "+15550200", from: "+15557770002"}
  - {to: "+15558880003", twiml: <Response><Pause length="2"/></Response>, account: tenant-a}
"""


def run_text(tmp_path: Path, text: str) -> ScenarioRun:
    scenario_run = build(parse_scenario(text, tmp_path / "scenario.yaml"))
    scenario_run.run()
    return scenario_run


def test_numbers_and_calls_belong_to_their_subaccount(tmp_path: Path) -> None:
    scenario_run = run_text(tmp_path, TENANTS)
    sim = scenario_run.sim
    subs = {a.friendly_name: a for a in sim.accounts if not a.is_main}
    assert set(subs) == {"tenant-a", "tenant-b"}
    assert subs["tenant-b"].status == "suspended"
    tenant = subs["tenant-a"]
    inbound, main_call, outbound = list(scenario_run.offered)
    assert (inbound.account_sid, outbound.account_sid) == (tenant.sid, tenant.sid)
    assert main_call.account_sid == sim.account.sid
    own = simtel_client(sim, tenant.sid)
    assert {c.sid for c in own.calls.list()} == {inbound.sid, outbound.sid}
    assert [n.phone_number for n in own.incoming_phone_numbers.list()] == ["+15550100"]
    assert [c.sid for c in simtel_client(sim).calls.list()] == [main_call.sid]


def test_a_scenario_without_accounts_is_unchanged(tmp_path: Path) -> None:
    plain = TENANTS.replace("    account: tenant-a\n", "").replace(", account: tenant-a", "")
    plain = plain.replace("accounts:\n  tenant-a: {}\n  tenant-b: {status: suspended}\n", "")
    scenario_run = run_text(tmp_path, plain)
    assert len(scenario_run.sim.accounts) == 1
    kinds = {str(event.kind) for event in scenario_run.sim.events}
    assert not any(kind.startswith("account.") for kind in kinds)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("account: tenant-a}", "account: nobody}", "'nobody' is not one of the accounts"),
        ("account: tenant-a}", "account: tenant-b}", "its calls would be refused (10001)"),
    ],
)
def test_bad_account_keys_are_located(tmp_path: Path, replace: str, by: str, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        build(parse_scenario(TENANTS.replace(replace, by), tmp_path / "scenario.yaml"))
    assert message in str(error.value)
    assert error.value.line == 16  # the third call
