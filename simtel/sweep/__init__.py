"""`simtel sweep`: replications and parameter sweeps of a scenario, on Dask or in process.

    simtel sweep contact-centre --replications 10 \\
        --set trunks.0.capacity=25,30,35 --workers 2 --out sweep/

runs every parameter point (the cartesian product of the `--set` values) `--replications`
times with independent seeds, each run with its store in memory, and writes `runs.csv`,
`summary.csv` (mean and 95 % interval per point and metric) and `chart.svg` to `--out`.

The modules, in the order a sweep uses them:

* `plan`: `--set` parsing, parameter points, replication seeds, one `RunTask` per run;
* `files`: the files a scenario names, shipped with each task (no shared filesystem needed);
* `execute`: running tasks in process or on Dask (a local cluster or `--scheduler tcp://...`);
* `stats`: Student-t and Wilson intervals, Erlang B; `erlang`: when Erlang B applies;
* `output`: runs.csv, summary.csv and the chart; `study`: `run_sweep`, all of it as a function;
* `command`: the `simtel sweep` command.
"""

from __future__ import annotations

from simtel.sweep.command import sweep
from simtel.sweep.study import SweepResult, run_sweep

__all__ = ["SweepResult", "run_sweep", "sweep"]
