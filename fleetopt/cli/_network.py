"""Run ``fleetopt network build``: make a drive graph (GraphML) from OSM XML or a place name.

``--osm FILE`` reads a local ``.osm``/``.osm.gz`` export (offline); ``--place NAME`` asks
the Overpass API through osmnx and needs the internet. Either way the result gets the
drive filter, ``speed_kph`` and ``travel_time`` of :mod:`fleetopt.inputs.road_graph` and
is written with :func:`~fleetopt.inputs.road_graph.save_graph` (gzip when the name ends in
``.gz``). Bad input (missing or unreadable file, wrong suffix, both or neither source)
exits 2 with a message. Its options are in :mod:`fleetopt.cli._commands`;
:func:`build` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
from rich.console import Console

from fleetopt.cli._common import run
from fleetopt.errors import InputError
from fleetopt.inputs.road_graph import build_graph, save_graph

OUT_SUFFIXES = (".graphml", ".graphml.gz")


def build_network_file(*, osm: Path | None, place: str | None, out: Path) -> dict[str, Any]:
    """Build a drive graph and write it as GraphML; return a summary.

    Parameters
    ----------
    osm : Path, optional
        OSM XML file (``.osm``, ``.osm.gz``).
    place : str, optional
        Place name for Overpass (needs the internet).
    out : Path
        Output ``.graphml`` or ``.graphml.gz`` file.

    Returns
    -------
    dict
        ``out``, ``source``, ``nodes``, ``edges``, ``largest_scc_nodes``, ``road_km``.

    Raises
    ------
    InputError
        Both or neither source, unreadable input, wrong output suffix or folder.
    """
    if not str(out).lower().endswith(OUT_SUFFIXES):
        msg = f"--out {out}: expected a file name ending in {' or '.join(OUT_SUFFIXES)}"
        raise InputError(msg)
    if not out.parent.exists():
        msg = f"--out {out}: folder {out.parent} does not exist"
        raise InputError(msg)
    graph = build_graph(osm=osm, place=place)
    save_graph(graph, out)
    scc = (
        max(nx.strongly_connected_components(graph), key=len) if graph.number_of_nodes() else set()
    )
    road_m = sum(float(d.get("length", 0.0)) for *_, d in graph.edges(data=True))
    return {
        "out": str(out),
        "source": str(osm) if osm is not None else f"place:{place}",
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "largest_scc_nodes": len(scc),
        "road_km": round(road_m / 1000.0, 3),
    }


def render(summary: dict[str, Any]) -> None:
    """Print one line a person can read."""
    Console().print(
        f"wrote [bold]{summary['out']}[/bold]: {summary['nodes']:,} nodes, "
        f"{summary['edges']:,} edges, "
        f"{summary['road_km']:,.1f} road-km (largest strongly connected part "
        f"{summary['largest_scc_nodes']:,} nodes) from {summary['source']}"
    )


def build(*, osm: Path | None, place: str | None, out: Path, as_json: bool) -> None:
    """Build a drive graph and save it as GraphML (``fleetopt network build``)."""
    run(lambda: build_network_file(osm=osm, place=place, out=out), as_json=as_json, render=render)
