"""Gather what an operator's plan needs from a scenario: trips, energy, places, deadheads, chargers.

One :class:`GroupProblem` per (vehicle type, powertrain) of the scenario's trip fleets.
Trips come from :func:`fleetopt.simulation.prepare.prepare` (road distances filled in,
end stations found within ``options.station_radius_m``). Trip ends and starts are
grouped into *places* (identical coordinates); deadheads between places are the
shortest road time and length on the scenario's graph, zero when two places lie within
the station radius of each other (as the simulation does) or when ``options.deadhead``
is off. A place is connected to no other place when the graph has no route.

Energy per drive is distance x ``kwh_per_km`` x the temperature factor (1 for
``energy_model = "constant"``) x the trip's speed factor; deadheads use factor 1 for speed.
Charging power at a station is min(``plug_kw``, ``max_charge_kw``) on the battery side
(the grid side is that divided by ``charge_efficiency``), constant over the stay: the
plan ignores the charging curve's taper (the simulator check of the plan does not).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from fleetopt.domain.energy import temperature_factor
from fleetopt.inputs.road_graph import RoadNetwork, haversine_m
from fleetopt.inputs.scenario import Scenario
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.simulation.prepare import MAX_SNAP_M, Prepared

logger = logging.getLogger(__name__)

__all__ = ["DAY_S", "GroupProblem", "build_groups"]

#: Length of the cyclic day [s].
DAY_S = 86400.0

#: Station kinds where a battery vehicle can plug in.
CHARGE_KINDS = ("depot", "public")


@dataclass
class GroupProblem:
    """The trips of one (vehicle type, powertrain) and everything needed to chain them.

    Attributes
    ----------
    vehicle_type, powertrain : str
        The group.
    spec : VehicleSpec
        The vehicle spec (scenario overrides applied).
    trips : pandas.DataFrame
        The group's prepared trips (index 0..n-1), in departure order.
    dep_s, arr_s : numpy.ndarray
        Departure and arrival of each trip [s].
    km : numpy.ndarray
        Trip distance [km].
    drive_kwh : numpy.ndarray
        Battery energy of each trip [kWh] (0 for a powertrain without a battery).
    kwh_per_km_dh : float
        Battery energy per deadhead km [kWh/km].
    end_station : numpy.ndarray
        Station index where each trip ends (-1: none).
    depot : numpy.ndarray
        Depot station index of each trip's input vehicle (-1: none).
    start_place, end_place : numpy.ndarray
        Place index of each trip's origin and destination.
    dh_s, dh_km : numpy.ndarray
        Deadhead time [s] and distance [km] from place (row) to place (column); inf when
        there is no route.
    station_place : numpy.ndarray
        Place index of each station.
    rate_kw : numpy.ndarray
        Battery-side charging power per station [kW] (0 where this group cannot charge).
    station_ids : numpy.ndarray
        Station ids.
    cap_kwh, min_kwh : float
        Usable battery size and reserve [kWh].
    battery : bool
        True when energy limits the chains (``bev``).
    plug_kw : numpy.ndarray
        Plug power per station [kW].
    charge_ok : numpy.ndarray
        True for stations where a battery vehicle can plug in (depot or public, plug_kw > 0).
    """

    vehicle_type: str
    powertrain: str
    spec: VehicleSpec
    trips: pd.DataFrame
    dep_s: np.ndarray
    arr_s: np.ndarray
    km: np.ndarray
    drive_kwh: np.ndarray
    kwh_per_km_dh: float
    end_station: np.ndarray
    depot: np.ndarray
    start_place: np.ndarray
    end_place: np.ndarray
    dh_s: np.ndarray
    dh_km: np.ndarray
    station_place: np.ndarray
    rate_kw: np.ndarray
    station_ids: np.ndarray
    cap_kwh: float
    min_kwh: float
    battery: bool
    plug_kw: np.ndarray
    charge_ok: np.ndarray

    @cached_property
    def trip_ids(self) -> np.ndarray:
        """Trip ids as a numpy array of str."""
        ids: np.ndarray = self.trips["trip_id"].astype(str).to_numpy(dtype=object)
        return ids

    @property
    def n(self) -> int:
        """Number of trips."""
        return len(self.dep_s)


def _places(
    lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (place index per point, place lon, place lat) of identical coordinates."""
    key = np.round(np.column_stack([lon, lat]), 7)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    return inv.reshape(-1), uniq[:, 0], uniq[:, 1]


