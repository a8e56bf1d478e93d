"""The media cache: variants by recording, format and channels; delete is for good."""

from __future__ import annotations

from pathlib import Path

import pytest

from simtel.store import MediaStore
from simtel.store.media import media_name

RE1, RE2 = "RE" + "1" * 32, "RE" + "2" * 32


def test_names_are_deterministic() -> None:
    assert media_name(RE1, "wav") == f"{RE1}.wav"
    assert media_name(RE1, "mp3", 1) == f"{RE1}-ch1.mp3"
    with pytest.raises(ValueError, match="format"):
        media_name(RE1, "ogg")
    with pytest.raises(ValueError, match="SID"):
        media_name("../etc/passwd", "wav")


@pytest.mark.parametrize("on_disk", [False, True])
def test_put_get_and_delete_every_variant(tmp_path: Path, on_disk: bool) -> None:
    media = MediaStore(tmp_path / "media" if on_disk else None)
    media.put(RE1, "wav", None, b"RIFF-dual")
    media.put(RE1, "wav", 1, b"RIFF-mono")
    media.put(RE1, "mp3", 1, b"ID3-mono")
    media.put(RE2, "wav", None, b"RIFF-other")
    assert media.get(RE1, "wav") == b"RIFF-dual"
    assert media.get(RE1, "wav", 1) == b"RIFF-mono"
    assert media.get(RE1, "mp3", 1) == b"ID3-mono"
    assert media.get(RE1, "mp3") is None
    assert media.variants(RE1) == [f"{RE1}-ch1.mp3", f"{RE1}-ch1.wav", f"{RE1}.wav"]
    if on_disk:
        names = sorted(p.name for p in (tmp_path / "media").iterdir())
        assert names == [f"{RE1}-ch1.mp3", f"{RE1}-ch1.wav", f"{RE1}.wav", f"{RE2}.wav"]
    assert media.delete(RE1) == 3
    assert media.get(RE1, "wav") is None and media.get(RE1, "wav", 1) is None
    assert media.get(RE2, "wav") == b"RIFF-other"
    assert media.delete(RE1) == 0


def test_a_directory_cache_is_shared_by_two_stores(tmp_path: Path) -> None:
    MediaStore(tmp_path).put(RE1, "mp3", None, b"ID3")
    assert MediaStore(tmp_path).get(RE1, "mp3") == b"ID3"
