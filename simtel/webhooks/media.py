"""The media loader: the audio `<Play>` and wait URLs name, fetched as Twilio fetches it.

`MediaLoader.load(url, sid)` answers a `LoadedMedia`: a decoded 8 kHz mono `Clip`, or a
`MediaFailure` with Twilio's code. Where the bytes come from, first match wins:

1. a local path or `file://` URL (the engine's own use; TwiML's parser lets only http(s) in);
2. an app mounted in process for the URL (`Router.mount`);
3. the media map (`MediaMap`: URL prefix -> local folder; scenario key `media:`,
   `simtel serve --media PREFIX=FOLDER`), for URLs no app serves;
4. real HTTP, when the router allows it;
5. otherwise the URL is *offline*: warning 13420, and the engine plays one second of silence
   (simtel's stand-in, kept from 0.1 so that offline scenarios keep their timing).

Requests (2 and 4) go through the webhook dispatcher with purpose `media`: a signed `GET`
with Twilio's headers (`User-Agent: TwilioProxy/1.1`, `Accept: */*`, `X-Twilio-Signature`),
redirects followed, connection overrides and the dispatcher's timeouts (15 s read and total by
default), each attempt logged as a `webhook` event (without its binary body). A body larger than
`max_bytes` (default `MAX_MEDIA_BYTES`, 32 MiB; Twilio documents no limit) is refused, from its
`Content-Length` when it has one.

Failures (the call goes on with its next verb; nothing is played):

* no response: the transport's code (11205, 11210, ...);
* an answer >= 400, or a body over the limit: 11200 "HTTP retrieval failure";
* a type `<Play>` does not play, or bytes that do not decode: 13420 "Play: Invalid
  Content-Type" (see `simtel.audio.clips` for the types).

Successes are cached by URL for the life of the loader, i.e. one run (Twilio caches media by
its HTTP caching headers; simtel fetches each URL once per run). Failures are not cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from simtel.audio.clips import Clip, UnsupportedMedia, decode, media_type_of
from simtel.webhooks.dispatcher import WebhookDispatcher
from simtel.webhooks.exchange import TransportFailure
from simtel.webhooks.request import WebhookRequest

__all__ = [
    "MAX_MEDIA_BYTES",
    "LoadedMedia",
    "MediaFailure",
    "MediaLoader",
    "MediaMap",
]

MAX_MEDIA_BYTES = 32 * 1024 * 1024
HTTP_RETRIEVAL_FAILURE = 11200
INVALID_CONTENT_TYPE = 13420


@dataclass(frozen=True, slots=True)
class MediaFailure:
    """Why a URL plays nothing. `offline`: no app, no map entry, no HTTP (warning 13420)."""

    code: int
    message: str
    offline: bool = False


@dataclass(frozen=True, slots=True)
class LoadedMedia:
    """What `load` found: exactly one of `clip` and `failure`; `latency` is the simulated
    seconds the fetch took (the webhook latency model's)."""

    clip: Clip | None
    failure: MediaFailure | None = None
    latency: float = 0.0


class MediaMap:
    """URL prefixes served from local folders: `https://cdn.example.com/hold/` ->
    `./media/hold` plays `./media/hold/jazz.mp3` for `https://cdn.example.com/hold/jazz.mp3`.

    The longest matching prefix wins; the rest of the URL's path (percent-decoded, query
    dropped) names the file under the folder, never outside it. The file's extension gives
    its type (`simtel.audio.clips.EXTENSIONS`)."""

    def __init__(self, entries: Mapping[str, str | Path] | None = None) -> None:
        self._entries: list[tuple[str, Path]] = []
        for prefix, folder in (entries or {}).items():
            self.add(prefix, folder)

    @classmethod
    def parse(cls, specs: Iterable[str]) -> MediaMap:
        """From `PREFIX=FOLDER` strings (the serve flag); ValueError names a bad one."""
        media_map = cls()
        for spec in specs:
            prefix, sep, folder = spec.partition("=")
            if not sep or not prefix or not folder:
                raise ValueError(f"expected URL-PREFIX=FOLDER, got {spec!r}")
            media_map.add(prefix, folder)
        return media_map

    def add(self, prefix: str, folder: str | Path) -> None:
        parts = urlsplit(prefix)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"a media prefix must be an http(s) URL, got {prefix!r}")
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise ValueError(f"media folder {str(folder)!r} (for {prefix}) is not a directory")
        self._entries.append((prefix, path.resolve()))
        self._entries.sort(key=lambda entry: len(entry[0]), reverse=True)

    def __bool__(self) -> bool:
        return bool(self._entries)

    @property
    def entries(self) -> tuple[tuple[str, Path], ...]:
        return tuple(self._entries)

    def resolve(self, url: str) -> Path | None:
        """The file `url` maps to (which may not exist), or None when no prefix matches."""
        bare = url.split("#", 1)[0].split("?", 1)[0]
        for prefix, folder in self._entries:
            if bare.startswith(prefix):
                rest = unquote(bare[len(prefix) :]).lstrip("/")
                path = (folder / rest).resolve()
                # outside the folder (or the folder itself): a path that reads as no file
                return path if path.is_relative_to(folder) and rest else folder
        return None


