"""simtel's benchmarks: every figure a ratio against a baseline measured in the same run.

`python -m bench` runs them all (under 10 minutes on a 2-core machine) and writes
`bench/results.json`; `python -m bench --quick` runs small sizes in well under a minute.
"""

from __future__ import annotations
