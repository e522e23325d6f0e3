"""The road-graph loader: names and file types, speeds and times, bad input, CSR paths."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from fleetopt import settings
from fleetopt.defaults import load_table
from fleetopt.errors import InputError
from fleetopt.inputs import road_graph
from fleetopt.inputs.road_graph import (
    BUILTIN_NETWORKS,
    haversine_m,
    load_graph,
    load_network,
    resolve_network,
)

SMALL = "beijing-region7-2015"  # 137 nodes, shipped
OSM_GZ = (
    Path(__file__).resolve().parents[2] / "data" / "beijing_region7_2015.osm.gz"
)  # real OSM API export


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty network-array cache (disk and per-process)."""
    monkeypatch.setattr(settings, "CACHE_DIR", tmp_path / "cache")
    road_graph._load_network_cached.cache_clear()
    yield tmp_path / "cache"
    road_graph._load_network_cached.cache_clear()


def _check_attrs(g: nx.MultiDiGraph) -> None:
    assert g.number_of_edges() > 0
    for _, d in g.nodes(data=True):
        assert -180 <= float(d["x"]) <= 180
        assert -90 <= float(d["y"]) <= 90
    for *_, d in g.edges(data=True):
        assert d["length"] >= 0
        assert d["speed_kph"] > 0
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6), rel=1e-6)


def test_every_builtin_name_resolves_to_a_shipped_file() -> None:
    for name, (file, _) in BUILTIN_NETWORKS.items():
        path = resolve_network(name)
        assert path == settings.NETWORKS_DIR / file
        assert path.is_file(), name


def test_load_by_name_has_lengths_speeds_and_times() -> None:
    g = load_graph(SMALL)
    assert (g.number_of_nodes(), g.number_of_edges()) == (
        137,
        247,
    )  # PROVENANCE §8.3 (region7 drive)
    _check_attrs(g)


def test_untagged_speeds_come_from_the_cited_table() -> None:
    """GIVEN edges without maxspeed WHEN loaded THEN speed_kph = their class in road_speeds.csv."""
    table = {r.name: float(r.value) for r in load_table("road_speeds").itertuples(index=False)}
    g = load_graph(SMALL)
    checked = 0
    for *_, d in g.edges(data=True):
        hw = d["highway"]
        if isinstance(hw, str) and "maxspeed" not in d:
            assert d["speed_kph"] == pytest.approx(table[hw])
            checked += 1
    assert checked > 200


def test_tagged_maxspeed_wins_over_the_table() -> None:
    g = load_graph("beijing-central-2024")
    tagged = [
        d
        for *_, d in g.edges(data=True)
        if isinstance(d.get("maxspeed"), str) and d["maxspeed"].isdigit()
    ]
    assert tagged, "central-2024 carries maxspeed tags"
    for d in tagged[:200]:
        assert d["speed_kph"] == pytest.approx(float(d["maxspeed"]))


@pytest.mark.parametrize("suffix", [".graphml", ".graphml.gz"])
def test_load_graphml_paths(tmp_path: Path, suffix: str) -> None:
    src = resolve_network(SMALL)
    dst = tmp_path / f"g{suffix}"
    if suffix == ".graphml":
        with gzip.open(src, "rb") as fin, dst.open("wb") as fout:
            shutil.copyfileobj(fin, fout)
    else:
        shutil.copy(src, dst)
    g = load_graph(dst)
    assert g.number_of_nodes() == 137
    _check_attrs(g)


@pytest.mark.parametrize("suffix", [".osm", ".osm.gz"])
def test_load_osm_xml_paths(tmp_path: Path, suffix: str) -> None:
    """GIVEN the real OSM API export of region 7 WHEN loaded THEN a drive graph with times."""
    dst = tmp_path / f"region7{suffix}"
    if suffix == ".osm":
        with gzip.open(OSM_GZ, "rb") as fin, dst.open("wb") as fout:
            shutil.copyfileobj(fin, fout)
    else:
        shutil.copy(OSM_GZ, dst)
    g = load_graph(dst)
    _check_attrs(g)
    # drive filter: only the kept highway classes remain
    for *_, d in g.edges(data=True):
        values = d["highway"] if isinstance(d["highway"], list) else [d["highway"]]
        assert any(h in road_graph.DRIVE_HIGHWAYS for h in values)
    assert nx.is_weakly_connected(g)
    assert 100 < g.number_of_nodes() < 200  # same area as the shipped 137-node graph


