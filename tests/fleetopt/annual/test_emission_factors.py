"""The scenario year and emission factors by year (CONTRACT §6): interpolation, defaults, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt import defaults
from fleetopt.cli import app
from fleetopt.errors import InputError
from fleetopt.inputs import emission_factors as ef
from fleetopt.inputs.scenario import (
    EMISSION_KEYS,
    check_scenario_dict,
    default_emission_factors,
    scenario_from_dict,
)

runner = CliRunner()

BASE = """name = "ef"
network = "beijing-central-2024"
"""


def _scenario(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(BASE + text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2025, 0.6), (2019, 0.8), (2031, 0.4), (2020, 0.8), (2030, 0.4), (2022, 0.72)],
)
def test_interpolation_by_year_by_hand(year: int, expected: float) -> None:
    """GIVEN {2020 = 0.8, 2030 = 0.4} THEN linear between (2025: 0.6, 2022: 0.72), the nearest
    listed value outside (2019: 0.8, 2031: 0.4) and exactly a listed year's value."""
    assert ef.interpolate_by_year({2020: 0.8, 2030: 0.4}, year) == pytest.approx(
        expected, abs=1e-12
    )


def test_by_year_table_in_a_scenario_resolves_to_a_float() -> None:
    """GIVEN year = 2025 and grid {"2020" = 0.8, "2030" = 0.4} (TOML keys are strings) THEN
    Scenario.emission_factors holds the float 0.6 and Scenario.year is 2025."""
    d = {"year": 2025, "emission_factors": {"grid_kg_per_kwh": {"2020": 0.8, "2030": 0.4}}}
    sc = scenario_from_dict(d, base_dir=".")
    assert sc.year == 2025
    assert sc.emission_factors["grid_kg_per_kwh"] == pytest.approx(0.6)
    assert all(isinstance(v, float) for v in sc.emission_factors.values())
    assert set(sc.emission_factors) == set(EMISSION_KEYS)


def test_default_grid_factor_follows_the_published_series_and_projection() -> None:
    """The North China default is the published 0.6776 (2022) and 0.6361 (2023), the nearest
    published value before 2022, and the documented projection (with a band) after 2023."""
    assert ef.grid_factor(2022, "north_china") == 0.6776
    assert ef.grid_factor(2023, "north_china") == 0.6361
    assert ef.grid_factor(2015, "north_china") == 0.6776
    assert ef.grid_factor(2030, "north_china") == pytest.approx(0.6361 * 0.98**7, abs=1e-4)
    assert ef.grid_factor(2030, "north_china", "low") < ef.grid_factor(2030, "north_china")
    assert ef.grid_factor(2030, "north_china", "high") == 0.6361
    assert ef.grid_factor(2021, "national") == 0.5568
    sc = scenario_from_dict({"year": 2022}, base_dir=".")
    assert sc.emission_factors["grid_kg_per_kwh"] == 0.6776
    sc = scenario_from_dict({"year": 2022, "options": {"grid_region": "national"}}, base_dir=".")
    assert sc.emission_factors["grid_kg_per_kwh"] == 0.5366


def test_default_year_is_the_table_row_and_hydrogen_is_a_sourced_pathway() -> None:
    """No year: the simulation_options.csv row (2023, the latest published grid year); hydrogen
    is the default pathway's value, never 0; a pathway option switches it."""
    sc = scenario_from_dict({}, base_dir=".")
    assert sc.year == int(defaults.value("simulation_options", "year")) == 2023
    assert sc.emission_factors["grid_kg_per_kwh"] == 0.6361
    h2 = defaults.value("hydrogen_pathways", "hydrogen_kg_per_kg", pathway="industrial_byproduct")
    assert sc.emission_factors["hydrogen_kg_per_kg"] == h2 > 0
    coal = scenario_from_dict({"options": {"hydrogen_pathway": "coal_gasification"}}, base_dir=".")
    assert coal.emission_factors["hydrogen_kg_per_kg"] == 19.0


def test_grid_electrolysis_is_kwh_per_kg_times_the_grid_factor_of_the_year() -> None:
    """Grid electrolysis: 55 kWh/kg x the grid factor of the scenario's year and region."""
    d = {"year": 2022, "options": {"hydrogen_pathway": "grid_electrolysis"}}
    sc = scenario_from_dict(d, base_dir=".")
    assert sc.emission_factors["hydrogen_kg_per_kg"] == pytest.approx(55.0 * 0.6776)


