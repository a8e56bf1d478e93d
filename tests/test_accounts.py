"""Subaccounts through the official twilio client: the Accounts resource (create, list, fetch,
update), the status rules, which credentials reach which account, and the schema."""

from __future__ import annotations

from typing import Any

import pytest
from conftest_api import Schemas, asgi_request, auth_of, basic, error_of
from twilio.base.exceptions import TwilioException, TwilioRestException

from simtel import accounts as registry
from simtel.simulator import Simulator
from simtel.testing import simtel_client

SAY = "<Response><Say>hello</Say></Response>"
TO, FROM = "+15551230001", "+15557650002"


def test_create_fetch_list_and_rename(sim: Simulator, client: Any) -> None:
    sim.advance(90)
    created = client.api.v2010.accounts.create(friendly_name="Tenant A")
    assert created.sid.startswith("AC") and created.sid != sim.account.sid
    assert created.status == "active"
    assert created.owner_account_sid == sim.account.sid
    assert created.friendly_name == "Tenant A"
    assert created.type == "Full"
    assert len(created.auth_token) == 32
    assert created.date_created == sim.clock.at(90)

    fetched = client.api.v2010.accounts(created.sid).fetch()
    assert (fetched.sid, fetched.auth_token) == (created.sid, created.auth_token)
    renamed = client.api.v2010.accounts(created.sid).update(friendly_name="Tenant B")
    assert renamed.friendly_name == "Tenant B"

    listed = {a.sid: a for a in client.api.v2010.accounts.list()}
    assert set(listed) == {sim.account.sid, created.sid}
    assert listed[sim.account.sid].owner_account_sid == sim.account.sid
    only = client.api.v2010.accounts.list(friendly_name="Tenant B")
    assert [a.sid for a in only] == [created.sid]
    assert client.api.v2010.accounts.list(friendly_name="Tenant A") == []


def test_default_name_and_list_filters(sim: Simulator, client: Any) -> None:
    sim.advance(13 * 3600 + 5 * 60)  # the default epoch is 09:00 UTC
    first = client.api.v2010.accounts.create()
    assert first.friendly_name == "SubAccount Created at 2026-01-01 10:05 pm"
    second = client.api.v2010.accounts.create(friendly_name="other")
    client.api.v2010.accounts(second.sid).update(status="suspended")
    suspended = client.api.v2010.accounts.list(status="suspended")
    assert [a.sid for a in suspended] == [second.sid]
    active = {a.sid for a in client.api.v2010.accounts.list(status="active")}
    assert active == {sim.account.sid, first.sid}


def test_list_pages_with_tokens(sim: Simulator, client: Any) -> None:
    made = []
    for index in range(5):
        sim.advance(1)
        made.append(client.api.v2010.accounts.create(friendly_name=f"t{index}").sid)
    paged = [a.sid for a in client.api.v2010.accounts.list(page_size=2)]
    assert paged == [*reversed(made), sim.account.sid]  # newest first, the main account last
    page = client.api.v2010.accounts.page(page_size=2)
    second = page.next_page()
    assert [a.sid for a in second] == [made[2], made[1]]
    assert [a.sid for a in second.previous_page()] == [made[4], made[3]]


def test_subaccount_credentials_reach_only_itself(sim: Simulator, client: Any) -> None:
    tenant = client.api.v2010.accounts.create(friendly_name="tenant")
    other = client.api.v2010.accounts.create(friendly_name="other")
    own = simtel_client(sim, tenant.sid)
    assert [a.sid for a in own.api.v2010.accounts.list()] == [tenant.sid]
    assert own.api.v2010.accounts(tenant.sid).fetch().friendly_name == "tenant"
    for target in (sim.account.sid, other.sid):
        with pytest.raises(TwilioRestException) as refused:
            own.api.v2010.accounts(target).fetch()
        assert error_of(refused) == (401, 20003)
        with pytest.raises(TwilioException, match="20003"):
            own.api.v2010.accounts(target).calls.list()
    with pytest.raises(TwilioRestException) as nested:
        own.api.v2010.accounts.create(friendly_name="grandchild")
    assert error_of(nested) == (403, 20403)


