"""The plan's targets: the status rule on constructed cases, the rows, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.domain.mode_share import project_mode_share
from fleetopt.domain.transition import project_transition
from fleetopt.results.targets import (
    ROW_KEYS,
    STATUSES,
    evaluate_targets,
    operating_co2_intensity_change_pct,
    operating_co2_intensity_kg_per_tkm,
    target_status,
)

CONTRACT_IDS = {
    "green_travel_share_2025", "green_travel_share_2030", "nev_stock_2025",
    "new_vehicle_nev_share_2030", "operating_co2_intensity_2030", "bus_nev_share_2025",
    "taxi_nev_share_2025", "sanitation_new_nev_share_2025", "light_logistics_nev_share_2025",
}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # at least 76.5
        ({"value": 78.0, "target": 76.5, "comparison": "ge"}, "on_track"),
        ({"value": 78.0, "target": 76.5, "comparison": "ge", "observed": True}, "met"),
        ({"value": 76.5, "target": 76.5, "comparison": "ge", "observed": True}, "met"),
        ({"value": 70.0, "target": 76.5, "comparison": "ge", "observed": True}, "off_track"),
        ({"value": 73.0, "target": 76.5, "comparison": "ge"}, "at_risk"),  # 3.5 <= 0.05*76.5
        ({"value": 72.0, "target": 76.5, "comparison": "ge"}, "off_track"),  # 4.5 > 3.825
        ({"value": 77.0, "target": 76.5, "comparison": "ge", "low": 75.0, "high": 79.0}, "at_risk"),
        (
            {"value": 77.0, "target": 76.5, "comparison": "ge", "low": 76.6, "high": 79.0},
            "on_track",
        ),
        ({"value": 70.0, "target": 76.5, "comparison": "ge", "low": 65.0, "high": 77.0}, "at_risk"),
        (
            {"value": 70.0, "target": 76.5, "comparison": "ge", "low": 65.0, "high": 76.0},
            "off_track",
        ),
        ({"value": None, "target": 76.5, "comparison": "ge"}, "no_data"),
        ({"value": math.nan, "target": 76.5, "comparison": "ge"}, "no_data"),
        # at most -10 %
        ({"value": -12.0, "target": -10.0, "comparison": "le"}, "on_track"),
        ({"value": -9.6, "target": -10.0, "comparison": "le"}, "at_risk"),  # 0.4 <= 0.5
        ({"value": -9.0, "target": -10.0, "comparison": "le"}, "off_track"),
        ({"value": 4.0, "target": -10.0, "comparison": "le"}, "off_track"),
        (
            {"value": -11.0, "target": -10.0, "comparison": "le", "low": -14.0, "high": -8.0},
            "at_risk",
        ),
        ({"value": -9.0, "target": -10.0, "comparison": "le", "observed": True}, "off_track"),
        ({"value": 5.0, "target": 1.0, "comparison": "text"}, "no_data"),
    ],
)
def test_status_rule_constructed_cases(kwargs: dict, expected: str) -> None:
    assert target_status(**kwargs) == expected


def test_margin_is_a_parameter() -> None:
    assert target_status(73.0, 76.5, "ge", margin_frac=0.01) == "off_track"
    assert target_status(72.0, 76.5, "ge", margin_frac=0.1) == "at_risk"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return evaluate_targets()


def test_rows_have_contract_keys_and_ids(rows: list[dict]) -> None:
    """CONTRACT §2 and §8: every row has the keys, low <= value <= high (equal or null together),
    a non-empty reason on no_data rows, a trace of {input, value, unit, source}; at most 3 rows
    stay no_data (issue 14 item 7)."""
    assert {r["id"] for r in rows} >= CONTRACT_IDS
    assert len(rows) == 17  # every row of the MISSION table
    for r in rows:
        assert tuple(r)[: len(ROW_KEYS)] == ROW_KEYS
        assert r["status"] in STATUSES
        assert r["source"]
        if r["unit"] == "text":
            assert r["status"] == "no_data"
            assert r["value"] is None
        if r["value"] is None:
            assert r["low"] is None
            assert r["high"] is None
        else:
            assert r["low"] <= r["value"] <= r["high"], r["id"]
        if r["status"] == "no_data":
            assert isinstance(r["reason"], str)
            assert r["reason"].strip()
        else:
            assert "reason" not in r
            assert r["trace"], r["id"]
        for t in r["trace"]:
            assert set(t) == {"input", "value", "unit", "source"}
            assert t["source"]
    assert sum(r["status"] == "no_data" for r in rows) <= 3
    json.dumps(rows, allow_nan=False)


def test_values_come_from_the_models(rows: list[dict]) -> None:
    by_id = {r["id"]: r for r in rows}
    tr = project_transition()
    ms = project_mode_share()
    assert by_id["nev_stock_2025"]["value"] == pytest.approx(tr.nev_stock_total(2025), rel=1e-6)
    assert by_id["green_travel_share_2025"]["value"] == pytest.approx(
        ms.green_pct.loc[2025], abs=1e-3
    )
    assert by_id["green_travel_share_2025"]["target"] == 76.5
    assert by_id["nev_stock_2025"]["target"] == 2_000_000
    # sanitation additions and delivery permits come from the stock-flow model, not a scenario
    assert by_id["sanitation_new_nev_share_2025"]["value"] == pytest.approx(
        tr.new_nev_share_pct("sanitation", 2021, 2025), abs=1e-3
    )
    assert by_id["light_logistics_nev_share_2025"]["value"] == pytest.approx(
        tr.nev_share_of_eligible_pct("light_logistics", 2025), abs=1e-3
    )
    # the 2030 target counts new- and clean-energy additions, not NEV only
    assert by_id["new_vehicle_nev_share_2030"]["value"] == pytest.approx(
        tr.new_clean_share_pct(2030), abs=1e-3
    )
    assert by_id["hydrogen_vehicles_scaled"]["target"] == 10000
    assert by_id["charging_hydrogen_network"]["target"] == 700000


def test_co2_intensity_by_hand() -> None:
    """Bus only: diesel 32.6 L/100 km x 2.68 kg/L vs BEV 1.242 kWh/km (battery side) / 0.9 x
    0.6361 kg/kWh (vehicle_specs.csv, emission_factors.csv), mixed in the modelled NEV shares of
    2020 and 2030; a pandemic load factor 0.5 in 2020 doubles the 2020 intensity.
    1.242 / 0.9 = 1.38 kWh/km at the grid, Zhou et al.'s plug-side figure."""
    tr = project_transition()
    i20, i30 = list(tr.years).index(2020), list(tr.years).index(2030)
    bus = tr.segments["bus"]
    f20, f30 = bus.nev_stock[i20] / bus.stock[i20], bus.nev_stock[i30] / bus.stock[i30]
    ice, bev = 0.326 * 2.68, 1.242 / 0.9 * 0.6361
    expected = 100 * ((f30 * bev + (1 - f30) * ice) / (f20 * bev + (1 - f20) * ice) - 1)
    w = {"bus": 1.0}
    ef = {"grid_kg_per_kwh": 0.6361, "diesel_kg_per_l": 2.68}
    got = operating_co2_intensity_change_pct(
        tr, 2030, reference_year=2020, turnover_weights=w, emission_factors=ef
    )
    assert got == pytest.approx(expected, rel=1e-9)
    absolute = operating_co2_intensity_kg_per_tkm(
        tr, 2030, turnover_weights=w, emission_factors=ef
    )
    assert absolute == pytest.approx((f30 * bev + (1 - f30) * ice) / (15.0 * 0.1), rel=1e-9)
    halved = operating_co2_intensity_change_pct(
        tr, 2030, reference_year=2020, turnover_weights=w, emission_factors=ef,
        reference_load_factors={"bus": 0.5},
    )
    assert halved == pytest.approx(100 * ((1 + expected / 100) / 2 - 1), rel=1e-9)
    # zero-emission electricity: only the remaining diesel share emits
    clean = operating_co2_intensity_change_pct(tr, 2030, reference_year=2020, turnover_weights=w,
                                               emission_factors={"grid_kg_per_kwh": 0.0})
    assert clean == pytest.approx(100 * ((1 - f30) / (1 - f20) - 1), rel=1e-9)
    # a grid factor by year is interpolated
    by_year = operating_co2_intensity_kg_per_tkm(
        tr, 2030, turnover_weights=w,
        emission_factors={"grid_kg_per_kwh": {2020: 0.8, 2040: 0.4}, "diesel_kg_per_l": 2.68},
    )
    assert by_year == pytest.approx((f30 * 1.242 / 0.9 * 0.6 + (1 - f30) * ice) / 1.5, rel=1e-9)


