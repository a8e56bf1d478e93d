"""The files a scenario names travel with its tasks, so Dask workers need no shared filesystem.

A scenario may name files: `twiml_file` (a number's TwiML), `encryption_public_key` (Call
Recording Encryption), `holding: {empirical: FILE}` (a CSV of holding times) and `app:
module:attr` (a Python module next to the scenario). `ship` reads each (relative to the scenario's
folder, or absolute), renames it in the scenario mapping to `files/N-NAME` and returns its bytes;
a module keeps its name (it is imported by name) beside the scenario. `unpack` writes them into
a folder on the worker, where the task's scenario is then read as if it lived there.

Bounded: a sweep ships at most `MAX_SHIPPED_BYTES` in all per task; more is a `SweepError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simtel.sweep.plan import SweepError

FILE_KEYS = ("twiml_file", "encryption_public_key", "empirical")
MAX_SHIPPED_BYTES = 16 * 1024 * 1024
SHIPPED_FOLDER = "files"

Shipped = tuple[tuple[str, bytes], ...]


def ship(mapping: dict[str, Any], folder: Path) -> tuple[dict[str, Any], Shipped]:
    """`mapping` (modified in place and returned) with its file names rewritten, and the files."""
    files: dict[str, bytes] = {}
    _walk(mapping, folder, files)
    size = sum(len(data) for data in files.values())
    if size > MAX_SHIPPED_BYTES:
        raise SweepError(
            f"the files the scenario names come to {size} bytes; a sweep ships at most "
            f"{MAX_SHIPPED_BYTES} bytes with each task"
        )
    return mapping, tuple(sorted(files.items()))


def unpack(files: Shipped, folder: Path) -> None:
    """Write shipped files under `folder` (names were made by `ship`: no `..`, no absolutes)."""
    for name, data in files:
        target = folder / name
        if target.resolve().parent != (folder / Path(name).parent).resolve():
            raise SweepError(f"refusing to unpack {name!r} outside the task's folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _walk(node: Any, folder: Path, files: dict[str, bytes]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, folder, files)
        return
    if not isinstance(node, dict):
        return
    for key, value in list(node.items()):
        if key in FILE_KEYS and isinstance(value, str):
            name = f"{SHIPPED_FOLDER}/{len(files)}-{Path(value).name}"
            node[key] = _add(files, name, folder, value, key)
        elif key == "app" and isinstance(value, str) and ":" in value:
            module = value.partition(":")[0]
            source = folder / f"{module}.py"
            if "." not in module and source.is_file():
                _add(files, source.name, folder, source.name, key)
        else:
            _walk(value, folder, files)


def _add(files: dict[str, bytes], name: str, folder: Path, value: str, key: str) -> str:
    path = Path(value).expanduser()
    path = path if path.is_absolute() else folder / path
    try:
        files[name] = path.read_bytes()
    except OSError as error:
        raise SweepError(f"cannot read {path} (named by {key}): {error.strerror}") from None
    return name
