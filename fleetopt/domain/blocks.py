"""Chain timetabled trips into vehicle blocks and count the vehicles in service.

Pure functions on arrays (times in seconds, stops as integer indices): they never read
a file or a road graph. Travel times between stops come in as matrices (or as a
function returning one) from the caller, which knows the network.

Trip ``j`` may follow trip ``i`` on one vehicle when ``arrival_s[i] + deadhead_s[i, j] +
min_layover_s <= departure_s[j]`` and the wait is at most ``max_layover_s``
(``gtfs_blocking.csv``). The fewest vehicles, then the least deadhead, pull-out and
pull-in time is a minimum-cost flow (a minimum path cover) solved with OR-Tools'
``SimpleMinCostFlow``: a graph algorithm called like a numpy routine (arrays in, arrays
out, no model kept), imported when a chaining runs so that other commands do not pay
its ~0.1 s import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.errors import InputError, Problem, SolverError
from fleetopt.inputs import gtfs as _gtfs
from fleetopt.inputs.gtfs import block_clashes, peak_in_service

logger = logging.getLogger(__name__)

__all__ = [
    "block_clashes",
    "chain_arcs",
    "chain_trips",
    "chain_vehicles",
    "parse_gtfs_trips",
    "peak_in_service",
    "read_gtfs_trips",
    "solve_chain",
]

#: ``deadheads(end_stops, start_stops) -> (matrix [s], row per trip, column per trip)``:
#: travel times between the distinct end and start stops of a group of trips.
DeadheadFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def chain_vehicles(
    departure_s: np.ndarray,
    arrival_s: np.ndarray,
    deadhead_s: np.ndarray,
    *,
    pull_out_s: np.ndarray | None = None,
    pull_in_s: np.ndarray | None = None,
    min_layover_s: float = 0.0,
    max_layover_s: float = np.inf,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Chain trips into the fewest vehicles, then the least deadhead (OR-Tools min-cost flow).

    Trip ``j`` may follow trip ``i`` on one vehicle when
    ``arrival_s[i] + deadhead_s[i, j] + min_layover_s <= departure_s[j]`` and the wait is at
    most ``max_layover_s``. Each vehicle costs more than any total of deadheads, so the
    flow minimises the number of vehicles first (a minimum path cover), then the total
    deadhead, pull-out and pull-in time.

    Parameters
    ----------
    departure_s, arrival_s : numpy.ndarray
        Trip departure and arrival times [s].
    deadhead_s : numpy.ndarray
        ``n x n`` travel time from the end of trip ``i`` to the start of trip ``j`` [s]
        (inf where impossible).
    pull_out_s, pull_in_s : numpy.ndarray, optional
        Time from the depot to each trip's start and from its end back [s]; zeros if omitted.
    min_layover_s : float
        Least slack between arrival (plus deadhead) and the next departure [s].
    max_layover_s : float
        Longest wait between two chained trips considered [s].

    Returns
    -------
    vehicle : numpy.ndarray
        Vehicle number (0, 1, ...) of each trip, numbered by first departure.
    info : dict
        ``vehicles``, ``deadhead_s`` (total between trips), ``pull_s`` (total pull-out and
        pull-in), ``arcs`` (links considered).

    Raises
    ------
    SolverError
        When OR-Tools does not return an optimal flow.
    """
    n = int(np.asarray(departure_s).size)
    if n == 0:
        return solve_chain(
            np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), None, None
        )
    dep = np.asarray(departure_s, dtype=float)
    arr = np.asarray(arrival_s, dtype=float)
    dh = np.asarray(deadhead_s, dtype=float)
    wait = dep[None, :] - arr[:, None]
    ok = np.isfinite(dh) & (wait - dh >= min_layover_s) & (wait <= max_layover_s)
    ok &= _after(dep)
    ii, jj = np.nonzero(ok)
    return solve_chain(dep, ii, jj, dh[ii, jj], pull_out_s, pull_in_s)


