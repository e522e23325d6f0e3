# Trace texts quote long sources; traces are built by concatenation.
# ruff: noqa: E501

"""Fleet-side infrastructure rows: charging points, hydrogen, peak shaving, coverage.

Simulated NEV shares, the shiftable charging load, the fuel-cell stock, charging points
and the coverage of charging demand by the station network.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.domain import transition as _transition
from fleetopt.results.targets._common import FLEET_TYPES, NEV, _input, _trace


def simulated_nev_share_pct(simulation: Any, vehicle_type: str) -> float:
    """Return the NEV share of a simulation's non-exempt vehicles of one type [%].

    Parameters
    ----------
    simulation : SimulationResult
        Needs its ``vehicles`` table (``vehicle_type``, ``powertrain``, ``exempt``).
    vehicle_type : str
        bus, taxi, sanitation or delivery.

    Returns
    -------
    float
        Share of battery-electric, plug-in hybrid and fuel-cell vehicles [%]; NaN without
        such vehicles.
    """
    vehicles = getattr(simulation, "vehicles", None)
    if not isinstance(vehicles, pd.DataFrame) or vehicles.empty:
        return math.nan
    v = vehicles[vehicles["vehicle_type"] == vehicle_type]
    if "exempt" in v.columns:
        v = v[~v["exempt"].astype(bool)]
    if v.empty:
        return math.nan
    return float(100.0 * v["powertrain"].isin(NEV).mean())


def simulated_shiftable_kw_per_vehicle(
    simulation: Any, window_h: tuple[float, float] | None = None
) -> dict[str, float]:
    """Return a simulation's charging load in the grid's peak window per battery vehicle [kW].

    The mean grid power of each fleet's charging (``SimulationResult.segments``: constant
    power intervals ``vehicle_type, start_s, end_s, grid_kw``) over the peak window
    (``grid_peak_start_h`` to ``grid_peak_end_h`` of ``target_inputs.csv``, on every simulated
    day), divided by the fleet's battery vehicles (bev, phev). Smart charging could move this
    load out of the window when the vehicles have the slack, so it is an upper bound of what
    they can shave. A bare summary dict has no load segments: nothing is returned.

    Parameters
    ----------
    simulation : SimulationResult
        Needs ``segments`` and ``vehicles``.
    window_h : tuple of float, optional
        Peak window [h after midnight]; default from ``target_inputs.csv``.

    Returns
    -------
    dict of str to float
        Segment -> kW per battery vehicle, for the fleets the simulation has.
    """
    segs = getattr(simulation, "segments", None)
    vehicles = getattr(simulation, "vehicles", None)
    if not isinstance(segs, pd.DataFrame) or not isinstance(vehicles, pd.DataFrame):
        return {}
    if segs.empty or not {"vehicle_type", "start_s", "end_s", "grid_kw"} <= set(segs.columns):
        return {}
    h0, h1 = window_h or (_input("grid_peak_start_h"), _input("grid_peak_end_h"))
    start = segs["start_s"].to_numpy(float)
    end = segs["end_s"].to_numpy(float)
    days = max(1, int(np.ceil(end.max() / 86400.0)))
    overlap = np.zeros(len(segs))
    for d in range(days):
        lo, hi = (h0 + 24 * d) * 3600.0, (h1 + 24 * d) * 3600.0
        overlap += np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
    energy_kwh = segs["grid_kw"].to_numpy(float) * overlap / 3600.0
    out: dict[str, float] = {}
    for seg, vtype in FLEET_TYPES.items():
        mine_v = vehicles[vehicles["vehicle_type"] == vtype]
        n = float(mine_v["powertrain"].isin({"bev", "phev"}).sum())
        if n <= 0:
            continue
        mine = (segs["vehicle_type"] == vtype).to_numpy()
        out[seg] = float(energy_kwh[mine].sum() / ((h1 - h0) * days) / n)
    return out


def _fcev_stock(tr: Any, year: int, col: str = "value") -> float:
    """City fuel-cell stock with each segment's fcev share at ``col`` of its range [vehicles]."""
    t = defaults.load_table("segment_powertrains")
    f = t[(t.name == "nev_split_frac") & (t.powertrain == "fcev")]
    frac = {str(r.segment): float(getattr(r, col)) for r in f.itertuples(index=False)}
    i = tr._index(year)
    total = sum(
        tr.segments[s].nev_stock[i] * frac.get(s, 0.0) for s in _transition.COUNTED_SEGMENTS
    )
    for s in _transition.SUBSET_SEGMENTS:
        sub = tr.segments[s]
        if sub.has_path:
            total += sub.nev_stock[i] * (frac.get(s, 0.0) - frac.get("other", 0.0))
    return float(total)


