"""Read an osmnx GraphML file straight into fleetopt's network arrays, without networkx or osmnx.

This is the fast cold path of :func:`fleetopt.inputs.road_graph.load_network`: parsing
GraphML with networkx, then importing osmnx to add speeds, costs seconds on a 20,000-node
graph; scanning the file with one regular expression costs a fraction of a second. The
arrays are the same, bit for bit, as ``road_graph._arrays_from_graph`` of the osmnx graph
(a test checks every shipped network): node and edge order as networkx iterates them,
``speed_kph`` as ``osmnx.routing.add_edge_speeds`` imputes it from ``road_speeds.csv``,
``travel_time`` as ``add_edge_travel_times`` computes it, and the largest strongly
connected component.

Whenever the file holds anything this reader does not model exactly (GraphML defaults,
implicit or unparsable ``maxspeed`` values, missing coordinates or lengths, a CRS other
than WGS84, a tie between strongly connected components, ...), it returns ``None`` and the
caller takes the osmnx path, which also produces the located error messages.
"""

from __future__ import annotations

import ast
import html
import logging
import re
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from fleetopt.errors import InputError, Problem
from fleetopt.inputs._caps import read_maybe_gz

logger = logging.getLogger(__name__)

_KEY = re.compile(r"<key\b([^>]*)>")
_ATTR = re.compile(r'([\w.:-]+)="([^"]*)"')
# osmnx.routing._clean_maxspeed's pattern: a number with an optional unit
_MAXSPEED = re.compile(r"^([0-9][\.,0-9]*?)(?:[ ]?(?:km/h|kmh|kph|mph|knots))?$")
_MILES_TO_KM = 1.60934
_WGS84 = ("epsg:4326", "wgs84", "crs84")


class _UnsupportedError(Exception):
    """The file needs the full osmnx path."""


def _clean_maxspeed(text: str) -> float:
    """Parse a maxspeed string as osmnx does; raise _UnsupportedError where osmnx looks it up."""
    values = []
    for part in text.split("|"):
        m = _MAXSPEED.match(part)
        if m is None:
            raise _UnsupportedError(text)
        v = float(m.group(1).replace(",", "."))
        if "mph" in text.lower():
            v *= _MILES_TO_KM
        values.append(v)
    return float(np.mean(values))


def _maxspeed_kph(raw: str | None) -> float:
    if raw is None:
        return np.nan
    value = _literal(raw)
    if isinstance(value, list):  # osmnx: clean each, mean of the valid ones, then clean str()
        cleaned = [_clean_maxspeed(str(x)) if isinstance(x, str) else None for x in value]
        good = [c for c in cleaned if c is not None and not np.isnan(c)]
        if not good:
            raise _UnsupportedError(raw)
        return _clean_maxspeed(str(float(np.mean(good))))
    return _clean_maxspeed(value)


def _literal(raw: str) -> str | list[object]:
    if raw.startswith("[") and raw.endswith("]"):
        try:
            value = ast.literal_eval(raw)
        except (SyntaxError, ValueError):
            return raw
        if isinstance(value, list):
            return value
    return raw


def _text(path: Path) -> str:
    return read_maybe_gz(path).decode("utf-8")


#: Plausible range of one edge's length [m]: 0 (osmnx keeps zero-length edges) up to
#: 1,000 km (no single road segment between two junctions is longer).
EDGE_LENGTH_MAX_M = 1_000_000.0
_INT64_MAX = 2**63 - 1


def check_complete(text: str, file: str) -> None:
    """Raise when a GraphML text does not end with its closing ``</graphml>`` tag."""
    tail = text[-4096:].rstrip()
    if not tail.endswith("</graphml>"):
        msg = (
            "the GraphML file does not end with its closing </graphml> tag "
            "(truncated or followed by garbage)"
        )
        raise InputError(f"{file}: {msg}", [Problem(msg, file=file)])


def node_id_array(raw_ids: list[str], file: str) -> np.ndarray:
    """Return node ids as int64: integer ids as written, else the node's position.

    Raises
    ------
    InputError
        A numeric id that is not an integer within int64 (e.g. ``1e23``).
    """
    out = np.empty(len(raw_ids), dtype=np.int64)
    numeric = 0
    for i, raw in enumerate(raw_ids):
        text = raw.strip()
        if text.lstrip("+-").isdigit() and len(text) <= 19 and abs(int(text)) <= _INT64_MAX:
            out[i] = int(text)
            numeric += 1
            continue
        try:
            float(text)
        except ValueError:
            continue
        msg = (
            f"node id {text[:40]!r} is not an integer within 64 bits; road graph node ids "
            "are integers (OSM ids) or names"
        )
        raise InputError(f"{file}: {msg}", [Problem(msg, column="node id", file=file)])
    if numeric < len(raw_ids):  # names (networkx graphs of strings): use positions
        return np.arange(len(raw_ids), dtype=np.int64)
    if np.unique(out).size != out.size:
        raise _UnsupportedError("duplicate node ids")
    return out


