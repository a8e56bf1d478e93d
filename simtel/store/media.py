"""A cache of rendered recording media, in memory or in a directory.

A variant is named by what it is: the recording SID, the format, and the channel layout asked for.
`channels=None` is the recording's own layout (`RE….wav`); a requested layout adds a suffix
(`RE…-ch1.mp3`). Rendering is deterministic, so a cached file is always the same bytes as a fresh
render, and deleting a recording deletes every variant for good.

Bounded: in memory, the cache holds at most `max_bytes` (`simtel serve --media-cache-mb`, 256 MiB
by default) and forgets the least recently used variants first; a variant larger than the whole
budget is served but not kept. Forgetting is safe, as a later download renders the same bytes
again. A directory (`--media-dir`) keeps every variant on disk, without a bound.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from pathlib import Path

FORMATS = ("wav", "mp3")
#: the in-memory cache's default budget
DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")


def media_name(recording_sid: str, fmt: str, channels: int | None = None) -> str:
    """The deterministic file name of one variant."""
    if not _SID.match(recording_sid):
        raise ValueError(f"not a recording SID: {recording_sid!r}")
    if fmt not in FORMATS:
        raise ValueError(f"media format {fmt!r} is not one of {', '.join(FORMATS)}")
    if channels is not None and channels < 1:
        raise ValueError(f"channels must be >= 1, not {channels}")
    suffix = "" if channels is None else f"-ch{channels}"
    return f"{recording_sid}{suffix}.{fmt}"


class MediaStore:
    """Rendered media by variant; `directory=None` keeps the bytes in memory, least recently used
    first out beyond `max_bytes`. Safe to use from several threads."""

    def __init__(self, directory: Path | None = None, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.size = 0
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def put(self, recording_sid: str, fmt: str, channels: int | None, data: bytes) -> None:
        name = media_name(recording_sid, fmt, channels)
        if self.directory is None:
            self._remember(name, bytes(data))
            return
        target = self.directory / name
        partial = target.with_name(f".{name}.partial")
        partial.write_bytes(data)
        os.replace(partial, target)  # readers never see half a file

    def get(self, recording_sid: str, fmt: str, channels: int | None = None) -> bytes | None:
        name = media_name(recording_sid, fmt, channels)
        if self.directory is None:
            with self._lock:
                data = self._memory.get(name)
                if data is not None:
                    self._memory.move_to_end(name)
                return data
        try:
            return (self.directory / name).read_bytes()
        except FileNotFoundError:
            return None

    def variants(self, recording_sid: str) -> list[str]:
        """The names of the cached variants of a recording, sorted."""
        media_name(recording_sid, FORMATS[0])
        names = list(self._memory) if self.directory is None else os.listdir(self.directory)
        return sorted(name for name in names if _is_variant(name, recording_sid))

    def delete(self, recording_sid: str) -> int:
        """Remove every variant of the recording; returns how many there were."""
        doomed = self.variants(recording_sid)
        for name in doomed:
            if self.directory is None:
                with self._lock:
                    gone = self._memory.pop(name, None)
                    self.size -= len(gone or b"")
            else:
                (self.directory / name).unlink(missing_ok=True)
        return len(doomed)

    def _remember(self, name: str, data: bytes) -> None:
        with self._lock:
            previous = self._memory.pop(name, None)
            self.size -= len(previous or b"")
            if len(data) > self.max_bytes:
                return
            self._memory[name] = data
            self.size += len(data)
            while self.size > self.max_bytes:
                _, evicted = self._memory.popitem(last=False)
                self.size -= len(evicted)


def _is_variant(name: str, recording_sid: str) -> bool:
    if not name.startswith(recording_sid):
        return False
    rest = name[len(recording_sid) :]
    stem, dot, fmt = rest.rpartition(".")
    return (
        dot == "." and fmt in FORMATS and (stem == "" or re.fullmatch(r"-ch\d+", stem) is not None)
    )
