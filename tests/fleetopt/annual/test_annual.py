"""`fleetopt simulate --annual` (CONTRACT §7): representative days, weights, totals by hand,
resume, Dask = local, retries, an unreachable scheduler."""

from __future__ import annotations

import calendar
import json
import shutil
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import fleetopt as fleetopt_pkg
from fleetopt import api, executors
from fleetopt.case import load_case
from fleetopt.cli import app
from fleetopt.inputs.scenario import Fleet, read_scenario
from fleetopt.simulation import annual
from fleetopt.simulation.result import SUMMARY_KEYS

runner = CliRunner()

ONE_TRIP = """name = "one-bus"
seed = 1
year = {year}
network = "beijing-central-2024"

[[fleets]]
trips = "trips.csv"

[vehicle_types.bus.bev]
battery_kwh = 100
kwh_per_km = 1.0
energy_model = "constant"
max_charge_kw = 100
charging_curve = "constant"
charge_efficiency = 1.0
initial_soc = 1.0
min_soc = 0.0

[vehicle_types.bus.diesel]
l_per_100km = 30.0
energy_model = "constant"

[[stations]]
id = "depot-A"
kind = "depot"
lon = 116.40
lat = 39.91
plugs = 1
plug_kw = 100

[horizon]
end = "24:00"
"""
HEADER = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
    "destination_lon,destination_lat,distance_km\n"
)
BUS = "b1,bus,bev,t1,06:00,07:00,116.4000,39.9100,116.4000,39.9100,10\n"
DIESEL = "d1,bus,diesel,t2,06:00,07:00,116.4000,39.9100,116.4000,39.9100,20\n"
SUMMED = (
    "trips_total",
    "trips_served",
    "trips_missed",
    "distance_km",
    "battery_energy_kwh",
    "grid_energy_kwh",
    "hydrogen_kg",
    "diesel_l",
    "gasoline_l",
    "co2_kg",
)


def _write(tmp_path: Path, year: int, rows: str = BUS) -> Path:
    (tmp_path / "trips.csv").write_text(HEADER + rows, encoding="utf-8")
    p = tmp_path / "s.toml"
    p.write_text(ONE_TRIP.format(year=year), encoding="utf-8")
    return p


def _no_wall(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _no_wall(v) for k, v in doc.items() if k != "wall_s"}
    if isinstance(doc, list):
        return [_no_wall(v) for v in doc]
    return doc


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2028, 2100])
def test_weights_sum_to_the_days_of_the_year(year: int) -> None:
    """GIVEN a year WHEN its representative days are built THEN weekday + weekend weights of
    each month are its days, Saturdays and Sundays are the weekend, the sum is 365 or 366."""
    days = annual.representative_days(year)
    assert sum(d.weight_days for d in days) == (366 if calendar.isleap(year) else 365)
    assert len(days) == 24
    for d in days:
        n = calendar.monthrange(year, d.month)[1]
        weekend = sum(1 for i in range(1, n + 1) if calendar.weekday(year, d.month, i) >= 5)
        assert d.weight_days == (weekend if d.day_type == "weekend" else n - weekend)
    temps = annual.monthly_temperature_c()
    assert [d.ambient_temperature_c for d in days[::2]] == [temps[m] for m in range(1, 13)]
    assert temps[1] < 0 < temps[7]


