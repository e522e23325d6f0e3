"""The charging LP and a tapering charging curve (issue 15 item 3: the schedule holds).

Hand case (``taper`` curve of ``chargers.csv``: full power up to 80 %, half to 90 %,
quarter above): a 100 kWh bus at a 100 kW plug runs T1 (50 kWh) 06:00-07:00, stands an
hour at its depot, runs T2 (95 kWh) 08:00-09:00, and stands at the depot until the next
06:00. The layover hour is cheap (0.1 CNY/kWh), the rest of the day dear (1.0).

* A constant-power LP fills the bus in the cheap hour from empty (0 -> 100 kWh in
  60 min at 100 kW) and leaves for T2 full. The real curve gets 80 kWh in 48 min and
  10 kWh in the last 12 min: 90 kWh < 95, so T2 is missed.
* The curve-aware LP needs T(after) - T(before) <= 1 h with ``T`` the curve's time from
  empty: T(95 kWh) = 0.8 + 0.2 + 0.2 = 1.2 h, so the bus must come back from T1 with at
  least 20 kWh (T(20) = 0.2 h): it charges more at night and T2 runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from fleetopt.domain import charging as chg
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import read_scenario
from fleetopt.planning import plan as plan_mod
from fleetopt.planning.blocking import Segment
from fleetopt.planning.charging_lp import ChargingPlan, plan_charging
from fleetopt.planning.charging_model import VehicleDay
from fleetopt.planning.plan import compare_policies, plan_scenario
from fleetopt.planning.problem import DAY_S
from fleetopt.planning.replay import replay_schedule

H = 3600.0
PRICES = [1.0] * 7 + [0.1] + [1.0] * 16
TAPER = chg.curve("taper")
TRIPS = [("b1", "T1", "06:00", "07:00", 50.0), ("b1", "T2", "08:00", "09:00", 95.0)]


def _bus(curve: chg.Curve) -> VehicleDay:
    segs = [
        Segment("drive", 6 * H, 7 * H, kwh=50.0, km=50.0, trip=0),
        Segment("stay", 7 * H, 8 * H, station=0),
        Segment("drive", 8 * H, 9 * H, kwh=95.0, km=95.0, trip=1),
        Segment("stay", 9 * H, 6 * H + DAY_S, station=0, night=True),
    ]
    return VehicleDay(
        "b1", "bus", segs, np.array([100.0]), 1.0, 100.0, 0.0, curve.knees_soc, curve.fracs
    )


def _run_along_taper(plan: ChargingPlan) -> tuple[float, float]:
    """Run the bus's day from 00:00 at the plan's start charge, the windows along the real
    taper curve; return the energy delivered and the lowest charge before a trip [kWh]."""
    cap = 100.0
    soc = plan.start_kwh["b1"] / cap
    sched = plan.schedule
    events = [(6 * H, 0.0, -50.0), (8 * H, 0.0, -95.0)] + [
        (float(a), float(b) - float(a), float(k))
        for a, b, k in zip(sched["start_s"], sched["end_s"], sched["battery_kwh"], strict=True)
    ]
    got, low = 0.0, np.inf
    for _, dur, kwh in sorted(events):
        if kwh < 0:  # a trip
            low = min(low, soc * cap + kwh)
            soc += kwh / cap
            continue
        out, _ = chg.charge_steps(soc, min(1.0, soc + kwh / cap), dur, 100.0, cap, TAPER)
        got += (out - soc) * cap
        soc = out
    return got, low


def test_the_lp_plans_only_what_the_taper_curve_delivers() -> None:
    """GIVEN the hand bus (module docstring) WHEN planned with its taper curve THEN every
    planned window is delivered in full along the real curve, and the layover charge
    leaves T2 at least 95 kWh; WHEN planned as if the power were constant THEN the real
    curve delivers less than planned (the check can fail)."""
    taper = plan_charging([_bus(TAPER)], np.array(["D"]), np.array(PRICES), plugs={"D": 1})
    assert taper.status == "optimal"
    planned = float(taper.schedule["battery_kwh"].sum())
    assert planned == pytest.approx(145.0, abs=1e-6)
    got, low = _run_along_taper(taper)
    assert got == pytest.approx(planned, abs=1e-6)
    assert low >= -1e-9  # both trips run
    lay = taper.schedule[(taper.schedule["start_s"] >= 7 * H) & (taper.schedule["end_s"] <= 8 * H)]
    start = taper.start_kwh["b1"]  # at 00:00, in the night stay
    night_before = float(
        taper.schedule.loc[taper.schedule["start_s"] < 6 * H, "battery_kwh"].sum()
    )
    after_t1 = start + night_before - 50.0
    assert after_t1 >= 20.0 - 1e-6  # T(20 kWh) = 0.2 h: enough to reach 95 kWh by 08:00
    assert after_t1 + float(lay["battery_kwh"].sum()) >= 95.0 - 1e-6
    const = plan_charging(
        [_bus(chg.curve("constant"))], np.array(["D"]), np.array(PRICES), plugs={"D": 1}
    )
    assert const.status == "optimal"
    assert const.cost_cny < taper.cost_cny  # more of the cheap hour, which taper cannot use
    got, low = _run_along_taper(const)
    assert got < 145.0 - 1.0
    assert low < 0.0  # T2 would need more than the battery holds


def _taper_scenario(make_scenario: Callable[..., Path]) -> Path:
    path = make_scenario(TRIPS, prices=PRICES)
    text = path.read_text(encoding="utf-8").replace(
        'charging_curve = "constant"', 'charging_curve = "taper"'
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_a_taper_bus_runs_its_planned_day_in_the_simulator(
    make_scenario: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the hand timetable for a taper-curve bus WHEN planned and the simulator follows
    the schedule THEN no trip is missed, the simulator charges the planned energy and the
    day closes; WHEN the LP is told the power is constant THEN the simulator misses T2."""
    sc = read_scenario(_taper_scenario(make_scenario))
    net = load_network(sc.network, base_dir=sc.base_dir)
    result = plan_scenario(sc, network=net, compare=True)
    assert result.types[0].blocking.vehicles == 1
    assert result.charging is not None
    assert result.charging.status == "optimal"
    rep = result.replay
    assert rep["simulator_trips_missed"] == 0
    assert rep["simulator_plug_gave_up"] == 0
    assert rep["simulator_days_closed"] is True
    assert rep["simulator_battery_kwh"] == pytest.approx(145.0, abs=1e-3)
    assert rep["simulator_battery_difference_kwh"] == pytest.approx(0.0, abs=1e-3)

    real = plan_mod._vehicle_days

    def constant(*args: object, **kw: object) -> list[VehicleDay]:
        days = real(*args, **kw)  # type: ignore[arg-type]
        return [dataclasses.replace(d, curve_knees=(1.0,), curve_fracs=(1.0,)) for d in days]

    monkeypatch.setattr(plan_mod, "_vehicle_days", constant)
    blind = plan_scenario(sc, network=net, compare=False)
    assert blind.charging is not None
    days = constant(blind.types[0].group, blind.types[0].blocking, "bus-bev-")
    cmp = compare_policies(sc, blind, net, days=days)
    assert cmp["scheduled"]["trips_missed"] >= 1
    rep2 = replay_schedule(days, blind.charging, blind.types[0].group.station_ids, cmp)
    assert rep2["simulator_trips_missed"] >= 1
