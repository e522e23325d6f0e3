"""Scenario TOML: reading, base inheritance, and located checks of every key (all at once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetopt.errors import InputError
from fleetopt.inputs.scenario import check_scenario_dict, load_scenario_dict, read_scenario

GOOD = """
name = "example"
seed = 7
ambient_temperature_c = 20
network = "beijing-central-2024"

[emission_factors]
grid_kg_per_kwh = 0.6361
diesel_kg_per_l = 2.68
gasoline_kg_per_l = 2.30
hydrogen_kg_per_kg = 0.0

[[fleets]]
trips = "trips.csv"

[vehicle_types.bus.bev]
battery_kwh = 100
kwh_per_km = 1.0
energy_model = "constant"
max_charge_kw = 100
charging_curve = "constant"
charge_efficiency = 1.0
initial_soc = 1.0
min_soc = 0.0

[vehicle_types.bus.diesel]
l_per_100km = 30.0

[[stations]]
id = "depot-A"
kind = "depot"
lon = 116.40
lat = 39.91
plugs = 1
plug_kw = 100
"""


def _write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def test_contract_example_reads(tmp_path: Path) -> None:
    """GIVEN the CONTRACT §4 example THEN a Scenario of its values, cited defaults for the rest."""
    _write(tmp_path, "trips.csv", "x\n")
    sc = read_scenario(_write(tmp_path, "s.toml", GOOD))
    assert (sc.name, sc.seed, sc.ambient_temperature_c, sc.network) == (
        "example",
        7,
        20.0,
        "beijing-central-2024",
    )
    assert sc.emission_factors["grid_kg_per_kwh"] == 0.6361
    assert sc.emission_factors["cng_kg_per_kg"] == 2.75  # default from the table
    assert sc.fleets[0].source == "trips"
    assert sc.fleets[0].path == tmp_path / "trips.csv"
    assert sc.vehicle_types["bus"]["bev"]["battery_kwh"] == 100
    assert list(sc.stations["id"]) == ["depot-A"]
    assert int(sc.stations["plugs"].iat[0]) == 1
    assert sc.options.charging == "immediate"
    assert sc.options.station_radius_m == 100.0
    assert sc.options.passenger_km_factor == 0.1
    assert sc.raw["seed"] == 7


def test_every_problem_is_reported_at_once_with_its_key_path(tmp_path: Path) -> None:
    """GIVEN five mistakes THEN five problems, each with its dotted key path and allowed values."""
    bad = (
        GOOD.replace("seed = 7", "seed = 7\nspeed = 3")
        .replace("battery_kwh = 100", "battery_kwh = -1")
        .replace('kind = "depot"', 'kind = "garage"')
        .replace("[vehicle_types.bus.diesel]", "[vehicle_types.bus.steam]")
        + '\n[options]\ncharging = "cheapest"\n'
    )
    problems = check_scenario_dict(
        load_scenario_dict(_write(tmp_path, "s.toml", bad)), file="s.toml"
    )
    cols = sorted(p.column for p in problems)
    assert cols == [
        "options.charging",
        "speed",
        "stations.0.kind",
        "vehicle_types.bus.bev.battery_kwh",
        "vehicle_types.bus.steam",
    ]
    msg = {p.column: p.message for p in problems}
    assert "allowed: base, name" in msg["speed"]
    assert "depot, public, swap, hydrogen" in msg["stations.0.kind"]
    assert "immediate, smart" in msg["options.charging"]
    assert all(p.file == "s.toml" for p in problems)


def test_read_scenario_raises_input_error_listing_problems(tmp_path: Path) -> None:
    """An unknown vehicle parameter is an InputError whose problem names it and the allowed ones."""
    p = _write(tmp_path, "s.toml", GOOD.replace("min_soc = 0.0", "min_soc = 0.0\nbatery_kwh = 5"))
    with pytest.raises(InputError) as e:
        read_scenario(p)
    (prob,) = e.value.problems
    assert prob.column == "vehicle_types.bus.bev.batery_kwh"
    assert "battery_kwh" in prob.message


def test_base_inheritance_deep_merges_relative_to_the_file(tmp_path: Path) -> None:
    """GIVEN sub/child.toml with base = "../base.toml" overriding one spec value
    THEN tables merge key by key and the base's relative trips path still points at its file."""
    _write(tmp_path, "trips.csv", "x\n")
    _write(tmp_path, "base.toml", GOOD)
    (tmp_path / "sub").mkdir()
    child = _write(
        tmp_path / "sub",
        "child.toml",
        'base = "../base.toml"\nname = "child"\n[vehicle_types.bus.bev]\nbattery_kwh = 300\n',
    )
    d = load_scenario_dict(child)
    assert "base" not in d
    assert d["name"] == "child"
    assert d["seed"] == 7
    assert d["vehicle_types"]["bus"]["bev"]["battery_kwh"] == 300
    assert d["vehicle_types"]["bus"]["bev"]["kwh_per_km"] == 1.0
    sc = read_scenario(child)
    assert sc.fleets[0].path.resolve() == (tmp_path / "trips.csv").resolve()


