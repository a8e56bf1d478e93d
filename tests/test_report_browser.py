"""The report as a person sees it: the bundled voicemail run's report.html opened in headless
Chromium (Debian's, through Playwright). The legend, the scenario's call labels, the summary's
human labels and the transcription text are on screen, and a full-page screenshot is taken
(kept under $SIMTEL_SCREENSHOTS when set)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simtel.cli import main
from tests.console_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    browser_missing,
    screenshots_dir,
    user_data_dir,
)

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
#: the words the bundled voicemail scenario's first caller leaves (the transcription's text)
FIRST_MESSAGE = "Hi it is Ana, my order 4471 arrived broken"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("voicemail-run")
    result = CliRunner().invoke(main, ["run", "voicemail", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    return out / "report.html"


@pytest.fixture(scope="module")
def page(report: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, user_data_dir() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 900},
        )
        try:
            page = context.new_page()
            page.goto(report.as_uri())
            yield page
        finally:
            context.close()


def test_the_report_shows_its_legend_labels_and_transcriptions(
    page: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    legend = page.locator("svg.legend").first
    assert legend.is_visible()
    shown = legend.locator("g.legend-item").evaluate_all("gs => gs.map(g => g.dataset.label)")
    assert shown[:3] == ["queued / initiated", "ringing", "in progress"]
    assert "webhook failed" in shown
    headings = page.locator("section#timelines h3").all_inner_texts()
    assert headings[0].startswith("Call calls[0] (CA")
    assert page.locator("svg text.call-label", has_text="calls[0]").first.is_visible()
    summary = page.locator("table.summary").inner_text()
    assert "recorded time (minutes)" in summary and "recording_minutes" not in summary
    text = page.locator("table.transcriptions")
    text.scroll_into_view_if_needed()
    assert text.is_visible()
    assert FIRST_MESSAGE in text.inner_text()
    shot = page.screenshot(full_page=True)
    folder = screenshots_dir(tmp_path_factory.mktemp("report-screenshots"))
    (folder / "report-voicemail.png").write_bytes(shot)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 50_000
