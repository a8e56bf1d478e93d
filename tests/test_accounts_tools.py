"""Subaccounts in the tools around the API: the pytest plugin's `simtel_subaccount` fixture, and
the console acting on a subaccount's resources."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException

from simtel.console.client import ApiClient
from simtel.server import Server
from simtel.simulator import Simulator
from simtel.testing import simtel_client

SAY = '<Response><Say>hello</Say><Pause length="20"/></Response>'
TO, FROM = "+15551230001", "+15557650002"


def test_the_plugin_makes_subaccount_clients(
    simtel_sim: Simulator, simtel_twilio: Any, simtel_subaccount: Any
) -> None:
    tenant = simtel_subaccount("tenant")
    assert tenant.account_sid != simtel_sim.account.sid
    assert simtel_sim.accounts.get(tenant.account_sid).friendly_name == "tenant"
    call = tenant.calls.create(to=TO, from_=FROM, twiml=SAY)
    simtel_sim.advance(10)
    assert call.account_sid == tenant.account_sid
    assert [c.sid for c in tenant.calls.list()] == [call.sid]
    assert simtel_twilio.calls.list() == []
    assert simtel_subaccount().account_sid not in (tenant.account_sid, simtel_sim.account.sid)


def test_the_console_acts_on_a_subaccount_call(
    simtel_sim: Simulator, simtel_subaccount: Any
) -> None:
    tenant = simtel_subaccount("tenant")
    call = tenant.calls.create(to=TO, from_=FROM, twiml=SAY)
    simtel_sim.advance(6)
    console = ApiClient(simtel_sim)
    answer = asyncio.run(console.post(f"Calls/{call.sid}.json", {"Status": "completed"}))
    assert answer.status == 200, answer.body
    assert tenant.calls(call.sid).fetch().status == "completed"


def test_the_console_lists_the_accounts(simtel_sim: Simulator, simtel_subaccount: Any) -> None:
    simtel_sim.advance(5)
    tenant = simtel_subaccount("tenant <b>")
    simtel_twilio = simtel_client(simtel_sim)
    simtel_twilio.api.v2010.accounts(tenant.account_sid).update(status="suspended")
    auth = (simtel_sim.account.sid, simtel_sim.account.auth_token)
    with Server(simtel_sim) as server, httpx.Client(base_url=server.url, auth=auth) as http:
        page = http.get("/_simtel/console/accounts")
    assert page.status_code == 200
    rows = page.text.split('<tbody id="account-rows" data-live>')[1].split("</tbody>")[0]
    assert rows.index(tenant.account_sid) < rows.index(simtel_sim.account.sid)
    assert "tenant &lt;b&gt;" in rows and 's-suspended">suspended' in rows
    assert "(main)" in rows


def test_a_subaccount_has_trunks_of_its_own(
    simtel_sim: Simulator, simtel_twilio: Any, simtel_subaccount: Any
) -> None:
    """Trunks live under the credentials' account (the v1 API names none): a subaccount lists
    and fetches only its own, the main account reaches them too, and a trunk's calls and their
    recordings belong to the trunk's account."""
    tenant = simtel_subaccount("tenant")
    own = tenant.trunking.v1.trunks.create(friendly_name="tenant pbx")
    main = simtel_twilio.trunking.v1.trunks.create(friendly_name="main pbx")
    assert own.account_sid == tenant.account_sid and main.account_sid == simtel_sim.account.sid
    assert [t.sid for t in tenant.trunking.v1.trunks.list()] == [own.sid]
    assert [t.sid for t in simtel_twilio.trunking.v1.trunks.list()] == [main.sid]
    assert simtel_twilio.trunking.v1.trunks(own.sid).fetch().sid == own.sid
    with pytest.raises(TwilioRestException) as refused:
        tenant.trunking.v1.trunks(main.sid).fetch()
    assert refused.value.status == 404
    tenant.trunking.v1.trunks(own.sid).recordings().update(mode="record-from-answer-dual")
    call = simtel_sim.trunks.place_call(own.sid, "+15005550006", "+15005550001")
    simtel_sim.advance(120)
    assert tenant.calls(call.sid).fetch().account_sid == tenant.account_sid
    (recording,) = tenant.recordings.list(call_sid=call.sid)
    assert recording.account_sid == tenant.account_sid
    assert call.sid not in [c.sid for c in simtel_twilio.calls.list()]  # the main account's list
