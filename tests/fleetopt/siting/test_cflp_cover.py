"""The capacitated-cover path for modular sites: proven bound <= optimum <= objective.

Optima come from enumeration (every size or closed at every site, each open set priced
by scipy's HiGHS ``linprog`` transportation LP: ``_enumerate`` of test_modular.py), not
from the code under test. Instances are sparse (each customer may use only its nearest
sites), the covering structure the path is built for.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from fleetopt.deadline import Deadline
from fleetopt.siting.answer import Answer, Status
from fleetopt.siting.cflp import solve_cflp
from fleetopt.siting.cflp_core import CflpData
from fleetopt.siting.cflp_cover import (
    FlowCheck,
    capacity_bound,
    cover_bound,
    solve_modular_cover,
    tight_ladder,
    use_cover_path,
)
from tests.fleetopt.siting.test_modular import _enumerate, _modular


def _sparse_instance(seed: int, m: int = 4, n: int = 8, near: int = 2,
                     fixed_open: list[int] | None = None) -> CflpData:
    """Random modular instance where each customer may use only its ``near`` cheapest sites."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 8, (m, n))
    full = _modular(rng.uniform(10, 40, m).tolist(), rng.uniform(1, 10, m).tolist(),
                    rng.uniform(3, 7, m).tolist(), rng.integers(2, 5, m).tolist(),
                    rng.uniform(1, 5, n).tolist(), cost, fixed_open=fixed_open or [])
    rank = np.argsort(np.argsort(cost, axis=0), axis=0)  # rank of each site per customer
    keep = (rank < near)[full.pair_site, full.pair_cust]
    return CflpData(option_site=full.option_site, option_capacity=full.option_capacity,
                    option_cost=full.option_cost, n_sites=m, demand=full.demand,
                    pair_site=full.pair_site[keep], pair_cust=full.pair_cust[keep],
                    pair_cost=full.pair_cost[keep], fixed_open=full.fixed_open,
                    option_size=full.option_size)


def _check_solution(d: CflpData, ans: Answer) -> float:
    """Assert the answer is a feasible solution; return its cost recomputed from scratch."""
    assert d.option_size is not None
    opened = np.flatnonzero(ans.option_open)
    site = d.option_site[opened]
    assert np.unique(site).size == site.size  # one size per site
    assert set(d.fixed_open.tolist()) <= set(site.tolist())
    served = np.bincount(d.pair_cust, weights=ans.flow, minlength=d.demand.size)
    np.testing.assert_allclose(served, 1.0, atol=1e-6)
    cap = np.zeros(d.n_sites)
    cap[site] = d.option_capacity[opened]
    load = np.bincount(d.pair_site, weights=ans.flow * d.demand[d.pair_cust],
                       minlength=d.n_sites)
    assert np.all(load <= cap + 1e-6)
    return float(d.option_cost[opened].sum() + d.pair_cost @ ans.flow)


SEEDS = list(range(14))


@pytest.mark.parametrize("seed", SEEDS)
def test_bound_optimum_objective_bracket(seed: int) -> None:
    """GIVEN a small sparse modular instance WHEN the cover path solves it
    THEN its bound <= the enumerated optimum <= its objective (= the solution's cost)."""
    d = _sparse_instance(seed, fixed_open=[1] if seed % 3 == 0 else None)
    want = _enumerate(d)
    if not np.isfinite(want):
        pytest.skip("random instance without a solution")
    lad = use_cover_path(d)
    assert lad is not None
    ans = solve_modular_cover(d, lad, deadline=time.perf_counter() + 20, solver="highs",
                              rel_gap=1e-9)
    assert ans is not None
    tol = 1e-6 * max(1.0, abs(want))
    assert ans.bound <= want + tol
    assert ans.objective >= want - tol
    assert _check_solution(d, ans) == pytest.approx(ans.objective, rel=1e-7, abs=1e-7)
    # the projected bound on its own is a proven lower bound as well
    b = cover_bound(d, tight_ladder(d, lad), deadline=time.perf_counter() + 10)
    assert b <= want + tol
    cap_b = capacity_bound(d, tight_ladder(d, lad))
    assert np.isfinite(cap_b)
    assert cap_b <= b + tol  # a relaxation of the cover bound's model
    if ans.status == Status.OPTIMAL:
        assert ans.objective == pytest.approx(want, rel=1e-6)


def test_tight_ladder_keeps_the_optimum() -> None:
    """GIVEN instances where some site may not fill its largest size WHEN sizes above
    ceil(reachable demand / module capacity) are removed THEN the optimum is unchanged."""
    lowered = 0
    for seed in SEEDS:
        d = _sparse_instance(seed, near=1)
        lad = use_cover_path(d)
        assert lad is not None
        tl = tight_ladder(d, lad)
        assert d.option_size is not None
        keep = d.option_size <= tl.k1[d.option_site]
        if keep.all():
            continue
        lowered += 1
        dt = CflpData(option_site=d.option_site[keep],
                      option_capacity=d.option_capacity[keep],
                      option_cost=d.option_cost[keep], n_sites=d.n_sites, demand=d.demand,
                      pair_site=d.pair_site, pair_cust=d.pair_cust, pair_cost=d.pair_cost,
                      fixed_open=d.fixed_open, option_size=d.option_size[keep])
        assert _enumerate(dt) == pytest.approx(_enumerate(d), rel=1e-9)
        if lowered == 4:
            break
    assert lowered >= 3  # the test exercises the tightening


