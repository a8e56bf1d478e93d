"""A response body in the 2010 API's three representations: JSON, XML and CSV.

XML wraps the body in `<TwilioResponse>` with UpperCamelCase elements (a list: paging attributes
on its container element); CSV is a header row of those names and one row per item. Both write
nulls empty, booleans `true`/`false`, and the API's own URIs (`/2010-04-01/...`) without `.json`.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

from simtel.api.errors import JSON_TYPE, XML_TYPE, xml_text

API_VERSION = "2010-04-01"
CSV_TYPE = "text/csv; charset=utf-8"


def render(body: dict[str, Any], fmt: str, element: str, status: int = 200) -> Response:
    """`body` as JSON, as CSV (one row), or as XML in `<TwilioResponse><element>`."""
    if fmt == "json":
        return Response(json.dumps(body), status, media_type=JSON_TYPE)
    if fmt == "csv":
        return _csv([body], status)
    root = ET.Element("TwilioResponse")
    _fill(ET.SubElement(root, element), body)
    return _xml(root, status)


def render_list(
    body: dict[str, Any], fmt: str, key: str, element: str, item_element: str
) -> Response:
    if fmt == "json":
        return Response(json.dumps(body), 200, media_type=JSON_TYPE)
    if fmt == "csv":
        return _csv(body[key], 200)
    root = ET.Element("TwilioResponse")
    attributes = {
        "page": body["page"],
        "pagesize": body["page_size"],
        "start": body["start"],
        "end": body["end"],
        "uri": body["uri"],
        "firstpageuri": body["first_page_uri"],
        "previouspageuri": body["previous_page_uri"],
        "nextpageuri": body["next_page_uri"],
    }
    container = ET.SubElement(
        root, element, {name: "" if v is None else xml_text(v) for name, v in attributes.items()}
    )
    for item in body[key]:
        _fill(ET.SubElement(container, item_element), item)
    return _xml(root, 200)


def _csv(items: Sequence[Mapping[str, Any]], status: int) -> Response:
    """Twilio's `.csv` alternate representation (docs, "Alternative Representations"): a header
    row of the XML element names, then one row per item. Nested maps (`subresource_uris`,
    `encryption_details`) are left out; nulls are empty; URIs lose `.json` as in XML. A list
    answers its page, without the paging envelope; an empty one is an empty body."""
    if not items:
        return Response("", status, media_type=CSV_TYPE)
    names = [name for name, value in items[0].items() if not isinstance(value, Mapping)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_camel(name) for name in names])
    for item in items:
        writer.writerow([_csv_cell(item.get(name)) for name in names])
    return Response(out.getvalue(), status, media_type=CSV_TYPE)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(f"/{API_VERSION}/"):
        return value.removesuffix(".json")
    return str(value)


def _xml(root: ET.Element, status: int) -> Response:
    return Response(
        ET.tostring(root, encoding="utf-8", xml_declaration=True), status, media_type=XML_TYPE
    )


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _fill(element: ET.Element, body: Mapping[str, Any]) -> None:
    """JSON names to UpperCamelCase elements; nulls empty; URIs without `.json`."""
    for name, value in body.items():
        child = ET.SubElement(element, _camel(name))
        if isinstance(value, Mapping):
            _fill(child, value)
        elif value is None:
            continue
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif isinstance(value, str) and value.startswith(f"/{API_VERSION}/"):
            child.text = xml_text(value.removesuffix(".json"))
        else:
            child.text = xml_text(value)
