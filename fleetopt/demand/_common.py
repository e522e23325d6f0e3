"""What the demand generators share: sizes, powertrain shares, trips tables, street walks.

Everything is a pure function of its arguments (randomness only from the ``numpy.random.Generator``
passed in). The packaged data and parameters come from :mod:`fleetopt.inputs.default_demand`.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from fleetopt.errors import InputError
from fleetopt.inputs import _caps
from fleetopt.inputs.default_demand import CITY_SIZE_PARAM, TRIP_COLUMNS, demand_param
from fleetopt.inputs.road_graph import RoadNetwork, haversine_m, load_network
from fleetopt.inputs.schedules import sort_trips
from fleetopt.powertrains import POWERTRAINS
from fleetopt.units import EARTH_RADIUS_M


def resolve_network(network: RoadNetwork | str | os.PathLike[str]) -> RoadNetwork:
    if isinstance(network, RoadNetwork):
        return network
    return load_network(network)


def resolve_size(kind: str, size: int | None, scale: float | None) -> int:
    if size is not None and scale is not None:
        msg = "give size or scale, not both"
        raise InputError(msg)
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            msg = f"size must be a whole number >= 1, got {size!r}"
            raise InputError(msg)
        return capped(int(size))
    if scale is None:
        scale = 1.0
    if (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float))
        or not math.isfinite(scale)
        or scale <= 0
    ):
        msg = f"scale must be a number > 0, got {scale!r}"
        raise InputError(msg)
    n = max(1, round(float(scale) * demand_param(CITY_SIZE_PARAM[kind])))
    return capped(n)


def capped(n: int) -> int:
    """Refuse a generated fleet beyond ``MAX_FLEET_SIZE`` before any work."""
    if n > _caps.MAX_FLEET_SIZE:
        raise _caps.over_cap(f"a fleet of {n:,} vehicles", "MAX_FLEET_SIZE", _caps.MAX_FLEET_SIZE,
                             column="size")
    return n


def assign_powertrains(
    n: int, powertrain: str | Mapping[str, float], rng: np.random.Generator
) -> np.ndarray:
    """Assign powertrains to ``n`` vehicles: one name, or shares (largest remainder, shuffled)."""
    if isinstance(powertrain, str):
        if powertrain not in POWERTRAINS:
            msg = f"unknown powertrain {powertrain!r}; allowed: {', '.join(POWERTRAINS)}"
            raise InputError(msg)
        return np.full(n, powertrain, dtype=object)
    if not isinstance(powertrain, Mapping) or not powertrain:
        msg = f"powertrain must be a name or a table of shares, got {powertrain!r}"
        raise InputError(msg)
    names = sorted(powertrain)
    bad = [k for k in names if k not in POWERTRAINS]
    if bad:
        msg = f"unknown powertrain(s) {bad}; allowed: {', '.join(POWERTRAINS)}"
        raise InputError(msg)
    shares = np.array([float(powertrain[k]) for k in names])
    if np.any(shares < 0) or abs(shares.sum() - 1.0) > 1e-6:
        msg = f"powertrain shares must be >= 0 and add up to 1, got {dict(powertrain)}"
        raise InputError(msg)
    exact = shares * n
    counts = np.floor(exact).astype(int)
    rest = n - counts.sum()
    order = np.lexsort((np.arange(len(names)), -(exact - counts)))
    counts[order[:rest]] += 1
    out = np.repeat(np.array(names, dtype=object), counts)
    rng.shuffle(out)
    return out


#: Buckets of the lookup table of :class:`WeightedChoice` (a power of two: ``u * n`` is exact).
_BUCKETS = 1 << 16


class WeightedChoice:
    """Draw indices with probabilities ``p``: the numbers ``rng.choice(p.size, size, p=p)`` gives.

    numpy draws one uniform ``u`` per index and takes ``cdf.searchsorted(u, side="right")``
    (``cdf = p.cumsum() / its last value``); a binary search per draw is most of the cost
    of millions of draws. Here the same cdf and the same uniforms give the same indices
    through a table of where each of ``_BUCKETS`` equal slices of [0, 1) starts in the cdf:
    a draw reads its slice's entry and steps over the cdf values inside its slice that are
    ``<= u`` (rarely any). Same generator stream, same numbers.

    Parameters
    ----------
    p : numpy.ndarray
        Probabilities (>= 0, summing to 1, as ``rng.choice`` requires).
    """

    def __init__(self, p: np.ndarray) -> None:
        cdf = np.asarray(p, dtype=np.float64).cumsum()
        cdf /= cdf[-1]
        self.cdf = cdf
        edges = np.arange(_BUCKETS + 1, dtype=np.float64) / _BUCKETS
        self.table = np.searchsorted(cdf, edges, side="right").astype(np.int64)
        self._ends = self.table[1:]  # where each slice's successor starts

    def __call__(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Return ``rng.choice(p.size, size=size, p=p)``."""
        u = rng.random(size)
        flat = u.ravel()
        bucket = (flat * _BUCKETS).astype(np.intp)  # exact: its start <= u < its end
        idx = self.table[bucket]
        hi = self._ends[bucket]
        pending = np.flatnonzero(idx < hi)  # cdf values inside the draw's slice
        while pending.size:
            pending = pending[self.cdf[idx[pending]] <= flat[pending]]
            idx[pending] += 1
            pending = pending[idx[pending] < hi[pending]]
        out: np.ndarray = idx.reshape(u.shape)
        return out


