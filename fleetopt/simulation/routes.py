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
        # rows live in a buffer that doubles when full (adding one row copies nothing);
        # ``weights`` is a read-only view of the rows computed so far
        self._buf = np.zeros((0, net.n_nodes))
        self.weights = self._buf[:0]
        self.weights.setflags(write=False)
        #: Rows computed so far (a reused row is not counted again).
        self.computed = 0

    def graph(self) -> sparse.csr_matrix:
        """Return the road graph with the combined weights (built once)."""
        if self._graph is None:
            self._graph = combined_graph(self.net)
        return self._graph

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
                graph = self.graph()
                n0 = self._grow(missing.size)
                for a in range(0, missing.size, _CHUNK):
                    src = missing[a : a + _CHUNK]
                    self._buf[n0 + a : n0 + a + src.size] = csgraph.dijkstra(
                        graph, directed=True, indices=src
                    )
                self._publish(missing)
                self.computed += int(missing.size)
            return self.weights, self.row_of, self.nodes

    def add(self, nodes: np.ndarray, weights: np.ndarray) -> int:
        """Keep rows computed elsewhere (another process's :meth:`rows` of the same network).

        A Dask year computes each row once on some worker and ships it to the others.
        Nodes that already have a row keep it; ``computed`` is not changed.

        Parameters
        ----------
        nodes : numpy.ndarray
            Source node of each row.
        weights : numpy.ndarray
            ``len(nodes) x n_nodes`` combined weights, as :meth:`rows` returns them.

        Returns
        -------
        int
            Rows added.
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        if weights.shape != (nodes.size, self.net.n_nodes):
            msg = f"{weights.shape} rows for {nodes.size} nodes of {self.net.n_nodes}"
            raise ValueError(msg)
        with self._lock:
            _, first = np.unique(nodes, return_index=True)
            new = first[self.row_of[nodes[first]] < 0]
            if new.size:
                n0 = self._grow(new.size)
                whole = np.array_equal(new, np.arange(nodes.size))  # no temporary copy
                self._buf[n0 : n0 + new.size] = weights if whole else weights[new]
                self._publish(nodes[new])
            return int(new.size)

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` rows in all, so adding up to them copies no earlier row.

        Fresh memory is costly to touch (a 4,000-row buffer of a 10,000-node network is
        330 MB): a cache that will hold a known number of rows allocates it once.
        """
        with self._lock:
            if rows > self.nodes.size:
                self._grow(rows - self.nodes.size)

    def _grow(self, n: int) -> int:
        """Make room for ``n`` more rows (lock held); return the first new row."""
        n0 = self.nodes.size
        n1 = n0 + n
        if n1 > self._buf.shape[0]:
            buf = np.empty((max(n1, 2 * self._buf.shape[0]), self.net.n_nodes))
            buf[:n0] = self._buf[:n0]
            self._buf = buf
        return n0

    def _publish(self, new: np.ndarray) -> None:
        """Hand out the rows of ``new``, just written after the current ones (lock held)."""
        n0 = self.nodes.size
        n1 = n0 + new.size
        weights = self._buf[:n1]
        weights.setflags(write=False)
        row_of = self.row_of.copy()
        row_of[new] = np.arange(n0, n1)
        self.weights, self.row_of = weights, row_of
        self.nodes = np.concatenate([self.nodes, new])

    def rows_within(self, nodes: np.ndarray, limits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of ``nodes`` exact up to each one's limit, inf beyond it (not kept).

        One Dijkstra per node that stops past its limit (combined weight): values up to
        the limit are the same numbers a full row holds (the search settles them the same
        way). Nodes are searched in groups of similar limits; a group uses its largest.

        Returns
        -------
        weights : numpy.ndarray
            ``len(nodes) x n_nodes`` combined weights, inf where unreachable or beyond the
            row's limit.
        limit : numpy.ndarray
            The limit each row was searched to (>= the one asked for).
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        limits = np.asarray(limits, dtype=float)
        out = np.empty((nodes.size, self.net.n_nodes))
        used = np.empty(nodes.size)
        order = np.argsort(limits, kind="stable")
        graph = self.graph()
        for a in range(0, nodes.size, _CHUNK):
            sel = order[a : a + _CHUNK]
            lim = float(limits[sel].max())
            out[sel] = csgraph.dijkstra(
                graph, directed=True, indices=nodes[sel], limit=lim
            )
            used[sel] = lim
        return out, used


def energy_m(time_s: np.ndarray, length_m: np.ndarray) -> np.ndarray:
    """Energy-equivalent lengths [m]: length x speed factor of the path's mean speed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = length_m / time_s * 3.6
    out: np.ndarray = length_m * speed_factor(speed)
    return out
