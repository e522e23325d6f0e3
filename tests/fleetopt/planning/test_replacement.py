"""Replacement over years (issue 15 item 6): a hand case, brute force, and bad input."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.inputs.plan_options import read_fleet_ages
from fleetopt.planning.replacement import (
    FleetVehicle,
    Purchase,
    ReplacementProblem,
    solve_replacement,
)

runner = CliRunner()

M = 1_000_000.0


def _hand_problem(target: dict[int, float] | None = None) -> ReplacementProblem:
    """A (diesel, age 12, runs 0.4 M/yr), B (diesel, age 2, 0.3 M/yr), C (bev, age 5,
    0.1 M/yr); life 13; a BEV costs 1.0 M and runs 0.1 M/yr, a diesel 0.8 M; r = 0;
    budget 1.0 M per year; years 2025, 2026."""
    bev = Purchase("bev", 1.0 * M, 0.0, 13, 0.1 * M)
    dsl = Purchase("diesel", 0.8 * M, 0.0, 13, 0.3 * M)
    vehicles = [
        FleetVehicle("A", "bus", "diesel", 12.0, 13, 0.4 * M),
        FleetVehicle("B", "bus", "diesel", 2.0, 13, 0.3 * M),
        FleetVehicle("C", "bus", "bev", 5.0, 13, 0.1 * M),
    ]
    return ReplacementProblem(
        vehicles=vehicles,
        purchases=[[bev, dsl], [bev, dsl], [bev]],
        years=[2025, 2026],
        budget_cny=[1.0 * M, 1.0 * M],
        discount_rate=0.0,
        target_nev_share={"bus": target or {}},
    )


def test_hand_case_replaces_the_old_bus_first() -> None:
    """GIVEN the hand fleet (A must go by 2026: age 13 then) and room for one BEV a year
    WHEN solved THEN A gets a BEV in 2025 and B in 2026. By hand (r = 0, end = 2027,
    a vehicle bought in year y keeps 1 - (2027 - y)/13 of its price):
    A->BEV 2025: 1.0 - 11/13 + 2 x (0.1 - 0.4) = -0.44615 M; B->BEV 2026: 1.0 - 12/13 +
    (0.1 - 0.3) = -0.12308 M; the fleet as it is runs (0.4 + 0.3 + 0.1) x 2 = 1.6 M;
    NPV = 1.6 - 0.44615 - 0.12308 = 1.03077 M (the swap B 2025 + A 2026 gives 1.13077 M)."""
    res = solve_replacement(_hand_problem(), time_limit_s=10)
    assert res.status == "optimal"
    assert res.gap == 0.0
    got = {(r.vehicle_id, r.year, r.replace_with) for r in res.schedule.itertuples()}
    assert got == {("A", 2025, "bev"), ("B", 2026, "bev")}
    expect = 1.6 + (1.0 - 11 / 13 - 0.6) + (1.0 - 12 / 13 - 0.2)
    assert res.npv_cny == pytest.approx(expect * M, rel=1e-9)
    assert res.bound_cny == pytest.approx(res.npv_cny)
    assert res.spend_cny == {2025: 1.0 * M, 2026: 1.0 * M}
    assert res.nev_share["bus"] == {2025: pytest.approx(2 / 3), 2026: 1.0}


def test_target_beyond_the_budget_is_infeasible() -> None:
    """GIVEN a 100 % NEV target in 2025 (two BEVs = 2.0 M) and a 1.0 M budget THEN infeasible."""
    res = solve_replacement(_hand_problem({2025: 1.0}), time_limit_s=10)
    assert res.status == "infeasible"
    assert res.schedule.empty


def _brute(p: ReplacementProblem) -> float:
    """Least NPV by enumerating every choice (none, or (year, option)) per vehicle."""
    n, ny = len(p.vehicles), len(p.years)
    end = p.years[-1] + 1

    def d(y: int) -> float:
        return (1 + p.discount_rate) ** -(y - p.years[0])

    best = math.inf
    choices = [[None] + [(j, k) for j in range(ny) for k in range(len(p.purchases[i]))]
               for i in range(n)]
    for combo in itertools.product(*choices):
        total = 0.0
        spend = [0.0] * ny
        ok = True
        for i, c in enumerate(combo):
            v = p.vehicles[i]
            first_due = next((j for j in range(ny) if v.age_years + j >= v.life_years), None)
            if first_due is not None and (c is None or c[0] > first_due):
                ok = False
            for jj, y in enumerate(p.years):
                run = v.running_cny_per_year
                if c is not None and jj >= c[0]:
                    run = p.purchases[i][c[1]].running_cny_per_year
                total += d(y) * run
            if c is not None:
                pu = p.purchases[i][c[1]]
                y = p.years[c[0]]
                spend[c[0]] += pu.price_cny - pu.subsidy_cny
                total += d(y) * (pu.price_cny - pu.subsidy_cny)
                total -= d(end) * pu.price_cny * max(0.0, 1 - (end - y) / pu.life_years)
        if not ok or any(s > b + 1e-6 for s, b in zip(spend, p.budget_cny, strict=True)):
            continue
        for t, table in p.target_nev_share.items():
            for jj, y in enumerate(p.years):
                ys = [k for k in table if k <= y]
                if not ys:
                    continue
                share = table[max(ys)]
                idx = [i for i, v in enumerate(p.vehicles) if v.vehicle_type == t]
                nev = 0
                for i in idx:
                    c = combo[i]
                    pt = p.vehicles[i].powertrain
                    if c is not None and c[0] <= jj:
                        pt = p.purchases[i][c[1]].powertrain
                    nev += pt in ("bev", "fcev", "phev")
                if nev < math.ceil(share * len(idx) - 1e-9):
                    ok = False
        if ok:
            best = min(best, total)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_random_instances_match_brute_force(seed: int) -> None:
    """GIVEN random 3-vehicle, 2-year instances (ages, prices, running costs, budgets,
    targets, r) WHEN solved THEN the MIP's NPV is the brute-force least NPV (or both infeasible)."""
    rng = np.random.default_rng(seed)
    vehicles, purchases = [], []
    for i in range(3):
        pt = "diesel" if rng.random() < 0.7 else "bev"
        life = int(rng.integers(3, 8))
        vehicles.append(FleetVehicle(f"v{i}", "bus", pt, float(rng.integers(0, life + 1)), life,
                                     float(rng.uniform(0.1, 0.5)) * M))
        opts = [Purchase("bev", float(rng.uniform(0.6, 1.2)) * M, float(rng.uniform(0, 0.2)) * M,
                         int(rng.integers(5, 14)), float(rng.uniform(0.05, 0.2)) * M)]
        if pt == "diesel":
            opts.append(Purchase("diesel", float(rng.uniform(0.4, 0.9)) * M, 0.0,
                                 int(rng.integers(5, 14)), float(rng.uniform(0.2, 0.5)) * M))
        purchases.append(opts)
    target = {2026: float(rng.choice([0.0, 0.34, 0.67, 1.0]))} if rng.random() < 0.7 else {}
    p = ReplacementProblem(
        vehicles=vehicles,
        purchases=purchases,
        years=[2025, 2026],
        budget_cny=[float(rng.uniform(0.5, 2.5)) * M, float(rng.uniform(0.5, 2.5)) * M],
        discount_rate=float(rng.choice([0.0, 0.05, 0.1])),
        target_nev_share={"bus": target},
    )
    brute = _brute(p)
    res = solve_replacement(p, time_limit_s=10)
    if math.isinf(brute):
        assert res.status == "infeasible"
    else:
        assert res.status == "optimal"
        assert res.npv_cny == pytest.approx(brute, rel=1e-7, abs=1e-3)


