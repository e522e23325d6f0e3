"""Lagrangian pieces of capacitated facility location against enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from fleetopt.siting.lagrangian import cover_subproblem, option_values


def _brute_cover(v: np.ndarray, site: np.ndarray, cap: np.ndarray, n_sites: int, need: float,
                 fixed: np.ndarray, must: int | None = None, ban: int | None = None,
                 option: int | None = None) -> float:
    """Enumerate one option (or none) per site; least value covering ``need``."""
    per_site = [[-1] + [int(o) for o in np.flatnonzero(site == s)] for s in range(n_sites)]
    best = math.inf
    for combo in itertools.product(*per_site):
        if any(fixed[s] and combo[s] < 0 for s in range(n_sites)):
            continue
        if must is not None and combo[must] < 0:
            continue
        if ban is not None and combo[ban] >= 0:
            continue
        if option is not None and option not in combo:
            continue
        opts = [o for o in combo if o >= 0]
        if cap[opts].sum() >= need - 1e-9:
            best = min(best, float(v[opts].sum()))
    return best


@pytest.mark.parametrize("seed", range(24))
def test_cover_subproblem_matches_enumeration(seed: int) -> None:
    """GIVEN random values, capacities (equal, unequal, modular) and fixed sites WHEN the cover
    subproblem is solved THEN its value and every forced-open / forced-closed value equal
    enumeration (exact cases) or are below it (capacities rounded up to units)."""
    rng = np.random.default_rng(seed)
    n_sites = 5
    kind = seed % 3
    if kind == 0:  # one option per site, equal capacities (sorting)
        site = np.arange(n_sites)
        cap = np.full(n_sites, 10.0)
    elif kind == 1:  # modules: 1..3 modules of 4 units
        site = np.repeat(np.arange(n_sites), 3)
        cap = np.tile([4.0, 8.0, 12.0], n_sites)
    else:  # unequal real capacities (rounded up: a relaxation)
        site = np.arange(n_sites)
        cap = rng.uniform(3, 15, n_sites).round(3)
    v = rng.uniform(-20, 30, site.size).round(2)
    fixed = np.zeros(n_sites, bool)
    if seed % 4 == 1:
        fixed[0] = True
    need = float(rng.uniform(5, cap.sum() * 0.6 if kind != 1 else 30))
    sol = cover_subproblem(v, site, cap, n_sites, need, fixed, forced=True)
    ref = _brute_cover(v, site, cap, n_sites, need, fixed)
    exact = kind != 2
    if exact:
        assert sol.value == pytest.approx(ref, abs=1e-9)
        assert float(v[sol.chosen].sum()) == pytest.approx(ref, abs=1e-9)
        assert cap[sol.chosen].sum() >= need - 1e-9
    else:
        assert sol.value <= ref + 1e-9
    for s in range(n_sites):
        fo = _brute_cover(v, site, cap, n_sites, need, fixed, must=s)
        fc = _brute_cover(v, site, cap, n_sites, need, fixed, ban=s) if not fixed[s] else math.inf
        if exact:
            assert sol.forced_open[s] == pytest.approx(fo, abs=1e-9)
            assert sol.forced_closed[s] == pytest.approx(fc, abs=1e-9)
        else:
            assert sol.forced_open[s] <= fo + 1e-9
            assert sol.forced_closed[s] <= fc + 1e-9 or (math.isinf(fc) and math.isinf(
                sol.forced_closed[s]))
    for o in range(site.size):  # each single option opened (what option fixing uses)
        fopt = _brute_cover(v, site, cap, n_sites, need, fixed, option=o)
        if exact:
            assert sol.forced_option[o] == pytest.approx(fopt, abs=1e-9)
        else:
            assert sol.forced_option[o] <= fopt + 1e-9


def test_option_values_hand_case() -> None:
    """GIVEN one site of capacity 5, customers of demand 3 and 4 with reduced costs -6 and -4
    WHEN valued THEN the knapsack takes customer 0 whole (-6) and half of customer 1 (-2):
    v = 10 - 8 = 2."""
    v, fill = option_values(np.array([0]), np.array([5.0]), np.array([10.0]), 1,
                            np.array([0, 0]), np.array([0, 1]), np.array([1.0, 2.0]),
                            np.array([3.0, 4.0]), np.array([7.0, 6.0]))
    assert v[0] == pytest.approx(2.0)
    assert fill.frac[0] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(6))
def test_priced_cover_is_a_lower_bound(seed: int) -> None:
    """GIVEN random modular cover problems WHEN the capacity-priced relaxation is computed THEN
    it is at most the exact optimum (and equal to it when the free choice already covers)."""
    from fleetopt.siting.lagrangian import cover_relaxed

    rng = np.random.default_rng(50 + seed)
    n_sites = 5
    site = np.repeat(np.arange(n_sites), 3)
    cap = np.tile([4.0, 8.0, 12.0], n_sites)
    v = rng.uniform(-20, 30, site.size).round(2)
    fixed = np.zeros(n_sites, bool)
    need = float(rng.uniform(5, 40))
    exact = cover_subproblem(v, site, cap, n_sites, need, fixed)
    relaxed = cover_relaxed(v, site, cap, n_sites, need, fixed)
    assert relaxed.value <= exact.value + 1e-9
    assert relaxed.value == pytest.approx(_brute_cover(v, site, cap, n_sites, need, fixed),
                                          abs=1e-9) or relaxed.value < exact.value