def check_coordinates(lon: np.ndarray, lat: np.ndarray, ids: list[str], file: str) -> None:
    """Raise a located error for node coordinates outside WGS84 or not finite."""
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        msg = (
            f"{int(bad.sum()):,} nodes have coordinates outside WGS84 lon/lat "
            f"(plausible: -180..180, -90..90 degrees) or not finite, e.g. node {ids[k][:40]} "
            f"x={float(lon[k]):g} y={float(lat[k]):g}; projected graphs are not accepted"
        )
        raise InputError(f"{file}: {msg}", [Problem(msg, column="x/y", file=file)])


def check_lengths(length_m: np.ndarray, names: list[str], file: str) -> None:
    """Raise a located error for negative, NaN, infinite or absurd edge lengths [m]."""
    bad = ~(np.isfinite(length_m) & (length_m >= 0) & (length_m <= EDGE_LENGTH_MAX_M))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        msg = (
            f"{int(bad.sum()):,} edges have an impossible length, e.g. edge {names[k][:80]} "
            f"length={float(length_m[k]):g}; an edge length is in metres, finite and within "
            f"0..{EDGE_LENGTH_MAX_M:,.0f}"
        )
        raise InputError(f"{file}: {msg}", [Problem(msg, column="length", file=file)])


def _keys(text: str) -> dict[str, tuple[str, str, str]]:
    out = {}
    for m in _KEY.finditer(text):
        attrs = dict(_ATTR.findall(m.group(1)))
        if "id" in attrs:
            out[attrs["id"]] = (
                attrs.get("for", ""),
                attrs.get("attr.name", ""),
                attrs.get("attr.type", "string"),
            )
    return out


def _token_pattern(data_keys: list[str]) -> re.Pattern[str]:
    keys = "|".join(re.escape(k) for k in data_keys) or "(?!)"
    return re.compile(
        r'<node id="([^"]*)"\s*/?>'
        r'|<edge source="([^"]*)" target="([^"]*)"(?: id="[^"]*")?\s*(/?)>'
        rf'|<data key="({keys})">([^<]*)</data>'
        r"|<(/?)graph\b[^>]*>"
    )


def _parse(text: str) -> tuple[dict[str, str], list[list[str | None]], list[list[str | None]]]:
    """Scan the document: graph attributes, nodes (id, x, y) and edges (u, v, attrs)."""
    if "<default" in text or "<![CDATA[" in text or "<hyperedge" in text:
        raise _UnsupportedError("GraphML features beyond osmnx's output")
    slots = {
        ("node", "x"): 1,
        ("node", "y"): 2,
        ("edge", "length"): 2,
        ("edge", "highway"): 3,
        ("edge", "maxspeed"): 4,
    }
    # typed attributes (networkx writes attr.type="double") hold the same text (CONTRACT §10)
    all_keys = _keys(text)
    keys = {k: v[:2] for k, v in all_keys.items() if v[:2] in slots or v[0] == "graph"}
    token = _token_pattern(list(keys))
    graph_attrs: dict[str, str] = {}
    nodes: list[list[str | None]] = []
    edges: list[list[str | None]] = []
    where = None  # "graph" | "node" | "edge"
    depth = 0
    for node_id, src, dst, closed, key, value, slash in (m.groups() for m in token.finditer(text)):
        if node_id is not None:
            nodes.append([node_id, None, None])
            where = "node"
        elif src is not None:
            edges.append([src, dst, None, None, None])
            where = "edge" if not closed else "graph"
        elif key is not None:
            owner, name = keys[key]
            if "&" in value:
                value = html.unescape(value)
            if owner == "graph":  # networkx writes graph data after the edges
                graph_attrs[name] = value
            elif owner == where == "node":
                nodes[-1][slots[owner, name]] = value
            elif owner == where == "edge":
                edges[-1][slots[owner, name]] = value
        else:  # <graph> or </graph>
            depth += -1 if slash else 1
            if depth > 1:
                raise _UnsupportedError("nested graphs")
            where = "graph"
    # every element must have been seen by the scanner
    if text.count("<node ") != len(nodes) or text.count("<edge ") != len(edges):
        raise _UnsupportedError("elements the scanner did not match")
    return graph_attrs, nodes, edges


