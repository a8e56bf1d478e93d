"""What the console can do, each one request to simtel's REST or control API (in process).

The form fields are the API's own parameter names, so an action is exactly what the API would
do with them: its validation, its Twilio error codes, its engine commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request

from simtel.console.site import Outcome, realtime_clock

if TYPE_CHECKING:
    from simtel.console.site import Site

#: what the clock buttons may ask for at once (a day)
MAX_ADVANCE = 86_400.0
PARTY_FIELDS = ("AnswerAfter", "HangupAfter", "Talk", "Digits", "DigitsAt")
RECORDING_STATUSES = ("paused", "in-progress", "stopped")


def _pick(form: Mapping[str, str], *names: str) -> dict[str, str]:
    return {name: form[name] for name in names if form.get(name, "").strip()}


async def advance(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    seconds = form.get("Seconds", "").strip()
    try:
        value = float(seconds)
    except ValueError:
        return False, f"Seconds must be a number, not {seconds!r}"
    if not 0 <= value <= MAX_ADVANCE:
        return False, f"Seconds must be between 0 and {MAX_ADVANCE:.0f}"
    answer = await site.api.post("/_simtel/clock/advance", {"Seconds": seconds})
    return site.outcome(answer, f"advanced {value:g} s")


async def pace(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    """Pause or play a realtime clock (`simtel serve --clock realtime`)."""
    clock = realtime_clock(request)
    if clock is None:
        return False, "the clock is manual here (simtel serve --clock realtime paces it)"
    how = request.path_params["how"]
    if how == "pause":
        clock.pause()
        return True, "realtime clock paused"
    if how == "play":
        clock.resume()
        return True, f"realtime clock playing at {clock.speed:g}x"
    return False, f"the clock can pause or play, not {how[:20]!r}"


async def reset(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    return site.outcome(await site.api.post("/_simtel/reset"), "the simulation starts over")


async def place_call(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    fields = _pick(form, "From", "To", *PARTY_FIELDS)
    say = form.get("Say", "").strip()
    if say:
        fields["Say"] = say
    answer = await site.api.post("/_simtel/calls", fields)
    if not answer.ok:
        return False, answer.error
    return True, f"placed {answer.json()['sid']}"


async def hangup(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    sid = request.path_params["sid"]
    answer = await site.api.post(f"Calls/{sid}.json", {"Status": "completed"})
    return site.outcome(answer, f"{sid} hung up")


async def digits(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    sid = request.path_params["sid"]
    answer = await site.api.post(f"/_simtel/calls/{sid}/digits", _pick(form, "Digits"))
    return site.outcome(answer, f"pressed {form.get('Digits', '')}")


async def redirect(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    sid = request.path_params["sid"]
    fields = _pick(form, "Url", "Method", "Twiml")
    if not fields.get("Url") and not fields.get("Twiml"):
        return False, "give a Url or Twiml"
    answer = await site.api.post(f"Calls/{sid}.json", fields)
    return site.outcome(answer, f"{sid} redirected")


async def start_recording(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    sid = request.path_params["sid"]
    fields = _pick(form, "RecordingChannels", "RecordingTrack", "Trim")
    answer = await site.api.post(f"Calls/{sid}/Recordings.json", fields)
    if not answer.ok:
        return False, answer.error
    return True, f"recording {answer.json()['sid']} started"


async def recording_status(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    sid, recording = request.path_params["sid"], request.path_params["recording"]
    status = form.get("Status", "")
    if status not in RECORDING_STATUSES:
        return False, f"Status must be one of {', '.join(RECORDING_STATUSES)}"
    fields = _pick(form, "Status", "PauseBehavior")
    answer = await site.api.post(f"Calls/{sid}/Recordings/{recording}.json", fields)
    return site.outcome(answer, f"{recording} {status}")


async def delete_recording(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    sid = request.path_params["sid"]
    answer = await site.api.delete(f"Recordings/{sid}.json")
    return site.outcome(answer, f"{sid} deleted")


async def set_party(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    """`PUT /_simtel/parties/{address}` with the form's party JSON (the scenario format)."""
    address = request.path_params["address"]
    body = form.get("Party", "").strip() or "{}"
    answer = await site.api.request(
        "PUT", f"/_simtel/parties/{quote(address, safe='')}", json_body=body.encode()
    )
    return site.outcome(answer, f"party of {address} set")


async def update_number(site: Site, request: Request, form: Mapping[str, str]) -> Outcome:
    sid = request.path_params["sid"]
    fields = {name: form.get(name, "").strip() for name in ("VoiceUrl", "VoiceMethod")}
    if not fields["VoiceMethod"]:
        del fields["VoiceMethod"]
    answer = await site.api.post(f"IncomingPhoneNumbers/{sid}.json", fields)
    return site.outcome(answer, f"{sid} updated")
