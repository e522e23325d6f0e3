"""Joining blocks end to start (block_improve.join_blocks): hand case, brute force, plan."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from fleetopt.planning import blocking
from fleetopt.planning.block_improve import join_blocks
from fleetopt.planning.blocking import check_block, lower_bound, plan_blocks
from fleetopt.planning.problem import GroupProblem
from tests.fleetopt.planning.test_blocking_balance import _abc
from tests.fleetopt.planning.test_blocking_random import _brute_minimum, _instance


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
    return _abc(rows, ["P", "P", "Q", "Q", "R", "R"], curve="constant")


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
    runnable, best = _brute_minimum(gp, n)
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