def test_relative_path_resolves_against_base_dir(tmp_path: Path) -> None:
    shutil.copy(resolve_network(SMALL), tmp_path / "mine.graphml.gz")
    assert load_graph("mine.graphml.gz", base_dir=tmp_path).number_of_nodes() == 137


def test_unknown_name_lists_what_is_accepted() -> None:
    with pytest.raises(InputError) as exc:
        load_graph("beijing-everything")
    text = str(exc.value)
    assert "beijing-everything" in text
    assert "beijing-central-2024" in text
    assert ".graphml" in text


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_graph(tmp_path / "nothere.graphml")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.graphml", b"<graphml><graph><node id='1'"),  # truncated XML
        ("bad.graphml.gz", b"this is not gzip"),  # not gzip
        ("bad.osm", b"not xml at all"),
        ("bad.osm.gz", gzip.compress(b"<osm><node id='1' lat='x'")),
    ],
)
def test_corrupt_file_is_input_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        load_graph(path)
    assert name in str(exc.value)


def test_graph_without_coordinates_is_input_error(tmp_path: Path) -> None:
    """GIVEN an osmnx GraphML whose nodes lost x/y WHEN loaded THEN a coordinates problem."""
    import osmnx as ox

    g = ox.load_graphml(resolve_network(SMALL))
    for _, d in g.nodes(data=True):
        d.pop("x")
        d.pop("y")
    for *_, d in g.edges(data=True):
        d.pop("geometry", None)
    path = tmp_path / "nocoords.graphml"
    ox.save_graphml(g, path)
    with pytest.raises(InputError) as exc:
        load_graph(path)
    (problem,) = exc.value.problems
    assert "137 nodes have no coordinates" in problem.message
    assert problem.file == str(path)


def test_plain_networkx_graphml_without_coordinates_is_input_error(tmp_path: Path) -> None:
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_edge(1, 2, length=100.0)
    g.add_edge(2, 1, length=100.0)
    path = tmp_path / "nocoords.graphml"
    nx.write_graphml(g, path)
    with pytest.raises(InputError, match=r"nocoords\.graphml"):
        load_graph(path)


def test_projected_coordinates_are_rejected(tmp_path: Path) -> None:
    """GIVEN node x/y in metres (a projected graph) WHEN loaded THEN rejected, WGS84 asked for."""
    import osmnx as ox

    g = ox.load_graphml(resolve_network(SMALL))
    for _, d in g.nodes(data=True):
        d["x"], d["y"] = d["x"] * 1e4, d["y"] * 1e4  # metre-sized numbers
    for *_, d in g.edges(data=True):
        d.pop("geometry", None)
    path = tmp_path / "projected.graphml"
    ox.save_graphml(g, path)
    with pytest.raises(InputError) as exc:
        load_graph(path)
    assert any("WGS84" in p.message for p in exc.value.problems)


def test_haversine_one_degree_of_latitude() -> None:
    """Hand value: 2*pi*6371008.8 m / 360 = 111,195.08 m."""
    assert float(haversine_m(116.4, 39.0, 116.4, 40.0)) == pytest.approx(111_195.08, abs=0.05)
    assert float(haversine_m(116.4, 39.9, 116.4, 39.9)) == 0.0


def test_csr_shortest_paths_agree_with_networkx(fresh_cache: Path) -> None:
    """GIVEN region 7 WHEN CSR Dijkstra THEN equal to networkx on the MultiDiGraph."""
    net = load_network(SMALL)
    g = net.graph
    index = {int(n): i for i, n in enumerate(net.node_ids)}
    rng = np.random.default_rng(3)
    sources = rng.choice(np.flatnonzero(net.routable), size=5, replace=False)
    for weight, key in (("time", "travel_time"), ("length", "length")):
        got = net.shortest(sources, weight=weight)
        for row, s in enumerate(sources):
            ref = nx.single_source_dijkstra_path_length(g, int(net.node_ids[s]), weight=key)
            for node, cost in ref.items():
                assert got[row, index[int(node)]] == pytest.approx(max(cost, 0.0), abs=1e-2)
            unreachable = set(index) - {int(n) for n in ref}
            for node in unreachable:
                assert np.isinf(got[row, index[node]])


