"""Without Twilio's OpenAPI schemas (a clone without `../shared`), the schema tests skip and the
test run says so in one visible line, not silently."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_absent_schemas_are_one_visible_line(tmp_path: Path) -> None:
    env = {**os.environ, "SIMTEL_OAI_DIR": str(tmp_path / "no-oai")}
    target = "tests/test_api_numbers_transcriptions.py::test_transcriptions"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", target, "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if "OpenAPI schemas are absent" in line]
    assert lines == [
        f"simtel: Twilio's OpenAPI schemas are absent from {tmp_path / 'no-oai'}: 1 schema "
        "tests skipped (the reference lives at ../shared/reference/oai, or set SIMTEL_OAI_DIR)"
    ]
