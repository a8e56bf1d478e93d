"""A finished run, opened to be read: what `simtel serve --read-only --db FILE` serves.

`FinishedRun(db)` is a `Simulator` over the run's SQLite file opened read-only (`Store.open`):
every REST and console read (calls, recordings, transcriptions, conferences, notifications, the
webhook log, `/_simtel/events`) comes from that file, as in a live simulation; its read-only
store makes the API refuse every change (`simtel.api.readonly`: 405, 20004). Nothing runs: the
clock stands at the run's last event, and `advance`, `run` and `reset` raise the same refusal.

* Account: the SID is the run's (read from its first `*.created` event, so stored URIs and the
  API paths agree); the auth token is the one given, else derived from the seed.
* Dates: stored times are simulated seconds, shown from `epoch` (the scenario's; `simtel serve
  --read-only --scenario NAME` reads it from the scenario the run came from).
* Media: `simtel run` writes the recordings its scenario renders to `media/RE….wav` beside the
  database; those are served as `.wav` (the file itself), `.mp3` and `RequestedChannels`
  presentations (made block by block from the file, `simtel.audio.mediastream`, kept in the
  in-memory media cache). A completed recording without a file answers 20404 "not retained in
  this run"; a dual presentation of a mono file too (the file is all the run kept).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import soundfile as sf

from simtel.api.readonly import ReadOnlyRefusal
from simtel.audio.codecs import MediaFormat
from simtel.audio.mediastream import media_bytes, wav_blocks
from simtel.clock import DEFAULT_EPOCH
from simtel.engine.recordings.media import ENCRYPTED_MP3, MediaNotRetained, media_path
from simtel.errors import NotFound, TwilioError
from simtel.events import EventLog
from simtel.simulator import Simulator
from simtel.store import Store
from simtel.store.media import DEFAULT_CACHE_BYTES

#: the folder beside the database where `simtel run` writes rendered recordings
MEDIA_FOLDER = "media"
_CREATED = ("number.created", "call.created", "recording.created", "conference.created")


class FinishedRun(Simulator):
    """A read-only `Simulator` over the run stored in `db` (see the module docstring).

    `FileNotFoundError` when `db` does not exist; `simtel.store.SchemaVersionError` when it is
    not a simtel store of this version."""

    def __init__(
        self,
        db: str | Path,
        *,
        seed: int = 0,
        epoch: datetime | str = DEFAULT_EPOCH,
        account_sid: str | None = None,
        auth_token: str | None = None,
        public_url: str = "http://127.0.0.1:8080",
        media_cache_mb: float = DEFAULT_CACHE_BYTES / 2**20,
    ) -> None:
        path = Path(db)
        store = Store.open(path)
        try:
            count, end, run_account = _extent(store)
        except BaseException:
            store.close()
            raise
        super().__init__(
            seed=seed,
            epoch=epoch,
            account_sid=account_sid or run_account,
            auth_token=auth_token,
            public_url=public_url,
            allow_http=False,
            media_cache_mb=media_cache_mb,
        )
        if end > 0:
            super().run(until=end)  # nothing is scheduled: the clock shows the run's end
        self.store.close()
        self.store = store
        self.events = _stored_log(self, store, count)
        self.run_media = path.parent / MEDIA_FOLDER

    # -- nothing moves --------------------------------------------------------------------------
    def advance(self, seconds: float) -> float:
        raise ReadOnlyRefusal("POST", "/_simtel/clock/advance")

    def run(self, until: float | None = None, *, flush: bool = True) -> float:
        raise ReadOnlyRefusal("POST", "/_simtel/clock/advance")

    def reset(self) -> None:
        raise ReadOnlyRefusal("POST", "/_simtel/reset")

    # -- media ----------------------------------------------------------------------------------
    def recording_media(self, sid: str, fmt: str, requested_channels: int | None) -> bytes:
        """A download of a recording the run rendered (`media/RE….wav`), in `fmt` and the
        presentation asked for; made outside the lock, cached in memory."""
        if fmt not in ("wav", "mp3"):
            raise ValueError(f"media format must be wav or mp3, not {fmt!r}")
        media_format: MediaFormat = "wav" if fmt == "wav" else "mp3"
        job = self._media_job(sid, media_format, requested_channels)
        return job()

    def _media_job(self, sid: str, fmt: MediaFormat, requested: int | None) -> Callable[[], bytes]:
        doc = self.store.get("recordings", sid) if sid.startswith("RE") else None
        if doc is None or doc.get("status") != "completed":
            raise NotFound(media_path(self, sid))
        file = self.run_media / f"{sid}.wav"
        if not file.is_file():
            raise MediaNotRetained(media_path(self, sid))
        if doc.get("encryption_details"):
            if fmt != "wav":
                raise TwilioError(16109, 400, ENCRYPTED_MP3)
            return file.read_bytes
        cached = self.media.get(sid, fmt, requested)
        if cached is not None:
            return lambda: cached
        if requested == 2 and sf.info(str(file)).channels < 2:
            raise MediaNotRetained(media_path(self, sid))
        if fmt == "wav" and requested is None:
            return file.read_bytes
        media = self.media

        def make() -> bytes:
            data = media_bytes(wav_blocks(file.read_bytes()), fmt, requested)
            media.put(sid, fmt, requested, data)
            return data

        return make


def _extent(store: Store) -> tuple[int, float, str | None]:
    """How many events the run logged, the time of its last one, and its account SID."""
    conn = store.connection
    count, end = conn.execute("SELECT count(*), coalesce(max(t), 0) FROM events").fetchone()
    account: str | None = None
    for event in store.events(0, _CREATED, limit=1):
        value = event.fields.get("account_sid")
        account = value if isinstance(value, str) else None
    return int(count), float(end), account


def _stored_log(sim: Simulator, store: Store, count: int) -> EventLog:
    """The run's event log, read back from the store (nothing is ever added)."""
    log = EventLog(lambda: sim.env.now, keep=False, history=store)
    log._count = count  # its length is the run's: the console shows it
    return log