def test_base_loop_and_bad_toml_are_located(tmp_path: Path) -> None:
    """A base chain that loops, and a file that is not TOML, are InputErrors with the file."""
    a = _write(tmp_path, "a.toml", 'base = "b.toml"\n')
    _write(tmp_path, "b.toml", 'base = "a.toml"\n')
    with pytest.raises(InputError, match="loop"):
        load_scenario_dict(a)
    bad = _write(tmp_path, "bad.toml", "name = \n")
    with pytest.raises(InputError) as e:
        load_scenario_dict(bad)
    assert e.value.problems[0].file == str(bad.resolve())


def test_fleet_forms_and_powertrain_mix(tmp_path: Path) -> None:
    """Requests fleets need size; mixes must add up to 1; generators must be known."""
    d = {
        "fleets": [
            {"requests": "r.csv", "type": "taxi", "powertrain": {"bev": 0.8, "gasoline": 0.1}},
            {"generator": "beijing-tram", "size": 3},
            {"trips": "t.csv", "gtfs": "f.zip"},
            {"generator": "beijing-bus", "scale": 0.1, "powertrain": "steam"},
        ],
    }
    cols = sorted((p.column, p.message.split(";")[0]) for p in check_scenario_dict(d))
    assert ("fleets.0.powertrain", "powertrain shares must add up to 1, got 0.9") in cols
    assert ("fleets.0.size", "a requests fleet needs size (number of taxis)") in cols
    assert ("fleets.1.generator", "unknown generator 'beijing-tram'") in cols
    assert any(c == "fleets.2" for c, _ in cols)
    assert ("fleets.3.powertrain", "unknown powertrain 'steam'") in cols


def test_stations_file_and_missing_files_are_located(tmp_path: Path) -> None:
    """GIVEN stations = "st.csv" THEN it is read; a missing trips file is a located problem."""
    _write(tmp_path, "st.csv", "id,kind,lon,lat,plugs,plug_kw\nP1,public,116.39,39.90,4,60\n")
    text = 'stations = "st.csv"\n' + GOOD[: GOOD.index("[[stations]]")]
    text = text.replace('trips = "trips.csv"', 'trips = "nope.csv"')
    p = _write(tmp_path, "s.toml", text)
    with pytest.raises(InputError) as e:
        read_scenario(p)
    assert e.value.problems[0].column == "fleets.0.trips"
    _write(tmp_path, "nope.csv", "x\n")
    sc = read_scenario(p)
    assert list(sc.stations["kind"]) == ["public"]
    assert int(sc.stations["plugs"].iat[0]) == 4


def test_transition_and_mode_share_tables_are_checked_by_their_owners() -> None:
    """GIVEN bad [transition] and [mode_share] tables WHEN the scenario dict is checked THEN
    both are reported with their dotted keys and the file (checked in inputs, issue 13: no
    importlib reach into domain), and domain exposes the very same checks."""
    from fleetopt.domain import mode_share, transition
    from fleetopt.inputs import target_tables

    problems = check_scenario_dict(
        {"mode_share": {"no_such_lever": 1}, "transition": {"survival": {"taxi": {"x": 1}}}},
        file="s.toml",
    )
    cols = sorted(str(p.column) for p in problems)
    assert cols == ["mode_share.no_such_lever", "transition.survival.taxi.x"]
    assert {p.file for p in problems} == {"s.toml"}
    assert transition.check_transition_dict is target_tables.check_transition_dict
    assert mode_share.check_mode_share_dict is target_tables.check_mode_share_dict


def test_toml_syntax_error_is_located_by_line(tmp_path: Path) -> None:
    """GIVEN a scenario with a syntax error on line 3 WHEN read THEN the problem names line 3."""
    from fleetopt.errors import InputError
    from fleetopt.inputs.scenario import read_scenario

    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nseed = 1\nbad = = 3\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_scenario(path)
    assert [p.row for p in info.value.problems] == [3]
