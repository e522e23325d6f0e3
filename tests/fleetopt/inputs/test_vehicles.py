"""Vehicle specs: cited defaults per (type, powertrain), scenario overrides, unknown combos."""

from __future__ import annotations

import pytest

from fleetopt import defaults
from fleetopt.errors import InputError
from fleetopt.inputs.vehicles import (
    available_combinations,
    check_overrides,
    default_spec,
    resolve_spec,
)


def test_defaults_come_from_the_cited_table() -> None:
    """Diesel bus: Zhang et al. 2014's 32.6 L/100km; e-bus: Zhou et al. 2016's 1.38 kWh/km at the
    charger, converted once to the battery side (x 0.9 = 1.242 kWh/km)."""
    assert default_spec("bus", "diesel").l_per_100km == 32.6
    bev = default_spec("bus", "bev")
    assert bev.kwh_per_km == pytest.approx(1.38 * bev.charge_efficiency)
    assert bev.kwh_per_km == 1.242
    assert bev.is_battery
    assert not bev.is_hydrogen
    rows = defaults.params("vehicle_specs", vehicle_type="bus", powertrain="diesel")
    assert "Applied Energy" in rows["l_per_100km"].source
    assert rows["l_per_100km"].year == 2014


def test_every_row_has_unit_source_and_year() -> None:
    """Every default of every table the simulation owns carries unit, source and year."""
    for table in ("vehicle_specs", "emission_factors", "chargers", "tariffs", "temperature_factors",
                  "simulation_options"):
        df = defaults.load_table(table)
        assert df["source"].notna().all(), table
        assert (df["source"].str.len() > 3).all(), table
        assert df["unit"].notna().all(), table
        assert df["year"].notna().all(), table


def test_overrides_apply_and_are_checked() -> None:
    """Scenario overrides replace defaults; bad keys and values are located."""
    spec = resolve_spec(
        "bus", "bev", {"bus": {"bev": {"battery_kwh": 250, "energy_model": "constant"}}}
    )
    assert spec.battery_kwh == 250.0
    assert spec.energy_model == "constant"
    assert spec.kwh_per_km == 1.242
    probs = check_overrides(
        {"battery_kwh": "big", "min_soc": 1.5, "charging_curve": "cubic", "wheels": 6},
        prefix="vehicle_types.bus.bev",
    )
    assert sorted(p.column for p in probs) == [
        "vehicle_types.bus.bev.battery_kwh", "vehicle_types.bus.bev.charging_curve",
        "vehicle_types.bus.bev.min_soc", "vehicle_types.bus.bev.wheels"]


def test_unknown_type_or_combination_raises() -> None:
    """An unknown type, and a combination without a default spec, are InputErrors naming choices."""
    with pytest.raises(InputError, match="allowed: bus, taxi"):
        default_spec("tram", "bev")
    with pytest.raises(InputError, match="no default spec"):
        default_spec("bus", "gasoline")
    assert ("taxi", "bev") in available_combinations()
