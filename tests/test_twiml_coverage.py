"""docs/TWIML_COVERAGE.md is generated from the validator's schema and must be current."""

from __future__ import annotations

from pathlib import Path

from twiml import coverage
from twiml.schema import ELEMENTS


def test_coverage_file_is_up_to_date():
    committed = Path(__file__).resolve().parent.parent / "docs" / "TWIML_COVERAGE.md"
    assert committed.read_text(encoding="utf-8") == coverage.render(), (
        "run: python -m twiml.coverage"
    )


def test_coverage_lists_every_element_and_attribute_with_its_status():
    text = coverage.render()
    for spec in ELEMENTS.values():
        path = "".join(f"<{part}>" for part in spec.path.split("/"))
        assert f"`{path}`" in text
        for attribute in spec.attributes:
            status = "supported" if attribute.supported else "not supported (12200, warning)"
            assert f"| `{attribute.name}` | {status} |" in text
    assert "| `<Pay>` | not supported (13750, error) |" in text
    assert "| `ringTone` | not supported (12200, warning) |" in text


def test_main_writes_the_file(tmp_path: Path):
    target = tmp_path / "cov.md"
    assert coverage.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == coverage.render()
