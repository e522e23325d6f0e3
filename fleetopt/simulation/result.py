"""Hold a simulation's answer: per-trip, per-vehicle, per-station tables, load profile and totals.

:class:`SimulationResult` is built by :mod:`fleetopt.simulation.engine`. ``summary()``
returns exactly the ``simulate --json`` keys of CONTRACT §2 (totals over the horizon);
``write()`` stores the tables as CSV and Parquet plus ``summary.json``.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt._json import to_jsonable

logger = logging.getLogger(__name__)

#: Keys of ``simulate --json`` in CONTRACT order.
SUMMARY_KEYS = (
    "scenario",
    "seed",
    "vehicles",
    "trips_total",
    "trips_served",
    "trips_missed",
    "distance_km",
    "battery_energy_kwh",
    "grid_energy_kwh",
    "hydrogen_kg",
    "diesel_l",
    "gasoline_l",
    "co2_kg",
    "peak_grid_kw",
    "charge_wait_mean_min",
    "charge_wait_max_min",
    "by_type",
    "wall_s",
)

#: Keys repeated per vehicle type under ``by_type``.
TYPE_KEYS = SUMMARY_KEYS[2:-2]


def peak_kw(start_s: np.ndarray, end_s: np.ndarray, kw: np.ndarray) -> float:
    """Return the exact maximum of a sum of constant-power intervals.

    Intervals are half-open ``[start, end)``, so one that ends when another starts does
    not add to it.

    Parameters
    ----------
    start_s, end_s : numpy.ndarray
        Interval bounds [s].
    kw : numpy.ndarray
        Power over each interval [kW].

    Returns
    -------
    float
        Peak power [kW] (0 without intervals).
    """
    keep = end_s > start_s
    if not keep.any():
        return 0.0
    t = np.concatenate([start_s[keep], end_s[keep]])
    d = np.concatenate([kw[keep], -kw[keep]])
    order = np.lexsort((d, t))  # at equal times, decreases (ends) first
    return float(max(np.cumsum(d[order]).max(), 0.0))


def load_profile_kw(
    start_s: np.ndarray,
    end_s: np.ndarray,
    kw: np.ndarray,
    t0: float,
    t1: float,
    step_s: float = 60.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return mean power per time step of a sum of constant-power intervals.

    Parameters
    ----------
    start_s, end_s : numpy.ndarray
        Interval bounds [s].
    kw : numpy.ndarray
        Power of each interval [kW].
    t0, t1 : float
        Profile range [s].
    step_s : float
        Step length [s].

    Returns
    -------
    grid_s : numpy.ndarray
        Start of each step [s].
    mean_kw : numpy.ndarray
        Mean power of each step [kW].
    """
    edges = np.arange(t0, t1 + step_s, step_s)
    if edges[-1] < t1:
        edges = np.append(edges, t1)
    keep = end_s > start_s
    if not keep.any():
        return edges[:-1], np.zeros(edges.size - 1)
    t = np.concatenate([start_s[keep], end_s[keep]])
    d = np.concatenate([kw[keep], -kw[keep]])
    order = np.argsort(t, kind="stable")
    t, d = t[order], d[order]
    level = np.cumsum(d)  # power after each breakpoint
    e_at = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(t))])  # kW*s at breakpoints
    e_grid = np.interp(edges, t, e_at, left=0.0, right=e_at[-1])
    return edges[:-1], np.diff(e_grid) / np.diff(edges)


