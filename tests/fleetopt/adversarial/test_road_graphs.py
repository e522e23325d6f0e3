"""Road graphs: typed GraphML accepted (CONTRACT §10); impossible lengths, truncation,
huge node ids and gzip bombs rejected with exit 2 before any routing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import networkx as nx
import pytest

from tests.fleetopt.adversarial._cli import assert_rejected, fleetopt

SQUARE = {1: (116.40, 39.90), 2: (116.41, 39.90), 3: (116.41, 39.91), 4: (116.40, 39.91)}
RING = [(1, 2), (2, 3), (3, 4), (4, 1), (2, 1), (3, 2), (4, 3), (1, 4)]


def networkx_graphml(path: Path, *, first_length_m: float = 900.0, ids: dict | None = None) -> Path:
    """A 4-node ring written by plain networkx: typed attributes (attr.type="double")."""
    g = nx.MultiDiGraph(crs="epsg:4326")
    names = ids or {k: k for k in SQUARE}
    for n, (x, y) in SQUARE.items():
        g.add_node(names[n], x=x, y=y)
    for i, (u, v) in enumerate(RING):
        g.add_edge(
            names[u], names[v], length=first_length_m if i == 0 else 900.0, highway="residential"
        )
    nx.write_graphml(g, path)
    return path


def scenario(folder: Path, network: str) -> Path:
    (folder / "trips.csv").write_text(
        "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
        "destination_lon,destination_lat\n"
        "b1,bus,diesel,t1,06:00,07:00,116.40,39.90,116.41,39.91\n",
        encoding="utf-8",
    )
    path = folder / "s.toml"
    path.write_text(
        f'name = "g"\nnetwork = "{network}"\n[[fleets]]\ntrips = "trips.csv"\n', encoding="utf-8"
    )
    return path


def test_typed_networkx_graphml_is_a_road_graph(tmp_path: Path) -> None:
    """GIVEN networkx GraphML (typed doubles) WHEN simulated THEN the road distance is used."""
    networkx_graphml(tmp_path / "typed.graphml")
    out = fleetopt("simulate", str(scenario(tmp_path, "typed.graphml")), "--json")
    assert out.code == 0, out.stderr
    doc = json.loads(out.stdout)
    # (1)->(2)->(3): two 900 m edges
    assert doc["distance_km"] == pytest.approx(1.8, abs=1e-6)
    assert doc["trips_served"] == 1


def test_string_node_names_are_accepted(tmp_path: Path) -> None:
    ids = {1: "a", 2: "b", 3: "c", 4: "d"}
    networkx_graphml(tmp_path / "named.graphml", ids=ids)
    out = fleetopt("simulate", str(scenario(tmp_path, "named.graphml")), "--json")
    assert out.code == 0, out.stderr
    assert json.loads(out.stdout)["distance_km"] == pytest.approx(1.8, abs=1e-6)


@pytest.mark.parametrize("length", [-35000.0, float("nan"), float("inf"), 1e12])
def test_impossible_edge_length_is_rejected(tmp_path: Path, length: float) -> None:
    networkx_graphml(tmp_path / "bad.graphml", first_length_m=length)
    out = fleetopt("simulate", str(scenario(tmp_path, "bad.graphml")))
    assert_rejected(out, "bad.graphml", "impossible length", "edge 1->2", "0..1,000,000")


def test_nan_coordinate_is_rejected(tmp_path: Path) -> None:
    path = networkx_graphml(tmp_path / "xy.graphml")
    text = path.read_text(encoding="utf-8").replace(">116.41<", ">nan<", 1)
    path.write_text(text, encoding="utf-8")
    out = fleetopt("simulate", str(scenario(tmp_path, "xy.graphml")))
    assert_rejected(out, "xy.graphml", "outside WGS84", "-180..180")


@pytest.mark.parametrize("tail", ["", "GARBAGE GARBAGE", "</graph>\n"])
def test_graphml_without_its_closing_tag_is_rejected(tmp_path: Path, tail: str) -> None:
    path = networkx_graphml(tmp_path / "cut.graphml")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("</graph>")] + tail, encoding="utf-8")
    out = fleetopt("simulate", str(scenario(tmp_path, "cut.graphml")))
    assert_rejected(out, "cut.graphml", "</graphml>")


@pytest.mark.parametrize("node_id", ["1e23", "100000000000000000000000"])
def test_node_id_beyond_64_bits_is_rejected(tmp_path: Path, node_id: str) -> None:
    path = networkx_graphml(tmp_path / "ids.graphml")
    text = path.read_text(encoding="utf-8").replace('"1"', f'"{node_id}"')
    path.write_text(text, encoding="utf-8")
    out = fleetopt("simulate", str(scenario(tmp_path, "ids.graphml")))
    assert_rejected(out, "ids.graphml", node_id, "64 bits")


def test_gzip_bomb_hits_the_decompression_cap(tmp_path: Path) -> None:
    """GIVEN 40 MB of zeros gzipped to ~40 KB and a 10 MB cap THEN exit 2 naming the cap."""
    path = tmp_path / "bomb.graphml.gz"
    with gzip.open(path, "wb") as fh:
        for _ in range(40):
            fh.write(b"\0" * (1 << 20))
    assert path.stat().st_size < 100_000
    out = fleetopt(
        "simulate",
        str(scenario(tmp_path, "bomb.graphml.gz")),
        env={"FLEETOPT_MAX_DECOMPRESSED_BYTES": str(10 * 1024 * 1024)},
    )
    assert_rejected(
        out, "bomb.graphml.gz", "MAX_DECOMPRESSED_BYTES", "FLEETOPT_MAX_DECOMPRESSED_BYTES"
    )


def test_gzip_bomb_with_a_lying_trailer_stops_at_the_cap(tmp_path: Path) -> None:
    """The trailer's size is patched to 1 KB: decompression itself must stop at the cap."""
    path = tmp_path / "liar.osm.gz"
    with gzip.open(path, "wb") as fh:
        for _ in range(40):
            fh.write(b"\0" * (1 << 20))
    data = bytearray(path.read_bytes())
    data[-4:] = (1024).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    out = fleetopt(
        "simulate",
        str(scenario(tmp_path, "liar.osm.gz")),
        env={"FLEETOPT_MAX_DECOMPRESSED_BYTES": str(10 * 1024 * 1024)},
    )
    assert_rejected(out, "liar.osm.gz", "MAX_DECOMPRESSED_BYTES")
