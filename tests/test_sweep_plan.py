"""Planning a sweep: `--set` parsing, dotted keys, the cartesian product, replication seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from simtel.sweep.erlang import erlang_inputs
from simtel.sweep.plan import (
    SweepError,
    apply,
    parse_setting,
    plan_tasks,
    points,
    replication_seed,
)

SCENARIO = {
    "name": "trunk",
    "seed": 4,
    "trunks": [{"name": "pbx", "capacity": 10}],
    "traffic": [
        {
            "target": "pbx",
            "arrivals": {"kind": "poisson", "rate_per_hour": 600},
            "holding": {"exponential": 120},
        }
    ],
}


def test_values_are_yaml_scalars() -> None:
    setting = parse_setting("trunks.0.capacity=25,30")
    assert (setting.key, setting.values) == ("trunks.0.capacity", (25, 30))
    assert parse_setting("x = 0.5, true, 30m ,text").values == (0.5, True, "30m", "text")


@pytest.mark.parametrize("option", ["capacity", "capacity=", "=1,2", "a..b=1", "k=1,1"])
def test_bad_settings_are_refused(option: str) -> None:
    with pytest.raises(SweepError):
        parse_setting(option)


def test_points_are_the_cartesian_product_last_key_fastest() -> None:
    settings = [parse_setting("a=1,2"), parse_setting("b=x,y,z")]
    assert points(settings) == [
        (("a", 1), ("b", "x")),
        (("a", 1), ("b", "y")),
        (("a", 1), ("b", "z")),
        (("a", 2), ("b", "x")),
        (("a", 2), ("b", "y")),
        (("a", 2), ("b", "z")),
    ]
    assert points([]) == [()]
    with pytest.raises(SweepError):
        points([parse_setting("a=1"), parse_setting("a=2")])


def test_dotted_keys_index_lists_and_add_missing_keys() -> None:
    changed = apply(
        SCENARIO,
        [
            ("trunks.0.capacity", 25),
            ("traffic.0.arrivals.rate_per_hour", 900),
            ("trunks.0.recording.mode", "record-from-answer"),
        ],
    )
    assert changed["trunks"][0] == {
        "name": "pbx",
        "capacity": 25,
        "recording": {"mode": "record-from-answer"},
    }
    assert changed["traffic"][0]["arrivals"]["rate_per_hour"] == 900
    assert SCENARIO["trunks"][0]["capacity"] == 10  # type: ignore[index]


@pytest.mark.parametrize("key", ["trunks.1.capacity", "trunks.first.capacity", "name.x"])
def test_keys_that_do_not_fit_the_scenario_are_refused(key: str) -> None:
    with pytest.raises(SweepError):
        apply(SCENARIO, [(key, 1)])


def test_replication_seeds_are_numpy_spawned_children() -> None:
    children = np.random.SeedSequence(4).spawn(3)
    expected = [int(c.generate_state(1, np.uint64)[0]) >> 1 for c in children]
    assert [replication_seed(4, r) for r in range(3)] == expected
    assert len(set(expected)) == 3
    assert replication_seed(5, 0) != replication_seed(4, 0)


def test_tasks_carry_the_overridden_scenario_and_shared_seeds(tmp_path: Path) -> None:
    path = tmp_path / "trunk.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    tasks = plan_tasks(path, [parse_setting("trunks.0.capacity=8,12")], replications=3)
    assert [(t.point, t.replication) for t in tasks] == [(p, r) for p in (0, 1) for r in (0, 1, 2)]
    assert [t.seed for t in tasks[:3]] == [t.seed for t in tasks[3:]]  # common random numbers
    assert tasks[0].seed == replication_seed(4, 0)  # the scenario's seed is the base
    assert yaml.safe_load(tasks[4].scenario_text)["trunks"][0]["capacity"] == 12
    assert plan_tasks(path, [], 2, base_seed=9)[1].seed == replication_seed(9, 1)
    with pytest.raises(SweepError):
        plan_tasks(path, [], 0)


def test_erlang_applies_to_one_trunk_with_poisson_traffic() -> None:
    inputs = erlang_inputs(SCENARIO)
    assert inputs is not None and inputs.capacity == 10
    # 600 calls/h, each holding a channel 1 s (dialling) + 3 s (ringing) + 120 s on average
    assert inputs.offered_erlangs == pytest.approx(600 / 3600 * 124)
    # insensitivity: only the mean holding time matters
    fixed = erlang_inputs(apply(SCENARIO, [("traffic.0.holding", {"fixed": 120})]))
    assert fixed == inputs
    lognormal = {"lognormal": {"mean": 120, "sigma": 0.5}}
    assert erlang_inputs(apply(SCENARIO, [("traffic.0.holding", lognormal)])) == inputs
    assert erlang_inputs(apply(SCENARIO, [("traffic.0.holding", {"empirical": "h.csv"})])) is None
    # a CPS limit matters only when it bites: 600 calls/h is 1/6 call a second
    assert erlang_inputs(apply(SCENARIO, [("trunks.0.cps", 5)])) == inputs
    assert erlang_inputs(apply(SCENARIO, [("trunks.0.cps", 1)])) is None
    assert erlang_inputs(apply(SCENARIO, [("traffic.0.outcomes", {"busy": 0.2})])) is None
