"""Local curve rounds of the charging LP: re-solve only the vehicles that still lack plug time.

A curve round of :mod:`fleetopt.planning.charging_lp` re-solves the whole LP with the curve
rows moved to the bands its last answer reached. After the first round the plug time the
rows lack usually sits on a few vehicles (the bench's 416 taper buses: 139 pieces of 40
vehicles after the first round, then one bus for four more whole rounds). :func:`repair`
re-solves only those vehicles, then, when that stalls, also their plug competitors (every
vehicle with a piece in an elementary interval of their stays), then every vehicle at
their stations. Every other column keeps its value (its share of each row moves to the
row's bounds), so each answer is an answer of the whole LP at the same bands:

* every row holds (the kept columns met theirs, the freed ones are solved for), so an
  answer that lacks no plug time delivers on the real curve as a whole round's does (the
  curve rows are exact at the band where each piece starts and restrict elsewhere);
* the last answer is feasible in the restricted LP, so the cost and the lack only fall;
* the bound does not come from these LPs (it is the chord relaxation's).

The answer is a feasible one, not the whole LP's optimum at its bands: the first round's
answer traded cost everywhere for less lack, and only the freed vehicles move back.
:func:`recover` then re-solves, once, every vehicle whose energy cost is above its cost in
the chord relaxation's answer (on the bench's 416 buses and 65 plugs: 77,821.26 ->
76,998.79 CNY/day, one LP of 37,931 rows).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
from scipy import sparse

from fleetopt.planning import _solver
from fleetopt.planning.charging_model import Model

__all__ = ["REPAIR_ROUNDS", "column_owners", "recover", "repair"]

#: Local rounds before the repair gives up (the caller then goes on with whole rounds).
REPAIR_ROUNDS = 16

#: A local round must cut the lacking plug time by at least this share, or the repair
#: widens to every vehicle at the lacking pieces' stations once, then gives up.
REPAIR_STALL = 0.05

Matrix = Callable[[np.ndarray], tuple[sparse.csr_matrix, np.ndarray, np.ndarray]]


def column_owners(m: Model, n: int, slack0: int) -> np.ndarray:
    """Return the vehicle each of the ``n`` LP columns belongs to (-1: a station's column)."""
    out = np.full(n, -1, np.int64)
    nv = m.soc_first.size
    n_soc = m.n_cols - 2 * m.q_col.size - m.taper.size
    out[:n_soc] = np.repeat(np.arange(nv), np.diff(np.r_[m.soc_first, n_soc]))
    out[m.q_col] = m.q_vehicle
    out[m.t_col] = m.q_vehicle
    out[m.q_chain[m.taper]] = m.q_vehicle[m.taper]
    if slack0 >= 0:
        out[slack0 : slack0 + m.taper.size] = m.q_vehicle[m.taper]
    return out


def _free_vehicles(m: Model, lacking: np.ndarray, level: int) -> np.ndarray:
    """Return the vehicles a local round re-solves at a widening ``level``.

    0: the lacking pieces' own vehicles; 1: also every vehicle with a piece in an
    elementary interval of their stays (their plug competitors there); 2: every vehicle
    that charges at a lacking piece's station.
    """
    if level == 0:
        return np.unique(m.q_vehicle[lacking])
    if level == 1:
        stays = np.isin(m.q_seg, m.q_seg[lacking])
        return np.unique(m.q_vehicle[np.isin(m.q_elem, m.q_elem[stays])])
    return np.unique(m.q_vehicle[np.isin(m.q_station, m.q_station[lacking])])


def _sub_solve(
    c: np.ndarray,
    a: sparse.csr_matrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    x: np.ndarray,
    free: np.ndarray,
    *,
    time_limit_s: float,
    lp_algorithm: str,
) -> np.ndarray | None:
    """Solve for the ``free`` columns with the others at ``x``; return the whole x or None."""
    fc = np.flatnonzero(free)
    kc = np.flatnonzero(~free)
    a_c = a.tocsc()
    a_f = a_c[:, fc].tocsr()
    fixed = a_c[:, kc] @ x[kc]
    rows = np.flatnonzero(np.diff(a_f.indptr) > 0)
    sub = a_f[rows]
    ans = _solver.solve(
        c[fc],
        sub,
        row_lb[rows] - fixed[rows],
        row_ub[rows] - fixed[rows],
        col_lb[fc],
        col_ub[fc],
        time_limit_s=time_limit_s,
        lp_algorithm=lp_algorithm,
    )
    if ans.x is None or ans.status not in ("optimal", "feasible"):
        return None
    out = x.copy()
    out[fc] = ans.x
    return out


def _resolve_vehicles(
    c: np.ndarray,
    matrix: Matrix,
    tangent: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    x: np.ndarray,
    owner: np.ndarray,
    veh: np.ndarray,
    *,
    time_limit_s: float,
    lp_algorithm: str,
) -> np.ndarray | None:
    """Re-solve the vehicles ``veh`` (and the stations' free columns) at the bands ``tangent``.

    ``owner`` is :func:`column_owners`; every other vehicle's columns keep their value in
    ``x``. Returns the whole x or None (:func:`_sub_solve`).
    """
    free = np.isin(owner, veh) | ((owner < 0) & (col_ub > col_lb))
    a, row_lb, row_ub = matrix(tangent)
    return _sub_solve(
        c, a, row_lb, row_ub, col_lb, col_ub, x, free,
        time_limit_s=time_limit_s, lp_algorithm=lp_algorithm,
    )


def repair(
    m: Model,
    c: np.ndarray,
    matrix: Matrix,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    x: np.ndarray,
    slack0: int,
    *,
    time_limit_s: float,
    lp_algorithm: str = "default",
) -> tuple[np.ndarray, np.ndarray, int]:
    """Re-solve the vehicles that lack plug time until none does (module docstring).

    ``x`` is a whole-LP answer; ``matrix(tangent)`` builds the LP at the bands ``tangent``
    (rows, row bounds); ``slack0`` is the first lacking-time column. Returns the answer,
    the bands it starts its pieces in (:meth:`Model.tangents_of`) and the LP solves
    spent; the answer still lacks plug time when the repair gave up.
    """
    t0 = time.perf_counter()
    owner = column_owners(m, x.size, slack0)
    level = 0
    lack0 = math.inf
    solves = 0
    tangent = m.tangents_of(x)
    for _ in range(REPAIR_ROUNDS):
        sl = x[slack0 : slack0 + m.taper.size]
        lacking = m.taper[sl > 1e-9]
        lack = float(np.maximum(sl, 0.0).sum())
        if lacking.size == 0:
            break
        if lack > (1.0 - REPAIR_STALL) * lack0:
            if level == 2:
                break
            level += 1
        lack0 = lack
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0.1:
            break
        new = _resolve_vehicles(
            c, matrix, tangent, col_lb, col_ub, x, owner, _free_vehicles(m, lacking, level),
            time_limit_s=left, lp_algorithm=lp_algorithm,
        )
        solves += 1
        if new is None:
            break
        x = new
        tangent = m.tangents_of(x)
    return x, tangent, solves


def recover(
    m: Model,
    c: np.ndarray,
    matrix: Matrix,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    x: np.ndarray,
    x_chord: np.ndarray | None,
    slack0: int,
    *,
    time_limit_s: float,
    lp_algorithm: str = "default",
) -> np.ndarray:
    """Re-solve once the vehicles whose energy cost in ``x`` is above the chord answer's.

    The round that lacked plug time moved charge on every vehicle to lack less; after the
    repair those moves are mostly needless. ``x`` must lack nothing at the bands it starts
    its pieces in; the answer keeps every row there (module docstring) and costs no more.
    """
    if x_chord is None:
        return x
    nv = m.soc_first.size
    cost = np.bincount(m.q_vehicle, weights=c[m.q_col] * x[m.q_col], minlength=nv)
    base = np.bincount(m.q_vehicle, weights=c[m.q_col] * x_chord[m.q_col], minlength=nv)
    veh = np.flatnonzero(cost > base + 1e-9)
    if veh.size == 0:
        return x
    new = _resolve_vehicles(
        c, matrix, m.tangents_of(x), col_lb, col_ub, x, column_owners(m, x.size, slack0), veh,
        time_limit_s=time_limit_s, lp_algorithm=lp_algorithm,
    )
    return x if new is None else new
