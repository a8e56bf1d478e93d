"""Twilio's error bodies, and the wrapper that makes every 2010 endpoint answer with them.

Every failure of a request under `/2010-04-01/` is a `TwilioError` by the time it leaves simtel:
JSON `{code, message, more_info, status}` (no `type`/`title`, so twilio-python raises
`TwilioRestException`), or `<TwilioResponse><RestException>…` for `.xml` and suffix-less paths.
Starlette's own 404 and 405 become 20404 and 20004. Anything unexpected is logged and answered
as a Twilio-style 500; the API tests assert that never happens.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from simtel.errors import NotFound, TwilioError

log = logging.getLogger("simtel.api")

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"

Endpoint = Callable[[Request], Awaitable[Response]]


class InvalidParameter(TwilioError):
    """A request parameter with a value Twilio would refuse (HTTP 400)."""

    def __init__(self, message: str, code: int = 20001) -> None:
        super().__init__(code, 400, message)


class MethodNotAllowed(TwilioError):
    def __init__(self, method: str, path: str) -> None:
        super().__init__(20004, 405, f"Method {method} not allowed on {path}")


class InternalError(TwilioError):
    def __init__(self) -> None:
        super().__init__(20500, 500, "An internal server error occurred (see the simtel log)")


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """`value` as text XML 1.0 can carry (characters it forbids become U+FFFD)."""
    return _NOT_XML.sub("\ufffd", str(value))


def request_path(request: Request) -> str:
    """The decoded path (never `request.url`, which fails on a query string that is not UTF-8)."""
    return str(request.scope.get("path", ""))


SUFFIXES = frozenset({"json", "xml", "csv", "wav", "mp3"})


def split_suffix(name: str) -> tuple[str, str]:
    """`RE….json` -> (`RE…`, `json`); no known suffix -> (name, "") (so `Twilio.CURRENT` stays
    whole)."""
    stem, dot, ext = name.rpartition(".")
    return (stem, ext) if dot and stem and ext in SUFFIXES else (name, "")


def error_response(error: TwilioError, fmt: str = "json") -> Response:
    """The body Twilio sends for `error`, as JSON or XML."""
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if error.status == 401 else None
    if fmt == "xml":
        root = ET.Element("TwilioResponse")
        exception = ET.SubElement(root, "RestException")
        for tag, value in (
            ("Code", error.code),
            ("Message", error.message),
            ("MoreInfo", error.more_info),
            ("Status", error.status),
        ):
            ET.SubElement(exception, tag).text = xml_text(value)
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return Response(body, error.status, headers=headers, media_type=XML_TYPE)
    text = json.dumps(error.to_json())
    return Response(text, error.status, headers=headers, media_type=JSON_TYPE)


def format_of(path: str) -> str:
    """The error format a path asks for: JSON for `.json` (and simtel's own paths), else XML."""
    if path.startswith("/2010-04-01/") and not path.endswith(".json"):
        return "xml"
    return "json"


def guarded(handler: Endpoint, fmt: Callable[[Request], str]) -> Endpoint:
    """Run `handler`; render its `TwilioError` (or any crash, as a 500) Twilio's way."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except TwilioError as error:
            return error_response(error, fmt(request))
        except Exception:  # the last resort: logged, never a stack trace to the client
            log.exception("unhandled error on %s %s", request.method, request_path(request))
            return error_response(InternalError(), fmt(request))

    return endpoint


async def http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's routing errors (no route, wrong method) as Twilio errors."""
    path = request_path(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    error: TwilioError
    if status == 404:
        error = NotFound(path)
    elif status == 405:
        error = MethodNotAllowed(request.method, path)
    else:
        detail = exc.detail if isinstance(exc, HTTPException) else "error"
        error = TwilioError(20001 if status < 500 else 20500, status, str(detail))
    return error_response(error, format_of(path))


async def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request_path(request), exc_info=exc)
    return error_response(InternalError(), format_of(request_path(request)))


def handlers() -> dict[int | type[Exception], Callable[[Request, Exception], Awaitable[Response]]]:
    return {404: http_exception, 405: http_exception, HTTPException: http_exception}
