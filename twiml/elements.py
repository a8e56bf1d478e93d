"""Small helpers over lxml elements shared by the builders."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

Element = etree._Element


def line_of(element: Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def body_of(element: Element) -> str:
    return (element.text or "").strip()


def children(element: Element) -> Iterator[Element]:
    """Child elements only (entity references and the like are skipped)."""
    for child in element:
        if isinstance(child.tag, str):
            yield child
