"""`simtel serve`: the REST API over HTTP for apps in any language, introduced on start.

On start it prints where it listens, the account SID, the auth token and where that came from
(`--auth-token`, the `SIMTEL_AUTH_TOKEN` environment variable, or derived from the seed), and a
twilio-python snippet to paste. What would go wrong quietly is refused in one line (exit 2):

* a `--host` other than loopback without an auth token of your own (the seed-derived one is
  public knowledge: anyone could compute it);
* a `--db` file that holds an earlier run (`--overwrite` starts it afresh);
* a port in use.

Ctrl-C stops the server and exits 0. With `--scenario`, the scenario's numbers, parties and
traffic are loaded, but webhooks always go over real HTTP to URLs no app is mounted for: a
scenario's `allow_http` is a `simtel run` setting.
"""

from __future__ import annotations

import errno
import ipaddress
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from simtel.cli_support import usage_error
from simtel.simulator import Simulator
from simtel.webhooks.media import MediaMap

if TYPE_CHECKING:
    from simtel.server import ClockMode, Server

DEFAULT_PORT = 8080
#: `simtel serve` keeps every event, call and recording in memory even with a file database:
#: an app downloads a recording's media after its completed callback, whenever it likes
SERVE_RETENTION: dict[str, Any] = {"keep_events": True, "keep_media": True}
TOKEN_SOURCES = {
    ParameterSource.COMMANDLINE: "--auth-token",
    ParameterSource.ENVIRONMENT: "SIMTEL_AUTH_TOKEN",
}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option(
    "--clock",
    type=click.Choice(["manual", "realtime"]),
    default="manual",
    show_default=True,
    help="manual: time moves on POST /_simtel/clock/advance.",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Simulated seconds per wall second with --clock realtime.",
)
@click.option(
    "--scenario",
    "scenario_file",
    metavar="FILE",
    help="Start from a scenario: its numbers, parties, calls and traffic.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the store in this SQLite file (default: in memory).",
)
@click.option("--overwrite", is_flag=True, help="Let --db replace a file that holds a run.")
@click.option(
    "--read-only",
    is_flag=True,
    help="Browse the finished run in --db (from `simtel run`): reads only, no clock; "
    "--scenario names the scenario it ran, for its dates.",
)
@click.option(
    "--media-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cache rendered recordings here, without a size bound (default: in memory).",
)
@click.option(
    "--media-cache-mb",
    type=click.FloatRange(min=0),
    default=256.0,
    show_default=True,
    help="In-memory media cache budget; least recently used recordings are forgotten first.",
)
@click.option("--media-auth", is_flag=True, help="Require the account's HTTP auth on media URLs.")
@click.option(
    "--media",
    "media_specs",
    multiple=True,
    metavar="URL-PREFIX=FOLDER",
    help="Play URLs under URL-PREFIX from files in FOLDER (repeatable; after the scenario's "
    "media: entries). Unmapped URLs no app serves play 1 s of silence (warning 13420).",
)
@click.option("--seed", type=int, help="The seed (default 0, or the scenario's).")
@click.option(
    "--account-sid",
    envvar="SIMTEL_ACCOUNT_SID",
    metavar="AC…",
    help="Account SID [env SIMTEL_ACCOUNT_SID].",
)
@click.option(
    "--auth-token",
    envvar="SIMTEL_AUTH_TOKEN",
    metavar="TOKEN",
    help="Auth token [env SIMTEL_AUTH_TOKEN]; required with a --host other than loopback.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="Origin of simtel's own links (RecordingUrl); default: the server's URL.",
)
@click.pass_context
def serve(ctx: click.Context, /, **options: Any) -> None:
    """Serve the Twilio REST API (and /_simtel control) over HTTP until Ctrl-C.

    It prints the URL, the account SID and auth token, and a twilio-python snippet to start from.
    """
    from simtel.server import Server

    host: str = options["host"]
    token_source = TOKEN_SOURCES.get(ctx.get_parameter_source("auth_token"))  # type: ignore[arg-type]
    if token_source is None and not is_loopback(host):
        usage_error(
            f"--host {host} serves beyond this machine: choose an auth token with --auth-token "
            "or SIMTEL_AUTH_TOKEN (the default one is derived from the seed, which anyone can do)"
        )
    sim = _finished_run(options) if options["read_only"] else _simulation(options)
    clock: ClockMode = "realtime" if options["clock"] == "realtime" else "manual"
    try:
        server = Server(
            sim,
            host=host,
            port=options["port"],
            clock=clock,
            speed=options["speed"],
            public_url=options["public_url"],
            log_level="warning",
        )
    except OSError as error:
        sim.close()
        if error.errno == errno.EADDRINUSE:
            usage_error(
                f"port {options['port']} on {host} is in use (another simtel serve?); "
                "choose another with --port"
            )
        usage_error(f"cannot listen on {host}:{options['port']}: {error.strerror or error}")
    click.echo(banner(sim, server, token_source or "derived from the seed"))
    # uvicorn handles Ctrl-C while it serves, then raises it again for whoever handled it before:
    # here, that is a handler with nothing left to do (the server has stopped), so the exit is 0
    previous = signal.signal(signal.SIGINT, _already_stopping)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, previous)
        sim.close()
    click.echo("simtel serve: stopped")


