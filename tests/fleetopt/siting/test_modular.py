"""The compact (open, modules) facility model and the HiGHS back-end it runs on.

Expectations are computed by hand or by enumerating every size choice with an exact
transportation LP (scipy's own HiGHS), independently of the code under test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from fleetopt.deadline import Deadline
from fleetopt.siting.backend import LinearModel, solve_linear_model
from fleetopt.siting.cflp import CflpData, build_cflp, solve_cflp
from fleetopt.siting.modular import facility_model, module_ladder


def _modular(fixed: list[float], per_module: list[float], q: list[float], kmax: list[int],
             demand: list[float], cost: np.ndarray, **kw: object) -> CflpData:
    """Sites of 1..kmax modules, cost fixed + k per_module, capacity k q; all pairs allowed."""
    site, cap, oc, size = [], [], [], []
    for j, km in enumerate(kmax):
        for k in range(1, km + 1):
            site.append(j)
            cap.append(k * q[j])
            oc.append(fixed[j] + k * per_module[j])
            size.append(k)
    m, n = cost.shape
    si, cj = np.divmod(np.arange(m * n), n)
    return CflpData(option_site=np.array(site), option_capacity=np.array(cap, float),
                    option_cost=np.array(oc, float), n_sites=m, demand=np.array(demand, float),
                    pair_site=si, pair_cust=cj, pair_cost=np.asarray(cost, float).ravel(),
                    fixed_open=np.array(kw.pop("fixed_open", []), np.int64),
                    option_size=np.array(size), **kw)  # type: ignore[arg-type]


def _enumerate(d: CflpData) -> float:
    """Optimum by trying every size (or closed) at every site with an exact transport LP."""
    best = np.inf
    per_site = [[-1, *np.flatnonzero(d.option_site == j).tolist()] for j in range(d.n_sites)]
    n_pair, n_cust = d.pair_site.size, d.demand.size
    for combo in itertools.product(*per_site):
        if any(c == -1 for j, c in enumerate(combo) if j in set(d.fixed_open.tolist())):
            continue
        chosen = [c for c in combo if c >= 0]
        if not chosen:
            continue
        cap = np.zeros(d.n_sites)
        cap[d.option_site[chosen]] = d.option_capacity[chosen]
        opening = float(d.option_cost[chosen].sum())
        if d.budget is not None and opening > d.budget + 1e-9:
            continue
        if d.max_open is not None and len(chosen) > d.max_open + d.fixed_open.size:
            continue
        a_eq = sparse.csr_matrix((np.ones(n_pair), (d.pair_cust, np.arange(n_pair))),
                                 shape=(n_cust, n_pair))
        a_ub = sparse.csr_matrix((d.demand[d.pair_cust], (d.pair_site, np.arange(n_pair))),
                                 shape=(d.n_sites, n_pair))
        r = linprog(d.pair_cost, A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=np.ones(n_cust),
                    bounds=(0, 1), method="highs")
        if r.status == 0:
            best = min(best, opening + r.fun)
    return best


def test_hand_case_two_sites() -> None:
    # A: 10 + 3/module, 5 per module, up to 3; B: 4 + 5/module, 5 per module, up to 2.
    # Customers 6 and 7 (13 in all: three modules at least); serving costs A 1 / 3, B 2 / 1.
    # B alone holds 10 < 13. A alone with 3 modules: 19 + 1 + 3 = 23.
    # A 2 + B 1: 14 + 6 + 5 = 25, c1 -> A (1), c2 5/7 -> B, 2/7 -> A (11/7): 27.57.
    # A 1 + B 2: 14 + 3 + 10 = 27, c1 5/6 -> A, 1/6 -> B (7/6), c2 -> B (1): 29.17.
    d = _modular([10, 4], [3, 5], [5, 5], [3, 2], [6, 7], np.array([[1.0, 3.0], [2.0, 1.0]]))
    lad = module_ladder(d)
    assert lad is not None
    np.testing.assert_allclose(lad.a, [10, 4])
    np.testing.assert_allclose(lad.b, [3, 5])
    np.testing.assert_allclose(lad.q, [5, 5])
    assert lad.k0.tolist() == [1, 1]
    assert lad.k1.tolist() == [3, 2]
    model, lift = facility_model(d)
    assert model.notes.get("form") == "modular"
    ans = solve_linear_model(model, time_limit_s=10)
    assert ans.status == "optimal"
    assert ans.objective == pytest.approx(23.0)
    x = lift(ans.x)
    n_opt = d.option_site.size
    opened = np.flatnonzero(x[:n_opt] > 0.5)
    assert [(int(d.option_site[o]), int(d.option_size[o])) for o in opened] == [(0, 3)]
    # the lifted solution costs what the solver says, in the option columns' prices
    assert float(d.option_cost @ x[:n_opt] + d.pair_cost @ x[n_opt:]) == pytest.approx(23.0)
    # and the whole solve agrees
    full = solve_cflp(d, deadline=Deadline.after(10))
    assert full.status == "optimal"
    assert full.objective == pytest.approx(23.0)


def test_lp_relaxation_equals_option_form() -> None:
    rng = np.random.default_rng(3)
    d = _modular(rng.uniform(20, 60, 4).tolist(), rng.uniform(2, 9, 4).tolist(),
                 rng.uniform(4, 8, 4).tolist(), [4, 3, 4, 2], rng.uniform(1, 6, 6).tolist(),
                 rng.uniform(0, 10, (4, 6)))
    compact, _ = facility_model(d)
    a = solve_linear_model(compact, relax=True, time_limit_s=10)
    b = solve_linear_model(build_cflp(d), relax=True, time_limit_s=10)
    assert a.status == b.status == "optimal"
    assert a.objective == pytest.approx(b.objective, rel=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_random_instances_equal_enumeration(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    m, n = 3, 5
    kw: dict[str, object] = {}
    if seed % 3 == 1:
        kw["max_open"] = 1
    if seed % 3 == 2:
        kw["fixed_open"] = [0]
    if seed == 5:
        kw["budget"] = 90.0
    d = _modular(rng.uniform(10, 40, m).tolist(), rng.uniform(1, 10, m).tolist(),
                 rng.uniform(3, 7, m).tolist(), rng.integers(2, 4, m).tolist(),
                 rng.uniform(1, 5, n).tolist(), rng.uniform(0, 8, (m, n)), **kw)
    want = _enumerate(d)
    model, lift = facility_model(d)
    assert model.notes.get("form") == "modular"
    ans = solve_linear_model(model, time_limit_s=10)
    if not np.isfinite(want):
        assert ans.status == "infeasible"
        return
    assert ans.status == "optimal"
    assert ans.objective == pytest.approx(want, rel=1e-7, abs=1e-7)
    x = lift(ans.x)
    n_opt = d.option_site.size
    assert float(d.option_cost @ x[:n_opt] + d.pair_cost @ x[n_opt:]) == pytest.approx(
        want, rel=1e-7, abs=1e-7)
    # at most one size per site
    assert np.bincount(d.option_site[x[:n_opt] > 0.5], minlength=m).max() <= 1


def test_not_a_ladder_falls_back_to_options() -> None:
    d = _modular([10, 4], [3, 5], [5, 5], [3, 2], [6, 7], np.array([[1.0, 3.0], [2.0, 1.0]]))
    # capacity not proportional to size (Erlang-C sizing looks like this)
    d2 = CflpData(**{**d.__dict__, "option_capacity": d.option_capacity ** 1.1})
    assert module_ladder(d2) is None
    model, lift = facility_model(d2)
    assert "form" not in model.notes
    x = np.arange(model.c.size, dtype=float)
    assert np.array_equal(lift(x), x)
    # cost not linear in size
    d3 = CflpData(**{**d.__dict__, "option_cost": d.option_cost + d.option_size ** 2})
    assert module_ladder(d3) is None
    # one option per site: nothing to gain
    one = CflpData.dense(np.array([5.0, 6.0]), np.array([10.0, 10.0]), np.array([3.0, 4.0]),
                         np.array([[1.0, 2.0], [2.0, 1.0]]))
    assert module_ladder(one) is None


def test_allowed_sizes_narrow_the_range() -> None:
    d = _modular([10, 4], [3, 5], [5, 5], [3, 2], [6, 7], np.array([[1.0, 3.0], [2.0, 1.0]]))
    keep = np.ones(d.option_site.size, bool)
    keep[0] = False  # site 0 size 1
    lad = module_ladder(d, keep)
    assert lad is not None
    assert lad.k0.tolist() == [2, 1]
    assert lad.k1.tolist() == [3, 2]
    # the solution maps back to the option of the size chosen (site 0 at 3 modules, 23)
    model, lift = facility_model(d, keep_option=keep)
    ans = solve_linear_model(model, time_limit_s=10)
    assert ans.status == "optimal"
    assert ans.objective == pytest.approx(23.0)
    opened = np.flatnonzero(lift(ans.x)[: d.option_site.size] > 0.5)
    assert [(int(d.option_site[o]), int(d.option_size[o])) for o in opened] == [(0, 3)]
    keep[3:] = False  # site 1 may not open
    lad = module_ladder(d, keep)
    assert lad is not None
    assert lad.k1.tolist() == [3, 0]
    keep = np.ones(d.option_site.size, bool)
    keep[1] = False  # site 0 sizes 1 and 3: not a range
    assert module_ladder(d, keep) is None


def test_highs_time_limit_keeps_its_solution_and_bound() -> None:
    # market split (Cornuejols & Dawande 1998), 4 rows x 30 binaries, as an optimisation
    # with slack: any 0/1 vector is feasible, proving the optimum takes far longer than 1 s
    rng = np.random.default_rng(11)
    m, n = 4, 30
    w = rng.integers(0, 100, (m, n)).astype(float)
    b = np.floor(w.sum(axis=1) / 2)
    # columns: x (n), s+ (m), s- (m); rows: w x + s+ - s- = b
    a = sparse.hstack([sparse.csr_matrix(w), sparse.eye(m), -sparse.eye(m)]).tocsr()
    c = np.r_[np.zeros(n), np.ones(2 * m)]
    model = LinearModel(c=c, a=a, row_lb=b, row_ub=b, col_lb=np.zeros(n + 2 * m),
                        col_ub=np.r_[np.ones(n), np.full(2 * m, np.inf)],
                        integer=np.r_[np.ones(n, bool), np.zeros(2 * m, bool)])
    ans = solve_linear_model(model, time_limit_s=1.0)
    assert ans.x is not None  # model_builder's HiGHS bridge returned none here
    assert ans.status in ("feasible", "optimal")
    x = ans.x
    np.testing.assert_allclose(a @ x, b, atol=1e-6)
    assert np.all(np.abs(x[:n] - np.round(x[:n])) < 1e-6)
    assert ans.objective == pytest.approx(float(c @ x), abs=1e-6)
    assert 0.0 <= ans.bound <= ans.objective + 1e-9


def test_highs_lp_reduced_costs() -> None:
    # min x1 + 2 x2, x1 + x2 >= 1, 0 <= x <= 2: x = (1, 0), row dual 1, reduced costs (0, 1)
    # (unique: x1 is strictly inside its bounds)
    model = LinearModel(c=np.array([1.0, 2.0]), a=sparse.csr_matrix(np.array([[1.0, 1.0]])),
                        row_lb=np.array([1.0]), row_ub=np.array([np.inf]),
                        col_lb=np.zeros(2), col_ub=np.full(2, 2.0), integer=np.zeros(2, bool))
    ans = solve_linear_model(model, relax=True, time_limit_s=5)
    assert ans.status == "optimal"
    assert ans.objective == pytest.approx(1.0)
    assert ans.reduced_costs is not None
    np.testing.assert_allclose(ans.reduced_costs, [0.0, 1.0], atol=1e-9)


@pytest.mark.parametrize(("cutoff", "status"), [(None, "optimal"), (2.5, "optimal"),
                                                 (2.0 * (1 + 1e-12), "optimal"),
                                                 (1.9, "infeasible")])
def test_highs_cutoff(cutoff: float | None, status: str) -> None:
    # min x1 + 2 x2, x1 + x2 >= 1.5, x in {0, 1, 2}^2: optimum 2 at (2, 0); a cutoff below
    # it leaves nothing to find, which callers read as "the incumbent is optimal"
    model = LinearModel(c=np.array([1.0, 2.0]), a=sparse.csr_matrix(np.array([[1.0, 1.0]])),
                        row_lb=np.array([1.5]), row_ub=np.array([np.inf]), col_lb=np.zeros(2),
                        col_ub=np.full(2, 2.0), integer=np.ones(2, bool))
    ans = solve_linear_model(model, cutoff=cutoff, time_limit_s=5)
    assert ans.status == status
    if status == "optimal":
        assert ans.objective == pytest.approx(2.0)
        assert ans.bound == pytest.approx(2.0)
        np.testing.assert_allclose(ans.x, [2.0, 0.0])
    else:
        assert ans.x is None