def test_simulated_turnover_weights_segments() -> None:
    """GIVEN a simulation summary with bus and taxi distances THEN the weights change the value
    and the trace says where the weights came from."""
    summary = {"by_type": {"bus": {"distance_km": 1000.0}, "taxi": {"distance_km": 5000.0}}}
    rows = {r["id"]: r for r in evaluate_targets(simulation=summary)}
    base = {r["id"]: r for r in evaluate_targets()}
    row = rows["operating_co2_intensity_2030"]
    assert row["value"] != pytest.approx(base["operating_co2_intensity_2030"]["value"])
    weights = next(t for t in row["trace"] if t["input"] == "turnover_weights")
    assert weights["value"] == "simulation"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_cli_with_scenario_levers(tmp_path: Path) -> None:
    """GIVEN all new sanitation vehicles NEV from 2021 in the scenario THEN that row is on track."""
    p = _write(
        tmp_path,
        'name = "t"\nseed = 1\n[transition.new_nev_share_pct.sanitation]\n2021 = 100\n'
        "[mode_share]\nband_samples = 20\nparking_price_index = 1.5\n",
    )
    res = CliRunner().invoke(app, ["targets", str(p), "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    assert rows["sanitation_new_nev_share_2025"]["value"] == pytest.approx(100.0)
    assert rows["sanitation_new_nev_share_2025"]["status"] == "on_track"


def test_cli_bad_scenario_exits_2_with_key_path(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "[transition.new_nev_share_pct.bus]\n2025 = 140\n[mode_share]\nrail_network_km = -1\n",
    )
    res = CliRunner().invoke(app, ["targets", str(p), "--json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert "transition.new_nev_share_pct.bus.2025" in res.stderr
    assert "mode_share.rail_network_km" in res.stderr
    assert "Traceback" not in res.stderr


def test_simulated_fleet_is_traced_not_echoed(data_dir: Path) -> None:
    """GIVEN a simulated fleet of one battery and one diesel sanitation truck, one battery van and
    one exempt diesel van THEN the city rows keep the stock-flow values (a demo fleet's own
    powertrains are not the city's) and the simulated shares appear in the trace: 50 % and 100 %."""
    from fleetopt.api import run_scenario

    sim = run_scenario(data_dir / "targets" / "scenario.toml")
    rows = {r["id"]: r for r in evaluate_targets(simulation=sim)}
    base = {r["id"]: r for r in evaluate_targets()}
    for tid, expected in (("sanitation_new_nev_share_2025", 50.0),
                          ("light_logistics_nev_share_2025", 100.0)):
        assert rows[tid]["value"] == pytest.approx(base[tid]["value"])
        sim_trace = [t for t in rows[tid]["trace"] if t["input"].startswith("simulated_")]
        assert sim_trace[0]["value"] == pytest.approx(expected)


def test_cli_calibration_json() -> None:
    res = CliRunner().invoke(app, ["targets", "--calibration", "--json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    obs = {(r["segment"], r["time_year"]): r["observed"] for r in doc["transition"]}
    assert obs[("all", 2022.0)] == 507000
    assert obs[("all", 2024.5)] == 870000
    assert {r["mode"] for r in doc["mode_share"]} == {"green", "bike", "walk"}
    assert all(abs(r["error_pct"]) <= 2 for r in doc["transition"])
    # the hindcast: fitted up to 2019, predicting the published later years
    assert {r["year"] for r in doc["hindcast"]} >= {2020, 2022}
    assert all(abs(r["error_points"]) <= 3.5 for r in doc["hindcast"])
