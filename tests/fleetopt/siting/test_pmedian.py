"""p-median: published OR-Library optima, brute force on random instances, honest bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fleetopt.deadline import Deadline
from fleetopt.inputs.orlib import read_pmed
from fleetopt.siting.pmedian import (
    greedy,
    pmedian_cost,
    solve_pmedian,
    swap_search,
)
from fleetopt.siting.pmedian_lagrangian import lagrangian_fixing
from fleetopt.siting.solve import solve_orlib_pmed
from tests.fleetopt.siting.conftest import LOCAL_OPTIMA, brute_force_pmedian


@pytest.mark.parametrize("name", ["pmed1", "pmed2"])
def test_local_pmed_proven_optimal(data_dir: Path, name: str) -> None:
    """GIVEN a copied OR-Library file WHEN solved THEN optimal and equal to pmedopt.txt."""
    res = solve_orlib_pmed(data_dir / "siting" / f"{name}.txt", time_limit_s=60)
    assert res.status == "optimal"
    assert res.objective == LOCAL_OPTIMA[name]
    assert res.bound == LOCAL_OPTIMA[name]
    assert res.gap == 0
    # the reported sites really cost the objective (1-based ids)
    inst = read_pmed(data_dir / "siting" / f"{name}.txt")
    idx = np.asarray(res.open_sites) - 1
    assert len(idx) == inst.p
    assert inst.cost[:, idx].min(axis=1).sum() == res.objective


@pytest.mark.parametrize("k", [3, 6, 8, 11, 16, 21])
def test_shared_pmed_against_optima(shared_data: Path, optima: dict[str, float], k: int) -> None:
    """GIVEN pmedK from ../shared/data WHEN solved THEN proven optimal at the published value."""
    path = shared_data / "orlib" / "pmed" / f"pmed{k}.txt"
    res = solve_orlib_pmed(path, time_limit_s=120)
    assert res.status == "optimal"
    assert res.objective == optima[f"pmed{k}"]
    inst = read_pmed(path)
    assert inst.cost[:, np.asarray(res.open_sites) - 1].min(axis=1).sum() == res.objective


@pytest.mark.parametrize("seed", range(6))
def test_random_instances_match_brute_force(seed: int) -> None:
    """GIVEN random non-metric costs, weights, a fixed site WHEN solved THEN brute force agrees."""
    rng = np.random.default_rng(seed)
    n_cli, n_cand, p = 14, 9, 3
    dist = rng.uniform(0, 100, (n_cli, n_cand)).round(3)
    weight = rng.uniform(0.5, 3.0, n_cli)
    fixed = (int(rng.integers(n_cand)),) if seed % 2 else ()
    ans = solve_pmedian(dist, weight, p, fixed=np.array(fixed, dtype=np.int64),
                        deadline=Deadline.after(30))
    ref = brute_force_pmedian(dist, weight, p, fixed)
    assert ans.status == "optimal"
    assert ans.objective == pytest.approx(ref, rel=1e-9)
    assert set(fixed) <= set(ans.open_idx.tolist())
    assert len(ans.open_idx) == p + len(fixed)
    assert pmedian_cost(dist, weight, ans.open_idx) == pytest.approx(ans.objective, rel=1e-12)


def test_time_limit_gives_honest_bound(data_dir: Path) -> None:
    """GIVEN a tiny time limit WHEN solved THEN the bound never exceeds the objective."""
    inst = read_pmed(data_dir / "siting" / "pmed2.txt")
    ans = solve_pmedian(inst.cost, None, inst.p, deadline=Deadline.after(0.05), bb_max_candidates=0)
    assert ans.bound <= ans.objective
    assert ans.objective >= LOCAL_OPTIMA["pmed2"]
    assert ans.status in ("optimal", "feasible")


def test_lagrangian_bound_is_a_lower_bound(data_dir: Path) -> None:
    """GIVEN pmed2 WHEN Lagrangian is maximised THEN bound <= optimum, no optimal site closed."""
    inst = read_pmed(data_dir / "siting" / "pmed2.txt")
    w = np.ones(inst.n)
    lb, closed, _ = lagrangian_fixing(inst.cost, w, inst.p, np.array([], np.int64),
                                           np.ones(inst.n, bool), LOCAL_OPTIMA["pmed2"] + 1,
                                           0.0)
    assert lb <= LOCAL_OPTIMA["pmed2"]
    assert lb > 0.99 * LOCAL_OPTIMA["pmed2"]  # close to the LP bound (root gap ~1 %)
    opt = solve_orlib_pmed(data_dir / "siting" / "pmed2.txt").open_sites
    assert not closed[np.asarray(opt) - 1].any()


def test_swap_search_improves_greedy(data_dir: Path) -> None:
    inst = read_pmed(data_dir / "siting" / "pmed2.txt")
    w = np.ones(inst.n)
    g = greedy(inst.cost, w, inst.p)
    s = swap_search(inst.cost, w, g)
    assert len(s) == inst.p
    assert pmedian_cost(inst.cost, w, s) <= pmedian_cost(inst.cost, w, g)


def test_lp_phase_falls_back_to_highs_when_glop_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN random non-metric instances whose Lagrangian bound does not close them, and GLOP
    that never finishes (as on the default scenario's radius LP, unsolved after 28 s) WHEN
    solved THEN HiGHS solves the LP instead and the answer still equals brute force."""
    import math

    import fleetopt.siting.pmedian as pm
    from fleetopt.siting.backend import MipAnswer

    real = pm.solve_linear_model
    calls = {"glop": 0, "highs_lp": 0}

    def stalling_glop(model: object, **kw: Any) -> MipAnswer:
        if kw.get("solver") == "glop":
            calls["glop"] += 1
            return MipAnswer(status="time_limit_no_solution", x=None, objective=math.nan,
                             bound=-math.inf, wall_s=kw.get("time_limit_s", 0.0))
        if kw.get("relax"):
            calls["highs_lp"] += 1
        return real(model, **kw)

    monkeypatch.setattr(pm, "solve_linear_model", stalling_glop)
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        n_cli, n_cand, p = 16, 10, 3
        dist = rng.uniform(0, 100, (n_cli, n_cand)).round(3)
        weight = rng.uniform(0.5, 3.0, n_cli)
        ans = solve_pmedian(dist, weight, p, deadline=Deadline.after(30), bb_max_candidates=0)
        assert ans.status == "optimal"
        assert ans.objective == pytest.approx(brute_force_pmedian(dist, weight, p, ()),
                                              rel=1e-9)
    assert calls["glop"] > 0
    assert calls["highs_lp"] == calls["glop"]
