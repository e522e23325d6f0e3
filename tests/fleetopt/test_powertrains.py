"""The powertrain table: one definition of names, carriers, result columns, NEV and clean energy."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetopt import defaults, powertrains
from fleetopt.demand import _common as demand_common
from fleetopt.domain.emissions import co2_kg
from fleetopt.errors import InputError
from fleetopt.inputs import default_demand, schedules, vehicles
from fleetopt.inputs.scenario import EMISSION_KEYS, default_emission_factors
from fleetopt.inputs.schedules import read_trips
from fleetopt.results import targets

HEADER = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,"
    "origin_lon,origin_lat,destination_lon,destination_lat"
)


def test_contract_powertrains_in_table_order() -> None:
    """CONTRACT §6: eight powertrains; the old import places give the same tuple."""
    assert powertrains.POWERTRAINS == (
        "diesel", "gasoline", "cng", "lng", "hev", "phev", "bev", "fcev"
    )
    assert vehicles.POWERTRAINS is powertrains.POWERTRAINS
    assert schedules.POWERTRAINS is powertrains.POWERTRAINS
    assert default_demand.POWERTRAINS is powertrains.POWERTRAINS
    assert demand_common.POWERTRAINS is powertrains.POWERTRAINS


def test_nev_is_china_definition_and_clean_energy_is_gas_and_hybrids() -> None:
    """NEV = bev, phev, fcev (MIIT Order 39); clean energy (not NEV) = cng, lng, hev."""
    assert {"bev", "phev", "fcev"} == powertrains.NEV
    assert {"cng", "lng", "hev"} == powertrains.CLEAN_ENERGY
    assert {"bev", "phev", "fcev", "cng", "lng", "hev"} == powertrains.NEW_OR_CLEAN
    assert set(targets.NEV_POWERTRAINS) == powertrains.NEV
    assert {"bev", "phev"} == powertrains.BATTERY
    assert {"fcev"} == powertrains.HYDROGEN


@pytest.mark.parametrize(
    ("pt", "column", "rate", "carriers"),
    [
        ("diesel", "diesel_l", "l_per_100km", ("diesel",)),
        ("gasoline", "gasoline_l", "l_per_100km", ("gasoline",)),
        ("hev", "gasoline_l", "l_per_100km", ("gasoline",)),
        ("phev", "gasoline_l", "l_per_100km", ("electricity", "gasoline")),
        ("cng", "cng_kg", "kg_per_100km", ("natural_gas",)),
        ("lng", "lng_kg", "kg_per_100km", ("natural_gas",)),
        ("fcev", "hydrogen_kg", "kg_per_100km", ("hydrogen",)),
        ("bev", None, None, ("electricity",)),
    ],
)
def test_fuel_column_rate_and_carriers(
    pt: str, column: str | None, rate: str | None, carriers: tuple[str, ...]
) -> None:
    """Each powertrain's fuel goes to one result column at one spec rate."""
    assert powertrains.fuel_column(pt) == column
    assert powertrains.fuel_rate_name(pt) == rate
    assert powertrains.carriers(pt) == carriers


def test_labels_and_unknown_names() -> None:
    """Labels in English and Chinese; an unknown name or language is an InputError with choices."""
    assert powertrains.label("phev", "zh") == "插电混动"
    assert powertrains.label("bev") == "Battery-electric (BEV)"
    with pytest.raises(InputError, match="allowed: diesel"):
        powertrains.label("steam")
    with pytest.raises(InputError, match="en, zh"):
        powertrains.label("bev", "fr")


def test_every_row_is_sourced_and_every_spec_pair_is_a_known_powertrain() -> None:
    """Every powertrain row has a source and a year; every vehicle-spec pair names known values."""
    df = defaults.load_reference("powertrains", ("powertrain",))
    assert (df["source"].str.len() > 10).all()
    assert df["year"].str.fullmatch(r"\d{4}").all()
    pairs = vehicles.available_combinations()
    assert {p for _, p in pairs} == set(powertrains.POWERTRAINS)
    assert {t for t, _ in pairs} == set(vehicles.VEHICLE_TYPES)
    for vt, pt in [("bus", "lng"), ("bus", "phev"), ("bus", "hev"), ("taxi", "phev"),
                   ("taxi", "hev"), ("delivery", "phev"), ("delivery", "hev")]:
        assert (vt, pt) in pairs
    assert ("taxi", "lng") not in pairs


