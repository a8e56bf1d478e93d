"""Typed, validated attribute values for one element, driven by :mod:`twiml.schema`.

An invalid value gives a notice with the attribute's code and the default is used instead
(Twilio's behaviour for WARNING codes). ERROR-level notices are collected too; the verb that
carries one ends the call when it is reached. Unknown attributes give a 12200 warning naming
them; attributes simtel does not simulate give a 12200 warning saying they are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypedDict
from urllib.parse import SplitResult, urljoin, urlsplit

from twiml.commands import Level, Notice
from twiml.schema import SCHEMA_WARNING, AttrSpec, ElementSpec

INVALID_URL = 11100
_Parser = Callable[[AttrSpec, str], object]


class Invalid(Exception):
    """A value that does not fit its attribute; the message says why."""


class Clamped(Invalid):
    """An out-of-range value Twilio brings into range (``value``) with a warning."""

    def __init__(self, message: str, value: int) -> None:
        super().__init__(message)
        self.value = value


class StatusCallback(TypedDict):
    """``statusCallback``, its events and method, named as the commands' fields are."""

    status_callback: str | None
    status_callback_event: tuple[str, ...]
    status_callback_method: str


class RecordingCallback(TypedDict):
    """``recordingStatusCallback``, its method and events, named as the commands' fields are."""

    recording_status_callback: str | None
    recording_status_callback_method: str
    recording_status_callback_event: tuple[str, ...]


class AttributeReader:
    """Reads ``attrs`` of one element; collects notices in :attr:`notices`."""

    def __init__(
        self,
        spec: ElementSpec,
        attrs: Mapping[str, str],
        line: int | None,
        base_url: str | None,
    ) -> None:
        self.spec = spec
        self.attrs = attrs
        self.line = line
        self.base_url = base_url
        self.notices: list[Notice] = []
        self._check_names()

    def notice(self, code: int, message: str, level: Level = "warning") -> None:
        self.notices.append(Notice(code, level, message, self.line, self.base_url))

    def _check_names(self) -> None:
        element = self.spec.path.rsplit("/", 1)[-1]
        for name in self.attrs:
            found = self.spec.attribute(name)
            if found is None:
                self.notice(SCHEMA_WARNING, f"<{element}> has unknown attribute '{name}'")
            elif not found.supported:
                self.notice(
                    SCHEMA_WARNING,
                    f"<{element}> attribute '{name}' is not simulated by simtel; ignored",
                )

    # --- typed getters: each returns the validated value, else the parsed default --------

    def text(self, name: str) -> str | None:
        value = self._read(name, lambda spec, raw: raw)
        return None if value is None else str(value)

    def flag(self, name: str) -> bool:
        return bool(self._required(name, _parse_bool))

    def integer(self, name: str) -> int:
        value = self._required(name, _parse_int)
        assert isinstance(value, int)
        return value

    def optional_integer(self, name: str) -> int | None:
        value = self._read(name, _parse_int)
        return value if isinstance(value, int) else None

    def choice(self, name: str) -> str:
        value = self._required(name, _parse_choice)
        return str(value)

    def optional_choice(self, name: str) -> str | None:
        value = self._read(name, _parse_choice)
        return None if value is None else str(value)

    def method(self, name: str) -> str:
        return str(self._required(name, _parse_method))

    def events(self, name: str) -> tuple[str, ...]:
        value = self._read(name, _parse_events)
        return value if isinstance(value, tuple) else ()

    def keys(self, name: str) -> str | None:
        value = self._read(name, _parse_keys)
        return None if value is None else str(value)

    def url(self, name: str) -> str | None:
        """An absolute URL, resolved against the document URL; ``""`` stays ``""``."""
        raw = self._read(name, _parse_url)
        if raw is None or raw == "":
            return None if raw is None else ""
        return self.resolve(str(raw))

    def status_callback(self) -> StatusCallback:
        """The ``statusCallback*`` attributes (read in that order: URL, events, method)."""
        return {
            "status_callback": self.url("statusCallback") or None,
            "status_callback_event": self.events("statusCallbackEvent"),
            "status_callback_method": self.method("statusCallbackMethod"),
        }

    def recording_callback(self) -> RecordingCallback:
        """The ``recordingStatusCallback*`` attributes (read in that order: URL, method,
        events)."""
        return {
            "recording_status_callback": self.url("recordingStatusCallback") or None,
            "recording_status_callback_method": self.method("recordingStatusCallbackMethod"),
            "recording_status_callback_event": self.events("recordingStatusCallbackEvent"),
        }

    def resolve(self, raw: str) -> str | None:
        """Resolve ``raw`` against the document URL; a relative URL without one is 11100."""
        parts = _split(raw)
        if parts is not None and parts.scheme in ("http", "https") and parts.netloc:
            return raw
        if parts is None or parts.scheme or any(ch.isspace() for ch in raw):
            self.notice(INVALID_URL, f"'{raw}' is not an http(s) URL", "error")
            return None
        if self.base_url is None:
            self.notice(
                INVALID_URL,
                f"relative URL '{raw}' needs an absolute document URL (inline TwiML)",
                "error",
            )
            return None
        return urljoin(self.base_url, raw)

    # --- machinery ----------------------------------------------------------------------

    def _spec(self, name: str) -> AttrSpec:
        spec = self.spec.attribute(name)
        if spec is None:
            raise KeyError(f"{self.spec.path} has no attribute {name} in the schema")
        return spec

    def _required(self, name: str, parse: _Parser) -> object:
        value = self._read(name, parse)
        if value is None:
            raise KeyError(f"{self.spec.path}.{name} has no default in the schema")
        return value

    def _read(self, name: str, parse: _Parser) -> object:
        spec = self._spec(name)
        default = None if spec.default is None else parse(spec, spec.default)
        raw = self.attrs.get(name)
        if raw is None:
            return default
        element = self.spec.path.rsplit("/", 1)[-1]
        try:
            return parse(spec, raw)
        except Clamped as exc:
            message = f"<{element}> {name}={raw!r} is out of range: {exc}; using {exc.value}"
            self.notice(spec.code, message, spec.level)
            return exc.value
        except Invalid as exc:
            shown = "none" if spec.default is None else repr(spec.default)
            self.notice(
                spec.code,
                f"<{element}> {name}={raw!r} is invalid: {exc}; using default {shown}",
                spec.level,
            )
            return default