def test_tank_to_wheel_counts_the_exhaust_only_and_overrides_win() -> None:
    """tank_to_wheel: grid and hydrogen 0, fuels unchanged; an explicit factor always wins."""
    sc = scenario_from_dict({"options": {"emission_scope": "tank_to_wheel"}}, base_dir=".")
    assert sc.emission_factors["grid_kg_per_kwh"] == 0.0
    assert sc.emission_factors["hydrogen_kg_per_kg"] == 0.0
    assert sc.emission_factors["diesel_kg_per_l"] == 2.68
    d = {
        "options": {"emission_scope": "tank_to_wheel"},
        "emission_factors": {"grid_kg_per_kwh": 0.5},
    }
    assert scenario_from_dict(d, base_dir=".").emission_factors["grid_kg_per_kwh"] == 0.5
    assert default_emission_factors(2023, scope="tank_to_wheel")["grid_kg_per_kwh"] == 0.0


@pytest.mark.parametrize(
    ("d", "column"),
    [
        (
            {"emission_factors": {"grid_kg_per_kwh": {"20x0": 0.5}}},
            "emission_factors.grid_kg_per_kwh.20x0",
        ),
        (
            {"emission_factors": {"grid_kg_per_kwh": {"2020": "a"}}},
            "emission_factors.grid_kg_per_kwh.2020",
        ),
        (
            {"emission_factors": {"grid_kg_per_kwh": {"2020": -1}}},
            "emission_factors.grid_kg_per_kwh.2020",
        ),
        ({"emission_factors": {"diesel_kg_per_l": {}}}, "emission_factors.diesel_kg_per_l"),
        ({"emission_factors": {"diesel_kg_per_l": "x"}}, "emission_factors.diesel_kg_per_l"),
        ({"year": 2030.5}, "year"),
        ({"year": "2030"}, "year"),
        ({"year": 1999}, "year"),
        ({"year": True}, "year"),
        ({"options": {"grid_region": "mars"}}, "options.grid_region"),
        ({"options": {"emission_scope": "cradle"}}, "options.emission_scope"),
        ({"options": {"hydrogen_pathway": "magic"}}, "options.hydrogen_pathway"),
        ({"options": {"weekend_demand_factor": 0}}, "options.weekend_demand_factor"),
    ],
)
def test_bad_years_and_tables_are_located(d: dict[str, object], column: str) -> None:
    """Each bad year, by-year table or option is one problem naming its dotted key."""
    problems = check_scenario_dict(d, file="s.toml")
    assert [p.column for p in problems] == [column], problems
    with pytest.raises(InputError):
        scenario_from_dict(d, base_dir=".", file="s.toml")


@pytest.mark.parametrize("command", [["simulate"], ["validate", "--kind", "scenario"], ["targets"]])
def test_bad_by_year_key_exits_2_from_every_command(tmp_path: Path, command: list[str]) -> None:
    """A non-numeric year in a by-year table: exit 2 from simulate, validate and targets, the
    message naming the dotted key, no traceback."""
    p = _scenario(tmp_path, "[emission_factors]\ngrid_kg_per_kwh = {2020 = 0.8, 20x0 = 0.4}\n")
    res = runner.invoke(app, [*command, str(p), "--json"])
    text = res.stdout + res.stderr
    if command[0] == "validate":  # validate reports through its JSON document, exit 2
        assert res.exit_code == 2, text
        doc = json.loads(res.stdout)
        assert any(e["column"] == "emission_factors.grid_kg_per_kwh.20x0" for e in doc["errors"])
    else:
        assert res.exit_code == 2, text
        assert "emission_factors.grid_kg_per_kwh.20x0" in text
    assert "Traceback" not in text


def test_non_integer_year_exits_2(tmp_path: Path) -> None:
    """year = 2030.5 exits 2 from simulate naming the key `year`."""
    p = _scenario(tmp_path, "year = 2030.5\n")
    res = runner.invoke(app, ["simulate", str(p), "--json"])
    assert res.exit_code == 2
    assert "year" in res.stderr


def test_low_and_high_defaults_give_the_band() -> None:
    """The band of the defaults: projected grid years and the hydrogen pathway have a range;
    published years and fixed factors have low = value = high."""
    low = default_emission_factors(2030, column="low")
    mid = default_emission_factors(2030)
    high = default_emission_factors(2030, column="high")
    assert low["grid_kg_per_kwh"] < mid["grid_kg_per_kwh"] < high["grid_kg_per_kwh"] == 0.6361
    assert (low["hydrogen_kg_per_kg"], high["hydrogen_kg_per_kg"]) == (1.3, 9.8)
    assert low["diesel_kg_per_l"] == mid["diesel_kg_per_l"] == high["diesel_kg_per_l"] == 2.68
    pub = default_emission_factors(2023, column="low")
    assert pub["grid_kg_per_kwh"] == 0.6361
