"""Build tiny trips files and scenarios for the simulation tests (constants and line helpers)."""

from __future__ import annotations

import copy
from pathlib import Path
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




#: Three points of central Beijing for taxi tests [deg].
TAXI_A = (116.3975, 39.9087)  # near Tiananmen
TAXI_B = (116.4342, 39.9320)  # Dongzhimen side
TAXI_C = (116.3600, 39.9400)  # Xicheng north-west


def requests_csv(rows: list[tuple[str, str, tuple[float, float], tuple[float, float]]]) -> str:
    """A requests file: one ``(request_id, departure, origin, destination)`` per row."""
    out = ["request_id,departure,origin_lon,origin_lat,destination_lon,destination_lat"]
    out += [f"{rid},{dep},{o[0]},{o[1]},{d[0]},{d[1]}" for rid, dep, o, d in rows]
    return "\n".join(out) + "\n"


def taxi_scenario(tmp_path: Path, requests: str, **fleet: Any) -> dict[str, Any]:
    """A scenario of one BEV taxi fleet serving ``requests`` (written to ``req.csv``).

    0.15 kWh/km, 50 kWh battery, 60 kW charging without losses; one public 60 kW plug
    at (LON, LAT). ``fleet`` adds fleet keys (``size``, ``start`` ...).
    """
    (tmp_path / "req.csv").write_text(requests, encoding="utf-8")
    d = copy.deepcopy(BASE)
    d["fleets"] = [{"requests": "req.csv", "type": "taxi", "powertrain": "bev", **fleet}]
    d["vehicle_types"] = {
        "taxi": {
            "bev": {
                "energy_model": "constant",
                "charging_curve": "constant",
                "kwh_per_km": 0.15,
                "battery_kwh": 50,
                "max_charge_kw": 60,
                "charge_efficiency": 1.0,
            }
        }
    }
    d["stations"] = [
        {"id": "P", "kind": "public", "lon": LON, "lat": LAT, "plugs": 1, "plug_kw": 60}
    ]
    return d
