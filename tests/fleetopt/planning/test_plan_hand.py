"""Hand-computed operator plans (CONTRACT §9): vehicles, plugs, cyclic-day cost, TCO."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.inputs.schedules import read_trips
from fleetopt.planning.result import PLAN_KEYS
from tests.fleetopt.planning.conftest import HAND_TRIPS

runner = CliRunner()


def _plan(path: Path, *extra: str) -> dict:
    res = runner.invoke(app, ["plan", str(path), "--json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_consecutive_trips_too_close_to_recharge_need_two_buses(make_scenario: Callable) -> None:
    """GIVEN four 60 kWh trips 10 min apart (a 100 kWh bus gains 16.7 kWh per layover)
    WHEN planned THEN two BEVs (T1+T3, T2+T4) and one plug run them, proven optimal; one
    diesel bus would do, and the operator's single block is reported broken."""
    out = _plan(make_scenario())
    assert list(out)[: len(PLAN_KEYS)] == list(PLAN_KEYS)
    assert out["vehicles_needed"] == {"bus": 2}
    assert out["vehicles_input"] == {"bus": 1}
    assert out["vehicles_bound"] == {"bus": 2}
    assert out["status"] == "optimal"
    assert out["gap"] == 0.0
    assert out["plugs_needed"] == {"depot-A": 1}
    assert [b["vehicle_id"] for b in out["broken_blocks"]] == ["b1"]
    assert out["tco_detail"]["bus"]["diesel"]["vehicles"] == 1
    assert set(out["tco"]["bus"]) == {"bev", "diesel", "fcev"}


def test_flat_tariff_cost_is_energy_times_price(make_scenario: Callable) -> None:
    """GIVEN a flat 0.5 CNY/kWh tariff and 240 km at 1 kWh/km THEN the day costs 120 CNY,
    with a bound equal to it (LP)."""
    out = _plan(make_scenario())
    assert out["charging_cost_cny"] == pytest.approx(120.0, abs=1e-6)
    assert out["charging_cost_bound_cny"] <= out["charging_cost_cny"] + 1e-9
    assert out["charging_cost_bound_cny"] == pytest.approx(120.0, abs=1e-5)


def test_valley_tariff_charges_inside_the_valley(
    make_scenario: Callable, tmp_path: Path
) -> None:
    """GIVEN one 60 km trip 08:00-09:00 and a valley of 0.2 CNY/kWh at 00-06 (1.0 else)
    THEN all 60 kWh are charged inside the valley: 12 CNY; the simulator's immediate policy
    charges at 09:00 and pays 60 CNY; smart (which only looks ahead to the end of the
    simulated day, not into the next morning's valley) pays no less than the plan."""
    prices = [0.2] * 6 + [1.0] * 18
    path = make_scenario([("b1", "T1", "08:00", "09:00", 60.0)], prices=prices)
    out_dir = tmp_path / "out"
    out = _plan(path, "--out", str(out_dir))
    assert out["charging_cost_cny"] == pytest.approx(12.0, abs=1e-6)
    assert out["charging_cost_bound_cny"] == pytest.approx(12.0, abs=1e-5)
    sched = pd.read_csv(out_dir / "charging_schedule.csv")
    assert sched["grid_kwh"].sum() == pytest.approx(60.0)
    assert (sched["start_s"] >= 0).all()
    assert (sched["end_s"] <= 6 * 3600 + 1e-6).all()
    cmp = out["comparison"]
    assert cmp["immediate"]["cost_cny"] == pytest.approx(60.0)
    assert cmp["smart"]["cost_cny"] >= out["charging_cost_cny"] - 1e-9


def test_simulating_the_planned_blocks_misses_no_trip(
    make_scenario: Callable, tmp_path: Path
) -> None:
    """GIVEN the hand timetable WHEN the planned blocks (written with --out) run in the
    simulator with the planned plugs THEN no trip is missed and the grid energy is the plan's."""
    out_dir = tmp_path / "o"
    out = _plan(make_scenario(), "--out", str(out_dir))
    for policy in ("immediate", "smart"):
        assert out["comparison"][policy]["trips_missed"] == 0
        assert out["comparison"][policy]["grid_energy_kwh"] == pytest.approx(240.0)
    planned = read_trips(out_dir / "planned_trips.csv")
    assert sorted(planned["trip_id"]) == ["T1", "T2", "T3", "T4"]
    assert planned["vehicle_id"].nunique() == 2
    # each new block alternates: no bus runs two consecutive trips
    for _, g in planned.groupby("vehicle_id"):
        assert list(g["trip_id"]) in (["T1", "T3"], ["T2", "T4"])


def test_tco_moves_by_vehicles_times_price_change(make_scenario: Callable) -> None:
    """GIVEN only the BEV price changes by 123,456 CNY THEN the BEV NPV moves by exactly
    2 vehicles x 123,456 CNY and the diesel NPV not at all."""
    a = _plan(make_scenario(vehicle_cny=1_000_000.0), "--no-compare")
    b = _plan(make_scenario(vehicle_cny=1_123_456.0), "--no-compare")
    d = b["tco"]["bus"]["bev"]["npv_cny"] - a["tco"]["bus"]["bev"]["npv_cny"]
    assert d == pytest.approx(2 * 123_456.0, abs=1e-6)
    assert b["tco"]["bus"]["diesel"] == a["tco"]["bus"]["diesel"]


