"""Every bundled scenario, run afresh, reproduces its golden event log byte for byte.

Regenerate after an intended change: `python -m simtel.scenario.golden` (or run this file with
SIMTEL_UPDATE_GOLDEN=1), then review the diff of scenarios/golden/.
"""

from __future__ import annotations

import difflib
import os

import pytest

from simtel.scenario import bundled_folder, bundled_scenarios
from simtel.scenario.golden import UPDATE_ENV, event_log, golden_path, update

NAMES = bundled_scenarios()


def test_the_library_is_complete() -> None:
    assert set(NAMES) >= {
        "quickstart",
        "voicemail",
        "pci-pause-resume",
        "dual-channel",
        "record-from-ringing",
        "conference-recording",
        "trunk-recording",
        "six-ways",
        "contact-centre",
    }


@pytest.mark.parametrize("name", NAMES)
def test_each_scenario_says_what_it_teaches(name: str) -> None:
    first = (bundled_folder() / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"# {name}: ")


@pytest.mark.parametrize("name", NAMES)
def test_scenario_matches_its_golden_log(name: str) -> None:
    if os.environ.get(UPDATE_ENV):
        update([name])
    fresh = event_log(bundled_folder() / f"{name}.yaml")
    golden = golden_path(name)
    assert golden.is_file(), f"no golden log for {name}: run python -m simtel.scenario.golden"
    expected = golden.read_bytes()
    if fresh != expected:
        diff = difflib.unified_diff(
            expected.decode().splitlines(), fresh.decode().splitlines(), "golden", "fresh", n=0
        )
        pytest.fail(f"{name} differs from its golden log:\n" + "\n".join(list(diff)[:20]))
