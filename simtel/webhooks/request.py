"""A webhook request, what came of it, and the signed HTTP request Twilio sends for it.

`WebhookRequest` is what the engine asks for (URL, method, parameters, purpose, the SID it is
about); `WebhookOutcome` what the delivery (`simtel.webhooks.dispatcher`) answers. `RequestSigner`
builds the HTTP request of one hop: POST sends the parameters form-encoded in the given order
(repeated keys kept), GET appends them to the query string; headers `X-Twilio-Signature` (over
the exact URL requested, query included, fragment removed), `User-Agent`, `Accept: */*` and, for
POST, `Content-Type: application/x-www-form-urlencoded`. The signing key is the auth token of
the account the request is for (subaccounts sign with their own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from simtel.webhooks.exchange import HttpRequest, HttpResponse, TransportFailure
from simtel.webhooks.form import form_encode
from simtel.webhooks.signing import SIGNATURE_HEADER, compute_signature

TWIML_PURPOSES = frozenset({"voice", "fallback", "action", "redirect", "whisper", "wait"})
CALLBACK_PURPOSES = frozenset(
    {
        "status-callback",
        "recording-status-callback",
        "transcribe-callback",
        "conference-status-callback",
        "partial-result-callback",
    }
)
#: `<Play>` and wait-music audio (`simtel.webhooks.media`): logged without its body
MEDIA_PURPOSE = "media"
PURPOSES = TWIML_PURPOSES | CALLBACK_PURPOSES | {MEDIA_PURPOSE}
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """A request to the user's app. `url` may carry a connection-override fragment; `sid` is the
    resource the request is about (the call, conference or recording), used to key the log."""

    url: str
    method: str
    params: tuple[tuple[str, str], ...]
    purpose: str
    sid: str

    def __post_init__(self) -> None:
        if self.method not in ("GET", "POST"):
            raise ValueError(f"webhook method must be GET or POST, not {self.method!r}")
        if self.purpose not in PURPOSES:
            raise ValueError(f"unknown webhook purpose {self.purpose!r}")


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    """What came of a delivery: the last response (after redirects) or the failure that left none,
    the number of attempts made, and the simulated seconds they took."""

    response: HttpResponse | None
    failure: TransportFailure | None
    attempts: int
    latency: float

    @property
    def ok(self) -> bool:
        """A 2xx or 3xx answer (a 3xx reaching here had nothing to follow)."""
        return self.response is not None and 200 <= self.response.status < 400

    @property
    def error_code(self) -> int | None:
        """The failure's code, 11200 (HTTP retrieval failure) for a >= 400 answer, else None."""
        if self.failure is not None:
            return self.failure.error_code
        if self.response is not None and self.response.status >= 400:
            return 11200
        return None


class RequestSigner:
    """Builds and signs the HTTP requests Twilio would send (the dispatcher's base: each hop of
    a delivery is one `build`).

    `auth_token` signs by default; `tokens`, when given, is the auth token of an account by SID
    (subaccounts: `simtel.accounts`)."""

    def __init__(
        self,
        auth_token: str,
        user_agent: str = "TwilioProxy/1.1",
        tokens: Callable[[str], str] | None = None,
    ) -> None:
        self.auth_token = auth_token
        #: the auth token of an account by SID (subaccounts: `simtel.accounts`)
        self.tokens = tokens
        self.user_agent = user_agent

    def build(
        self,
        url: str,
        method: str,
        params: tuple[tuple[str, str], ...],
        token: str | None = None,
    ) -> HttpRequest:
        """The signed HTTP request Twilio would send (`url` without fragment), signed with
        `token` (default: `signing_token(params)`)."""
        headers = [("Host", _host(url)), ("User-Agent", self.user_agent), ("Accept", "*/*")]
        token = token or self.signing_token(params)
        if method == "GET":
            if params:
                url = url + ("&" if "?" in url else "?") + form_encode(params)
            headers.append((SIGNATURE_HEADER, compute_signature(url, None, token)))
            return HttpRequest(method, url, tuple(headers))
        headers.append(("Content-Type", FORM_CONTENT_TYPE))
        headers.append((SIGNATURE_HEADER, compute_signature(url, params, token)))
        return HttpRequest(method, url, tuple(headers), form_encode(params).encode("ascii"))

    def signing_token(self, params: tuple[tuple[str, str], ...], about: str = "") -> str:
        """The key of a request's signature: the auth token of the account its `AccountSid`
        names (a subaccount's webhooks are signed with the subaccount's token, as Twilio signs
        them); without one (a media fetch), of the account that owns `about`, the SID the
        request is about; else `auth_token`."""
        if self.tokens is None:
            return self.auth_token
        for name, value in params:
            if name == "AccountSid":
                return self.tokens(value)
        return self.tokens(about) if about else self.auth_token


@lru_cache(maxsize=1024)
def _host(url: str) -> str:
    """The Host header: the URL's host[:port] as written, without credentials."""
    netloc = url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    return netloc.rsplit("@", 1)[-1]
