"""`/_simtel/parties`: the far ends of calls set at runtime, with the scenario format's fields
(issue: only a scenario file could say who answers, so a test holding a call open for a minute
failed on the default party's 30 s hang-up). Over loopback HTTP, as an app in any language."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simtel import Simulator
from simtel.engine.calls.parties import DEFAULT_PARTY, Party, Press, Utterance

TO = "+15005550006"
PAUSE = "<Response><Pause length='100'/></Response>"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=8) as simulation:
        yield simulation


def call(sim: Simulator, http: httpx.Client, to: str = TO) -> str:
    answer = http.post(
        f"/2010-04-01/Accounts/{sim.account.sid}/Calls.json",
        data={"To": to, "From": "+15005550001", "Twiml": PAUSE},
    )
    assert answer.status_code == 201, answer.text
    sid: str = answer.json()["sid"]
    return sid


def test_a_party_that_stays_holds_the_call_open(sim: Simulator, http: httpx.Client) -> None:
    party = {
        "answer_after": 2,
        "hangup_after": None,
        "script": [{"at": 1, "say": "Hi, it is Ana"}],
        "presses": [{"at": 5, "digits": "1#"}],
        "name": "Ana",
    }
    answer = http.put(f"/_simtel/parties/{TO}", json=party)
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["hangup_after"] is None and shown["talk"] == "script"
    assert shown["presses"] == [{"at": 5.0, "digits": "1#", "interval": 0.3}]
    assert sim.party_for(TO) == Party(
        answer_after=2.0,
        hangup_after=None,
        talk="script",
        script=(Utterance(1.0, "Hi, it is Ana"),),
        presses=(Press(5.0, "1#"),),
        name="Ana",
    )
    sid = call(sim, http)
    http.post("/_simtel/clock/advance", data={"Seconds": "60"})
    assert sim.call(sid).status == "in-progress"  # the default party would have gone at 34 s
    assert http.get(f"/_simtel/parties/{TO}").json() == shown
    assert http.get("/_simtel/parties").json()["parties"] == {TO: shown}


def test_deleting_a_party_gives_the_default_back(sim: Simulator, http: httpx.Client) -> None:
    http.put("/_simtel/parties/%2B15005550006", json={"answer": "busy"})
    assert sim.party_for(TO).outcome == "busy"
    assert http.delete(f"/_simtel/parties/{TO}").status_code == 204
    assert sim.party_for(TO) == DEFAULT_PARTY
    assert http.get(f"/_simtel/parties/{TO}").json()["hangup_after"] == 30.0


def test_the_default_party_is_set_and_restored(sim: Simulator, http: httpx.Client) -> None:
    answer = http.put("/_simtel/parties/default", json={"answer": "no-answer"})
    assert answer.json()["answer"] == "no-answer"
    sid = call(sim, http, "+15005550999")
    http.post("/_simtel/clock/advance", data={"Seconds": "90"})
    assert sim.call(sid).status == "no-answer"
    http.put(f"/_simtel/parties/{TO}", json={"hangup_after": 10})
    assert sim.party_for(TO).outcome == "no-answer"  # unset keys come from the default
    assert http.delete("/_simtel/parties/default").status_code == 204
    assert http.get("/_simtel/parties").json()["default"]["answer"] == "answer"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"answer": "maybe"}, "party.answer"),
        ({"answer_after": -1}, "party.answer_after"),
        ({"hangup_after": "soon"}, "party.hangup_after"),
        ({"ring": 3}, "unknown key 'ring'"),
        ({"script": [{"say": "hi"}]}, "party.script[0]: missing at"),
        ({"presses": [{"at": 1, "digits": "12x"}]}, "party.presses[0].digits"),
        ([1, 2], "expected a mapping"),
        ({"answer_after": 1e308}, "party.answer_after"),
    ],
)
def test_a_party_that_does_not_fit_is_400(
    sim: Simulator, http: httpx.Client, body: object, says: str
) -> None:
    answer = http.put(f"/_simtel/parties/{TO}", json=body)
    assert answer.status_code == 400
    assert answer.json()["code"] == 20001 and says in answer.json()["message"]
    assert sim.party_for(TO) == DEFAULT_PARTY
    not_json = http.put(f"/_simtel/parties/{TO}", content=b"{answer")
    assert not_json.status_code == 400


def test_parties_need_the_account_credentials(sim: Simulator, http: httpx.Client) -> None:
    assert http.get("/_simtel/parties", auth=("AC" + "0" * 32, "x")).status_code == 401
    assert http.put(f"/_simtel/parties/{TO}", json={}, auth=("", "")).status_code == 401
