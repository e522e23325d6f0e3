"""Local curve rounds of the charging LP (charging_repair): feasible, never worse, honest."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse

from fleetopt.domain import charging as chg
from fleetopt.domain.costs import hourly_prices
from fleetopt.planning import _solver, charging_lp, charging_repair
from fleetopt.planning.charging_lp import plan_charging
from fleetopt.planning.charging_model import Model, VehicleDay
from fleetopt.planning.charging_schedule import price_cuts
from fleetopt.planning.replay import replay_schedule
from tests.fleetopt.planning.test_charging_cuts_bound import _days as _random_days

H = 3600.0
TAPER = chg.curve("taper")
PRICES = hourly_prices("beijing-general-commercial-1-10kv")
SLACK = 1.0e7


def _days(seed: int, n: int) -> list[VehicleDay]:
    """Random 100 kWh taper buses at one 60 kW depot: a layover and a night, 76-96 kWh a day."""
    return _random_days(
        seed, n, start_h=(5, 7), out_h=(2, 4), layover_h=(0.3, 1.0), back_h=(8, 11), kwh=(38, 48)
    )


def _lp(
    m: Model, plugs: float
) -> tuple[charging_repair.Matrix, np.ndarray, np.ndarray, np.ndarray, int]:
    """The cost LP of one station with ``plugs`` (plug rows, curve rows with lack columns)."""
    slack0 = m.n_cols
    n = slack0 + m.taper.size
    _, e_idx = np.unique(m.q_elem, return_inverse=True)
    n_e = int(e_idx.max()) + 1
    rows = [m.rows, m.n_rows + e_idx]
    cols = [m.cols, m.t_col]
    vals = [m.vals, 3600.0 / m.q_over]
    lb = [m.row_lb, np.full(n_e, -math.inf)]
    ub = [m.row_ub, np.full(n_e, plugs)]
    n_row = m.n_rows + n_e

    def matrix(tangent: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
        r, c, v, u, k = m.curve_rows(tangent, n_row, slack0=slack0)
        a = sparse.csr_matrix(
            (np.concatenate([*vals, v]), (np.concatenate([*rows, r]), np.concatenate([*cols, c]))),
            shape=(n_row + k, n),
        )
        return a, np.concatenate([*lb, np.full(k, -math.inf)]), np.concatenate([*ub, u])

    c = np.zeros(n)
    hour = np.floor(m.q_start / 3600.0).astype(np.int64) % 24
    c[m.q_col] = PRICES[hour] / m.q_eff
    c[slack0:] = SLACK
    col_lb = np.r_[m.col_lb, np.zeros(m.taper.size)]
    col_ub = np.r_[m.col_ub, np.full(m.taper.size, math.inf)]
    return matrix, c, col_lb, col_ub, slack0


def _curve_h(m: Model, e: np.ndarray) -> np.ndarray:
    """T(e) of every tapering piece's curve [h] (hours from empty at the piece's power)."""
    out = np.zeros(m.taper.size)
    for k, _, fracs, a_off in m._curve_groups():
        p = m.taper[k]
        kw = m.q_rate[p]
        unit = m.cap[m.q_vehicle[p]] / kw
        out[k] = (unit[:, None] * a_off[None, :] + e[k][:, None] / (kw[:, None] * fracs)).max(1)
    return out


@pytest.mark.parametrize("seed", range(3))
def test_the_repair_ends_without_lack_keeps_every_row_and_never_costs_more(seed: int) -> None:
    """GIVEN random taper buses on 2 plugs and a whole round at the slowest band's tangent
    (which restricts wherever a piece starts below it, so the answer lacks plug time) THEN
    the local rounds end without lack, their answer meets every row and bound of the LP at
    the bands it returns, costs no more than the round's answer, and the real curve
    delivers every piece's charge in its plug time; the recovery re-solve after it keeps
    all of that and costs no more."""
    days = _days(seed, 8)
    m = Model.build(days, 0.0, 900.0, False, price_cuts(PRICES))
    matrix, c, col_lb, col_ub, slack0 = _lp(m, 2.0)
    top = np.full(m.taper.size, len(TAPER.fracs) - 1, np.int64)
    a, rl, ru = matrix(top)
    ans = _solver.solve(c, a, rl, ru, col_lb, col_ub)
    assert ans.x is not None
    lack_in = float(ans.x[slack0:].sum())
    assert lack_in > 1e-3  # the instance is one the repair has to work on
    x, tangent, solves = charging_repair.repair(
        m, c, matrix, col_lb, col_ub, ans.x, slack0, time_limit_s=60.0
    )
    assert solves >= 1
    assert float(x[slack0:].sum()) <= 1e-9
    assert float(c @ x) <= float(c @ ans.x) + 1e-6
    a, rl, ru = matrix(tangent)
    ax = a @ x
    assert np.all(ax <= ru + 1e-6)
    assert np.all(ax >= rl - 1e-6)
    assert np.all(x >= col_lb - 1e-7)
    assert np.all(x <= col_ub + 1e-7)
    p = m.taper
    need = _curve_h(m, x[m.q_chain[p]]) - _curve_h(m, x[m.q_prev[p]])
    assert np.all(need <= x[m.t_col[p]] + 1e-6)
    # recover: the vehicles above their cost in the first band's answer, re-solved once
    ref = _solver.solve(c, *matrix(np.zeros(m.taper.size, np.int64)), col_lb, col_ub).x
    y = charging_repair.recover(m, c, matrix, col_lb, col_ub, x, ref, slack0, time_limit_s=60.0)
    assert float(c @ y) <= float(c @ x) + 1e-6
    assert float(y[slack0:].sum()) <= 1e-9
    a, rl, ru = matrix(m.tangents_of(y))
    ay = a @ y
    assert np.all(ay <= ru + 1e-6)
    assert np.all(ay >= rl - 1e-6)
    need = _curve_h(m, y[m.q_chain[p]]) - _curve_h(m, y[m.q_prev[p]])
    assert np.all(need <= y[m.t_col[p]] + 1e-6)


def test_owners_cover_every_vehicle_column_once() -> None:
    """THEN each state-of-charge, charge, plug-time, chain and lack column has its vehicle."""
    days = _days(0, 3)
    m = Model.build(days, 0.0, 900.0, False, price_cuts(PRICES))
    own = charging_repair.column_owners(m, m.n_cols + m.taper.size + 2, m.n_cols)
    assert (own[: m.n_cols + m.taper.size] >= 0).all()
    assert (own[-2:] == -1).all()
    for v, d in enumerate(days):
        s0 = m.soc_first[v]
        assert (own[s0 : s0 + len(d.segments) + 1] == v).all()
    assert (own[m.q_col] == m.q_vehicle).all()


@pytest.mark.parametrize("seed", range(2))
def test_plans_with_and_without_the_repair_share_the_bound_and_replay(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN random taper buses with the repair forced on (every part counts as large)
    and off THEN both plans are deliverable (the replay misses no trip, closes every day,
    and its plugs deliver every scheduled kWh), share the chord relaxation's bound, and
    each costs at least that bound."""
    days = _days(seed, 10)
    st = np.array(["D"])
    monkeypatch.setattr(charging_lp, "REPAIR_PIECES", 0)
    on = plan_charging(days, st, PRICES, plugs={"D": 2})
    monkeypatch.setattr(charging_lp, "LOCAL_REPAIR", False)
    off = plan_charging(days, st, PRICES, plugs={"D": 2})
    for plan in (on, off):
        assert plan.status in ("optimal", "feasible")
        assert plan.bound_cny <= plan.cost_cny + 1e-9
        rep = replay_schedule(days, plan, st)
        assert rep["trips_missed"] == 0
        assert rep["days_not_closed"] == 0
        assert sum(rep["plug_shortfall_kwh"].values()) <= 1e-6
    assert on.bound_cny == pytest.approx(off.bound_cny, rel=1e-9)
