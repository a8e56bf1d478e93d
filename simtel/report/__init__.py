"""`simtel report DIR`: one self-contained HTML page about a run's results folder.

`write_report(out_dir)` reads what `simtel run --out DIR` wrote (`simtel.db` or `events.jsonl`,
`media/`, `summary.json`; see `simtel.report.data`) and writes `DIR/report.html`: call timelines,
recording waveforms with players, the webhook log, notifications and, for load runs, charts of
concurrency, blocking against Erlang B and recording minutes. No external assets: CSS and SVG are
inline, and audio is a base64 data URI up to `Limits.inline_audio_bytes` per file (larger files
are linked relative to the report).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from simtel.report.data import Limits, RunData, load_run
    from simtel.report.html import render_page

__all__ = ["REPORT_NAME", "Limits", "RunData", "load_run", "render_page", "write_report"]

REPORT_NAME = "report.html"


def write_report(out_dir: Path, limits: Limits | None = None) -> Path:
    """Write `out_dir/report.html` from the results in `out_dir`; returns its path."""
    from simtel.report.data import Limits, load_run
    from simtel.report.html import render_page

    directory = Path(out_dir)
    page = render_page(load_run(directory, limits or Limits()), limits or Limits())
    target = directory / REPORT_NAME
    partial = target.with_name(f".{REPORT_NAME}.partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    return target


_MODULES = {
    "data": (
        "Limits",
        "RunData",
        "load_run",
    ),
    "html": ("render_page",),
}


# The names above on first use: the page's templates and charts (and the sweep's statistics they
# import) and the results reader stay out of `simtel run`'s start-up, which needs only the
# folder's names (`simtel.report.folder`).
__getattr__, _, _ = lazy_loader.attach(__name__, submod_attrs=_MODULES)