def _lp_feasible(d: CflpData, cap: np.ndarray) -> bool:
    n_pair, n_cust = d.pair_site.size, d.demand.size
    a_eq = sparse.csr_matrix((np.ones(n_pair), (d.pair_cust, np.arange(n_pair))),
                             shape=(n_cust, n_pair))
    a_ub = sparse.csr_matrix((d.demand[d.pair_cust], (d.pair_site, np.arange(n_pair))),
                             shape=(d.n_sites, n_pair))
    r = linprog(np.zeros(n_pair), A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=np.ones(n_cust),
                bounds=(0, 1), method="highs")
    return bool(r.status == 0)


def test_flow_check_agrees_with_the_transportation_lp() -> None:
    """GIVEN random site capacities WHEN the max-flow check answers THEN a yes is feasible
    in the transportation LP, and an LP-feasible case with 0.01 % to spare is a yes."""
    rng = np.random.default_rng(5)
    d = _sparse_instance(3, m=6, n=15, near=3)
    check = FlowCheck(d)
    seen = set()
    for _ in range(200):
        cap = rng.uniform(0, 1.2, d.n_sites) * float(d.demand.sum()) / 3
        cap[rng.random(d.n_sites) < 0.3] = 0.0
        yes = check.feasible(cap)
        seen.add(yes)
        if yes:
            assert _lp_feasible(d, cap)
        if _lp_feasible(d, cap * (1 - 1e-4)):
            assert yes
    assert seen == {True, False}


def _large_modular(seed: int, m: int, n: int, near: int) -> CflpData:
    """Sparse modular instance over random points (each customer: its ``near`` nearest sites)."""
    rng = np.random.default_rng(seed)
    site_xy, cust_xy = rng.random((m, 2)), rng.random((n, 2))
    dist = np.linalg.norm(site_xy[:, None, :] - cust_xy[None, :, :], axis=2)
    demand = rng.gamma(2.0, 50.0, n)
    q = float(demand.sum()) / (0.25 * m) / 4.0
    site, cap, oc, size = [], [], [], []
    for j in range(m):
        for k in range(1, 9):
            site.append(j)
            cap.append(k * q)
            oc.append(1000.0 + 150.0 * k)
            size.append(k)
    nearest = np.argsort(dist, axis=0)[:near]  # near x n
    ps = nearest.ravel()
    pc = np.tile(np.arange(n), near)
    return CflpData(option_site=np.array(site), option_capacity=np.array(cap),
                    option_cost=np.array(oc), n_sites=m, demand=demand, pair_site=ps,
                    pair_cust=pc, pair_cost=dist[ps, pc] * demand[pc],
                    fixed_open=np.array([], np.int64), option_size=np.array(size))


def test_solve_cflp_takes_the_cover_path_for_many_modular_sites() -> None:
    """GIVEN 300 modular sites (2,400 size options) WHEN solve_cflp runs THEN the cover
    path answers (flow checks counted) with a feasible solution and bound <= objective."""
    d = _large_modular(11, 300, 900, 4)
    ans = solve_cflp(d, deadline=Deadline.after(10))
    assert ans.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert ans.model_size.get("flow_checks", 0) > 0
    assert ans.bound <= ans.objective + 1e-9 * abs(ans.objective)
    assert _check_solution(d, ans) == pytest.approx(ans.objective, rel=1e-7)


def test_no_cover_path_with_a_budget_or_single_sizes() -> None:
    """GIVEN a budget, or one size per site WHEN asked THEN the cover path does not apply."""
    d = _sparse_instance(0)
    assert use_cover_path(d) is not None
    d.budget = 1e9
    assert use_cover_path(d) is None
    single = CflpData.dense(np.array([5.0, 6.0]), np.array([3.0, 4.0]), np.array([1.0, 2.0]),
                            np.ones((2, 2)))
    assert use_cover_path(single) is None


def test_capacity_bound_by_hand() -> None:
    """GIVEN test_modular's two-site hand case (optimum 23) WHEN the capacity bound is taken
    THEN it is 13 units at A's full-site price (10/3 + 3)/5 plus least travel 1 + 1."""
    d = _modular([10, 4], [3, 5], [5, 5], [3, 2], [6, 7], np.array([[1.0, 3.0], [2.0, 1.0]]))
    lad = use_cover_path(d)
    assert lad is not None
    tl = tight_ladder(d, lad)
    np.testing.assert_array_equal(tl.k1, [3, 2])  # 13 units reach both: no site lowered
    assert capacity_bound(d, tl) == pytest.approx(13 * (10 / 3 + 3) / 5 + 2.0)
    assert capacity_bound(d, tl) <= _enumerate(d) == pytest.approx(23.0)
