"""The dispatch loop: taxis leaving a charger rejoin it in time, the route cache, live progress."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from simkit import TAXI_A as A
from simkit import TAXI_B as B
from simkit import requests_csv as _req
from simkit import taxi_scenario as _scenario

from fleetopt.case import load_case
from fleetopt.inputs.routing import route_matrices, split_combined
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.routes import RouteCache

REPO = Path(__file__).resolve().parents[3]


def _charging_day(tmp_path: Path) -> dict:
    """One taxi at SoC 0.25 (threshold 0.2): r1 A->B drains it, it charges at P; r2 (B->A,
    max wait 120 min) waits for it; r3 at 11:00 from A."""
    reqs = _req([("r1", "08:00", A, B), ("r2", "08:05", B, A), ("r3", "11:00", A, B)])
    d = _scenario(tmp_path, reqs, size=1, start=[list(A)], max_wait_min=120.0)
    d["vehicle_types"]["taxi"]["bev"].update({"initial_soc": 0.25, "kwh_per_km": 1.0})
    return d


def test_taxi_back_from_the_charger_takes_the_waiting_request_before_later_events(
    tmp_path: Path, central
) -> None:
    """GIVEN the charging day THEN r2 is picked up the road time P->B after the charge ends
    (the taxi rejoins the loop from SimPy), its drop-off is handled before r3 arrives, and r3
    is served at once from A (pickup time 0)."""
    r = simulate(load_case(scenario_from_dict(_charging_day(tmp_path), base_dir=tmp_path), central))
    t = r.trips.set_index("trip_id")
    ses = r.sessions
    assert list(ses["action"]) == ["charge"]
    nodes, _ = central.nearest_nodes([A[0], B[0], 116.40], [A[1], B[1], 39.91])
    uniq = np.unique(nodes)
    tt, _ = route_matrices(central, uniq)
    pos = {n: i for i, n in enumerate(uniq)}
    a, b, p = (pos[n] for n in nodes)
    assert bool(t.loc["r2", "served"])
    assert t.loc["r2", "start_s"] == pytest.approx(ses["end_s"].iat[0] + tt[p, b])
    assert t.loc["r2", "end_s"] == pytest.approx(t.loc["r2", "start_s"] + tt[b, a])
    assert t.loc["r2", "end_s"] < 11 * 3600
    assert bool(t.loc["r3", "served"])
    assert t.loc["r3", "start_s"] == pytest.approx(11 * 3600)
    assert t.loc["r3", "delay_s"] == pytest.approx(0.0)


def test_progress_reports_the_clock_to_the_horizon_end_and_changes_nothing(
    tmp_path: Path, central
) -> None:
    """GIVEN a progress callback THEN it sees the simulated clock rise from 0 to the horizon
    (about every hundredth) and the result equals a run without it."""
    sc = scenario_from_dict(_charging_day(tmp_path), base_dir=tmp_path)
    seen: list[tuple[float, float]] = []
    with_bar = simulate(load_case(sc, central), progress=lambda c, h: seen.append((c, h)))
    plain = simulate(load_case(sc, central))
    clocks = [c for c, _ in seen]
    horizon = seen[0][1]
    assert horizon > 0
    assert clocks[0] == 0.0
    assert clocks[-1] == pytest.approx(horizon)
    assert all(b >= a for a, b in itertools.pairwise(clocks))
    assert len(clocks) == 101
    cols = ["trip_id", "vehicle_id", "served", "start_s", "end_s", "battery_kwh"]
    assert with_bar.trips[cols].equals(plain.trips[cols])
    assert with_bar.sessions.equals(plain.sessions)


def test_route_cache_rows_split_into_the_route_matrices(central) -> None:
    """GIVEN random nodes THEN the cache's rows split into exactly route_matrices' times and
    lengths, and asking again computes nothing."""
    rng = np.random.default_rng(3)
    nodes = np.unique(rng.choice(np.flatnonzero(central.routable), 40, replace=False))
    cache = RouteCache(central)
    w, row_of, _ = cache.rows(nodes)
    t, ll = split_combined(w[row_of[nodes]][:, nodes])
    tt, lm = route_matrices(central, nodes)
    np.testing.assert_array_equal(t, tt)
    np.testing.assert_array_equal(ll, lm)
    assert cache.computed == nodes.size
    cache.rows(nodes[:10])
    assert cache.computed == nodes.size
    with pytest.raises(ValueError, match="read-only"):
        w[0, 0] = 1.0


CLI_TOML = """name = "s"
seed = 7
network = "beijing-central-2024"

[[fleets]]
requests = "req.csv"
type = "taxi"
powertrain = "bev"
size = 1
start = [[{a0}, {a1}]]
max_wait_min = 120.0

[vehicle_types.taxi.bev]
energy_model = "constant"
charging_curve = "constant"
kwh_per_km = 1.0
battery_kwh = 50
max_charge_kw = 60
charge_efficiency = 1.0
initial_soc = 0.25

[[stations]]
id = "P"
kind = "public"
lon = 116.40
lat = 39.91
plugs = 1
plug_kw = 60

[horizon]
end = "24:00"
"""


def _cli(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    _charging_day(tmp_path)  # writes req.csv
    (tmp_path / "s.toml").write_text(CLI_TOML.format(a0=A[0], a1=A[1]), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "fleetopt", "simulate", str(tmp_path / "s.toml"), "--json",
         "--out", str(tmp_path / "out"), *extra],
        capture_output=True, text=True, check=False, cwd=str(tmp_path),
        env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300,
    )


def test_cli_shows_the_clock_on_stderr_never_on_stdout(tmp_path: Path) -> None:
    """GIVEN `fleetopt simulate --json` THEN stdout is the JSON document alone and stderr has
    the simulated clock in tenths; --no-progress silences it."""
    res = _cli(tmp_path)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["trips_served"] == 3
    lines = [x for x in res.stderr.splitlines() if "of the horizon simulated" in x]
    assert lines[0].startswith("simulate s: 0% of the horizon simulated")
    assert lines[-1].startswith("simulate s: 100% of the horizon simulated")
    assert len(lines) == 11
    quiet = _cli(tmp_path, "--no-progress")
    assert quiet.returncode == 0, quiet.stderr
    assert "of the horizon simulated" not in quiet.stderr
    assert json.loads(quiet.stdout) == {**doc, "wall_s": json.loads(quiet.stdout)["wall_s"]}
