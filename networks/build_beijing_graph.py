"""Download a Beijing drive graph with osmnx and save it as GraphML (needs the internet).

Never run by the tests (the shipped graphs in fleetopt/data/networks/ are what fleetopt
uses offline; see networks/PROVENANCE.md). The graph gets fleetopt's drive filter (the
highway classes of ``fleetopt.inputs.road_graph.DRIVE_HIGHWAYS``, no private access),
the largest weakly connected component, ``speed_kph`` (maxspeed, else the cited class
speeds of ``road_speeds.csv``) and ``travel_time``, and is checked before it is written.
The result is OpenStreetMap data: ODbL 1.0, "(c) OpenStreetMap contributors".

Examples::

    python networks/build_beijing_graph.py --bbox 116.30 39.84 116.46 39.97 --out central.graphml.gz
    python networks/build_beijing_graph.py --place "Xicheng District, Beijing, China" \
        --out xicheng.graphml.gz
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger("build_beijing_graph")


def download(*, bbox: tuple[float, float, float, float] | None, place: str | None):
    """Fetch the drive network from Overpass, filtered like the shipped graphs."""
    import networkx as nx
    import osmnx as ox

    from fleetopt.inputs.road_graph import DRIVE_HIGHWAYS, add_speeds_and_times, check_road_graph

    ox.settings.use_cache = True
    custom = '["highway"~"^(' + "|".join(sorted(DRIVE_HIGHWAYS)) + ')$"]["access"!~"private|no"]'
    if bbox is not None:
        west, south, east, north = bbox
        graph = ox.graph_from_bbox(
            (west, south, east, north), custom_filter=custom, simplify=True, retain_all=True
        )
    else:
        graph = ox.graph_from_place(place, custom_filter=custom, simplify=True, retain_all=True)
    largest = max(nx.weakly_connected_components(graph), key=len)
    graph = graph.subgraph(largest).copy()
    source = f"bbox {bbox}" if bbox is not None else f"place {place!r}"
    graph.graph["note"] = (
        f"OpenStreetMap (ODbL 1.0, (c) OpenStreetMap contributors) via Overpass, {source}"
    )
    check_road_graph(graph, source=source)
    return add_speeds_and_times(graph)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--bbox",
        nargs=4,
        type=float,
        metavar=("WEST", "SOUTH", "EAST", "NORTH"),
        help="bounding box in WGS84 degrees",
    )
    where.add_argument("--place", help="place name Nominatim can resolve")
    parser.add_argument("--out", type=Path, required=True, help=".graphml or .graphml.gz")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    from fleetopt.inputs.road_graph import save_graph

    graph = download(bbox=tuple(args.bbox) if args.bbox else None, place=args.place)
    save_graph(graph, args.out)
    logger.info(
        "wrote %s: %d nodes, %d edges", args.out, graph.number_of_nodes(), graph.number_of_edges()
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
