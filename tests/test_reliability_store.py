"""A full disk under `simtel serve --db`: the advance answers Twilio's 503, the server keeps
serving, and once the disk has room the store is exactly the projection of the event log.
Loopback only; "disk full" is SQLite's `max_page_count` (see test_store_write_failure)."""

from __future__ import annotations

from pathlib import Path

import httpx
from test_store_write_failure import fill_up, free, reference, snapshot_tables

from simtel import Simulator
from simtel.server import Server


def test_a_full_disk_answers_503_and_the_store_catches_up_exactly(tmp_path: Path) -> None:
    sim = Simulator(seed=3, db=tmp_path / "run.db", keep_events=True, keep_media=True)
    auth = (sim.account.sid, sim.account.auth_token)
    calls = f"/2010-04-01/Accounts/{sim.account.sid}/Calls.json"
    with Server(sim) as srv, httpx.Client(base_url=srv.url, auth=auth, trust_env=False) as http:

        def place(n: int) -> None:
            form = {"To": f"+1555000{n:04d}", "From": "+15550001000", "Twiml": "<Response/>"}
            assert http.post(calls, data=form).status_code == 201

        for n in range(20):
            place(n)  # dialled one per second (CreateCall pacing)
        assert http.post("/_simtel/clock/advance", data={"Seconds": "5"}).status_code == 200
        fill_up(sim.store.connection)
        full = http.post("/_simtel/clock/advance", data={"Seconds": "60"})
        assert full.status_code == 503 and full.json()["code"] == 20503
        assert http.get("/_simtel/clock").json()["t"] == 65.0  # the engine ran; the store waits
        assert http.get(calls).status_code == 503
        free(sim.store.connection)
        assert http.post("/_simtel/clock/advance", data={"Seconds": "1"}).json()["t"] == 66.0
        listed = http.get(calls, params={"PageSize": 100}).json()["calls"]
        assert len(listed) == 20 and {c["status"] for c in listed} == {"completed"}
    assert snapshot_tables(sim.store) == snapshot_tables(reference(list(sim.events)))
    sim.close()
