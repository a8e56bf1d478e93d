"""The accounts a simulation runs under (the main account and its subaccounts), and the phone
numbers they own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Account:
    """SID and auth token (the Basic-auth credentials and the webhook signing key).

    `media_auth` is the "enforce HTTP auth on media URLs" setting (required for HIPAA workloads);
    `encryption_public_key` is the PEM of the Call Recording Encryption key, when configured.
    `dual_channel_conference_recordings` stores conference recordings dual (the first participant
    on channel 1, everyone else on 2; downloads mono unless `RequestedChannels=2`), as Twilio's
    2025 changelog describes; off by default, where the seed has them single-channel (a dual
    download is Not Found).
    """

    sid: str
    auth_token: str
    friendly_name: str = "simtel"
    media_auth: bool = False
    encryption_public_key: bytes | None = None
    encryption_key_sid: str | None = None
    dual_channel_conference_recordings: bool = False
    #: the Accounts resource (`simtel.accounts`): None for the main account, which owns itself
    owner_account_sid: str | None = None
    status: str = "active"
    date_created: float = 0.0
    date_updated: float = 0.0

    @property
    def is_main(self) -> bool:
        return self.owner_account_sid is None

    @property
    def owner(self) -> str:
        """`owner_account_sid` as Twilio shows it: a main account is its own owner."""
        return self.owner_account_sid or self.sid


@dataclass(slots=True)
class PhoneNumber:
    """An IncomingPhoneNumber: where inbound calls to `phone_number` get their TwiML."""

    sid: str
    phone_number: str
    voice_url: str | None = None
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    friendly_name: str | None = None
    twiml: str | None = None
    #: the account that owns the number (None: the main account)
    account_sid: str | None = None
