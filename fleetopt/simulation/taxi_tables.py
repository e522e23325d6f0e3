"""The taxi dispatch's result tables: one row per request, one per taxi.

Built after the clock stops from the arrays a :class:`~fleetopt.simulation.taxi.TaxiDispatch`
filled (:func:`fleetopt.simulation.tables.assemble` appends them to the fleets' tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import powertrains as pts
from fleetopt.simulation.log_frames import text_array, text_values

#: The :class:`fleetopt.simulation.taxi.TaxiDispatch` these functions work on (typed ``Any``:
#: the dispatch imports this module, and a type-only import back would be a cycle).
TaxiDispatch = Any

__all__ = ["TaxiTables", "collect", "trips_table", "vehicles_table"]

#: Values per record of the loop's flat records (TaxiDispatch._starts and _drops).
_START_N, _DROP_N = 3, 8


def collect(d: TaxiDispatch) -> None:
    """Write the loop's records into the per-request arrays (once, before the tables)."""
    if d._collected:
        return
    d._collected = True
    if d._starts:
        st = np.frombuffer(d._starts, dtype=np.float64).reshape(-1, _START_N)
        j = st[:, 0].astype(np.int64)
        d.taken[j] = True
        d.soc0[j] = st[:, 1]
        d.pickup_s[j] = st[:, 2]
    if d._drops:
        dr = np.frombuffer(d._drops, dtype=np.float64).reshape(-1, _DROP_N)
        j, i = dr[:, 0].astype(np.int64), dr[:, 1].astype(np.int64)
        d.drop_s[j] = dr[:, 2]
        d.served[j] = True
        d.reason[j] = ""
        d.vehicle_idx[j] = i
        d.dh_km[j] = dr[:, 3]
        d.run_ekm[j] = dr[:, 4]
        d.fuel_req[j] = dr[:, 5]
        energy = dr[:, 6]
        h2 = np.array(d._h2, dtype=bool)[i]
        batt = np.array(d._batt, dtype=bool)[i] & ~h2
        d.h2[j[h2]] = energy[h2]
        d.kwh[j[batt]] = energy[batt]
        d.soc1[j] = dr[:, 7]


@dataclass
class TaxiTables:
    """What the result's builders read of a finished dispatch (``TaxiDispatch``'s tables).

    :meth:`of` calls the dispatcher's ``trips_table`` and then its ``vehicles_table``
    (which records the taxis' totals in the model's log), in
    :func:`fleetopt.simulation.tables.assemble`'s order; the dispatcher itself (its
    requests, records and per-taxi state) can then be freed before the fleets' tables are
    built. :func:`~fleetopt.simulation.tables.assemble` takes either.
    """

    trips: pd.DataFrame
    vehicles: pd.DataFrame
    taxis: list[Any]
    specs: list[Any]

    @classmethod
    def of(cls, d: TaxiDispatch) -> TaxiTables:
        """Return the tables of a finished dispatch ``d``."""
        trips = d.trips_table()  # then the vehicles: assemble's order
        return cls(trips, d.vehicles_table(), list(d.taxis), list(d.specs))

    def trips_table(self) -> pd.DataFrame:
        """Return the dispatcher's trips table."""
        return self.trips

    def vehicles_table(self) -> pd.DataFrame:
        """Return the dispatcher's vehicles table."""
        return self.vehicles


