"""The pytest plugin shows the app's bugs: an exception raised while answering a webhook fails
the test with the app's traceback; `simtel_sim.notifications` and `assert_no_errors()` show
what Twilio's debugger would."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simtel.notifications import AppErrors

pytest_plugins = ["pytester"]

APP_WITH_A_BUG = '''
from starlette.applications import Starlette
from starlette.routing import Route


async def voice(request):
    raise RuntimeError("bug in my app")


app = Starlette(routes=[Route("/voice", voice, methods=["POST"])])


def test_a_call(simtel_sim, simtel_twilio, simtel_app):
    base = simtel_app(app)
    simtel_twilio.calls.create(to="+15005550006", from_="+15005550001", url=f"{base}/voice")
    simtel_sim.advance(60)
    {after}
'''


def test_an_app_exception_fails_the_test_with_the_apps_traceback(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_app=APP_WITH_A_BUG.replace("{after}", "assert True"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*raise RuntimeError(\"bug in my app\")",
            "E*RuntimeError: bug in my app",
            "E*simtel: your app raised this while answering POST /voice*",
        ]
    )


def test_the_apps_exception_is_shown_when_the_test_then_fails_too(
    pytester: pytest.Pytester,
) -> None:
    after = "assert list(simtel_twilio.recordings.list()), 'no recording'"
    pytester.makepyfile(test_app=APP_WITH_A_BUG.replace("{after}", after))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E*RuntimeError: bug in my app", "E*the test then failed with AssertionError*"]
    )


async def _raising(request: Request) -> Response:
    raise RuntimeError("bug in my app")


def test_opting_out_leaves_twilios_11200(
    simtel_sim: Any, simtel_twilio: Any, simtel_app: Any
) -> None:
    app = Starlette(routes=[Route("/voice", _raising, methods=["POST"])])
    base = simtel_app(app, raise_app_exceptions=False)
    simtel_twilio.calls.create(to="+15005550006", from_="+15005550001", url=f"{base}/voice")
    simtel_sim.advance(60)
    [notice] = simtel_sim.notifications
    assert (notice.code, notice.level, notice.url) == (11200, "error", f"{base}/voice")
    with pytest.raises(AppErrors, match=r"1 error notification.*\n  error 11200: HTTP"):
        simtel_sim.assert_no_errors()


def test_twiml_errors_carry_their_line(
    simtel_sim: Any, simtel_twilio: Any, simtel_app: Any
) -> None:
    twiml = "<Response>\n  <Say>hi</Say>\n  <Sya>typo</Sya>\n</Response>"
    app = Starlette(
        routes=[Route("/voice", lambda r: Response(twiml, media_type="text/xml"), methods=["POST"])]
    )
    base = simtel_app(app)
    simtel_twilio.calls.create(to="+15005550006", from_="+15005550001", url=f"{base}/voice")
    simtel_sim.advance(60)
    assert [(n.code, n.line) for n in simtel_sim.notifications] == [(12200, 3)]
    with pytest.raises(AppErrors, match=r"warning 12200: .*\(TwiML line 3\)"):
        simtel_sim.assert_no_errors()


def test_no_notifications_is_no_error(simtel_sim: Any) -> None:
    simtel_sim.advance(10)
    assert simtel_sim.notifications == []
    simtel_sim.assert_no_errors()
