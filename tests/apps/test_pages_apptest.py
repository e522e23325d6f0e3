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
    parts = [
        e.value
        for e in (
            *at.title,
            *at.markdown,
            *at.caption,
            *at.warning,
            *at.error,
            *at.success,
            *at.info,
        )
    ]
    return "\n".join(str(p) for p in parts)


def test_entry_page_runs_the_targets_dashboard_and_switches_language() -> None:
    """GIVEN the entry script WHEN it runs THEN the targets page is shown; WHEN zh is chosen THEN
    labels are Chinese.
    """
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
    """GIVEN a trips file with three planted errors
    WHEN uploaded THEN a table lists rows 3, 5, 7 with their columns.
    """
    at = _page("fleet_page.py")
    at = _upload(at, "bad.csv", (DATA / "generated_trips_line10_bad.csv").read_bytes())
    assert "has 3 problems" in _texts(at)
    table = at.dataframe[0].value
    assert list(table["Row"]) == [3, 5, 7]
    assert list(table["Column"]) == ["vehicle_type", "arrival", "origin_lat"]
    assert "tram" in table["Message"].iloc[0]
    if (
        services.missing("simulation") is None
    ):  # the run button stays disabled, the page keeps working
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
    """GIVEN the default targets WHEN the yearly series are drawn THEN each passes through the row's
    value.
    """
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
    # the published figures the models are calibrated to: 70.7 % green travel in 2015, 507,000 NEVs
    # end-2021
    assert ((observed["id"] == "green_travel_share_2025") & (observed["value"] == 70.7)).any()
    assert ((observed["id"] == "nev_stock_2025") & (observed["value"] == 507000.0)).any()


