"""Support for the console's browser tests: a live `simtel serve`, an app for its webhooks, and
headless Chromium driven by Playwright (Debian's `/usr/bin/chromium`, never a downloaded one).

`simtel serve` runs as a subprocess on a free loopback port and is stopped at the end; the app
under test is a small Starlette app served by uvicorn on another loopback port: its `/voice`
TwiML starts a dual-channel recording whose status callback (`/recording-status`) answers 500,
so every call leaves a failing webhook and its notification (15003) to inspect.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
ACCOUNT_SID = "AC" + "c0" * 16
AUTH_TOKEN = "console-browser-test-token-0001"
NUMBER = "+15550100"
START_TIMEOUT = 30.0
#: where screenshots go: $SIMTEL_SCREENSHOTS when set (CI keeps them), else a temporary folder
SCREENSHOTS_ENV = "SIMTEL_SCREENSHOTS"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def voice_twiml(app_url: str) -> str:
    return (
        "<Response>"
        f'<Start><Recording channels="dual" trim="do-not-trim" '
        f'recordingStatusCallback="{app_url}/recording-status"/></Start>'
        "<Say>Thank you for calling the console test line.</Say>"
        '<Pause length="60"/>'
        "</Response>"
    )


def app_under_test(app_url: str) -> Starlette:
    async def voice(request: Request) -> Response:
        return Response(voice_twiml(app_url), media_type="text/xml")

    async def recording_status(request: Request) -> Response:
        return PlainTextResponse("recording store is down", status_code=500)

    return Starlette(
        routes=[
            Route("/voice", voice, methods=["POST"]),
            Route("/recording-status", recording_status, methods=["POST"]),
        ]
    )


@contextmanager
def app_server() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = uvicorn.Config(
        app_under_test(url), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console-test-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app under test did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Live:
    url: str
    app_url: str

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=30)


@contextmanager
def simtel_serve() -> Iterator[Live]:
    """`simtel serve` on a free port, with the number `NUMBER` pointing at the app."""
    with app_server() as app_url:
        port = free_port()
        env = {**os.environ, "SIMTEL_ACCOUNT_SID": ACCOUNT_SID, "SIMTEL_AUTH_TOKEN": AUTH_TOKEN}
        command = [sys.executable, "-m", "simtel.cli", "serve", "--port", str(port), "--seed", "7"]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        live = Live(f"http://127.0.0.1:{port}", app_url)
        try:
            _wait_until_serving(live, process)
            with live.api() as api:
                created = api.post(
                    f"/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers.json",
                    data={"PhoneNumber": NUMBER, "VoiceUrl": f"{app_url}/voice"},
                )
                assert created.status_code == 201, created.text
            yield live
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            if process.stderr is not None:
                process.stderr.close()


def _wait_until_serving(live: Live, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with live.api() as api:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"simtel serve exited: {error}")
            try:
                if api.get("/_simtel/clock").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError("simtel serve did not start")


def screenshots_dir(fallback: Path) -> Path:
    chosen = os.environ.get(SCREENSHOTS_ENV)
    folder = Path(chosen) if chosen else fallback
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def user_data_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="simtel-chromium-")
