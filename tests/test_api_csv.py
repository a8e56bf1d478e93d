"""The `.csv` alternate representation of the 2010 API (digest §4 and [DOC-ALTREP]: "Append a
.csv to the end of REST URLs, and you'll get a Comma Separated Values (CSV) representation of the
data, with a header row describing the columns"; MIME type `text/csv`)."""

from __future__ import annotations

import csv
import io

from conftest_api import asgi_request, auth_of
from twilio.rest import Client

from simtel.simulator import Simulator


def rows(sim: Simulator, client: Client, path: str) -> tuple[str, list[dict[str, str]]]:
    reply = asgi_request(client.http_client.app, "GET", path, headers=auth_of(sim))
    assert reply.status == 200, reply.text
    return reply.headers["content-type"], list(csv.DictReader(io.StringIO(reply.text)))


def test_lists_and_instances_as_csv(sim: Simulator, client: Client) -> None:
    calls = [
        client.calls.create(to=f"+1555123000{i}", from_="+15559870000", twiml="<Response/>")
        for i in range(3)
    ]
    sim.advance(30)
    base = f"/2010-04-01/Accounts/{sim.account.sid}"
    kind, listed = rows(sim, client, f"{base}/Calls.csv")
    assert kind.startswith("text/csv")
    assert [row["Sid"] for row in listed] == [c.sid for c in client.calls.list()]
    assert {row["Sid"] for row in listed} == {c.sid for c in calls}
    first = client.calls(calls[0].sid).fetch()
    (row,) = rows(sim, client, f"{base}/Calls/{first.sid}.csv")[1]
    assert (row["Status"], row["To"], row["Duration"]) == (first.status, first.to, first.duration)
    assert row["Uri"] == f"{base}/Calls/{first.sid}" and "SubresourceUris" not in row
    assert row["ParentCallSid"] == ""  # null is an empty cell
    assert rows(sim, client, f"{base}/Recordings.csv")[1] == []
    empty = asgi_request(
        client.http_client.app, "GET", f"{base}/Recordings.csv", headers=auth_of(sim)
    )
    assert empty.text == ""
