"""What `simtel serve` runs: the REST and control API over HTTP, and the pace of simulated time.

Time moves one of two ways:

* `manual`: only through `POST /_simtel/clock/advance` (and `run`/`advance` calls in process);
* `realtime`: a `RealtimeClock` thread advances the simulation to follow the wall clock times
  `speed`, in small steps. This is the one place simtel reads the wall clock, and only to pace a
  live server: the engine still sees simulated seconds alone. A manual advance or a reset in
  between is fine: the clock adds the wall time that passed since its last step to whatever the
  simulation's time is then.

Either way there is one clock (`simtel.stepping`): every step, the realtime clock's included,
waits its turn, first come first served, and moves time by exactly what it asked for from where
the previous step ended; a realtime step that waited (for a webhook of another step, say) catches
up with the wall time at its next turn. REST commands take no turn and run meanwhile.

The app is the REST and control API plus the web console (`simtel.console`, at `/`).
`serve(...)` blocks (the CLI's entry); `Server` runs the same thing on a loopback port in a
background thread, as a context manager, for tests and examples:

    with Server(sim) as srv:
        client.api.base_url = srv.url
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import uvicorn
from starlette.applications import Starlette

from simtel.simulator import Simulator
from simtel.stepping import MAX_ADVANCE

if TYPE_CHECKING:
    from simtel.api.app import RouteFactory

ClockMode = Literal["manual", "realtime"]
CLOCK_MODES: tuple[ClockMode, ...] = ("manual", "realtime")
#: wall seconds between two steps of the realtime clock
REALTIME_STEP = 0.05
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
#: wall seconds open requests (a console's live stream) get to finish once the server stops
SHUTDOWN_GRACE = 2
ENV_ACCOUNT_SID = "SIMTEL_ACCOUNT_SID"
ENV_AUTH_TOKEN = "SIMTEL_AUTH_TOKEN"

log = logging.getLogger("simtel.server")
SimulatorSource = Simulator | Callable[[], Simulator] | None


def simulator_from_env(**config: Any) -> Simulator:
    """A `Simulator(**config)` whose account SID and auth token default to the environment's
    `SIMTEL_ACCOUNT_SID` / `SIMTEL_AUTH_TOKEN` (explicit arguments win)."""
    for key, variable in (("account_sid", ENV_ACCOUNT_SID), ("auth_token", ENV_AUTH_TOKEN)):
        if config.get(key) is None and os.environ.get(variable):
            config[key] = os.environ[variable]
    return Simulator(**config)


class RealtimeClock:
    """Advances `sim` by (wall seconds elapsed) x `speed` every `step` wall seconds, in its own
    thread, until `stop()`; `pause()` holds simulated time still (wall time passing meanwhile is
    not made up) until `resume()`. An exception from the engine stops the clock; it is logged and
    kept in `error`."""

    def __init__(self, sim: Simulator, speed: float = 1.0, step: float = REALTIME_STEP) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, not {speed}")
        if not step > 0:
            raise ValueError(f"step must be > 0, not {step}")
        self.sim = sim
        self.speed = speed
        self.step = step
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._thread = threading.Thread(target=self._run, name="simtel-realtime-clock", daemon=True)

    def start(self) -> RealtimeClock:
        self._thread.start()
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop stepping; waits for a step in flight (which may be waiting for a webhook)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def pause(self) -> None:
        """Stop moving simulated time after the step in flight, if any."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.step):
            wall = time.monotonic()
            elapsed, last = wall - last, wall
            if self._paused.is_set():
                continue
            try:
                self.sim.advance(min(elapsed * self.speed, MAX_ADVANCE))
            except Exception as error:
                self.error = error
                log.exception("the realtime clock stopped: the simulation failed")
                return