# --------------------------------------------------------------------------- from the CLI
def _cli(path: Path, *extra: str) -> tuple[int, str]:
    res = runner.invoke(app, ["plan", str(path), "--json", "--no-compare", *extra])
    return res.exit_code, res.output


def test_plan_json_has_replacement_and_out_writes_its_table(
    make_scenario: Callable, tmp_path: Path
) -> None:
    """GIVEN [plan.replacement] and a fleet file (b1: diesel bus, 12 years old) WHEN planned
    THEN --json carries `replacement` (b1 replaced by a BEV in 2025, the bus life being 13
    years) and --out writes replacement_schedule.csv; the CONTRACT keys are unchanged."""
    extra = """
[plan.replacement]
years = [2025, 2026]
budget_cny_per_year = 2000000
target_nev_share = {2026 = 1.0}
fleet = "fleet.csv"
"""
    path = make_scenario(extra=extra)
    (path.parent / "fleet.csv").write_text(
        "vehicle_id,vehicle_type,powertrain,purchase_year\nb1,bus,diesel,2013\n",
        encoding="utf-8",
    )
    out_dir = tmp_path / "out"
    code, text = _cli(path, "--out", str(out_dir))
    assert code == 0, text
    out = json.loads(text)
    rep = out["replacement"]
    assert rep["status"] == "optimal"
    assert [(r["vehicle_id"], r["year"], r["replace_with"]) for r in rep["schedule"]] == [
        ("b1", 2025, "bev")
    ]
    assert rep["nev_share"]["bus"] == {"2025": 1.0, "2026": 1.0}
    assert (out_dir / "replacement_schedule.csv").read_text(encoding="utf-8-sig").startswith(
        "vehicle_id,vehicle_type,powertrain,age_years,year,replace_with"
    )
    assert out["vehicles_needed"] == {"bus": 2}


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[plan]\nbattery_kwh = [100, -5]\n", "plan.battery_kwh.1"),
        ("[plan.replacement]\nyears = [2025]\nbudget_cny_per_year = -1\n",
         "plan.replacement.budget_cny_per_year"),
        ("[plan.replacement]\nyears = []\nbudget_cny_per_year = 1\n", "plan.replacement.years"),
        ("[plan.replacement]\nyears = [2025, 2027]\nbudget_cny_per_year = 1\n",
         "plan.replacement.years"),
        (("[plan.replacement]\nyears = [2025]\nbudget_cny_per_year = 1\n"
         "target_nev_share = {2025 = 1.5}\n"), "plan.replacement.target_nev_share.2025"),
        ("[plan]\nbattery = [100]\n", "plan.battery"),
    ],
)
def test_bad_plan_keys_exit_2_naming_the_key(
    make_scenario: Callable, extra: str, key: str
) -> None:
    """GIVEN a negative battery size, a negative budget, no years, gapped years, a share
    above 1 or an unknown key THEN exit 2 naming the dotted key."""
    code, text = _cli(make_scenario(extra=extra))
    assert code == 2, text
    assert key in text


