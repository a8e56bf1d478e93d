"""`simtel run` starts with what a run needs: the other commands, the report's page code, the
HTTP client, the engine (until a scenario is built), the TwiML interpreter, conferences, queues,
webhook transports, codecs and encryption are imported only when used (docs/design.md,
"Start-up")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: what a `simtel run` never needs at start-up (each costs start-up time)
NOT_AT_START = (
    "httpx",
    "httpcore",
    "dask",
    "distributed",
    "jinja2",
    "twilio",
    "simtel.report.html",
    "simtel.sweep",
    "simtel.serve_command",
    "simtel.server",
    "simtel.api",
    "simtel.console",
)


#: what parsing the command line needs none of: the engine comes with the scenario's build
ENGINE = ("numpy", "simpy", "sqlite3", "simtel.simulator", "simtel.store")

#: what a run of trunk traffic with nothing rendered never uses
NOT_FOR_TRUNK_TRAFFIC = (
    "twiml",
    "lxml",
    "asyncio",
    "ssl",
    "cryptography",
    "soundfile",
    "simtel.engine.conferences.lifecycle",
    "simtel.engine.queues.lifecycle",
    "simtel.engine.execution.flow",
    "simtel.scenario.queueing",
    "simtel.webhooks.transports",
    "simtel.audio.codecs",
    "simtel.audio.mediastream",
    "simtel.report.data",
)

TRUNK_SCENARIO = """\
name: trunk-traffic
seed: 3
duration: 2m
trunks:
  - name: pbx
    capacity: 2
    recording: {mode: record-from-answer-dual, trim: do-not-trim}
traffic:
  - name: customers
    target: pbx
    direction: inbound
    number: "+15551000"
    arrivals: {kind: poisson, rate_per_hour: 600}
    holding: {exponential: 60}
    answer_after: 0
render: none
report: false
"""


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_cli_imports_no_server_sweep_report_page_or_http_client() -> None:
    loaded = imported_after("import simtel.cli")
    found = sorted(m for m in loaded if m in NOT_AT_START or m.startswith(("dask.", "httpx.")))
    assert found == []
    assert "rich" not in loaded  # only a terminal's progress bar and table need it
    assert sorted(m for m in loaded if m in ENGINE) == []
    assert sorted(m for m in loaded if m in NOT_FOR_TRUNK_TRAFFIC) == []


def test_a_run_of_trunk_traffic_imports_no_twiml_transports_codecs_or_encryption(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "trunk.yaml"
    scenario.write_text(TRUNK_SCENARIO, encoding="utf-8")
    out = tmp_path / "out"
    loaded = imported_after(
        "from simtel.cli import main\n"
        f"main(['run', {str(scenario)!r}, '--out', {str(out)!r}, '--json'], standalone_mode=False)"
    )
    assert "simtel.simulator" in loaded and "simtel.engine.trunks.trunking" in loaded
    assert sorted(m for m in loaded if m in NOT_FOR_TRUNK_TRAFFIC) == []
    assert json.loads((out / "summary.json").read_text())["recordings_completed"] > 0


def test_the_lazy_commands_are_listed_and_load_when_asked() -> None:
    loaded = imported_after(
        "from simtel.cli import main\n"
        "import click\n"
        "ctx = click.Context(main)\n"
        "assert {'run', 'trace', 'serve', 'sweep', 'report'} <= set(main.list_commands(ctx))\n"
        "assert main.get_command(ctx, 'sweep').name == 'sweep'"
    )
    assert "simtel.sweep" in loaded and "simtel.serve_command" not in loaded


HELP_AT_WIDTHS = (
    "from click.testing import CliRunner\n"
    "from simtel.cli import main\n"
    "import click\n"
    "{load}"
    "for width in (60, 80, 120):\n"
    "    print(CliRunner().invoke(main, ['--help'], terminal_width=width).output)\n"
)
LOAD_ALL = (
    "ctx = click.Context(main)\n"
    "for name in main.list_commands(ctx):\n"
    "    main.get_command(ctx, name)\n"
)


def help_text(load: str) -> str:
    probe = HELP_AT_WIDTHS.format(load=load)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def test_help_lists_the_lazy_commands_as_their_own_help_would_without_importing_them() -> None:
    lazy, loaded = help_text(""), help_text(LOAD_ALL)
    assert lazy == loaded
    assert "serve   Serve the Twilio REST API" in lazy and "trace   Run one inbound call" in lazy
    after_help = imported_after(
        "from click.testing import CliRunner\n"
        "from simtel.cli import main\n"
        "CliRunner().invoke(main, ['--help'])"
    )
    lazy_modules = {"simtel.serve_command", "simtel.sweep", "simtel.scenario.trace_command"}
    assert sorted(lazy_modules & after_help) == []
    assert "simtel.simulator" not in after_help
