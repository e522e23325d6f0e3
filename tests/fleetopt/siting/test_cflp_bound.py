"""Lower bounds of modular capacitated facility location are valid, and the gap is honest.

Every expectation is computed independently of the code under test: optima by trying
every size (or closed) at every site with an exact transportation LP (scipy's HiGHS
``linprog``), the strong LP bound with ``linprog`` as well.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from fleetopt.siting.answer import Status
from fleetopt.siting.cflp_core import CflpData
from fleetopt.siting.cflp_lagrangian import LagrangianState
from fleetopt.siting.cflp_large import solve_large_cflp
from fleetopt.siting.result import relative_gap
from tests.fleetopt.siting.test_modular import _enumerate, _modular


def _instance(seed: int, m: int = 4, n: int = 6) -> CflpData:
    """Random modular instance: 1..K modules per site, sparse-ish pairs from costs."""
    rng = np.random.default_rng(seed)
    return _modular(rng.uniform(10, 40, m).tolist(), rng.uniform(1, 10, m).tolist(),
                    rng.uniform(3, 7, m).tolist(), rng.integers(2, 4, m).tolist(),
                    rng.uniform(1, 5, n).tolist(), rng.uniform(0, 8, (m, n)))


def _strong_lp(d: CflpData) -> tuple[float, np.ndarray]:
    """Strong LP bound of the option form and the duals of the assignment rows."""
    n_opt, n_pair, n_cust = d.option_site.size, d.pair_site.size, d.demand.size
    n_col = n_opt + n_pair
    pcol = n_opt + np.arange(n_pair)
    # equality: each customer served
    a_eq = sparse.csr_matrix((np.ones(n_pair), (d.pair_cust, pcol)), shape=(n_cust, n_col))
    rows, cols, vals = [], [], []
    r = 0
    # capacity per site
    rows += [r + d.pair_site, r + d.option_site]
    cols += [pcol, np.arange(n_opt)]
    vals += [d.demand[d.pair_cust], -d.option_capacity]
    r += d.n_sites
    # strong linking x_ij <= sum_k u_ik
    for p in range(n_pair):
        opts = np.flatnonzero(d.option_site == d.pair_site[p])
        rows += [np.array([r]), np.full(opts.size, r)]
        cols += [np.array([n_opt + p]), opts]
        vals += [np.ones(1), -np.ones(opts.size)]
        r += 1
    # one size per site
    rows.append(r + d.option_site)
    cols.append(np.arange(n_opt))
    vals.append(np.ones(n_opt))
    r += d.n_sites
    a_ub = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(r, n_col))
    b_ub = np.r_[np.zeros(r - d.n_sites), np.ones(d.n_sites)]
    res = linprog(np.r_[d.option_cost, d.pair_cost], A_ub=a_ub, b_ub=b_ub, A_eq=a_eq,
                  b_eq=np.ones(n_cust), bounds=(0, 1), method="highs")
    assert res.status == 0
    return float(res.fun), np.asarray(res.eqlin.marginals, float)


def test_small_modular_instance_bound_and_gap() -> None:
    """GIVEN a 3-site modular instance WHEN the large path solves it THEN bound <= optimum.

    The optimum comes from enumeration; the answer's objective must equal it, its bound
    must not exceed it, and the reported gap is (objective - bound) / objective.
    """
    d = _modular([30.0, 25.0, 40.0], [5.0, 7.0, 3.0], [4.0, 5.0, 6.0], [3, 2, 3],
                 [2.0, 3.0, 4.0, 1.5, 2.5], np.array([[1.0, 2.0, 6.0, 3.0, 7.0],
                                                      [5.0, 1.0, 2.0, 6.0, 2.0],
                                                      [7.0, 6.0, 1.0, 2.0, 3.0]]))
    want = _enumerate(d)
    assert np.isfinite(want)
    ans = solve_large_cflp(d, deadline=time.perf_counter() + 20, solver="highs", rel_gap=1e-9)
    assert ans.status == Status.OPTIMAL
    assert ans.objective == pytest.approx(want, rel=1e-9)
    assert ans.bound <= want * (1 + 1e-9)
    # a Lagrangian value from the state the run starts with is a bound as well
    st = LagrangianState(d)
    val, _, _, _ = st.evaluate(st.lam, exact=True)
    assert val <= want * (1 + 1e-9)
    gap = relative_gap(want, val)
    assert gap == pytest.approx((want - val) / want)


@pytest.mark.parametrize("seed", range(12))
def test_lagrangian_never_exceeds_the_optimum(seed: int) -> None:
    """GIVEN random instances and random multipliers WHEN evaluated THEN L(lambda) <= OPT.

    Both covers (the exact integer one and the priced one used at scale) are checked at
    30 multiplier vectors drawn around the cheapest pair costs, some far above them.
    """
    d = _instance(500 + seed)
    want = _enumerate(d)
    if not math.isfinite(want):
        pytest.skip("instance without a feasible solution")
    rng = np.random.default_rng(seed)
    st = LagrangianState(d)
    for _ in range(30):
        lam = st.lam * rng.uniform(0.0, 3.0, st.lam.size) + rng.uniform(0, 40, st.lam.size)
        exact, _, _, _ = st.evaluate(lam, exact=True)
        st.relax_cover = True
        priced, _, _, _ = st.evaluate(lam)
        st.relax_cover = False
        assert exact <= want + 1e-7 * abs(want)
        assert priced <= exact + 1e-7 * abs(want)


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_at_lp_duals_reaches_the_strong_lp(seed: int) -> None:
    """GIVEN the strong LP's assignment duals WHEN the Lagrangian is evaluated THEN >= LP.

    The per-site subproblem (integer size, continuous flows) has the integrality
    property, so the Lagrangian dual equals the strong LP bound: at the LP's own duals
    the Lagrangian (which also keeps the aggregate capacity row integer) reaches the LP
    value. This is why the Beijing instance's bound stays at its LP (see docs).
    """
    d = _instance(900 + seed)
    lp, duals = _strong_lp(d)
    st = LagrangianState(d)
    val, _, _, _ = st.evaluate(duals, exact=True)
    assert val >= lp - 1e-6 * max(1.0, abs(lp))
    want = _enumerate(d)
    assert val <= want + 1e-7 * abs(want)