def _parse_bool(spec: AttrSpec, raw: str) -> object:
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise Invalid("must be true or false")
    return lowered == "true"


#: digits an integer attribute may have (leading zeros aside); longer ones are out of range
#: without being converted (Python refuses to convert more than 4,300 digits at all)
MAX_INT_DIGITS = 18


def _parse_int(spec: AttrSpec, raw: str) -> object:
    text = raw.strip()
    if not text.lstrip("-").isdigit():
        raise Invalid("must be an integer")
    low, high = spec.minimum, spec.maximum
    if len(text.lstrip("-").lstrip("0")) > MAX_INT_DIGITS:
        bound = low if text.startswith("-") else high
        if bound is None:
            raise Invalid(f"has more than {MAX_INT_DIGITS} digits")
        value = bound - 1 if text.startswith("-") else bound + 1
    else:
        value = int(text)
    if low is not None and value < low:
        raise (
            Clamped(f"must be at least {low}", low)
            if spec.clamp
            else Invalid(f"must be at least {low}")
        )
    if high is not None and value > high:
        raise (
            Clamped(f"must be at most {high}", high)
            if spec.clamp
            else Invalid(f"must be at most {high}")
        )
    return value


def _parse_choice(spec: AttrSpec, raw: str) -> object:
    value = dict(spec.aliases).get(raw.strip(), raw.strip())
    if value not in spec.choices:
        raise Invalid("must be one of " + ", ".join(spec.choices))
    return value


def _parse_method(spec: AttrSpec, raw: str) -> object:
    value = raw.strip().upper()
    if value not in spec.choices:
        raise Invalid("must be GET or POST")
    return value


def _parse_events(spec: AttrSpec, raw: str) -> object:
    values = tuple(part for part in raw.replace(",", " ").split() if part)
    wrong = [value for value in values if value not in spec.choices]
    if wrong or not values:
        raise Invalid("allowed values are " + " ".join(spec.choices))
    return tuple(dict.fromkeys(values))


def _parse_keys(spec: AttrSpec, raw: str) -> object:
    allowed = spec.choices[0]
    if any(key not in allowed for key in raw):
        raise Invalid(f"allowed characters are {allowed}")
    if spec.maximum is not None and len(raw) > spec.maximum:
        raise Invalid(f"at most {spec.maximum} character(s)")
    return raw


def _parse_url(spec: AttrSpec, raw: str) -> object:
    text = raw.strip()
    if text == "":
        return ""
    parts = _split(text)
    if parts is None:
        raise Invalid("is not a URL")
    if parts.scheme and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise Invalid("must be an http(s) URL or a relative URL")
    if any(ch.isspace() for ch in text):
        raise Invalid("must not contain whitespace")
    return text


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    return parts