def test_tco_formula_terms(make_scenario: Callable) -> None:
    """THEN npv = vehicles x price + plug kW x 1000 + discounted (energy + maintenance) x 365
    + battery replacement at year 8 (documented term)."""
    out = _plan(make_scenario(), "--no-compare")
    d = out["tco_detail"]["bus"]["bev"]
    ann = sum(1.05**-y for y in range(1, 11))
    expect = (
        2 * 1_000_000
        + 100 * 1000
        + 365 * (120.0 + 240 * 0.5) * ann
        + 2 * 100 * 700 * 1.05**-8
    )
    assert d["npv_cny"] == pytest.approx(expect, rel=1e-9)
    assert d["cny_per_km"] == pytest.approx(expect / (365 * 240 * ann), rel=1e-9)


def test_bigger_batteries_never_need_more_vehicles(make_scenario: Callable) -> None:
    """GIVEN battery sizes 70, 100, 130, 250 kWh THEN the vehicles needed never increase
    (2, 2, ..., 1 with 250 kWh: 250 - 4 x 60 + 3 x 16.7 >= 0)."""
    need = []
    for size in (70.0, 100.0, 130.0, 250.0):
        out = _plan(make_scenario(battery_kwh=size), "--no-compare")
        need.append(out["vehicles_needed"]["bus"])
    assert need == sorted(need, reverse=True)
    assert need[0] == 2
    assert need[-1] == 1


def test_a_trip_longer_than_the_battery_is_reported_and_the_rest_planned(
    make_scenario: Callable,
) -> None:
    """GIVEN a 150 km trip for a 100 kWh bus THEN it is reported by trip id with the reason
    and the other trips are still planned."""
    trips = [
        ("b1", "T1", "06:00", "07:00", 60.0),
        ("b1", "T2", "07:10", "08:10", 60.0),
        ("b2", "LONG", "12:00", "15:00", 150.0),
    ]
    out = _plan(make_scenario(trips), "--no-compare")
    bad = out["infeasible_trips"]
    assert [b["trip_id"] for b in bad] == ["LONG"]
    assert "150.0 kWh" in bad[0]["reason"]
    assert out["vehicles_needed"] == {"bus": 2}
    assert out["vehicles_input"] == {"bus": 2}


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("", "tariffs.t.hourly_cny_per_kwh"),
        ('[costs.bus.diesel]\nvehicle_cny = -5\n', "costs.bus.diesel.vehicle_cny"),
        ("[costs.bus.fcev]\nlife_years = 0\n", "costs.bus.fcev.life_years"),
    ],
)
def test_bad_costs_and_tariffs_exit_2_naming_the_key(
    make_scenario: Callable, extra: str, key: str
) -> None:
    """GIVEN a tariff with 23 prices, a negative price or a life of 0 years THEN exit 2 with
    the dotted key in the message."""
    prices = [0.5] * (23 if key.startswith("tariffs") else 24)
    path = make_scenario(prices=prices, extra=extra)
    res = runner.invoke(app, ["plan", str(path), "--json"])
    assert res.exit_code == 2
    assert key in res.output
    assert "Traceback" not in res.output


def test_unknown_tariff_and_discount_rate_out_of_range(make_scenario: Callable) -> None:
    """GIVEN options.tariff naming no tariff and discount_rate = 1.5 THEN exit 2 naming both."""
    path = make_scenario()
    text = path.read_text(encoding="utf-8")
    text = text.replace('tariff = "t"', 'tariff = "nope"').replace(
        "discount_rate = 0.05", "discount_rate = 1.5"
    )
    path.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["plan", str(path), "--json"])
    assert res.exit_code == 2
    assert "options.tariff" in res.output
    assert "costs.discount_rate" in res.output


def test_scenario_tariff_prices_the_simulation(make_scenario: Callable) -> None:
    """GIVEN a scenario tariff of 0.3 CNY/kWh all day THEN the simulator's cost uses it."""
    from fleetopt.api import run_scenario

    path = make_scenario(prices=[0.3] * 24, battery_kwh=300.0)
    res = run_scenario(path)
    assert float(res.stations["cost_cny"].sum()) == pytest.approx(
        0.3 * res.summary()["grid_energy_kwh"]
    )


def test_ids_holding_a_carriage_return_survive_the_plan(
    make_scenario: Callable, tmp_path: Path
) -> None:
    """GIVEN vehicle and trip ids holding a carriage return (quoted in the trips file)
    WHEN planned with --out THEN it succeeds and planned_trips.csv reads back the same trip
    ids, row for row (the planner's own CSV round trip and its file quote a lone CR; pandas'
    writer left it bare, so the planner read its own file back split and failed)."""
    trips = [('"b\r1"', f'"{tid[:1]}\r{tid[1:]}"', dep, arr, km)
             for _, tid, dep, arr, km in HAND_TRIPS]
    out_dir = tmp_path / "o"
    out = _plan(make_scenario(trips), "--out", str(out_dir))
    assert out["vehicles_needed"] == {"bus": 2}
    planned = read_trips(out_dir / "planned_trips.csv")
    assert sorted(planned["trip_id"]) == ["T\r1", "T\r2", "T\r3", "T\r4"]
