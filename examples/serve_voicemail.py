"""The voicemail app driven over real HTTP: simtel's server on one loopback port, the app on
another, the official twilio client pointed at simtel.

    python examples/serve_voicemail.py

1. start `simtel.server.Server` (the REST API and `/_simtel` control API, manual clock);
2. run `voicemail_app` under uvicorn on a second loopback port;
3. buy the support line with the twilio client, its voice URL on the app;
4. place an inbound call through `POST /_simtel/calls` (the caller speaks at 8 s for 5 s);
5. advance simulated time through `POST /_simtel/clock/advance` (webhooks go to the app
   over HTTP meanwhile, signed as Twilio signs them);
6. list the recordings with the twilio client and print them.

Everything stays on 127.0.0.1 and is bounded in time (`DEADLINE` wall seconds per step).
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from twilio.rest import Client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from voicemail_app import Mailbox, create_app

from simtel import Simulator
from simtel.server import Server

SUPPORT_LINE = "+15550001000"
CALLER = "+15557654321"
DEADLINE = 20.0


class AppServer:
    """uvicorn serving `app` on a free loopback port, from a background thread."""

    def __init__(self, app: object) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False)  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def __enter__(self) -> AppServer:
        self.thread.start()
        deadline = time.monotonic() + DEADLINE
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the voicemail app did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(DEADLINE)
        self.socket.close()


def main() -> int:
    mailbox = Mailbox()
    with Simulator(seed=1) as sim, Server(sim) as simtel, AppServer(create_app(mailbox)) as app:
        auth = (sim.account.sid, sim.account.auth_token)
        twilio = Client(*auth)
        twilio.api.base_url = simtel.url
        twilio.incoming_phone_numbers.create(
            phone_number=SUPPORT_LINE, voice_url=f"{app.url}/voice"
        )
        with httpx.Client(base_url=simtel.url, auth=auth, timeout=DEADLINE) as control:
            call = (
                control.post(
                    "/_simtel/calls",
                    data={"From": CALLER, "To": SUPPORT_LINE, "Say": "8:hi it is ana call me back"},
                )
                .raise_for_status()
                .json()
            )
            print(f"placed {call['sid']} from {CALLER} to {SUPPORT_LINE}")
            clock = control.post("/_simtel/clock/advance", data={"Seconds": "120"})
            print(f"simulated clock now at t={clock.raise_for_status().json()['t']:.0f} s")
        recordings = twilio.recordings.list()
        for recording in recordings:
            print(
                f"recording {recording.sid}: status={recording.status} "
                f"duration={recording.duration}s source={recording.source} "
                f"channels={recording.channels} call={recording.call_sid}"
            )
        for message in mailbox.messages.values():
            print(f"the app saw {message.recording_sid}: callbacks {', '.join(message.callbacks)}")
        return 0 if recordings else 1


if __name__ == "__main__":
    sys.exit(main())
