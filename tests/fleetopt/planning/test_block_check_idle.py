"""The re-blocking's check sees the day as the charging LP does: idle draw, curve, stay span."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.planning.block_check import check_block, idle_kw
from fleetopt.planning.blocking import plan_blocks
from fleetopt.planning.charging_lp import plan_charging
from fleetopt.planning.plan import _vehicle_days
from fleetopt.planning.problem import GroupProblem

H = 3600.0


def _two_trips(idle: float, curve: str, night_h: float = 14.0) -> GroupProblem:
    """Place 0 = depot A (20 kW charger), 1 = terminal B (no charger), no deadhead time.

    Trip 0 runs A->B 08:00-09:00 (45 kWh), trip 1 B->A 17:00-18:00 (45 kWh): one block
    needs 90 kWh of a 100 kWh battery plus the idle draw of its 8 h layover at B. The
    night at A charges for ``night_h`` hours of the 14 h from 18:00 to 08:00 (the depot
    is ``14 - night_h`` hours' drive away at no energy cost, so the depot time shrinks).
    """
    away = (14.0 - night_h) / 2 * H
    dh = np.array([[0.0, 0.0, away], [0.0, 0.0, away], [away, away, 0.0]])
    spec = VehicleSpec(
        vehicle_type="bus",
        powertrain="bev",
        battery_kwh=100.0,
        kwh_per_km=1.0,
        idle_kw=idle,
        charging_curve=curve,
    )
    return GroupProblem(
        vehicle_type="bus",
        powertrain="bev",
        spec=spec,
        trips=pd.DataFrame({"trip_id": ["t0", "t1"], "vehicle_id": ["X", "X"]}),
        dep_s=np.array([8.0, 17.0]) * H,
        arr_s=np.array([9.0, 18.0]) * H,
        km=np.array([45.0, 45.0]),
        drive_kwh=np.array([45.0, 45.0]),
        kwh_per_km_dh=1.0,
        end_station=np.array([-1, -1]),
        depot=np.array([0, 0]),
        start_place=np.array([0, 1]),
        end_place=np.array([1, 0]),
        dh_s=dh,
        dh_km=np.zeros((3, 3)),
        station_place=np.array([2 if night_h < 14.0 else 0]),
        rate_kw=np.array([20.0]),
        station_ids=np.array(["A"]),
        cap_kwh=100.0,
        min_kwh=0.0,
        battery=True,
        plug_kw=np.array([20.0]),
        charge_ok=np.array([True]),
    )


def _lp_status(gp: GroupProblem, blocks: list[list[int]], depots: list[int]) -> str:
    class _Br:  # the two fields _vehicle_days reads
        pass

    br = _Br()
    br.blocks, br.depots = blocks, depots  # type: ignore[attr-defined]
    days = _vehicle_days(gp, br, "v")  # type: ignore[arg-type]
    ch = plan_charging(days, gp.station_ids, np.full(24, 1.0), time_limit_s=30.0)
    return ch.status


def test_idle_draw_breaks_a_block_that_closes_without_it() -> None:
    """GIVEN a block that needs 90 kWh of 100 kWh and stands 8 h off-plug WHEN idle draw is
    0 THEN it runs as one vehicle; WHEN it is 2 kW (16 kWh) THEN the check says
    no, the re-blocking uses two vehicles, and the charging LP closes both days."""
    gp0 = _two_trips(0.0, "constant")
    assert check_block(gp0, [0, 1], 0).feasible
    assert len(plan_blocks(gp0, time_limit_s=5.0).blocks) == 1
    gp = _two_trips(2.0, "constant")
    assert idle_kw(gp) == pytest.approx(2.0)
    c = check_block(gp, [0, 1], 0)
    assert not c.feasible
    assert "trip t0" in c.reason
    assert "100.0 kWh" in c.reason
    br = plan_blocks(gp, time_limit_s=5.0)
    assert sorted(map(sorted, br.blocks)) == [[0], [1]]
    assert _lp_status(gp, br.blocks, br.depots) == "optimal"
    # the one block the check refuses, the LP refuses too (one definition of idle draw)
    assert _lp_status(gp, [[0, 1]], [0]) != "optimal"


def test_small_idle_draw_is_counted_for_the_whole_layover() -> None:
    """GIVEN 10 kWh of room and a 1.2 kW draw over 8 h (9.6 kWh) THEN the block still
    runs and needs the 90 kWh plus exactly 1.2 x 8 h at pull-out (whole-second layover:
    no rounding)."""
    gp = _two_trips(1.2, "constant")
    c = check_block(gp, [0, 1], 0)
    assert c.feasible
    assert c.start_kwh == pytest.approx(90.0 + 1.2 * 8.0, abs=1e-9)


def test_taper_night_too_short_to_refill_breaks_the_block() -> None:
    """GIVEN the block without idle and a night at the depot of 4.6 h at 20 kW (92 kWh at
    full power) WHEN the curve is constant THEN the day closes; WHEN it tapers
    (half power above 80 %, a quarter above 90 %) THEN it cannot refill 90 kWh and the
    check says no, and so does the LP."""
    gp_c = _two_trips(0.0, "constant", night_h=4.6)
    assert check_block(gp_c, [0, 1], 0).feasible
    assert _lp_status(gp_c, [[0, 1]], [0]) == "optimal"
    gp_t = _two_trips(0.0, "taper", night_h=4.6)
    c = check_block(gp_t, [0, 1], 0)
    assert not c.feasible
    assert "day ends" in c.reason
    assert _lp_status(gp_t, [[0, 1]], [0]) != "optimal"
    assert len(plan_blocks(gp_t, time_limit_s=5.0).blocks) == 2
