"""Time limits: a medium maximal-coverage model stops within 10 % of its limit, honestly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fleetopt.siting.coverage import _cover_upper_bound, coverage_matrix
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.solve import solve


def _random_problem(n_dem: int, n_cand: int, seed: int) -> SitingProblem:
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 100, (n_dem, 2))
    c = rng.uniform(0, 100, (n_cand, 2))
    cost = np.sqrt(((d[:, None, :] - c[None, :, :]) ** 2).sum(-1)) * 10.0
    cand = pd.DataFrame({"id": [f"c{i}" for i in range(n_cand)], "lon": c[:, 0],
                         "lat": c[:, 1], "existing": False, "fixed_cost_cny": 0.0})
    dem = pd.DataFrame({"id": [f"d{i}" for i in range(n_dem)], "lon": d[:, 0], "lat": d[:, 1],
                        "weight": rng.integers(1, 100, n_dem).astype(float)})
    return SitingProblem(candidates=cand, demand=dem, cost_s=cost, p=30, radius_s=120.0,
                         default_model="max-coverage")


def test_max_coverage_respects_a_short_limit() -> None:
    """GIVEN 4,000 demand points x 1,000 candidates (0.16 M non-zeros; HiGHS presolve
    alone takes ~4.5 s here) and a 3 s limit WHEN solved THEN the reported wall time is
    within 1.1 x limit + 0.5 s of model building, and objective <= bound <= total weight."""
    prob = _random_problem(4000, 1000, seed=3)
    limit = 3.0
    res = solve(prob, model="max-coverage", time_limit_s=limit)
    assert res.status in ("optimal", "feasible")
    assert res.wall_s <= 1.1 * limit + 0.5
    assert res.objective <= res.bound + 1e-6
    assert res.bound <= prob.demand["weight"].sum() + 1e-6
    # the covered weight of the chosen sites, recounted from the travel times
    idx = [int(s[1:]) for s in res.open_sites]
    covered = (prob.cost_s[:, idx] <= 120.0).any(axis=1)
    assert res.objective == prob.demand["weight"].to_numpy()[covered].sum()
    assert len(idx) <= 30


def test_cover_upper_bound_by_hand() -> None:
    """GIVEN 3 points (weights 5, 3, 2) and 3 sites covering {0,1}, {1}, {2} WHEN bounded
    with p=1 THEN 8 (the best column); p=2 THEN the top two columns 8 + 3 = 11 capped at
    the total weight 10; budget 1.5 at unit costs THEN 8 + 0.5 x 3 = 9.5; site 0 fixed
    and p=1 THEN 3 (the best of the others)."""
    cost = np.array([[0.0, 9.0, 9.0], [0.0, 0.0, 9.0], [9.0, 9.0, 0.0]])
    a = coverage_matrix(cost, 1.0)
    w = np.array([5.0, 3.0, 2.0])
    none = np.array([], np.int64)
    assert _cover_upper_bound(a, w, 1, None, None, none) == 8.0
    assert _cover_upper_bound(a, w, 2, None, None, none) == 10.0
    assert _cover_upper_bound(a, w, None, np.ones(3), 1.5, none) == 9.5
    assert _cover_upper_bound(a, w, 1, None, None, np.array([0])) == 3.0