def test_ages_from_the_trips_file_and_default_targets(
    make_scenario: Callable, tmp_path: Path
) -> None:
    """GIVEN diesel trips whose file carries purchase_year (b1 bought 2012, b2 2024) and no
    target_nev_share WHEN planned for 2025-2026 with room for one bus a year THEN the bus
    plan target (bus_nev_share_2025 = 100 %) cannot be met in 2025 with one purchase:
    infeasible; with 2 buses' budget both become BEVs in 2025 and the ages came from the
    trips file."""
    trips = [
        ("b1", "T1", "06:00", "07:00", 20.0),
        ("b2", "T2", "06:30", "07:30", 20.0),
    ]
    extra = """
[costs.bus.diesel]
vehicle_cny = 800000
life_years = 13
maintenance_cny_per_km = 1.0
subsidy_cny = 0
residual_share = 0.0
[plan.replacement]
years = [2025, 2026]
budget_cny_per_year = BUDGET
"""
    for budget, status in ((1_000_000, "infeasible"), (2_000_000, "optimal")):
        path = make_scenario(trips, powertrain="diesel",
                             extra=extra.replace("BUDGET", str(budget)))
        text = path.with_name("trips.csv").read_text(encoding="utf-8").splitlines()
        rows = [text[0] + ",purchase_year"] + [
            line + (",2012" if line.startswith("b1,") else ",2024") for line in text[1:]
        ]
        path.with_name("trips.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        code, out_text = _cli(path)
        assert code == 0, out_text
        rep = json.loads(out_text)["replacement"]
        assert rep["status"] == status, rep
        assert rep["age_source"] == "trips file age_years/purchase_year"
        if status == "optimal":
            ages = {r["vehicle_id"]: r["age_years"] for r in rep["schedule"]}
            assert ages == {"b1": 13.0, "b2": 1.0}
            assert {r["year"] for r in rep["schedule"]} == {2025}
            assert rep["nev_share"]["bus"]["2025"] == 1.0


def test_bad_fleet_file_names_row_and_column(make_scenario: Callable) -> None:
    """GIVEN a fleet file with a non-numeric purchase_year on line 3 THEN exit 2 naming the
    file, row 3 and the column."""
    path = make_scenario(extra="""
[plan.replacement]
years = [2025]
budget_cny_per_year = 1
fleet = "fleet.csv"
""")
    (path.parent / "fleet.csv").write_text(
        "vehicle_id,vehicle_type,powertrain,purchase_year\nb1,bus,diesel,2013\nb2,bus,bev,soon\n",
        encoding="utf-8",
    )
    code, text = _cli(path)
    assert code == 2, text
    assert "fleet.csv" in text
    assert "row 3" in text
    assert "purchase_year" in text


def test_fleet_file_with_chinese_headers_and_values(tmp_path: Path) -> None:
    """GIVEN a fleet file in Chinese (车辆编号, 车辆类型 公交, 动力类型 柴油, 购置年份) THEN the
    ages are the plan's first year minus the purchase year and the values are canonical."""
    f = tmp_path / "fleet.csv"
    f.write_text("车辆编号,车辆类型,动力类型,购置年份\nA1,公交,柴油,2015\nA2,公交车,纯电动,2020\n",
                 encoding="utf-8")
    got = read_fleet_ages(f, 2025)
    assert got["vehicle_id"].tolist() == ["A1", "A2"]
    assert got["age_years"].tolist() == [10.0, 5.0]
    assert got["vehicle_type"].tolist() == ["bus", "bus"]
    assert got["powertrain"].tolist() == ["diesel", "bev"]


def test_default_bus_target_leaves_the_transition_models_exempt_share(
    make_scenario: Callable,
) -> None:
    """GIVEN 25 new diesel buses (none flagged exempt), the default bus target (100 % NEV
    from 2025) and budget for all WHEN planned for 2025 THEN ceil(25 x (1 - 0.04)) = 24 are
    replaced (4 % exempt: target_exemptions.csv, mountain lines and emergency vehicles), not
    25 — replacing a new bus costs more than it saves here."""
    trips = [(f"b{k:02d}", f"T{k:02d}", "06:00", "07:00", 5.0) for k in range(25)]
    extra = """
[costs.bus.diesel]
vehicle_cny = 800000
life_years = 13
maintenance_cny_per_km = 1.0
subsidy_cny = 0
residual_share = 0.0
[plan.replacement]
years = [2025]
budget_cny_per_year = 100000000
"""
    path = make_scenario(trips, powertrain="diesel", extra=extra)
    text = path.with_name("trips.csv").read_text(encoding="utf-8").splitlines()
    rows = [text[0] + ",purchase_year"] + [line + ",2025" for line in text[1:]]
    path.with_name("trips.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out_text = _cli(path)
    assert code == 0, out_text
    rep = json.loads(out_text)["replacement"]
    assert rep["status"] == "optimal"
    assert rep["vehicles_replaced"] == {"2025": 24}
    assert rep["nev_share"]["bus"]["2025"] == pytest.approx(24 / 25)