def test_compare_page_runs_two_variants_and_shows_differences() -> None:
    """GIVEN a mild and a -10 °C winter day WHEN compared THEN the winter day needs more battery
    energy.
    """
    if services.missing("simulation") is not None:
        pytest.skip("simulation is not in this build")
    at = _page("compare_page.py", timeout_s=300)
    for i in (0, 1):
        at.slider(key=f"levers.cmp{i}.size").set_value(5)
    at.run()
    at.button(key="compare.run_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    summary = at.dataframe[0].value
    assert list(summary.columns[:3]) == ["Variant 1", "Variant 2", "Δ Variant 2"]
    mild, winter = (
        summary.loc["battery_energy_kwh", "Variant 1"],
        summary.loc["battery_energy_kwh", "Variant 2"],
    )
    assert winter > mild > 0
    assert summary.loc["battery_energy_kwh", "Δ Variant 2"] == pytest.approx(winter - mild)
    if services.missing("targets") is None:
        targets = at.dataframe[1].value
        assert "Variant 2 status" in targets.columns


def test_siting_page_solves_p_median_on_default_demand() -> None:
    if services.missing("siting") is not None or services.missing("simulation") is not None:
        pytest.skip("siting or simulation is not in this build")
    at = _page("siting_page.py", timeout_s=300)
    at.number_input(key="siting.siting.p").set_value(5)
    at.slider(key="siting.siting.candidates").set_value(100)
    at.run()
    at.button(key="siting.solve_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Status"] in ("optimal", "feasible")
    sites = at.dataframe[0].value
    assert len(sites) == 5
    assert not sites["existing"].any()
    assert at.get("download_button")[0].label == "GeoJSON of the chosen sites"


def test_language_component_owns_its_key() -> None:
    def app() -> None:
        import streamlit as st

        from apps.components.language import language_switch, t

        code = language_switch()
        st.write(code, t("page_siting"))

    at = AppTest.from_function(app)
    at.run()
    assert at.markdown[0].value == "en Station siting"
    at.sidebar.radio(key="ui.lang").set_value("zh").run()
    assert at.markdown[0].value == "zh 场站选址"


def test_levers_component_returns_plain_values() -> None:
    def app() -> None:
        import json

        import streamlit as st

        from apps.components.scenario_levers import scenario_levers

        levers = scenario_levers(
            "x", networks=["beijing-central-2024", "haidian-cau"], types=("bus", "taxi")
        )
        st.write(json.dumps(levers.to_dict(), sort_keys=True))

    at = AppTest.from_function(app)
    at.run()
    at.slider(key="levers.x.temperature").set_value(-12)
    at.slider(key="levers.x.bev.taxi").set_value(35)
    at.selectbox(key="levers.x.network").set_value("haidian-cau")
    at.run()
    import json

    got = json.loads(at.markdown[0].value)
    assert got == {
        "ambient_temperature_c": -12.0,
        "bev_share_pct": {"bus": 100.0, "taxi": 35.0},
        "charging": "immediate",
        "network": "haidian-cau",
        "seed": 0,
        "size_pct": 20.0,
    }


def test_compare_page_lists_and_compares_stored_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN two runs stored by fleetopt's run store
    WHEN both are picked THEN their summaries sit side by side.
    """
    if services.missing("simulation") is not None:
        pytest.skip("simulation is not in this build")
    from fleetopt import api, settings
    from fleetopt.inputs.default_demand import default_scenario_path
    from fleetopt.inputs.scenario import load_scenario_dict, scenario_from_dict
    from fleetopt.results.store import new_run

    monkeypatch.setattr(settings, "RUNS_DIR", tmp_path / "runs")
    path = default_scenario_path()
    walls = {}
    for temp in (20, -10):
        raw = load_scenario_dict(path)
        raw["fleets"] = [{"name": "line10", "trips": str(DATA / "generated_trips_line10.csv")}]
        raw["ambient_temperature_c"] = temp
        result = api.run_scenario(scenario_from_dict(raw, base_dir=path.parent))
        with new_run("simulate", scenario_path=path, inputs=[path]) as folder:
            result.write(Path(folder))
        walls[temp] = result.summary()
    at = _page("compare_page.py", timeout_s=120)
    ms = at.multiselect(key="compare.stored")
    assert len(ms.options) == 2
    ms.select(ms.options[0]).select(ms.options[1])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]
    table = at.dataframe[0].value
    first, second = table.columns[:2]
    assert str(first).startswith("runs/")
    assert str(second).startswith("runs/")
    got = sorted([table.loc["battery_energy_kwh", first], table.loc["battery_energy_kwh", second]])
    want = sorted([walls[20]["battery_energy_kwh"], walls[-10]["battery_energy_kwh"]])
    assert got == pytest.approx(want)


def _zip_folder(folder: Path) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.glob("*.txt")):
            zf.write(path, path.name)
    return buf.getvalue()


def test_fleet_page_takes_a_gtfs_zip_and_runs_it() -> None:
    """GIVEN the generated line-10 GTFS feed as a zip WHEN uploaded and run THEN its trips are
    simulated.
    """
    if services.missing("simulation") is not None:
        pytest.skip("simulation is not in this build")
    feed = REPO / "tests" / "data" / "inputs" / "generated_gtfs_line10"
    if not feed.is_dir():
        pytest.skip("the inputs part's GTFS fixture is not in this checkout")
    at = _page("fleet_page.py", timeout_s=300)
    at.radio(key="fleet.source").set_value("upload").run()
    at.file_uploader(key="upload.file").set_value(
        ("feed.zip", _zip_folder(feed), "application/zip")
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Detected file type: GTFS" in _texts(at)
    assert "The file is valid" in _texts(at), [e.value for e in at.error]
    at.button(key="fleet.run_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    served, total = (int(x.replace(",", "")) for x in metrics["Trips served"].split(" / "))
    assert total > 0
    assert served <= total


def test_fleet_page_takes_an_excel_workbook() -> None:
    import io

    import pandas as pd

    frame = pd.read_csv(DATA / "generated_trips_line10.csv", dtype=str, keep_default_na=False)
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    at = _page("fleet_page.py")
    at = _upload(at, "trips.bin", buf.getvalue())  # a misleading name: the content decides
    assert "Detected file type: XLSX" in _texts(at)
    assert "The file is valid" in _texts(at), [e.value for e in at.error]


def test_fleet_run_is_saved_to_the_run_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a finished run WHEN saved THEN runs/ holds it with its summary and the upload hash."""
    if services.missing("simulation") is not None:
        pytest.skip("simulation is not in this build")
    import hashlib
    import json

    from fleetopt import settings
    from fleetopt.results.store import list_runs, load_run

    monkeypatch.setattr(settings, "RUNS_DIR", tmp_path / "runs")
    data = (DATA / "generated_trips_line10.csv").read_bytes()
    at = _page("fleet_page.py", timeout_s=300)
    at = _upload(at, "line10.csv", data)
    at.button(key="fleet.run_button").click().run()
    at.button(key="fleet.save_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    runs = list_runs()
    assert len(runs) == 1
    assert f"Saved as run {runs[0]['id']}." in _texts(at)
    run = load_run(runs[0]["id"], verify=True)
    assert services.saved_summary(runs[0]["id"])["trips_total"] == 62
    assert hashlib.sha256(data).hexdigest() in json.dumps(run.meta)


@pytest.mark.parametrize(
    ("page", "feature", "module"),
    [
        ("targets_page.py", "targets", "fleetopt.results.targets"),
        ("fleet_page.py", "simulation", "fleetopt.simulation"),
        ("siting_page.py", "siting", "fleetopt.siting"),
        ("compare_page.py", "simulation", "fleetopt.simulation"),
    ],
)
def test_pages_say_when_a_library_part_is_missing(
    page: str, feature: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a build without a library part WHEN its page opens THEN it says so, with no number."""
    monkeypatch.setitem(services.FEATURES, feature, ("fleetopt.no_such_module_for_test",))
    at = _page(page)
    warnings = " ".join(w.value for w in at.warning)
    assert "Not available in this build" in warnings
    assert module in warnings
    assert not at.metric
