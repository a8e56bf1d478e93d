"""A small voicemail app, as you would write it for Twilio: Starlette, TwiML, two callbacks.

    POST /voice             a call comes in: greet, then <Record> (the caller's message)
    POST /recorded          <Record action>: Twilio hands over the RecordingSid; say goodbye
    POST /recording-status  recordingStatusCallback: in-progress / completed / absent

Each message is kept in a `Mailbox` by RecordingSid. Nothing here knows about simtel: point a
Twilio number's voice URL at /voice and it runs against Twilio; `test_voicemail_app.py` runs it
against simtel in process, and `serve_voicemail.py` over HTTP.

    uvicorn examples.voicemail_app:app --port 5000
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

GREETING = "You have reached the support line. Please leave a message after the beep."
GOODBYE = "Thank you for your message. Goodbye."
MAX_LENGTH = 30
SILENCE_TIMEOUT = 4


@dataclass
class Message:
    recording_sid: str
    call_sid: str
    caller: str
    url: str = ""
    duration: int | None = None
    status: str = "in-progress"
    callbacks: list[str] = field(default_factory=list)


@dataclass
class Mailbox:
    messages: dict[str, Message] = field(default_factory=dict)

    def message(self, form: dict[str, str]) -> Message:
        sid = form["RecordingSid"]
        if sid not in self.messages:
            self.messages[sid] = Message(sid, form.get("CallSid", ""), form.get("From", ""))
        return self.messages[sid]


def twiml(body: str) -> Response:
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        media_type="application/xml",
    )


def create_app(mailbox: Mailbox | None = None) -> Starlette:
    box = mailbox if mailbox is not None else Mailbox()

    async def voice(request: Request) -> Response:
        return twiml(
            f"<Say>{GREETING}</Say>"
            f'<Record action="/recorded" method="POST" maxLength="{MAX_LENGTH}" '
            f'timeout="{SILENCE_TIMEOUT}" finishOnKey="#" playBeep="true" '
            'recordingStatusCallback="/recording-status" '
            'recordingStatusCallbackEvent="in-progress completed absent"/>'
            "<Say>We did not get a message. Goodbye.</Say>"
        )

    async def recorded(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        message = box.message(form)
        message.url = form.get("RecordingUrl", "")
        return twiml(f"<Say>{GOODBYE}</Say><Hangup/>")

    async def recording_status(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        message = box.message(form)
        message.status = form["RecordingStatus"]
        message.callbacks.append(message.status)
        message.url = form.get("RecordingUrl") or message.url
        if form.get("RecordingDuration"):
            message.duration = int(form["RecordingDuration"])
        return Response(status_code=204)

    app = Starlette(
        routes=[
            Route("/voice", voice, methods=["POST"]),
            Route("/recorded", recorded, methods=["POST"]),
            Route("/recording-status", recording_status, methods=["POST"]),
        ]
    )
    app.state.mailbox = box
    return app


app = create_app()
