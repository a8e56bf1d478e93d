"""TwiML text → :class:`~twiml.verbs.Document`, safely.

The parser never loads a DTD, never resolves external entities, never touches the network and
refuses documents with a DOCTYPE (so XXE and entity-expansion attacks cannot work). Element
names are case-sensitive, as on Twilio.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from twiml.commands import Notice

# lxml, the builder and the attribute table load with the first document parsed: `import twiml`
# (and a simulation that runs no TwiML) does not pay for them
if TYPE_CHECKING:
    from lxml import etree

    from twiml.verbs import Document

#: parsed documents kept, keyed by body and URL (an app answers the same TwiML to many calls)
CACHED_DOCUMENTS = 256
PARSE_FAILURE = 12100
BAD_VERSION = 12101
BAD_ROOT = 12102


class TwiMLError(Exception):
    """The document cannot be run at all; ``notice`` carries Twilio's code and the line."""

    def __init__(self, notice: Notice) -> None:
        super().__init__(f"{notice.code}: {notice.message}")
        self.notice = notice


def _parser() -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(body: bytes | str, url: str | None = None) -> Document:
    """Parse and validate a TwiML document fetched from ``url`` (None for inline TwiML).

    Raises :class:`TwiMLError` with 12100 (not well-formed, or a DOCTYPE), 12102 (the root
    is not ``<Response>``) or 12101 (invalid ``version``). Every other problem is a notice in
    :attr:`Document.notices`.

    The verb tree is immutable, so the same body from the same URL gives the same (cached)
    `Document`, notices included: a caller reports them for every parse, cached or not.
    """
    data = body.encode("utf-8") if isinstance(body, str) else body
    parsed = _parse_cached(data, url)
    if isinstance(parsed, Notice):
        raise TwiMLError(parsed)
    return parsed


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _parse_cached(data: bytes, url: str | None) -> Document | Notice:
    try:
        return _parse(data, url)
    except TwiMLError as exc:
        return exc.notice


def _parse(data: bytes, url: str | None) -> Document:
    from lxml import etree

    from twiml.build import DocumentBuilder
    from twiml.schema import ELEMENTS
    from twiml.validate import AttributeReader
    from twiml.verbs import Document

    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        message = f"Document parse failure: {exc.msg} (line {line})"
        raise TwiMLError(Notice(PARSE_FAILURE, "error", message, line, url)) from None
    except ValueError as exc:  # lxml refuses some inputs outright (e.g. NUL bytes)
        raise TwiMLError(
            Notice(PARSE_FAILURE, "error", f"Document parse failure: {exc}", None, url)
        ) from None
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", "") or tree.docinfo.internalDTD is not None:
        message = "Document parse failure: a DOCTYPE is not allowed in TwiML (line 1)"
        raise TwiMLError(Notice(PARSE_FAILURE, "error", message, 1, url))
    line = root.sourceline if isinstance(root.sourceline, int) else None
    if root.tag != "Response":
        message = f"The root element must be Response, not <{root.tag}>"
        raise TwiMLError(Notice(BAD_ROOT, "error", message, line, url))
    reader = AttributeReader(
        ELEMENTS["Response"], {str(k): str(value) for k, value in root.attrib.items()}, line, url
    )
    reader.optional_choice("version")
    for notice in reader.notices:
        if notice.code == BAD_VERSION:
            raise TwiMLError(notice)
    builder = DocumentBuilder(url)
    builder.notices.extend(reader.notices)
    verbs = builder.verbs(root)
    return Document(url=url, verbs=verbs, notices=tuple(builder.notices))