def empty_trips() -> pd.DataFrame:
    return finish_trips(pd.DataFrame({c: [] for c in TRIP_COLUMNS}))


def finish_trips(df: pd.DataFrame) -> pd.DataFrame:
    df = sort_trips(df).reset_index(drop=True)
    df["row"] = np.arange(2, len(df) + 2, dtype=np.int64)
    for c in ("vehicle_id", "vehicle_type", "powertrain", "trip_id", "depot"):
        df[c] = df[c].astype(object)
    for c in (
        "departure_s",
        "arrival_s",
        "origin_lon",
        "origin_lat",
        "destination_lon",
        "destination_lat",
        "distance_km",
        "passengers",
        "payload_t",
    ):
        df[c] = df[c].astype(float)
    df["exempt"] = df["exempt"].astype(bool)
    return df[list(TRIP_COLUMNS)]



# --------------------------------------------------------------------------- graph tours
#: The four searches of :meth:`Graph.from_depot`: travel time and length, out and back.
DEPOT_SEARCHES = ("time_out", "length_out", "time_in", "length_in")
#: Guess of a depot search's stopping cost (:meth:`Graph.search`): this quantile (the lower
#: of the two values around it) of the last ``_RATIO_WINDOW`` costs per straight-line metre
#: found, times ``_LIMIT_MARGIN``.
_RATIO_WINDOW = 64
_RATIO_QUANTILE = 0.95
_LIMIT_MARGIN = 1.05


