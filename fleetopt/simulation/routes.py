"""Shortest-path rows of one road network, computed once and shared by the days of a year.

The taxi dispatch (:mod:`fleetopt.simulation.taxi`) asks a :class:`RouteCache` for the rows
of the nodes that matter (request ends, start positions, stations); days of a year that
share request ends reuse them (:func:`fleetopt.simulation.annual.route_cache`).
"""

from __future__ import annotations

import threading

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from fleetopt.domain.energy import speed_factor
from fleetopt.inputs.road_graph import RoadNetwork
from fleetopt.inputs.routing import combined_graph

__all__ = ["RouteCache", "energy_m"]

#: Sources per Dijkstra call (bounds the temporary memory of one call).
_CHUNK = 128


class RouteCache:
    """Time-shortest paths from source nodes to every node of one road network, kept for reuse.

    Each row holds the combined path weights ``time_ms x 1e6 + length_m`` from one source
    node to every node (:func:`fleetopt.inputs.routing.route_matrices` splits the same
    numbers into time and length). Rows are computed on first use and only ever added,
    so days of a year that share request ends reuse them (pass one cache to every
    :class:`TaxiDispatch` of the same network). Thread-safe; the arrays handed out are
    read-only.

    Parameters
    ----------
    net : RoadNetwork
        The road network the rows belong to.
    """

    def __init__(self, net: RoadNetwork) -> None:
        self.net = net
        self._lock = threading.Lock()
        self._graph: sparse.csr_matrix | None = None
        self.row_of = np.full(net.n_nodes, -1, dtype=np.int64)
        self.nodes = np.zeros(0, dtype=np.int64)
        self.weights = np.zeros((0, net.n_nodes))
        self.weights.setflags(write=False)
        #: Rows computed so far (a reused row is not counted again).
        self.computed = 0

    def rows(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Make sure every node in ``nodes`` has its row; return the current arrays.

        Returns
        -------
        weights : numpy.ndarray
            ``rows x n_nodes`` combined weights (inf where unreachable), read-only.
        row_of : numpy.ndarray
            Row of each network node (-1 without a row).
        nodes : numpy.ndarray
            Source node of each row.
        """
        want = np.unique(np.asarray(nodes, dtype=np.int64))
        with self._lock:
            missing = want[self.row_of[want] < 0]
            if missing.size:
                if self._graph is None:
                    self._graph = combined_graph(self.net)
                old = self.weights
                n0 = old.shape[0]
                new = np.empty((n0 + missing.size, old.shape[1]))
                new[:n0] = old
                for a in range(0, missing.size, _CHUNK):
                    src = missing[a : a + _CHUNK]
                    new[n0 + a : n0 + a + src.size] = csgraph.dijkstra(
                        self._graph, directed=True, indices=src
                    )
                new.setflags(write=False)
                row_of = self.row_of.copy()
                row_of[missing] = np.arange(n0, n0 + missing.size)
                self.weights, self.row_of = new, row_of
                self.nodes = np.concatenate([self.nodes, missing])
                self.computed += int(missing.size)
            return self.weights, self.row_of, self.nodes


def energy_m(time_s: np.ndarray, length_m: np.ndarray) -> np.ndarray:
    """Energy-equivalent lengths [m]: length x speed factor of the path's mean speed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = length_m / time_s * 3.6
    out: np.ndarray = length_m * speed_factor(speed)
    return out
