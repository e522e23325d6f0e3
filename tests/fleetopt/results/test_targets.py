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
    assert {r["id"] for r in rows} >= CONTRACT_IDS
    assert len(rows) == 17  # every row of the MISSION table
    for r in rows:
        assert tuple(r) == ROW_KEYS
        assert r["status"] in STATUSES
        assert r["source"]
        if r["unit"] == "text":
            assert r["status"] == "no_data"
            assert r["value"] is None
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
    # no published sanitation or logistics fleet: no value unless a scenario gives a path
    assert by_id["sanitation_new_nev_share_2025"]["status"] == "no_data"
    assert by_id["light_logistics_nev_share_2025"]["status"] == "no_data"


def test_co2_intensity_by_hand() -> None:
    """Bus only: diesel 32.6 L/100 km x 2.68 kg/L vs BEV 1.242 kWh/km (battery side) / 0.9 x
    0.6361 kg/kWh (vehicle_specs.csv, emission_factors.csv), mixed in the modelled NEV shares of
    2020 and 2030. 1.242 / 0.9 = 1.38 kWh/km at the grid, Zhou et al.'s plug-side figure."""
    tr = project_transition()
    i20, i30 = list(tr.years).index(2020), list(tr.years).index(2030)
    bus = tr.segments["bus"]
    f20, f30 = bus.nev_stock[i20] / bus.stock[i20], bus.nev_stock[i30] / bus.stock[i30]
    ice, bev = 0.326 * 2.68, 1.242 / 0.9 * 0.6361
    expected = 100 * ((f30 * bev + (1 - f30) * ice) / (f20 * bev + (1 - f20) * ice) - 1)
    got = operating_co2_intensity_change_pct(tr, 2030, reference_year=2020)
    assert got == pytest.approx(expected, rel=1e-9)
    # zero-emission electricity: only the remaining diesel share emits
    clean = operating_co2_intensity_change_pct(tr, 2030, reference_year=2020,
                                               emission_factors={"grid_kg_per_kwh": 0.0})
    assert clean == pytest.approx(100 * ((1 - f30) / (1 - f20) - 1), rel=1e-9)


def test_simulated_turnover_weights_segments() -> None:
    """GIVEN a simulation summary with bus and taxi distances THEN both segments count."""
    tr = project_transition()
    only_bus = operating_co2_intensity_change_pct(tr, 2030, reference_year=2020)
    summary = {"by_type": {"bus": {"distance_km": 1000.0}, "taxi": {"distance_km": 5000.0}}}
    rows = {r["id"]: r for r in evaluate_targets(simulation=summary)}
    assert rows["operating_co2_intensity_2030"]["value"] != pytest.approx(only_bus)


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


def test_simulated_fleet_gives_sanitation_and_logistics_shares(data_dir: Path) -> None:
    """GIVEN a simulated fleet of one battery and one diesel sanitation truck, one battery van and
    one exempt diesel van THEN sanitation is 50 % new-energy and eligible delivery vans 100 %."""
    from fleetopt.api import run_scenario

    sim = run_scenario(data_dir / "targets" / "scenario.toml")
    rows = {r["id"]: r for r in evaluate_targets(simulation=sim)}
    assert rows["sanitation_new_nev_share_2025"]["value"] == pytest.approx(50.0)
    assert rows["sanitation_new_nev_share_2025"]["status"] == "off_track"
    assert rows["light_logistics_nev_share_2025"]["value"] == pytest.approx(100.0)
    assert rows["light_logistics_nev_share_2025"]["status"] == "on_track"
    # only delivery turnover was simulated and delivery has no transition path: no CO2 value
    assert rows["operating_co2_intensity_2030"]["status"] == "no_data"


def test_cli_calibration_json() -> None:
    res = CliRunner().invoke(app, ["targets", "--calibration", "--json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    obs = {(r["segment"], r["time_year"]): r["observed"] for r in doc["transition"]}
    assert obs[("all", 2022.0)] == 507000
    assert obs[("all", 2024.5)] == 870000
    assert {r["mode"] for r in doc["mode_share"]} == {"green", "bike", "walk"}
    assert all(abs(r["error_pct"]) <= 10 for r in doc["transition"])