def test_shortest_with_targets_and_duplicates(fresh_cache: Path) -> None:
    net = load_network(SMALL)
    r = np.flatnonzero(net.routable)
    full = net.shortest([r[0], r[1], r[0]])
    sub = net.shortest([r[0], r[1], r[0]], r[:4])
    np.testing.assert_array_equal(sub, full[:, r[:4]])
    np.testing.assert_array_equal(full[0], full[2])
    assert sub[0, 0] == 0.0


def test_nearest_nodes_snaps_onto_the_routable_core(fresh_cache: Path) -> None:
    net = load_network(SMALL)
    idx, dist = net.nearest_nodes(net.lon, net.lat)
    assert np.all(net.routable[idx])
    assert np.all(dist[net.routable] < 1e-6)  # routable nodes snap onto themselves
    assert np.all(dist[~net.routable] > 0)
    all_idx, _all_dist = net.nearest_nodes(net.lon, net.lat, routable_only=False)
    np.testing.assert_array_equal(all_idx, np.arange(net.n_nodes))


def test_routable_is_the_largest_strongly_connected_component(fresh_cache: Path) -> None:
    net = load_network(SMALL)
    largest = max(nx.strongly_connected_components(net.graph), key=len)
    assert net.routable.sum() == len(largest) == 106  # PROVENANCE §8.3: SCC 106


def test_array_cache_cold_and_warm_agree(fresh_cache: Path) -> None:
    """GIVEN an empty cache WHEN loaded twice (disk cache in between) THEN identical arrays."""
    cold = load_network(SMALL)
    files = list(fresh_cache.glob("networks/*.npz"))
    assert len(files) == 1
    road_graph._load_network_cached.cache_clear()
    warm = load_network(SMALL)
    assert warm is not cold
    assert warm._graph is None  # came from the .npz, not from GraphML
    for key in (
        "node_ids",
        "lon",
        "lat",
        "edge_u",
        "edge_v",
        "edge_length_m",
        "edge_time_s",
        "routable",
    ):
        np.testing.assert_array_equal(getattr(cold, key), getattr(warm, key))
    assert (warm.csr_time != cold.csr_time).nnz == 0
    assert warm.n_nodes == 137
    assert warm.name == SMALL


def test_corrupt_cache_file_is_rebuilt(fresh_cache: Path) -> None:
    load_network(SMALL)
    (npz,) = fresh_cache.glob("networks/*.npz")
    npz.write_bytes(b"garbage")
    road_graph._load_network_cached.cache_clear()
    net = load_network(SMALL)
    assert net.n_nodes == 137


# ---------------------------------------------------------------- fast GraphML reader
@pytest.mark.parametrize("name", list(BUILTIN_NETWORKS))
def test_fast_graphml_reader_gives_the_osmnx_arrays_bit_for_bit(name: str) -> None:
    """GIVEN a shipped network WHEN read by the regex scanner THEN exactly the osmnx-path arrays."""
    from fleetopt.inputs._graphml_arrays import arrays_from_graphml

    path = resolve_network(name)
    fast = arrays_from_graphml(path, road_graph._speed_table())
    assert fast is not None, "the fast reader declined a shipped network"
    slow = road_graph._arrays_from_graph(road_graph._load_graph_file(path))
    assert fast.keys() == slow.keys()
    for key, ref in slow.items():
        assert fast[key].dtype == ref.dtype, key
        np.testing.assert_array_equal(fast[key], ref, err_msg=key)


