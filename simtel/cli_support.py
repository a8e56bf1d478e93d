"""What every `simtel` command shares: one-line usage errors, and the verdict on a run's TwiML.

A user's mistake (a flag, a path, a port, a seed, a scenario) is one line on stderr, `simtel:
<what is wrong>; <what is allowed>`, and exit status 2 (`USAGE_ERROR`), never a traceback. A run
whose TwiML produced error notifications exits 1 (`TWIML_ERRORS`) after saying which, unless
the command was told to allow them.
"""

from __future__ import annotations

import difflib
import errno
import importlib
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from simtel.errors import TwilioError
from simtel.notifications import Notification, app_errors

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from simtel.scenario import ScenarioRun

USAGE_ERROR = 2
TWIML_ERRORS = 1
#: the exit status of a run that could not finish (its store could not write)
FAILED = 1
#: the exit status of a command stopped with Ctrl-C (128 + SIGINT, as shells report it)
INTERRUPTED = 130
#: notifications listed before "... and N more"
SHOWN_ERRORS = 5


def usage_error(message: str) -> NoReturn:
    """Print `simtel: message` (one line) on stderr and exit 2."""
    click.echo(f"simtel: {' '.join(message.split())}", err=True)
    sys.exit(USAGE_ERROR)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for a near miss among `choices`, else ''."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def os_error_text(error: OSError) -> str:
    """An OSError as a person reads it: what failed on which path."""
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        reason = "no space left on the device"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = "not writable" if error.errno != errno.EROFS else "read-only file system"
    target = error.filename if error.filename is not None else ""
    return f"{target}: {reason}" if target else reason


@contextmanager
def writing(out_dir: Path) -> Iterator[None]:
    """Turn an OSError while writing results under `out_dir` into a one-line usage error."""
    try:
        yield
    except OSError as error:
        usage_error(f"cannot write results to {out_dir}: {os_error_text(error)}")


def prepare_out_dir(out_dir: Path) -> None:
    """Create `out_dir` (and parents), or exit 2 saying why it cannot be."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".simtel-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        usage_error(f"--out {out_dir}: {os_error_text(error)}")


def report_twiml_errors(found: list[Notification], *, allowed: bool, flag: str) -> None:
    """Say which error notifications a run produced; exit 1 unless `allowed`."""
    errors = app_errors(found)
    if not errors:
        return
    noun = "error" if len(errors) == 1 else "errors"
    lines = [f"simtel: the run's TwiML produced {len(errors)} {noun}:"]
    lines += [f"  {n}" for n in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"  ... and {len(errors) - SHOWN_ERRORS} more (see the report)")
    if not allowed:
        lines.append(f"  ({flag} exits 0 on such errors)")
    click.echo("\n".join(lines), err=True)
    if not allowed:
        sys.exit(TWIML_ERRORS)


class SimtelGroup(click.Group):
    """The `simtel` group, whose errors are one line each: click's usage errors (a bad flag or
    value) as `simtel CMD: message (simtel CMD --help)` with exit 2; an OSError no command
    turned into a message (a path, a port) as `simtel: path: reason` with exit 2; Ctrl-C as
    exit 130 without a traceback.

    Commands added with `add_lazy(name, "module:attribute", summary)` are imported only when
    that command is asked for: `simtel run` does not pay for the server, the sweep's Dask or the
    report's templates at start-up, and `simtel --help` lists them from their `summary` (the
    first sentence of the command's help, which a test holds equal to it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy: dict[str, str] = {}
        self._summaries: dict[str, str] = {}

    def add_lazy(self, name: str, target: str, summary: str) -> None:
        self._lazy[name] = target
        self._summaries[name] = summary

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's command list, with a lazy command not yet imported shown by its summary (as
        click shortens a help text: through a stand-in command with that help)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(name) for name in names), default=0)
        rows: list[tuple[str, str]] = []
        for name in names:
            if name in self._summaries and name not in self.commands:
                stand_in = click.Command(name, help=self._summaries[name])
                rows.append((name, stand_in.get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self._lazy.get(cmd_name)
        if target is not None and cmd_name not in self.commands:
            module_name, _, attribute = target.partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{target} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: object,
    ) -> object:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as error:
            where = error.ctx.command_path if error.ctx is not None else "simtel"
            message = " ".join(error.format_message().split()).rstrip(".")
            click.echo(f"{where}: {message} (see {where} --help)", err=True)
            sys.exit(USAGE_ERROR)
        except click.ClickException as error:
            click.echo(f"simtel: {' '.join(error.format_message().split())}", err=True)
            sys.exit(error.exit_code)
        except (click.Abort, KeyboardInterrupt):
            sys.exit(INTERRUPTED)
        except OSError as error:
            usage_error(os_error_text(error))
        except TwilioError as error:  # the store could not write (20503): not a user's mistake
            click.echo(f"simtel: {' '.join(error.message.split())} (error {error.code})", err=True)
            sys.exit(FAILED)
        sys.exit(code if isinstance(code, int) else 0)


#: how often (wall seconds) a terminal's progress bar reads the run's state
PROGRESS_EVERY = 0.2


@contextmanager
def run_progress(
    run: ScenarioRun, console: Console, *, enabled: bool, every: float = PROGRESS_EVERY
) -> Iterator[Any]:
    """For a run with a duration, on a terminal only (never with --json or into a pipe): a bar
    over simulated time with the simulated clock, calls placed, calls per wall second and the
    time left, refreshed every `every` wall seconds while the run steps. Yields the
    `LiveProgress` (also the `progress(now)` callback for `ScenarioRun.run`), or None."""
    horizon = run.duration
    if not enabled or not console.is_terminal or not horizon:
        yield None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("sim {task.fields[sim]} of {task.fields[horizon]}"),
        TextColumn("{task.fields[calls]:,} calls"),
        TextColumn("{task.fields[rate]} calls/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(
            run.scenario.name,
            total=horizon,
            sim=clock(0),
            horizon=clock(horizon),
            calls=0,
            rate="-",
        )
        with LiveProgress(run, bar, task, every) as live:
            yield live


class LiveProgress:
    """The bar's state read from the run on a thread of its own, every `every` wall seconds,
    while the run steps. The display never asks the simulation to stop: it moves steadily
    however long one slice of `ScenarioRun.run` takes, and the run steps exactly as it would
    without it (same slices, so the same store flushes and purges, and the same event log). It
    reads two numbers (`Simulator.now`, `len(run.offered)`), never the store or the engine."""

    def __init__(self, run: ScenarioRun, bar: Progress, task: TaskID, every: float) -> None:
        self.run = run
        self.bar = bar
        self.task = task
        self.every = every
        self.started = time.perf_counter()
        self._shown = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="simtel-progress", daemon=True)

    def __enter__(self) -> LiveProgress:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.tick()

    def tick(self) -> None:
        """Show the run's state now (from any thread)."""
        self.show(self.run.sim.now)

    def __call__(self, now: float) -> None:
        """`ScenarioRun.run`'s callback after each slice."""
        self.show(now)

    def show(self, now: float) -> None:
        """Show simulated second `now` (never earlier than shown before), the calls placed so
        far and their rate per wall second."""
        with self._lock:
            now = self._shown = max(now, self._shown)
            calls = len(self.run.offered)
            wall = time.perf_counter() - self.started
            rate = f"{calls / wall:,.0f}" if wall > 0 else "-"
            horizon = self.run.duration or 0.0
            self.bar.update(
                self.task, completed=min(now, horizon), sim=clock(now), calls=calls, rate=rate
            )


def clock(seconds: float) -> str:
    """Simulated seconds as H:MM:SS."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
