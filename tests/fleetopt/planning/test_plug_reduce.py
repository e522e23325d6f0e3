"""The greedy plug reduction: fewer plugs only where the fixed-plug LP still schedules."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fleetopt.domain import charging as chg
from fleetopt.planning.block_check import Segment
from fleetopt.planning.charging_lp import ChargingPlan, plan_charging
from fleetopt.planning.charging_model import VehicleDay
from fleetopt.planning.plug_reduce import fewer_plugs
from fleetopt.planning.replay import replay_schedule

H = 3600.0
IDS = np.array(["D"])
PRICES = np.full(24, 1.0)


def _day(name: str, kwh: float) -> VehicleDay:
    """A 100 kWh bus drives ``kwh`` 00:00-08:00, then stands 16 h at a 5 kW depot plug."""
    crv = chg.curve("taper")
    segs = [
        Segment("drive", 0.0, 8 * H, kwh=kwh, km=kwh),
        Segment("stay", 8 * H, 24 * H, station=0, night=True),
    ]
    return VehicleDay(
        name, "bus", segs, np.array([5.0]), 1.0, 100.0, 0.0, crv.knees_soc, crv.fracs
    )


def _oversized(days: list[VehicleDay]) -> ChargingPlan:
    """A plan with 3 plugs at the depot and no proven bound (as if the rounding overshot)."""
    p = plan_charging(days, IDS, PRICES, plugs={"D": 3}, time_limit_s=30.0)
    assert p.status == "optimal"
    return dataclasses.replace(p, plugs_bound=0, status="feasible")


@pytest.mark.parametrize(("kwh", "plugs"), [(30.0, 1), (60.0, 2)])
def test_two_buses_share_a_plug_only_when_their_plug_time_fits(kwh: float, plugs: int) -> None:
    """GIVEN two buses that each need ``kwh`` / 5 kW of plug time in the same 16 h night
    WHEN 3 plugs were planned THEN the reduction keeps 1 plug for 2 x 6 h (<= 16 h) and 2
    for 2 x 12 h (> 16 h), and the replay of its schedule misses nothing."""
    days = [_day("b1", kwh), _day("b2", kwh)]
    out = fewer_plugs(days, IDS, PRICES, _oversized(days), budget_s=30.0)
    assert out.plugs == {"D": plugs}
    assert out.plugs_bound == 0
    assert out.status == "feasible"
    rep = replay_schedule(days, out, IDS)
    assert rep["trips_missed"] == 0
    assert rep["days_not_closed"] == 0
    assert sum(rep["plug_shortfall_kwh"].values()) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("kwh", "bound"), [(30.0, 1), (60.0, 2), (78.0, 2)])
def test_tapering_plug_bound_is_the_full_power_relaxation(kwh: float, bound: int) -> None:
    """GIVEN two buses that each drive ``kwh`` and stand the same 16 h at a 5 kW plug THEN
    the proven plug bound is the full-power relaxation's, rounded up: 2 x kwh / 5 kW of
    plug time in 16 h (0.75 -> 1, 1.5 -> 2, 1.95 -> 2), never above the plugs planned."""
    days = [_day("b1", kwh), _day("b2", kwh)]
    p = plan_charging(days, IDS, PRICES, time_limit_s=30.0)
    assert p.status == "optimal"
    assert p.plugs_bound == bound
    assert sum(p.plugs.values()) >= p.plugs_bound


@pytest.mark.parametrize(("trials", "plugs"), [(0, 3), (1, 2), (2, 1), (3, 1)])
def test_the_reduction_stops_after_its_trials_not_its_clock(trials: int, plugs: int) -> None:
    """GIVEN two buses that fit one plug (2 x 6 h in a 16 h night) and 3 plugs planned WHEN
    the reduction may run ``trials`` fixed-plug LPs (with an ample clock) THEN each trial
    takes one plug away until 1 is left (the third trial, 0 plugs, fails): 3, 2, 1, 1. The
    count, not the machine's speed, decides the plugs."""
    days = [_day("b1", 30.0), _day("b2", 30.0)]
    out = fewer_plugs(days, IDS, PRICES, _oversized(days), budget_s=1e6, max_trials=trials)
    assert sum(out.plugs.values()) == plugs
