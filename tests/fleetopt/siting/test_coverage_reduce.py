"""Exact coverage reductions, swaps and the Lagrangian bound: by hand and by enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from fleetopt.deadline import Deadline
from fleetopt.siting.coverage import (
    _lagrangian_bound,
    _swap_cover,
    solve_max_coverage,
    solve_p_center,
    solve_set_cover,
)
from fleetopt.siting.reduce import dominated_columns, merge_duplicate_rows, reduce_cover


def _m(rows: list[list[int]]) -> sparse.csr_matrix:
    return sparse.csr_matrix(np.array(rows, dtype=float))


def test_merge_duplicate_rows_by_hand() -> None:
    """GIVEN rows {0,1}, {2}, {0,1}, {} WHEN merged THEN groups 0,1,0,2 with first rows 0,1,3."""
    a = _m([[1, 1, 0], [0, 0, 1], [1, 1, 0], [0, 0, 0]])
    group, first = merge_duplicate_rows(a)
    assert group.tolist() == [0, 1, 0, 2]
    assert first.tolist() == [0, 1, 3]


def test_dominated_columns_by_hand() -> None:
    """GIVEN columns A={0,1}, B={0}, C={0,1}, D={2} WHEN equal costs THEN B (inside A) and C
    (same as A, later) are dominated; WHEN A costs 5 and C 1 THEN A is dominated by C and B
    by C; WHEN B is the cheapest THEN B stays (a dearer superset does not dominate it)."""
    a = _m([[1, 1, 1, 0], [1, 0, 1, 0], [0, 0, 0, 1]])
    assert dominated_columns(a).tolist() == [False, True, True, False]
    assert dominated_columns(a, np.array([5.0, 3.0, 1.0, 1.0])).tolist() == [
        True, True, False, False]
    assert dominated_columns(a, np.array([5.0, 0.5, 5.0, 1.0])).tolist() == [
        False, False, True, False]


def test_explicit_zeros_and_non_unit_entries() -> None:
    """GIVEN a matrix with an explicit stored 0 and an entry 2.0 WHEN reduced THEN it is
    read as the 0/1 pattern (the stored 0 covers nothing)."""
    a = sparse.csr_matrix((np.array([2.0, 0.0, 1.0]), np.array([0, 1, 1]),
                           np.array([0, 2, 3])), shape=(2, 2))
    assert a.nnz == 3
    assert dominated_columns(a).tolist() == [False, False]
    red = reduce_cover(a, np.array([1.0, 1.0]))
    assert red.a.toarray().tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_reduce_cover_keeps_weights_and_maps() -> None:
    """GIVEN 4 rows (weights 1, 2, 3, 4; row 3 covered by nothing) and the columns above
    WHEN reduced THEN columns A, D stay, rows 0 and 1 merge (A covers both, weight 3),
    row 3 is dropped (-1)."""
    a = _m([[1, 1, 1, 0], [1, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]])
    red = reduce_cover(a, np.array([1.0, 2.0, 3.0, 4.0]))
    assert red.cols.tolist() == [0, 3]
    assert red.weight.tolist() == [3.0, 3.0]
    assert red.rows.tolist() == [0, 0, 1, -1]
    assert red.a.toarray().tolist() == [[1.0, 0.0], [0.0, 1.0]]


def _brute_max_cover(a: np.ndarray, w: np.ndarray, p: int, cost: np.ndarray | None = None,
                     budget: float | None = None, fixed: tuple[int, ...] = ()) -> float:
    n = a.shape[1]
    others = [j for j in range(n) if j not in fixed]
    best = 0.0
    for k in range(p + 1):
        for combo in itertools.combinations(others, k):
            if budget is not None and cost is not None and cost[list(combo)].sum() > budget:
                continue
            cols = list(fixed) + list(combo)
            best = max(best, float(w[a[:, cols].any(axis=1)].sum()) if cols else 0.0)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_max_coverage_matches_enumeration(seed: int) -> None:
    """GIVEN random 30 x 9 instances (some with a budget, some with an existing site)
    WHEN solved THEN the objective equals enumeration, the bound is >= it, and the
    returned sites cover exactly the objective."""
    rng = np.random.default_rng(seed)
    a = rng.random((30, 9)) < 0.25
    a[rng.integers(0, 30, 5)] = a[0]          # duplicate rows to merge
    a[:, 8] = a[:, 3] & (rng.random(30) < 0.5)  # a dominated column
    w = rng.integers(1, 20, 30).astype(float)
    p = 3
    cost = rng.integers(1, 5, 9).astype(float) if seed % 2 else None
    budget = 6.0 if seed % 2 else None
    fixed = (5,) if seed % 3 == 0 else ()
    ans = solve_max_coverage(sparse.csr_matrix(a, dtype=float), w, p=p, site_cost=cost,
                             budget=budget, fixed=np.array(fixed, np.int64),
                             deadline=Deadline.after(20))
    ref = _brute_max_cover(a, w, p, cost, budget, fixed)
    assert ans.status == "optimal"
    assert ans.objective == pytest.approx(ref)
    assert ans.bound >= ans.objective - 1e-9
    got = float(w[a[:, ans.open_idx].any(axis=1)].sum())
    assert got == pytest.approx(ref)
    assert set(fixed) <= set(ans.open_idx.tolist())
    new = [j for j in ans.open_idx if j not in fixed]
    assert len(new) <= p
    if budget is not None and cost is not None:
        assert cost[new].sum() <= budget + 1e-9


def test_swap_improves_the_greedy_trap() -> None:
    """GIVEN the greedy trap (p=2; greedy takes A first) WHEN started from {A, B} THEN one
    swap reaches the best pair {B, C}.

    Rows: 0,1,2,3 weight 1 each; 4, 5 weight 1.5. A = {0,1,2,3}, B = {0,1,4}, C = {2,3,5}.
    {A, B}: 4 + 1.5 = 5.5; {B, C}: 4 + 3 = 7.
    """
    a = np.zeros((6, 3))
    a[[0, 1, 2, 3], 0] = 1
    a[[0, 1, 4], 1] = 1
    a[[2, 3, 5], 2] = 1
    w = np.array([1, 1, 1, 1, 1.5, 1.5])
    out = _swap_cover(sparse.csr_matrix(a), w, np.array([0, 1]), None, None)
    assert sorted(out.tolist()) == [1, 2]


def test_lagrangian_bound_by_hand() -> None:
    """GIVEN the trap instance, p=1, multipliers 0 THEN the bound is the total weight 7;
    multipliers lambda = w THEN the bound is the best column weight max(4, 4, 4) = 4
    (a valid bound: the best single site covers 4)."""
    a = np.zeros((6, 3))
    a[[0, 1, 2, 3], 0] = 1
    a[[0, 1, 4], 1] = 1
    a[[2, 3, 5], 2] = 1
    w = np.array([1, 1, 1, 1, 1.5, 1.5])
    m = sparse.csr_matrix(a)
    assert _lagrangian_bound(m, w, np.zeros(6), 1, None, None) == 7.0
    assert _lagrangian_bound(m, w, w, 1, None, None) == 4.0
    # negative or NaN multipliers are clipped, never making the bound invalid
    assert _lagrangian_bound(m, w, np.full(6, -3.0), 1, None, None) == 7.0


@pytest.mark.parametrize("seed", range(4))
def test_set_cover_and_p_center_match_enumeration(seed: int) -> None:
    """GIVEN random 25 x 8 travel times WHEN set cover (costs) and p-center (p=2) THEN the
    least cost and least radius equal enumeration over every subset."""
    rng = np.random.default_rng(100 + seed)
    cost = rng.integers(1, 60, (25, 8)).astype(float)
    cost[rng.integers(0, 25, 6)] = cost[1]   # duplicate rows
    radius = 25.0
    cov = sparse.csr_matrix(cost <= radius, dtype=float)
    site_cost = rng.integers(1, 9, 8).astype(float)
    best = np.inf
    for k in range(1, 9):
        for combo in itertools.combinations(range(8), k):
            if (cost[:, list(combo)] <= radius).any(axis=1).all():
                best = min(best, site_cost[list(combo)].sum())
    sc = solve_set_cover(cov, site_cost=site_cost, deadline=Deadline.after(20))
    if np.isfinite(best):
        assert sc.status == "optimal"
        assert sc.objective == pytest.approx(best)
        assert (cost[:, sc.open_idx] <= radius).any(axis=1).all()
    else:
        assert sc.status == "infeasible"
    ref = min(cost[:, list(c)].min(axis=1).max() for c in itertools.combinations(range(8), 2))
    pc = solve_p_center(cost, 2, deadline=Deadline.after(20))
    assert pc.status == "optimal"
    assert pc.objective == ref


def test_set_cover_all_covered_by_existing() -> None:
    """GIVEN an existing site covering every point WHEN set cover THEN optimal at cost 0 with
    only that site open."""
    cov = _m([[1, 0], [1, 1]])
    ans = solve_set_cover(cov, site_cost=np.array([5.0, 1.0]), fixed=np.array([0]),
                         deadline=Deadline.after(60))
    assert ans.status == "optimal"
    assert ans.objective == 0.0
    assert ans.open_idx.tolist() == [0]
