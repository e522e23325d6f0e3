"""Staged rollout by year: hand-computed cases, enumeration, located errors, CLI output."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.deadline import Deadline
from fleetopt.errors import InputError
from fleetopt.siting.problem import read_problem_json
from fleetopt.siting.rollout import solve_rollout
from fleetopt.siting.solve import solve

INF = None  # JSON null = unreachable


def _doc(**rollout: Any) -> dict[str, Any]:
    """Three candidates, four demand points, radius 10 s.

    A covers d1 (weight 5); B covers d2, d3 (3 + 3); C covers d4 (10). Costs 1, 2, 3 CNY.
    """
    return {
        "model": "rollout", "radius_s": 10,
        "candidates": [{"id": "A", "lon": 116.30, "lat": 39.90, "fixed_cost_cny": 1},
                       {"id": "B", "lon": 116.31, "lat": 39.90, "fixed_cost_cny": 2},
                       {"id": "C", "lon": 116.32, "lat": 39.90, "fixed_cost_cny": 3}],
        "demand": [{"id": "d1", "lon": 116.30, "lat": 39.91, "weight": 5},
                   {"id": "d2", "lon": 116.31, "lat": 39.91, "weight": 3},
                   {"id": "d3", "lon": 116.31, "lat": 39.92, "weight": 3},
                   {"id": "d4", "lon": 116.32, "lat": 39.91, "weight": 10}],
        "cost": [[5, 50, 50], [50, 5, 50], [50, 8, 50], [50, 50, 2]],
        "rollout": {"years": [2025, 2026, 2027], **rollout},
    }


def _solve(tmp_path: Path, doc: dict[str, Any]) -> Any:
    f = tmp_path / "r.json"
    f.write_text(json.dumps(doc))
    prob, model = read_problem_json(f)
    return solve(prob, model=model, time_limit_s=30)


def test_one_site_a_year_by_hand(tmp_path: Path) -> None:
    """GIVEN one new site a year WHEN rolled out THEN C (10) in 2025, B (6) in 2026, A (5)
    in 2027: covered 10 + 16 + 21 = 47 (any other order covers less, e.g. B, C, A: 6 + 16
    + 21 = 43)."""
    res = _solve(tmp_path, _doc(max_new_sites=1))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(47.0)
    assert res.details["open_year"] == {"C": 2025, "B": 2026, "A": 2027}
    assert res.details["covered_by_year"] == [10.0, 16.0, 21.0]
    assert dict(zip(res.sites["id"], res.sites["open_year"], strict=True)) == {
        "A": 2027, "B": 2026, "C": 2025}


def test_growth_and_budget_by_hand(tmp_path: Path) -> None:
    """GIVEN a budget of 3 CNY a year (A 1, B 2, C 3) and demand growing x1, x2, x3 WHEN
    rolled out THEN A + B first (11 > C's 10 for the same 3 CNY), C in 2026: covered
    11 x 1 + 21 x 2 + 21 x 3 = 116 (C first: 10 + 42 + 63 = 115)."""
    res = _solve(tmp_path, _doc(budget_cny=3, demand_growth=[1, 2, 3]))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(116.0)
    assert res.details["open_year"] == {"A": 2025, "B": 2025, "C": 2026}
    assert res.details["demand_by_year"] == [21.0, 42.0, 63.0]


def test_weight_by_year_and_existing(tmp_path: Path) -> None:
    """GIVEN C existing (open, free) and d1's weight 0, 1, 50 by year, one new site a year
    WHEN rolled out THEN B in 2025 (6 > A's 0), A in 2026 (1 > nothing): covered
    (10 + 6) + (16 + 1) + (16 + 50) = 99."""
    doc = _doc(max_new_sites=1)
    doc["candidates"][2]["existing"] = True
    doc["demand"][0]["weight_by_year"] = [0, 1, 50]
    res = _solve(tmp_path, doc)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(99.0)
    assert res.details["open_year"] == {"B": 2025, "A": 2026, "C": 2025}


def test_infeasible_budgets_are_an_answer(tmp_path: Path) -> None:
    """GIVEN 90 % coverage required in 2025 but 3 CNY (at most 11 of 21 = 52 %) WHEN rolled
    out THEN infeasible with a reason; GIVEN an uncoverable point making 80 % unreachable
    THEN infeasible naming the year and the reachable share (21 / 31 = 67.7 %)."""
    res = _solve(tmp_path, _doc(budget_cny=3, min_covered_share=[0.9, 0, 0]))
    assert res.status == "infeasible"
    assert "required covered shares" in res.reason
    doc = _doc(budget_cny=100, min_covered_share=0.8)
    doc["demand"].append({"id": "d5", "lon": 116.4, "lat": 39.9, "weight": 10})
    doc["cost"].append([50, 50, 50])
    res = _solve(tmp_path, doc)
    assert res.status == "infeasible"
    assert "year #1: only 67.7 %" in res.reason
    # a share the budget can meet is met
    ok = _solve(tmp_path, _doc(budget_cny=3, min_covered_share=[0.5, 1.0, 1.0]))
    assert ok.status == "optimal"
    assert ok.details["covered_by_year"][1] == 21.0


def _brute(cover: np.ndarray, wt: np.ndarray, cost: np.ndarray, budget: np.ndarray,
           max_new: np.ndarray, share: np.ndarray, fixed: list[int]) -> float:
    n_c, n_t = cover.shape[1], wt.shape[1]
    free = [j for j in range(n_c) if j not in fixed]
    best = -np.inf
    for years in itertools.product(range(-1, n_t), repeat=len(free)):
        oy = np.full(n_c, -1)
        oy[fixed] = 0
        oy[free] = years
        ok, tot = True, 0.0
        for t in range(n_t):
            new = [j for j in free if oy[j] == t]
            if sum(cost[new]) > budget[t] + 1e-9 or len(new) > max_new[t]:
                ok = False
                break
            is_open = (oy >= 0) & (oy <= t)
            cov = wt[cover[:, is_open].any(axis=1), t].sum()
            if cov < share[t] * wt[:, t].sum() - 1e-9:
                ok = False
                break
            tot += cov
        if ok:
            best = max(best, tot)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_rollout_matches_enumeration(seed: int) -> None:
    """GIVEN random 12 x 6 instances over 3 years (costs, budgets, counts; on odd seeds one
    existing site and the first year's best coverage required, on seed 5 more than that)
    WHEN solved THEN the objective equals enumeration of every open year of every site
    (4^6 choices), or both are infeasible."""
    rng = np.random.default_rng(seed)
    n_d, n_c, n_t = 12, 6, 3
    cost = rng.uniform(0, 100, (n_d, n_c))
    radius = 30.0
    wt = rng.integers(1, 10, (n_d, 1)) * rng.uniform(1, 2, (1, n_t)).cumprod(axis=1)
    site_cost = rng.integers(1, 6, n_c).astype(float)
    budget = rng.integers(3, 9, n_t).astype(float)
    max_new = rng.integers(1, 3, n_t).astype(float)
    fixed = [0] if seed % 2 else []
    share = np.zeros(n_t)
    if seed % 2:
        # require the first year's best possible coverage (binding), or a bit more
        # (infeasible) on seed 5
        best0 = _brute(cost <= radius, wt[:, :1], site_cost, budget, max_new, share, fixed)
        share[0] = best0 / wt[:, 0].sum() + (0.01 if seed == 5 else -1e-6)
    ans = solve_rollout(cost, wt, radius, fixed=np.array(fixed, np.int64),
                        site_cost=site_cost, budget_t=budget, max_new_t=max_new,
                        min_share_t=share, deadline=Deadline.after(30))
    ref = _brute(cost <= radius, wt, site_cost, budget, max_new, share, fixed)
    if np.isfinite(ref):
        assert ans.status == "optimal"
        assert ans.objective == pytest.approx(ref)
        assert ans.bound >= ans.objective - 1e-9
    else:
        assert seed == 5
        assert ans.status == "infeasible"
        assert ans.reason


def test_rollout_json_errors_are_located(tmp_path: Path) -> None:
    """GIVEN a rollout block with wrong lengths, values and keys WHEN read THEN every problem
    is reported with its dotted path."""
    doc = _doc(budget_cny=[1, 2], max_new_sites=[1, 1.5, 1], min_covered_share=[0, 2, 0],
               demand_growth="fast", colour=1)
    doc["demand"][1]["weight_by_year"] = [1, 2]
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(InputError) as e:
        read_problem_json(f)
    cols = {p.column for p in e.value.problems}
    assert {"rollout.budget_cny", "rollout.max_new_sites.1", "rollout.min_covered_share.1",
            "rollout.demand_growth", "rollout.colour", "demand.1.weight_by_year"} <= cols
    doc = _doc(max_new_sites=1)
    doc["rollout"]["years"] = [2026, 2025]
    f.write_text(json.dumps(doc))
    with pytest.raises(InputError) as e:
        read_problem_json(f)
    assert [p.column for p in e.value.problems] == ["rollout.years"]


def test_rollout_needs_a_limit(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="budget_cny"):
        _solve(tmp_path, _doc())


def test_cli_rollout_json_and_files(tmp_path: Path) -> None:
    """GIVEN the hand problem WHEN `site --problem --json --out` THEN the CONTRACT keys come
    first, then open_year / years / covered_by_year; GeoJSON and CSV carry the open year."""
    f = tmp_path / "r.json"
    f.write_text(json.dumps(_doc(max_new_sites=1)))
    out = tmp_path / "o"
    r = CliRunner().invoke(app, ["site", "--problem", str(f), "--json", "--out", str(out)])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc)[:8] == ["model", "status", "objective", "bound", "gap", "open_sites",
                             "assignments", "wall_s"]
    assert doc["open_year"] == {"A": 2027, "B": 2026, "C": 2025}
    assert doc["covered_by_year"] == [10, 16, 21]
    gj = json.loads((out / "sites.geojson").read_text())
    assert {ft["properties"]["id"]: ft["properties"]["open_year"]
            for ft in gj["features"]} == {"A": 2027, "B": 2026, "C": 2025}
    r = CliRunner().invoke(app, ["site", "--problem", str(f)])
    assert "opens in 2025: C" in r.stdout


def test_swap_rollout_by_hand() -> None:
    """GIVEN A covering d1 (5), B covering d2 (3), C covering both, 2 years, and the rollout
    A in year 1, B in year 2 (5 + 8 = 13) WHEN improved by swaps THEN C replaces A in year
    1: 8 + 8 = 16 (the best with one site a year)."""
    from scipy import sparse

    from fleetopt.siting.rollout import _summed, _swap_rollout

    b = sparse.csr_matrix(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]))
    w = np.array([[5.0, 5.0], [3.0, 3.0]])
    start = np.array([0, 1, -1])
    assert _summed(b, w, start) == 13.0
    out = _swap_rollout(b, w, start, np.ones(3), None, t_end=float("inf"))
    assert _summed(b, w, out) == 16.0
    assert out[2] == 0