def _deadheads(
    plon: np.ndarray,
    plat: np.ndarray,
    network: RoadNetwork | None,
    radius_m: float,
    enabled: bool,
    rows_used: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (time [s], length [km]) matrices between places (zero within the radius).

    Only rows marked in ``rows_used`` (places a vehicle leaves from: trip ends and
    stations) are searched on the road graph; the other rows stay inf.
    """
    m = plon.size
    if m == 0:
        return np.zeros((0, 0)), np.zeros((0, 0))
    near = haversine_m(plon[:, None], plat[:, None], plon[None, :], plat[None, :]) <= radius_m
    dh_s = np.zeros((m, m))
    dh_km = np.zeros((m, m))
    if not enabled or near.all():
        return dh_s, dh_km
    if network is None:
        # no graph: straight-line distance at 20 km/h (documented fallback)
        d_km = haversine_m(plon[:, None], plat[:, None], plon[None, :], plat[None, :]) / 1000.0
        dh_km = np.where(near, 0.0, d_km)
        dh_s = dh_km / 20.0 * 3600.0
        return dh_s, dh_km
    node, dist = network.nearest_nodes(plon, plat)
    rows = np.arange(m) if rows_used is None else np.flatnonzero(rows_used)
    tt = np.full((m, m), np.inf)
    ll = np.full((m, m), np.inf)
    tt[rows] = network.shortest(node[rows], node, weight="time")
    ll[rows] = network.shortest(node[rows], node, weight="length") / 1000.0
    off = dist > MAX_SNAP_M
    tt[off, :] = np.inf
    tt[:, off] = np.inf
    ll[off, :] = np.inf
    ll[:, off] = np.inf
    dh_s = np.where(near, 0.0, tt)
    dh_km = np.where(near, 0.0, ll)
    return dh_s, dh_km


def build_groups(
    scenario: Scenario, prep: Prepared, network: RoadNetwork | None
) -> list[GroupProblem]:
    """Split the prepared trips into one :class:`GroupProblem` per (type, powertrain).

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    prep : Prepared
        Its prepared inputs.
    network : RoadNetwork or None
        The road network for deadheads (straight line at 20 km/h without one).

    Returns
    -------
    list of GroupProblem
        Sorted by (type, powertrain).
    """
    trips = prep.trips
    st = prep.stations
    if trips.empty:
        return []
    opts = scenario.options
    depot_of = dict(
        zip(prep.vehicles["vehicle_id"], prep.vehicles["depot_station"].astype(int), strict=True)
    )
    # places: every trip end and start, and every station
    lon = np.concatenate(
        [trips["origin_lon"], trips["destination_lon"], st["lon"].astype(float)]
    ).astype(float)
    lat = np.concatenate(
        [trips["origin_lat"], trips["destination_lat"], st["lat"].astype(float)]
    ).astype(float)
    place, plon, plat = _places(lon, lat)
    n_all = len(trips)
    leave = np.zeros(plon.size, bool)
    leave[place[n_all:]] = True  # trip ends and stations
    dh_s, dh_km = _deadheads(
        plon, plat, network, opts.station_radius_m, opts.deadhead, rows_used=leave
    )
    start_place_all = place[:n_all]
    end_place_all = place[n_all : 2 * n_all]
    station_place = place[2 * n_all :]
    tf = float(temperature_factor(scenario.ambient_temperature_c))
    sf = trips["speed_factor"].to_numpy(float) if "speed_factor" in trips else np.ones(n_all)
    plug_kw = st["plug_kw"].to_numpy(float) if len(st) else np.zeros(0)
    charge_ok = (
        st["kind"].isin(CHARGE_KINDS).to_numpy() & (plug_kw > 0) if len(st) else np.zeros(0, bool)
    )
    plug_kw = np.nan_to_num(plug_kw)
    groups: list[GroupProblem] = []
    for (vt, pt), idx in sorted(trips.groupby(["vehicle_type", "powertrain"]).groups.items()):
        sub = trips.loc[idx].copy()
        order = np.lexsort((sub["trip_id"].astype(str).to_numpy(), sub["departure_s"].to_numpy()))
        sub = sub.iloc[order]
        rows = sub.index.to_numpy()
        sub = sub.reset_index(drop=True)
        spec = prep.specs[(str(vt), str(pt))]
        battery = spec.powertrain == "bev"
        factor = 1.0 if spec.energy_model == "constant" else tf
        km = sub["distance_km"].to_numpy(float)
        drive = km * spec.kwh_per_km * factor * sf[rows] if battery else np.zeros(len(sub))
        if battery:
            rate = np.where(charge_ok, np.minimum(plug_kw, spec.max_charge_kw), 0.0)
        else:
            rate = np.zeros(len(st))
        groups.append(
            GroupProblem(
                vehicle_type=str(vt),
                powertrain=str(pt),
                spec=spec,
                trips=sub,
                dep_s=sub["departure_s"].to_numpy(float),
                arr_s=sub["arrival_s"].to_numpy(float),
                km=km,
                drive_kwh=np.asarray(drive, float),
                kwh_per_km_dh=spec.kwh_per_km * factor if battery else 0.0,
                end_station=sub["end_station"].to_numpy(np.int64),
                depot=np.array([depot_of.get(v, -1) for v in sub["vehicle_id"]], dtype=np.int64),
                start_place=start_place_all[rows],
                end_place=end_place_all[rows],
                dh_s=dh_s,
                dh_km=dh_km,
                station_place=station_place,
                rate_kw=np.asarray(rate, float),
                station_ids=st["id"].astype(str).to_numpy(),
                cap_kwh=float(spec.battery_kwh) if battery else math.inf,
                min_kwh=float(spec.min_soc * spec.battery_kwh) if battery else 0.0,
                battery=battery,
                plug_kw=plug_kw,
                charge_ok=charge_ok,
            )
        )
    return groups


def with_spec(gp: GroupProblem, spec: VehicleSpec, scenario: Scenario) -> GroupProblem:
    """Return the same trips run by another powertrain (energy recomputed from ``spec``).

    Parameters
    ----------
    gp : GroupProblem
        The group as given.
    spec : VehicleSpec
        The other powertrain's spec.
    scenario : Scenario
        For the temperature factor.

    Returns
    -------
    GroupProblem
    """
    battery = spec.powertrain == "bev"
    tf = float(temperature_factor(scenario.ambient_temperature_c))
    factor = 1.0 if spec.energy_model == "constant" else tf
    sf = gp.trips["speed_factor"].to_numpy(float) if "speed_factor" in gp.trips else 1.0
    drive = gp.km * spec.kwh_per_km * factor * sf if battery else np.zeros(gp.n)
    return replace(
        gp,
        powertrain=spec.powertrain,
        spec=spec,
        drive_kwh=np.asarray(drive, float),
        kwh_per_km_dh=spec.kwh_per_km * factor if battery else 0.0,
        cap_kwh=float(spec.battery_kwh) if battery else math.inf,
        min_kwh=float(spec.min_soc * spec.battery_kwh) if battery else 0.0,
        battery=battery,
        rate_kw=np.where(gp.charge_ok, np.minimum(gp.plug_kw, spec.max_charge_kw), 0.0)
        if battery
        else np.zeros(gp.plug_kw.size),
    )
