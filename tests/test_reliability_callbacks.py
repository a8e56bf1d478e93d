"""Status callbacks due at one simulated instant go out together over HTTP (issue: N slow targets
cost N x their delay of the advancing request), and are logged in the order they were due,
whatever order the answers come back in. Loopback only."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs

import pytest

from simtel import Simulator
from simtel.engine.calls.call import CallbackConfig, CallOptions
from simtel.events import EventKind

CALLS = 6
DELAY = 0.4


class _SlowApp(BaseHTTPRequestHandler):
    """Answers a status callback after a delay that depends on the call (later calls sooner)."""

    delays: ClassVar[dict[str, float]] = {}
    busy = 0
    most = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        with self.lock:
            _SlowApp.busy += 1
            _SlowApp.most = max(_SlowApp.most, _SlowApp.busy)
        time.sleep(self.delays.get(form["CallSid"][0], 0.0))
        with self.lock:
            _SlowApp.busy -= 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def app_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowApp)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/status"
    server.shutdown()
    server.server_close()


def test_callbacks_of_one_instant_go_out_together_and_log_in_order(app_url: str) -> None:
    with Simulator(seed=3) as sim:
        sim.call_engine.api_cps = 0  # every call dials at t=0: their callbacks are due together
        status = CallbackConfig(app_url, "POST", ("initiated",))
        calls = [
            sim.create_call(f"+1500555010{n}", "+15005550001", CallOptions(status=status))
            for n in range(CALLS)
        ]
        for n, call in enumerate(calls):
            _SlowApp.delays[call.sid] = DELAY * (CALLS - n) / CALLS  # the first answers last
        sim.advance(0.5)
        webhooks = [e for e in sim.events if e.kind == EventKind.WEBHOOK]
    assert [e.sid for e in webhooks] == [call.sid for call in calls]
    assert all(e.fields["status"] == 204 and e.t == 0.0 for e in webhooks)
    assert _SlowApp.most == CALLS  # all were waiting on the app at once (not one at a time)
