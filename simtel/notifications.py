"""What Twilio's debugger would show: the notifications of a run, and the assertion tests use.

Every `notification` event (an error or warning with Twilio's code, its message, and the TwiML
line or URL it is about) becomes a `Notification`. `app_errors` picks the ones that mean the app
under test did something wrong: every error-level notification, and every warning whose code is
an application-side one (11xxx HTTP retrieval, 12xxx TwiML parsing, 13xxx TwiML verbs).
`assert_no_errors` fails with one line per such notification.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simtel.events import Event, EventKind

#: warnings in these code ranges count as app errors (Twilio's 11xxx, 12xxx and 13xxx)
APP_CODE_RANGES = (range(11000, 12000), range(12000, 13000), range(13000, 14000))


@dataclass(frozen=True, slots=True)
class Notification:
    """One debugger notification: `level` is `error` or `warning`; `line` the TwiML line (or
    None), `url` the document or request URL it is about (or None)."""

    t: float
    sid: str
    code: int
    level: str
    message: str
    line: int | None = None
    url: str | None = None

    def __str__(self) -> str:
        where = f" (TwiML line {self.line})" if self.line is not None else ""
        url = f" at {self.url}" if self.url and self.url not in self.message else ""
        return f"{self.level} {self.code}: {self.message}{where}{url} [{self.sid}, t={self.t:g}]"

    @property
    def is_app_error(self) -> bool:
        return self.level == "error" or any(self.code in codes for codes in APP_CODE_RANGES)


class AppErrors(AssertionError):
    """Raised by `assert_no_errors`: the message lists each notification, one per line."""

    def __init__(self, found: list[Notification]) -> None:
        lines = "\n".join(f"  {n}" for n in found)
        noun = "notification" if len(found) == 1 else "notifications"
        super().__init__(f"{len(found)} error {noun} from the simulated Twilio:\n{lines}")
        self.notifications = found


def notifications_in(events: Iterable[Event]) -> list[Notification]:
    """The notifications among `events`, in order."""
    return [notification(e.t, e.sid, e.fields) for e in events if e.kind == EventKind.NOTIFICATION]


def app_errors(found: Iterable[Notification]) -> list[Notification]:
    return [n for n in found if n.is_app_error]


def assert_no_errors(found: Iterable[Notification]) -> None:
    """Raise `AppErrors` when any of `found` is an app error (see the module doc)."""
    __tracebackhide__ = True
    errors = app_errors(found)
    if errors:
        raise AppErrors(errors)


def notification(t: float, sid: str, fields: Mapping[str, Any]) -> Notification:
    """The notification a `notification` event (at `t`, about `sid`, with `fields`) logs."""
    line = fields.get("line")
    return Notification(
        t=t,
        sid=sid,
        code=int(fields.get("code") or 0),
        level=str(fields.get("level") or "error"),
        message=str(fields.get("message") or ""),
        line=int(line) if line is not None else None,
        url=fields.get("url"),
    )
