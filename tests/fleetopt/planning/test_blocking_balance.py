"""The energy balancing of an energy-blind cover (tail exchanges): hand case, random checks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from ortools.graph.python import min_cost_flow

from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.planning import block_balance, blocking
from fleetopt.planning.blocking import check_block, lower_bound, plan_blocks
from fleetopt.planning.problem import GroupProblem
from tests.fleetopt.planning.test_blocking_random import _brute_minimum, _instance

H = 3600.0


def _abc(
    rows: list[tuple[float, float, int, int, float]], vehicle_ids: list[str], curve: str = "taper"
) -> GroupProblem:
    """Trips ``(dep h, arr h, start, end, kWh)`` between place 0 = depot A (a 20 kW charger),
    1 = terminal B (40 kWh away) and 2 = C (10 kWh away); battery 120 kWh, 1 kWh per km.

    Deadheads: A-B 1 h / 40 km, A-C 0.5 h / 10 km, B-C 4 h / 50 km.
    """
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
        charging_curve=curve,
    )
    trips = pd.DataFrame({"trip_id": [f"t{i}" for i in range(n)], "vehicle_id": vehicle_ids})
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


def _hub() -> GroupProblem:
    """Place 0 = hub and depot A (a 20 kW charger), 1 = terminal B (40 kWh away), 2 = C (10).

    Block X runs A-B-A-B-A (160 kWh), block Y A-C-A-C-A (40 kWh); battery 120 kWh. Both
    stand at A between 10:00/10:05 and 10:20/10:30, where they can swap what follows.
    """
    # trip: (dep h, arr h, start, end, kWh)
    rows = [
        (8.0, 9.0, 0, 1, 40.0),  # X
        (9.0, 10.0, 1, 0, 40.0),
        (10.5, 11.5, 0, 1, 40.0),
        (11.5, 12.5, 1, 0, 40.0),
        (9.0, 9.5, 0, 2, 10.0),  # Y
        (9.5, 10.0 + 5 / 60, 2, 0, 10.0),
        (10.0 + 20 / 60, 11.0, 0, 2, 10.0),
        (11.0, 11.5, 2, 0, 10.0),
    ]
    return _abc(rows, ["X"] * 4 + ["Y"] * 4)


def test_hub_tail_exchange_makes_both_blocks_run() -> None:
    """GIVEN X = 160 kWh (too much for 120 kWh plus 10 kWh of layover charge) and Y = 40 kWh
    WHEN balanced THEN the two blocks exchange their second halves at A (100 kWh each) and
    both run: still 2 vehicles, which is the bound."""
    gp = _hub()
    x, y = [0, 1, 2, 3], [4, 5, 6, 7]
    assert not check_block(gp, x, 0).feasible
    assert block_balance.shortfall_kwh(gp, x, 0) > 0
    assert check_block(gp, y, 0).feasible
    blocks, depots = block_balance.balance(gp, [x, y], [0, 0], math.inf)
    assert sorted(map(sorted, blocks)) == [[0, 1, 6, 7], [2, 3, 4, 5]]
    assert all(check_block(gp, b, d).feasible for b, d in zip(blocks, depots, strict=True))
    # and through plan_blocks above the exact-subset size
    res = plan_blocks(gp)  # 8 trips: exact subsets
    assert res.vehicles == 2


def test_hub_plan_blocks_uses_the_balanced_cover(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the hub case with the exact subset search switched off THEN plan_blocks reaches
    the bound (2) with feasible blocks: the energy-blind cover is repaired, not split."""
    monkeypatch.setattr(blocking, "EXACT_TRIPS", 0)
    gp = _hub()
    res = plan_blocks(gp)
    assert res.lower_bound == 2
    assert res.vehicles == 2
    assert res.status == "optimal"
    assert all(check_block(gp, b, d).feasible for b, d in zip(res.blocks, res.depots, strict=True))
    # the first pass found blocks that run without the layover charge at A (100 kWh each)
    assert blocking.BALANCE_MARGIN_RATE == 0.0
    assert all(
        block_balance.shortfall_kwh(gp, b, d, 0.0) == 0.0
        for b, d in zip(res.blocks, res.depots, strict=True)
    )


@pytest.mark.parametrize("seed", range(10))
def test_shortfall_is_zero_exactly_when_the_block_runs(seed: int) -> None:
    """GIVEN random chains (timed or not) THEN _shortfall_kwh is 0 exactly when check_block
    passes, infinite exactly when the block cannot be timed, positive otherwise."""
    rng = np.random.default_rng(500 + seed)
    gp = _instance(rng, 10)
    for _ in range(60):
        k = int(rng.integers(1, 6))
        chain = sorted(rng.choice(gp.n, size=k, replace=False).tolist(), key=lambda i: gp.dep_s[i])
        depot = int(gp.depot[chain[0]])
        c = check_block(gp, chain, depot)
        s = block_balance.shortfall_kwh(gp, chain, depot)
        timed = isinstance(blocking.timeline(gp, chain, depot), list)
        assert math.isinf(s) == (not timed)
        assert (s <= 0) == c.feasible, (chain, s, c.reason)
        # less charge between trips never helps: the margin pass asks for more
        assert block_balance.shortfall_kwh(gp, chain, depot, 0.0) >= s - 1e-9


