"""The balancing is steered by the exact check's own day (idle draw, charging curve).

Before, the tail exchanges were steered by a measure without the layovers' idle draw or
the charging curve: a block it called fine could still fail :func:`check_block`, and was
then split (one more vehicle). Hand case where that costs a vehicle, random instances
against brute force, and the margin pass's work budget.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from fleetopt.planning import block_balance, blocking
from fleetopt.planning.blocking import check_block, plan_blocks
from tests.fleetopt.planning.test_blocking_balance import _hub
from tests.fleetopt.planning.test_blocking_random import _brute_minimum, _instance

X, Y = [0, 1, 2, 3], [4, 5, 6, 7]


def _idle_hub() -> blocking.GroupProblem:
    """The hub of test_blocking_balance with a 165 kWh battery and 40 kW idle draw.

    X (A-B-A-B-A, 160 kWh of trips) stands 30 min at A's 20 kW charger: about 10 kWh in
    and 20 kWh drawn idle. Without the idle draw it runs, even with no charge between
    trips (160 <= 165 kWh); with it, it needs about 170 kWh. Y (A-C-A-C-A, 40 kWh) runs
    either way. Exchanging the tails at A gives two blocks of about 107 kWh.
    """
    gp = _hub()
    spec = replace(gp.spec, battery_kwh=165.0, idle_kw=40.0, charging_curve="constant")
    return replace(gp, spec=spec, cap_kwh=165.0)


def test_idle_draw_breaks_a_block_that_the_idle_blind_measure_calls_fine() -> None:
    """GIVEN the idle hub THEN X fails the exact check only because of the idle draw, and
    the exact shortfall is by how much it misses (about 5 kWh); the idle-blind
    measure (the one the balancing used before) sees nothing, not even in the margin pass."""
    gp = _idle_hub()
    no_idle = replace(gp, spec=replace(gp.spec, idle_kw=0.0))
    assert check_block(no_idle, X, 0).feasible
    assert block_balance.shortfall_kwh(no_idle, X, 0, 0.0) == 0.0  # also the margin pass
    assert not check_block(gp, X, 0).feasible
    assert check_block(gp, Y, 0).feasible
    # 160 kWh of trips + idle over the 30 min layover - the charge of the whole layover
    # (its ends are whole seconds: CONTRACT §9, any part of a stay) - the battery = 5 kWh
    expect = 160.0 + 40.0 * 1800.0 / 3600 - 20.0 * 1800.0 / 3600 - 165.0
    assert block_balance.shortfall_kwh(gp, X, 0) == pytest.approx(expect, abs=1e-6)


def test_exact_steering_saves_the_vehicle_a_split_would_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN the idle hub's blocks X, Y as the cover (2 = the path-cover bound) THEN
    splitting the failing block needs 3 vehicles (what the idle-blind balancing left: it
    saw no miss, measured with the previous code), the exact balancing exchanges the
    tails at A and both blocks run, and plan_blocks (exact subsets off) proves 2 optimal."""
    gp = _idle_hub()
    split, _ = blocking._repair(gp, [X, Y], [0, 0])
    assert len(split) == 3
    blocks, depots = block_balance.balance(gp, [X, Y], [0, 0], math.inf)
    assert sorted(map(sorted, blocks)) == [[0, 1, 6, 7], [2, 3, 4, 5]]
    assert all(check_block(gp, b, d).feasible for b, d in zip(blocks, depots, strict=True))
    monkeypatch.setattr(blocking, "EXACT_TRIPS", 0)
    res = plan_blocks(gp)
    assert res.lower_bound == 2
    assert res.vehicles == 2
    assert res.status == "optimal"
    assert all(check_block(gp, b, d).feasible for b, d in zip(res.blocks, res.depots, strict=True))


@pytest.mark.parametrize(
    ("seed", "curve", "idle_kw"),
    [(s, "taper", 8.0) for s in range(8)] + [(s, "constant", 8.0) for s in range(4)],
)
def test_shortfall_is_zero_exactly_when_the_block_runs_with_idle_draw(
    seed: int, curve: str, idle_kw: float
) -> None:
    """GIVEN random chains with layover idle draw THEN shortfall_kwh is 0 exactly when
    check_block passes, infinite exactly when the block cannot be timed, and a smaller
    charge between trips (margin pass) never lowers it."""
    rng = np.random.default_rng(1500 + seed)
    gp = _instance(rng, 10, curve, idle_kw)
    for _ in range(60):
        k = int(rng.integers(1, 7))
        chain = sorted(rng.choice(gp.n, size=k, replace=False).tolist(), key=lambda i: gp.dep_s[i])
        depot = int(gp.depot[chain[0]])
        s = block_balance.shortfall_kwh(gp, chain, depot)
        timed = isinstance(blocking.timeline(gp, chain, depot), list)
        assert math.isinf(s) == (not timed)
        assert (s <= 0) == check_block(gp, chain, depot).feasible, (chain, s)
        assert block_balance.shortfall_kwh(gp, chain, depot, 0.0) >= s - 1e-9


@pytest.mark.parametrize("seed", range(12))
def test_balanced_plan_with_idle_draw_against_brute_force(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN random instances of up to 7 trips with idle draw and the taper curve, exact
    subsets switched off THEN every block passes check_block, every runnable trip runs
    once, the vehicles are at least the brute-force minimum over all set partitions and
    at most those of splitting the energy-blind cover without balancing."""
    rng = np.random.default_rng(1600 + seed)
    n = int(rng.integers(4, 8))
    gp = _instance(rng, n, "taper", 8.0)
    runnable, best = _brute_minimum(gp, n)
    monkeypatch.setattr(blocking, "EXACT_TRIPS", 0)
    res = plan_blocks(gp)
    assert sorted(j for b in res.blocks for j in b) == runnable
    assert all(check_block(gp, b, d).feasible for b, d in zip(res.blocks, res.depots, strict=True))
    assert res.vehicles >= best
    assert res.lower_bound <= best
    idx = np.array(runnable, np.int64)
    cover = [
        sorted(b, key=lambda i: (gp.dep_s[i], i)) for b in blocking._min_deadhead_cover(gp, idx)
    ]
    split, _ = blocking._repair(gp, cover, [int(gp.depot[b[0]]) for b in cover])
    assert res.vehicles <= len(split)


def test_margin_pass_work_budget_bounds_the_evaluations(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an 80-trip instance WHEN the balancing may spend k evaluations THEN it calls
    shortfall_kwh at most k + 2 times (one exchange's pair past the budget) and the same
    budget gives the same blocks twice (no dependence on the clock)."""
    rng = np.random.default_rng(77)
    gp = _instance(rng, 80, "taper", 8.0)
    idx = np.arange(gp.n)
    cover = [
        sorted(b, key=lambda i: (gp.dep_s[i], i)) for b in blocking._min_deadhead_cover(gp, idx)
    ]
    depots = [int(gp.depot[b[0]]) for b in cover]
    calls = 0
    real = block_balance.shortfall_kwh

    def counted(*a: object, **k: object) -> float:
        nonlocal calls
        calls += 1
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(block_balance, "shortfall_kwh", counted)
    block_balance.balance(gp, cover, depots, math.inf, 0.0)
    free = calls
    budget = free // 2
    calls = 0
    first = block_balance.balance(gp, cover, depots, math.inf, 0.0, budget)
    assert budget < calls <= budget + 2
    again = block_balance.balance(gp, cover, depots, math.inf, 0.0, budget)
    assert first == again
