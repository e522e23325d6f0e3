"""Build tiny trips files and scenarios for the simulation tests (constants and line helpers)."""

from __future__ import annotations

from typing import Any

#: A point in central Beijing (Tiananmen East area) on the default network [deg].
LON, LAT = 116.40, 39.91

HEADER = ("vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
          "destination_lon,destination_lat,distance_km")

BASE: dict[str, Any] = {
    "name": "t",
    "seed": 7,
    "ambient_temperature_c": 20,
    "network": "beijing-central-2024",
    "fleets": [{"trips": "trips.csv"}],
    "vehicle_types": {
        "bus": {
            "bev": {
                "battery_kwh": 100,
                "kwh_per_km": 1.0,
                "energy_model": "constant",
                "max_charge_kw": 100,
                "charging_curve": "constant",
                "charge_efficiency": 1.0,
                "initial_soc": 1.0,
                "min_soc": 0.0,
            },
            "diesel": {"l_per_100km": 30.0},
        }
    },
    "stations": [
        {"id": "depot-A", "kind": "depot", "lon": LON, "lat": LAT, "plugs": 1, "plug_kw": 100}
    ],
    "horizon": {"end": "24:00"},
}


def trip_line(
    vid: str,
    tid: str,
    dep: str,
    arr: str,
    km: float | str,
    *,
    pt: str = "bev",
    vtype: str = "bus",
    o: tuple[float, float] = (LON, LAT),
    d: tuple[float, float] = (LON, LAT),
) -> str:
    """One CSV line of the trips file."""
    return f"{vid},{vtype},{pt},{tid},{dep},{arr},{o[0]},{o[1]},{d[0]},{d[1]},{km}"


