"""The embedded Beijing default demand's packaged inputs: files, parameters, default scenario.

The packaged inputs in ``fleetopt/data/demand/`` come from real data (see
``demand/PROVENANCE.md``; the build scripts are in the top-level ``demand/`` folder):

* ``bus_route_shapes_wgs84.csv.gz`` - 1,5xx real Beijing bus route shapes, converted to
  WGS84; ``generated_bus_lines.csv`` - per shape a service plan generated from the real
  service hours of ``bjbus_lines_2024`` with headways calibrated to the city's
  147,000 trips per day;
* ``taxi_link_activity_wgs84.csv.gz`` - hourly T-Drive taxi activity per road link
  (Feb 2008 weekdays), converted to WGS84;
* ``public_dc_stations_wgs84.csv`` - the 711 real public DC fast-charging stations,
  converted from GCJ-02 to WGS84.

This module only reads them (inputs is the layer that reads files); the generators that
turn them into trips and ride requests on a road network are the package
:mod:`fleetopt.demand` (one module per fleet type), called by :func:`fleetopt.case.load_case`.
The documented assumptions are in ``fleetopt/data/demand/demand_params.csv`` (every default
there has unit, source and year).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import pandas as pd

from fleetopt import settings
from fleetopt.defaults import value
from fleetopt.errors import InputError
from fleetopt.inputs.schedules import REQUEST_COLUMNS as _REQUEST_COLUMNS
from fleetopt.inputs.schedules import TRIP_COLUMNS as _TRIP_COLUMNS
from fleetopt.inputs.stations import read_stations, stations_from_records
from fleetopt.powertrains import POWERTRAINS

logger = logging.getLogger(__name__)

__all__ = [
    "KINDS",
    "POWERTRAINS",
    "REQUEST_COLUMNS",
    "TRIP_COLUMNS",
    "bus_plan",
    "bus_shapes",
    "default_scenario_path",
    "demand_param",
    "depot_stations",
    "peak_windows_s",
    "public_dc_stations",
    "taxi_activity",
]

#: Generator names accepted by :func:`fleetopt.demand.generate`.
KINDS = ("beijing-bus", "beijing-taxi", "beijing-sanitation", "beijing-delivery")

#: Canonical trips and requests columns of the readers, with the ``row`` number last.
TRIP_COLUMNS = (*_TRIP_COLUMNS, "row")
REQUEST_COLUMNS = (*_REQUEST_COLUMNS, "row")

#: Parameter-table name of the demand defaults (``fleetopt/data/demand/demand_params.csv``).
PARAM_TABLE = "demand/demand_params"

#: Vehicle-count parameter that ``scale = 1.0`` refers to, per kind.
CITY_SIZE_PARAM = {
    "beijing-bus": "buses_in_service_city",
    "beijing-taxi": "taxis_city",
    "beijing-sanitation": "sanitation_vehicles_city",
    "beijing-delivery": "delivery_vehicles_city",
}


# --------------------------------------------------------------------------- packaged data
def demand_param(name: str) -> float:
    """Return one numeric default of ``demand_params.csv`` (unit in the table).

    Parameters
    ----------
    name : str
        Parameter name, e.g. ``"bus_operating_speed_kph"``.

    Returns
    -------
    float
        The value in the table's unit.
    """
    return value(PARAM_TABLE, name)


def peak_windows_s() -> list[tuple[int, int]]:
    """Return the morning and evening peak windows [(start_s, end_s)] from the table."""
    return [
        (int(demand_param("peak_am_start_h") * 3600), int(demand_param("peak_am_end_h") * 3600)),
        (int(demand_param("peak_pm_start_h") * 3600), int(demand_param("peak_pm_end_h") * 3600)),
    ]


def default_scenario_path() -> Path:
    """Return the embedded default scenario ``fleetopt/data/scenarios/beijing-default.toml``."""
    return settings.DATA_DIR / "scenarios" / "beijing-default.toml"


def _demand_file(name: str) -> Path:
    path = settings.DEMAND_DIR / name
    if not path.is_file():
        msg = (
            f"packaged demand file {path} is missing; rebuild it with the scripts in demand/ "
            "(see demand/README.md)"
        )
        raise InputError(msg)
    return path


@cache
def bus_plan() -> pd.DataFrame:
    """Return the generated service plan per bus route shape (``generated_bus_lines.csv``)."""
    return pd.read_csv(
        _demand_file("generated_bus_lines.csv"), dtype={"line_id_ab": str, "line_id_ba": str}
    )


@cache
def bus_shapes() -> pd.DataFrame:
    """Return the real bus route shapes, WGS84 (``bus_route_shapes_wgs84.csv.gz``)."""
    return pd.read_csv(_demand_file("bus_route_shapes_wgs84.csv.gz"))


@cache
def taxi_activity() -> pd.DataFrame:
    """Return the hourly T-Drive taxi activity per road link, WGS84."""
    return pd.read_csv(_demand_file("taxi_link_activity_wgs84.csv.gz"))


def public_dc_stations() -> pd.DataFrame:
    """Return the 711 real public DC fast-charging stations of Beijing (WGS84).

    Positions are the published ones (liu-kx-ev/ev-charging-policy-map, Dec 2025),
    converted from GCJ-02 to WGS84. The data has no plug counts or powers: ``plugs``
    comes from ``demand_params.csv`` (public_dc_plugs_per_station) and ``plug_kw`` from
    ``chargers.csv`` (public plug_kw); both are marked ASSUMPTION there.

    Returns
    -------
    pandas.DataFrame
        Stations columns (``fleetopt.inputs.stations.STATION_COLUMNS``): ``id``, ``kind``
        (public), ``lon``, ``lat`` [deg], ``plugs``, ``plug_kw`` [kW], ...
    """
    return read_stations(_demand_file("public_dc_stations_wgs84.csv"))


def depot_stations(
    trips: pd.DataFrame, *, plugs: int | None = None, plug_kw: float | None = None
) -> pd.DataFrame:
    """Return one depot station per ``depot`` of a trips table, at its vehicles' first origin.

    Parameters
    ----------
    trips : pandas.DataFrame
        Canonical trips (as :func:`fleetopt.demand.generate` returns).
    plugs : int, optional
        Plugs per depot [plugs]; default one per vehicle based there.
    plug_kw : float, optional
        Power per plug [kW]; default ``chargers.csv`` depot plug_kw.

    Returns
    -------
    pandas.DataFrame
        Stations columns, ``kind = "depot"``, sorted by id.
    """
    if trips.empty:
        return stations_from_records([])
    kw = float(value("chargers", "plug_kw", kind="depot")) if plug_kw is None else float(plug_kw)
    firsts = trips.sort_values(["vehicle_id", "departure_s"]).groupby("vehicle_id").head(1)
    firsts = firsts[firsts["depot"].astype(str) != ""]
    records = []
    for depot, grp in firsts.groupby("depot", sort=True):
        records.append(
            {
                "id": str(depot),
                "kind": "depot",
                "lon": round(float(grp["origin_lon"].iloc[0]), 7),
                "lat": round(float(grp["origin_lat"].iloc[0]), 7),
                "plugs": int(plugs) if plugs is not None else int(grp["vehicle_id"].nunique()),
                "plug_kw": kw,
            }
        )
    return stations_from_records(records)