def test_resources_stay_under_their_account(sim: Simulator, client: Any) -> None:
    tenant = client.api.v2010.accounts.create(friendly_name="tenant")
    own = simtel_client(sim, tenant.sid)
    theirs = client.api.v2010.accounts(tenant.sid).calls.create(to=TO, from_=FROM, twiml=SAY)
    ours = client.calls.create(to=TO, from_=FROM, twiml=SAY)
    sim.advance(60)
    assert theirs.account_sid == tenant.sid and ours.account_sid == sim.account.sid
    assert theirs.uri == f"/2010-04-01/Accounts/{tenant.sid}/Calls/{theirs.sid}.json"
    # the main account's credentials reach the subaccount's resources under its path
    assert client.api.v2010.accounts(tenant.sid).calls(theirs.sid).fetch().status == "completed"
    assert [c.sid for c in own.calls.list()] == [theirs.sid]
    assert [c.sid for c in client.calls.list()] == [ours.sid]
    # a SID of another account under one's own path is not found, both ways
    for wrong in (client.calls(theirs.sid), own.calls(ours.sid)):
        with pytest.raises(TwilioRestException) as missing:
            wrong.fetch()
        assert error_of(missing) == (404, 20404)
    with pytest.raises(TwilioRestException) as gone:
        own.calls(ours.sid).update(status="completed")
    assert error_of(gone) == (404, 20404)


def test_suspended_and_closed_accounts_refuse_calls(sim: Simulator, client: Any) -> None:
    tenant = client.api.v2010.accounts.create(friendly_name="tenant")
    own = simtel_client(sim, tenant.sid)
    made = own.calls.create(to=TO, from_=FROM, twiml=SAY)
    client.api.v2010.accounts(tenant.sid).update(status="suspended")
    for creator in (own.calls, client.api.v2010.accounts(tenant.sid).calls):
        with pytest.raises(TwilioRestException) as refused:
            creator.create(to=TO, from_=FROM, twiml=SAY)
        assert error_of(refused) == (403, registry.ACCOUNT_NOT_ACTIVE)
    with pytest.raises(TwilioRestException) as number:
        own.incoming_phone_numbers.create(phone_number="+15550001111")
    assert error_of(number) == (403, 10001)
    assert own.calls(made.sid).fetch().sid == made.sid  # its history stays readable
    client.api.v2010.accounts(tenant.sid).update(status="active")
    assert own.calls.create(to=TO, from_=FROM, twiml=SAY).account_sid == tenant.sid

    client.api.v2010.accounts(tenant.sid).update(status="closed")
    with pytest.raises(TwilioRestException) as closed:
        own.calls.create(to=TO, from_=FROM, twiml=SAY)
    assert error_of(closed) == (403, 10001)
    with pytest.raises(TwilioRestException) as final:
        client.api.v2010.accounts(tenant.sid).update(status="active")
    assert error_of(final) == (400, 20001)
    assert client.api.v2010.accounts(tenant.sid).fetch().status == "closed"


def test_status_changes_need_the_main_credentials(sim: Simulator, client: Any) -> None:
    tenant = client.api.v2010.accounts.create(friendly_name="tenant")
    own = simtel_client(sim, tenant.sid)
    with pytest.raises(TwilioRestException) as self_suspend:
        own.api.v2010.accounts(tenant.sid).update(status="suspended")
    assert error_of(self_suspend) == (403, 20403)
    assert own.api.v2010.accounts(tenant.sid).update(friendly_name="renamed").status == "active"
    with pytest.raises(TwilioRestException) as main:
        client.api.v2010.accounts(sim.account.sid).update(status="suspended")
    assert error_of(main) == (403, 20403)


def test_closing_releases_the_numbers(sim: Simulator, client: Any) -> None:
    tenant = client.api.v2010.accounts.create(friendly_name="tenant")
    own = simtel_client(sim, tenant.sid)
    bought = own.incoming_phone_numbers.create(phone_number="+15550001111")
    assert bought.account_sid == tenant.sid
    assert [n.sid for n in client.incoming_phone_numbers.list()] == []
    client.api.v2010.accounts(tenant.sid).update(status="closed")
    assert own.incoming_phone_numbers.list() == []
    assert "+15550001111" not in sim.numbers


