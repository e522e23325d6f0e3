"""The taxi generator's distances between distinct nodes, computed once, draw the same requests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fleetopt.demand._common import WeightedChoice
from fleetopt.demand.taxi import _activity_on, _request_ids, _taxi_pairs
from fleetopt.inputs.road_graph import haversine_m, load_network


def test_node_distance_table_draws_the_same_pairs_as_direct_distances() -> None:
    """GIVEN the Beijing activity points and 20,000 displacements WHEN origins and destinations
    are drawn with the same seed once with distances computed per draw and once read from the
    table of distances between distinct nodes THEN both draws are identical (and the table
    holds exactly the per-draw numbers)."""
    net = load_network("beijing-central-2024")
    node, weights = _activity_on(net)
    lon, lat = net.lon[node], net.lat[node]
    p = WeightedChoice(weights.sum(axis=1) / weights.sum())
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


def test_weighted_choice_draws_what_rng_choice_draws() -> None:
    """GIVEN probability vectors of 1 to 6,000 entries (skewed, a fifth of them zero) WHEN
    indices are drawn with WeightedChoice and with ``rng.choice(p.size, size, p=p)`` from two
    generators of the same seed THEN the indices are equal and both generators are left in
    the same state."""
    gen = np.random.default_rng(5)
    for _ in range(60):
        n = int(gen.integers(1, 6000))
        w = gen.random(n) ** 4
        w[gen.random(n) < 0.2] = 0.0
        w[int(gen.integers(n))] += 1e-3
        p = w / w.sum()
        seed = int(gen.integers(1, 10**6))
        size = (int(gen.integers(1, 300)), int(gen.integers(1, 40)))
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        draw = WeightedChoice(p)
        for shape in (size[0], size):
            want = a.choice(p.size, size=shape, p=p)
            got = draw(b, shape)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
        assert a.random() == b.random()


def test_weighted_choice_steps_over_cdf_values_inside_a_slice() -> None:
    """GIVEN a cdf with many values inside one table slice (tiny probabilities) and uniforms
    equal to cdf values WHEN drawn THEN each draw is ``searchsorted(cdf, u, side="right")``."""
    p = np.r_[np.full(50, 1e-9), 1.0]
    p /= p.sum()
    draw = WeightedChoice(p)
    u = np.r_[draw.cdf[:-1], np.nextafter(draw.cdf[:-1], 0.0), 0.0]

    class Fixed:
        def random(self, size: int) -> np.ndarray:
            return u[:size]

    got = draw(Fixed(), u.size)  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, np.searchsorted(draw.cdf, u, side="right"))


@pytest.mark.parametrize("n", [0, 1, 12, 1_000_001])
def test_request_ids_are_the_formatted_numbers(n: int) -> None:
    """GIVEN n requests WHEN their ids are made column-wise THEN they equal the f-string
    ``taxi-req-{i:06d}`` for i = 1..n (seven digits from a million on), as text."""
    got = pd.Series(_request_ids(n))
    want = pd.Series([f"taxi-req-{i + 1:06d}" for i in range(n)], dtype="str")
    assert got.dtype == want.dtype
    assert got.equals(want)
