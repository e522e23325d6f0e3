"""The "Operator plan" page shows what api.plan computes (AppTest and headless Chromium)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fleetopt import api
from tests.apps import harness

PAGE = Path(__file__).resolve().parents[2] / "apps" / "pages" / "plan_page.py"


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    """The plan --json document of the packaged example (the numbers the page must show)."""
    return api.plan(api.plan_example_path(), time_limit_s=20.0, battery_options=True)


def _expected_metrics(doc: dict[str, Any]) -> dict[str, str]:
    out = {
        "Status": str(doc["status"]),
        "Charging cost per day (CNY)": f"{doc['charging_cost_cny']:,.2f}",
        "Proven lower bound (CNY)": f"{doc['charging_cost_bound_cny']:,.2f}",
    }
    out.update({f"Vehicles needed · {vt}": str(n) for vt, n in doc["vehicles_needed"].items()})
    out.update({f"Plugs · {sid}": str(n) for sid, n in doc["plugs_needed"].items() if n > 0})
    return out


def test_page_runs_the_example_and_shows_the_plans_numbers(expected: dict[str, Any]) -> None:
    """GIVEN the example timetable WHEN the plan is run on the page THEN its metrics (status,
    charging cost and bound, vehicles per type, plugs per station), its TCO table and its
    battery table hold api.plan's values, and the new blocks are offered for download."""
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.run()
    assert not at.exception
    at.button(key="plan.run_button").click()
    at.run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    for label, value in _expected_metrics(expected).items():
        assert shown[label] == value, label
    tco = next(d.value for d in at.dataframe if "NPV (CNY)" in d.value.columns
               and "Powertrain" in d.value.columns)
    for vt, per in expected["tco_detail"].items():
        for pt, d in per.items():
            row = tco[(tco["Vehicle type"] == vt) & (tco["Powertrain"] == pt)]
            assert int(row["NPV (CNY)"].iat[0]) == round(d["npv_cny"])
            assert int(row["Needed"].iat[0]) == d["vehicles"]
    bat = next(d.value for d in at.dataframe if "Battery (kWh)" in d.value.columns)
    exp = expected["battery_options"]["bus"]
    assert bat["Battery (kWh)"].tolist() == [o["battery_kwh"] for o in exp]
    assert bat["Needed"].tolist() == [o["vehicles"] for o in exp]
    assert bat["Cheapest"].tolist() == ["✓" if o["cheapest"] else "" for o in exp]


def test_page_in_chinese_has_no_raw_keys() -> None:
    """GIVEN the language set to Chinese THEN the page's title and button are Chinese."""
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["ui.lang"] = "zh"
    at.run()
    assert not at.exception
    texts = " ".join(str(x.value) for x in at.title) + " ".join(b.label for b in at.button)
    assert "运营规划" in texts
    assert "运行规划" in texts


@pytest.mark.browser
@pytest.mark.slow
def test_plan_page_in_the_browser(
    page: Any, app_server: harness.Server, artifacts: Path, expected: dict[str, Any]
) -> None:
    """GIVEN the served app WHEN the example plan is run on the Operator plan page THEN the
    numbers shown equal api.plan's, the charging chart and the plug map render, the new
    blocks download as CSV and Excel with api.plan's vehicles, and nothing leaves the server."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def check_request(request: Any) -> None:
        url = str(request.url)
        if not url.startswith((app_server.url, "data:", "blob:", "ws://127.0.0.1", "about:")):
            errors.append(f"request outside the app server: {url}")

    page.on("request", check_request)
    page.goto(f"{app_server.url}/plan")
    page.wait_for_selector("h1:has-text('Operator plan')", timeout=90_000)
    harness.wait_for_run(page, timeout_s=90)
    page.get_by_role("button", name="Run plan").click()
    page.wait_for_selector("text=Vehicles needed", timeout=240_000)
    harness.wait_for_run(page, timeout_s=240)
    metrics = page.locator('[data-testid="stMetric"]')
    shown = {}
    for i in range(metrics.count()):
        m = metrics.nth(i)
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        shown[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    for label, value in _expected_metrics(expected).items():
        assert shown.get(label) == value, (label, shown)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    assert page.locator(".js-plotly-plot").count() == 2, "charging profile and TCO charts"
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"]', timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "09-operator-plan.png"), full_page=True)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="New blocks (CSV)").click()
    blocks = pd.read_csv(info.value.path(), encoding="utf-8-sig")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="New blocks (Excel)").click()
    xlsx = pd.read_excel(io.BytesIO(Path(info.value.path()).read_bytes()))
    for frame in (blocks, xlsx):
        per_type = frame.groupby("vehicle_type")["vehicle_id"].nunique().to_dict()
        assert per_type == expected["vehicles_needed"]
    assert errors == []


UPLOAD = (
    b"vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
    b"destination_lon,destination_lat,distance_km\n"
    b"u1,bus,bev,U1,06:00,07:00,116.3134229,39.9558913,116.3134229,39.9558913,30\n"
    b"u1,bus,bev,U2,07:30,08:30,116.3134229,39.9558913,116.3134229,39.9558913,30\n"
    b"u2,bus,bev,U3,09:00,10:00,116.3134229,39.9558913,116.3134229,39.9558913,30\n"
)


def test_page_plans_an_uploaded_timetable() -> None:
    """GIVEN an uploaded timetable of two buses whose three 30 km loops start and end at the
    default public station star_147 WHEN planned on the page (the embedded default's
    stations) THEN one bus (3 x 30 km at the default 1.242 kWh/km is far below 324 kWh)
    and one plug at star_147 are shown, against two buses in the input."""
    at = AppTest.from_file(str(PAGE), default_timeout=240)
    at.run()
    at.radio(key="plan.source").set_value("upload").run()
    at.file_uploader(key="upload.file").set_value(("up.csv", UPLOAD, "text/csv")).run()
    assert not at.exception
    at.checkbox(key="plan.battery").uncheck().run()
    at.button(key="plan.run_button").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Vehicles needed · bus"] == "1"
    assert shown["Plugs · star_147"] == "1"
    assert [c.value for c in at.caption if c.value.startswith("input")] == ["input: 2"]
