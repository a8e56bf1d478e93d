"""The router: which transport carries a request to a URL (a mounted app, or real HTTP)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from simtel.webhooks.exchange import (
    DEFAULT_PORTS,
    HTTP_BAD_HOST_NAME,
    INVALID_URL_FORMAT,
    Transport,
    TransportFailure,
)

if TYPE_CHECKING:
    from starlette.types import ASGIApp


@dataclass(frozen=True, slots=True)
class _Mount:
    origin: tuple[str, str, int]
    path: str
    transport: Transport


@lru_cache(maxsize=1024)
def _origin(url: str) -> tuple[tuple[str, str, int], str]:
    """(scheme, host, port) and path of `url`; 11100 when it is not an http(s) URL with a host.
    Cached: an app is called at few URLs (a failure is not cached, it raises)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise TransportFailure(INVALID_URL_FORMAT, f"Invalid URL format: {url!r}")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise TransportFailure(INVALID_URL_FORMAT, f"Invalid URL format: {url!r}") from None
    return (scheme, parts.hostname.lower(), port), parts.path or "/"


class Router:
    """Chooses the transport for a URL: the ASGI app mounted at the longest matching
    scheme://host[:port][/path] prefix, else real HTTP when `allow_http`, else failure 11210 (the
    host does not exist for an offline simulator). A mounted app sees the full path, unstripped."""

    def __init__(self, allow_http: bool = True, http: Transport | None = None) -> None:
        self.allow_http = allow_http
        self._http = http
        self._owns_http = http is None
        self._http_lock = threading.Lock()
        self._mounts: list[_Mount] = []

    def mount(self, base_url: str, app: ASGIApp | Transport) -> None:
        """Send requests under `base_url` to `app` (an ASGI app, or any `Transport`)."""
        from simtel.webhooks.transports import ASGITransport  # asyncio: only when mounting

        origin, path = _origin(base_url)
        transport = app if isinstance(app, Transport) else ASGITransport(app)
        self._mounts = [m for m in self._mounts if (m.origin, m.path) != (origin, path)]
        self._mounts.append(_Mount(origin, path.rstrip("/") or "/", transport))
        self._mounts.sort(key=lambda m: len(m.path), reverse=True)

    def close(self) -> None:
        """Close the HTTP client this router created, if any (mounted apps are left alone)."""
        with self._http_lock:
            if self._http is None or not self._owns_http:
                return
            from simtel.webhooks.transports import HTTPTransport

            if isinstance(self._http, HTTPTransport):
                self._http.close()
                self._http = None

    def over_http(self, url: str) -> bool:
        """Whether a request to `url` would go over real HTTP (no app mounted for it)."""
        try:
            return self.allow_http and self._mounted(url) is None
        except TransportFailure:
            return False

    def mounted(self, url: str) -> bool:
        """Whether an app is mounted for `url` (11100 when it is not an http(s) URL)."""
        return self._mounted(url) is not None

    def _mounted(self, url: str) -> Transport | None:
        origin, path = _origin(url)
        for mount in self._mounts:
            if mount.origin == origin and _under(path, mount.path):
                return mount.transport
        return None

    def route(self, url: str) -> Transport:
        transport = self._mounted(url)
        if transport is not None:
            return transport
        if not self.allow_http:
            raise TransportFailure(
                HTTP_BAD_HOST_NAME,
                f"HTTP bad host name: no app is mounted for {url} and real HTTP is off",
            )
        with self._http_lock:
            if self._http is None:
                from simtel.webhooks.transports import HTTPTransport

                self._http = HTTPTransport()
            return self._http


def _under(path: str, prefix: str) -> bool:
    return prefix == "/" or path == prefix or path.startswith(prefix + "/")
