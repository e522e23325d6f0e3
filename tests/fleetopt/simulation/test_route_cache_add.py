"""Route rows computed in one cache and added to another are the rows the other would compute."""

from __future__ import annotations

import numpy as np
import pytest

from fleetopt.simulation.routes import RouteCache


def test_rows_added_from_two_caches_equal_rows_computed_in_one(central) -> None:
    """GIVEN two caches that each computed half of some nodes' rows WHEN a third adds both
    halves (one node twice) THEN it holds every row equal to a fresh cache's, computed none
    itself, keeps a row it already had, and asking for the rows computes nothing."""
    nodes = np.flatnonzero(central.routable)[:12]
    halves = []
    for part in (nodes[0::2], nodes[1::2]):
        c = RouteCache(central)
        w, row_of, _ = c.rows(part)
        halves.append((part, w[row_of[part]]))
    fresh = RouteCache(central)
    w_fresh, r_fresh, _ = fresh.rows(nodes)
    cache = RouteCache(central)
    cache.rows(nodes[:1])  # a row it has: kept, not added again
    assert cache.add(*halves[0]) == halves[0][0].size - 1
    twice = (np.append(halves[1][0], nodes[3]), np.vstack([halves[1][1], halves[1][1][1:2]]))
    assert cache.add(*twice) == halves[1][0].size
    w, row_of, got = cache.rows(nodes)
    assert cache.computed == 1
    assert sorted(got.tolist()) == sorted(nodes.tolist())
    np.testing.assert_array_equal(w[row_of[nodes]], w_fresh[r_fresh[nodes]])
    with pytest.raises(ValueError, match="rows for"):
        cache.add(nodes[:2], w_fresh[:1])


def test_a_reserved_cache_adds_rows_without_moving_the_earlier_ones(central) -> None:
    """GIVEN a cache with room reserved for 8 rows WHEN it computes 4 and adds 4 more THEN
    the rows handed out first still lie in its buffer (nothing was copied to a new one), and
    the rows equal a fresh cache's."""
    nodes = np.flatnonzero(central.routable)[:8]
    other = RouteCache(central)
    w_other, r_other, _ = other.rows(nodes[4:])
    cache = RouteCache(central)
    cache.reserve(nodes.size)
    first, _, _ = cache.rows(nodes[:4])
    assert cache.add(nodes[4:], w_other[r_other[nodes[4:]]]) == 4
    w, row_of, _ = cache.rows(nodes)
    assert np.shares_memory(first, w)
    fresh, r_fresh, _ = RouteCache(central).rows(nodes)
    np.testing.assert_array_equal(w[row_of[nodes]], fresh[r_fresh[nodes]])
