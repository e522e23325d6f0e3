"""Problem JSON, coverage models, p-center and flow refuelling on hand-computed cases."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from fleetopt.deadline import Deadline
from fleetopt.errors import InputError
from fleetopt.siting.coverage import coverage_matrix, solve_max_coverage, solve_p_center
from fleetopt.siting.flows import cycle_cover_sets
from fleetopt.siting.problem import read_problem_json
from fleetopt.siting.solve import solve

TINY = "tiny_problem.json"


def test_tiny_pmedian_by_hand(data_dir: Path) -> None:
    """GIVEN the tiny problem (p=2) WHEN p-median THEN {A, C} at 10*0+1*100+5*0+5*100+2*200 = 1000.

    Every pair by hand: AB 4600, AC 1000, AD 1600, BC 3000, BD 3600, CD 5900 -> AC wins.
    """
    prob, model = read_problem_json(data_dir / "siting" / TINY)
    assert model == "p-median"
    res = solve(prob)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(1000.0)
    assert res.open_sites == ["A", "C"]
    s = res.summary()
    assert list(s) == ["model", "status", "objective", "bound", "gap", "open_sites",
                       "assignments", "wall_s"]
    assert {a["demand"]: a["site"] for a in s["assignments"]} == {
        "d1": "A", "d2": "A", "d3": "C", "d4": "C", "d5": "C"}


def test_tiny_max_coverage_and_set_cover(data_dir: Path) -> None:
    """GIVEN radius 300 s WHEN one site THEN C covers d2..d5 (weight 13); set cover needs A + C."""
    prob, _ = read_problem_json(data_dir / "siting" / TINY)
    prob.p = 1
    res = solve(prob, model="max-coverage")
    # coverage within 300 s: A {d1,d2}=11, B {d1,d2,d3}=16, C {d3,d4,d5}=12, D {d3,d4,d5}=12
    assert res.status == "optimal"
    assert res.objective == pytest.approx(16.0)
    assert res.open_sites == ["B"]
    sc = solve(prob, model="set-cover")
    assert sc.status == "optimal"
    assert sc.objective == pytest.approx(200.0)  # two sites of 100 CNY: B + (C or D)
    assert len(sc.open_sites) == 2


def test_infeasible_set_cover_is_an_answer(data_dir: Path) -> None:
    """GIVEN a radius nobody covers WHEN set cover THEN infeasible with a reason (no crash)."""
    prob, _ = read_problem_json(data_dir / "siting" / TINY)
    prob.radius_s = 50
    res = solve(prob, model="set-cover")
    assert res.status == "infeasible"
    assert "no candidate within" in res.reason
    assert res.summary()["reason"]


def test_tiny_p_center_matches_enumeration(data_dir: Path) -> None:
    prob, _ = read_problem_json(data_dir / "siting" / TINY)
    cost = prob.cost_s
    ref = min(cost[:, list(c)].min(axis=1).max() for c in itertools.combinations(range(4), 2))
    ans = solve_p_center(cost, 2, deadline=Deadline.after(60))
    assert ans.status == "optimal"
    assert ans.objective == ref == 200


def test_max_coverage_budget() -> None:
    """GIVEN costs 7, 3, 3 and budget 6 WHEN max coverage THEN the two cheap sites (2 > 0)."""
    cost = np.array([[0, 9, 9], [0, 9, 9], [0, 9, 9], [9, 0, 9], [9, 9, 0]], float)
    cov = coverage_matrix(cost, 1.0)
    ans = solve_max_coverage(cov, np.ones(5), site_cost=np.array([7.0, 3.0, 3.0]), budget=6.0,
                             deadline=Deadline.after(60))
    assert ans.status == "optimal"
    assert ans.objective == 2.0
    assert ans.open_idx.tolist() == [1, 2]


def test_problem_json_errors_are_located(tmp_path: Path) -> None:
    doc = {"p": "two", "candidates": [{"id": "A", "lon": "x", "lat": 39.9, "colour": 1}],
           "demand": [{"id": "d", "lat": 39.9}], "cost": [[1]]}
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(InputError) as e:
        read_problem_json(f)
    cols = {p.column for p in e.value.problems}
    assert {"p", "candidates.0.lon", "candidates.0.colour", "demand.0.lon"} <= cols
    f.write_text("{not json")
    with pytest.raises(InputError) as e:
        read_problem_json(f)
    assert e.value.problems[0].row == 1


def test_cycle_cover_sets_by_hand() -> None:
    """GIVEN a 0-100-200 km path there and back (cycle 400 km), range 250 km, sites at 0 and 2.

    Cycle stops: 0 (0 km), 1 (100), 2 (200), 3 (300, = stop 1 again), end 400 = stop 0.
    Arc ending at 100 km: from stop 0 (100 km) yes; from stop 2 (300 km) no -> {0}.
    Arc ending at 300 km: from stop 2 (100 km) yes, stop 0 (300 km) no -> {2}.
    """
    pos = np.array([0.0, 100, 200, 300, 400]) * 1000
    sets = cycle_cover_sets(pos, np.array([True, False, True, False]), 250_000)
    assert [s.tolist() for s in sets] == [[0], [0], [2], [2]]
    assert cycle_cover_sets(pos, np.array([True, False, True, False]), 50_000) is None


def test_service_level_sizes_meet_the_erlang_c_target(data_dir: Path) -> None:
    """GIVEN arrivals per hour as weights WHEN sized to P(wait > 10 min) <= 0.2 THEN every open
    site's plug count serves its assigned arrivals within that service level."""
    from fleetopt.siting.sizing import prob_wait_longer

    prob, _ = read_problem_json(data_dir / "siting" / TINY)
    prob.radius_s = None
    prob.service = {"service_time_min": 30, "max_wait_min": 10, "max_wait_prob": 0.2,
                    "max_plugs": 20, "plug_cost_cny": 50}
    res = solve(prob, model="service-level", time_limit_s=30)
    assert res.status == "optimal"
    for rec in res.sites.itertuples(index=False):
        assert prob_wait_longer(int(rec.size), float(rec.load), 0.5, 10 / 60) <= 0.2 + 1e-6
    assert res.sites["load"].sum() == pytest.approx(23.0)  # all 23 arrivals/h served
