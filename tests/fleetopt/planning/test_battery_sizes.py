"""Battery-size trade-off (issue 15 item 5): monotone vehicles, hand counts, cheapest, --out."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fleetopt import defaults
from fleetopt.cli import app
from fleetopt.planning.battery_sizes import default_sizes

runner = CliRunner()


def _plan(path: Path, *extra: str) -> dict:
    res = runner.invoke(app, ["plan", str(path), "--json", "--no-compare", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_hand_timetable_vehicles_per_battery(make_scenario: Callable, tmp_path: Path) -> None:
    """GIVEN four 60 kWh trips with 10 min layovers at a 100 kW plug (16.7 kWh per layover)
    WHEN compared for 50 (runs no trip), 60, 100, 140 and 250 kWh THEN by hand: 60 kWh -> 2
    buses (a trip empties
    it; 16.7 kWh back in 10 min is too little for the next trip, the 80 min before the one
    after refill it: T1+T3, T2+T4), 100 kWh -> 2 (40 + 16.7 < 60), 140 kWh -> 2 (T1, T2
    leave 36.7 + 16.7 = 53.3 < 60 for T3), 250 kWh -> 1 (250 - 240 + 3 x 16.7 >= 0); the
    CONTRACT keys stay and --out writes battery_options.csv."""
    out_dir = tmp_path / "o"
    path = make_scenario(extra="[plan]\nbattery_kwh = [250, 60, 140, 100, 50]\n")
    out = _plan(path, "--out", str(out_dir))
    opts = out["battery_options"]["bus"]
    assert [o["battery_kwh"] for o in opts] == [50.0, 60.0, 100.0, 140.0, 250.0]
    assert [o["vehicles"] for o in opts] == [0, 2, 2, 2, 1]
    assert [o["trips_unrunnable"] for o in opts] == [4, 0, 0, 0, 0]
    assert [o["plugs"] for o in opts][-1] == 1
    assert sum(o["cheapest"] for o in opts) == 1
    assert not opts[0]["cheapest"]  # runs no trip: never the cheapest
    npv = [o["npv_cny"] for o in opts[1:]]
    assert opts[1 + int(np.argmin(npv))]["cheapest"]
    assert out["vehicles_needed"] == {"bus": 2}
    csv = (out_dir / "battery_options.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].startswith("vehicle_type,powertrain,battery_kwh,vehicles")
    assert len(csv) == 6


def test_price_follows_the_pack(make_scenario: Callable) -> None:
    """GIVEN vehicle_cny 1 M for the spec's 100 kWh and the default pack price THEN a 140 kWh
    bus costs 1 M + 40 x battery_cny_per_kwh."""
    out = _plan(make_scenario(extra="[plan]\nbattery_kwh = [100, 140]\n"))
    per_kwh = defaults.value("costs", "battery_cny_per_kwh", vehicle_type="all", powertrain="all")
    opts = out["battery_options"]["bus"]
    assert opts[0]["vehicle_cny"] == pytest.approx(1_000_000.0)
    assert opts[1]["vehicle_cny"] == pytest.approx(1_000_000.0 + 40 * per_kwh)


@pytest.mark.parametrize("seed", range(4))
def test_more_battery_never_needs_more_vehicles(
    make_scenario: Callable, seed: int
) -> None:
    """GIVEN random small timetables (6-8 loop trips of 20-70 km, short layovers) WHEN
    re-blocked for growing battery sizes THEN the vehicle count never rises with the battery
    (a bigger battery can run any block a smaller one runs)."""
    rng = np.random.default_rng(seed)
    trips = []
    t = 6 * 60
    for k in range(int(rng.integers(6, 9))):
        dur = int(rng.integers(40, 90))
        km = float(rng.integers(20, 71))
        dep = t + int(rng.integers(0, 30))
        arr = dep + dur
        trips.append((f"v{k}", f"T{k}", f"{dep // 60:02d}:{dep % 60:02d}",
                      f"{arr // 60:02d}:{arr % 60:02d}", km))
        t = dep + int(rng.integers(10, 40))
    sizes = [80, 120, 180, 300, 600]
    out = _plan(make_scenario(trips, extra=f"[plan]\nbattery_kwh = {sizes}\n"))
    opts = out["battery_options"]["bus"]
    veh = [o["vehicles"] for o in opts]
    assert all(o["blocking_status"] == "optimal" for o in opts)
    assert all(o["trips_unrunnable"] == 0 for o in opts)
    assert all(a >= b for a, b in itertools.pairwise(veh)), veh


def test_default_sizes_are_sourced() -> None:
    """Buses compare the Chinese 12 m e-bus packs of battery_options.csv; other types the
    spec's battery x (1 + k x 0.25), k = -2..2."""
    assert default_sizes("bus", 324.0) == [250.0, 324.0, 350.0, 422.0]
    assert default_sizes("delivery", 80.0) == [40.0, 60.0, 80.0, 100.0, 120.0]
    rows = defaults.load_table("battery_options")
    assert rows["source"].str.len().min() > 20
    assert set(rows.columns) >= {"unit", "source", "year", "low", "high"}


def test_cli_flag_uses_the_default_list_and_an_empty_list_turns_it_off(
    make_scenario: Callable,
) -> None:
    """GIVEN the hand timetable WHEN planned with --battery-options THEN the bus packs of
    battery_options.csv are compared (each runs the 240 km day on one bus: 250 kWh + 3 x
    16.7 kWh of layover charging); WHEN [plan] battery_kwh = [] THEN none; without either
    THEN none (the trade-off is off by default)."""
    out = _plan(make_scenario(), "--battery-options")
    opts = out["battery_options"]["bus"]
    assert [o["battery_kwh"] for o in opts] == [250.0, 324.0, 350.0, 422.0]
    assert [o["vehicles"] for o in opts] == [1, 1, 1, 1]
    assert _plan(make_scenario(extra="[plan]\nbattery_kwh = []\n"), "--battery-options")[
        "battery_options"
    ] == {}
    assert _plan(make_scenario())["battery_options"] == {}