def test_subaccounts_are_capped(
    sim: Simulator, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "MAX_SUBACCOUNTS", 2)
    for _ in range(2):
        client.api.v2010.accounts.create()
    with pytest.raises(TwilioRestException) as full:
        client.api.v2010.accounts.create()
    assert error_of(full) == (400, 20001)
    assert "at most 2 subaccounts" in full.value.msg


def test_friendly_name_is_bounded(client: Any) -> None:
    with pytest.raises(TwilioRestException) as long:
        client.api.v2010.accounts.create(friendly_name="x" * 65)
    assert error_of(long) == (400, 20001)


def test_same_seed_same_subaccounts_and_no_other_sid_moves() -> None:
    def run(with_subaccount: bool) -> tuple[list[str], str]:
        sim = Simulator(seed=3)
        client = simtel_client(sim)
        made = ""
        if with_subaccount:
            sub = client.api.v2010.accounts.create(friendly_name="t")
            made = f"{sub.sid}:{sub.auth_token}"
        calls = [client.calls.create(to=TO, from_=FROM, twiml=SAY).sid for _ in range(2)]
        return calls, made

    plain, _ = run(False)
    first, sub_first = run(True)
    again, sub_again = run(True)
    assert plain == first == again
    assert sub_first == sub_again and sub_first


def test_reset_forgets_subaccounts(sim: Simulator, client: Any, app: Any) -> None:
    tenant = client.api.v2010.accounts.create(friendly_name="tenant")
    reply = asgi_request(app, "POST", "/_simtel/reset", headers=auth_of(sim))
    assert reply.status == 200
    assert [a.sid for a in client.api.v2010.accounts.list()] == [sim.account.sid]
    stale = basic(tenant.sid, tenant.auth_token)
    refused = asgi_request(app, "GET", f"/2010-04-01/Accounts/{tenant.sid}.json", headers=stale)
    assert (refused.status, refused.json()["code"]) == (401, 20003)


def test_account_json_matches_the_schema(
    sim: Simulator, client: Any, app: Any, oai_more: Schemas
) -> None:
    tenant = client.api.v2010.accounts.create(friendly_name="tenant")
    base = "/2010-04-01/Accounts"
    one = asgi_request(app, "GET", f"{base}/{tenant.sid}.json", headers=auth_of(sim))
    oai_more.check("api.v2010.account", one.json())
    assert set(one.json()) == oai_more.properties("api.v2010.account")
    listed = asgi_request(app, "GET", f"{base}.json", headers=auth_of(sim))
    oai_more.check_list(f"{base}.json", listed.json())
    assert len(listed.json()["accounts"]) == 2
    xml = asgi_request(app, "GET", f"{base}/{tenant.sid}.xml", headers=auth_of(sim))
    assert b"<Account><AuthToken>" in xml.body and b"<Status>active</Status>" in xml.body


def test_notifications_and_conferences_stay_under_their_account(
    sim: Simulator, client: Any
) -> None:
    tenant = client.api.v2010.accounts.create(friendly_name="tenant")
    own = simtel_client(sim, tenant.sid)
    broken = own.calls.create(to=TO, from_=FROM, twiml="<Response><Say>unclosed</Response>")
    client.calls.create(to=TO, from_=FROM, twiml=SAY)
    theirs = own.conferences("room").participants.create(from_=FROM, to=TO)
    ours = client.conferences("room").participants.create(from_=FROM, to="+15551230009")
    sim.advance(30)
    notices = own.notifications.list()
    assert notices and {n.call_sid for n in notices} == {broken.sid}
    assert {n.account_sid for n in notices} == {tenant.sid}
    assert own.notifications(notices[0].sid).fetch().error_code == notices[0].error_code
    assert client.notifications.list() == []
    with pytest.raises(TwilioRestException) as hidden:
        client.notifications(notices[0].sid).fetch()
    assert error_of(hidden) == (404, 20404)
    # a conference name is the account's own: the same name makes two conferences
    assert theirs.conference_sid != ours.conference_sid
    assert [c.sid for c in own.conferences.list()] == [theirs.conference_sid]
    assert [c.sid for c in client.conferences.list()] == [ours.conference_sid]
    assert own.conferences(theirs.conference_sid).fetch().account_sid == tenant.sid
