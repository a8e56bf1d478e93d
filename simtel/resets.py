"""How a reset leaves nothing of the old simulation running (`Simulator.reset`).

A `Simulator` is rebuilt *in place* (apps, clients and fixtures hold the object), so the old
simulation's code, which reaches its world through that object, must never run once the new
world is installed. Two cases:

* **Between steps** (the usual one): `retire` closes the generator of every live process of
  the old environment inside the reset, with the old world still installed: each `finally`
  clean-up (a `<Dial>` hanging up its ringing child, a `<Record>` stopping its recording)
  writes into the old state, which is then dropped. Without it the garbage collector would run
  those clean-ups later, inside the new run, where the same seed gives the same SIDs.
* **During a webhook**: a step waiting for the user's app (the lock released) cannot be closed
  from another thread. The reset keeps the old world aside (`Generations.ghosts`); when the
  app answers, the stepping thread finds the generation changed, reinstalls the old world,
  and unwinds the step with `SimulationReset`: every `finally` of the old step runs against the
  old world; then the rest of the old environment is retired and the new world reinstalled.
  The advance that was in flight answers the new clock.
"""

from __future__ import annotations

import gc
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import simpy

__all__ = ["Generations", "SimulationReset", "TrackedEnvironment", "retire"]


class SimulationReset(BaseException):
    """Unwinds a step of a simulation that was reset while the step waited for the app.
    A BaseException, so that no `except Exception` of the engine swallows it."""


@dataclass
class Generations:
    """Kept across resets: the generation number, the old worlds whose step is still waiting
    for an app (generation -> the simulator's attributes), and which thread is stepping."""

    number: int = 0
    ghosts: dict[int, dict[str, Any]] = field(default_factory=dict)
    stepping: threading.Thread | None = None
    restore: dict[str, Any] | None = None


class TrackedEnvironment(simpy.Environment):
    """A SimPy environment that knows its processes (weakly), so that a reset finds every one
    still alive, or unreachable but not yet collected, without scanning the heap."""

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self.processes: weakref.WeakSet[simpy.Process] = weakref.WeakSet()

    def process(self, generator: Any) -> simpy.Process:
        process = simpy.Process(self, generator)
        self.processes.add(process)
        return process


def retire(env: simpy.Environment) -> int:
    """Close the generator of every live process of `env`, an environment that is never
    stepped again: each runs its `finally` blocks now, writing into its own (discarded) state.
    The order does not matter: it only touches that discarded state. A process whose generator
    is running (a step waiting for an app) is left alone. Returns how many were closed.
    A `TrackedEnvironment` lists its processes; any other is found by a heap scan."""
    if isinstance(env, TrackedEnvironment):
        processes = [p for p in list(env.processes) if p.is_alive]
    else:
        processes = [
            obj
            for obj in gc.get_objects()
            if isinstance(obj, simpy.Process) and obj.env is env and obj.is_alive
        ]
    closed = 0
    for process in processes:
        generator = process._generator
        if getattr(generator, "gi_running", False):
            continue
        try:
            generator.close()
            closed += 1
        except Exception:  # a clean-up that fails belongs to a world being thrown away
            continue
    return closed
