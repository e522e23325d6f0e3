"""Shortest road distances and times between points of one run, in chunks, cached by source.

Used by the preparation (road distances, deadheads, pull-ins), the kernel (deadheads after a
missed trip) and the taxi dispatch.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csgraph

from fleetopt.inputs.road_graph import RoadNetwork

#: Chunk of shortest-path sources computed at once (memory: chunk x nodes x 8 bytes).
_CHUNK = 256


class Router:
    """Shortest road distances and times between points, computed in chunks and cached by source.

    Parameters
    ----------
    network : RoadNetwork
        The scenario's road network.
    """

    def __init__(self, network: RoadNetwork) -> None:
        self.net = network
        self._rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def snap(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (node index, snapping distance [m]) of points."""
        return self.net.nearest_nodes(np.asarray(lon, float), np.asarray(lat, float))

    def pairs(self, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (length [m], time [s]) of node pairs (vectorised by unique sources)."""
        src = np.asarray(src, np.int64)
        dst = np.asarray(dst, np.int64)
        length = np.full(src.size, np.inf)
        ttime = np.full(src.size, np.inf)
        if src.size == 0:
            return length, ttime
        uniq, inv = np.unique(src, return_inverse=True)
        for a in range(0, uniq.size, _CHUNK):
            part = uniq[a : a + _CHUNK]
            mask = (inv >= a) & (inv < a + part.size)
            rows = inv[mask] - a
            dl = csgraph.dijkstra(self.net.csr_length, directed=True, indices=part)
            dt = csgraph.dijkstra(self.net.csr_time, directed=True, indices=part)
            length[mask] = dl[rows, dst[mask]]
            ttime[mask] = dt[rows, dst[mask]]
        same = src == dst
        length[same] = 0.0
        ttime[same] = 0.0
        return length, ttime

    def row(self, src: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (lengths [m], times [s]) from one node to all nodes (cached)."""
        if src not in self._rows:
            if len(self._rows) > 4096:
                self._rows.clear()
            dl = csgraph.dijkstra(self.net.csr_length, directed=True, indices=[src])[0]
            dt = csgraph.dijkstra(self.net.csr_time, directed=True, indices=[src])[0]
            self._rows[src] = (dl, dt)
        return self._rows[src]
