"""Sweeps: expansion, located errors, local vs Dask equality, kill-and-resume, CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fleetopt.api import run_scenario, run_sweep
from fleetopt.cli import app
from fleetopt.errors import InputError
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.sweeps import read_sweep, set_key

SUMMARY_KEYS = [
    "scenario",
    "seed",
    "vehicles",
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
    "peak_grid_kw",
    "charge_wait_mean_min",
    "charge_wait_max_min",
]


@pytest.fixture
def sweep_dir(data_dir: Path, tmp_path: Path) -> Path:
    """A copy of tests/data/sweeps (sweep files find their base next to them)."""
    dst = tmp_path / "in"
    shutil.copytree(data_dir / "sweeps", dst)
    return dst


def _timing_free(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in df.columns if c == "wall_s" or c.endswith(".wall_s")])


def test_set_key_paths() -> None:
    d = {"stations": [{"plugs": 1}], "seed": 3}
    assert set_key(d, "stations.0.plugs", 4) is None
    assert d["stations"][0]["plugs"] == 4
    assert set_key(d, "vehicle_types.bus.bev.battery_kwh", 200) is None
    assert d["vehicle_types"] == {"bus": {"bev": {"battery_kwh": 200}}}
    assert "index 3 does not exist" in (set_key(d, "stations.3.plugs", 1) or "")
    assert "by index" in (set_key(d, "stations.first.plugs", 1) or "")
    assert "single value" in (set_key(d, "seed.x", 1) or "")


def test_grid_expands_in_order(data_dir: Path) -> None:
    plan = read_sweep(data_dir / "sweeps" / "grid.toml")
    assert plan.mode == "grid"
    assert len(plan.variants) == 8
    assert plan.keys == (
        "ambient_temperature_c",
        "vehicle_types.bus.bev.battery_kwh",
        "stations.0.plugs",
    )
    v = plan.variants[5]  # (20, 100, 2): the last key varies fastest
    assert v.variant == "v0005"
    assert v.overrides == {"ambient_temperature_c": 20, "vehicle_types.bus.bev.battery_kwh": 100,
                           "stations.0.plugs": 2}
    assert v.scenario["stations"][0]["plugs"] == 2
    assert v.scenario["vehicle_types"]["bus"]["bev"]["battery_kwh"] == 100
    assert len({x.digest for x in plan.variants}) == 8


def test_list_and_monte_carlo_are_deterministic(data_dir: Path) -> None:
    lst = read_sweep(data_dir / "sweeps" / "list.toml")
    assert len(lst.variants) == 12
    assert lst.variants[4].overrides == {
        "vehicle_types.bus.bev.battery_kwh": 130,
        "stations.0.plugs": 2,
    }
    mc1 = read_sweep(data_dir / "sweeps" / "monte_carlo.toml")
    mc2 = read_sweep(data_dir / "sweeps" / "monte_carlo.toml")
    assert [v.overrides for v in mc1.variants] == [v.overrides for v in mc2.variants]
    rng = np.random.default_rng(11)  # the draws, by hand, in key order per sample
    first_t = float(rng.uniform(-15, 5))
    first_plugs = int(rng.integers(1, 3, endpoint=True))
    assert mc1.variants[0].overrides == {
        "ambient_temperature_c": first_t,
        "stations.0.plugs": first_plugs,
    }
    for v in mc1.variants:
        assert -15 <= v.overrides["ambient_temperature_c"] <= 5
        assert v.overrides["stations.0.plugs"] in (1, 2, 3)


@pytest.mark.parametrize(
    ("body", "column"),
    [
        (
            '[grid]\n"vehicle_types.bus.bev.battery_kwhh" = [1]\n',
            "vehicle_types.bus.bev.battery_kwhh",
        ),
        ('[grid]\n"stations.4.plugs" = [2]\n', "grid.stations.4.plugs"),
        ('[grid]\n"fleet.0.size" = [2]\n', "fleet"),
        (
            '[grid]\n"vehicle_types.bus.bev.initial_soc" = [1.5]\n',
            "vehicle_types.bus.bev.initial_soc",
        ),
        ("[grid]\nambient_temperature_c = 5\n", "grid.ambient_temperature_c"),
        ("[grid]\nambient_temperature_c = [1]\n[list]\nseed = [1]\n", None),
        ('[list]\nseed = [1, 2]\n"stations.0.plugs" = [1]\n', "list"),
        (
            '[monte_carlo]\nsamples = 3\n[monte_carlo.keys]\nseed = {distribution = "beta"}\n',
            "monte_carlo.seed",
        ),
        ("extra = 1\n[grid]\nambient_temperature_c = [1]\n", "extra"),
    ],
)
def test_bad_sweeps_are_located(sweep_dir: Path, body: str, column: str | None) -> None:
    p = sweep_dir / "bad.toml"
    p.write_text('base = "scenario.toml"\n' + body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_sweep(p)
    cols = [pr.column for pr in info.value.problems]
    assert column in cols, cols
    assert all(pr.file == str(p) for pr in info.value.problems)


def test_cli_bad_sweep_exits_2(sweep_dir: Path) -> None:
    p = sweep_dir / "bad.toml"
    p.write_text('base = "scenario.toml"\n[grid]\n"stations.0.plugz" = [2]\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["sweep", str(p), "--json", "--out", str(sweep_dir / "o")])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert "stations.0.plugz" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.fixture(scope="module")
def local_grid(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> tuple[pd.DataFrame, Path]:
    out = tmp_path_factory.mktemp("local")
    table = run_sweep(
        data_dir / "sweeps" / "grid.toml", executor="local", out_dir=out, progress=False, workers=2
    )
    return table, out


def test_local_table_columns_and_files(local_grid: tuple[pd.DataFrame, Path]) -> None:
    table, out = local_grid
    assert list(table.columns[:4]) == ["variant", "ambient_temperature_c",
                                       "vehicle_types.bus.bev.battery_kwh", "stations.0.plugs"]
    assert [c for c in table.columns if c in SUMMARY_KEYS] == SUMMARY_KEYS
    assert "by_type.bus.grid_energy_kwh" in table.columns
    assert "by_type" not in table.columns
    assert list(table.variant) == [f"v{i:04d}" for i in range(8)]
    csv = pd.read_csv(out / "results.csv")
    pq = pd.read_parquet(out / "results.parquet")
    assert len(csv) == len(pq) == 8
    pd.testing.assert_frame_equal(_timing_free(pq), _timing_free(table), check_dtype=False)
    assert sorted(p.name for p in (out / "variants").glob("*.json")) == [
        f"v{i:04d}.json" for i in range(8)
    ]
    # the swept levers matter: more plugs never lengthen the mean charging wait
    for (_, _), g in table.groupby(["ambient_temperature_c", "vehicle_types.bus.bev.battery_kwh"]):
        waits = g.sort_values("stations.0.plugs").charge_wait_mean_min.to_numpy()
        assert waits[1] <= waits[0] + 1e-9


def test_rows_equal_a_direct_run(local_grid: tuple[pd.DataFrame, Path], data_dir: Path) -> None:
    """GIVEN variant v0005 WHEN simulated directly THEN its row holds the same summary."""
    table, _ = local_grid
    plan = read_sweep(data_dir / "sweeps" / "grid.toml")
    v = plan.variants[5]
    direct = run_scenario(scenario_from_dict(v.scenario, base_dir=plan.base_path.parent,
                                             file=str(plan.base_path))).summary()
    row = table.set_index("variant").loc["v0005"]
    for k in SUMMARY_KEYS:
        assert row[k] == direct[k], k
    assert row["by_type.bus.co2_kg"] == direct["by_type"]["bus"]["co2_kg"]


@pytest.mark.dask
def test_dask_equals_local(
    local_grid: tuple[pd.DataFrame, Path], data_dir: Path, tmp_path: Path
) -> None:
    """A real distributed.LocalCluster on 127.0.0.1 (2 worker processes) gives the same table."""
    table, _ = local_grid
    dask_table = run_sweep(data_dir / "sweeps" / "grid.toml", executor="dask", out_dir=tmp_path,
                           progress=False)
    pd.testing.assert_frame_equal(_timing_free(dask_table), _timing_free(table))


def test_second_run_reuses_records(local_grid: tuple[pd.DataFrame, Path], data_dir: Path) -> None:
    table, out = local_grid
    before = {p.name: p.stat().st_mtime_ns for p in (out / "variants").glob("*.json")}
    again = run_sweep(data_dir / "sweeps" / "grid.toml", out_dir=out, progress=False, workers=2)
    after = {p.name: p.stat().st_mtime_ns for p in (out / "variants").glob("*.json")}
    assert before == after
    pd.testing.assert_frame_equal(again, table)


def test_killed_sweep_resumes_to_the_same_table(sweep_dir: Path, tmp_path: Path) -> None:
    """GIVEN a sweep SIGKILLed after two variants finished WHEN rerun THEN the finished
    variants are not recomputed and the table equals an uninterrupted run."""
    out = tmp_path / "killed"
    store = out / "variants"
    cmd = [
        sys.executable,
        "-m",
        "fleetopt",
        "sweep",
        str(sweep_dir / "list.toml"),
        "--out",
        str(out),
        "--workers",
        "1",
        "--no-progress",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if store.is_dir() and len(list(store.glob("v*.json"))) >= 2:
                break
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done = {p.name: p.stat().st_mtime_ns for p in store.glob("v*.json")}
    assert 2 <= len(done) < 12
    assert not (out / "results.csv").exists()
    resumed = run_sweep(sweep_dir / "list.toml", out_dir=out, progress=False, workers=2)
    for name, mtime in done.items():
        assert (store / name).stat().st_mtime_ns == mtime, f"{name} was recomputed"
    fresh = run_sweep(
        sweep_dir / "list.toml", out_dir=tmp_path / "fresh", progress=False, workers=2
    )
    pd.testing.assert_frame_equal(_timing_free(resumed), _timing_free(fresh))
    assert len(resumed) == 12


def test_changed_base_is_not_reused(sweep_dir: Path, tmp_path: Path) -> None:
    """A stored variant is reused only when its scenario is unchanged (digest)."""
    mc = sweep_dir / "monte_carlo.toml"
    out = tmp_path / "mc"
    first = run_sweep(mc, out_dir=out, progress=False, workers=1)
    base = sweep_dir / "scenario.toml"
    base.write_text(base.read_text(encoding="utf-8").replace("plug_kw = 60", "plug_kw = 120"),
                    encoding="utf-8")
    second = run_sweep(mc, out_dir=out, progress=False, workers=1)
    assert (second.peak_grid_kw >= first.peak_grid_kw).all()
    assert (second.peak_grid_kw > first.peak_grid_kw).any()


def test_cli_json_rows(sweep_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["sweep", str(sweep_dir / "monte_carlo.toml"), "--json",
                                   "--workers", "1", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert len(rows) == 4
    assert rows[0]["variant"] == "v0000"
    assert {
        "ambient_temperature_c",
        "stations.0.plugs",
        "co2_kg",
        "by_type.bus.distance_km",
    } <= set(rows[0])
    assert (tmp_path / "o" / "results.parquet").is_file()


def test_targets_only_sweep(data_dir: Path, tmp_path: Path) -> None:
    """GIVEN a sweep of plan levers with simulate = false THEN each row holds target values that
    move the right way and no simulation columns."""
    table = run_sweep(data_dir / "sweeps" / "targets_only.toml", out_dir=tmp_path, progress=False,
                      workers=1)
    assert len(table) == 4
    assert "co2_kg" not in table.columns
    key_ll = "transition.new_nev_share_pct.light_logistics.2025"
    ll = table.set_index(key_ll)["targets.light_logistics_nev_share_2025.value"]
    assert ll.loc[100].min() > ll.loc[50].max() > 0
    green = table.set_index("mode_share.parking_price_index")[
        "targets.green_travel_share_2030.value"
    ]
    assert green.loc[2.0].min() > green.loc[1.0].max()
    assert set(table["targets.nev_stock_2025.status"]) <= {
        "met",
        "on_track",
        "at_risk",
        "off_track",
    }


@pytest.mark.dask
def test_dask_scheduler_address(data_dir: Path, tmp_path: Path) -> None:
    """GIVEN a running scheduler (a LocalCluster on loopback) WHEN --scheduler names it
    THEN the sweep runs there and matches the local executor."""
    import warnings

    from distributed import LocalCluster

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
    try:
        remote = run_sweep(
            data_dir / "sweeps" / "targets_only.toml",
            executor="dask",
            scheduler=cluster.scheduler_address,
            out_dir=tmp_path / "d",
            progress=False,
        )
    finally:
        cluster.close()
    local = run_sweep(data_dir / "sweeps" / "targets_only.toml", out_dir=tmp_path / "l",
                      progress=False, workers=1)
    pd.testing.assert_frame_equal(remote, local)


def test_scheduler_needs_dask(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--scheduler needs --executor dask"):
        run_sweep(
            data_dir / "sweeps" / "grid.toml", scheduler="tcp://127.0.0.1:1", out_dir=tmp_path
        )
    with pytest.raises(InputError, match="unknown executor"):
        run_sweep(data_dir / "sweeps" / "grid.toml", executor="spark", out_dir=tmp_path)


def test_changed_trips_file_is_not_reused(sweep_dir: Path) -> None:
    """Editing an input file the base scenario names changes every variant's digest."""
    before = [v.digest for v in read_sweep(sweep_dir / "grid.toml").variants]
    trips = sweep_dir / "trips.csv"
    trips.write_text(
        trips.read_text(encoding="utf-8").replace(",12.0,", ",13.0,"), encoding="utf-8"
    )
    after = [v.digest for v in read_sweep(sweep_dir / "grid.toml").variants]
    assert not set(before) & set(after)


