"""Read road graphs (built-in name, GraphML or OSM XML) and keep a compact array form.

The graph is an osmnx ``MultiDiGraph`` in WGS84 whose edges carry ``length`` [m],
``speed_kph`` [km/h] and ``travel_time`` [s]. Untagged speeds come from the cited table
``fleetopt/data/road_speeds.csv``. :class:`RoadNetwork` holds the same network as numpy
arrays plus CSR matrices for ``scipy.sparse.csgraph`` shortest paths, and snaps points
only onto the largest strongly connected component, so every route between snapped
points exists. The array form is cached (``.npz``, no pickle) under
``settings.CACHE_DIR`` keyed by the file's hash.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from fleetopt import defaults, settings
from fleetopt.errors import InputError, Problem
from fleetopt.inputs._caps import read_maybe_gz
from fleetopt.inputs._graphml_arrays import (
    arrays_from_graphml,
    check_complete,
    check_coordinates,
    check_lengths,
    node_id_array,
)
from fleetopt.units import EARTH_RADIUS_M

if TYPE_CHECKING:  # networkx is imported where a graph is built or read (not on the cached path)
    import networkx as nx

logger = logging.getLogger(__name__)

#: Points above which :meth:`RoadNetwork.nearest_nodes` looks each distinct point up once.
_SNAP_DISTINCT_MIN = 4096

#: Built-in networks: name -> (file in settings.NETWORKS_DIR, one-line description).
BUILTIN_NETWORKS: dict[str, tuple[str, str]] = {
    "beijing-central-2024": (
        "beijing-central-2024.graphml.gz",
        "central Beijing inside the 3rd Ring, OSM 2024-03 (10,166 nodes) - the default",
    ),
    "beijing-5thring-2013": (
        "beijing-5thring-2013.graphml.gz",
        "Beijing inside the 5th Ring, OSM early 2013 (18,613 nodes) - for scale",
    ),
    "beijing-region5-2015": ("beijing-region5-2015.graphml.gz", "Andingmen - N 4th Ring, OSM 2015"),
    "beijing-region6-2015": ("beijing-region6-2015.graphml.gz", "Shuangjing / CBD SE, OSM 2015"),
    "beijing-region7-2015": ("beijing-region7-2015.graphml.gz", "east 5th Ring, OSM 2015"),
    "beijing-region8-2015": ("beijing-region8-2015.graphml.gz", "Taiyanggong, OSM 2015"),
    "haidian-bupt": ("haidian-bupt.graphml.gz", "BUPT campus area, Haidian, OSM 2025"),
    "haidian-cau": ("haidian-cau.graphml.gz", "CAU east campus, Haidian, OSM 2026"),
    "haidian-tsinghua-2017": ("haidian-tsinghua-2017.graphml.gz", "Tsinghua/Wudaokou, OSM 2017"),
    "yizhuang-etdz-2022": ("yizhuang-etdz-2022.graphml.gz", "Yizhuang ETDZ, OSM 2022"),
}

#: OSM highway values kept by the drive filter (PROVENANCE: same as the shipped graphs).
DRIVE_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "road",
    }
)

GRAPH_SUFFIXES = (".graphml", ".graphml.gz", ".osm", ".osm.gz", ".xml")


def describe_accepted() -> str:
    """Return the sentence listing accepted network names and file types."""
    names = ", ".join(BUILTIN_NETWORKS)
    return f"a built-in name ({names}) or a path to {', '.join(GRAPH_SUFFIXES)}"


def resolve_network(name_or_path: str | os.PathLike[str], *, base_dir: Path | None = None) -> Path:
    """Return the file of a built-in network name or an existing graph path.

    Parameters
    ----------
    name_or_path : str or path
        Built-in name (see :data:`BUILTIN_NETWORKS`) or a file path.
    base_dir : Path, optional
        Folder that relative paths are relative to (the scenario file's folder).

    Raises
    ------
    InputError
        Unknown name, missing file or unsupported suffix.
    """
    text = str(name_or_path)
    if text in BUILTIN_NETWORKS:
        return settings.NETWORKS_DIR / BUILTIN_NETWORKS[text][0]
    path = Path(text)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not text.lower().endswith(GRAPH_SUFFIXES):
        msg = f"unknown network {text!r}; expected {describe_accepted()}"
        raise InputError(msg, [Problem(msg, file=str(path))])
    if not path.is_file():
        msg = f"network file {path} does not exist; expected {describe_accepted()}"
        raise InputError(msg, [Problem(msg, file=str(path))])
    return path


def _speed_table() -> dict[str, float]:
    df = defaults.load_table("road_speeds")
    return {str(r.name): float(r.value) for r in df.itertuples(index=False)}


def add_speeds_and_times(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Add ``speed_kph`` [km/h] and ``travel_time`` [s] to every edge.

    Tagged ``maxspeed`` wins; untagged edges take the speed of their OSM highway class
    from ``road_speeds.csv`` (CJJ 37-2012 design speeds), else its ``fallback`` row.
    """
    import osmnx as ox

    table = _speed_table()
    fallback = table.pop("fallback")
    ox.routing.add_edge_speeds(graph, hwy_speeds=table, fallback=fallback)
    ox.routing.add_edge_travel_times(graph)
    return graph


def _drive_filter(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    drop = []
    for u, v, k, d in graph.edges(keys=True, data=True):
        hw = d.get("highway")
        values = hw if isinstance(hw, list) else [hw]
        access = d.get("access")
        if not any(h in DRIVE_HIGHWAYS for h in values) or access in ("private", "no"):
            drop.append((u, v, k))
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if graph.number_of_nodes() == 0:
        return graph
    import networkx as nx

    largest = max(nx.weakly_connected_components(graph), key=len)
    return graph.subgraph(largest).copy()


def _read_osm_xml(path: Path) -> nx.MultiDiGraph:
    if path.name.lower().endswith(".gz"):  # decompress under the cap, then read the copy
        data = read_maybe_gz(path)
        import osmnx as ox

        with tempfile.TemporaryDirectory(prefix="fleetopt-osm-") as tmp:
            plain = Path(tmp) / path.name[:-3]
            plain.write_bytes(data)
            del data
            graph = ox.graph_from_xml(plain, simplify=True, retain_all=True)
    else:
        import osmnx as ox

        graph = ox.graph_from_xml(path, simplify=True, retain_all=True)
    return _drive_filter(graph)


_NODE_ID = re.compile(r'<node\b[^>]*?\bid="([^"]*)"')
_TYPED_KEY = re.compile(r'(<key\b[^>]*?attr\.type=")(?:double|float|int|long|boolean)(")')


def _read_graphml(path: Path) -> nx.MultiDiGraph:
    """Read GraphML with osmnx, typed (networkx) or string (osmnx) attributes alike.

    osmnx converts its known attributes from strings itself, so typed keys are read as
    strings (CONTRACT §10); the text is decompressed under the decompression cap and must
    end with its closing tag.
    """
    try:
        text = read_maybe_gz(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"{path}: not a UTF-8 GraphML file ({exc.reason} at byte {exc.start})"
        raise InputError(msg, [Problem(msg, file=str(path))]) from None
    check_complete(text, str(path))
    text = _TYPED_KEY.sub(r"\1string\2", text)
    raw_ids = _NODE_ID.findall(text)
    ids = node_id_array(raw_ids, str(path))  # raises on ids such as 1e23
    named = bool(raw_ids) and not np.array_equal(ids, [int(i) for i in raw_ids if i.isdigit()])
    import osmnx as ox

    return ox.load_graphml(graphml_str=text, node_dtypes={"osmid": str} if named else None)


def load_graph(
    name_or_path: str | os.PathLike[str], *, base_dir: Path | None = None
) -> nx.MultiDiGraph:
    """Load a drive graph by built-in name or path, with speeds and travel times.

    Parameters
    ----------
    name_or_path : str or path
        Built-in name or a ``.graphml``, ``.graphml.gz``, ``.osm`` or ``.osm.gz`` file.
    base_dir : Path, optional
        Folder relative paths are resolved against.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx graph; nodes have ``x`` (lon) and ``y`` (lat) in WGS84; edges ``length``
        [m], ``speed_kph`` [km/h], ``travel_time`` [s].

    Raises
    ------
    InputError
        Unknown name, missing or corrupt file, graph without coordinates or lengths.
    """
    path = resolve_network(name_or_path, base_dir=base_dir)
    return _load_graph_file(path)


def _load_graph_file(path: Path) -> nx.MultiDiGraph:
    lower = path.name.lower()
    try:
        if lower.endswith((".graphml", ".graphml.gz")):
            graph = _read_graphml(path)
        else:
            graph = _read_osm_xml(path)
    except InputError:
        raise
    except (ET.ParseError, gzip.BadGzipFile, EOFError, UnicodeDecodeError, OSError) as exc:
        msg = f"{path}: not a readable graph file ({type(exc).__name__}: {exc})"
        raise InputError(msg, [Problem(msg, file=str(path))]) from None
    except Exception as exc:  # noqa: BLE001 - osmnx/networkx raise many kinds on bad content
        _diagnose_graphml(path)
        msg = f"{path}: could not be read as a road graph ({type(exc).__name__}: {exc})"
        raise InputError(msg, [Problem(msg, file=str(path))]) from None
    check_road_graph(graph, source=str(path))
    add_speeds_and_times(graph)
    graph.graph.setdefault("name", path.name)
    return graph


def _diagnose_graphml(path: Path) -> None:
    """Re-read a GraphML osmnx rejected with plain networkx and raise what is missing."""
    if not path.name.lower().endswith((".graphml", ".graphml.gz")):
        return
    import networkx as nx

    try:
        text = read_maybe_gz(path).decode("utf-8")
        plain = nx.parse_graphml(text, force_multigraph=True)
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - the caller reports the original failure
        return
    check_road_graph(nx.MultiDiGraph(plain), source=str(path))


def check_road_graph(graph: nx.MultiDiGraph, *, source: str = "graph") -> None:
    """Check a road graph has nodes with WGS84 coordinates and edges with lengths.

    Raises
    ------
    InputError
        Listing every kind of problem found.
    """
    problems: list[Problem] = []
    if graph.number_of_nodes() == 0 or graph.number_of_edges() == 0:
        problems.append(Problem("graph has no drivable edges", file=source))
    no_xy = [n for n, d in graph.nodes(data=True) if "x" not in d or "y" not in d]
    if no_xy:
        problems.append(
            Problem(
                f"{len(no_xy)} nodes have no coordinates (x/y attributes), e.g. node {no_xy[0]}; "
                "a road graph needs WGS84 lon/lat on every node",
                file=source,
            )
        )
    else:
        ids = [str(n) for n in graph.nodes]
        try:
            lon = np.array([float(d["x"]) for _, d in graph.nodes(data=True)])
            lat = np.array([float(d["y"]) for _, d in graph.nodes(data=True)])
            check_coordinates(lon, lat, ids, source)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                problems.extend(exc.problems)
            else:
                problems.append(Problem(f"a node coordinate is not a number ({exc})", file=source))
    no_len = sum(1 for *_, d in graph.edges(data=True) if "length" not in d)
    if no_len:
        problems.append(Problem(f"{no_len} edges have no length [m]", file=source))
    else:
        try:
            length = np.array([float(d["length"]) for *_, d in graph.edges(data=True)])
            names = [f"{u}->{v}" for u, v in graph.edges()]
            check_lengths(length, names, source)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                problems.extend(exc.problems)
            else:
                problems.append(Problem(f"an edge length is not a number ({exc})", file=source))
    crs = str(graph.graph.get("crs", "epsg:4326")).lower()
    if crs not in ("epsg:4326", "wgs84", "crs84"):
        problems.append(Problem(f"graph CRS is {crs}; expected epsg:4326 (WGS84)", file=source))
    if problems:
        msg = f"{source}: not a usable road graph"
        raise InputError(msg, problems)


@dataclass
class RoadNetwork:
    """A road graph as arrays: node coordinates, edges and CSR matrices.

    Attributes
    ----------
    name : str
        Built-in name or file name.
    path : Path
        File the network was read from.
    node_ids : numpy.ndarray
        OSM node id of each node index (int64).
    lon, lat : numpy.ndarray
        Node coordinates, WGS84 [deg].
    edge_u, edge_v : numpy.ndarray
        Node indices of each directed edge (parallel edges included).
    edge_length_m, edge_time_s, edge_speed_kph : numpy.ndarray
        Length [m], free-flow travel time [s] and speed [km/h] of each edge.
    edge_highway : numpy.ndarray
        OSM highway class of each edge (first value when a list).
    routable : numpy.ndarray
        Boolean mask of nodes in the largest strongly connected component.
    """

    name: str
    path: Path
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_time_s: np.ndarray
    edge_speed_kph: np.ndarray
    edge_highway: np.ndarray
    routable: np.ndarray
    _csr_time: sparse.csr_matrix | None = field(default=None, repr=False)
    _csr_length: sparse.csr_matrix | None = field(default=None, repr=False)
    _tree: Any = field(default=None, repr=False)
    _tree_index: Any = field(default=None, repr=False)
    _graph: nx.MultiDiGraph | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_ids.size)

    @property
    def n_edges(self) -> int:
        """Number of directed edges (parallel edges counted)."""
        return int(self.edge_u.size)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The osmnx MultiDiGraph (loaded on first use)."""
        if self._graph is None:
            self._graph = _load_graph_file(self.path)
        return self._graph

    def _csr(self, weight: np.ndarray) -> sparse.csr_matrix:
        # keep the smallest weight of parallel edges; zero weights would vanish from CSR
        w = np.maximum(weight, 1e-3)
        order = np.lexsort((w, self.edge_v, self.edge_u))
        u, v, w = self.edge_u[order], self.edge_v[order], w[order]
        first = np.ones(u.size, dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        n = self.n_nodes
        return sparse.csr_matrix((w[first], (u[first], v[first])), shape=(n, n))

    @property
    def csr_time(self) -> sparse.csr_matrix:
        """Sparse adjacency matrix of travel times [s] (min over parallel edges)."""
        if self._csr_time is None:
            self._csr_time = self._csr(self.edge_time_s)
        return self._csr_time

    @property
    def csr_length(self) -> sparse.csr_matrix:
        """Sparse adjacency matrix of lengths [m] (min over parallel edges)."""
        if self._csr_length is None:
            self._csr_length = self._csr(self.edge_length_m)
        return self._csr_length

    def _xy_m(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        lat0 = np.deg2rad(float(np.mean(self.lat)))
        x = np.deg2rad(lon) * EARTH_RADIUS_M * np.cos(lat0)
        y = np.deg2rad(lat) * EARTH_RADIUS_M
        return np.column_stack([x, y])

    def nearest_nodes(
        self, lon: np.ndarray | float, lat: np.ndarray | float, *, routable_only: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Snap points to their nearest node index.

        Parameters
        ----------
        lon, lat : array_like
            WGS84 coordinates [deg].
        routable_only : bool
            Snap only onto the largest strongly connected component (default), so
            routes between any two snapped points exist.

        Returns
        -------
        index : numpy.ndarray
            Node index of each point (int64).
        distance_m : numpy.ndarray
            Straight-line snapping distance [m].
        """
        # one KD-tree per mode (routable core / all nodes), built on first use
        if self._tree is None:
            self._tree, self._tree_index = {}, {}
        if routable_only not in self._tree:
            idx = np.flatnonzero(self.routable) if routable_only else np.arange(self.n_nodes)
            self._tree_index[routable_only] = idx
            self._tree[routable_only] = cKDTree(self._xy_m(self.lon[idx], self.lat[idx]))
        lon_a = np.atleast_1d(np.asarray(lon, dtype=float))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=float))
        few = distinct_points(lon_a, lat_a)
        if few is not None:
            # many points at few places (a day's requests at the road nodes): each distinct
            # point is looked up once, the same answer per point
            codes, u_lon, u_lat = few
            node, dist_u = self.nearest_nodes(u_lon, u_lat, routable_only=routable_only)
            return node[codes], dist_u[codes]
        dist, pos = self._tree[routable_only].query(self._xy_m(lon_a, lat_a))
        return self._tree_index[routable_only][pos].astype(np.int64), np.asarray(dist, dtype=float)

    def shortest(
        self,
        sources: np.ndarray | list[int],
        targets: np.ndarray | list[int] | None = None,
        *,
        weight: str = "time",
        limit: float = np.inf,
    ) -> np.ndarray:
        """Shortest-path costs from ``sources`` to ``targets`` (node indices).

        Parameters
        ----------
        sources, targets : array_like of int
            Node indices; ``targets=None`` returns all nodes.
        weight : {"time", "length"}
            Travel time [s] or length [m].
        limit : float
            Stop searching beyond this cost (unreached = inf).

        Returns
        -------
        numpy.ndarray
            Matrix ``len(sources) x len(targets)`` of costs [s] or [m]; inf if unreachable.
        """
        mat = self.csr_time if weight == "time" else self.csr_length
        src = np.unique(np.asarray(sources, dtype=np.int64))
        dist = csgraph.dijkstra(mat, directed=True, indices=src, limit=limit)
        back = np.searchsorted(src, np.asarray(sources, dtype=np.int64))
        dist = dist[back]
        if targets is not None:
            dist = dist[:, np.asarray(targets, dtype=np.int64)]
        return np.asarray(dist)


