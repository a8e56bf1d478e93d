"""Golden event logs: each bundled scenario's event log, kept byte for byte as a regression test.

`scenarios/golden/<name>.jsonl` holds the event log of `scenarios/<name>.yaml` run with its own
seed. tests/test_scenario_golden.py compares a fresh run with it. When a change to simtel changes
behaviour on purpose, regenerate them and review the diff like code:

    python -m simtel.scenario.golden            # every bundled scenario
    python -m simtel.scenario.golden voicemail  # just one

(or `SIMTEL_UPDATE_GOLDEN=1 pytest tests/test_scenario_golden.py`).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from simtel.scenario.loader import bundled_folder, bundled_scenarios, load_scenario
from simtel.scenario.runner import build

UPDATE_ENV = "SIMTEL_UPDATE_GOLDEN"


def golden_path(name: str) -> Path:
    return bundled_folder() / "golden" / f"{name}.jsonl"


def event_log(name_or_path: str | Path) -> bytes:
    """The JSON-lines event log of a full run of a scenario (in memory, nothing rendered)."""
    scenario_run = build(load_scenario(name_or_path))
    try:
        scenario_run.run()
        buffer = io.StringIO()
        scenario_run.sim.events.write_jsonl(buffer)
    finally:
        scenario_run.sim.close()
    return buffer.getvalue().encode("utf-8")


def update(names: list[str] | None = None) -> list[Path]:
    """Rewrite the golden logs of `names` (default: every bundled scenario)."""
    written = []
    for name in names or bundled_scenarios():
        target = golden_path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(event_log(bundled_folder() / f"{name}.yaml"))
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    for path in update(argv or None):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
