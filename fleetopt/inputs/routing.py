"""Route on the road network: time- and length-shortest path matrices, great-circle distances.

One module both sides use: the simulation dispatches taxis with :func:`route_matrices`,
siting turns taxi requests into trips with it (:mod:`fleetopt.siting.scenario`), and
:func:`haversine_m` is the straight-line distance every layer measures with. It lives
with the inputs (it only reads a :class:`~fleetopt.inputs.road_graph.RoadNetwork`) so
that simulation and siting never import each other.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from fleetopt.inputs.road_graph import RoadNetwork, haversine_m

__all__ = ["combined_graph", "haversine_m", "route_matrices", "split_combined"]

_CHUNK = 128
#: Multiplier separating milliseconds from metres in the combined weight (> any path length [m]).
_SPLIT = 1e6


def combined_graph(net: RoadNetwork) -> sparse.csr_matrix:
    """Return the road graph weighted ``time_ms x 1e6 + length_m`` (parallel edges: the least).

    Edge times are rounded to whole milliseconds (at least 1 ms). See :func:`route_matrices`.
    """
    n = net.n_nodes
    t_ms = np.maximum(np.round(net.edge_time_s * 1000.0), 1.0)
    w = t_ms * _SPLIT + net.edge_length_m
    order = np.lexsort((w, net.edge_v, net.edge_u))
    u, v, w = net.edge_u[order], net.edge_v[order], w[order]
    first = np.ones(u.size, dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return sparse.csr_matrix((w[first], (u[first], v[first])), shape=(n, n))


def split_combined(dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split combined path weights into travel time [s] and length [m] (inf if unreachable)."""
    ok = np.isfinite(dist)
    ms = np.where(ok, np.floor(np.where(ok, dist, 0.0) / _SPLIT), np.inf)
    return ms / 1000.0, np.where(ok, dist - np.where(ok, ms, 0.0) * _SPLIT, np.inf)


def route_matrices(net: RoadNetwork, nodes: np.ndarray, targets: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Return time [s] and length [m] of time-shortest paths from ``nodes`` to ``targets``.

    One Dijkstra per source on the combined edge weight ``time_ms x 1e6 + length_m``
    (edge times rounded to whole milliseconds): its minimum is the fastest path (ties broken
    by length), and the total splits back exactly into time and length because every path
    is shorter than 1,000 km.

    Parameters
    ----------
    net : RoadNetwork
        Road network.
    nodes : numpy.ndarray
        Source node indices (unique).
    targets : numpy.ndarray, optional
        Target node indices; ``nodes`` when omitted (all pairs).

    Returns
    -------
    time_s : numpy.ndarray
        ``len(nodes) x len(targets)`` travel times [s] (inf if unreachable).
    length_m : numpy.ndarray
        Lengths of the same paths [m].
    """
    mat = combined_graph(net)
    tgt = nodes if targets is None else targets
    m = nodes.size
    time_s = np.empty((m, tgt.size))
    length_m = np.empty((m, tgt.size))
    for a in range(0, m, _CHUNK):
        src = nodes[a : a + _CHUNK]
        dist = csgraph.dijkstra(mat, directed=True, indices=src)[:, tgt]
        time_s[a : a + src.size], length_m[a : a + src.size] = split_combined(dist)
    return time_s, length_m
