"""Ctrl-C during `simtel sweep`: the local cluster's workers never get it, so the sweep stops
with exit 130 and no worker prints a `KeyboardInterrupt` traceback."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from processes import HAS_PROC, wait_for_children

from simtel.sweep.execute import _ctrl_c_held

ROOT = Path(__file__).resolve().parent.parent
#: seconds after the workers exist: their start (imports, joining the cluster) is over by then
SETTLE = 4.0


def _report_sigint(pipe: Connection) -> None:
    handler = signal.getsignal(signal.SIGINT)
    pipe.send("ignored" if handler == signal.SIG_IGN else "handled")


def _child_sigint() -> str:
    """How a spawned process (as Dask's local workers are) starts out treating SIGINT."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_report_sigint, args=(theirs,))
    process.start()
    answer = str(ours.recv())
    process.join(30)
    return answer


def test_processes_started_while_ctrl_c_is_held_ignore_it() -> None:
    before = signal.getsignal(signal.SIGINT)
    assert _child_sigint() == "handled"
    with _ctrl_c_held():
        assert _child_sigint() == "ignored"
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.skipif(not HAS_PROC, reason="finds the workers in /proc")
def test_ctrl_c_stops_a_dask_sweep_without_a_traceback(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "from simtel.cli import main; main()", "sweep"]
    scenario = ROOT / "examples" / "contact_centre.yaml"
    arguments = [str(scenario), "-n", "400", "--workers", "2", "--quiet", "--out", str(tmp_path)]
    sweep = subprocess.Popen(
        [*command, *arguments],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_children(sweep.pid, 2)  # the two workers
    time.sleep(SETTLE)
    assert sweep.poll() is None, "the sweep ended before Ctrl-C"
    os.killpg(sweep.pid, signal.SIGINT)
    _, err = sweep.communicate(timeout=120)
    assert sweep.returncode == 130, err.decode()
    assert b"Traceback" not in err, err.decode()
