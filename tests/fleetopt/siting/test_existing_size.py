"""Existing stations keep the modules they have: free capacity, paid expansion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleetopt.errors import InputError
from fleetopt.siting.problem import read_problem_json
from fleetopt.siting.solve import solve


def _write(tmp_path: Path, existing_size: float, **extra: object) -> Path:
    # one existing site E next to the demand, one new site N far away; 2 demand points of
    # 250 units, 100 units per module, at most 8 modules per site, 1 CNY per unit-hour
    doc = {
        "model": "cflp",
        "cost": [[0, 3600], [0, 3600]],
        "value_of_time_cny_per_h": 1.0,
        "candidates": [
            {"id": "E", "lon": 116.40, "lat": 39.90, "existing": True, "fixed_cost_cny": 1e6,
             "module_cost_cny": 1000, "module_capacity": 100, "max_modules": 8,
             "existing_size": existing_size},
            {"id": "N", "lon": 116.50, "lat": 39.90, "fixed_cost_cny": 5000,
             "module_cost_cny": 1000, "module_capacity": 100, "max_modules": 8},
        ],
        "demand": [{"id": "d1", "lon": 116.40, "lat": 39.90, "weight": 250},
                   {"id": "d2", "lon": 116.40, "lat": 39.90, "weight": 250}],
        **extra,
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(("have", "objective", "size"), [
    # 500 units need 5 modules at E (travel 0): E has 0 -> buys 5 = 5,000 CNY
    (0, 5000.0, 5),
    # E has 3 -> buys 2 = 2,000 CNY (serving 200 units from N instead costs 5,000 + 2,000 + 200)
    (3, 2000.0, 5),
    # E has 6 -> nothing to buy; it keeps its 6 modules (size never shrinks below what exists)
    (6, 0.0, 6),
    # E has 10, above max_modules 8: kept, free
    (10, 0.0, 10),
])
def test_existing_modules_are_free_and_kept(tmp_path: Path, have: int, objective: float,
                                            size: int) -> None:
    prob, model = read_problem_json(_write(tmp_path, have))
    res = solve(prob, model=model, time_limit_s=30)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(objective)
    assert res.open_sites == ["E"]
    row = res.sites.set_index("id").loc["E"]
    assert int(row["size"]) == size


def test_existing_size_must_be_a_whole_number(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_problem_json(_write(tmp_path, 2.5))
    assert any(p.column == "candidates.0.existing_size" for p in err.value.problems)
