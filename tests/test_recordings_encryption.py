"""Voice Recording Encryption: the downloaded media decrypts with the account's private key, as
Twilio's sample decryptors do it (RSA-OAEP-SHA256 for the CEK, AES-256-GCM for the media)."""

from __future__ import annotations

import base64
import io
from functools import cache

import pytest
import soundfile as sf
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from simtel import CallOptions, Party, RecordingOptions, Simulator, TwilioError, Utterance
from simtel.audio import pitch_of
from simtel.engine.recordings.encryption import oaep_encrypt
from simtel.engine.recordings.media import attach_encryption
from simtel.engine.recordings.recording import Recording
from simtel.events import EventKind

PARTY = "+15550001000"
CALLER = "+15559990000"
PITCH = 190.0
KEY_SID = "CR" + "c" * 32
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@cache
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem() -> bytes:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def encrypted_run(seed: int = 1, channels: str = "mono") -> tuple[Simulator, Recording]:
    sim = Simulator(seed=seed)
    sim.account.encryption_public_key = public_pem()
    sim.account.encryption_key_sid = KEY_SID
    attach_encryption(sim)
    attach_encryption(sim)  # idempotent
    script = (Utterance(0.0, "hello", duration=600.0),)
    sim.set_party(PARTY, Party(talk="script", script=script, hangup_after=9.0, pitch_hz=PITCH))
    recording_options = RecordingOptions(channels=channels, trim="do-not-trim")
    sim.create_call(PARTY, CALLER, CallOptions(record=True, recording=recording_options))
    sim.advance(40.0)
    (recording,) = sim.recorder.recordings.values()
    assert recording.status == "completed"
    return sim, recording


def decrypt(recording: Recording, data: bytes) -> bytes:
    details = recording.encryption_details
    assert details is not None
    cek = private_key().decrypt(base64.b64decode(details["encryption_cek"]), OAEP)
    iv = base64.b64decode(details["encryption_iv"])
    return AESGCM(cek).decrypt(iv, data, None)


def test_downloaded_media_decrypts_to_a_wav_of_the_call() -> None:
    sim, recording = encrypted_run()
    details = recording.encryption_details
    assert details is not None
    assert set(details) == {"encryption_public_key_sid", "encryption_cek", "encryption_iv"}
    assert details["encryption_public_key_sid"] == KEY_SID
    assert len(details["encryption_iv"]) == 16  # 96-bit IV, as in Twilio's examples
    data = sim.recording_media(recording.sid, "wav", None)
    assert not data.startswith(b"RIFF")
    samples, rate = sf.read(io.BytesIO(decrypt(recording, data)), always_2d=True)
    assert (rate, samples.shape) == (8000, (9 * 8000, 1))
    assert pitch_of(samples, rate) == pytest.approx(PITCH, abs=2.0)
    assert sim.recording_media(recording.sid, "wav", None) == data


def test_encryption_details_arrive_in_an_update_event_after_completion() -> None:
    sim, recording = encrypted_run()
    updates = [e.fields for e in sim.events.of(recording.sid, EventKind.RECORDING_UPDATED)]
    statuses = [f.get("status") for f in updates]
    completed = statuses.index("completed")
    sealed = [i for i, f in enumerate(updates) if "encryption_details" in f]
    assert sealed == [completed + 1]
    assert updates[sealed[0]]["encryption_details"] == recording.encryption_details


def test_mp3_of_an_encrypted_recording_is_16109_and_other_layouts_are_refused() -> None:
    sim, recording = encrypted_run(channels="dual")
    with pytest.raises(TwilioError) as error:
        sim.recording_media(recording.sid, "mp3", None)
    assert (error.value.code, error.value.status) == (16109, 400)
    with pytest.raises(TwilioError) as error:
        sim.recording_media(recording.sid, "wav", 1)
    assert error.value.status == 400
    dual = decrypt(recording, sim.recording_media(recording.sid, "wav", 2))
    assert sf.info(io.BytesIO(dual)).channels == 2
    mono_sim, mono = encrypted_run(seed=2)
    with pytest.raises(TwilioError) as error:
        mono_sim.recording_media(mono.sid, "wav", 2)
    assert error.value.code == 16113


def test_encryption_is_deterministic_per_seed_and_plaintext_is_not_cached() -> None:
    first_sim, first = encrypted_run(seed=3)
    again_sim, again = encrypted_run(seed=3)
    _, other = encrypted_run(seed=4)
    assert first.encryption_details == again.encryption_details
    assert first.encryption_details != other.encryption_details
    data = first_sim.recording_media(first.sid, "wav", None)
    assert data == again_sim.recording_media(again.sid, "wav", None)
    assert first_sim.media.variants(first.sid) == [f"{first.sid}.wav"]
    assert first_sim.media.get(first.sid, "wav") == data


def test_oaep_with_a_given_seed_is_standard_oaep() -> None:
    key = private_key()
    message = bytes(range(32))
    wrapped = oaep_encrypt(key.public_key(), message, b"\x07" * 32)
    assert key.decrypt(wrapped, OAEP) == message
    assert wrapped != oaep_encrypt(key.public_key(), message, b"\x08" * 32)
    with pytest.raises(ValueError):
        oaep_encrypt(key.public_key(), b"x" * 200, b"\x07" * 32)


def test_an_unusable_public_key_is_16105_and_leaves_no_media() -> None:
    sim = Simulator(seed=5)
    sim.account.encryption_public_key = b"-----BEGIN PUBLIC KEY-----\nnot a key\n"
    attach_encryption(sim)
    sim.set_party(PARTY, Party(hangup_after=6.0))
    options = RecordingOptions(trim="do-not-trim")
    sim.create_call(PARTY, CALLER, CallOptions(record=True, recording=options))
    sim.advance(40.0)
    (recording,) = sim.recorder.recordings.values()
    (notice,) = sim.events.of(recording.sid, EventKind.NOTIFICATION)
    assert (notice.fields["code"], notice.fields["level"]) == (16105, "error")
    assert recording.encryption_details is None
    with pytest.raises(TwilioError) as error:
        sim.recording_media(recording.sid, "wav", None)
    assert error.value.code == 20404