class Graph:
    """Routable part of a network as adjacency arrays, for walks and depot searches."""

    def __init__(self, net: RoadNetwork) -> None:
        self.net = net
        r = net.routable
        keep = r[net.edge_u] & r[net.edge_v]
        u, v = net.edge_u[keep], net.edge_v[keep]
        length, time_s = net.edge_length_m[keep], net.edge_time_s[keep]
        order = np.lexsort((v, u))
        self.u, self.v = u[order], v[order]
        self.length_m, self.time_s = length[order], time_s[order]
        self.start = np.searchsorted(self.u, np.arange(net.n_nodes + 1))
        self.nodes = np.flatnonzero(r)
        self._first: list[tuple[int, ...]] | None = None
        self._after: list[tuple[int, ...]] | None = None
        self._edge: tuple[list[int], list[float], list[float]] = ([], [], [])
        self._area: dict[tuple[int, float], np.ndarray] = {}
        self._component: np.ndarray | None = None
        self._tree: cKDTree | None = None
        self._rev_time = net.csr_time.T.tocsr()
        self._rev_length = net.csr_length.T.tocsr()
        # per search of :data:`DEPOT_SEARCHES`: farthest cost found / farthest straight line
        self._ratios: dict[str, list[float]] = {k: [] for k in DEPOT_SEARCHES}

    def depots(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """Pick ``k`` spread-out depot nodes (k-means++ seeding on node positions).

        Each pick is ``rng.choice(nodes, p=d2 / d2.sum())`` over the squared distances
        ``d2`` to the nearest pick so far, drawn as numpy draws it (the same cumulative sums
        and the same uniform); after a pick only the nodes :meth:`near` it by the largest
        distance in ``d2`` can come closer, so only their distances are computed.
        """
        lon, lat = self.net.lon[self.nodes], self.net.lat[self.nodes]
        chosen = [int(rng.integers(self.nodes.size))]
        d2 = haversine_m(lon, lat, lon[chosen[0]], lat[chosen[0]]) ** 2
        for _ in range(1, k):
            total = d2.sum()
            if total > 0:
                cdf = (d2 / total).cumsum()
                cdf /= cdf[-1]
                c = int(cdf.searchsorted(rng.random(), side="right"))
            else:
                c = int(rng.choice(self.nodes.size, p=None))
            chosen.append(c)
            near = self.near(lon[c], lat[c], math.sqrt(float(d2.max())))
            d2[near] = np.minimum(d2[near], haversine_m(lon[near], lat[near], lon[c], lat[c]) ** 2)
        return np.asarray(self.nodes[np.array(chosen)], dtype=np.int64)

    def near(self, lon: float, lat: float, radius_m: float) -> np.ndarray:
        """Positions in ``nodes`` (ascending) of every node within ``radius_m`` of a point.

        A superset of the nodes :func:`haversine_m` puts within ``radius_m``: a ball
        around the point's unit vector whose chord is that of ``radius_m`` and a margin.
        """
        if self._tree is None:
            phi, lam = np.deg2rad(self.net.lat[self.nodes]), np.deg2rad(self.net.lon[self.nodes])
            self._tree = cKDTree(
                np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
            )
        half = radius_m / (2.0 * EARTH_RADIUS_M)
        if half >= math.pi / 2:
            return np.arange(self.nodes.size)
        phi, lam = math.radians(lat), math.radians(lon)
        point = (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))
        chord = 2.0 * math.sin(half) * (1.0 + 1e-9) + 1e-12
        found: np.ndarray = np.sort(np.asarray(self._tree.query_ball_point(point, chord), np.intp))
        return found

    def from_depot(self, depot: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Shortest (time [s], length [m]) from and to ``depot`` for every node (whole searches)."""
        t_out, l_out, t_in, l_in = (
            csgraph.dijkstra(self._matrix(kind), indices=depot) for kind in DEPOT_SEARCHES
        )
        return t_out, l_out, t_in, l_in

    def _matrix(self, kind: str) -> sparse.csr_matrix:
        """Return the graph a depot search of ``kind`` (:data:`DEPOT_SEARCHES`) runs on."""
        return {
            "time_out": self.net.csr_time,
            "length_out": self.net.csr_length,
            "time_in": self._rev_time,
            "length_in": self._rev_length,
        }[kind]

    def round_trip(self, node: int) -> np.ndarray:
        """Return, per node, 0 where ``node`` reaches it and is reached back, else inf.

        Finite exactly where ``t_out + t_in`` of :meth:`from_depot` is (both by travel time),
        found from the strongly connected components without a shortest-path search.
        """
        if self._component is None:
            self._component = csgraph.connected_components(
                self.net.csr_time, directed=True, connection="strong"
            )[1]
        comp = self._component
        return np.where(comp == comp[node], 0.0, np.inf)

    def depot_legs(
        self, depot: int, out_nodes: np.ndarray, in_nodes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return from_depot's ``t_out, l_out`` at ``out_nodes``, ``t_in, l_in`` at ``in_nodes``.

        The same numbers as :meth:`from_depot`, from searches stopped early (:meth:`search`).
        """
        return (
            self.search("time_out", depot, out_nodes)[out_nodes],
            self.search("length_out", depot, out_nodes)[out_nodes],
            self.search("time_in", depot, in_nodes)[in_nodes],
            self.search("length_in", depot, in_nodes)[in_nodes],
        )

    def search(self, kind: str, depot: int, targets: np.ndarray) -> np.ndarray:
        """Return a row of :meth:`from_depot` (``kind``: :data:`DEPOT_SEARCHES`), exact at targets.

        The search stops at a cost ``limit`` guessed from the depot's farthest target in a
        straight line and the costs per straight-line metre that earlier searches of this
        kind found. Dijkstra settles nodes in order of cost, so every node it reaches
        within ``limit`` has the cost the whole search gives, bit for bit; a node beyond it
        is inf. When a target is inf, the whole search is run instead. Other nodes may be
        inf where :meth:`from_depot` has a cost.
        """
        mat = self._matrix(kind)
        targets = np.asarray(targets, dtype=np.int64)
        if targets.size == 0:
            return np.full(self.net.n_nodes, np.inf)
        net = self.net
        far_m = float(haversine_m(net.lon[targets], net.lat[targets],
                                  net.lon[depot], net.lat[depot]).max())
        ratios = self._ratios[kind]
        row = None
        if ratios and far_m > 0:
            window = sorted(ratios[-_RATIO_WINDOW:])
            per_m = window[int(_RATIO_QUANTILE * (len(window) - 1))]
            row = csgraph.dijkstra(mat, indices=depot, limit=per_m * far_m * _LIMIT_MARGIN)
            if not np.isfinite(row[targets]).all():
                row = None
        if row is None:
            row = csgraph.dijkstra(mat, indices=depot)
        found = row[targets]
        found = found[np.isfinite(found)]
        if found.size and far_m > 0:
            ratios.append(float(found.max()) / far_m)
        out: np.ndarray = row
        return out

    def _walk_tables(self) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
        """Return, per node and per edge, the edges a walk may take next (built once).

        ``first[node]`` is every edge out of ``node`` (a walk's first step);
        ``after[e]`` the edges out of edge ``e``'s head that do not turn straight back to
        its tail - or, when that leaves none, every edge out of the head. Edge ids are the
        graph's (sorted by tail, then head), so a draw ``u`` picks ``opts[int(u * len(opts))]``
        exactly as picking among the node's out-edges in that order did.
        """
        if self._first is None or self._after is None:
            start = self.start.tolist()
            heads = self.v.tolist()
            first = [tuple(range(a, b)) for a, b in itertools.pairwise(start)]
            after: list[tuple[int, ...]] = []
            for tail, head in zip(self.u.tolist(), heads, strict=True):
                out = first[head]
                if len(out) > 1:
                    keep = tuple(f for f in out if heads[f] != tail)
                    out = keep or out
                after.append(out)
            self._first, self._after = first, after
            self._edge = (heads, self.length_m.tolist(), self.time_s.tolist())
        return self._first, self._after

    def walk(
        self, start: int, target_m: float, rng: np.random.Generator
    ) -> tuple[int, float, float]:
        """Walk the streets at random for about ``target_m``; (end node, length [m], time [s]).

        At each node one outgoing edge is drawn uniformly, avoiding an immediate U-turn
        when the node has another way out. The uniforms come 64 at a time and are used
        last first (the draws, and so the walks, of earlier versions).
        """
        first, after = self._walk_tables()
        heads, lengths, times = self._edge
        opts = first[start]
        e = -1
        length = time_s = 0.0
        draws = rng.random(64).tolist()
        while length < target_m:
            if not opts:  # a dead end
                break
            if not draws:
                draws = rng.random(64).tolist()
            e = opts[int(draws.pop() * len(opts))]
            length += lengths[e]
            time_s += times[e]
            opts = after[e]
        return (heads[e] if e >= 0 else start), length, time_s


def area_nodes(g: Graph, depot: int, radius_km: float, reach: np.ndarray) -> np.ndarray:
    """Nodes within ``radius_km`` of the depot, reachable to and from it (cached per depot)."""
    key = (depot, radius_km)
    if key not in g._area:
        lon0, lat0 = float(g.net.lon[depot]), float(g.net.lat[depot])
        nodes = g.nodes[g.near(lon0, lat0, radius_km * 1000.0)]
        d = haversine_m(g.net.lon[nodes], g.net.lat[nodes], lon0, lat0)
        cand = nodes[(d <= radius_km * 1000.0) & np.isfinite(reach[nodes]) & (nodes != depot)]
        g._area[key] = cand if cand.size else g.nodes[np.isfinite(reach[g.nodes])]
    return g._area[key]


def area_node(
    g: Graph, depot: int, radius_km: float, reach: np.ndarray, rng: np.random.Generator
) -> int:
    """Pick a node within ``radius_km`` of the depot, reachable to and from it, at random."""
    cand = area_nodes(g, depot, radius_km, reach)
    return int(cand[rng.integers(cand.size)])


#: A column of ids: Python strings, or the same strings made by Arrow (:func:`numbered_ids`).
Ids: TypeAlias = "list[str] | pd.arrays.ArrowStringArray"


def numbered_ids(
    prefix: str | pd.arrays.ArrowStringArray, numbers: np.ndarray, digits: int, sep: str = ""
) -> pd.arrays.ArrowStringArray:
    """Return ``f"{prefix}{sep}{k:0{digits}d}"`` for each ``k`` of ``numbers``, as text.

    Made by Arrow column-wise, so millions of ids have no Python string each. ``prefix`` is
    one string or one per number.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
                        digits, "0")
    head = pa.array(prefix, type=pa.string()) if not isinstance(prefix, str) else prefix
    ids: pd.arrays.ArrowStringArray = pd.array(
        pc.binary_join_element_wise(head, text, sep), dtype="str"
    )
    return ids


def trip_columns(
    net: RoadNetwork,
    origin: Sequence[int] | np.ndarray,
    dest: Sequence[int] | np.ndarray,
    dep_s: Sequence[float] | np.ndarray,
    arr_s: Sequence[float] | np.ndarray,
    dist_m: Sequence[float] | np.ndarray,
    depot: Ids,
    vehicle_id: Ids,
    trip_id: Ids,
    payload_t: float,
) -> dict[str, Any]:
    """Return the generated trips' columns from their legs (nodes, times [s], lengths [m])."""
    o = np.array(origin, dtype=np.int64)
    d = np.array(dest, dtype=np.int64)
    return {
        "departure_s": np.array(dep_s, dtype=float),
        "arrival_s": np.array(arr_s, dtype=float),
        "origin_lon": net.lon[o],
        "origin_lat": net.lat[o],
        "destination_lon": net.lon[d],
        "destination_lat": net.lat[d],
        "distance_km": np.array(dist_m, dtype=float) / 1000.0,
        "depot": depot,
        "vehicle_id": vehicle_id,
        "trip_id": trip_id,
        "passengers": np.full(o.size, np.nan),
        "payload_t": np.full(o.size, payload_t),
    }
