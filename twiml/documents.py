"""Turn the answer to a TwiML fetch into a document, following Twilio's MIME rules (§6.0).

* ``text/xml``, ``application/xml``, ``text/html``: parsed as TwiML.
* ``text/plain``: TwiML if it parses, otherwise the text is spoken, then the call hangs up.
* ``audio/*``: the URL is played, then the call hangs up.
* anything else: 12300. A status outside 2xx is 11200, a transport failure keeps the
  engine's code, an empty body is 11770 and a body over 64 KiB is 11750.
"""

from __future__ import annotations

from twiml import verbs as v
from twiml.commands import FetchResult, Notice
from twiml.parse import TwiMLError, parse

HTTP_RETRIEVAL_FAILURE = 11200
BODY_TOO_LARGE = 11750
EMPTY_BODY = 11770
INVALID_CONTENT_TYPE = 12300
MAX_BODY_BYTES = 64 * 1024
TWIML_TYPES = frozenset({"text/xml", "application/xml", "text/html"})


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def document_from(result: FetchResult, requested_url: str) -> v.Document | Notice:
    """The document to run, or the notice explaining why there is none."""
    url = result.url or requested_url
    if result.status is None or result.error_code is not None:
        code = result.error_code or HTTP_RETRIEVAL_FAILURE
        return _error(code, f"HTTP retrieval failure: request to {url} failed", url)
    if not 200 <= result.status < 300:
        message = f"HTTP retrieval failure: {url} answered with status {result.status}"
        return _error(HTTP_RETRIEVAL_FAILURE, message, url)
    kind = media_type(result.content_type)
    if kind.startswith("audio/"):  # media, not TwiML: the media limit applies (the engine's)
        return v.Document(url, (v.Play(url, 1, None), v.Hangup()))
    if len(result.body) > MAX_BODY_BYTES:
        message = f"TwiML response body too large: more than {MAX_BODY_BYTES} bytes (limit 64 KiB)"
        return _error(BODY_TOO_LARGE, message, url)
    if not result.body.strip():
        return _error(EMPTY_BODY, f"Empty response body from {url}", url)
    if kind in TWIML_TYPES:
        try:
            return parse(result.body, url)
        except TwiMLError as exc:
            return exc.notice
    if kind == "text/plain":
        try:
            return parse(result.body, url)
        except TwiMLError:
            return _spoken(result.body, url)
    message = f"Invalid Content-Type {result.content_type!r} from {url}"
    return _error(INVALID_CONTENT_TYPE, message, url)


def _spoken(body: bytes, url: str) -> v.Document:
    text = " ".join(body.decode("utf-8", errors="replace").split())
    return v.Document(url, (v.Say(text, "man", "en-US", 1), v.Hangup()))


def _error(code: int, message: str, url: str) -> Notice:
    return Notice(code, "error", message, None, url)
