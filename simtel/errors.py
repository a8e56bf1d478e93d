"""The error vocabulary: every failure simtel reports carries Twilio's code or a file:line.

`TwilioError` is what the engine raises when a command is refused (the REST layer turns it into
Twilio's JSON error body); `ScenarioError` is what the scenario loader raises for a bad file.
"""

from __future__ import annotations

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class SimtelError(Exception):
    """Root of every error simtel raises on purpose."""


class TwilioError(SimtelError):
    """A refusal with Twilio's error code, the HTTP status the API answers, and its message."""

    def __init__(self, code: int, status: int, message: str) -> None:
        super().__init__(code, status, message)
        self.code = code
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def more_info(self) -> str:
        return MORE_INFO.format(code=self.code)

    def to_json(self) -> dict[str, object]:
        """Twilio's 2010 error body.

        No `type`/`title`, so twilio-python raises TwilioRestException, not the RFC 9457 kind.
        """
        return {
            "code": self.code,
            "message": self.message,
            "more_info": self.more_info,
            "status": self.status,
        }


class NotFound(TwilioError):
    """20404 with Twilio's message naming the requested resource path."""

    def __init__(self, resource: str) -> None:
        super().__init__(20404, 404, f"The requested resource {resource} was not found")
        self.args = (resource,)  # so copies (SimPy re-raising, pickling) rebuild the same error


class InvalidCallState(TwilioError):
    """21220: a realtime operation on a call that is not in progress."""

    def __init__(self, call_sid: str, status: str) -> None:
        super().__init__(
            21220,
            400,
            f"Call {call_sid} is not in-progress (status {status}). Calls that have completed "
            "cannot be recorded or redirected",
        )
        self.args = (call_sid, status)


class ScenarioError(SimtelError):
    """A scenario file that cannot be run, located by file and line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


class UnsupportedFeature(TwilioError):
    """A parameter or feature simtel does not simulate: said out loud, never silently ignored."""

    def __init__(self, what: str, code: int = 20001, status: int = 400) -> None:
        super().__init__(code, status, f"{what} is not supported by simtel")
        self.args = (what, code, status)