@pytest.mark.parametrize("seed", range(15))
def test_balanced_heuristic_is_feasible_and_never_below_brute_force(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the random brute-force instances of test_blocking_random with the exact subset
    search switched off THEN plan_blocks (balanced cover) runs every runnable trip once in
    feasible blocks, never claims fewer vehicles than the brute-force minimum, and its
    bound is at most that minimum."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(3, 8))
    gp = _instance(rng, n)
    runnable, best = _brute_minimum(gp, n)
    monkeypatch.setattr(blocking, "EXACT_TRIPS", 0)
    res = plan_blocks(gp)
    assert sorted(j for b in res.blocks for j in b) == runnable
    assert all(check_block(gp, b, d).feasible for b, d in zip(res.blocks, res.depots, strict=True))
    assert res.vehicles >= best
    assert res.lower_bound <= best


@pytest.mark.parametrize(("seed", "blind"), list(itertools.product(range(6), [False, True])))
def test_balance_keeps_the_cover_and_plan_beats_or_ties_dispatch(
    seed: int, blind: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN 80-trip random instances (cover from the matching, or from the blind dispatch
    above a lowered EXACT_BOUND_TRIPS) THEN balancing keeps the number of blocks and every
    trip once with timed links, and plan_blocks needs no more vehicles than the
    energy-aware dispatch alone, with every block feasible and the bound below."""
    if blind:
        monkeypatch.setattr(blocking, "EXACT_BOUND_TRIPS", 10)
    rng = np.random.default_rng(700 + seed)
    gp = _instance(rng, 80)
    idx = np.array(
        [j for j in range(gp.n) if check_block(gp, [j], int(gp.depot[j])).feasible], np.int64
    )
    cover = blocking._chains_from_matching(gp, idx)
    cover = [sorted(b, key=lambda i: (gp.dep_s[i], i)) for b in cover]
    depots = [int(gp.depot[b[0]]) for b in cover]
    before = sum(block_balance.shortfall_kwh(gp, b, d) for b, d in zip(cover, depots, strict=True))
    blocks, dep2 = block_balance.balance(gp, cover, depots, math.inf)
    after = sum(block_balance.shortfall_kwh(gp, b, d) for b, d in zip(blocks, dep2, strict=True))
    assert len(blocks) == len(cover)
    assert after <= before + 1e-6
    assert sorted(j for b in blocks for j in b) == idx.tolist()
    for b in blocks:
        for i, j in itertools.pairwise(b):
            assert gp.arr_s[i] + gp.dh_s[gp.end_place[i], gp.start_place[j]] <= gp.dep_s[j] + 1e-6
    res = plan_blocks(gp)
    disp, _ = blocking._dispatch(gp, idx.tolist())
    assert res.vehicles <= len(disp)
    assert all(check_block(gp, b, d).feasible for b, d in zip(res.blocks, res.depots, strict=True))
    lb, _ = lower_bound(gp, idx)
    assert res.lower_bound <= res.vehicles
    assert lb <= res.vehicles


def _dense_min_deadhead(gp: GroupProblem, n_chains: int) -> int:
    """Least deadhead [m] of a cover with ``n_chains`` chains: min-cost flow on every
    compatible pair (the test's own network, no pools)."""
    n = gp.n
    idx = np.arange(n)
    ok = blocking._compat_matrix(gp, idx)
    r, c = np.nonzero(ok)
    cost = np.round(gp.dh_km[gp.end_place[r], gp.start_place[c]] * 1000.0).astype(np.int64)
    f = min_cost_flow.SimpleMinCostFlow()
    src, snk = 2 * n, 2 * n + 1
    tails = np.concatenate([np.full(n, src), r, n + idx]).astype(np.int32)
    heads = np.concatenate([idx, n + c, np.full(n, snk)]).astype(np.int32)
    costs = np.concatenate([np.zeros(n, np.int64), cost, np.zeros(n, np.int64)])
    f.add_arcs_with_capacity_and_unit_cost(tails, heads, np.ones(tails.size, np.int64), costs)
    sup = np.zeros(2 * n + 2, np.int64)
    sup[src], sup[snk] = n - n_chains, n_chains - n
    f.set_nodes_supplies(np.arange(2 * n + 2, dtype=np.int32), sup)
    assert f.solve() == f.OPTIMAL
    return int(f.optimal_cost())


@pytest.mark.parametrize("seed", range(8))
def test_min_deadhead_cover_is_a_minimum_cover_with_least_deadhead(seed: int) -> None:
    """GIVEN random 60-trip instances THEN the pooled min-cost cover has as many chains as
    the exact path cover, every link is timed, every trip is in one chain, and its
    deadhead equals the least over all minimum covers (dense min-cost flow)."""
    rng = np.random.default_rng(900 + seed)
    gp = _instance(rng, 60)
    idx = np.arange(gp.n)
    lb, _ = lower_bound(gp, idx)
    chains = blocking._min_deadhead_cover(gp, idx)
    assert len(chains) == lb
    assert sorted(j for ch in chains for j in ch) == idx.tolist()
    metres = 0
    for ch in chains:
        for i, j in itertools.pairwise(ch):
            assert gp.arr_s[i] + gp.dh_s[gp.end_place[i], gp.start_place[j]] <= gp.dep_s[j] + 1e-6
            metres += round(float(gp.dh_km[gp.end_place[i], gp.start_place[j]]) * 1000.0)
    assert metres == _dense_min_deadhead(gp, lb)
    plain = blocking._chains_from_matching(gp, idx)
    assert blocking._deadhead_km(gp, chains) <= blocking._deadhead_km(gp, plain) + 1e-9