@pytest.mark.parametrize(("year", "expected"), [(2025, 3650.0), (2028, 3660.0)])
def test_constant_model_year_is_daily_total_times_days(
    tmp_path: Path, year: int, expected: float
) -> None:
    """GIVEN 1 bus, 1 trip of 10 km at 1.0 kWh/km (constant model) WHEN simulate --annual THEN
    battery 10 kWh x 365 = 3650 (2025) or x 366 = 3660 (2028), and every summed key equals the
    one-day simulate total times the days of the year, exactly."""
    p = _write(tmp_path, year, BUS + DIESEL)
    res = runner.invoke(
        app, ["simulate", str(p), "--annual", "--json", "--out", str(tmp_path / "out")]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["battery_energy_kwh"] == expected
    day = runner.invoke(app, ["simulate", str(p), "--json", "--out", str(tmp_path / "day")])
    one = json.loads(day.stdout)
    n = 366 if calendar.isleap(year) else 365
    for k in SUMMED:
        assert doc[k] == pytest.approx(one[k] * n, rel=1e-12, abs=1e-9), k
        assert doc["by_type"]["bus"][k] == pytest.approx(one[k] * n, rel=1e-12, abs=1e-9), k
    assert doc["peak_grid_kw"] == one["peak_grid_kw"]  # a maximum stays a maximum
    assert doc["vehicles"] == one["vehicles"] == 2
    assert [k for k in doc if k not in ("year", "days")] == list(SUMMARY_KEYS)
    assert doc["year"] == year
    assert sum(d["weight_days"] for d in doc["days"]) == n
    first = doc["days"][0]
    assert list(first)[:3] == ["label", "weight_days", "ambient_temperature_c"]
    assert first["battery_energy_kwh"] == one["battery_energy_kwh"]
    assert (tmp_path / "out" / "summary.json").is_file()
    assert (tmp_path / "out" / "days.csv").read_text().count("\n") == 25


def test_temperature_model_follows_the_monthly_climate(tmp_path: Path) -> None:
    """GIVEN the temperature energy model WHEN --annual THEN January (-3.3 °C) draws more per
    day than May (19.8 °C, factor ~1) and the yearly battery energy exceeds 365 x May's."""
    p = _write(tmp_path, 2025)
    p.write_text(p.read_text().replace('energy_model = "constant"\nmax', "max"), encoding="utf-8")
    doc = api.simulate_annual(p, out_dir=tmp_path / "out")
    by = {d["label"]: d for d in doc["days"]}
    jan, may = by["2025-01 weekday"], by["2025-05 weekday"]
    assert jan["ambient_temperature_c"] == -3.3
    assert jan["battery_energy_kwh"] > may["battery_energy_kwh"] * 1.2
    assert doc["battery_energy_kwh"] > 365 * may["battery_energy_kwh"]


def test_resume_recomputes_only_the_missing_day(tmp_path: Path) -> None:
    """GIVEN a finished annual run WHEN one stored day is deleted and the run repeated THEN the
    totals are identical and only that day's record is written again."""
    p = _write(tmp_path, 2025, BUS + DIESEL)
    out = tmp_path / "out"
    first = api.simulate_annual(p, out_dir=out)
    files = sorted((out / "days").glob("*.json"))
    assert len(files) == 12  # weekday and weekend share their inputs: simulated once per month
    before = {f.name: f.stat().st_mtime_ns for f in files}
    gone = out / "days" / "2025-03_weekday.json"
    gone.unlink()
    time.sleep(0.01)
    second = api.simulate_annual(p, out_dir=out)
    assert _no_wall(second) == _no_wall(first)
    after = {f.name: f.stat().st_mtime_ns for f in sorted((out / "days").glob("*.json"))}
    changed = [k for k in after if after[k] != before.get(k)]
    assert changed == ["2025-03_weekday.json"]


def test_changed_scenario_does_not_reuse_stored_days(tmp_path: Path) -> None:
    """A stored day is reused only for the same scenario and inputs (its digest)."""
    p = _write(tmp_path, 2025)
    out = tmp_path / "out"
    a = api.simulate_annual(p, out_dir=out)
    (tmp_path / "trips.csv").write_text(HEADER + BUS.replace(",10\n", ",20\n"), encoding="utf-8")
    b = api.simulate_annual(p, out_dir=out)
    assert b["battery_energy_kwh"] == 2 * a["battery_energy_kwh"] == 7300.0


def test_a_changed_parameter_table_or_model_does_not_reuse_stored_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a copy of fleetopt's code and tables WHEN one row of a parameter table changes
    THEN its fingerprint changes (caches are ignored), and a scenario's day key follows the
    package's fingerprint, so days stored by another version of a default are recomputed."""
    src = Path(fleetopt_pkg.__file__).resolve().parent
    root = tmp_path / "pkg"
    (root / "data").mkdir(parents=True)
    shutil.copy(src / "executors.py", root / "executors.py")
    shutil.copy(src / "data" / "vehicle_specs.csv", root / "data" / "vehicle_specs.csv")
    (root / "__pycache__").mkdir()
    before = executors.tree_fingerprint(root)
    (root / "__pycache__" / "x.pyc").write_bytes(b"cache")
    assert executors.tree_fingerprint(root) == before
    table = root / "data" / "vehicle_specs.csv"
    table.write_bytes(table.read_bytes().replace(b"0.16", b"0.15", 1))
    assert executors.tree_fingerprint(root) != before
    p = _write(tmp_path, 2025)
    scenario = read_scenario(p)
    key = annual.scenario_key(scenario)
    monkeypatch.setattr(annual, "package_fingerprint", lambda: "another-release")
    assert annual.scenario_key(scenario) != key


def test_combine_sums_maxima_and_weighted_means() -> None:
    """By hand: sums x days, maxima stay maxima, means weighted by days, by_type per type."""
    a = {
        "trips_total": 2,
        "co2_kg": 1.5,
        "peak_grid_kw": 10.0,
        "charge_wait_mean_min": 1.0,
        "charge_wait_max_min": 4.0,
        "vehicles": 3,
        "by_type": {"bus": {"co2_kg": 1.5}},
    }
    b = {
        "trips_total": 1,
        "co2_kg": 0.5,
        "peak_grid_kw": 30.0,
        "charge_wait_mean_min": 4.0,
        "charge_wait_max_min": 2.0,
        "vehicles": 2,
        "by_type": {"taxi": {"co2_kg": 0.5}},
    }
    out = annual.combine([a, b], [2, 1])
    assert out["trips_total"] == 5
    assert isinstance(out["trips_total"], int)
    assert out["co2_kg"] == 3.5
    assert out["peak_grid_kw"] == 30.0
    assert out["charge_wait_max_min"] == 4.0
    assert out["charge_wait_mean_min"] == pytest.approx((2 * 1.0 + 4.0) / 3)
    assert out["vehicles"] == 3
    assert out["by_type"] == {"bus": {"co2_kg": 3.0}, "taxi": {"co2_kg": 0.5}}


def test_weekend_demand_scales_generators_not_files(tmp_path: Path) -> None:
    """weekend_demand_factor scales an embedded generator's fleet on weekend days; a trips
    file runs the same trips every day."""
    gen = Fleet(index=0, source="generator", generator="beijing-bus", size=10)
    scaled = Fleet(index=1, source="generator", generator="beijing-bus", scale=0.5)
    trips = Fleet(index=2, source="trips", path=tmp_path / "t.csv")
    days = annual.representative_days(2025, weekend_demand_factor=0.8)
    assert {d.demand_factor for d in days if d.day_type == "weekend"} == {0.8}
    assert {d.demand_factor for d in days if d.day_type == "weekday"} == {1.0}
    sc = read_scenario(_write(tmp_path, 2025))
    sc = sc.__class__(**{**sc.__dict__, "fleets": (gen, scaled, trips)})
    weekend = next(d for d in days if d.day_type == "weekend")
    out = annual.day_scenario(sc, weekend)
    assert out.fleets[0].size == 8
    assert out.fleets[1].scale == pytest.approx(0.4)
    assert out.fleets[2] == trips
    assert out.ambient_temperature_c == weekend.ambient_temperature_c


def test_reused_routes_give_the_same_day_as_a_fresh_run() -> None:
    """GIVEN a taxi fleet serving requests WHEN two days run with the route matrices reused
    THEN each equals a fresh engine.simulate of the same day scenario."""
    from fleetopt.inputs.default_demand import default_scenario_path
    from fleetopt.inputs.scenario import load_scenario_dict, scenario_from_dict
    from fleetopt.simulation import engine

    path = default_scenario_path()
    d = load_scenario_dict(path)
    d["fleets"] = [{"name": "taxi", "generator": "beijing-taxi", "size": 20, "powertrain": "bev"}]
    sc = scenario_from_dict(d, base_dir=path.parent, file=str(path))
    days = annual.representative_days(2025)
    annual._ROUTES.clear()
    for day in (days[0], days[12]):
        reused = annual.simulate_day(sc, day)
        fresh = engine.simulate(load_case(annual.day_scenario(sc, day))).summary()
        assert _no_wall(reused) == _no_wall(json.loads(json.dumps(fresh)))
    assert len(annual._ROUTES) == 1  # the second day found the first day's matrices


def test_executor_flags_need_annual_and_known_values(tmp_path: Path) -> None:
    """--executor/--scheduler without --annual, or an unknown executor: exit 2."""
    p = _write(tmp_path, 2025)
    for args in (
        ["--executor", "dask"],
        ["--scheduler", "tcp://127.0.0.1:1"],
        ["--annual", "--executor", "spark"],
        ["--annual", "--scheduler", "tcp://127.0.0.1:1"],
    ):
        res = runner.invoke(app, ["simulate", str(p), "--json", *args])
        assert res.exit_code == 2, (args, res.output)
        assert res.stdout == ""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_exits_2_naming_it_within_10_s(tmp_path: Path) -> None:
    """GIVEN a scheduler address where nothing listens WHEN --annual --executor dask THEN exit 2
    within 10 s with a message naming the address."""
    p = _write(tmp_path, 2025)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    t0 = time.perf_counter()
    res = runner.invoke(
        app,
        [
            "simulate",
            str(p),
            "--annual",
            "--executor",
            "dask",
            "--scheduler",
            address,
            "--json",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert time.perf_counter() - t0 < 10
    assert res.exit_code == 2, res.output
    assert address in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.dask
def test_dask_equals_local(tmp_path: Path) -> None:
    """GIVEN the same scenario WHEN run locally and on a 2-worker LocalCluster THEN the yearly
    totals and every day are identical (wall times aside)."""
    p = _write(tmp_path, 2025, BUS + DIESEL)
    p.write_text(p.read_text().replace('energy_model = "constant"\nmax', "max"), encoding="utf-8")
    local = api.simulate_annual(p, out_dir=tmp_path / "local")
    dask = api.simulate_annual(p, executor="dask", out_dir=tmp_path / "dask")
    assert _no_wall(dask) == _no_wall(local)
    assert len(list((tmp_path / "dask" / "days").glob("*.json"))) == 12


@pytest.mark.dask
def test_a_failed_task_is_retried_once_never_doubled(tmp_path: Path) -> None:
    """GIVEN tasks that fail on their first attempt WHEN run on a LocalCluster THEN each is
    retried and its result comes back exactly once (the sum is not doubled)."""
    from annual_flaky_task import fail_once

    from fleetopt.executors import iter_dask

    tasks = [{"name": f"t{i}", "value": i, "marker_dir": str(tmp_path)} for i in range(4)]
    results = list(iter_dask(fail_once, tasks, [f"flaky-{t['name']}" for t in tasks]))
    assert sorted(r["name"] for r in results) == ["t0", "t1", "t2", "t3"]
    assert sum(r["value"] for r in results) == 6
    assert len(list(tmp_path.glob("*.tried"))) == 4


@pytest.mark.dask
def test_a_lost_worker_is_replaced_and_its_task_rerun_once(tmp_path: Path) -> None:
    """GIVEN a task whose first attempt kills its worker process WHEN run on a LocalCluster
    THEN the task runs again on a live worker and comes back exactly once."""
    from annual_flaky_task import die_once

    from fleetopt.executors import iter_dask

    tasks = [{"name": f"w{i}", "value": 10 + i, "marker_dir": str(tmp_path)} for i in range(2)]
    results = list(iter_dask(die_once, tasks, [f"die-{t['name']}" for t in tasks]))
    assert sorted(r["name"] for r in results) == ["w0", "w1"]
    assert sum(r["value"] for r in results) == 21
    assert len(list(tmp_path.glob("*.died"))) == 2


def test_progress_lines_on_stderr_never_stdout(tmp_path: Path) -> None:
    """With --json and stderr not a terminal: one plain line per finished day on stderr,
    stdout holds the JSON document only."""
    p = _write(tmp_path, 2025)
    res = runner.invoke(
        app, ["simulate", str(p), "--annual", "--json", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)
    assert "annual one-bus 2025: 12/12 done (2025-12 weekday)" in res.stderr
    assert "done" not in res.stdout


@pytest.mark.dask
def test_cli_with_a_running_scheduler_equals_local(tmp_path: Path) -> None:
    """GIVEN a running scheduler WHEN `simulate --annual --executor dask --scheduler ADDRESS`
    THEN the CLI result equals the local one (wall times aside)."""
    from distributed import LocalCluster

    p = _write(tmp_path, 2024, BUS + DIESEL)
    local = runner.invoke(
        app, ["simulate", str(p), "--annual", "--json", "--out", str(tmp_path / "l")]
    )
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        res = runner.invoke(
            app,
            [
                "simulate",
                str(p),
                "--annual",
                "--executor",
                "dask",
                "--scheduler",
                cluster.scheduler_address,
                "--json",
                "--out",
                str(tmp_path / "d"),
            ],
        )
    assert res.exit_code == 0, res.output
    assert _no_wall(json.loads(res.stdout)) == _no_wall(json.loads(local.stdout))


def test_route_cache_computes_each_row_once_and_equal_to_a_fresh_one() -> None:
    """GIVEN one RouteCache passed to two days WHEN the second day runs THEN it computes only
    the rows of nodes the first day did not have, its result equals a run with a fresh cache,
    and every shared row equals the fresh cache's row."""
    import numpy as np

    from fleetopt.inputs.default_demand import default_scenario_path
    from fleetopt.inputs.road_graph import load_network
    from fleetopt.inputs.scenario import load_scenario_dict, scenario_from_dict
    from fleetopt.simulation.routes import RouteCache

    path = default_scenario_path()
    d = load_scenario_dict(path)
    d["fleets"] = [{"name": "taxi", "generator": "beijing-taxi", "size": 20, "powertrain": "bev"}]
    sc = scenario_from_dict(d, base_dir=path.parent, file=str(path))
    net = load_network(sc.network, base_dir=sc.base_dir)
    days = annual.representative_days(2025)
    shared = RouteCache(net)
    annual.simulate_day(sc, days[0], net, routes=shared)
    after_first = shared.computed
    reused = annual.simulate_day(sc, days[12], net, routes=shared)
    fresh_cache = RouteCache(net)
    fresh = annual.simulate_day(sc, days[12], net, routes=fresh_cache)
    assert _no_wall(reused) == _no_wall(fresh)
    assert after_first > 0
    assert shared.computed - after_first < fresh_cache.computed  # the first day's rows served
    assert shared.computed == len(set(shared.nodes.tolist()))  # no row computed twice
    rows_shared = shared.row_of[fresh_cache.nodes]
    assert (rows_shared >= 0).all()
    assert np.array_equal(
        shared.weights[rows_shared], fresh_cache.weights[fresh_cache.row_of[fresh_cache.nodes]]
    )
