"""The voice request parameters that say where a number is, and `CallToken` (digest §7.1:
"Optional geographic parameters: FromCity, FromState, FromZip, FromCountry, ToCity, ToState,
ToZip, ToCountry"; "CallToken: token for invoking a forwarded call"; status callbacks also carry
`Caller`/`Called` and `CalledCity`, `CalledState`, `CalledZip`, `CalledCountry`).

The example app greets each caller in the language of the caller's country, from `FromCountry`.
"""

from __future__ import annotations

from test_flow_support import BASE, new_sim
from twilio.twiml.voice_response import VoiceResponse

from simtel.engine.calls.geography import Location, locate
from simtel.events import EventKind
from simtel.testing import simtel_client

GREETINGS = {"BR": ("pt-BR", "Olá, obrigado por ligar"), "FR": ("fr-FR", "Bonjour, merci")}
DEFAULT = ("en-US", "Hello, thanks for calling")
NUMBER = "+14155550100"


def greeting(params: dict[str, str]) -> VoiceResponse:
    """The example app: the greeting's language follows the caller's country."""
    language, text = GREETINGS.get(params.get("FromCountry", ""), DEFAULT)
    response = VoiceResponse()
    response.say(text, language=language)
    return response


def test_an_app_greets_each_caller_in_the_language_of_their_country() -> None:
    sim, app = new_sim()
    sim.add_number(NUMBER, voice_url=f"{BASE}/voice", status_callback=f"{BASE}/status")
    app.route("/voice", greeting)
    app.route("/status", "<Response/>")
    brazil = sim.place_inbound_call("+5511987654321", NUMBER)
    chicago = sim.place_inbound_call("+13125550111", NUMBER)
    sim.advance(60)
    spoken = {
        event.sid: event.fields["language"]
        for event in sim.events
        if event.kind == EventKind.TWIML_VERB and event.fields["verb"] == "Say"
    }
    assert spoken == {brazil.sid: "pt-BR", chicago.sid: "en-US"}
    first, second = (seen.params for seen in app.seen("/voice"))
    assert (first["FromCountry"], first["FromState"], first["FromCity"]) == ("BR", "", "")
    assert (second["FromCountry"], second["FromState"], second["FromCity"]) == (
        "US",
        "IL",
        "CHICAGO",
    )
    assert second["FromZip"] == "60601" and second["CallerCity"] == "CHICAGO"
    for params in (first, second):
        assert (params["ToCountry"], params["ToState"], params["ToCity"]) == (
            "US",
            "CA",
            "SAN FRANCISCO",
        )
        assert params["ToZip"] == "94103" and params["CalledState"] == "CA"
        assert params["CallToken"]
    assert first["CallToken"] != second["CallToken"]
    status = app.seen("/status")[0].params
    assert status["CalledCountry"] == "US" and status["CallerCountry"] in ("BR", "US")


def test_outbound_calls_have_locations_and_no_call_token() -> None:
    sim, app = new_sim()
    app.route("/out", greeting)
    twilio = simtel_client(sim)
    twilio.calls.create(to="+442071234567", from_="+16045550199", url=f"{BASE}/out")
    sim.advance(10)
    params = app.only("/out")
    assert (params["ToCountry"], params["ToCity"]) == ("GB", "")
    assert (params["FromCountry"], params["FromState"], params["FromCity"]) == (
        "CA",
        "BC",
        "VANCOUVER",
    )
    assert "CallToken" not in params  # issued to incoming calls only


def test_the_tables() -> None:
    assert locate("+18765550123") == Location("JM")
    assert locate("+14385550123") == Location("CA")  # Montreal overlay, no place listed
    assert locate("+15551230001") == Location("US")  # unlisted NANP area code
    assert locate("+351912345678") == Location("PT")  # longest calling code wins over +35x
    assert locate("client:alice") is None and locate("anonymous") is None
    assert locate("+999123456789") is None
