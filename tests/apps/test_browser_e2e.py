"""End to end in headless Debian Chromium: the served app as a person uses it.

One server and one browser for the module; every page is opened, files are uploaded,
charts and the map are checked for having rendered, screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apps import services
from tests.apps import harness

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "apps"


def _open(page: Any, server: harness.Server, path: str = "") -> list[str]:
    """Open a page; return a live list of page errors and requests that left the app server."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def check_request(request: Any) -> None:
        url = str(request.url)
        local = url.startswith((server.url, "data:", "blob:", "ws://127.0.0.1", "about:"))
        if not local:
            errors.append(f"request outside the app server: {url}")

    page.on("request", check_request)
    page.goto(f"{server.url}/{path}")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)  # every page has a title
    harness.wait_for_run(page, timeout_s=90)
    return errors


def _main_text(page: Any) -> str:
    return str(page.inner_text('[data-testid="stMain"]'))


def test_dashboard_renders(page: Any, app_server: harness.Server, artifacts: Path) -> None:
    errors = _open(page, app_server)
    text = _main_text(page)
    assert "Carbon Peak Plan targets" in text
    if services.missing("targets") is None:
        page.wait_for_function(
            "document.querySelectorAll('[data-testid=\"stMarkdown\"] svg polyline').length >= 7",
            timeout=60_000,
        )
        assert page.locator('[data-testid="stMetric"]').count() >= 9 + 5
        page.wait_for_selector('[data-testid="stProgress"]', timeout=30_000)
        assert page.locator('[data-testid="stMarkdown"] svg polyline').count() >= 7, (
            "trajectory sparklines"
        )
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "01-targets.png"), full_page=True)
        page.get_by_text("Interactive trajectory chart", exact=True).click()
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        harness.wait_for_run(page)
        assert page.locator(".js-plotly-plot").count() == 1, "the interactive trajectory chart"
    else:
        assert "Not available in this build" in text
    assert errors == []


def test_language_switch_to_chinese(page: Any, app_server: harness.Server, artifacts: Path) -> None:
    _open(page, app_server)
    page.get_by_text("中文", exact=True).click()
    harness.wait_for_run(page)
    page.wait_for_selector("h1:has-text('碳达峰方案目标')")
    page.screenshot(path=str(artifacts / "02-targets-zh.png"), full_page=True)
    assert "目标看板" in page.inner_text('[data-testid="stSidebar"]')


def _upload(page: Any, path: Path) -> None:
    page.get_by_text("Upload a file", exact=True).click()
    harness.wait_for_run(page)
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(path))
    harness.wait_for_run(page, timeout_s=60, started_within_s=5)


def test_bad_upload_shows_located_errors_and_app_keeps_working(
    page: Any,
    app_server: harness.Server,
    artifacts: Path,
) -> None:
    errors = _open(page, app_server, "fleet")
    _upload(page, DATA / "generated_trips_line10_bad.csv")
    page.wait_for_selector("text=The file has 3 problems")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    page.screenshot(path=str(artifacts / "03-fleet-bad-upload.png"), full_page=True)
    # the app keeps working: another page opens normally
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Targets").click()
    harness.wait_for_run(page)
    page.wait_for_selector("h1:has-text('Carbon Peak Plan targets')")
    assert errors == []


def test_valid_upload_is_accepted(page: Any, app_server: harness.Server, artifacts: Path) -> None:
    _open(page, app_server, "fleet")
    _upload(page, DATA / "generated_trips_line10.csv")
    page.wait_for_selector("text=The file is valid")
    page.screenshot(path=str(artifacts / "04-fleet-valid-upload.png"), full_page=True)


def test_siting_page_draws_the_road_graph_map(
    page: Any, app_server: harness.Server, artifacts: Path
) -> None:
    errors = _open(page, app_server, "siting")
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)
    page.wait_for_timeout(2500)  # let deck.gl draw its first frame
    page.screenshot(path=str(artifacts / "05-siting-map.png"), full_page=True)
    assert errors == [], "the map must not load web tiles or anything else from outside"


