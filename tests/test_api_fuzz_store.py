"""Hostile requests lose nothing: after any of them, the store is exactly the projection of the
event log (no row missing, none extra, none differing), and every change is in the log."""

from __future__ import annotations

from typing import Any

from conftest_api import asgi_request
from hypothesis import HealthCheck, given, settings
from test_api_fuzz import build_world, requests

from simtel.store import Store

TABLES = ("calls", "recordings", "transcriptions", "numbers", "conferences", "participants")

SIM, APP, KNOWN = build_world()


def rows(store: Store, table: str) -> list[tuple[Any, ...]]:
    return sorted(store.connection.execute(f"SELECT * FROM {table}").fetchall())


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(requests())
def test_the_store_is_the_projection_of_the_log_after_any_request(request: dict[str, Any]) -> None:
    before = len(SIM.events)
    asgi_request(
        APP,
        request["method"],
        request["path"],
        query=request["query"],
        body=request["body"],
        headers=request["headers"],
    )
    with SIM.lock:
        SIM.store.flush()
        events = list(SIM.events)
    assert len(events) >= before
    replay = Store(None)
    for event in events:
        replay.consume(event)
    replay.flush()
    for table in TABLES:
        assert rows(SIM.store, table) == rows(replay, table), table
    replay.close()