def _edge_order(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Order in which networkx iterates the edges of a MultiDiGraph built in file order."""
    m = u.size
    pos = np.arange(m)
    pair = u * (int(v.max()) + 1 if m else 1) + v
    _, first_idx, inverse = np.unique(pair, return_index=True, return_inverse=True)
    first = first_idx[inverse]
    return np.lexsort((pos, first, u))


def arrays_from_graphml(path: Path, speed_table: dict[str, float]) -> dict[str, np.ndarray] | None:
    """Return the network arrays of an osmnx GraphML file, or None to take the osmnx path.

    Parameters
    ----------
    path : Path
        ``.graphml`` or ``.graphml.gz`` file.
    speed_table : dict of str to float
        Highway class -> speed [km/h], including the ``fallback`` row (``road_speeds.csv``).

    Returns
    -------
    dict of str to numpy.ndarray or None
        Same keys and values as ``road_graph._arrays_from_graph`` of the loaded graph.
    """
    try:
        return _arrays(path, dict(speed_table))
    except InputError:
        raise
    except _UnsupportedError as exc:
        logger.info("%s: fast GraphML reader declined (%s); using osmnx", path, exc)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, IndexError, EOFError) as exc:
        logger.info("%s: fast GraphML reader failed (%s); using osmnx", path, exc)
    return None


def _arrays(path: Path, table: dict[str, float]) -> dict[str, np.ndarray]:
    text = _text(path)
    check_complete(text, str(path))
    graph_attrs, nodes, edges = _parse(text)
    crs = str(graph_attrs.get("crs", "epsg:4326")).lower()
    if crs not in _WGS84 or not nodes or not edges:
        raise _UnsupportedError("CRS or empty graph")
    if any(n[1] is None or n[2] is None for n in nodes):
        raise _UnsupportedError("node without coordinates")
    ids = node_id_array([str(n[0]) for n in nodes], str(path))
    if np.unique(ids).size != ids.size:
        raise _UnsupportedError("duplicate node ids")
    lon = np.array([float(str(n[1])) for n in nodes])
    lat = np.array([float(str(n[2])) for n in nodes])
    check_coordinates(lon, lat, [str(n[0]) for n in nodes], str(path))
    index = {str(n[0]): k for k, n in enumerate(nodes)}
    try:
        eu = np.array([index[str(e[0])] for e in edges], dtype=np.int64)
        ev = np.array([index[str(e[1])] for e in edges], dtype=np.int64)
    except KeyError as exc:
        raise _UnsupportedError("edge to an undeclared node") from exc
    if any(e[2] is None for e in edges):
        raise _UnsupportedError("edge without length")
    order = _edge_order(eu, ev)
    edges = [edges[i] for i in order.tolist()]
    eu, ev = eu[order], ev[order]
    length = np.array([float(str(e[2])) for e in edges])
    check_lengths(length, [f"{e[0]}->{e[1]}" for e in edges], str(path))
    highway: list[str | None] = []
    for e in edges:
        hw = _literal(e[3]) if e[3] is not None else None
        first = hw[0] if isinstance(hw, list) and hw else hw
        highway.append(None if first is None else str(first))
    maxspeed = np.array([_maxspeed_kph(e[4]) for e in edges])
    # osmnx.routing.add_edge_speeds with hwy_speeds=table, fallback=table["fallback"]
    fallback = table.pop("fallback")
    avg = dict(table)
    classes = {h for h in highway if h is not None}
    for h in sorted(classes - avg.keys(), key=str):
        vals = maxspeed[[i for i, x in enumerate(highway) if x == h]]
        vals = vals[~np.isnan(vals)]
        avg[h] = float(np.mean(vals)) if vals.size else np.nan
    avg = {h: (fallback if np.isnan(s) else s) for h, s in avg.items()}
    speed = np.array(
        [
            ms if not np.isnan(ms) else (avg[h] if h is not None else np.nan)
            for ms, h in zip(maxspeed.tolist(), highway, strict=True)
        ]
    )
    if np.isnan(speed).any():
        raise _UnsupportedError("edge with neither maxspeed nor highway")
    ttime = (length / 1000) / (speed / (60 * 60))
    # largest strongly connected component (ties: let networkx decide)
    n = ids.size
    adj = sparse.csr_matrix((np.ones(eu.size), (eu, ev)), shape=(n, n))
    _, labels = csgraph.connected_components(adj, directed=True, connection="strong")
    counts = np.bincount(labels)
    if np.sum(counts == counts.max()) > 1:
        raise _UnsupportedError("tie between strongly connected components")
    routable = labels == int(np.argmax(counts))
    return {
        "node_ids": ids,
        "lon": lon,
        "lat": lat,
        "edge_u": eu,
        "edge_v": ev,
        "edge_length_m": length,
        "edge_time_s": ttime,
        "edge_speed_kph": speed,
        "edge_highway": np.asarray([str(h) if h is not None else "" for h in highway], dtype=str),
        "routable": routable,
    }
