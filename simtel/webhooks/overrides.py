"""Connection overrides: the `#ct=…&rt=…` fragment Twilio reads off a webhook URL.

Twilio lets a webhook URL carry its own connection settings in the fragment, which is never sent to
the app. Values and defaults from Twilio's "Webhooks (HTTP callbacks): Connection Overrides" page:

| key  | meaning                                             | range        | default |
|------|-----------------------------------------------------|--------------|---------|
| `ct` | TCP connect timeout, ms                             | 100 - 10000  | 5000    |
| `rt` | read timeout (first byte, and between bytes), ms    | 100 - 15000  | 15000   |
| `tt` | total time for every attempt including retries, ms  | 100 - 15000  | 15000   |
| `rc` | retry count (attempts after the first)              | 0 - 5        | 1       |
| `rp` | retry policy: comma list of `4xx`,`5xx`,`ct`,`rt`,`all` | -        | `ct`    |
| `e`  | egress edge location                                | named edges  | -       |
| `sni`| use TLS Server Name Indication                      | -            | -       |

Choices where the page is silent (GUESS): a numeric value outside its range is clamped into it and
a non-integer one falls back to the default; keys Twilio does not define are ignored (a fragment
may serve the app's own purposes). An unknown retry policy is error 11243, an unknown edge 11240, an
Interconnect (`-ix`) edge 11242 (the simulated account is not enabled for Interconnect). The edge
and SNI settings are validated and kept but change nothing in the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from simtel.errors import SimtelError
from simtel.webhooks.exchange import Timeouts

RETRY_POLICY_INVALID = 11243
EDGE_LOCATION_INVALID = 11240
INTERCONNECT_NOT_ALLOWED = 11242

RETRY_CLASSES = frozenset({"4xx", "5xx", "ct", "rt"})
EDGES = frozenset(
    {"ashburn", "dublin", "frankfurt", "sao-paulo", "singapore", "sydney", "tokyo", "umatilla"}
)
INTERCONNECT_EDGES = frozenset(
    {
        "ashburn-ix",
        "frankfurt-ix",
        "london-ix",
        "san-jose-ix",
        "singapore-ix",
        "sydney-ix",
        "tokyo-ix",
    }
)
_RANGES = {
    "ct": (100, 10_000, 5_000),
    "rt": (100, 15_000, 15_000),
    "tt": (100, 15_000, 15_000),
    "rc": (0, 5, 1),
}


class InvalidConnectionOverride(SimtelError):
    """A fragment Twilio would refuse, with the 112xx code the debugger shows."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ConnectionOverrides:
    connect_timeout_ms: int = 5_000
    read_timeout_ms: int = 15_000
    total_timeout_ms: int = 15_000
    retry_count: int = 1
    retry_policy: frozenset[str] = field(default_factory=lambda: frozenset({"ct"}))
    edges: tuple[str, ...] = ()
    sni: str | None = None

    def timeouts(self) -> Timeouts:
        return Timeouts(
            connect=self.connect_timeout_ms / 1000,
            read=self.read_timeout_ms / 1000,
            total=self.total_timeout_ms / 1000,
        )

    def retries_on(self, retry_class: str | None) -> bool:
        """Whether a failed attempt of `retry_class` (`4xx`, `5xx`, `ct`, `rt`) is retried."""
        return retry_class is not None and retry_class in self.retry_policy


DEFAULT_OVERRIDES = ConnectionOverrides()


def split_fragment(url: str) -> tuple[str, str]:
    """`url` without its fragment, and the fragment (without `#`, empty when absent)."""
    base, _, fragment = url.partition("#")
    return base, fragment


def parse_connection_overrides(fragment: str) -> ConnectionOverrides:
    """The overrides in `fragment`; Twilio's defaults for what it does not set.

    Raises `InvalidConnectionOverride` for a retry policy or edge Twilio would refuse.
    """
    if "=" not in fragment:
        return DEFAULT_OVERRIDES
    pairs = dict(parse_qsl(fragment, keep_blank_values=True))
    numbers = {key: _bounded(pairs.get(key), *_RANGES[key]) for key in _RANGES}
    return ConnectionOverrides(
        connect_timeout_ms=numbers["ct"],
        read_timeout_ms=numbers["rt"],
        total_timeout_ms=numbers["tt"],
        retry_count=numbers["rc"],
        retry_policy=_retry_policy(pairs.get("rp")),
        edges=_edges(pairs.get("e")),
        sni=pairs.get("sni"),
    )


def _bounded(raw: str | None, low: int, high: int, default: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        return default
    return min(max(value, low), high)


def _retry_policy(raw: str | None) -> frozenset[str]:
    if raw is None:
        return DEFAULT_OVERRIDES.retry_policy
    names = [name.strip().lower() for name in raw.split(",")]
    if "all" in names and all(name in RETRY_CLASSES | {"all"} for name in names):
        return RETRY_CLASSES
    if not names or any(name not in RETRY_CLASSES for name in names):
        raise InvalidConnectionOverride(
            RETRY_POLICY_INVALID,
            f"HTTP retry policy is invalid: rp={raw!r} (use 4xx, 5xx, ct, rt or all)",
        )
    return frozenset(names)


def _edges(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    names = tuple(name.strip().lower() for name in raw.split(","))
    for name in names:
        if name in INTERCONNECT_EDGES:
            raise InvalidConnectionOverride(
                INTERCONNECT_NOT_ALLOWED,
                f"HTTP connection over Twilio Interconnect is not allowed: e={name}",
            )
        if name not in EDGES:
            raise InvalidConnectionOverride(
                EDGE_LOCATION_INVALID, f"HTTP connection edge location is invalid: e={name}"
            )
    return names
