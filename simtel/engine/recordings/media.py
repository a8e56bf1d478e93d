"""Recording media: rendered on first request, cached, presented as Twilio serves downloads.

Contract of `recording_media(sim, sid, fmt, requested_channels)`:

* Only a `completed` recording has media. While in progress or processing, after a delete, and
  for an unknown SID the answer is 20404 naming the media path (`…/Recordings/RE…`, no suffix).
* Every variant (MP3, a requested channel count) is derived from the stored layout's 16-bit
  samples, so the bytes of a variant do not depend on which variant was asked for first. It is
  made block by block (`simtel.audio.mediastream`), from the cached stored WAV when there is one,
  else rendered afresh, so memory stays near the size of the file made (an MP3 does not make
  and cache the stored WAV on the way).
* `RequestedChannels` (the seed, "Faça download do arquivo de mídia de canal duplo"): None is
  the format the recording was created with (`channels`; conference recordings stored dual
  download mono); 1 down-mixes; 2 returns the dual file. Call recordings of two-party calls are
  stored dual whatever was asked at creation, so 2 on a mono call recording that mixes two
  tracks (both parties, `track` both) returns them one per channel. 2 on a `<Record>` or
  `<Conference>` recording that is single-channel is Not Found (20404), as the seed says; 2 on a
  one-track recording (`track` inbound or outbound: nothing to split) stays 16113 (HTTP 400),
  Twilio's "Cannot download a dual-channel presentation of a mono recording". Anything else is
  20001 (see `simtel.audio.codecs.requested_channels`).
* Encrypted recordings (Voice Recording Encryption, `encryption.py`): the `.wav` download is the
  AES-256-GCM ciphertext of the default presentation's WAV; `.mp3` is 16109 (HTTP 400). The
  plaintext is never cached. A presentation other than the encrypted one cannot be made from
  ciphertext: 2 on a mono file is 16113, 1 on a dual file is refused as unsupported (Twilio
  documents nothing for it).
* `Simulator(keep_media=False)`: a completed recording's timelines are dropped once it is
  post-processed (before any download could render it), so its media cannot be made: the
  answer is 20404 (`MediaNotRetained`, saying so), never an empty file.
* `attach_encryption(sim)` installs the completion hook that seals each completed recording
  (fills `encryption_details`, emits `recording.updated`) when the account has a public key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from simtel.audio.timeline import Mix, Track
from simtel.engine.recordings.recording import Recording
from simtel.errors import NotFound, TwilioError, UnsupportedFeature
from simtel.events import EventKind

# The codecs (soundfile), the media streams and the encryption (cryptography) are imported by
# the functions that make media: a run that downloads and seals nothing never loads them.
if TYPE_CHECKING:
    from simtel.audio.codecs import MediaFormat
    from simtel.audio.render import RecordingWindow
    from simtel.engine.context import EngineContext

FORMATS: tuple[MediaFormat, ...] = ("wav", "mp3")
RATE = 8000
ENCRYPTED_MP3 = (
    "Voice Recording: Cannot fetch .mp3 encrypted recording. Request the recording as .wav"
)


class MediaNotRetained(TwilioError):
    """20404 for the media of a completed recording whose audio this run did not keep."""

    def __init__(self, path: str) -> None:
        super().__init__(
            20404,
            404,
            f"The requested resource {path} was not found: recording media is not retained in "
            "this run (Simulator(keep_media=False))",
        )
        self.args = (path,)


def media_path(sim: EngineContext, recording_sid: str) -> str:
    return f"/2010-04-01/Accounts/{sim.account.sid}/Recordings/{recording_sid}"


def recording_media(
    sim: EngineContext, recording_sid: str, fmt: str, requested: int | None
) -> bytes:
    """The bytes of one download of a recording's media (see the module contract), made on the
    calling thread. `Simulator.recording_media` makes them outside its lock: it takes
    `media_job` under the lock and runs the job after releasing it."""
    return media_job(sim, recording_sid, fmt, requested)()


def media_job(
    sim: EngineContext, recording_sid: str, fmt: str, requested: int | None
) -> Callable[[], bytes]:
    """Everything a download reads of the simulation (the recording, the cache, a copy of the
    track segments it covers), and the rendering and encoding left to do, as a function safe to
    call once the simulation has moved on."""
    if fmt not in FORMATS:
        raise ValueError(f"media format must be wav or mp3, not {fmt!r}")
    recording = sim.recorder.recordings.get(recording_sid)
    if recording is None and not sim.keep_media:
        doc = sim.store.get("recordings", recording_sid)
        if doc is not None and doc.get("status") == "completed":
            raise MediaNotRetained(media_path(sim, recording_sid))
    seal_hook = _seal_of(sim)
    unsealed = seal_hook is not None and recording_sid in seal_hook.unsealed
    if recording is None or recording.status != "completed" or unsealed:
        raise NotFound(media_path(sim, recording_sid))
    media_format: MediaFormat = "wav" if fmt == "wav" else "mp3"
    if recording.encryption_details is not None:
        return _encrypted(sim, recording, media_format, requested)
    wanted = default_channels(recording) if requested is None else requested
    key = None if wanted == recording.channels else wanted
    cached = sim.media.get(recording.sid, media_format, key)
    if cached is not None:
        return lambda: cached
    if wanted == 2 and recording.channels == 1:
        return _dual_of_mono(sim, recording, media_format, key)
    base = sim.media.get(recording.sid, "wav", None)
    window = None if base is not None else frozen(sim.recorder.window(recording))
    store, sid = sim.media, recording.sid

    def make() -> bytes:
        from simtel.audio.mediastream import media_bytes, stored_blocks, wav_blocks
        from simtel.audio.wavstream import wav_file

        if base is not None:
            data = media_bytes(wav_blocks(base), media_format, wanted, RATE)
        else:
            assert window is not None
            stored = media_format == "wav" and key is None
            data = (
                wav_file(window, RATE)
                if stored
                else media_bytes(stored_blocks(window, RATE), media_format, wanted, RATE)
            )
        store.put(sid, media_format, key, data)
        return data

    return make


def default_channels(recording: Recording) -> int:
    """What a download without `RequestedChannels` gets: conference recordings download mono."""
    return 1 if recording.conference_sid is not None else recording.channels


#: sources whose recordings are single-channel files: a dual download of one is Not Found (seed)
SINGLE_CHANNEL_SOURCES = frozenset({"RecordVerb", "Conference", "StartConferenceRecordingAPI"})


def _dual_of_mono(
    sim: EngineContext, recording: Recording, media_format: MediaFormat, key: int | None
) -> Callable[[], bytes]:
    """The dual file stored behind a mono call recording: each mixed track on its own channel
    (checked now, rendered by the job)."""
    if recording.source in SINGLE_CHANNEL_SOURCES:
        raise NotFound(media_path(sim, recording.sid))
    (mixed,) = recording.layout
    if len(mixed) != 2:
        from simtel.audio.codecs import MONO_ON_DUAL_REQUEST

        raise TwilioError(16113, 400, MONO_ON_DUAL_REQUEST)
    whole = replace(sim.recorder.window(recording), channels=tuple(r.track for r in mixed))
    window = frozen(whole)
    store, sid = sim.media, recording.sid

    def make() -> bytes:
        from simtel.audio.mediastream import media_bytes, stored_blocks

        data = media_bytes(stored_blocks(window, RATE), media_format, 2, RATE)
        store.put(sid, media_format, key, data)
        return data

    return make


def frozen(window: RecordingWindow) -> RecordingWindow:
    """`window` over copies of the segments it covers: safe to render while the engine goes on
    adding to the live tracks from another thread."""

    def copy(track: Track) -> Track:
        fresh = Track(track.name)
        for segment in track.segments_between(window.start, window.end):
            fresh.add(segment.start, segment.end, segment.source, segment.gain)
        return fresh

    def channel(each: Track | Mix) -> Track | Mix:
        return copy(each) if isinstance(each, Track) else Mix(tuple(map(copy, each.tracks)))

    return replace(window, channels=tuple(channel(each) for each in window.channels))


def _encrypted(
    sim: EngineContext, recording: Recording, fmt: MediaFormat, requested: int | None
) -> Callable[[], bytes]:
    from simtel.audio.codecs import MONO_ON_DUAL_REQUEST, requested_channels, wav_bytes
    from simtel.audio.render import render
    from simtel.engine.recordings.encryption import encrypt_media

    if fmt != "wav":
        raise TwilioError(16109, 400, ENCRYPTED_MP3)
    channels = default_channels(recording)
    if requested is not None and requested != channels:
        if requested == 2 and channels == 1:
            raise TwilioError(16113, 400, MONO_ON_DUAL_REQUEST)
        raise UnsupportedFeature(
            f"RequestedChannels={requested} on an encrypted {channels}-channel recording"
        )
    cached = sim.media.get(recording.sid, "wav", None)
    if cached is not None:
        return lambda: cached
    window = frozen(sim.recorder.window(recording))
    store, sid, seed = sim.media, recording.sid, sim.seed

    def make() -> bytes:
        samples = requested_channels(render(window, RATE), channels)
        data = encrypt_media(seed, sid, wav_bytes(samples, RATE))
        store.put(sid, "wav", None, data)
        return data

    return make


@dataclass(eq=False)
class EncryptionSeal:
    """Recorder completion hook: give a completed recording its `encryption_details`.

    A public key that cannot be used is Twilio's 16105: an error notification is emitted and the
    recording keeps no media (`unsealed`; downloads are 20404), never plaintext.
    """

    sim: EngineContext
    unsealed: set[str] = field(default_factory=set)

    def __call__(self, recording: Recording) -> None:
        account = self.sim.account
        if recording.status != "completed" or account.encryption_public_key is None:
            return
        from simtel.engine.recordings.encryption import seal

        try:
            details = seal(account, self.sim.seed, recording.sid)
        except TwilioError as error:
            self.unsealed.add(recording.sid)
            self.sim.events.emit(
                EventKind.NOTIFICATION,
                recording.sid,
                code=error.code,
                level="error",
                message=error.message,
                error_code=error.code,
                log=0,
            )
            return
        recording.encryption_details = details
        self.sim.events.emit(
            EventKind.RECORDING_UPDATED, recording.sid, encryption_details=dict(details)
        )


def _seal_of(sim: EngineContext) -> EncryptionSeal | None:
    for hook in sim.recorder.on_complete:
        if isinstance(hook, EncryptionSeal) and hook.sim is sim:
            return hook
    return None


def attach_encryption(sim: EngineContext) -> None:
    """Install `EncryptionSeal` on the simulator's recorder (once; calling again does nothing)."""
    if _seal_of(sim) is None:
        sim.recorder.on_complete.append(EncryptionSeal(sim))
