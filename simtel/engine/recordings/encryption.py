"""Voice Recording Encryption: the hybrid scheme Twilio documents, made deterministic.

Twilio's steps (twilio.com/docs/voice/tutorials/voice-recording-encryption):
1. a random 256-bit Content Encryption Key (CEK) per recording;
2. the media encrypted with the CEK using AES256-GCM (a 96-bit IV; the 16-byte tag follows the
   ciphertext, as Java's `AES/GCM/NoPadding` and Twilio's sample decryptors expect);
3. the CEK encrypted with the account's public key using RSAES-OAEP-SHA256-MGF1.
The Recording resource then carries `encryption_details`:
`{"encryption_public_key_sid": "CR…", "encryption_cek": base64, "encryption_iv": base64}` (the
shape of the OpenAPI examples; the IV is 16 base64 characters there, i.e. 12 bytes).

Determinism: the CEK, the IV and the OAEP seed are drawn from HMAC-SHA256 over the simulation
seed and the recording SID, never from the OS. OAEP is randomised only through its seed, so
encoding it here (RFC 8017 §7.1.1) with a derived seed gives standard OAEP any library decrypts,
and the same run gives the same bytes, golden event logs included.

Only the CEK and IV are fixed at completion (`seal`); the ciphertext is made when media is first
fetched (`encrypt_media`), so an encrypted run still renders nothing it is not asked for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from simtel.account import Account
from simtel.errors import TwilioError

CEK_BYTES = 32
IV_BYTES = 12
_HASH_BYTES = hashlib.sha256().digest_size


@dataclass(frozen=True, slots=True)
class ContentKey:
    """The per-recording secrets: the CEK and IV (both derived, never stored in the resource)."""

    cek: bytes
    iv: bytes


def derive(seed: int, recording_sid: str, purpose: str, size: int) -> bytes:
    """`size` pseudo-random bytes for `purpose`, fixed by the seed and the recording SID."""
    key = f"simtel-encryption-{seed}".encode()
    out = b""
    counter = 0
    while len(out) < size:
        message = f"{purpose}:{recording_sid}:{counter}".encode()
        out += hmac.new(key, message, hashlib.sha256).digest()
        counter += 1
    return out[:size]


def content_key(seed: int, recording_sid: str) -> ContentKey:
    return ContentKey(
        derive(seed, recording_sid, "cek", CEK_BYTES), derive(seed, recording_sid, "iv", IV_BYTES)
    )


def public_key_sid(account: Account) -> str:
    """The account's `CR…` key SID; one derived from the PEM when none was configured."""
    if account.encryption_key_sid is not None:
        return account.encryption_key_sid
    pem = account.encryption_public_key or b""
    return "CR" + hashlib.sha256(pem).hexdigest()[:32]


def load_public_key(pem: bytes) -> RSAPublicKey:
    """The account's RSA public key; 16105 ("no valid public keys") for anything else."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as error:
        raise TwilioError(
            16105, 400, f"Voice Recording: no valid public key for encryption ({error})"
        ) from error
    if not isinstance(key, RSAPublicKey):
        raise TwilioError(16105, 400, "Voice Recording: the encryption public key must be RSA")
    return key


def seal(account: Account, seed: int, recording_sid: str) -> dict[str, str]:
    """The `encryption_details` of one recording: its CEK wrapped for the account's key."""
    assert account.encryption_public_key is not None
    key = load_public_key(account.encryption_public_key)
    secrets = content_key(seed, recording_sid)
    oaep_seed = derive(seed, recording_sid, "oaep", _HASH_BYTES)
    wrapped = oaep_encrypt(key, secrets.cek, oaep_seed)
    return {
        "encryption_public_key_sid": public_key_sid(account),
        "encryption_cek": base64.b64encode(wrapped).decode("ascii"),
        "encryption_iv": base64.b64encode(secrets.iv).decode("ascii"),
    }


def encrypt_media(seed: int, recording_sid: str, plaintext: bytes) -> bytes:
    """AES-256-GCM of the media with the recording's CEK and IV: ciphertext followed by tag."""
    secrets = content_key(seed, recording_sid)
    return AESGCM(secrets.cek).encrypt(secrets.iv, plaintext, None)


# -- RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8017 §7.1.1), seed supplied -----------------
def _mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def oaep_encrypt(key: RSAPublicKey, message: bytes, seed: bytes, label: bytes = b"") -> bytes:
    """OAEP-encode `message` with the given `seed`, then raw RSA. Decrypts with any standard
    `OAEP(MGF1(SHA256), SHA256, label=None)` implementation."""
    numbers = key.public_numbers()
    k = (key.key_size + 7) // 8
    h = _HASH_BYTES
    if len(message) > k - 2 * h - 2:
        raise ValueError("message too long for RSA-OAEP with this key")
    if len(seed) != h:
        raise ValueError(f"OAEP seed must be {h} bytes")
    padding = b"\x00" * (k - len(message) - 2 * h - 2)
    data_block = hashlib.sha256(label).digest() + padding + b"\x01" + message
    masked_block = _xor(data_block, _mgf1(seed, k - h - 1))
    masked_seed = _xor(seed, _mgf1(masked_block, h))
    encoded = int.from_bytes(b"\x00" + masked_seed + masked_block, "big")
    return pow(encoded, numbers.e, numbers.n).to_bytes(k, "big")