def _rewrite(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = gzip.decompress(resolve_network(SMALL).read_bytes()).decode()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_fast_reader_declines_what_it_does_not_model(tmp_path: Path) -> None:
    from fleetopt.inputs._graphml_arrays import arrays_from_graphml

    table = road_graph._speed_table()
    typed = _rewrite(
        tmp_path,
        "typed.graphml",
        'attr.name="length" attr.type="string"',
        'attr.name="length" attr.type="double"',
    )
    # typed attributes (CONTRACT §10): both paths read them, to the same arrays
    fast = arrays_from_graphml(typed, table)
    assert fast is not None
    slow = road_graph._arrays_from_graph(road_graph._load_graph_file(typed))
    for key, ref in slow.items():
        np.testing.assert_array_equal(fast[key], ref, err_msg=key)
    swapped = _rewrite(tmp_path, "swapped.graphml", "<edge source=", "<edge  source=")
    assert arrays_from_graphml(swapped, table) is None  # an element the scanner did not match
    with pytest.raises(InputError, match="file not found"):
        arrays_from_graphml(tmp_path / "missing.graphml", table)


def test_fast_reader_imputes_speeds_like_osmnx(tmp_path: Path) -> None:
    """GIVEN a maxspeed tag, an mph tag and an unknown class WHEN read THEN same as osmnx."""
    from fleetopt.inputs._graphml_arrays import arrays_from_graphml

    text = gzip.decompress(resolve_network(SMALL).read_bytes()).decode()
    key = '<key id="d99" for="edge" attr.name="maxspeed" attr.type="string" />\n'
    text = text.replace("<graph ", key + "  <graph ", 1)
    from fleetopt.inputs._graphml_arrays import _keys

    hw_key = next(k for k, (f, n, _) in _keys(text).items() if f == "edge" and n == "highway")
    edges = text.split("<edge ")
    edges[1] = edges[1].replace("</edge>", '  <data key="d99">60</data>\n    </edge>', 1)
    edges[2] = edges[2].replace("</edge>", '  <data key="d99">30 mph</data>\n    </edge>', 1)
    edges[3] = edges[3].replace(f'<data key="{hw_key}">', f'<data key="{hw_key}">busway', 1)
    path = tmp_path / "speeds.graphml"
    path.write_text("<edge ".join(edges), encoding="utf-8")
    fast = arrays_from_graphml(path, road_graph._speed_table())
    assert fast is not None
    slow = road_graph._arrays_from_graph(road_graph._load_graph_file(path))
    for key_ in ("edge_speed_kph", "edge_time_s", "edge_highway"):
        np.testing.assert_array_equal(fast[key_], slow[key_], err_msg=key_)
    assert 60.0 in fast["edge_speed_kph"]
    assert pytest.approx(30 * 1.60934) in list(fast["edge_speed_kph"])


@pytest.mark.parametrize("routable_only", [True, False])
def test_many_points_at_few_places_snap_as_each_point_alone(routable_only: bool) -> None:
    """GIVEN 20,000 points at 60 places (more than the distinct-point threshold; a -0.0
    among them) WHEN snapped at once THEN each gets the node and distance it gets alone."""
    net = road_graph.load_network("beijing-central-2024")
    rng = np.random.default_rng(3)
    lon0 = rng.uniform(116.30, 116.46, 60)
    lat0 = rng.uniform(39.84, 39.97, 60)
    pick = rng.integers(0, 60, 20_000)
    lon, lat = lon0[pick], lat0[pick]
    assert lon.size > road_graph._SNAP_DISTINCT_MIN
    node, dist = net.nearest_nodes(lon, lat, routable_only=routable_only)
    one = [net.nearest_nodes(lon0[k], lat0[k], routable_only=routable_only) for k in range(60)]
    assert node.tolist() == [int(one[k][0][0]) for k in pick]
    assert dist.tolist() == [float(one[k][1][0]) for k in pick]
    # points at -0.0 and 0.0 (one key) keep their per-point answers
    lon2, lat2 = np.r_[lon, -0.0, 0.0], np.r_[lat, 0.0, 0.0]
    node2, _ = net.nearest_nodes(lon2, lat2, routable_only=routable_only)
    assert node2[-1] == node2[-2] == net.nearest_nodes(0.0, 0.0, routable_only=routable_only)[0][0]
