"""Every shell command the README shows runs as written, in README order.

The commands are the lines of the README's ```bash blocks (a trailing `# comment` is not part
of a command; `a && b` is two). The two set-up commands (`pip install -e .`, `pip install -e
".[dev]"`) and the test suite itself (`python -m pytest`) are what CI runs around this test, so
they are recognised, not run. Every other command runs in a temporary folder holding the
repository's `examples/` and `scenarios/` (as a clean clone would, without writing into the
repository), with the `simtel` of this Python. `simtel serve` runs until it answers HTTP on
loopback, then gets Ctrl-C (SIGINT) and must stop; its `--port` is swapped for a free one.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
SET_UP = {
    ("pip", "install", "-e", "."),
    ("pip", "install", "-e", ".[dev]"),
    ("python", "-m", "pytest"),
}
#: wall seconds any one command may take (the sweep is the longest, a few seconds alone)
COMMAND_DEADLINE = 240.0
SERVE_DEADLINE = 60.0


def readme_commands() -> list[list[str]]:
    """The README's shell commands in order, each as its argument list."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    commands: list[list[str]] = []
    for block in blocks:
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while words:
                command, words = _until(words, "&&")
                commands.append(command)
    return commands


def _until(words: list[str], separator: str) -> tuple[list[str], list[str]]:
    if separator in words:
        at = words.index(separator)
        return words[:at], words[at + 1 :]
    return words, []


def test_the_readme_shows_the_set_up_and_a_tour() -> None:
    commands = readme_commands()
    assert commands[:4] == [
        ["pip", "install", "-e", "."],
        ["simtel", "run"],
        ["pip", "install", "-e", ".[dev]"],
        ["python", "-m", "pytest"],
    ]
    shown = {command[1] for command in commands if command[0] == "simtel"}
    assert shown == {"run", "report", "sweep", "trace", "serve"}
    assert all(c[0] == "simtel" or tuple(c) in SET_UP for c in commands), commands


def test_every_readme_command_runs_as_written(tmp_path: Path) -> None:
    for name in ("examples", "scenarios"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    for command in readme_commands():
        if tuple(command) in SET_UP:
            continue
        if command[1] == "serve":
            serve_until_it_answers(command, tmp_path)
            continue
        done = subprocess.run(
            simtel(command),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=COMMAND_DEADLINE,
            env=_env(),
        )
        assert done.returncode == 0, f"{shlex.join(command)}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
    results = tmp_path / "results"
    assert (results / "report.html").is_file()  # `simtel run`
    assert (results / "voicemail" / "report.html").is_file()  # `simtel report`
    assert (results / "sweep" / "summary.csv").is_file()  # `simtel sweep`
    assert list(results.glob("RE*.wav"))  # `simtel trace` kept the caller's message


def simtel(command: list[str]) -> list[str]:
    """`command` run by this Python's simtel (the one under test)."""
    assert command[0] == "simtel"
    return [sys.executable, "-m", "simtel.cli", *command[1:]]


def serve_until_it_answers(command: list[str], cwd: Path) -> None:
    port = _free_port()
    argv = simtel(_with_port(command, port))
    server = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env()
    )
    try:
        status = _first_answer(f"http://127.0.0.1:{port}/_simtel/clock", server)
        assert status in (200, 401), status
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=SERVE_DEADLINE)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode in (0, -signal.SIGINT, 130), output
    assert "Traceback" not in output, output


def _first_answer(url: str, server: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + SERVE_DEADLINE
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"simtel serve exited early: {server.communicate()[0]}")
        try:
            return httpx.get(url, timeout=2.0).status_code
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"simtel serve did not answer at {url} within {SERVE_DEADLINE} s")


def _with_port(command: list[str], port: int) -> list[str]:
    assert "--port" in command, "the README's serve command names its port"
    at = command.index("--port")
    return [*command[: at + 1], str(port), *command[at + 2 :]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SIMTEL_ACCOUNT_SID", None)
    env.pop("SIMTEL_AUTH_TOKEN", None)
    env["COLUMNS"] = "100"
    return env
