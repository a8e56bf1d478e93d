"""X-Twilio-Signature: twilio-python's vectors, and its RequestValidator accepting ours."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from simtel.webhooks import compute_signature
from simtel.webhooks.signing import signature_payload

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
    ("Caller", "+14158675309"),
]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (URL, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
        ("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
    ],
)
def test_twilio_python_vectors(url: str, expected: str) -> None:
    assert compute_signature(url, PARAMS, TOKEN) == expected


def test_repeated_keys_vector() -> None:
    params = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]
    assert compute_signature(URL, params, TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_payload_sorts_names_then_deduplicated_values() -> None:
    params = [("b", "2"), ("a", "z"), ("a", "y"), ("a", "z")]
    assert signature_payload("u", params) == "uaya" + "z" + "b2"
    assert signature_payload("u", None) == "u"
    assert signature_payload("u", []) == "u"


def test_get_signs_url_alone() -> None:
    url = "http://127.0.0.1:8123/voice?x=1&CallSid=CA1"
    assert compute_signature(url, None, TOKEN) == compute_signature(url, [], TOKEN)
    assert RequestValidator(TOKEN).validate(url, {}, compute_signature(url, None, TOKEN))


class _MultiDict:
    """The `getall` shape Flask/Werkzeug give the validator."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(dict(self._pairs))

    def getall(self, name: str) -> list[str]:
        return [v for k, v in self._pairs if k == name]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8123/voice?x=1",
        "https://app.example.com/voice",
        "https://app.example.com:8443/a/b?c=d&e=f%20g",
        "http://localhost/status",
    ],
)
def test_request_validator_accepts_post_signature(url: str) -> None:
    params = [("CallSid", "CA1"), ("Digits", "9"), ("Digits", "1"), ("From", "+1 555")]
    signature = compute_signature(url, params, "secret-token")
    validator = RequestValidator("secret-token")
    assert validator.validate(url, _MultiDict(params), signature)
    assert not validator.validate(url, _MultiDict(params[:-1]), signature)
    assert not RequestValidator("other-token").validate(url, _MultiDict(params), signature)
