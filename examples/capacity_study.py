"""How many trunk channels does the contact centre need? A capacity sweep with replications.

    python examples/capacity_study.py [--workers 2] [--replications 3] [--out DIR]

The same as `simtel sweep examples/contact_centre.yaml --set trunks.0.capacity=3,...,9
--replications 3`: every capacity is simulated `--replications` times (independent seeds,
one hour of Poisson calls each), and the blocking probability is compared with Erlang B for
the same offered load. The smallest capacity whose 95 % interval lies below `TARGET` is the
answer. Writes runs.csv, summary.csv and chart.svg to `--out`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from simtel.sweep import run_sweep
from simtel.sweep.erlang import erlang_inputs
from simtel.sweep.plan import apply, read_mapping
from simtel.sweep.stats import erlang_b

SCENARIO = Path(__file__).resolve().parent / "contact_centre.yaml"
CAPACITIES = (3, 4, 5, 6, 7, 8, 9)
TARGET = 0.10
METRIC = "blocking_probability"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="0: in process, no Dask")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="simtel-capacity-"))
    setting = "trunks.0.capacity=" + ",".join(str(c) for c in CAPACITIES)
    result = run_sweep(
        SCENARIO,
        settings=[setting],
        replications=args.replications,
        workers=args.workers,
        out=out,
    )
    scenario = read_mapping(SCENARIO)
    print(f"{len(result.tasks)} runs in {result.wall_seconds:.1f} s (workers={args.workers})")
    print(f"{'channels':>8}  {'blocking':>8}  {'95% CI':>17}  {'Erlang B':>8}")
    answer = None
    for point in result.points:
        interval = point.metrics[METRIC]
        inputs = erlang_inputs(apply(scenario, point.params))
        assert inputs is not None, "the contact centre is an Erlang loss system"
        theory = erlang_b(inputs.capacity, inputs.offered_erlangs)
        print(
            f"{inputs.capacity:>8}  {interval.mean:>8.3f}  "
            f"{interval.low:>8.3f}..{interval.high:<8.3f}  {theory:>8.3f}"
        )
        if answer is None and interval.high < TARGET:
            answer = inputs.capacity
    if answer is None:
        print(f"no capacity tried keeps blocking below {TARGET:.0%} with 95% confidence")
    else:
        print(f"{answer} channels keep blocking below {TARGET:.0%} (95% confidence)")
    for name, path in result.files.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
