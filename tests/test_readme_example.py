"""The README's pytest example runs as written: its code block is executed here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).parents[1] / "README.md"


def readme_example() -> str:
    found = re.search(r"```python\n(# test_voicemail\.py\n.*?)```", README.read_text(), re.S)
    assert found is not None, "README lost its pytest example"
    return found.group(1)


def test_the_readme_example_passes(simtel_sim: Any, simtel_twilio: Any, simtel_app: Any) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(readme_example(), str(README), "exec"), namespace)
    namespace["test_voicemail_is_recorded"](simtel_sim, simtel_twilio, simtel_app)
    (recording,) = simtel_sim.recorder.recordings.values()
    assert recording.duration == 3


def readme_inbound_example() -> str:
    found = re.search(r"```python\n(# test_inbound\.py.*?\n.*?)```", README.read_text(), re.S)
    assert found is not None, "README lost its inbound-call example"
    return found.group(1)


def test_the_readme_inbound_example_passes(
    simtel_sim: Any, simtel_twilio: Any, simtel_app: Any
) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(readme_example(), str(README), "exec"), namespace)  # the app it shares
    exec(compile(readme_inbound_example(), str(README), "exec"), namespace)
    namespace["test_a_caller_leaves_a_voicemail"](simtel_sim, simtel_twilio, simtel_app)
    (recording,) = simtel_sim.recorder.recordings.values()
    assert recording.source == "RecordVerb" and recording.duration == 3
    assert simtel_sim.notifications == []


def test_the_readme_example_is_about_ten_lines_of_test() -> None:
    body = readme_example().split("def test_voicemail_is_recorded", 1)[1]
    assert 5 <= len([line for line in body.splitlines() if line.strip()]) <= 12