def _charging_points(tr: Any, year: int) -> tuple[float, float, float, list[dict[str, Any]]]:
    """Charging points in ``year`` from the observed piles per NEV times the projected NEV stock."""
    t = defaults.load_table("target_inputs")
    obs = t[t.name == "charging_piles_observed"]
    total_nev = sum(tr.segments[s].nev_stock for s in _transition.COUNTED_SEGMENTS)
    ratios = []
    trace = []
    for r in obs.itertuples(index=False):
        when = {2018: 2018.33, 2019: 2020.0}.get(int(r.year), float(r.year) + 1.0)
        nev = tr.at(total_nev, when)
        ratios.append(float(r.value) / nev)
        trace.append(_trace(f"charging_piles_{r.year}", float(r.value), str(r.unit), str(r.source)))
        trace.append(
            _trace(f"modelled_nev_stock_at_{when:g}", nev, "vehicles", "fleet transition model")
        )
    stock = tr.nev_stock_total(year)
    latest = ratios[-1]
    trace.append(
        _trace("piles_per_nev_used", latest, "piles/vehicle", "DERIVED: latest observation")
    )
    trace.append(
        _trace(
            "piles_per_nev_range",
            f"{min(ratios):.3f}-{max(ratios):.3f}",
            "piles/vehicle",
            "DERIVED: every observation",
        )
    )
    return stock * latest, stock * min(ratios), stock * max(ratios), trace


def coverage_pct(
    demand_lon: np.ndarray,
    demand_lat: np.ndarray,
    weight: np.ndarray,
    site_lon: np.ndarray,
    site_lat: np.ndarray,
    radius_km: float,
) -> float:
    """Return the share of demand within ``radius_km`` (great circle) of any site [%].

    Parameters
    ----------
    demand_lon, demand_lat : numpy.ndarray
        Demand points, WGS84 [deg].
    weight : numpy.ndarray
        Demand at each point (e.g. energy) [any unit].
    site_lon, site_lat : numpy.ndarray
        Sites, WGS84 [deg].
    radius_km : float
        Service radius [km].

    Returns
    -------
    float
        Weighted share of the demand covered [%]; NaN without demand or sites.
    """
    w = np.asarray(weight, dtype=float)
    if w.size == 0 or np.asarray(site_lon).size == 0 or w.sum() <= 0:
        return math.nan
    lon1, lat1 = (
        np.radians(np.asarray(demand_lon, float))[:, None],
        np.radians(np.asarray(demand_lat, float))[:, None],
    )
    lon2, lat2 = (
        np.radians(np.asarray(site_lon, float))[None, :],
        np.radians(np.asarray(site_lat, float))[None, :],
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    dist_km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    covered = dist_km.min(axis=1) <= radius_km
    return float(100.0 * w[covered].sum() / w.sum())


def _network_coverage_trace(simulation: Any, siting: Any) -> list[dict[str, Any]]:
    """Coverage of a simulation's charging demand by the sited and existing stations."""
    demand_fn = getattr(simulation, "charge_demand", None)
    if not callable(demand_fn):
        return [
            _trace(
                "coverage_of_charging_demand",
                "not computed",
                "percent",
                "needs a simulation (its charging demand) and a siting result or stations",
            )
        ]
    demand = demand_fn()
    demand = demand[demand["energy_kwh"].fillna(0) > 0] if len(demand) else demand
    lons: list[float] = []
    lats: list[float] = []
    for frame in (getattr(siting, "sites", None), getattr(simulation, "stations", None)):
        if isinstance(frame, pd.DataFrame) and {"lon", "lat"} <= set(frame.columns):
            lons += frame["lon"].astype(float).tolist()
            lats += frame["lat"].astype(float).tolist()
    out = []
    for name in ("service_radius_downtown_km", "service_radius_plain_km"):
        radius = _input(name)
        share = (
            coverage_pct(
                demand["lon"].to_numpy(float),
                demand["lat"].to_numpy(float),
                demand["energy_kwh"].to_numpy(float),
                np.array(lons),
                np.array(lats),
                radius,
            )
            if len(demand)
            else math.nan
        )
        out.append(
            _trace(
                f"charging_energy_within_{radius:g}_km",
                "no demand" if math.isnan(share) else share,
                "percent",
                "the simulation's charging demand (kWh-weighted: sessions at their station, unserved or "
                "given-up energy at the trip origin) vs the sited and existing stations",
            )
        )
    return out