class Server:
    """uvicorn serving `create_app(sim)` on `host` and `port` (0: a free port), with the realtime
    clock when `clock="realtime"`. `run()` serves in the calling thread until interrupted;
    `start()`/`stop()` (or `with`) serve from a background thread.

    `sim.public_url` is set to `public_url`, or to this server's own URL, so media and
    `RecordingUrl` links point at it. `extra` route factories are served by the same app
    (`create_app(sim, extra=...)`).
    """

    def __init__(
        self,
        sim: Simulator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: ClockMode = "manual",
        speed: float = 1.0,
        public_url: str | None = None,
        log_level: str = "warning",
        extra: Sequence[RouteFactory] = (),
    ) -> None:
        _check_clock(clock)
        self.sim = sim
        self.clock_mode = clock
        self.speed = speed
        self.realtime: RealtimeClock | None = None
        self._socket = _bind(host, port)
        bound_host, bound_port = self._socket.getsockname()[:2]
        self.host, self.port = str(bound_host), int(bound_port)
        self.url = f"http://{_url_host(self.host)}:{self.port}"
        sim.public_url = (public_url or self.url).rstrip("/")
        config = _config(sim, log_level, self.host, self.port, extra)
        if isinstance(config.app, Starlette):
            config.app.state.server = self  # the console's realtime play/pause reads it
        self._uvicorn = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until Ctrl-C (or `stop()` from another thread); then stop the clock."""
        self._start_clock()
        try:
            self._uvicorn.run(sockets=[self._socket])
        finally:
            self._stop_clock()
            self._socket.close()

    def start(self) -> Server:
        self._thread = threading.Thread(
            target=self._uvicorn.run,
            kwargs={"sockets": [self._socket]},
            name="simtel-server",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"simtel server did not start on {self.url}")
            time.sleep(0.005)
        self._start_clock()
        return self

    def stop(self) -> None:
        """Stop the clock, then uvicorn (in-flight requests finish first). From another thread
        this also ends a `run()`, which then closes the socket itself."""
        self._stop_clock()
        self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
            self._socket.close()

    @property
    def started(self) -> bool:
        """Whether uvicorn is accepting connections."""
        return bool(self._uvicorn.started)

    def _start_clock(self) -> None:
        if self.clock_mode == "realtime":
            self.realtime = RealtimeClock(self.sim, self.speed).start()

    def _stop_clock(self) -> None:
        if self.realtime is not None:
            self.realtime.stop()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    sim: SimulatorSource = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    clock: ClockMode = "manual",
    speed: float = 1.0,
    public_url: str | None = None,
    log_level: str = "info",
    **config: Any,
) -> None:
    """Serve a simulation until interrupted (Ctrl-C stops the clock and the server cleanly).

    `sim` is a `Simulator`, a function returning one, or None: then `Simulator(**config)` with
    the account from `SIMTEL_ACCOUNT_SID`/`SIMTEL_AUTH_TOKEN` when set. `public_url` is the
    origin simtel's own links point at; None keeps a given simulator's, and is the server's
    own URL for one built here. The simulation is closed when the server stops.
    """
    _check_clock(clock)
    simulation = _simulator(sim, config)
    if public_url is None and sim is not None:
        public_url = simulation.public_url
    server = Server(
        simulation,
        host=host,
        port=port,
        clock=clock,
        speed=speed,
        public_url=public_url,
        log_level=log_level,
    )
    try:
        server.run()
    finally:
        simulation.close()


def _simulator(source: SimulatorSource, config: dict[str, Any]) -> Simulator:
    if isinstance(source, Simulator):
        return source
    if source is not None:
        return source()
    return simulator_from_env(**config)


def _config(
    sim: Simulator, log_level: str, host: str, port: int, extra: Sequence[RouteFactory] = ()
) -> uvicorn.Config:
    from simtel import console
    from simtel.api.app import create_app

    app = create_app(sim, extra=(*extra, console.routes))
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )


def _check_clock(clock: str) -> None:
    if clock not in CLOCK_MODES:
        raise ValueError(f"clock must be one of {', '.join(CLOCK_MODES)}, not {clock!r}")


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, made with `IPPROTO_TCP` as `getaddrinfo` would give it: asyncio
    sets `TCP_NODELAY` only on connections accepted from such a socket (with protocol 0, Nagle
    stays on and keep-alive requests wait on delayed ACKs, or stall)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