def test_run_simulation_then_solve_siting_on_its_demand(
    page: Any,
    app_server: harness.Server,
    artifacts: Path,
) -> None:
    """GIVEN the default fleets at 10 % WHEN simulated THEN KPIs and charts render;
    WHEN sited THEN the map shows sites.
    """
    if services.missing("simulation") is not None or services.missing("siting") is not None:
        pytest.skip("simulation or siting is not in this build")
    errors = _open(page, app_server, "fleet")
    slider = (
        page.locator('[data-testid="stSlider"]').filter(has_text="Fleet size").get_by_role("slider")
    )
    slider.focus()
    for _ in range(2):  # 20 % -> 10 % of the embedded sample, step 5
        slider.press("ArrowLeft")
    harness.wait_for_run(page)
    page.get_by_role("button", name="Run simulation").click()
    page.wait_for_selector("text=Trips served", timeout=240_000)
    harness.wait_for_run(page, timeout_s=240)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    assert page.locator(".js-plotly-plot").count() == 2, "state-of-charge and station-load charts"
    page.screenshot(path=str(artifacts / "06-fleet-results.png"), full_page=True)
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="One-page report (HTML)").click()
    report = Path(info.value.path()).read_text(encoding="utf-8")
    (artifacts / "06-report.html").write_text(report, encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>")
    assert "Summary" in report
    assert "<svg" in report
    if services.missing("targets") is None:
        assert "Plan targets" in report
        assert "bus_nev_share_2025" in report
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="JSON").click()
    summary = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert summary["trips_total"] == summary["trips_served"] + summary["trips_missed"] > 0

    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Station siting").click()
    page.wait_for_selector("h1:has-text('Station siting')")
    harness.wait_for_run(page)
    page.get_by_text("Last fleet simulation of this session", exact=True).click()
    harness.wait_for_run(page)
    page.get_by_role("button", name="Solve").click()
    page.wait_for_selector("text=Gap", timeout=240_000)
    harness.wait_for_run(page, timeout_s=240)
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(artifacts / "07-siting-solved.png"), full_page=True)
    text = _main_text(page)
    assert "optimal" in text or "feasible" in text
    assert "Chosen sites" in text
    assert errors == []


def test_upload_over_the_size_limit_gets_a_clear_message(
    browser_context: Any,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    """GIVEN a server with a 1 MB upload limit WHEN a 1.5 MB file is dropped THEN it is refused with
    the limit named.
    """
    big = tmp_path / "big.csv"
    big.write_bytes((DATA / "generated_trips_line10.csv").read_bytes() * 300)
    assert big.stat().st_size > 1.4 * 1024 * 1024
    with harness.serve(extra_args=("--server.maxUploadSize", "1"), log_dir=tmp_path) as server:
        page = browser_context.new_page()
        try:
            page.goto(server.url)
            page.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)
            page.locator('[data-testid="stSidebarNav"] a').filter(
                has_text="Fleet simulation"
            ).click()
            page.wait_for_selector("h1:has-text('Fleet upload and simulation')")
            harness.wait_for_run(page)
            page.get_by_text("Upload a file", exact=True).click()
            harness.wait_for_run(page)
            # the limit is printed under the uploader before anything is dropped
            page.wait_for_selector("text=Largest accepted upload: 1 MB")
            page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(big))
            # Streamlit's browser side refuses the file; its reason shows on the file's error mark
            page.locator('[data-testid="stFileChipIconError"]').wait_for(timeout=30_000)
            page.locator('[data-testid="stTooltipErrorHoverTarget"]').first.hover()
            uploader = page.locator('[data-testid="stFileUploader"]').first
            assert "File must be 1.0MB or smaller." in uploader.inner_text()
            page.screenshot(path=str(artifacts / "08-upload-too-big.png"), full_page=True)
            assert "The file is valid" not in _main_text(page)
            assert "has 0 problems" not in _main_text(page)
        finally:
            page.close()


def test_compare_two_variants_in_the_browser(
    page: Any,
    app_server: harness.Server,
    artifacts: Path,
) -> None:
    if services.missing("simulation") is not None:
        pytest.skip("simulation is not in this build")
    errors = _open(page, app_server, "compare")
    for slider in (
        page.locator('[data-testid="stSlider"]')
        .filter(has_text="Fleet size")
        .get_by_role("slider")
        .all()
    ):
        slider.focus()
        slider.press("ArrowLeft")  # 10 % -> 5 % of the embedded sample
        harness.wait_for_run(page)
    page.get_by_role("button", name="Run and compare").click()
    page.wait_for_selector("text=Simulation keys by variant", timeout=240_000)
    harness.wait_for_run(page, timeout_s=240)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "10-compare.png"), full_page=True)
    text = _main_text(page)
    assert "Simulation keys by variant" in text
    if services.missing("targets") is None:
        assert "Targets by variant" in text
    assert errors == []
