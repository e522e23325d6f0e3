"""End to end in headless Debian Chromium: the served app as a person uses it.

One server and one browser for the module; every page is opened, files are uploaded,
charts and the map are checked for having rendered, screenshots go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps import harness, services

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "apps"


def _open(page: Any, server: harness.Server, path: str = "") -> list[str]:  # noqa: ANN401
    """Open a page; return a live list of page errors and requests that left the app server."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def check_request(request: Any) -> None:  # noqa: ANN401
        url = str(request.url)
        local = url.startswith((server.url, "data:", "blob:", "ws://127.0.0.1", "about:"))
        if not local:
            errors.append(f"request outside the app server: {url}")

    page.on("request", check_request)
    page.goto(f"{server.url}/{path}")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)  # every page has a title
    harness.wait_for_run(page, timeout_s=90)
    return errors


def _main_text(page: Any) -> str:  # noqa: ANN401
    return str(page.inner_text('[data-testid="stMain"]'))


def test_dashboard_renders(page: Any, app_server: harness.Server, artifacts: Path) -> None:  # noqa: ANN401
    errors = _open(page, app_server)
    text = _main_text(page)
    assert "Carbon Peak Plan targets" in text
    if services.missing("targets") is None:
        page.wait_for_function(
            "document.querySelectorAll('[data-testid=\"stMarkdown\"] svg polyline').length >= 7", timeout=60_000)
        assert page.locator('[data-testid="stMetric"]').count() >= 9 + 5
        page.wait_for_selector('[data-testid="stProgress"]', timeout=30_000)
        assert page.locator('[data-testid="stMarkdown"] svg polyline').count() >= 7, "trajectory sparklines"
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "01-targets.png"), full_page=True)
        page.get_by_text("Interactive trajectory chart", exact=True).click()
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        harness.wait_for_run(page)
        assert page.locator(".js-plotly-plot").count() == 1, "the interactive trajectory chart"
    else:
        assert "Not available in this build" in text
    assert errors == []


def test_language_switch_to_chinese(page: Any, app_server: harness.Server, artifacts: Path) -> None:  # noqa: ANN401
    _open(page, app_server)
    page.get_by_text("中文", exact=True).click()
    harness.wait_for_run(page)
    page.wait_for_selector("h1:has-text('碳达峰方案目标')")
    page.screenshot(path=str(artifacts / "02-targets-zh.png"), full_page=True)
    assert "目标看板" in page.inner_text('[data-testid="stSidebar"]')


def _upload(page: Any, path: Path) -> None:  # noqa: ANN401
    page.get_by_text("Upload a file", exact=True).click()
    harness.wait_for_run(page)
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(path))
    harness.wait_for_run(page, timeout_s=60, started_within_s=5)


def test_bad_upload_shows_located_errors_and_app_keeps_working(
    page: Any, app_server: harness.Server, artifacts: Path  # noqa: ANN401
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


def test_valid_upload_is_accepted(page: Any, app_server: harness.Server, artifacts: Path) -> None:  # noqa: ANN401
    _open(page, app_server, "fleet")
    _upload(page, DATA / "generated_trips_line10.csv")
    page.wait_for_selector("text=The file is valid")
    page.screenshot(path=str(artifacts / "04-fleet-valid-upload.png"), full_page=True)


def test_siting_page_draws_the_road_graph_map(page: Any, app_server: harness.Server, artifacts: Path) -> None:  # noqa: ANN401
    errors = _open(page, app_server, "siting")
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)
    page.wait_for_timeout(2500)  # let deck.gl draw its first frame
    page.screenshot(path=str(artifacts / "05-siting-map.png"), full_page=True)
    assert errors == [], "the map must not load web tiles or anything else from outside"


def test_run_simulation_then_solve_siting_on_its_demand(
    page: Any, app_server: harness.Server, artifacts: Path  # noqa: ANN401
) -> None:
    """GIVEN the default fleets at 10 % WHEN simulated THEN KPIs and charts render; WHEN sited THEN the map shows sites."""
    if services.missing("simulation") is not None or services.missing("siting") is not None:
        pytest.skip("simulation or siting is not in this build")
    errors = _open(page, app_server, "fleet")
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Fleet size").get_by_role("slider")
    slider.focus()
    for _ in range(2):  # 20 % -> 10 % of the embedded sample, step 5
        slider.press("ArrowLeft")
    harness.wait_for_run(page)
    page.get_by_role("button", name="Run simulation").click()
    page.wait_for_selector("text=Trips served", timeout=240_000)
    harness.wait_for_run(page, timeout_s=240)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    assert page.locator(".js-plotly-plot").count() == 2, "state-of-charge and station-load charts"
    assert page.get_by_role("button", name="One-page report (HTML)").count() == 1
    page.screenshot(path=str(artifacts / "06-fleet-results.png"), full_page=True)

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
