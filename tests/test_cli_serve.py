"""`simtel serve`: it introduces itself, refuses what would go wrong quietly in one line, and
stops with exit 0 on Ctrl-C. The server itself is replaced by a recorder of what it was given
(except for the port-in-use case, which binds a real loopback socket)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import simtel.server
from simtel.cli import main
from simtel.simulator import Simulator, default_auth_token

Started = list[simtel.server.Server]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[Started]:
    """Servers whose `run` returned at once (as after a `stop`), recorded."""
    servers: Started = []

    def run(self: simtel.server.Server) -> None:
        servers.append(self)
        self._socket.close()

    monkeypatch.setattr(simtel.server.Server, "run", run)
    monkeypatch.delenv("SIMTEL_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("SIMTEL_ACCOUNT_SID", raising=False)
    yield servers


def serve(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["serve", "--port", "0", *args], env=env)


def test_the_banner_says_where_who_and_how(started: Started) -> None:
    result = serve("--seed", "5")
    assert result.exit_code == 0, result.output
    [server] = started
    sim = server.sim
    token = default_auth_token(5)
    assert sim.account.auth_token == token
    assert f"the Twilio REST API on {server.url}" in result.output
    assert f"account SID  {sim.account.sid}" in result.output
    assert f"auth token   {token}  (derived from the seed)" in result.output
    assert f'client = Client("{sim.account.sid}", "{token}")' in result.output
    assert f'client.api.base_url = "{server.url}"' in result.output
    assert re.search(
        r"clock +manual: POST http://127\.0\.0\.1:\d+/_simtel/clock/advance", result.output
    )


def test_the_banner_names_the_token_s_source(started: Started) -> None:
    flagged = serve("--auth-token", "a" * 32)
    assert f"{'a' * 32}  (--auth-token)" in flagged.output
    from_env = serve(env={"SIMTEL_AUTH_TOKEN": "b" * 32})
    assert f"{'b' * 32}  (SIMTEL_AUTH_TOKEN)" in from_env.output
    realtime = serve("--clock", "realtime", "--speed", "60")
    assert "clock        realtime, 60 simulated seconds per second" in realtime.output
    assert [s.clock_mode for s in started] == ["manual", "manual", "realtime"]


def test_beyond_loopback_an_auth_token_of_your_own_is_required(started: Started) -> None:
    result = serve("--host", "0.0.0.0")
    assert result.exit_code == 2 and not started
    assert result.output.count("\n") == 1
    assert "--host 0.0.0.0 serves beyond this machine: choose an auth token" in result.output
    assert serve("--host", "::1").exit_code == 0  # loopback, any spelling
    assert serve("--host", "localhost").exit_code == 0


def test_a_db_holding_a_run_is_refused_unless_overwritten(started: Started, tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    with Simulator(db=db) as sim:
        sim.create_call("+15005550006", "+15005550001")
        sim.advance(5)
    refused = serve("--db", str(db))
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert refused.output == (
        f"simtel: --db {db} holds an earlier run; pass --overwrite to start it afresh, or "
        "choose another file\n"
    )
    assert serve("--db", str(db), "--overwrite").exit_code == 0
    assert started[-1].sim.store.path == db


def test_a_port_in_use_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # SO_REUSEADDR lets a second socket bind a port nobody listens on, not one in use
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output == (
        f"simtel: port {port} on 127.0.0.1 is in use (another simtel serve?); choose another "
        "with --port\n"
    )


def test_ctrl_c_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(self: simtel.server.Server) -> None:
        self._socket.close()
        raise KeyboardInterrupt

    monkeypatch.setattr(simtel.server.Server, "run", interrupted)
    result = serve()
    assert result.exit_code == 0, result.output
    assert result.output.endswith("simtel serve: stopped\n")


def test_a_scenario_never_switches_off_http_and_media_auth_is_a_flag(started: Started) -> None:
    result = serve("--scenario", "quickstart", "--media-auth", "--media-cache-mb", "8")
    assert result.exit_code == 0, result.output
    sim = started[0].sim
    assert set(sim.numbers) == {"+15550100", "+15550200"}
    assert sim.router.allow_http is True
    assert sim.account.media_auth is True
    assert sim.media.max_bytes == 8 * 2**20


def test_a_bad_scenario_exits_2(started: Started) -> None:
    result = serve("--scenario", "missing.yaml")
    assert result.exit_code == 2 and not started


def test_options_reach_the_simulation(started: Started, tmp_path: Path) -> None:
    args: list[Any] = ["--seed", "7", "--media-dir", str(tmp_path / "media")]
    result = serve(
        *args, "--public-url", "http://example.test:9/", "--account-sid", "AC" + "1" * 32
    )
    assert result.exit_code == 0, result.output
    sim = started[0].sim
    assert sim.seed == 7 and sim.media_dir == tmp_path / "media"
    assert sim.public_url == "http://example.test:9"
    assert sim.account.sid == "AC" + "1" * 32