def test_grid_over_the_variant_cap_exits_2_before_expanding(sweep_dir: Path) -> None:
    """GIVEN a grid of 101 x 101 values (10,201 variants > MAX_GRID_VARIANTS 10,000) WHEN run
    THEN exit 2 at once, naming the cap and how to raise it; nothing is expanded or written."""
    vals = ", ".join(str(i) for i in range(101))
    p = sweep_dir / "huge.toml"
    p.write_text(f'base = "scenario.toml"\n[grid]\nseed = [{vals}]\n'
                 f'ambient_temperature_c = [{vals}]\n', encoding="utf-8")
    t0 = time.perf_counter()
    res = CliRunner().invoke(app, ["sweep", str(p), "--json", "--out", str(sweep_dir / "o")])
    assert res.exit_code == 2
    assert time.perf_counter() - t0 < 10
    assert "10,201 variants" in res.stderr
    assert "FLEETOPT_MAX_GRID_VARIANTS" in res.stderr
    assert not (sweep_dir / "o" / "results.csv").exists()


def test_results_csv_escapes_formula_like_text(sweep_dir: Path, tmp_path: Path) -> None:
    """GIVEN a targets-only sweep whose swept scenario name starts with '=' or '@' WHEN the
    results are written THEN results.csv carries those names with a leading apostrophe (not a
    formula) while the parquet keeps the values as given and numbers stay numbers."""
    p = sweep_dir / "names.toml"
    p.write_text('base = "scenario.toml"\nsimulate = false\ntargets = true\n[grid]\n'
                 'name = ["=HYPERLINK(\\"http://x\\")", "@sum", "plain"]\n'
                 '"mode_share.band_samples" = [20]\n', encoding="utf-8")
    table = run_sweep(p, out_dir=tmp_path, progress=False, workers=1)
    assert sorted(table["name"]) == sorted(['=HYPERLINK("http://x")', "@sum", "plain"])
    text = pd.read_csv(tmp_path / "results.csv", dtype=str)
    assert sorted(text["name"]) == sorted(["'=HYPERLINK(\"http://x\")", "'@sum", "plain"])
    back = pd.read_parquet(tmp_path / "results.parquet")
    assert sorted(back["name"]) == sorted(table["name"])
    numeric = pd.read_csv(tmp_path / "results.csv")
    assert numeric["mode_share.band_samples"].dtype.kind in "if"