class MediaLoader:
    """Loads, decodes and caches media for one run (see the module docstring)."""

    def __init__(
        self,
        dispatcher: WebhookDispatcher,
        media_map: MediaMap | None = None,
        max_bytes: int = MAX_MEDIA_BYTES,
    ) -> None:
        self.dispatcher = dispatcher
        self.media_map = media_map or MediaMap()
        self.max_bytes = max_bytes
        self._cache: dict[str, Clip] = {}

    def load(self, url: str, sid: str) -> LoadedMedia:
        cached = self._cache.get(url)
        if cached is not None:
            return LoadedMedia(cached)
        loaded = self._load(url, sid)
        if loaded.clip is not None:
            self._cache[url] = loaded.clip
        return loaded

    def prime(self, url: str, body: bytes, content_type: str) -> LoadedMedia:
        """Decode and cache media that arrived another way (a TwiML fetch answered with audio),
        so a `<Play>` of the same URL does not request it again."""
        if len(body) > self.max_bytes:
            return _too_large(url, len(body), self.max_bytes)
        loaded = _decoded(url, body, content_type)
        if loaded.clip is not None:
            self._cache[url] = loaded.clip
        return loaded

    def _load(self, url: str, sid: str) -> LoadedMedia:
        local = _local_path(url)
        if local is not None:
            return self._file(url, local)
        router = self.dispatcher.router
        try:
            mounted = router.mounted(url)
        except TransportFailure:  # not an http(s) URL: the dispatcher gives its code
            mounted = False
        mapped = None if mounted else self.media_map.resolve(url)
        if mapped is not None:
            return self._file(url, mapped)
        if mounted or router.allow_http:
            return self._fetch(url, sid)
        message = (
            f"Play: no app is mounted for {url}, no media map entry serves it, and real HTTP "
            "is off (simtel plays one second of silence)"
        )
        return LoadedMedia(None, MediaFailure(INVALID_CONTENT_TYPE, message, offline=True))

    def _file(self, url: str, path: Path) -> LoadedMedia:
        media_type = media_type_of(path.name) or ""
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                return _too_large(url, size, self.max_bytes)
            data = path.read_bytes()
        except OSError:
            message = f"HTTP retrieval failure: {url} maps to no readable file"
            return LoadedMedia(None, MediaFailure(HTTP_RETRIEVAL_FAILURE, message))
        return _decoded(url, data, media_type)

    def _fetch(self, url: str, sid: str) -> LoadedMedia:
        outcome = self.dispatcher.deliver(WebhookRequest(url, "GET", (), "media", sid))
        response, latency = outcome.response, outcome.latency
        if response is None:
            failure = outcome.failure
            code = failure.error_code if failure is not None else HTTP_RETRIEVAL_FAILURE
            message = failure.message if failure is not None else "no response"
            return LoadedMedia(None, MediaFailure(code, f"Play: {url}: {message}"), latency)
        if response.status >= 400:
            message = f"HTTP retrieval failure: {url} answered {response.status}"
            return LoadedMedia(None, MediaFailure(HTTP_RETRIEVAL_FAILURE, message), latency)
        if len(response.body) > self.max_bytes:
            return _too_large(url, len(response.body), self.max_bytes, latency)
        if getattr(response, "truncated", False):  # cut by a bounded transport: never play half
            message = f"HTTP retrieval failure: {url} is larger than the transport reads"
            return LoadedMedia(None, MediaFailure(HTTP_RETRIEVAL_FAILURE, message), latency)
        loaded = _decoded(url, response.body, response.content_type)
        return LoadedMedia(loaded.clip, loaded.failure, latency)


def _decoded(url: str, data: bytes, media_type: str) -> LoadedMedia:
    try:
        return LoadedMedia(Clip.of(url, decode(data, media_type)))
    except UnsupportedMedia as exc:
        message = f"Play: Invalid Content-Type: {url}: {exc}"
        return LoadedMedia(None, MediaFailure(INVALID_CONTENT_TYPE, message))


def _too_large(url: str, size: int, limit: int, latency: float = 0.0) -> LoadedMedia:
    message = f"HTTP retrieval failure: {url} is {size} bytes, over the {limit}-byte media limit"
    return LoadedMedia(None, MediaFailure(HTTP_RETRIEVAL_FAILURE, message), latency)


def _local_path(url: str) -> Path | None:
    if url.startswith("file://"):
        return Path(unquote(urlsplit(url).path))
    if "://" not in url:
        return Path(url)
    return None
