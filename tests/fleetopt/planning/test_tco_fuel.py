"""Fuel cost of a planned day, per powertrain, from the powertrain table's fuel column."""

from __future__ import annotations

import pytest

from fleetopt.inputs.costs import resolve_costs
from fleetopt.inputs.vehicles import resolve_spec
from fleetopt.planning.tco import daily_fuel_cost_cny


@pytest.mark.parametrize(
    ("vtype", "pt", "rate", "price"),
    [
        ("bus", "diesel", "l_per_100km", "diesel_cny_per_l"),
        ("bus", "lng", "kg_per_100km", "lng_cny_per_kg"),
        ("bus", "cng", "kg_per_100km", "cng_cny_per_kg"),
        ("bus", "hev", "l_per_100km", "gasoline_cny_per_l"),
        ("bus", "fcev", "kg_per_100km", "hydrogen_cny_per_kg"),
        ("taxi", "gasoline", "l_per_100km", "gasoline_cny_per_l"),
    ],
)
def test_fuel_cost_is_km_times_rate_times_price(vtype: str, pt: str, rate: str, price: str) -> None:
    """GIVEN 200 km of a fuel powertrain THEN cost = 200 x its rate / 100 x its fuel's price
    (an LNG bus burns kg of LNG at the LNG price, not litres of diesel)."""
    spec = resolve_spec(vtype, pt, {})
    costs = resolve_costs({}, vtype, pt)
    expected = 200.0 * float(getattr(spec, rate)) / 100.0 * costs[price]
    assert expected > 0
    assert daily_fuel_cost_cny(spec, 200.0, costs) == pytest.approx(expected, rel=1e-12)


def test_battery_electric_has_no_fuel_cost() -> None:
    """GIVEN a BEV THEN its fuel cost is 0 (its energy is the charging schedule's cost)."""
    spec = resolve_spec("bus", "bev", {})
    assert daily_fuel_cost_cny(spec, 200.0, resolve_costs({}, "bus", "bev")) == 0.0


def test_plan_of_an_lng_fleet_prices_its_fuel(tmp_path) -> None:
    """GIVEN one LNG bus running two 20 km trips WHEN planned (CLI) THEN exit 0, one vehicle,
    and its life-cycle cost beside BEV, diesel and FCEV (LNG had no cost defaults: exit 1)."""
    import json

    from typer.testing import CliRunner

    from fleetopt.cli import app

    (tmp_path / "trips.csv").write_text(
        "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
        "destination_lon,destination_lat,distance_km\n"
        "b1,bus,lng,t1,06:00,07:00,116.40,39.91,116.40,39.91,20\n"
        "b1,bus,lng,t2,08:00,09:00,116.40,39.91,116.40,39.91,20\n", encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'name = "lng"\nnetwork = "beijing-central-2024"\n[[fleets]]\ntrips = "trips.csv"\n'
        '[[stations]]\nid = "depot-A"\nkind = "depot"\nlon = 116.40\nlat = 39.91\nplugs = 1\n'
        "plug_kw = 100\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["plan", str(tmp_path / "s.toml"), "--json", "--no-compare"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["vehicles_needed"] == {"bus": 1}
    assert set(doc["tco"]["bus"]) >= {"lng", "bev", "diesel"}
    assert doc["tco"]["bus"]["lng"]["npv_cny"] > 0
