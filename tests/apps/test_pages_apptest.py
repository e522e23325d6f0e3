"""AppTest of every page on the real library with small real inputs (no browser)."""

from __future__ import annotations

import pickle  # only to build a hostile upload; the app never unpickles
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from apps import services

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "apps" / "streamlit_app.py")
PAGES = REPO / "apps" / "pages"
DATA = REPO / "tests" / "data" / "apps"


def _page(name: str, timeout_s: float = 30.0) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=timeout_s)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.markdown, *at.caption, *at.warning, *at.error, *at.success, *at.info)]
    return "\n".join(str(p) for p in parts)


def test_entry_page_runs_the_targets_dashboard_and_switches_language() -> None:
    """GIVEN the entry script WHEN it runs THEN the targets page is shown; WHEN zh is chosen THEN labels are Chinese."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Carbon Peak Plan targets"
    at.sidebar.radio(key="ui.lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "碳达峰方案目标"


def test_targets_page_shows_every_target_or_says_it_is_unavailable() -> None:
    at = _page("targets_page.py")
    if services.missing("targets") is not None:
        assert "Not available in this build" in _texts(at)
        return
    rows = services.targets(None)
    assert len(rows) >= 9
    # one status count per status, then one metric per numeric target card
    numeric = [r for r in rows if isinstance(r["target"], (int, float))]
    assert len(numeric) >= 9
    assert len(at.metric) == 5 + len(numeric)
    ids = {r["id"] for r in rows}
    assert {"green_travel_share_2025", "nev_stock_2025", "bus_nev_share_2025"} <= ids


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.radio(key="fleet.source").set_value("upload").run()
    at.file_uploader(key="upload.file").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_fleet_page_lists_every_located_problem_of_a_bad_upload() -> None:
    """GIVEN a trips file with three planted errors WHEN uploaded THEN a table lists rows 3, 5, 7 with columns."""
    at = _page("fleet_page.py")
    at = _upload(at, "bad.csv", (DATA / "generated_trips_line10_bad.csv").read_bytes())
    assert "has 3 problems" in _texts(at)
    table = at.dataframe[0].value
    assert list(table["Row"]) == [3, 5, 7]
    assert list(table["Column"]) == ["vehicle_type", "arrival", "origin_lat"]
    assert "tram" in table["Message"].iloc[0]
    if services.missing("simulation") is None:  # the run button stays disabled, the page keeps working
        assert at.button(key="fleet.run_button").disabled


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("trips.csv", pickle.dumps({"a": 1}), "binary"),
        ("trips.csv", b"<!DOCTYPE html><html><body>404</body></html>", "HTML"),
        ("trips.xlsx", b"", "empty"),
    ],
)
def test_fleet_page_rejects_files_by_content_not_name(name: str, data: bytes, reason: str) -> None:
    at = _page("fleet_page.py")
    at = _upload(at, name, data)
    errors = " ".join(e.value for e in at.error)
    assert "is not a trips CSV" in errors
    assert reason in errors


def test_fleet_page_accepts_a_valid_upload() -> None:
    at = _page("fleet_page.py")
    at = _upload(at, "line10.csv", (DATA / "generated_trips_line10.csv").read_bytes())
    assert "The file is valid" in _texts(at)
    assert "Detected file type: CSV" in _texts(at)


def test_trajectories_meet_the_target_rows_in_the_target_year() -> None:
    """GIVEN the default targets WHEN the yearly series are drawn THEN each passes through the row's value."""
    if services.missing("targets") is not None:
        pytest.skip("fleetopt.results.targets is not in this build")
    rows = {r["id"]: r for r in services.targets(None)}
    traj = services.target_trajectories()
    assert traj is not None
    projected = traj[traj["kind"] == "projected"]
    no_value = {i for i, r in rows.items() if r["value"] is None}
    assert not set(projected["id"]) & no_value, "a series for a target the library gives no value"
    checked = 0
    for target_id, part in projected.groupby("id"):
        row = rows[target_id]
        at_year = part.loc[part["year"] == row["year"], "value"]
        assert len(at_year) == 1, target_id
        assert at_year.iloc[0] == pytest.approx(row["value"], rel=1e-3, abs=1e-3), target_id
        checked += 1
    assert checked >= 7
    observed = traj[traj["kind"] == "observed"]
    # the published figures the models are calibrated to: 70.7 % green travel in 2015, 507,000 NEVs end-2021
    assert ((observed["id"] == "green_travel_share_2025") & (observed["value"] == 70.7)).any()
    assert ((observed["id"] == "nev_stock_2025") & (observed["value"] == 507000.0)).any()