def _after(dep: np.ndarray) -> np.ndarray:
    """``m[i, j]``: trip ``j`` comes after trip ``i`` in (departure, index) order (no cycles)."""
    idx = np.arange(dep.size)
    later = (dep[None, :] > dep[:, None]) | (
        (dep[None, :] == dep[:, None]) & (idx[None, :] > idx[:, None])
    )
    return np.asarray(later, dtype=bool)


def chain_arcs(
    departure_s: np.ndarray,
    arrival_s: np.ndarray,
    end_stop: np.ndarray,
    start_stop: np.ndarray,
    stop_deadhead_s: np.ndarray,
    *,
    min_layover_s: float = 0.0,
    max_layover_s: float = np.inf,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the feasible links (i, j, deadhead [s]) without an n x n matrix.

    Candidates ``j`` of trip ``i`` are found by binary search on departure times within
    ``[arrival_i + min_layover_s, arrival_i + max_layover_s]``, then kept when the deadhead
    ``stop_deadhead_s[end_stop[i], start_stop[j]]`` fits. Memory grows with the number of
    candidates, not with the square of the number of trips.

    Raises
    ------
    InputError
        When the candidates exceed ``max_arcs`` of ``gtfs_blocking.csv``.
    """
    dep = np.asarray(departure_s, dtype=float)
    arr = np.asarray(arrival_s, dtype=float)
    n = dep.size
    order = np.argsort(dep, kind="stable")
    dep_sorted = dep[order]
    lo = np.searchsorted(dep_sorted, arr + min_layover_s, side="left")
    hi = np.searchsorted(dep_sorted, arr + max_layover_s, side="right")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    limit = int(defaults.value("gtfs_blocking", "max_arcs"))
    if total > limit:
        msg = (
            f"chaining {n:,} trips would consider {total:,} links (limit {limit:,}); chain per "
            "route, give a service_date, or lower max_layover_min in gtfs_blocking.csv"
        )
        raise InputError(msg, [Problem(msg)])
    ii = np.repeat(np.arange(n, dtype=np.int64), counts)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    jj = order[np.repeat(lo, counts) + offsets]
    dh = np.asarray(stop_deadhead_s, dtype=float)[end_stop[ii], start_stop[jj]]
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(dh) & (dep[jj] - arr[ii] - dh >= min_layover_s)
    keep &= (dep[jj] > dep[ii]) | ((dep[jj] == dep[ii]) & (jj > ii))
    return ii[keep], jj[keep], dh[keep]


def solve_chain(
    dep: np.ndarray,
    ii: np.ndarray,
    jj: np.ndarray,
    arc_dh: np.ndarray,
    pull_out_s: np.ndarray | None,
    pull_in_s: np.ndarray | None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Solve the chaining min-cost flow on given links; see :func:`chain_vehicles`.

    Parameters
    ----------
    dep : numpy.ndarray
        Departure of each trip [s] (numbers the vehicles by first departure).
    ii, jj : numpy.ndarray
        Links: trip ``jj[k]`` may follow trip ``ii[k]``.
    arc_dh : numpy.ndarray
        Deadhead of each link [s].
    pull_out_s, pull_in_s : numpy.ndarray or None
        Depot to trip start and trip end to depot [s] (non-finite counts as 0).

    Returns
    -------
    tuple of (numpy.ndarray, dict)
        Vehicle number of each trip and ``vehicles``, ``deadhead_s``, ``pull_s``, ``arcs``.
    """
    from ortools.graph.python import min_cost_flow  # heavy import, only when chaining runs

    n = int(dep.size)
    if n == 0:
        return np.zeros(0, dtype=np.int64), {
            "vehicles": 0,
            "deadhead_s": 0.0,
            "pull_s": 0.0,
            "arcs": 0,
        }
    pout = np.zeros(n) if pull_out_s is None else np.asarray(pull_out_s, dtype=float)
    pin = np.zeros(n) if pull_in_s is None else np.asarray(pull_in_s, dtype=float)
    pout = np.where(np.isfinite(pout), pout, 0.0)
    pin = np.where(np.isfinite(pin), pin, 0.0)
    arc_cost = np.rint(arc_dh).astype(np.int64)
    pout_c = np.rint(pout).astype(np.int64)
    pin_c = np.rint(pin).astype(np.int64)
    max_arc = int(arc_cost.max()) if arc_cost.size else 0
    big = (
        n * (max_arc + int(pout_c.max()) + int(pin_c.max())) + 1
    )  # one vehicle outweighs any deadhead

    src, sink = 2 * n, 2 * n + 1
    idx = np.arange(n, dtype=np.int64)
    tails = np.concatenate([ii, idx, np.full(n, src), [src]])
    heads = np.concatenate([n + jj, np.full(n, sink), n + idx, [sink]])
    caps = np.concatenate([np.ones(ii.size + 2 * n, dtype=np.int64), [n]])
    costs = np.concatenate([arc_cost, pin_c, big + pout_c, [0]])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    supplies = np.concatenate([np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64), [n, -n]])
    smcf.set_nodes_supplies(np.arange(2 * n + 2, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        msg = f"OR-Tools min-cost flow did not find an optimal chaining (status {status})"
        raise SolverError(msg)
    flows = (
        smcf.flows(np.arange(ii.size, dtype=np.int32)) if ii.size else np.zeros(0, dtype=np.int64)
    )
    nxt = np.full(n, -1, dtype=np.int64)
    used = flows > 0
    nxt[ii[used]] = jj[used]
    has_prev = np.zeros(n, dtype=bool)
    has_prev[jj[used]] = True
    starts = np.flatnonzero(~has_prev)
    starts = starts[np.lexsort((starts, dep[starts]))]
    vehicle = np.full(n, -1, dtype=np.int64)
    for v, s0 in enumerate(starts):
        k = int(s0)
        while k >= 0:
            vehicle[k] = v
            k = int(nxt[k])
    if (vehicle < 0).any():  # pragma: no cover - links only go forward in time, so no cycles
        msg = "the chaining produced a cycle"
        raise SolverError(msg)
    info = {
        "vehicles": int(starts.size),
        "deadhead_s": float(arc_dh[used].sum()) if used.any() else 0.0,
        "pull_s": float(pout[starts].sum() + pin[np.flatnonzero(nxt < 0)].sum()),
        "arcs": int(ii.size),
    }
    return vehicle, info


def chain_trips(
    departure_s: np.ndarray,
    arrival_s: np.ndarray,
    first_stop: np.ndarray,
    last_stop: np.ndarray,
    group: np.ndarray | None,
    deadheads: DeadheadFn,
    *,
    pull_out_s: np.ndarray | None = None,
    pull_in_s: np.ndarray | None = None,
    depot: np.ndarray | None = None,
    taken: set[str] | frozenset[str] = frozenset(),
    min_layover_s: float | None = None,
    max_layover_s: float | None = None,
) -> tuple[np.ndarray, np.ndarray | None, dict[str, Any]]:
    """Chain trips without a block into named vehicles, group by group (route or feed).

    Parameters
    ----------
    departure_s, arrival_s : numpy.ndarray
        Trips to chain [s].
    first_stop, last_stop : numpy.ndarray
        Stop index where each trip starts and ends.
    group : numpy.ndarray or None
        Group of each trip (its ``route_id``): trips chain only within their group and
        vehicles are named ``chain-<group>-NNN``; None chains across all trips
        (``chain-NNN``).
    deadheads : callable
        ``deadheads(end_stops, start_stops)`` -> (travel time matrix [s] over the distinct
        end and start stops, row per trip, column per trip).
    pull_out_s, pull_in_s : numpy.ndarray, optional
        Depot to each trip's start and its end back to the depot [s].
    depot : numpy.ndarray, optional
        Depot nearest each trip's start; a chain takes its first trip's depot.
    taken : set of str
        Vehicle names already used (given blocks); a built name never repeats one
        (``g`` is prefixed until it is free).
    min_layover_s, max_layover_s : float, optional
        Layover window [s]; default ``gtfs_blocking.csv`` ``min_layover_min`` and
        ``max_layover_min``.

    Returns
    -------
    vehicle : numpy.ndarray of object
        Vehicle name of each trip.
    depot : numpy.ndarray or None
        Depot of each trip's vehicle (None when no depot was given).
    totals : dict
        ``vehicles``, ``deadhead_s``, ``pull_s``, ``arcs``, ``groups``.

    Raises
    ------
    InputError
        When a group needs more links than ``max_arcs`` (the message names the route).
    """
    if min_layover_s is None:
        min_layover_s = defaults.value("gtfs_blocking", "min_layover_min") * 60.0
    if max_layover_s is None:
        max_layover_s = defaults.value("gtfs_blocking", "max_layover_min") * 60.0
    n = len(departure_s)
    by_route = group is not None
    groups = group if group is not None else np.full(n, "", dtype=object)
    vehicle = np.full(n, "", dtype=object)
    depot_out = None if depot is None else np.asarray(depot, dtype=object).copy()
    totals: dict[str, Any] = {"vehicles": 0, "deadhead_s": 0.0, "pull_s": 0.0, "arcs": 0,
                              "groups": 0}
    for g in pd.unique(groups):
        part = np.flatnonzero(groups == g)
        small, end_idx, start_idx = deadheads(last_stop[part], first_stop[part])
        dep = departure_s[part]
        arr = arrival_s[part]
        try:
            ii, jj, dh = chain_arcs(
                dep, arr, end_idx, start_idx, small,
                min_layover_s=min_layover_s, max_layover_s=max_layover_s,
            )
        except InputError as exc:
            where = f" (route {g!r})" if by_route else ""
            raise InputError(exc.message, [Problem(exc.message + where)]) from None
        veh, cinfo = solve_chain(
            dep, ii, jj, dh,
            None if pull_out_s is None else pull_out_s[part],
            None if pull_in_s is None else pull_in_s[part],
        )
        for k in ("vehicles", "deadhead_s", "pull_s", "arcs"):
            totals[k] += cinfo[k]
        totals["groups"] += 1
        width = max(3, len(str(int(veh.max()) + 1)))
        prefix = f"chain-{g}-" if by_route else "chain-"
        names = []
        for v in veh:
            name = f"{prefix}{int(v) + 1:0{width}d}"
            while name in taken:
                name = "g" + name
            names.append(name)
        vehicle[part] = names
        if depot_out is not None:  # a chain starts at the depot nearest its first trip
            chain_first = pd.Series(part).groupby(veh).first()
            depot_of_chain = {int(v): depot_out[int(t)] for v, t in chain_first.items()}
            depot_out[part] = [depot_of_chain[int(v)] for v in veh]
    return vehicle, depot_out, totals


def read_gtfs_trips(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Read a GTFS feed and chain its trips without ``block_id`` into vehicles.

    :func:`fleetopt.inputs.gtfs.read_gtfs_trips` with ``chain=``:func:`chain_trips`; the
    keywords are that function's (``network``, ``service_date``, ``vehicle_type``,
    ``powertrain``, ``depots``, ``chain_scope``, ``name``).
    """
    return _gtfs.read_gtfs_trips(path, chain=chain_trips, **kwargs)


def parse_gtfs_trips(data: bytes, **kwargs: Any) -> pd.DataFrame:
    """Parse a GTFS zip's bytes and chain its trips (see :func:`read_gtfs_trips`)."""
    return _gtfs.parse_gtfs_trips(data, chain=chain_trips, **kwargs)