def trips_table(d: TaxiDispatch) -> pd.DataFrame:
    """Return the requests as rows of the result's trips table."""
    collect(d)
    r = d.req
    idx = d.vehicle_idx
    has = idx >= 0
    pt_taxi = np.array([t["powertrain"] for t in d.taxis] + [""], dtype=object)
    per_taxi = np.array(
        [0.0 if sp.is_battery or sp.is_hydrogen else sp.fuel_per_100km for sp in d.specs]
        + [0.0]
    )
    col_taxi = np.array(
        [pts.fuel_column(str(p)) or "" for p in pt_taxi[:-1]] + [""], dtype=object
    )
    pick = np.where(has, idx, len(d.taxis))
    pt = pt_taxi[pick]
    fcol = col_taxi[pick]
    # fuel per km x speed factor (run_ekm = run km when the option is off); a phev's
    # gasoline was counted as it drove
    run = np.where(d.served, d.run_ekm, 0.0)
    fuel = run * per_taxi[pick] / 100.0 + np.where(d.served, d.fuel_req, 0.0)
    pax = r["passengers"].to_numpy(float) if "passengers" in r else np.ones(len(r))
    pax = np.where(np.isnan(pax), 1.0, pax)
    return pd.DataFrame(
        {
            "trip_id": r["request_id"].astype(str).array,
            # the object arrays of text (one shared string per taxi) go in as the str arrays
            # the table would make of them (text_array), built by Arrow at once
            "vehicle_id": text_array(
                np.array([t["vehicle_id"] for t in d.taxis] + [""], dtype=object)[
                    np.where(d.served, idx, len(d.taxis))
                ]
            ),
            "vehicle_type": "taxi",
            "powertrain": text_array(pt),
            "fleet": text_values(r["fleet"]),
            "departure_s": r["departure_s"].to_numpy(float),
            "arrival_s": np.where(d.served, d.drop_s, np.nan),
            "origin_lon": r["origin_lon"].to_numpy(float),
            "origin_lat": r["origin_lat"].to_numpy(float),
            "served": d.served,
            "reason": text_array(d.reason),
            "start_s": d.pickup_s,
            "end_s": d.drop_s,
            "delay_s": np.where(
                d.served, d.pickup_s - r["departure_s"].to_numpy(float), 0.0
            ),
            "distance_km": np.where(d.served, d.trip_km, 0.0),
            "deadhead_km": np.where(d.served, d.dh_km, 0.0),
            "battery_kwh": d.kwh,
            "hydrogen_kg": d.h2,
            **{c: np.where(fcol == c, fuel, 0.0) for c in pts.FUEL_COLUMNS},
            "soc_start": d.soc0,
            "soc_end": d.soc1,
            "passenger_km": np.where(d.served, d.trip_km * pax, 0.0),
            "tonne_km": 0.0,
            "need_kwh": 0.0,
        },
        # one block per column (not one 2-D block of the float columns): the trips table's
        # concatenation then frees each column as it goes (log_frames.append_rows)
        copy=False,
    )

def vehicles_table(d: TaxiDispatch) -> pd.DataFrame:
    """Return one row per taxi (identity columns) and record their totals in the log."""
    collect(d)
    k = len(d.taxis)
    got = d.served & (d.vehicle_idx >= 0)
    served_km = np.bincount(
        d.vehicle_idx[got], weights=(d.trip_km + d.dh_km)[got], minlength=k
    )
    served_h2 = np.bincount(d.vehicle_idx[got], weights=d.h2[got], minlength=k)
    served_fuel = np.bincount(d.vehicle_idx[got], weights=d.fuel_req[got], minlength=k)
    rows = []
    for i, t in enumerate(d.taxis):
        spec = d.specs[i]
        rows.append(
            {
                "vehicle_id": t["vehicle_id"],
                "vehicle_type": "taxi",
                "powertrain": t["powertrain"],
                "exempt": False,
                "fleet": t["fleet"],
            }
        )
        if spec.is_battery or spec.is_hydrogen:
            # driving to chargers adds distance not attached to a request
            extra_km = max(d.km[i] - float(served_km[i]), 0.0)
            d.m.log.vehicles[t["vehicle_id"]] = {
                "soc_end": float(d.level[i]),
                "idle_kwh": 0.0,
                "extra_km": extra_km,
                "extra_energy": (
                    max(float(d.h2_used[i] - served_h2[i]), 0.0)
                    if d.sf_use[i]
                    else extra_km * d.rate[i] * d.cap[i]
                )
                if spec.is_hydrogen
                else 0.0,
                # a phev's gasoline on drives to chargers and after its last request
                "extra_fuel": max(float(d.fuel_used[i] - served_fuel[i]), 0.0),
                "drawn_kwh": float(d.drawn[i]),
                "charged_kwh": d.states[i]["charged_kwh"],
                "refuel_kg": d.states[i]["refuel_kg"],
                "soc_start": spec.initial_soc,
            }
        elif d.carry_km[i] > 0:
            # a repositioning drive after the last request: its fuel goes to the vehicle
            d.m.log.vehicles[t["vehicle_id"]] = {
                "soc_end": np.nan,
                "idle_kwh": 0.0,
                "extra_km": float(d.carry_km[i]),
                "extra_energy": 0.0,
                "extra_fuel": float(d.carry_ekm[i]) * spec.fuel_per_100km / 100.0,
                "drawn_kwh": 0.0,
                "charged_kwh": 0.0,
                "refuel_kg": 0.0,
                "soc_start": np.nan,
            }
    return pd.DataFrame(rows)
