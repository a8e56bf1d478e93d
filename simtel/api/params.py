"""Request parameters as Twilio reads them: the form and query of a request (`read_params`),
and their types (`Params`: text, choices, booleans, integers, arrays, date ranges, paging;
`phone_number`, `check_sid`).

* Bodies are `application/x-www-form-urlencoded` (multipart is accepted too); a POST's parameters
  are its query and its body together. Bodies over `MAX_BODY` bytes, more than `MAX_FIELDS`
  fields, or bytes that are not UTF-8 are refused with a 400, never a crash.
* Array parameters (`StatusCallbackEvent`, `RecordingStatusCallbackEvent`) come as repeated keys
  (twilio-python) or as one space-separated value (the docs); both are read.
* Booleans are `true`/`false` (any case); anything else is a 400.
* Date filters: `X` (that GMT day), `X<` and `X>` (the wire form `X<=…`, `X>=…`). A value is a
  date `YYYY-MM-DD` (a whole GMT day) or a datetime `YYYY-MM-DDTHH:MM:SSZ` (an instant).
  `DateCreated` with a datetime still means the GMT day it falls on (twilio-python sends
  `date_created=date(…)` as `…T00:00:00Z`); inequalities with a datetime are exact instants.
  `DateCreated<`/`>` are inclusive; `StartTime<`/`EndTime<` are exclusive, as Twilio documents.
* Paging: `PageSize` 1..1000 (default 50; above 1000 is 20007), `Page` >= 0, `PageToken`.
Unknown parameters are ignored, as Twilio ignores them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.requests import Request

from simtel.api.errors import InvalidParameter
from simtel.errors import NotFound, TwilioError
from simtel.store import DateRange

if TYPE_CHECKING:
    from simtel.clock import Clock

MAX_BODY = 1 << 20
MAX_FIELDS = 1000
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SID_TAIL = re.compile(r"^[0-9a-fA-F]{32}$")
#: E.164: a `+`, a non-zero country code digit, at most 15 digits in all
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


class BodyTooLarge(TwilioError):
    def __init__(self) -> None:
        super().__init__(20001, 413, f"Request body larger than {MAX_BODY} bytes")


def _pairs(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError as error:
        raise InvalidParameter(f"Malformed parameters: {error}") from None


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def read_params(request: Request) -> Params:
    """The query parameters, plus the form body of a POST."""
    try:
        query = request.scope.get("query_string", b"").decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameter("The query string is not UTF-8") from None
    pairs = _pairs(query)
    if request.method in ("POST", "PUT", "PATCH"):
        pairs += await _form(request)
    return Params(pairs)


async def _form(request: Request) -> list[tuple[str, str]]:
    content_type = request.headers.get("content-type", "")
    body = await _body(request)
    if content_type.lower().startswith("multipart/form-data"):
        return await _multipart(request, body)
    try:
        return _pairs(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidParameter("The request body is not UTF-8 form data") from None


async def _multipart(request: Request, body: bytes) -> list[tuple[str, str]]:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    replay = Request(request.scope, receive)
    try:
        form = await replay.form(max_files=0, max_fields=MAX_FIELDS)
    except Exception as error:  # python-multipart raises several unrelated types
        raise InvalidParameter(f"Malformed multipart body: {error}") from None
    return [(key, value) for key, value in form.multi_items() if isinstance(value, str)]


@dataclass(frozen=True, slots=True)
class Paging:
    page_size: int
    page: int
    token: str | None


class Params:
    """One request's parameters, in wire order."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.pairs = list(pairs)

    def get(self, name: str) -> str | None:
        """The first value of `name` (None when absent)."""
        for key, value in self.pairs:
            if key == name:
                return value
        return None

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)

    def text(self, name: str, default: str | None = None, *, max_length: int = 8192) -> str | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        if len(value) > max_length:
            raise InvalidParameter(f"{name} is longer than {max_length} characters")
        return value

    def choice(self, name: str, allowed: Iterable[str], default: str, *, code: int = 20001) -> str:
        value = self.text(name)
        if value is None:
            return default
        options = tuple(allowed)
        if value not in options:
            raise InvalidParameter(
                f"{name} must be one of {', '.join(options)}, not '{value}'", code
            )
        return value

    def method(self, name: str, default: str = "POST", *, code: int = 21209) -> str:
        value = self.text(name)
        if value is None:
            return default
        if value.upper() not in ("GET", "POST"):
            raise InvalidParameter(f"{name} must be GET or POST, not '{value}'", code)
        return value.upper()

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidParameter(f"{name} must be true or false, not '{value}'")

    def integer(
        self, name: str, default: int, *, lo: int, hi: int | None = None, code: int = 20001
    ) -> int:
        value = self.text(name, max_length=20)
        if value is None:
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise InvalidParameter(f"{name} must be an integer, not '{value}'", code) from None
        if number < lo or (hi is not None and number > hi):
            bounds = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            raise InvalidParameter(f"{name} must be {bounds}, not {number}", code)
        return number

    def values(self, name: str) -> list[str]:
        """Every value of an array parameter: repeated keys and space-separated values."""
        found: list[str] = []
        for key, value in self.pairs:
            if key == name:
                found.extend(part for part in value.split() if part)
        return found

    def events(
        self, name: str, allowed: Sequence[str], default: tuple[str, ...], code: int
    ) -> tuple[str, ...]:
        chosen = self.values(name)
        for event in chosen:
            if event not in allowed:
                raise InvalidParameter(
                    f"Invalid '{name}' value '{event}': must be among {', '.join(allowed)}", code
                )
        return tuple(dict.fromkeys(chosen)) if chosen else default

    def echo(self, names: Iterable[str]) -> list[tuple[str, str]]:
        """The given filter parameters as the request sent them (for page URIs)."""
        wanted = set(names)
        return [(key, value) for key, value in self.pairs if key in wanted]

    def paging(self) -> Paging:
        size = self.integer("PageSize", DEFAULT_PAGE_SIZE, lo=1)
        if size > MAX_PAGE_SIZE:
            raise InvalidParameter(f"Page size {size} is larger than {MAX_PAGE_SIZE}", 20007)
        page = self.integer("Page", 0, lo=0, hi=10_000_000)
        token = self.text("PageToken", max_length=200)
        return Paging(size, page, token)

    def date_range(
        self, clock: Clock, name: str, column: str, *, exclusive_before: bool = False
    ) -> DateRange | None:
        """`name`, `name<`, `name>` as one range on `column` (None when none is given)."""
        on, upper, lower = (
            self._moment(name),
            self._moment(f"{name}<"),
            self._moment(f"{name}>"),
        )
        if on is None and upper is None and lower is None:
            return None
        day = on.date() if isinstance(on, datetime) else on
        if exclusive_before:
            return DateRange.from_dates(clock, column, on=day, on_or_after=lower, before=upper)
        return DateRange.from_dates(clock, column, on=day, on_or_after=lower, on_or_before=upper)

    def _moment(self, name: str) -> date | None:
        value = self.text(name, max_length=40)
        return None if value is None else parse_moment(name, value)


