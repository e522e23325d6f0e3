"""Build small hand-checkable plan scenarios (constant energy, constant charging, efficiency 1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: Depot location in central Beijing (on the packaged beijing-central-2024 graph).
LON, LAT = 116.40, 39.91

TRIP_HEADER = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
    "destination_lon,destination_lat,distance_km,depot\n"
)


def trips_csv(rows: list[tuple[str, str, str, str, float]], powertrain: str = "bev") -> str:
    """Rows (vehicle_id, trip_id, departure, arrival, km): loops from and to the depot."""
    out = TRIP_HEADER
    for vid, tid, dep, arr, km in rows:
        out += (
            f"{vid},bus,{powertrain},{tid},{dep},{arr},{LON},{LAT},{LON},{LAT},{km},depot-A\n"
        )
    return out


def scenario_toml(
    *,
    prices: list[float] | None = None,
    battery_kwh: float = 100.0,
    vehicle_cny: float = 1_000_000.0,
    extra: str = "",
    plug_kw: float = 100.0,
) -> str:
    """A scenario: one depot with ``plug_kw`` plugs, bus/bev hand spec, tariff ``t``, costs."""
    prices = prices if prices is not None else [0.5] * 24
    return f"""
name = "hand"
seed = 1
network = "beijing-central-2024"
[[fleets]]
trips = "trips.csv"
[vehicle_types.bus.bev]
battery_kwh = {battery_kwh}
kwh_per_km = 1.0
energy_model = "constant"
max_charge_kw = 100
charging_curve = "constant"
charge_efficiency = 1.0
[[stations]]
id = "depot-A"
kind = "depot"
lon = {LON}
lat = {LAT}
plugs = 1
plug_kw = {plug_kw}
[tariffs.t]
hourly_cny_per_kwh = {prices}
[options]
tariff = "t"
[costs]
discount_rate = 0.05
plug_cny_per_kw = 1000
[costs.bus.bev]
vehicle_cny = {vehicle_cny}
life_years = 10
maintenance_cny_per_km = 0.5
subsidy_cny = 0
residual_share = 0.0
{extra}
"""


#: Four 60 km trips with 10 min layovers: a 100 kWh bus gains 16.7 kWh per layover.
HAND_TRIPS = [
    ("b1", "T1", "06:00", "07:00", 60.0),
    ("b1", "T2", "07:10", "08:10", 60.0),
    ("b1", "T3", "08:20", "09:20", 60.0),
    ("b1", "T4", "09:30", "10:30", 60.0),
]


@pytest.fixture
def make_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write trips and scenario files; return the scenario path."""

    def make(trips: list[tuple[str, str, str, str, float]] | None = None, **kw: Any) -> Path:
        d = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
        d.mkdir()
        pt = kw.pop("powertrain", "bev")
        (d / "trips.csv").write_text(trips_csv(trips or HAND_TRIPS, pt), encoding="utf-8")
        (d / "scenario.toml").write_text(scenario_toml(**kw), encoding="utf-8")
        return d / "scenario.toml"

    return make
