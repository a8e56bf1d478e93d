"""`simtel run` starts with what a run needs: the other commands, the report's page code and
the HTTP client are imported only when used (docs/design.md, "Start-up")."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_the_lazy_commands_are_listed_and_load_when_asked() -> None:
    loaded = imported_after(
        "from simtel.cli import main\n"
        "import click\n"
        "ctx = click.Context(main)\n"
        "assert {'run', 'trace', 'serve', 'sweep', 'report'} <= set(main.list_commands(ctx))\n"
        "assert main.get_command(ctx, 'sweep').name == 'sweep'"
    )
    assert "simtel.sweep" in loaded and "simtel.serve_command" not in loaded
