"""The pooled max-flow path-cover bound against the dense matching (random instances)."""

from __future__ import annotations

import numpy as np
import pytest

from fleetopt.planning import block_bounds, blocking
from fleetopt.planning.blocking import lower_bound
from tests.fleetopt.planning.test_blocking_random import _instance


@pytest.mark.parametrize("seed", range(8))
def test_pooled_bound_is_exact_with_every_place_and_a_bound_with_fewer(seed: int) -> None:
    """GIVEN random 80-trip instances WHEN every start place is connected exactly THEN the
    pooled max flow gives the dense matching's minimum path cover; with one place per
    trip it lies between the old relaxed bound and that minimum (a proven bound)."""
    rng = np.random.default_rng(300 + seed)
    gp = _instance(rng, 80)
    idx = np.arange(gp.n)
    exact, method = lower_bound(gp, idx)
    assert method == "path-cover"
    full, is_exact = block_bounds._pool_bound(gp, idx, 100)
    assert is_exact
    assert full == exact
    part, is_exact = block_bounds._pool_bound(gp, idx, 1)
    assert not is_exact
    relaxed = gp.n - block_bounds._relaxed_matching(gp, idx)
    assert relaxed <= part <= exact


def test_lower_bound_uses_the_pool_above_the_dense_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a group above EXACT_BOUND_TRIPS THEN lower_bound answers from the pooled flow,
    exactly (every place connected) and equal to the dense matching."""
    gp = _instance(np.random.default_rng(7), 120)
    idx = np.arange(gp.n)
    dense, _ = lower_bound(gp, idx)
    monkeypatch.setattr(blocking, "EXACT_BOUND_TRIPS", 10)
    pooled, method = lower_bound(gp, idx)
    assert method == "path-cover"
    assert pooled == dense
