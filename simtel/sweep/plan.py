"""What a sweep runs: parameter points from `--set` options, replication seeds, one task per run.

* `--set key=v1,v2,...`: `key` is a dotted path into the scenario mapping; a number indexes a
  list (`trunks.0.capacity`, `traffic.0.arrivals.rate_per_hour`). Values are read as YAML
  scalars (`25` is an integer, `0.5` a number, `true` a boolean, `30m` text). A missing key of a
  mapping is added; a missing list item, or a path through a plain value, is an error. Several
  `--set` options make the cartesian product of their values, in the order given (the last key
  varies fastest). No `--set` is one point: the scenario as written.
* Seeds (`replication_seed`): replication `r` of a sweep with base seed `s` (the scenario's
  `seed`, or `--seed`) uses `SeedSequence(s, spawn_key=(r,))`, which is numpy's `r`-th child of
  `SeedSequence(s).spawn(...)`: statistically independent streams, one per replication. Its first
  64-bit word, shifted right by one, is the simulation's seed. Every parameter point uses the
  same seeds for the same replication (common random numbers: differences between points are
  not drowned in seed noise).
* Each task carries the scenario as YAML text with its overrides applied, the scenario file's
  path (for its name), and the files it names (`simtel.sweep.files`): picklable, needing no
  shared filesystem, and validated again by the worker exactly as `simtel run` would.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from simtel.errors import SimtelError

Value = str | int | float | bool | None


class SweepError(SimtelError):
    """A `--set` option that does not parse or does not fit the scenario."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One `--set`: a dotted key and the values it takes."""

    key: str
    values: tuple[Value, ...]

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))


@dataclass(frozen=True, slots=True)
class RunTask:
    """One simulation of a sweep."""

    point: int
    params: tuple[tuple[str, Value], ...]
    replication: int
    seed: int
    scenario_text: str
    scenario_path: str
    #: the files the scenario names, shipped with the task (see `simtel.sweep.files`)
    files: tuple[tuple[str, bytes], ...] = ()


def parse_setting(option: str) -> Setting:
    key, sep, values = option.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip():
        raise SweepError(f"--set {option!r}: expected key=value[,value...]")
    if any(not part for part in key.split(".")):
        raise SweepError(f"--set {option!r}: empty part in the key {key!r}")
    parsed = tuple(_scalar(text.strip()) for text in values.split(","))
    if len(set(map(repr, parsed))) != len(parsed):
        raise SweepError(f"--set {option!r}: a value is repeated")
    return Setting(key, parsed)


def _scalar(text: str) -> Value:
    try:
        value = yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        return text
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return text


def points(settings: Sequence[Setting]) -> list[tuple[tuple[str, Value], ...]]:
    """The cartesian product of the settings, as (key, value) tuples in option order."""
    keys = [s.key for s in settings]
    if len(set(keys)) != len(keys):
        raise SweepError("the same key is given to --set twice")
    combos = itertools.product(*(s.values for s in settings))
    return [tuple(zip(keys, combo, strict=True)) for combo in combos]


def apply(mapping: dict[str, Any], params: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A deep copy of `mapping` with each dotted key set to its value (any YAML value)."""
    result = copy.deepcopy(mapping)
    for key, value in params:
        _set(result, key.split("."), value, key)
    return result


def _set(node: Any, path: list[str], value: Any, key: str) -> None:
    *parents, last = path
    for depth, part in enumerate(parents):
        node = _child(node, part, key, create=True, where=".".join(path[: depth + 1]))
    if isinstance(node, list):
        node[_index(node, last, key)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise SweepError(f"--set {key}: {'.'.join(parents)} is a plain value, not a mapping")


def _child(node: Any, part: str, key: str, *, create: bool, where: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, key)]
    if isinstance(node, dict):
        if part not in node and create:
            node[part] = {}
        return node[part]
    raise SweepError(f"--set {key}: {where} goes through a plain value")


def _index(items: list[Any], part: str, key: str) -> int:
    if not part.isdigit():
        raise SweepError(f"--set {key}: {part!r} must be a list index")
    index = int(part)
    if index >= len(items):
        raise SweepError(f"--set {key}: index {index} but the list has {len(items)} items")
    return index


def replication_seed(base: int, replication: int) -> int:
    """The seed of replication `replication` (see the module docstring)."""
    sequence = np.random.SeedSequence(base, spawn_key=(replication,))
    return int(sequence.generate_state(1, np.uint64)[0]) >> 1


def read_mapping(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SweepError(f"cannot read the scenario {path}: {error}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SweepError(f"{path}: a scenario is a mapping")
    return loaded


def plan_tasks(
    path: Path, settings: Sequence[Setting], replications: int, base_seed: int | None = None
) -> list[RunTask]:
    """Every run of the sweep: point-major, replication-minor."""
    if replications < 1:
        raise SweepError("--replications must be at least 1")
    mapping = read_mapping(path)
    seed = base_seed if base_seed is not None else int(mapping.get("seed", 0) or 0)
    seeds = [replication_seed(seed, r) for r in range(replications)]
    from simtel.sweep.files import ship

    tasks: list[RunTask] = []
    for index, params in enumerate(points(settings)):
        shipped, files = ship(apply(mapping, params), path.parent)
        text = yaml.safe_dump(shipped, sort_keys=False)
        tasks += [
            RunTask(index, params, r, seeds[r], text, str(path), files)
            for r in range(replications)
        ]
    return tasks