def _file_key(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    h.update(b"road_speeds:" + (settings.DATA_DIR / "road_speeds.csv").read_bytes())
    h.update(b"v1")
    return h.hexdigest()[:20]


def _arrays_from_graph(graph: nx.MultiDiGraph) -> dict[str, np.ndarray]:
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    data = graph.nodes(data=True)
    lon = np.fromiter((float(data[n]["x"]) for n in nodes), float, len(nodes))
    lat = np.fromiter((float(data[n]["y"]) for n in nodes), float, len(nodes))
    m = graph.number_of_edges()
    eu = np.empty(m, np.int64)
    ev = np.empty(m, np.int64)
    length = np.empty(m)
    ttime = np.empty(m)
    speed = np.empty(m)
    highway = []
    for i, (u, v, d) in enumerate(graph.edges(data=True)):
        eu[i], ev[i] = index[u], index[v]
        length[i] = float(d["length"])
        ttime[i] = float(d["travel_time"])
        speed[i] = float(d["speed_kph"])
        hw = d.get("highway", "")
        highway.append(str(hw[0] if isinstance(hw, list) else hw))
    import networkx as nx

    routable = np.zeros(len(nodes), dtype=bool)
    largest = max(nx.strongly_connected_components(graph), key=len)
    routable[[index[n] for n in largest]] = True
    return {
        "node_ids": node_id_array([str(n) for n in nodes], "graph"),
        "lon": lon,
        "lat": lat,
        "edge_u": eu,
        "edge_v": ev,
        "edge_length_m": length,
        "edge_time_s": ttime,
        "edge_speed_kph": speed,
        "edge_highway": np.asarray(highway, dtype=str),
        "routable": routable,
    }


@cache
def _load_network_cached(path: Path, mtime_ns: int, name: str) -> RoadNetwork:
    del mtime_ns  # part of the cache key only
    cache_dir = settings.CACHE_DIR / "networks"
    key = _file_key(path)
    cached = cache_dir / f"{key}.npz"
    graph = None
    arrays: dict[str, np.ndarray] | None = None
    if cached.is_file():
        try:
            with np.load(cached, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError):
            arrays = None
    if arrays is None:
        if path.name.lower().endswith((".graphml", ".graphml.gz")):
            # fast cold path: the same arrays without networkx/osmnx (None when unsure)
            arrays = arrays_from_graphml(path, _speed_table())
        if arrays is None:
            graph = _load_graph_file(path)
            arrays = _arrays_from_graph(graph)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = cache_dir / f".{key}.{os.getpid()}.npz"
            np.savez(tmp, allow_pickle=False, **arrays)  # plain arrays only: no pickle
            tmp.replace(cached)
        except OSError as exc:  # a read-only cache is not an error
            logger.info("network cache not written: %s", exc)
    net = RoadNetwork(name=name, path=path, **arrays)
    net._graph = graph
    return net


def load_network(
    name_or_path: str | os.PathLike[str], *, base_dir: Path | None = None
) -> RoadNetwork:
    """Load a road network in array form (cached per process and on disk).

    Parameters
    ----------
    name_or_path : str or path
        Built-in name or graph file path.
    base_dir : Path, optional
        Folder relative paths are resolved against.

    Returns
    -------
    RoadNetwork
    """
    path = resolve_network(name_or_path, base_dir=base_dir).resolve()
    name = str(name_or_path) if str(name_or_path) in BUILTIN_NETWORKS else path.name
    return _load_network_cached(path, path.stat().st_mtime_ns, name)


def distinct_points(
    lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Return ``(codes, lon, lat)`` of the distinct points when they are few, else None.

    Few: more than ``_SNAP_DISTINCT_MIN`` points, all finite, at fewer than half as many
    places; point ``i`` is distinct point ``codes[i]``. A per-point computation run on the
    distinct points and indexed by ``codes`` gives every point its own answer.
    """
    if lon.size <= _SNAP_DISTINCT_MIN or not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return None
    import pandas as pd

    key = np.empty(lon.shape, dtype=complex)
    key.real, key.imag = lon, lat
    codes, uniq = pd.factorize(key)
    if uniq.size >= lon.size // 2:
        return None
    return codes, uniq.real.copy(), uniq.imag.copy()


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distance between WGS84 points [m] (vectorised)."""
    lon1, lat1, lon2, lat2 = (
        np.deg2rad(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a)))


def save_graph(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write a graph as GraphML (gzip-compressed when the name ends in ``.gz``)."""
    import osmnx as ox

    if str(path).endswith(".gz"):
        tmp = path.with_suffix("")
        ox.save_graphml(graph, tmp)
        with tmp.open("rb") as src, gzip.open(path, "wb", compresslevel=9) as dst:
            dst.write(src.read())
        tmp.unlink()
    else:
        ox.save_graphml(graph, path)


def build_graph(*, osm: Path | None = None, place: str | None = None) -> nx.MultiDiGraph:
    """Build a drive graph from an OSM XML file or (online) a place name.

    Parameters
    ----------
    osm : Path, optional
        ``.osm`` or ``.osm.gz`` file.
    place : str, optional
        Place name for the Overpass API (needs the internet).

    Returns
    -------
    networkx.MultiDiGraph
        Drive graph with speeds and travel times.
    """
    if (osm is None) == (place is None):
        msg = "give exactly one of --osm FILE or --place NAME"
        raise InputError(msg, [Problem(msg)])
    if osm is not None:
        if not Path(osm).is_file():
            msg = f"OSM file {osm} does not exist"
            raise InputError(msg, [Problem(msg, file=str(osm))])
        if not str(osm).lower().endswith((".osm", ".osm.gz", ".xml")):
            msg = f"{osm}: expected an OSM XML file (.osm or .osm.gz)"
            raise InputError(msg, [Problem(msg, file=str(osm))])
        return _load_graph_file(Path(osm))
    import osmnx as ox

    assert place is not None  # exactly one of osm/place, checked above
    graph = ox.graph_from_place(place, network_type="drive")
    check_road_graph(graph, source=str(place))
    return add_speeds_and_times(graph)
