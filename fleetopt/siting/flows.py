"""Site hydrogen stations to refuel origin-destination flows with a limited range (FRLM).

The flow-refuelling location model (Kuby & Lim 2005) in the arc-cover form of Capar &
Kuby (2013): every OD flow ``q`` drives its shortest path and back (a cycle); a flow
is refuelled (``x_q = 1``) when every arc ``a`` of the cycle has an open station at most
``range_km`` before the arc's end along the cycle::

    max  sum_q f_q x_q
    s.t. sum_{k in K(q,a)} y_k >= x_q     for every arc a of flow q
         sum_k y_k <= p  (new sites; existing ones are open)

``K(q,a)`` holds the candidate sites on the cycle from which the vehicle reaches the end
of ``a`` on one tank. Rows with the same ``K`` for the same flow are merged. Paths and
lengths come from the road graph (``csr_length``), so the answer is exact for the given
paths (no path enumeration, no combinations of stations).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from fleetopt.deadline import Deadline
from fleetopt.errors import InputError, Problem
from fleetopt.siting.backend import LinearModel, solve_linear_model
from fleetopt.siting.model import SitingModel, SolveOptions
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.result import SitingResult

logger = logging.getLogger(__name__)

__all__ = ["cycle_cover_sets", "solve_flow_refuelling"]


def _path(pred: np.ndarray, origin: int, dest: int) -> list[int]:
    out = [dest]
    while out[-1] != origin:
        nxt = int(pred[out[-1]])
        if nxt < 0:
            return []
        out.append(nxt)
    return out[::-1]


def cycle_cover_sets(pos_m: np.ndarray, stop_is_site: np.ndarray, range_m: float
                     ) -> list[np.ndarray] | None:
    """Return, for each arc of a closed cycle, the stop indices that cover it.

    Parameters
    ----------
    pos_m : numpy.ndarray
        Cumulative distance of the cycle's stops ``0..L``; stop ``L`` equals stop 0 [m].
    stop_is_site : numpy.ndarray
        Boolean per stop ``0..L-1``: a candidate site is there.
    range_m : float
        Vehicle range [m].

    Returns
    -------
    list of numpy.ndarray or None
        Stop indices per arc; None when some arc is longer than the range.
    """
    total = float(pos_m[-1])
    n_stop = pos_m.size - 1
    if n_stop == 0:
        return []
    if np.any(np.diff(pos_m) > range_m + 1e-9):
        return None
    sites = np.flatnonzero(stop_is_site[:n_stop])
    out = []
    for a in range(n_stop):
        end = pos_m[a + 1]
        # distance travelled from stop k to the end of arc a along the cycle
        # (a station at the arc's end only helps after a whole cycle on one tank)
        back = np.mod(end - pos_m[sites], total) if total > 0 else np.zeros(sites.size)
        back = np.where(back <= 1e-9, total, back)
        out.append(sites[back <= range_m + 1e-9])
    return out


def solve_flow_refuelling(problem: Any, *, deadline: Deadline, solver: str = "highs"
                          ) -> SitingResult:
    """Solve the FRLM on a problem with ``flows``, ``range_km``, ``p`` and a network.

    Parameters
    ----------
    problem : SitingProblem
        Needs ``network``, ``flows`` (``origin_node``, ``destination_node``, ``volume``),
        ``range_km`` and ``p``; candidates are the possible station sites.
    deadline : Deadline
        When to stop (:class:`fleetopt.deadline.Deadline`).
    solver : {"highs", "scip"}
        MIP back-end.

    Returns
    -------
    SitingResult
        ``objective`` is the refuelled flow volume (maximised).
    """
    net = problem.network
    if net is None or problem.flows is None or problem.range_km is None or problem.p is None:
        msg = "flow-refuelling needs a road network, flows, range_km and p"
        raise InputError(msg, [Problem(msg, column="flows")])
    cand = problem.candidates
    site_of_node = {int(n): i for i, n in enumerate(cand["node"].to_numpy())}
    flows = problem.flows
    origins = flows["origin_node"].to_numpy(np.int64)
    uniq, inv = np.unique(origins, return_inverse=True)
    _, pred = csgraph.dijkstra(net.csr_length, directed=True, indices=uniq,
                                  return_predecessors=True)
    _, back_pred = csgraph.dijkstra(
        net.csr_length, directed=True,
        indices=np.unique(flows["destination_node"].to_numpy(np.int64)),
        return_predecessors=True)
    dest_u = np.unique(flows["destination_node"].to_numpy(np.int64))
    range_m = float(problem.range_km) * 1000.0
    rows, cols = [], []
    r = 0
    vol = flows["volume"].to_numpy(float)
    n_q = len(flows)
    feasible = np.zeros(n_q, bool)
    for q in range(n_q):
        o, d = int(origins[q]), int(flows["destination_node"].iloc[q])
        go = _path(pred[inv[q]], o, d)
        di = int(np.searchsorted(dest_u, d))
        ret = _path(back_pred[di], d, o)
        if not go or not ret:
            continue
        cyc = go + ret[1:]
        seg = np.array([net.csr_length[cyc[k], cyc[k + 1]] for k in range(len(cyc) - 1)])
        pos = np.r_[0.0, np.cumsum(seg)]
        is_site = np.array([n in site_of_node for n in cyc[:-1]])
        sets = cycle_cover_sets(pos, is_site, range_m)
        if sets is None:
            continue
        feasible[q] = True
        seen = set()
        for s in sets:
            key = tuple(sorted({site_of_node[cyc[k]] for k in s}))
            if key in seen:
                continue
            seen.add(key)
            rows.extend([r] * (len(key) + 1))
            cols.extend([*key, -1 - q])  # placeholder for x_q column
            r += 1
    n_c = len(cand)
    rows_a = np.asarray(rows, np.int64)
    cols_a = np.asarray(cols, np.int64)
    is_x = cols_a < 0
    vals = np.where(is_x, -1.0, 1.0)
    cols_a = np.where(is_x, n_c + (-1 - cols_a), cols_a)
    fixed = problem.existing_idx
    notfixed = np.ones(n_c)
    notfixed[fixed] = 0.0
    a = sparse.csr_matrix((vals, (rows_a, cols_a)), shape=(r, n_c + n_q))
    a = sparse.vstack([a, sparse.csr_matrix(np.r_[notfixed, np.zeros(n_q)][None, :])]).tocsr()
    col_lb = np.zeros(n_c + n_q)
    col_lb[fixed] = 1.0
    col_ub = np.r_[np.ones(n_c), feasible.astype(float)]
    model = LinearModel(c=np.r_[np.zeros(n_c), -vol], a=a,
                        row_lb=np.r_[np.zeros(r), -np.inf],
                        row_ub=np.r_[np.full(r, np.inf), float(problem.p)],
                        col_lb=col_lb, col_ub=col_ub,
                        integer=np.r_[np.ones(n_c, bool), np.ones(n_q, bool)])
    ans = solve_linear_model(model, solver=solver,
                             time_limit_s=deadline.left_s(0.1))
    wall = deadline.elapsed_s()
    if ans.x is None:
        return SitingResult(model="flow-refuelling", status=ans.status, objective=None,
                            bound=None, open_sites=[], wall_s=wall, model_size=model.size,
                            maximize=True, reason="no solution found")
    y = np.flatnonzero(ans.x[:n_c] > 0.5)
    xq = ans.x[n_c:] > 0.5
    sites = pd.DataFrame({"id": cand["id"].to_numpy()[y], "lon": cand["lon"].to_numpy()[y],
                          "lat": cand["lat"].to_numpy()[y],
                          "existing": cand["existing"].to_numpy()[y], "size": 1})
    assign = pd.DataFrame({"demand_id": [f"flow{q}" for q in np.flatnonzero(xq)],
                           "site_id": "", "share": 1.0, "cost": 0.0})
    bound = -ans.bound if np.isfinite(ans.bound) else math.nan
    return SitingResult(model="flow-refuelling", status=ans.status, objective=-ans.objective,
                        bound=bound, open_sites=[str(s) for s in sites["id"]], wall_s=wall,
                        sites=sites, assignments=assign, model_size=model.size, maximize=True,
                        details={"flows_refuelled": int(xq.sum()),
                                 "flows_unrefuellable": int((~feasible).sum())})


def _solve_problem(problem: SitingProblem, deadline: Deadline, o: SolveOptions
                     ) -> SitingResult:
    return solve_flow_refuelling(problem, deadline=deadline, solver=o.solver)


#: ``site --model flow-refuelling``: stations that refuel the most flow volume on its route.
MODEL = SitingModel("flow-refuelling", _solve_problem, needs_full_reach=False)