def _already_stopping(signum: int, frame: object) -> None:
    """SIGINT outside uvicorn's own handling: the server is stopping already."""


def _finished_run(options: dict[str, Any]) -> Simulator:
    """The run in `--db`, opened read-only (`simtel.finished`), or exit 2 saying why not."""
    from simtel.cli import _load
    from simtel.finished import FinishedRun
    from simtel.store import SchemaVersionError

    db: Path | None = options["db"]
    if db is None:
        usage_error("--read-only serves a finished run: name its database with --db FILE")
    for flag, given in (
        ("--overwrite", options["overwrite"]),
        ("--clock realtime", options["clock"] == "realtime"),
        ("--media-dir", options["media_dir"] is not None),
    ):
        if given:
            usage_error(f"--read-only serves a finished run as it is: {flag} does not apply")
    seed, epoch = options["seed"] or 0, None
    if options["scenario_file"] is not None:
        scenario = _load(options["scenario_file"])
        seed, epoch = options["seed"] or scenario.seed, scenario.epoch
    try:
        sim = FinishedRun(
            db,
            seed=seed,
            **({"epoch": epoch} if epoch is not None else {}),
            account_sid=options["account_sid"],
            auth_token=options["auth_token"],
            public_url=options["public_url"] or f"http://{options['host']}:{options['port']}",
            media_cache_mb=options["media_cache_mb"],
        )
    except FileNotFoundError:
        usage_error(f"--db {db}: no such file (simtel run --out DIR writes DIR/simtel.db)")
    except SchemaVersionError as error:
        usage_error(f"--db {db}: {error}")
    if options["media_auth"]:
        sim.account.media_auth = True
    return sim


def _simulation(options: dict[str, Any]) -> Simulator:
    """The simulator to serve (from the scenario when one is given), or exit 2 saying why not."""
    from simtel.cli import _build, _load
    from simtel.server import simulator_from_env

    try:
        media_map = MediaMap.parse(options["media_specs"])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--media") from None
    db: Path | None = options["db"]
    if db is not None and options["overwrite"]:
        for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")):
            leftover.unlink(missing_ok=True)
    config: dict[str, Any] = {
        "db": db,
        "media_dir": options["media_dir"],
        "account_sid": options["account_sid"],
        "auth_token": options["auth_token"],
        "public_url": options["public_url"] or f"http://{options['host']}:{options['port']}",
        **SERVE_RETENTION,
    }
    try:
        if options["scenario_file"] is None:
            sim = simulator_from_env(
                seed=options["seed"] or 0,
                media_cache_mb=options["media_cache_mb"],
                media_map=media_map,
                **config,
            )
        else:
            sim = _build(_load(options["scenario_file"]), seed=options["seed"], **config).sim
            sim.media.max_bytes = int(options["media_cache_mb"] * 2**20)
            # the user's app is wherever the scenario's URLs say: never an offline-only router
            sim.router.allow_http = True
            for prefix, folder in media_map.entries:
                sim.media_loader.media_map.add(prefix, folder)
    except FileExistsError:
        usage_error(
            f"--db {db} holds an earlier run; pass --overwrite to start it afresh, or choose "
            "another file"
        )
    if options["media_auth"]:
        sim.account.media_auth = True
    return sim


def is_loopback(host: str) -> bool:
    """Whether `host` only listens on this machine (`localhost`, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def banner(sim: Simulator, server: Server, token_source: str) -> str:
    """What `simtel serve` prints on start: where, who, and how to connect."""
    sid, token, url = sim.account.sid, sim.account.auth_token, server.url
    if sim.store.readonly:
        clock = (
            f"read-only: the finished run in {sim.store.path}, at its end (t={sim.now:g} s); "
            "changes answer 405 (20004)"
        )
    elif server.clock_mode == "realtime":
        clock = f"realtime, {server.speed:g} simulated seconds per second"
    else:
        clock = f"manual: POST {url}/_simtel/clock/advance Seconds=N"
    return "\n".join(
        [
            f"simtel serve: the Twilio REST API on {url}",
            f"  account SID  {sid}",
            f"  auth token   {token}  ({token_source})",
            f"  clock        {clock}",
            "",
            "from twilio.rest import Client",
            f'client = Client("{sid}", "{token}")',
            f'client.api.base_url = "{url}"',
            "",
            "Ctrl-C stops it.",
        ]
    )
