"""Joining blocks end to start (block_improve.join_blocks): hand case, brute force, plan."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.planning import blocking
from fleetopt.planning.block_improve import join_blocks
from fleetopt.planning.blocking import check_block, lower_bound, plan_blocks
from fleetopt.planning.problem import GroupProblem
from tests.fleetopt.planning.test_blocking_random import _instance, _partitions

H = 3600.0


def _three() -> GroupProblem:
    """Place 0 = depot A (20 kW charger), 1 = terminal B (40 kWh away), 2 = C (10 kWh).

    P = A-B-A 08:00-10:00 (80 kWh), Q = A-B-A 10:30-12:30 (80 kWh), R = A-C-A
    14:00-16:00 (20 kWh); battery 120 kWh, constant curve, no idle draw. P then Q needs
    160 kWh less 30 min of charge (10 kWh): more than the battery. P then R, or Q then R,
    run (hours at A's charger between).
    """
    rows = [
        (8.0, 9.0, 0, 1, 40.0),  # P
        (9.0, 10.0, 1, 0, 40.0),
        (10.5, 11.5, 0, 1, 40.0),  # Q
        (11.5, 12.5, 1, 0, 40.0),
        (14.0, 15.0, 0, 2, 10.0),  # R
        (15.0, 16.0, 2, 0, 10.0),
    ]
    n = len(rows)
    ep = np.array([r[3] for r in rows])
    kwh = np.array([r[4] for r in rows])
    dh = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 4.0], [0.5, 4.0, 0.0]]) * H
    dh_km = np.array([[0.0, 40.0, 10.0], [40.0, 0.0, 50.0], [10.0, 50.0, 0.0]])
    spec = VehicleSpec(
        vehicle_type="bus",
        powertrain="bev",
        battery_kwh=120.0,
        kwh_per_km=1.0,
        charging_curve="constant",
    )
    trips = pd.DataFrame(
        {"trip_id": [f"t{i}" for i in range(n)], "vehicle_id": ["P", "P", "Q", "Q", "R", "R"]}
    )
    return GroupProblem(
        vehicle_type="bus",
        powertrain="bev",
        spec=spec,
        trips=trips,
        dep_s=np.array([r[0] for r in rows]) * H,
        arr_s=np.array([r[1] for r in rows]) * H,
        km=kwh,
        drive_kwh=kwh,
        kwh_per_km_dh=1.0,
        end_station=np.where(ep == 0, 0, -1),
        depot=np.zeros(n, np.int64),
        start_place=np.array([r[2] for r in rows]),
        end_place=ep,
        dh_s=dh,
        dh_km=dh_km,
        station_place=np.array([0]),
        rate_kw=np.array([20.0]),
        station_ids=np.array(["A"]),
        cap_kwh=120.0,
        min_kwh=0.0,
        battery=True,
        plug_kw=np.array([20.0]),
        charge_ok=np.array([True]),
    )


P, Q, R = [0, 1], [2, 3], [4, 5]


def test_join_saves_a_vehicle_and_reaches_the_exact_minimum() -> None:
    """GIVEN blocks P, Q, R (3 vehicles, each feasible) THEN P tries Q first (least wait),
    whose joined day does not run, then R, which does: 2 blocks, every one feasible, and
    2 is the minimum over all partitions (exact subsets) although the energy-blind bound
    is 1."""
    gp = _three()
    assert all(check_block(gp, b, 0).feasible for b in (P, Q, R))
    assert not check_block(gp, P + Q, 0).feasible
    blocks, depots = join_blocks(gp, [P, Q, R], [0, 0, 0], math.inf)
    assert blocks == [P + R, Q]
    assert depots == [0, 0]
    assert all(check_block(gp, b, d).feasible for b, d in zip(blocks, depots, strict=True))
    assert plan_blocks(gp).vehicles == 2  # 6 trips: exact subsets
    assert lower_bound(gp, np.arange(gp.n))[0] == 1


def test_join_refuses_a_day_that_does_not_run() -> None:
    """GIVEN no charging between trips (only the night's at the depot) and a 90 kWh
    battery THEN each block runs alone (80, 80, 20 kWh) but every join needs 100 kWh or
    more, so join_blocks leaves the three blocks."""
    gp = _three()
    gp.end_station[:] = -1
    gp = replace(gp, cap_kwh=90.0, spec=replace(gp.spec, battery_kwh=90.0))
    assert all(check_block(gp, b, 0).feasible for b in (P, Q, R))
    assert not any(check_block(gp, x + y, 0).feasible for x, y in ((P, Q), (P, R), (Q, R)))
    blocks, _ = join_blocks(gp, [P, Q, R], [0, 0, 0], math.inf)
    assert blocks == [P, Q, R]


@pytest.mark.parametrize("seed", range(12))
def test_join_against_brute_force(seed: int) -> None:
    """GIVEN random instances of up to 7 trips (taper curve, idle draw) WHEN every
    runnable trip starts as its own block, or from the energy-aware dispatch THEN the
    joined blocks run every trip once, all pass check_block, are never more than given
    and never fewer than the brute-force minimum over all set partitions."""
    rng = np.random.default_rng(2100 + seed)
    n = int(rng.integers(4, 8))
    gp = _instance(rng, n, "taper", 8.0)
    runnable = [j for j in range(n) if check_block(gp, [j], int(gp.depot[j])).feasible]
    best = math.inf
    for part in _partitions(runnable):
        blocks = [sorted(b, key=lambda i: (gp.dep_s[i], i)) for b in part]
        if all(check_block(gp, b, int(gp.depot[b[0]])).feasible for b in blocks):
            best = min(best, len(blocks))
    starts = [
        ([[j] for j in runnable], [int(gp.depot[j]) for j in runnable]),
        blocking._dispatch(gp, runnable),
    ]
    for given, depots in starts:
        blocks, dep2 = join_blocks(gp, given, depots, math.inf)
        assert sorted(j for b in blocks for j in b) == runnable
        assert all(check_block(gp, b, d).feasible for b, d in zip(blocks, dep2, strict=True))
        assert all(d == int(gp.depot[b[0]]) for b, d in zip(blocks, dep2, strict=True))
        assert best <= len(blocks) <= len(given)


def test_join_stops_at_the_deadline() -> None:
    """GIVEN a deadline already passed THEN the blocks come back as given (sorted)."""
    gp = _three()
    blocks, _ = join_blocks(gp, [Q, P, R], [0, 0, 0], -math.inf)
    assert blocks == [P, Q, R]
