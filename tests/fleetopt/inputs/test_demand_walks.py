"""The street walks and depot legs of the sanitation and delivery generators, against references.

The references are the generators' earlier per-step code (a walk picking among a node's
out-edges, the depot's four shortest-path rows computed before each tour): the faster
versions must draw the same numbers and give the same tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fleetopt import demand
from fleetopt.demand._common import Graph, area_node, area_nodes, numbered_ids
from fleetopt.demand.delivery import _tour_columns, generate_delivery
from fleetopt.inputs.default_demand import demand_param
from fleetopt.inputs.road_graph import RoadNetwork, load_network


@pytest.fixture(scope="module")
def net() -> RoadNetwork:
    return load_network("beijing-central-2024")


def _reference_walk(
    g: Graph, start: int, target_m: float, rng: np.random.Generator
) -> tuple[int, float, float]:
    """The earlier walk: per step, the node's out-edges without the way back, drawn uniformly."""
    node, prev = start, -1
    length = time_s = 0.0
    draws = rng.random(64).tolist()
    while length < target_m:
        a, b = int(g.start[node]), int(g.start[node + 1])
        vs, ls, ts = g.v[a:b].tolist(), g.length_m[a:b].tolist(), g.time_s[a:b].tolist()
        if not vs:
            break
        if not draws:
            draws = rng.random(64).tolist()
        u = draws.pop()
        options = [i for i, v in enumerate(vs) if v != prev] if len(vs) > 1 else [0]
        if not options:
            options = list(range(len(vs)))
        e = options[int(u * len(options))]
        length += ls[e]
        time_s += ts[e]
        prev, node = node, vs[e]
    return node, length, time_s


def test_walk_draws_the_same_walks_as_the_per_step_reference(net: RoadNetwork) -> None:
    """GIVEN 400 starts and targets from 0 to 20 km WHEN each is walked with the edge tables and
    with the per-step reference from the same seed THEN ends, lengths and times are identical
    and both generators end in the same state (the same number of draws)."""
    g = Graph(net)
    pick = np.random.default_rng(3)
    starts = pick.choice(g.nodes, 400)
    targets = np.r_[0.0, pick.exponential(2000.0, 398), 20_000.0]
    fast, ref = np.random.default_rng(9), np.random.default_rng(9)
    steps = 0
    for s, target in zip(starts.tolist(), targets.tolist(), strict=True):
        got = g.walk(s, target, fast)
        want = _reference_walk(g, s, target, ref)
        assert got == want
        steps += int(want[1] > 0)
    assert fast.bit_generator.state == ref.bit_generator.state
    assert steps > 350  # the walks went somewhere


def test_round_trip_is_finite_where_both_depot_rows_are(net: RoadNetwork) -> None:
    """GIVEN depots WHEN the strongly connected component mask is compared with the depot's
    time rows out and back THEN it is finite exactly where ``t_out + t_in`` is."""
    g = Graph(net)
    nodes = g.depots(12, np.random.default_rng(1))
    for d in nodes.tolist():
        t_out, _, t_in, _ = g.from_depot(d)
        np.testing.assert_array_equal(np.isfinite(g.round_trip(d)), np.isfinite(t_out + t_in))


