"""The scenario format, in code: every section, every key, and what each value may be.

The specs here are data: `loader.py` walks a YAML node tree against them and reports the first
mismatch as `file:line: key 'path': what is wrong; allowed: ...`. A `Section` is a mapping with
known keys (anything else is an error naming the allowed keys); `MapOf` is a mapping with free
keys (phone numbers, party addresses); `ListOf` a sequence; `Scalar` a plain value of some YAML
types, optionally from a fixed set of choices; `Duration` seconds as a number or text such as
`90s`, `30m`, `2h` or `1h30m`; `OneOf` the first of several specs that fits.

docs/scenarios.md documents the same format for people; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: YAML scalar kinds a `Scalar` may accept
KINDS = ("str", "int", "float", "bool", "null")


@dataclass(frozen=True, slots=True)
class Scalar:
    """A plain value of one of `kinds` (`float` accepts integers too), from `choices` if set."""

    kinds: tuple[str, ...]
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    #: keep the text as written (`+15550100`, `007`) even when YAML reads it as a number
    text: bool = False

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        names = {"str": "text", "int": "an integer", "float": "a number", "bool": "true or false"}
        return " or ".join(names.get(kind, kind) for kind in self.kinds)


@dataclass(frozen=True, slots=True)
class Duration:
    """Simulated seconds: a number, or text like `45s`, `30m`, `2h`, `1h30m`."""

    allow_null: bool = False

    def describe(self) -> str:
        return "a duration (seconds, or text like 90s, 30m, 2h)"


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Spec

    def describe(self) -> str:
        return "a list"


@dataclass(frozen=True, slots=True)
class MapOf:
    """A mapping with free keys (addresses, outcome names when `keys` is set) to `value`."""

    value: Spec
    keys: tuple[str, ...] = ()

    def describe(self) -> str:
        return "a mapping"


@dataclass(frozen=True, slots=True)
class Section:
    """A mapping with the keys of `fields`; `required` ones must be present."""

    fields: dict[str, Spec]
    required: frozenset[str] = field(default_factory=frozenset)

    def describe(self) -> str:
        return "a mapping with keys " + ", ".join(sorted(self.fields))


@dataclass(frozen=True, slots=True)
class OneOf:
    options: tuple[Spec, ...]

    def describe(self) -> str:
        return " or ".join(option.describe() for option in self.options)


Spec = Scalar | Duration | ListOf | MapOf | Section | OneOf

TEXT = Scalar(("str",), text=True)
INT = Scalar(("int",))
COUNT = Scalar(("int",), minimum=0)
NUMBER = Scalar(("float",), minimum=0)
BOOL = Scalar(("bool",))
ADDRESS = Scalar(("str",), text=True)
DURATION = Duration()
METHOD = Scalar(("str",), ("GET", "POST"))
OUTCOMES = ("answer", "busy", "no-answer", "fail")
CHANNELS = Scalar(("str",), ("mono", "dual"))
TRACK = Scalar(("str",), ("inbound", "outbound", "both"))
TRIM = Scalar(("str",), ("trim-silence", "do-not-trim"))
RECORDING_EVENTS = ListOf(Scalar(("str",), ("in-progress", "completed", "absent")))
CALL_EVENTS = ListOf(Scalar(("str",), ("initiated", "ringing", "answered", "completed")))


def _section(required: tuple[str, ...] = (), **fields: Spec) -> Section:
    return Section(dict(fields), frozenset(required))


ACCOUNT = _section(
    sid=TEXT,
    auth_token=TEXT,
    media_auth=BOOL,
    encryption_public_key=TEXT,
    delete_silent_recordings=BOOL,
)

#: a subaccount (`accounts:`, keyed by friendly name: `simtel.scenario.subaccounts`)
SUBACCOUNT = _section(status=Scalar(("str",), ("active", "suspended", "closed")))

NUMBER_CONFIG = _section(
    account=TEXT,
    url=TEXT,
    method=METHOD,
    app=TEXT,
    twiml=TEXT,
    twiml_file=TEXT,
    fallback_url=TEXT,
    status_callback=TEXT,
    friendly_name=TEXT,
)

PARTY = _section(
    answer=Scalar(("str",), OUTCOMES),
    answer_after=NUMBER,
    hangup_after=Scalar(("float", "null"), minimum=0),
    talk=Scalar(("str",), ("spurts", "script", "silent")),
    script=ListOf(_section(("at", "say"), at=NUMBER, say=TEXT, duration=NUMBER)),
    presses=ListOf(_section(("at", "digits"), at=NUMBER, digits=ADDRESS, interval=NUMBER)),
    replies=ListOf(OneOf((TEXT, _section(("say",), say=TEXT, after=NUMBER)))),
    pitch_hz=NUMBER,
    name=TEXT,
)

#: recording options shared by scripted calls and traffic
RECORDING_KEYS: dict[str, Spec] = {
    "record": BOOL,
    "recording_channels": CHANNELS,
    "recording_track": TRACK,
    "trim": TRIM,
    "recording_status_callback": TEXT,
    "recording_status_callback_events": RECORDING_EVENTS,
}

CALL = Section(
    {
        "at": DURATION,
        "label": TEXT,
        "account": TEXT,
        "from": ADDRESS,
        "to": ADDRESS,
        "direction": Scalar(("str",), ("inbound", "outbound-api")),
        "trunk": TEXT,
        "twiml": TEXT,
        "twiml_file": TEXT,
        "url": TEXT,
        "method": METHOD,
        "timeout": NUMBER,
        "time_limit": NUMBER,
        "status_callback": TEXT,
        "status_callback_events": CALL_EVENTS,
        "party": PARTY,
        **RECORDING_KEYS,
    },
    frozenset({"to"}),
)

ARRIVALS = _section(
    ("kind",),
    kind=Scalar(("str",), ("poisson", "hourly", "times")),
    rate_per_hour=NUMBER,
    rates=ListOf(NUMBER),
    at=ListOf(DURATION),
)

HOLDING = _section(
    fixed=NUMBER,
    exponential=NUMBER,
    lognormal=_section(("mean", "sigma"), mean=NUMBER, sigma=NUMBER),
    empirical=TEXT,
)

TRAFFIC = Section(
    {
        "name": TEXT,
        "arrivals": ARRIVALS,
        "holding": HOLDING,
        "outcomes": MapOf(NUMBER, OUTCOMES),
        "target": ADDRESS,
        "direction": Scalar(("str",), ("inbound", "outbound-api")),
        "number": ADDRESS,
        "answer_after": NUMBER,
        "talk": Scalar(("str",), ("spurts", "silent")),
        "twiml": TEXT,
        "twiml_file": TEXT,
        "url": TEXT,
        "queue": TEXT,
        "patience": HOLDING,
        **RECORDING_KEYS,
    },
    frozenset({"arrivals", "holding", "target"}),
)

QUEUE = _section(("name",), name=TEXT, max_size=COUNT, service_level=NUMBER)

SHIFT = _section(("start", "end", "count"), start=DURATION, end=DURATION, count=COUNT)

AGENTS = _section(
    ("queue",),
    name=TEXT,
    queue=TEXT,
    count=COUNT,
    staffing=ListOf(COUNT),
    shifts=ListOf(SHIFT),
    answer_after=NUMBER,
    wrap_up=NUMBER,
    talk=Scalar(("str",), ("spurts", "silent")),
    number=ADDRESS,
    twiml=TEXT,
)

TRUNK = _section(
    ("name",),
    name=TEXT,
    capacity=COUNT,
    cps=NUMBER,
    recording=_section(
        mode=Scalar(
            ("str",),
            (
                "do-not-record",
                "record-from-ringing",
                "record-from-answer",
                "record-from-ringing-dual",
                "record-from-answer-dual",
            ),
        ),
        trim=TRIM,
    ),
)

PARTICIPANT = Section(
    {"at": DURATION, "from": ADDRESS, "party": PARTY, "label": TEXT},
    frozenset({"from"}),
)

CONFERENCE = _section(
    ("name", "participants"),
    name=TEXT,
    record=Scalar(("str",), ("record-from-start", "do-not-record")),
    number=ADDRESS,
    recording_status_callback=TEXT,
    participants=ListOf(PARTICIPANT),
)

ACTION = _section(
    ("at", "call"),
    at=DURATION,
    call=Scalar(("int", "str")),
    recording=TEXT,
    status=Scalar(("str",), ("paused", "in-progress", "stopped")),
    pause_behavior=Scalar(("str",), ("skip", "silence")),
    start_recording=_section(
        channels=CHANNELS,
        track=TRACK,
        trim=TRIM,
        status_callback=TEXT,
        status_callback_events=RECORDING_EVENTS,
    ),
    hangup=BOOL,
    press=ADDRESS,
)

RENDER = OneOf((Scalar(("str",), ("all", "none")), _section(("first",), first=COUNT), COUNT))

SCENARIO = _section(
    name=TEXT,
    description=TEXT,
    seed=COUNT,
    epoch=TEXT,
    duration=DURATION,
    allow_http=BOOL,
    media=MapOf(TEXT),
    sinks=ListOf(TEXT),
    account=ACCOUNT,
    accounts=MapOf(SUBACCOUNT),
    numbers=MapOf(NUMBER_CONFIG),
    parties=MapOf(PARTY),
    default_party=PARTY,
    calls=ListOf(CALL),
    traffic=ListOf(TRAFFIC),
    trunks=ListOf(TRUNK),
    conferences=ListOf(CONFERENCE),
    queues=ListOf(QUEUE),
    agents=ListOf(AGENTS),
    actions=ListOf(ACTION),
    render=RENDER,
    report=BOOL,
)