def phone_number(value: str, name: str, code: int, *, identities: bool = True) -> str:
    """`value` when it is an E.164 number (or, with `identities`, a `client:NAME` or
    `sip:URI`), else InvalidParameter `code` (Twilio's 21211 for To, 21212 for From, 21421 for
    a PhoneNumber). A number whose leading `+` became a space says so: a `+` sent unencoded in a
    form body is decoded as a space, and Twilio would not see the number meant."""
    if E164.match(value):
        return value
    lowered = value.lower()
    if identities and lowered.startswith(("client:", "sip:")) and len(value.split(":", 1)[1]) > 0:
        return value
    hint = ""
    if value.startswith(" ") and E164.match("+" + value[1:]):
        hint = " (its leading '+' arrived as a space: encode '+' as %2B in a form body)"
    raise InvalidParameter(
        f"Invalid '{name}' Phone Number: '{value}' is not E.164, '+' and up to 15 digits{hint}",
        code,
    )


def parse_moment(name: str, value: str) -> date:
    """`YYYY-MM-DD` as a date; an ISO 8601 datetime (naive = UTC) as an aware datetime."""
    text = value.strip()
    try:
        if _DATE.match(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except (ValueError, OverflowError):
        raise InvalidParameter(
            f"{name} must be a date YYYY-MM-DD or a datetime YYYY-MM-DDTHH:MM:SSZ, not '{value}'"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidParameter(f"{name} is out of range: '{value}'") from None


def check_sid(value: str, prefix: str, path: str) -> str:
    """`value` if it has the shape `prefix` + 32 hex digits; 20404 for `path` otherwise."""
    if len(value) == 34 and value.startswith(prefix) and _SID_TAIL.match(value[2:]):
        return value
    raise NotFound(path)
