"""The taxi generator's distances between distinct nodes, computed once, draw the same requests."""

from __future__ import annotations

import numpy as np

from fleetopt.demand.taxi import _activity_on, _taxi_pairs
from fleetopt.inputs.road_graph import haversine_m, load_network


def test_node_distance_table_draws_the_same_pairs_as_direct_distances() -> None:
    """GIVEN the Beijing activity points and 20,000 displacements WHEN origins and destinations
    are drawn with the same seed once with distances computed per draw and once read from the
    table of distances between distinct nodes THEN both draws are identical (and the table
    holds exactly the per-draw numbers)."""
    net = load_network("beijing-central-2024")
    node, weights = _activity_on(net)
    lon, lat = net.lon[node], net.lat[node]
    p = weights.sum(axis=1) / weights.sum()
    want_m = (1.0 + np.random.default_rng(5).exponential(7.0, size=20_000)) * 1000.0
    uniq, row = np.unique(node, return_inverse=True)
    dist = haversine_m(net.lon[uniq][:, None], net.lat[uniq][:, None], net.lon[uniq], net.lat[uniq])
    direct = _taxi_pairs(lon, lat, p, want_m, 32, 1.0, np.random.default_rng(11))
    table = _taxi_pairs(lon, lat, p, want_m, 32, 1.0, np.random.default_rng(11), (dist, row))
    np.testing.assert_array_equal(direct[0], table[0])
    np.testing.assert_array_equal(direct[1], table[1])
    o, d = direct
    per_draw = haversine_m(lon[o], lat[o], lon[d], lat[d])
    assert per_draw.tobytes() == dist[row[o], row[d]].tobytes()
    assert np.unique(o).size > 200  # many distinct origins were compared