def test_phev_spec_is_a_battery_vehicle_that_burns_gasoline() -> None:
    """A default phev charges (battery > 0) and burns gasoline; an hev only burns gasoline."""
    phev = vehicles.default_spec("taxi", "phev")
    assert phev.is_battery
    assert phev.is_plugin_hybrid
    assert not phev.is_hydrogen
    assert phev.battery_kwh > 0
    assert phev.l_per_100km > 0
    assert phev.fuel_per_100km == phev.l_per_100km
    hev = vehicles.default_spec("taxi", "hev")
    assert not hev.is_battery
    assert not hev.is_plugin_hybrid
    assert hev.fuel_per_100km == hev.l_per_100km
    assert vehicles.default_spec("bus", "lng").fuel_per_100km == 31.8


def test_lng_emission_factor_is_a_sourced_default() -> None:
    """lng_kg_per_kg = 2.75 kg/kg from emission_factors.csv, a scenario key, and used by co2_kg."""
    assert "lng_kg_per_kg" in EMISSION_KEYS
    p = defaults.params("emission_factors")["lng_kg_per_kg"]
    assert p.value == 2.75
    assert "IPCC" in p.source
    assert default_emission_factors()["lng_kg_per_kg"] == 2.75
    ef = {"grid_kg_per_kwh": 0.5, "diesel_kg_per_l": 2.68, "gasoline_kg_per_l": 2.3,
          "hydrogen_kg_per_kg": 0.0, "cng_kg_per_kg": 2.75}
    assert float(co2_kg(lng_kg=10.0, factors={**ef, "lng_kg_per_kg": 3.0})) == pytest.approx(30.0)
    # a factors mapping without the key takes the cited default
    assert float(co2_kg(lng_kg=10.0, gasoline_l=1.0, factors=ef)) == pytest.approx(27.5 + 2.3)


def test_vehicle_spec_ranges_are_kept_by_the_loader() -> None:
    """low / high columns: kept in params() rows and default_ranges(); blank = no range."""
    rows = defaults.params("vehicle_specs", vehicle_type="bus", powertrain="bev")
    assert (rows["kwh_per_km"].low, rows["kwh_per_km"].high) == (1.242, 1.575)
    assert rows["initial_soc"].low is None
    assert rows["initial_soc"].high is None
    rng = vehicles.default_ranges("bus", "bev")
    assert rng["kwh_per_km"] == (1.242, 1.575)
    assert "initial_soc" not in rng
    df = defaults.load_table("vehicle_specs")
    both = df["low"].notna() & df["high"].notna()
    assert (df["low"].notna() == df["high"].notna()).all()
    num = df[both]
    assert (num["low"] <= num["value"].astype(float)).all()
    assert (num["value"].astype(float) <= num["high"]).all()
    # every rate and capacity that changes a verdict has a range
    rates = df["name"].isin(
        ["kwh_per_km", "l_per_100km", "kg_per_100km", "battery_kwh", "tank_kg", "idle_kw"]
    )
    assert both[rates].all(), df.loc[rates & ~both, ["vehicle_type", "powertrain", "name"]]


@pytest.mark.parametrize(
    ("word", "pt"),
    [("插电混动", "phev"), ("混动", "hev"), ("油电混合", "hev"), ("液化天然气", "lng"),
     ("LNG", "lng")],
)
def test_chinese_powertrain_words_are_read(tmp_path: Path, word: str, pt: str) -> None:
    """Trips files may name powertrains in Chinese (or LNG in capitals)."""
    p = tmp_path / "t.csv"
    p.write_text(
        HEADER + f"\nb1,公交,{word},t1,06:00,07:00,116.40,39.91,116.41,39.92\n", encoding="utf-8"
    )
    assert list(read_trips(p)["powertrain"]) == [pt]
