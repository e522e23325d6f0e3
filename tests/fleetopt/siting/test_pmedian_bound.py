"""p-median Lagrangian steps on sorted costs give the dense sums; the search stays exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fleetopt.inputs.orlib import read_pmed
from fleetopt.siting.pmedian_lagrangian import (
    SortedCosts,
    lagrangian_branch_and_bound,
    lagrangian_fixing,
    lagrangian_fixing_primal,
)
from tests.fleetopt.siting.conftest import LOCAL_OPTIMA, brute_force_pmedian


@pytest.mark.parametrize("seed", range(6))
def test_sorted_costs_equal_dense_sums(seed: int) -> None:
    """GIVEN costs with ties and multipliers below, between and above them THEN same sums.

    Covers both the gathered path (few entries below λ) and the dense one.
    """
    rng = np.random.default_rng(seed)
    wd = rng.integers(0, 30, (40, 25)).astype(float)  # many ties
    sc = SortedCosts(wd)
    openset = rng.choice(25, 5, replace=False)
    for lam in (np.full(40, -5.0), np.full(40, 100.0), rng.uniform(0, 3, 40),
                rng.uniform(0, 30, 40), np.sort(wd, axis=1)[:, 3], np.sort(wd, axis=1)[:, 1]):
        rho, entries = sc.rho(lam)
        np.testing.assert_allclose(rho, np.minimum(wd - lam[:, None], 0.0).sum(axis=0),
                                   rtol=0, atol=1e-9)
        served = sc.served(entries, lam, openset)
        np.testing.assert_array_equal(served, (wd[:, openset] < lam[:, None]).sum(axis=1))


@pytest.mark.parametrize("all_columns", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_branch_and_bound_matches_brute_force(seed: int, all_columns: bool) -> None:
    """GIVEN random instances and a poor start WHEN branched THEN the brute-force optimum.

    Both node methods (steps over open-able candidates only, and over all of them).
    """
    rng = np.random.default_rng(40 + seed)
    n_cli, n_cand, p = 18, 10, 3
    dist = rng.uniform(0, 100, (n_cli, n_cand)).round(2)
    weight = rng.uniform(0.5, 3.0, n_cli)
    start = np.arange(p)
    ub = float((dist[:, start] * weight[:, None]).min(axis=1).sum())
    done, best, cost, lb, _ = lagrangian_branch_and_bound(
        dist, weight, p, np.array([], np.int64), np.ones(n_cand, bool), start, ub, 1e-9,
        deadline=float("inf"), all_columns=all_columns)
    want = brute_force_pmedian(dist, weight, p)
    assert done
    assert cost == pytest.approx(want, rel=1e-12)
    assert lb == pytest.approx(want, rel=1e-12)
    assert float((dist[:, best] * weight[:, None]).min(axis=1).sum()) == pytest.approx(cost)


def test_pmed1_root_bound_below_published_optimum(data_dir: Path) -> None:
    """GIVEN pmed1 and an incumbent 5 % above 5819 (OR-Library) THEN 0.95 OPT <= bound <= OPT.

    The fixing inside the subgradient bounds the solutions better than the incumbent
    only, so with the optimum itself as incumbent the value may exceed it (that proves
    optimality); with a worse incumbent the optimum is among those solutions and the
    bound must stay below it.
    """
    inst = read_pmed(data_dir / "siting" / "pmed1.txt")
    want = LOCAL_OPTIMA["pmed1"]
    lb, closed, forced = lagrangian_fixing(inst.cost, np.ones(inst.n), inst.p,
                                           np.array([], np.int64), np.ones(inst.n, bool),
                                           1.05 * want, 1 - 1e-6)
    assert 0.95 * want <= lb <= want
    assert not closed.all()
    assert forced.size <= inst.p
    # with the optimum as incumbent the bound reaches it (optimality proven at the root)
    lb_opt, _, _ = lagrangian_fixing(inst.cost, np.ones(inst.n), inst.p,
                                     np.array([], np.int64), np.ones(inst.n, bool), want,
                                     1 - 1e-6)
    assert lb_opt >= want - (1 - 1e-6)


def test_lagrangian_open_set_is_a_solution(data_dir: Path) -> None:
    """GIVEN pmed2 with one candidate fixed open WHEN the root Lagrangian runs THEN the open set
    it returns (the local search's start) has p + 1 distinct allowed sites with the fixed one,
    its true cost is at least the bound, and the bound is that of lagrangian_fixing."""
    inst = read_pmed(data_dir / "siting" / "pmed2.txt")
    fixed = np.array([7], np.int64)
    allowed = np.ones(inst.n, bool)
    allowed[[3, 50]] = False
    ub = 1.05 * LOCAL_OPTIMA["pmed2"]
    args = (inst.cost, np.ones(inst.n), inst.p + 1, fixed, allowed, ub, 1 - 1e-6)
    lb, _, _, open_set = lagrangian_fixing_primal(*args)
    assert open_set.size == inst.p + 1 == np.unique(open_set).size
    assert 7 in open_set
    assert allowed[open_set].all()
    assert inst.cost[:, open_set].min(axis=1).sum() >= lb - 1e-6
    assert lagrangian_fixing(*args)[0] == lb
