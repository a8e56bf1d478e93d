"""`simtel trace`: one inbound call through one TwiML document, as a one-call scenario.

The document is a file (run as the number's inline TwiML; the URLs it names, such as callbacks,
land on a sink answering `200 <Response/>`) or an `http(s)://` URL (fetched for real, over
HTTP, as every URL its answers name). A caller at `CALLER` dials `NUMBER`; anyone the document
`<Dial>`s answers as the callee party. Both are described by a *party spec*, comma-separated
`key=value` pairs:

    answer=answer|busy|no-answer|fail   answer_after=SECONDS   hangup_after=SECONDS|never
    talk=spurts|script|silent           pitch_hz=HZ            name=TEXT
    say=[AT:]TEXT   (repeatable; AT seconds after answer, default: after the previous line)
    press=[AT:]DIGITS   (repeatable; default AT: 2 s after the previous press or line)

e.g. `answer_after=2,hangup_after=20,say=Hello there,press=8:1234`. Text cannot hold commas.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from simtel.engine.calls.parties import DEFAULT_PARTY, Utterance
from simtel.scenario.loader import Block, Scenario

CALLER = "+15557000"
NUMBER = "+15550100"
TRACE_SEED = 0
_URL = re.compile(r"(https?)://([^/\s\"'<>?#]+)")
_NUMBERS = {"answer_after": "answer_after", "hangup_after": "hangup_after", "pitch_hz": "pitch_hz"}
_CHOICES = {
    "answer": ("answer", "busy", "no-answer", "fail"),
    "talk": ("spurts", "script", "silent"),
}


def parse_party_spec(text: str, what: str = "party") -> Block:
    """A party Block from a spec (see the module doc); ValueError says what is wrong."""
    block = Block(what, 1)
    script: list[Block] = []
    presses: list[Block] = []
    cursor = 1.0
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise ValueError(f"{item!r} is not key=value")
        if key == "say":
            at, words = _timed(value, cursor)
            script.append(_block(what, at=at, say=words))
            cursor = at + Utterance(at, words).length + 0.5
        elif key == "press":
            at, digits = _timed(value, cursor)
            presses.append(_block(what, at=at, digits=digits))
            cursor = at + 0.3 * len(digits) + 2.0
        elif key in _NUMBERS:
            block[key] = None if value in ("never", "none") else _seconds(key, value)
        elif key in _CHOICES:
            if value not in _CHOICES[key]:
                raise ValueError(f"{key} must be one of {', '.join(_CHOICES[key])}, not {value!r}")
            block[key] = value
        elif key == "name":
            block[key] = value
        else:
            allowed = ", ".join(sorted([*_NUMBERS, *_CHOICES, "name", "press", "say"]))
            raise ValueError(f"unknown key {key!r}; allowed: {allowed}")
    if script:
        block["script"] = script
    if presses:
        block["presses"] = presses
    return block


def trace_scenario(
    target: str,
    caller: Block,
    callee: Block,
    seed: int = TRACE_SEED,
    *,
    base_url: str | None = None,
) -> Scenario:
    """The one-call scenario that traces `target` (a TwiML file path or an http(s) URL).

    With `base_url`, a file is not inline TwiML but served at that URL (mount `document_app`
    there before running), so its relative URLs resolve against it. The caller is `caller` over
    the default party, whatever `callee` (the default party for everyone else) says.
    """
    is_url = target.startswith(("http://", "https://"))
    path = Path("trace.yaml") if is_url else Path(target).resolve()
    twiml = "" if is_url else path.read_text(encoding="utf-8")
    sinks = [] if is_url else callback_origins(twiml)
    if is_url:
        source: dict[str, object] = {"url": target}
    elif base_url is not None:
        source = {"url": base_url}
        sinks = sorted({*sinks, origin_of(base_url)})
    else:
        source = {"twiml_file": path.name}
    number = _block("numbers.+15550100", **source)
    call = _block("calls[0]", at=0.0, to=NUMBER, party=complete_party(caller))
    call["from"] = CALLER
    root = _block(
        "",
        name=f"trace of {target}",
        seed=seed,
        allow_http=is_url,
        sinks=sinks,
        numbers=_block("numbers", **{NUMBER: number}),
        calls=[call],
        render="all",
    )
    if callee:
        root["default_party"] = callee
    return Scenario(path, root)


def complete_party(spec: Block) -> Block:
    """`spec` with every party key the default party would give, so that a scenario's
    `default_party` (the callee) cannot leak into the caller."""
    block = _block(spec.path, **spec)
    block.setdefault("answer", DEFAULT_PARTY.outcome)
    block.setdefault("answer_after", DEFAULT_PARTY.answer_after)
    block.setdefault("hangup_after", DEFAULT_PARTY.hangup_after)
    block.setdefault("pitch_hz", DEFAULT_PARTY.pitch_hz)
    block.setdefault("name", DEFAULT_PARTY.name)
    block.setdefault("talk", "script" if "script" in block else DEFAULT_PARTY.talk)
    block.setdefault("script", [])
    block.setdefault("presses", [])
    return block


def document_app(twiml: bytes) -> Any:
    """An ASGI app answering every request with `twiml` (the traced file, at `--base-url`)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        headers = [(b"content-type", b"application/xml")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": twiml})

    return app


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def callback_origins(twiml: str) -> list[str]:
    """The origins of the URLs a document names: a file's callbacks land on a sink that answers
    200, so a trace shows them delivered (real HTTP is off for a file)."""
    origins = {f"{m.group(1)}://{m.group(2)}" for m in _URL.finditer(twiml)}
    return sorted(origins)


def _block(path: str, **values: object) -> Block:
    block = Block(path, 1)
    block.update(values)
    return block


def _timed(value: str, default_at: float) -> tuple[float, str]:
    at, sep, rest = value.partition(":")
    if sep:
        try:
            return float(at), rest.strip()
        except ValueError:
            pass
    return default_at, value


def _seconds(key: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{key} must be seconds, not {value!r}") from None
    if seconds < 0:
        raise ValueError(f"{key} must not be negative")
    return seconds
