"""A cache of rendered recording media, in memory or in a directory.

A variant is named by what it is: the recording SID, the format, and the channel layout asked for.
`channels=None` is the recording's own layout (`RE….wav`); a requested layout adds a suffix
(`RE…-ch1.mp3`). Rendering is deterministic, so a cached file is always the same bytes as a fresh
render, and deleting a recording deletes every variant for good.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

FORMATS = ("wav", "mp3")
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
    """Rendered media by variant; `directory=None` keeps the bytes in memory."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._memory: dict[str, bytes] = {}
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def put(self, recording_sid: str, fmt: str, channels: int | None, data: bytes) -> None:
        name = media_name(recording_sid, fmt, channels)
        if self.directory is None:
            self._memory[name] = bytes(data)
            return
        target = self.directory / name
        partial = target.with_name(f".{name}.partial")
        partial.write_bytes(data)
        os.replace(partial, target)  # readers never see half a file

    def get(self, recording_sid: str, fmt: str, channels: int | None = None) -> bytes | None:
        name = media_name(recording_sid, fmt, channels)
        if self.directory is None:
            return self._memory.get(name)
        try:
            return (self.directory / name).read_bytes()
        except FileNotFoundError:
            return None

    def variants(self, recording_sid: str) -> list[str]:
        """The names of the cached variants of a recording, sorted."""
        media_name(recording_sid, FORMATS[0])
        names = self._memory if self.directory is None else os.listdir(self.directory)
        return sorted(name for name in names if _is_variant(name, recording_sid))

    def delete(self, recording_sid: str) -> int:
        """Remove every variant of the recording; returns how many there were."""
        doomed = self.variants(recording_sid)
        for name in doomed:
            if self.directory is None:
                del self._memory[name]
            else:
                (self.directory / name).unlink(missing_ok=True)
        return len(doomed)


def _is_variant(name: str, recording_sid: str) -> bool:
    if not name.startswith(recording_sid):
        return False
    rest = name[len(recording_sid) :]
    stem, dot, fmt = rest.rpartition(".")
    return (
        dot == "." and fmt in FORMATS and (stem == "" or re.fullmatch(r"-ch\d+", stem) is not None)
    )