@dataclass
class SimulationResult:
    """The answer of one simulation.

    Attributes
    ----------
    scenario_name : str
        Scenario name.
    seed : int
        Seed used.
    horizon_s : tuple of float
        Start and end of the horizon [s].
    trips : pandas.DataFrame
        One row per trip or ride request: ``trip_id, vehicle_id, vehicle_type, powertrain,
        served, reason, start_s, end_s, delay_s, distance_km, deadhead_km, battery_kwh,
        hydrogen_kg, diesel_l, gasoline_l, cng_kg, lng_kg, soc_start, soc_end, passenger_km,
        tonne_km``. A phev's gasoline (once its battery is at ``min_soc``) is in
        ``gasoline_l``; an hev's too; LNG in ``lng_kg`` (``fleetopt/data/powertrains.csv``).
    vehicles : pandas.DataFrame
        One row per vehicle: ``vehicle_id, vehicle_type, powertrain, exempt, trips_served,
        trips_missed, distance_km, battery_kwh, grid_kwh, hydrogen_kg, diesel_l, gasoline_l,
        cng_kg, lng_kg, co2_kg, soc_start, soc_end, capacity_kwh`` (battery capacity [kWh]).
    sessions : pandas.DataFrame
        Station visits: ``vehicle_id, vehicle_type, station_id, action, arrive_s, plug_s,
        end_s, wait_s, battery_kwh, grid_kwh, hydrogen_kg, soc_in, soc_out``.
    stations : pandas.DataFrame
        Per station: stations columns plus ``sessions, gave_up, battery_kwh, grid_kwh,
        hydrogen_kg, peak_kw, wait_mean_min, wait_max_min, cost_cny``.
    segments : pandas.DataFrame
        Constant grid power intervals: ``station_id, vehicle_type, start_s, end_s, grid_kw``.
    events : pandas.DataFrame
        Event log ``t_s, vehicle_id, event, soc, station_id``.
    load_kw : pandas.DataFrame
        Mean grid power per station per minute (index ``minute_start_s``) [kW].
    totals : dict
        The ``simulate --json`` document (without ``wall_s`` until set).
    extras : dict
        Further results: ``cost_cny``, ``cng_kg``, ``lng_kg``, ``pv_kwh``, ``passenger_km``,
        ``tonne_km``, ``converted_turnover_tkm``, ``co2_kg_per_tkm``, NEV shares of eligible
        vehicles (NEV = bev, phev, fcev).
    """

    scenario_name: str
    seed: int
    horizon_s: tuple[float, float]
    trips: pd.DataFrame
    vehicles: pd.DataFrame
    sessions: pd.DataFrame
    stations: pd.DataFrame
    segments: pd.DataFrame
    events: pd.DataFrame
    load_kw: pd.DataFrame
    totals: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Return the ``simulate --json`` document (CONTRACT §2 keys, in order)."""
        out = dict(self.totals)
        out["wall_s"] = round(float(self.wall_s), 3)
        return {k: out[k] for k in SUMMARY_KEYS}

    def charge_demand(self) -> pd.DataFrame:
        """Return where energy was needed, for station siting.

        Returns
        -------
        pandas.DataFrame
            ``lon, lat, energy_kwh, hydrogen_kg, kind, vehicle_type`` with one row per
            station session (kind = charge | swap | hydrogen | gave_up, at the station; for
            gave_up the energy the vehicle still lacked to be full) and one
            per trip missed for energy (kind = unserved, at the trip origin, with the energy
            the trip needed).
        """
        s = self.sessions
        st = self.stations.set_index("id")
        rows = pd.DataFrame(
            {
                "lon": st.loc[s["station_id"], "lon"].to_numpy() if len(s) else np.array([]),
                "lat": st.loc[s["station_id"], "lat"].to_numpy() if len(s) else np.array([]),
                "energy_kwh": np.where(
                    s["action"].to_numpy() == "gave_up",
                    (1.0 - s["soc_in"].to_numpy(float))
                    * s["vehicle_id"]
                    .map(self.vehicles.set_index("vehicle_id")["capacity_kwh"])
                    .to_numpy(float),
                    s["battery_kwh"].to_numpy(float),
                ),
                "hydrogen_kg": s["hydrogen_kg"].to_numpy(float),
                "kind": s["action"].to_numpy(),
                "vehicle_type": s["vehicle_type"].to_numpy(),
            }
        )
        missed = self.trips[(~self.trips["served"]) & self.trips["reason"].str.startswith("energy")]
        extra = pd.DataFrame(
            {
                "lon": missed.get("origin_lon", pd.Series(dtype=float)).to_numpy(float),
                "lat": missed.get("origin_lat", pd.Series(dtype=float)).to_numpy(float),
                "energy_kwh": missed["need_kwh"].to_numpy(float)
                if "need_kwh" in missed
                else np.zeros(len(missed)),
                "hydrogen_kg": np.zeros(len(missed)),
                "kind": "unserved",
                "vehicle_type": missed["vehicle_type"].to_numpy(),
            }
        )
        parts = [p for p in (rows, extra) if len(p)]
        if not parts:
            return rows
        return pd.concat(parts, ignore_index=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the result tables as written to files (``load_kw`` with its minute column).

        Returns
        -------
        dict
            ``trips, vehicles, sessions, stations, events, segments, load_kw`` -> DataFrame.
        """
        lk = self.load_kw.reset_index()
        lk.columns = [str(c) for c in lk.columns]
        return {
            "trips": self.trips,
            "vehicles": self.vehicles,
            "sessions": self.sessions,
            "stations": self.stations,
            "events": self.events,
            "segments": self.segments,
            "load_kw": lk,
        }

    def summary_doc(self) -> dict[str, Any]:
        """Return the ``summary.json`` document: ``{"summary": ..., "extras": ...}``."""
        return {"summary": self.summary(), "extras": self.extras}

    def write(self, out_dir: str | Path) -> Path:
        """Write the tables (CSV and Parquet) and ``summary.json`` under ``out_dir``, plainly.

        For a folder a run store commits (it escapes every CSV before it hashes them).
        fleetopt's own writers use :func:`fleetopt.results.export.write_result` with
        :meth:`tables` and :meth:`summary_doc` (each file atomic, CSV cells escaped).

        Parameters
        ----------
        out_dir : str or Path
            Target folder (created).

        Returns
        -------
        Path
            The folder.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, df in self.tables().items():
            df.to_csv(out / f"{name}.csv", index=False)
            df.to_parquet(out / f"{name}.parquet", index=False)
        (out / "summary.json").write_text(
            json.dumps(to_jsonable(self.summary_doc()), indent=2, ensure_ascii=False,
                       allow_nan=False) + "\n",
            encoding="utf-8",
        )
        return out


def _r(x: float, nd: int = 6) -> float:
    x = float(x)
    return round(x, nd) if math.isfinite(x) else 0.0
