"""A result is called optimal only when its bound proves it (CONTRACT §2: gap 0 when proven)."""

from __future__ import annotations

import pytest

from fleetopt.siting.result import SitingResult


def test_optimal_within_round_off_stays_optimal() -> None:
    r = SitingResult(model="p-median", status="optimal", objective=1000.0,
                     bound=1000.0 - 1e-7, open_sites=[1], wall_s=0.1)
    assert r.status == "optimal"
    assert r.gap == 0.0
    assert r.bound == r.objective


def test_optimal_at_a_loose_solver_gap_is_reported_as_feasible() -> None:
    # a MIP stopped at mip_rel_gap = 1e-4 says "optimal"; the proof covers only 5e-5
    r = SitingResult(model="p-median", status="optimal", objective=1000.0, bound=999.95,
                     open_sites=[1], wall_s=0.1)
    assert r.status == "feasible"
    assert r.gap == pytest.approx(5e-5)
    assert r.bound == 999.95
    assert r.summary()["gap"] == pytest.approx(5e-5)


def test_maximisation_gap_is_measured_upwards() -> None:
    r = SitingResult(model="max-coverage", status="optimal", objective=500.0, bound=501.0,
                     open_sites=[2], wall_s=0.1, maximize=True)
    assert r.status == "feasible"
    assert r.gap == pytest.approx(0.002)
