"""Finding the processes a command under test started (Linux `/proc`), for tests that signal
or kill them."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

#: whether this system lists a process's children in /proc
HAS_PROC = Path("/proc/self/task").is_dir()


def children_of(pid: int) -> list[int]:
    """The child processes of `pid`, whichever of its threads started them, oldest first."""
    found: list[int] = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*"), key=lambda task: int(task.name)):
        with contextlib.suppress(OSError):  # the thread has ended
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def wait_for_children(
    pid: int, count: int, *, poll: float = 0.1, timeout: float = 60.0
) -> list[int]:
    """`children_of(pid)` once it holds `count` processes; AssertionError after `timeout` s."""
    for _ in range(int(timeout / poll)):
        found = children_of(pid)
        if len(found) >= count:
            return found
        time.sleep(poll)
    raise AssertionError(f"process {pid} started fewer than {count} children in {timeout:g} s")