def _reference_delivery(net: RoadNetwork, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """The earlier delivery generator: one dict per leg, depot rows before each tour."""
    g = Graph(net)
    per_depot = int(demand_param("delivery_vehicles_per_depot"))
    depots = g.depots(max(1, -(-n // per_depot)), rng)
    start_s = demand_param("delivery_start_h") * 3600.0
    n_stops = int(demand_param("delivery_stops_per_tour"))
    spacing_m = demand_param("delivery_stop_spacing_km") * 1000.0
    dwell_s = demand_param("delivery_dwell_min") * 60.0
    rows = []
    for v in range(n):
        di = v // per_depot
        depot = int(depots[di])
        t_out, l_out, t_in, l_in = g.from_depot(depot)
        vid = f"delivery-{v + 1:04d}"
        stop = area_node(g, depot, demand_param("delivery_area_km"), t_out + t_in, rng)
        t = start_s
        legs = [(depot, stop, t, t + t_out[stop], l_out[stop])]
        t += t_out[stop] + dwell_s
        for _ in range(n_stops - 1):
            target = max(200.0, float(rng.exponential(spacing_m)))
            end, length, dt = _reference_walk(g, stop, target, rng)
            if length <= 0:
                break
            legs.append((stop, end, t, t + dt, length))
            t += dt + dwell_s
            stop = end
        legs.append((stop, depot, t, t + t_in[stop], l_in[stop]))
        for j, (o, d, dep, arr, m) in enumerate(legs):
            rows.append(
                {
                    "departure_s": dep,
                    "arrival_s": arr,
                    "origin_lon": net.lon[o],
                    "destination_lat": net.lat[d],
                    "distance_km": m / 1000.0,
                    "depot": f"generated-delivery-depot-{di + 1:02d}",
                    "trip_id": f"{vid}-{j + 1:03d}",
                }
            )
    return pd.DataFrame(rows)


def test_delivery_columns_equal_the_per_leg_reference(net: RoadNetwork) -> None:
    """GIVEN 40 vans (three depots, the last one partly filled) WHEN generated by columns (depot
    rows after the tours are drawn) and by the per-leg reference from the same seed THEN every
    value is identical, bit for bit."""
    got = pd.DataFrame(generate_delivery(net, 40, np.random.default_rng([2024, 3])))
    want = _reference_delivery(net, 40, np.random.default_rng([2024, 3]))
    assert len(got) > 40 * 10
    for c in want.columns:
        assert got[c].tolist() == want[c].tolist(), c


def test_generated_tables_are_the_same_for_the_same_seed(net: RoadNetwork) -> None:
    """GIVEN the sanitation and delivery generators WHEN run twice with one seed THEN the
    tables are equal (and a different seed changes them)."""
    for kind in ("beijing-sanitation", "beijing-delivery"):
        a = demand.generate(kind, net, seed=7, size=12)
        b = demand.generate(kind, net, seed=7, size=12)
        c = demand.generate(kind, net, seed=8, size=12)
        pd.testing.assert_frame_equal(a, b)
        assert not a[["departure_s", "distance_km"]].equals(c[["departure_s", "distance_km"]])


def test_stopped_searches_give_the_whole_searches_costs(net: RoadNetwork) -> None:
    """GIVEN 60 depots and targets near and far WHEN each of the four depot searches is run
    stopped early (Graph.search, its limit guessed from the searches before it) THEN the
    costs at the targets equal from_depot's bit for bit, every finite cost equals
    from_depot's, and at least some searches did stop early (fewer finite nodes)."""
    g = Graph(net)
    pick = np.random.default_rng(5)
    stopped = 0
    for depot in g.depots(60, np.random.default_rng(4)).tolist():
        whole = dict(zip(("time_out", "length_out", "time_in", "length_in"),
                         g.from_depot(depot), strict=True))
        near = area_nodes(g, depot, 2.0, g.round_trip(depot))
        for kind, targets in (("time_out", pick.choice(near, 15)), ("length_out", near),
                              ("time_in", pick.choice(g.nodes, 15)),
                              ("length_in", pick.choice(g.nodes, 3))):
            row = g.search(kind, depot, targets)
            assert row[targets].tolist() == whole[kind][targets].tolist()
            finite = np.isfinite(row)
            assert row[finite].tolist() == whole[kind][finite].tolist()
            stopped += int(finite.sum() < np.isfinite(whole[kind]).sum())
    assert stopped > 100


def test_tour_columns_equal_a_van_driven_leg_by_leg(net: RoadNetwork) -> None:
    """GIVEN three vans with 2, 0 and 1 walks (a van whose first walk hit a dead end has none)
    WHEN their columns are made all vans at once THEN nodes, clocks, lengths and ids equal
    those of each van driven leg by leg, bit for bit."""
    depot = np.array([5, 5, 9])
    stop = np.array([11, 12, 13])
    n_walks = np.array([2, 0, 1])
    drives = np.array([[61.7, 70.1, 33.3], [812.5, 901.25, 400.0],
                       [55.5, 66.6, 77.7], [700.0, 800.5, 900.0]])
    ends, lengths, times = np.array([20, 21, 22]), np.array([1000.5, 250.0, 333.3]), \
        np.array([90.1, 22.2, 30.3])
    got = _tour_columns(net, depot, stop, n_walks, drives, (ends, lengths, times),
                        np.array([0, 0, 1]))
    start = demand_param("delivery_start_h") * 3600.0
    dwell = demand_param("delivery_dwell_min") * 60.0
    rows = []
    w = 0
    for v in range(3):
        legs = [(int(depot[v]), int(stop[v]), drives[0, v], drives[1, v])]
        node = int(stop[v])
        for _ in range(int(n_walks[v])):
            legs.append((node, int(ends[w]), times[w], lengths[w]))
            node = int(ends[w])
            w += 1
        legs.append((node, int(depot[v]), drives[2, v], drives[3, v]))
        t = start
        for j, (o, d, dt, m) in enumerate(legs):
            rows.append((net.lon[o], net.lat[d], t, t + dt, m / 1000.0,
                         f"generated-delivery-depot-{[1, 1, 2][v]:02d}",
                         f"delivery-{v + 1:04d}", f"delivery-{v + 1:04d}-{j + 1:03d}"))
            t += dt + dwell
    cols = ("origin_lon", "destination_lat", "departure_s", "arrival_s", "distance_km", "depot",
            "vehicle_id", "trip_id")
    for i, c in enumerate(cols):
        assert list(got[c]) == [r[i] for r in rows], c


def test_numbered_ids_are_the_formatted_strings() -> None:
    """GIVEN numbers below and above the padded width WHEN made into ids by Arrow THEN they
    are the f-strings, with one prefix or one prefix per number."""
    k = np.array([1, 42, 999, 1000, 123456])
    assert list(numbered_ids("van-", k, 3)) == [f"van-{i:03d}" for i in k]
    heads = pd.array(["a", "b", "c", "d", "e"], dtype="str")
    assert list(numbered_ids(heads, k, 2, sep="-")) == [f"{h}-{i:02d}" for h, i in
                                                        zip("abcde", k, strict=True)]
