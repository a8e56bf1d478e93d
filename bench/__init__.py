"""simtel's benchmarks: every figure a ratio against a baseline measured in the same run.

`python -m bench` runs every suite and writes `bench/results.json` (`suite_seconds` there gives
each suite's time); `python -m bench --quick` runs small sizes and writes nothing. A full run is
long. On the shared 2-core machine of 2026-12-02 (load 8-14) the `engine`, `load`, `audio`,
`rest` and `scaleout` suites took 41 minutes together, and the `memory` suite's one `simtel run`
of a million calls adds about an hour there (its quick size, 10,000 calls, took 34-41 s; a quiet
machine takes a fraction of that). Run suites apart with `--only`, e.g.
`python -m bench --only memory`.
"""

from __future__ import annotations
