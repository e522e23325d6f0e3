"""The charging LP at 15-minute and 1-minute steps: plug time, flat-tariff cost, step edges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fleetopt.planning import charging_lp
from fleetopt.planning.blocking import Segment
from fleetopt.planning.charging_lp import VehicleDay, plan_charging
from fleetopt.planning.problem import DAY_S

STATIONS = np.array(["S"])
FLAT = np.full(24, 0.5)


def _day(name: str, stay: tuple[float, float], kwh: float) -> VehicleDay:
    """Drive ``kwh``, stand at station S during ``stay``, drive nothing, no night charging."""
    a, b = stay
    segs = [
        Segment("drive", 0.0, a, kwh=kwh, km=kwh, trip=0),
        Segment("stay", a, b, station=0),
        Segment("drive", b, b + 60.0, kwh=0.0, km=0.0, trip=1),
        Segment("stay", b + 60.0, DAY_S, station=-1, night=True),
    ]
    return VehicleDay(name, "bus", segs, np.array([150.0]), 1.0, 100.0, 0.0)


@pytest.mark.parametrize("step_s", [900.0, 60.0])
def test_two_buses_standing_the_same_five_minutes_need_two_plugs(step_s: float) -> None:
    """GIVEN two buses that both stand at S only from 1:00 to 1:05 and each must charge for
    the whole 5 minutes at 150 kW (12.5 kWh) to close the cyclic day THEN two plugs are
    needed at either step. (The 15-minute model used to share the step's 15 plug-minutes
    between them and answer one plug, which the 1-minute model then found infeasible.)"""
    days = [_day(f"v{k}", (3600.0, 3900.0), 12.5) for k in range(2)]
    plan = plan_charging(days, STATIONS, FLAT, step_s=step_s)
    assert plan.status == "optimal"
    assert plan.plugs == {"S": 2}
    assert plan.plugs_bound == 2
    one = plan_charging(days, STATIONS, FLAT, step_s=step_s, plugs={"S": 1})
    assert one.status == "infeasible"


@pytest.mark.parametrize("step_s", [900.0, 60.0])
def test_stays_off_the_step_grid_charge_exactly_their_length(step_s: float) -> None:
    """GIVEN stays that start and end inside steps (1:07:30-1:09:10 and 1:14:50-1:21:40) THEN
    each bus can charge exactly stay x 150 kW: needing that much is feasible at a flat
    tariff with cost = energy x price, and needing 0.1 kWh more is infeasible."""
    stays = [(4050.0, 4150.0), (4490.0, 4900.0)]
    need = [150.0 * (b - a) / 3600.0 for a, b in stays]
    days = [_day(f"v{k}", s, e) for k, (s, e) in enumerate(zip(stays, need, strict=True))]
    plan = plan_charging(days, STATIONS, FLAT, step_s=step_s)
    assert plan.status == "optimal"
    assert plan.cost_cny == pytest.approx(0.5 * sum(need), rel=1e-6)
    assert plan.bound_cny == pytest.approx(plan.cost_cny, rel=1e-6)
    assert plan.schedule["battery_kwh"].sum() == pytest.approx(sum(need), rel=1e-6)
    more = [_day(f"v{k}", s, e + 0.1) for k, (s, e) in enumerate(zip(stays, need, strict=True))]
    assert plan_charging(more, STATIONS, FLAT, step_s=step_s).status == "infeasible"


def test_one_minute_and_fifteen_minute_agree_at_a_flat_tariff() -> None:
    """GIVEN ten buses with stays scattered over the day THEN at a flat tariff both steps
    cost energy x price (the energy the days need), and the 1-minute plugs are never
    fewer than the 15-minute ones (finer steps share plugs less)."""
    rng = np.random.default_rng(5)
    days = []
    for k in range(10):
        a = float(rng.uniform(3600, 80000))
        b = a + float(rng.uniform(300, 3600))
        top = min(90.0, 150.0 * (b - a) / 3600.0)  # within the 100 kWh battery
        days.append(_day(f"v{k}", (a, b), float(rng.uniform(1.0, top))))
    need = sum(d.segments[0].kwh for d in days)
    p15 = plan_charging(days, STATIONS, FLAT, step_s=900.0)
    p1 = plan_charging(days, STATIONS, FLAT, step_s=60.0)
    for p in (p15, p1):
        assert p.status == "optimal"
        assert p.cost_cny == pytest.approx(0.5 * need, rel=1e-6)
        assert math.isfinite(p.bound_cny)
    assert p1.plugs["S"] >= p15.plugs["S"]


def test_parts_that_share_no_station_solve_to_the_whole_models_answer() -> None:
    """GIVEN buses at two stations (S and T) and one that never charges THEN solving the
    connected parts apart gives the plugs, cost and proven bound of the whole model."""
    rng = np.random.default_rng(11)
    days = []
    for k in range(8):
        a = float(rng.uniform(3600, 40000))
        b = a + float(rng.uniform(600, 3600))
        d = _day(f"v{k}", (a, b), float(rng.uniform(5.0, min(90.0, 100.0 * (b - a) / 3600))))
        d.rate_kw = np.array([150.0, 100.0])
        if k % 2:  # odd buses stand at T
            d.segments[1] = Segment("stay", a, b, station=1)
        days.append(d)
    idle = _day("idle", (3600.0, 3700.0), 0.0)
    idle.rate_kw = np.array([150.0, 100.0])
    idle.segments[1] = Segment("stay", 3600.0, 3700.0, station=-1)
    days.append(idle)
    ids = np.array(["S", "T"])
    prices = np.array([0.3] * 7 + [1.0] * 17)
    assert len(charging_lp._parts(days, 2)) == 3
    whole = charging_lp._plan_part(days, ids, prices)
    split = plan_charging(days, ids, prices)
    assert split.status == whole.status == "optimal"
    assert split.plugs == whole.plugs
    assert split.plugs_bound == whole.plugs_bound
    assert split.cost_cny == pytest.approx(whole.cost_cny, rel=1e-7)
    assert split.bound_cny == pytest.approx(whole.bound_cny, rel=1e-7)
    assert split.schedule["battery_kwh"].sum() == pytest.approx(
        whole.schedule["battery_kwh"].sum(), rel=1e-7
    )


def _random_days() -> list[VehicleDay]:
    rng = np.random.default_rng(21)
    days = []
    for k in range(12):
        a = float(rng.uniform(3600, 70000))
        b = a + float(rng.uniform(300, 5 * 3600))
        days.append(
            _day(f"v{k}", (a, b), float(rng.uniform(1.0, min(90.0, 50.0 * (b - a) / 3600))))
        )
    night = _day("night", (80000.0, 80000.0), 40.0)
    night.segments[1] = Segment("stay", 80000.0, 80000.0, station=-1)
    night.segments[3] = Segment("stay", 80660.0, DAY_S + 3 * 3600.0, station=0, night=True)
    night.segments[2] = Segment("drive", 80000.0, 80660.0, kwh=0.0, km=0.0, trip=1)
    days.append(night)
    return days


def _max_overlap(sched: pd.DataFrame) -> int:
    """Most windows open at one instant (a window ending when another starts is not both)."""
    ev = sorted(
        [(float(a), 1) for a in sched["start_s"]] + [(float(b), -1) for b in sched["end_s"]],
        key=lambda e: (e[0], e[1]),
    )
    n = best = 0
    for _, d in ev:
        n += d
        best = max(best, n)
    return best


def test_without_per_step_rows_the_step_does_not_change_the_answer() -> None:
    """GIVEN twelve buses with overlapping stays at one station (one over midnight) and a
    time-of-use tariff, no grid limit and no demand charge THEN the model is cut at the
    stays' ends and the clock hours only, so 15-minute and 1-minute steps give the same
    plugs, cost and bound."""
    days = _random_days()
    prices = np.array([0.3] * 7 + [1.2] * 4 + [0.8] * 13)
    a = plan_charging(days, STATIONS, prices, step_s=900.0)
    b = plan_charging(days, STATIONS, prices, step_s=60.0)
    assert a.status in ("optimal", "feasible")
    assert a.plugs == b.plugs
    assert a.cost_cny == pytest.approx(b.cost_cny, rel=1e-6)
    assert a.bound_cny == pytest.approx(b.bound_cny, rel=1e-6)


@pytest.mark.parametrize("step_s", [900.0, 60.0])
def test_plug_windows_never_exceed_the_plugs(step_s: float) -> None:
    """GIVEN the twelve buses with a grid limit and a demand charge THEN the schedule's
    windows (what the simulator plugs in for) are never more at one instant than the
    station's plugs, each lies inside its bus's stay, and they deliver the planned energy
    (the windows add up to the LP's grid energy)."""
    days = _random_days()
    prices = np.array([0.3] * 7 + [1.2] * 4 + [0.8] * 13)
    kw = {"step_s": step_s, "grid_limit_kw": 400.0, "demand_cny_per_kw_day": 0.5}
    plan = plan_charging(days, STATIONS, prices, **kw)
    assert plan.status in ("optimal", "feasible")
    sched = plan.schedule
    assert len(sched)
    assert _max_overlap(sched) <= plan.plugs["S"]
    assert sched["grid_kwh"].sum() == pytest.approx(plan.grid_kwh, rel=1e-9)
    for d in days:
        mine = sched[sched["vehicle_id"] == d.vehicle_id]
        stays = [sg for sg in d.segments if sg.kind == "stay" and sg.station == 0]
        for a, b in zip(mine["start_s"], mine["end_s"], strict=True):
            inside = [
                sg
                for sg in stays
                for t in (a, a + DAY_S, a - DAY_S)
                if sg.start_s - 1e-6 <= t and t + (b - a) <= sg.end_s + 1e-6
            ]
            assert inside, (d.vehicle_id, a, b)


def test_a_bus_that_can_charge_at_one_station_only_proves_a_plug_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN two buses that each need 5 kWh and can charge only during a 2-hour stay, one
    at S and one at T (and an idle bus that stands at both, so one model holds them) THEN
    two plugs, proven: the LP relaxation alone would bound the total at 1 (0.07 + 0.07
    plugs), but each driving bus must charge at its only station, so the LP proves it
    without the plug MIP."""
    calls: list[bool] = []
    real = charging_lp._solver.solve

    def spy(*args: object, **kw: object) -> object:
        calls.append(len(args) > 6 and args[6] is not None)  # integer columns given
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(charging_lp._solver, "solve", spy)
    days = []
    for k in range(2):
        d = _day(f"v{k}", (3600.0, 3 * 3600.0), 5.0)
        d.rate_kw = np.array([150.0, 150.0])
        d.segments[1] = Segment("stay", 3600.0, 3 * 3600.0, station=k)
        days.append(d)
    idle = _day("idle", (3600.0, 3 * 3600.0), 0.0)
    idle.rate_kw = np.array([150.0, 150.0])
    idle.segments[3] = Segment("stay", 3 * 3600.0 + 60.0, DAY_S, station=1, night=True)
    days.append(idle)
    assert len(charging_lp._parts(days, 2)) == 1
    plan = plan_charging(days, np.array(["S", "T"]), FLAT)
    assert plan.plugs == {"S": 1, "T": 1}
    assert plan.plugs_bound == 2
    assert plan.status == "optimal"
    assert not any(calls)
