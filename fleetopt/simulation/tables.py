"""The result tables of one simulated day, built from the kernel's log: one builder per table.

:func:`assemble` calls, in order, :func:`events_table`, :func:`sessions_table`,
:func:`segments_table`, :func:`trips_table`, :func:`pv_offset`, :func:`vehicles_table`,
:func:`summary_totals`, :func:`stations_table`, :func:`load_table` and :func:`summary_extras`, and
wraps them in a :class:`~fleetopt.simulation.result.SimulationResult`. Fuel vehicles that
never queue are computed here in closed form (:func:`fuel_timeline`); which result column a
powertrain's fuel goes to comes from :mod:`fleetopt.powertrains`. All totals are over the
horizon ``[t0, t1]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fleetopt import powertrains as pts
from fleetopt.domain.costs import energy_cost_cny, resolve_tariff
from fleetopt.domain.emissions import co2_kg, converted_turnover_tkm, intensity_kg_per_tkm
from fleetopt.inputs.scenario import Scenario
from fleetopt.simulation.kernel import Model
from fleetopt.simulation.log_frames import (
    ClockEnd,
    Log,
    append_rows,
    by_station,
    frame_of,
    text_isin,
    text_values,
)
from fleetopt.simulation.prepare import Prepared
from fleetopt.simulation.pv import pv_offset
from fleetopt.simulation.result import TYPE_KEYS, SimulationResult, load_profile_kw, peak_kw
from fleetopt.simulation.taxi import TaxiDispatch
from fleetopt.simulation.taxi_tables import TaxiTables

_TRIP_LOG_COLS = [
    "row_idx",
    "served",
    "reason",
    "start_s",
    "end_s",
    "delay_s",
    "soc_start",
    "soc_end",
    "battery_kwh",
    "hydrogen_kg",
    "deadhead_km_run",
    "fuel",
]
_SESSION_COLS = [
    "vehicle_id",
    "vehicle_type",
    "station_index",
    "action",
    "arrive_s",
    "plug_s",
    "end_s",
    "battery_kwh",
    "grid_kwh",
    "hydrogen_kg",
    "soc_in",
    "soc_out",
]


def fuel_timeline(
    departure_s: np.ndarray,
    arrival_s: np.ndarray,
    deadhead_s: np.ndarray,
    vehicle_id: np.ndarray,
    run: np.ndarray,
    t0: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return start, end and delay [s] of trips run by vehicles that never queue.

    The rule is the kernel's (:meth:`fleetopt.simulation.kernel.Model.vehicle`): a vehicle
    leaves for trip ``k`` at ``departure - deadhead`` or, when its previous trip ends later,
    at that end; the delay is how late it leaves; the trip keeps its scheduled duration.
    Rows are in vehicle, time order; only rows with ``run`` take part (a trip not run does
    not move the vehicle's clock). Vehicles start at ``t0``.

    Parameters
    ----------
    departure_s, arrival_s : numpy.ndarray
        Scheduled departure and arrival [s].
    deadhead_s : numpy.ndarray
        Empty drive to the trip's origin before it [s].
    vehicle_id : numpy.ndarray
        Vehicle of each row.
    run : numpy.ndarray of bool
        Rows that are run.
    t0 : float
        Start of the horizon [s].

    Returns
    -------
    tuple of numpy.ndarray
        ``(start_s, end_s, delay_s)``; rows not run keep their schedule and 0 delay.
    """
    start = departure_s.astype(float).copy()
    end = arrival_s.astype(float).copy()
    delay = np.zeros(start.size)
    leave = departure_s - deadhead_s
    idx = np.flatnonzero(run)
    if idx.size == 0:
        return start, end, delay
    vid = vehicle_id[idx]
    same = np.r_[False, vid[1:] == vid[:-1]]
    prev_arr = np.r_[t0, arrival_s[idx][:-1]]
    prev_end = np.where(same, prev_arr, t0)
    late = leave[idx] < prev_end - 1e-9
    if not late.any():  # nobody is late: the schedule stands
        return start, end, delay
    # walk only the vehicles with a late trip (a delay carries on through the block)
    late_vehicles = set(vid[late].tolist())
    clock = t0
    for j, k in enumerate(idx):
        if vid[j] not in late_vehicles:
            continue
        if not same[j]:
            clock = t0
        go = max(clock, float(leave[k]))
        delay[k] = go - float(leave[k])
        start[k] = go + float(deadhead_s[k])
        end[k] = start[k] + float(arrival_s[k] - departure_s[k])
        clock = end[k]
    return start, end, delay


def _spec_column(
    trips: pd.DataFrame,
    specs: dict[tuple[str, str], Any],
    name: str,
    per_vehicle: dict[str, Any] | None = None,
) -> np.ndarray:
    out = np.zeros(len(trips))
    vt = trips["vehicle_type"].to_numpy(dtype=object)
    pt = trips["powertrain"].to_numpy(dtype=object)
    for (a, b), s in specs.items():
        out[(vt == a) & (pt == b)] = float(getattr(s, name))
    if per_vehicle:
        vid = trips["vehicle_id"].astype(str).to_numpy(dtype=object)
        for v, s in per_vehicle.items():
            out[vid == v] = float(getattr(s, name))
    return out


def _fuel_columns_of(powertrain: np.ndarray) -> np.ndarray:
    """Return the result fuel column of each row's powertrain ("" for bev)."""
    lut = {p: pts.fuel_column(p) or "" for p in pts.POWERTRAINS}
    out: np.ndarray = pd.Series(powertrain, dtype=object).map(lut).fillna("").to_numpy(object)
    return out


def trips_table(
    scenario: Scenario,
    prep: Prepared,
    log: Log,
    t0: float,
    t1: float,
    taxis: TaxiDispatch | TaxiTables | None = None,
) -> pd.DataFrame:
    """Return the trips table: every trip (and taxi ride) with its outcome, energy and fuel.

    Battery and fuel-cell trips take the kernel's log; fuel vehicles follow the same clock in
    closed form (:func:`fuel_timeline`); trips outside the horizon are not run.
    """
    specs = prep.specs
    trips = prep.trips
    n = len(trips)
    out = pd.DataFrame(
        {
            "trip_id": trips["trip_id"].astype(str).array,
            "vehicle_id": trips["vehicle_id"].astype(str).array,
            "vehicle_type": text_values(trips["vehicle_type"]),
            "powertrain": text_values(trips["powertrain"]),
            "fleet": text_values(trips["fleet"]),
            "departure_s": trips["departure_s"].to_numpy(float),
            "arrival_s": trips["arrival_s"].to_numpy(float),
            "origin_lon": trips["origin_lon"].to_numpy(float),
            "origin_lat": trips["origin_lat"].to_numpy(float),
        }
    )
    is_clock = np.zeros(n, dtype=bool)
    if n:
        clock_lut = {k: float(s.is_battery or s.is_hydrogen) for k, s in specs.items()}
        vt_ = trips["vehicle_type"].to_numpy(dtype=object)
        pt_ = trips["powertrain"].to_numpy(dtype=object)
        is_clock = np.zeros(n, dtype=bool)
        for (a, b), flag in clock_lut.items():
            is_clock[(vt_ == a) & (pt_ == b)] = bool(flag)
    served = ~is_clock
    reason = np.where(is_clock, "outside the horizon", "").astype(object)
    start_s = np.where(is_clock, np.nan, out["departure_s"].to_numpy())
    end_s = np.where(is_clock, np.nan, out["arrival_s"].to_numpy())
    delay_s = np.zeros(n)
    soc_start = np.full(n, np.nan)
    soc_end = np.full(n, np.nan)
    batt = np.zeros(n)
    h2 = np.zeros(n)
    fuel_clock = np.zeros(n)
    dh_km = trips["deadhead_km"].to_numpy(float).copy() if n else np.zeros(0)
    if log.trips:
        lt = frame_of(log.trips, _TRIP_LOG_COLS, "ibofffffffff")
        ix = lt["row_idx"].to_numpy(int)
        served[ix] = lt["served"].to_numpy(bool)
        reason[ix] = lt["reason"].to_numpy(object)
        start_s[ix] = lt["start_s"].to_numpy(float)
        end_s[ix] = lt["end_s"].to_numpy(float)
        delay_s[ix] = lt["delay_s"].to_numpy(float)
        soc_start[ix] = lt["soc_start"].to_numpy(float)
        soc_end[ix] = lt["soc_end"].to_numpy(float)
        batt[ix] = lt["battery_kwh"].to_numpy(float)
        h2[ix] = lt["hydrogen_kg"].to_numpy(float)
        dh_km[ix] = lt["deadhead_km_run"].to_numpy(float)
        fuel_clock[ix] = lt["fuel"].to_numpy(float)
    # fuel vehicles: closed form; trips outside the horizon are not run
    if n:
        outside = (~is_clock) & (
            (out["departure_s"].to_numpy() < t0) | (out["arrival_s"].to_numpy() > t1)
        )
        served[outside] = False
        reason[outside] = "outside the horizon"
        fuel_run = (~is_clock) & served
        if fuel_run.any():  # fuel vehicles follow the same clock: late when a deadhead is long
            f_start, f_end, f_delay = fuel_timeline(
                out["departure_s"].to_numpy(float),
                out["arrival_s"].to_numpy(float),
                trips["deadhead_s"].to_numpy(float),
                trips["vehicle_id"].astype(str).to_numpy(dtype=object),
                fuel_run,
                t0,
            )
            start_s[fuel_run] = f_start[fuel_run]
            end_s[fuel_run] = f_end[fuel_run]
            delay_s[fuel_run] = f_delay[fuel_run]
    km = trips["distance_km"].to_numpy(float) if n else np.zeros(0)
    dh_km = np.where(served, dh_km, 0.0)
    run_km = np.where(served, km + dh_km, 0.0)
    if n:  # fuel per km x speed factor (1.0 unless the speed_factor option is on)
        run_km_sf = np.where(
            served,
            km * trips["speed_factor"].to_numpy(float)
            + dh_km * trips["deadhead_speed_factor"].to_numpy(float),
            0.0,
        )
    else:
        run_km_sf = run_km
    # fuel: closed form for fuel-only vehicles, the kernel's figure for phevs
    fuel = np.where(
        is_clock,
        fuel_clock,
        run_km_sf * _spec_column(trips, specs, "fuel_per_100km", prep.vehicle_specs) / 100.0
        if n
        else np.zeros(0),
    )
    pt = out["powertrain"].to_numpy()
    fcol = _fuel_columns_of(pt)
    out["served"] = served
    out["reason"] = reason
    out["start_s"] = start_s
    out["end_s"] = end_s
    out["delay_s"] = delay_s
    out["distance_km"] = np.where(served, km, 0.0)
    out["deadhead_km"] = dh_km
    out["battery_kwh"] = batt
    out["hydrogen_kg"] = h2
    for c in pts.FUEL_COLUMNS:
        out[c] = np.where(fcol == c, fuel, 0.0)
    out["soc_start"] = soc_start
    out["soc_end"] = soc_end
    if n:
        pax = trips["passengers"].to_numpy(float)
        pax = np.where(
            np.isnan(pax), _spec_column(trips, specs, "passengers", prep.vehicle_specs), pax
        )
        pay = trips["payload_t"].to_numpy(float)
        pay = np.where(
            np.isnan(pay), _spec_column(trips, specs, "payload_t", prep.vehicle_specs), pay
        )
        out["passenger_km"] = np.where(served, km * pax, 0.0)
        out["tonne_km"] = np.where(served, km * pay, 0.0)
        need = km * np.where(
            np.isin(pt, list(pts.BATTERY)),
            _spec_column(trips, specs, "kwh_per_km", prep.vehicle_specs),
            0.0,
        )
        out["need_kwh"] = need
    else:
        out["passenger_km"] = out["tonne_km"] = out["need_kwh"] = np.zeros(0)
    if taxis is not None:
        out = append_rows(out, taxis.trips_table())
    return out


def sessions_table(prep: Prepared, log: Log) -> pd.DataFrame:
    """Return the charging / refuelling sessions (with ``station_index`` for the builders)."""
    st_ids = prep.stations["id"].to_numpy() if len(prep.stations) else np.array([], dtype=object)
    ses = frame_of(log.sessions, _SESSION_COLS, "ooioffffffff")
    ses.insert(2, "station_id", st_ids[ses["station_index"].to_numpy(int)] if len(ses) else [])
    ses["wait_s"] = ses["plug_s"] - ses["arrive_s"]
    return ses


def segments_table(
    scenario: Scenario, prep: Prepared, log: Log, t0: float, t1: float
) -> pd.DataFrame:
    """Return the grid draw segments clipped to the horizon, with energy and tariff cost."""
    st_ids = prep.stations["id"].to_numpy() if len(prep.stations) else np.array([], dtype=object)
    seg = frame_of(
        log.segments, ["station_index", "vehicle_type", "start_s", "end_s", "grid_kw"], "iofff"
    )
    seg["start_s"] = seg["start_s"].clip(t0, t1)
    seg["end_s"] = seg["end_s"].clip(t0, t1)
    seg = seg[seg["end_s"] > seg["start_s"]].reset_index(drop=True)
    seg.insert(0, "station_id", st_ids[seg["station_index"].to_numpy(int)] if len(seg) else [])
    seg["grid_kwh"] = (seg["end_s"] - seg["start_s"]) * seg["grid_kw"] / 3600.0
    tariff = resolve_tariff(scenario.options.tariff, scenario.tariffs)
    seg["cost_cny"] = (
        energy_cost_cny(seg["start_s"], seg["end_s"], seg["grid_kw"], tariff)
        if len(seg)
        else []
    )
    return seg


def vehicles_table(
    scenario: Scenario,
    prep: Prepared,
    log: Log,
    out: pd.DataFrame,
    ses: pd.DataFrame,
    taxis: TaxiDispatch | TaxiTables | None = None,
) -> pd.DataFrame:
    """Return the vehicles table: per vehicle trips, distance, energy, fuel, CO2 and SoC.

    ``out`` is :func:`trips_table`, ``ses`` :func:`sessions_table`. Pull-ins of fuel vehicles
    are computed here; battery and fuel-cell pull-ins are in the kernel's log.
    """
    ef = scenario.emission_factors
    specs = prep.specs
    veh = prep.vehicles[["vehicle_id", "vehicle_type", "powertrain", "exempt", "fleet"]].copy()
    veh["vehicle_id"] = veh["vehicle_id"].astype(str)
    if taxis is not None:
        veh = pd.concat([veh, taxis.vehicles_table()[veh.columns]], ignore_index=True)
    extra = pd.DataFrame.from_dict(log.vehicles, orient="index")
    g = out.groupby("vehicle_id")
    agg = pd.DataFrame(
        {
            "trips_served": g["served"].sum(),
            "trips_missed": g["served"].size() - g["served"].sum(),
            "distance_km": g["distance_km"].sum() + g["deadhead_km"].sum(),
            "trip_battery_kwh": g["battery_kwh"].sum(),
            "hydrogen_kg": g["hydrogen_kg"].sum(),
            **{c: g[c].sum() for c in pts.FUEL_COLUMNS},
        }
    )
    veh = veh.join(agg, on="vehicle_id")
    # pull-ins of fuel vehicles (battery and fcev pull-ins are in the kernel's log)
    pin = prep.vehicles.set_index(prep.vehicles["vehicle_id"].astype(str))
    veh["pullin_km"] = 0.0
    fuel_mask = (
        ~text_isin(veh["vehicle_id"], extra.index)
        & text_isin(veh["vehicle_id"], pin.index)
        & ~veh["powertrain"].isin(list(pts.ON_CLOCK))
    )
    if fuel_mask.any():
        ids = veh.loc[fuel_mask, "vehicle_id"]
        has_depot = pin.loc[ids, "depot_station"].to_numpy() >= 0
        pkm = np.where(has_depot, pin.loc[ids, "pullin_km"].to_numpy(float), 0.0)
        veh.loc[fuel_mask, "pullin_km"] = pkm
        if "pullin_speed_factor" in pin:
            pkm = pkm * pin.loc[ids, "pullin_speed_factor"].to_numpy(float)
        vt = veh.loc[fuel_mask, "vehicle_type"].to_numpy()
        pw = veh.loc[fuel_mask, "powertrain"].to_numpy()
        sp_of = [
            prep.vehicle_specs.get(i) or specs[(a, b)]
            for i, a, b in zip(ids.to_numpy(object), vt, pw, strict=True)
        ]
        per = np.array([sp.fuel_per_100km for sp in sp_of])
        pcol = _fuel_columns_of(pw)
        for c in pts.FUEL_COLUMNS:
            veh.loc[fuel_mask, c] += np.where(pcol == c, pkm * per / 100.0, 0.0)
    if len(extra):
        e = extra.reindex(veh["vehicle_id"])
        clock = e["extra_km"].notna().to_numpy()
        veh.loc[clock, "pullin_km"] = e["extra_km"].to_numpy(float)[clock]
        is_h2 = veh["powertrain"].isin(list(pts.HYDROGEN)).to_numpy()
        veh["battery_kwh"] = np.where(clock & ~is_h2, e["drawn_kwh"].to_numpy(float), 0.0)
        veh.loc[clock & is_h2, "hydrogen_kg"] += e["extra_energy"].to_numpy(float)[clock & is_h2]
        veh["idle_kwh"] = np.where(clock, e["idle_kwh"].fillna(0).to_numpy(float), 0.0)
        veh["soc_start"] = e["soc_start"].to_numpy(float)
        veh["soc_end"] = e["soc_end"].to_numpy(float)
    else:
        veh["battery_kwh"] = 0.0
        veh["idle_kwh"] = 0.0
        veh["soc_start"] = np.nan
        veh["soc_end"] = np.nan
    veh["distance_km"] = veh["distance_km"].fillna(0.0) + veh["pullin_km"]
    for c in ("trips_served", "trips_missed", "hydrogen_kg", *pts.FUEL_COLUMNS):
        veh[c] = veh[c].fillna(0)
    if len(extra):  # fuel outside trips: phev pull-ins, fuel taxis' last repositioning
        fuel_x = (
            e["extra_fuel"].fillna(0.0).to_numpy(float)
            if "extra_fuel" in e
            else np.zeros(len(veh))
        )
        vcol = _fuel_columns_of(veh["powertrain"].to_numpy())
        for c in pts.FUEL_COLUMNS:
            m = clock & (vcol == c)
            if m.any():
                veh.loc[m, c] += fuel_x[m]
    ses_grid = ses.groupby("vehicle_id")["grid_kwh"].sum() if len(ses) else pd.Series(dtype=float)
    veh["grid_kwh"] = veh["vehicle_id"].map(ses_grid).fillna(0.0).to_numpy(float)
    veh["co2_kg"] = co2_kg(
        grid_kwh=veh["grid_kwh"],
        diesel_l=veh["diesel_l"],
        gasoline_l=veh["gasoline_l"],
        cng_kg=veh["cng_kg"],
        lng_kg=veh["lng_kg"],
        hydrogen_kg=veh["hydrogen_kg"],
        factors=ef,
    )
    veh = veh.drop(columns=["trip_battery_kwh"])
    cap_of = {k: v.battery_kwh for k, v in prep.vehicle_specs.items()}
    if taxis is not None:
        cap_of.update(
            {
                t["vehicle_id"]: sp.battery_kwh
                for t, sp in zip(taxis.taxis, taxis.specs, strict=True)
            }
        )
    veh["capacity_kwh"] = [
        cap_of[i] if i in cap_of else (specs[(a, b)].battery_kwh if (a, b) in specs else 0.0)
        for i, a, b in zip(
            veh["vehicle_id"].to_numpy(object),
            veh["vehicle_type"].to_numpy(object),
            veh["powertrain"].to_numpy(object),
            strict=True,
        )
    ]
    return veh


def summary_totals(
    scenario: Scenario,
    veh: pd.DataFrame,
    out: pd.DataFrame,
    ses: pd.DataFrame,
    seg: pd.DataFrame,
    pv: dict[str, Any] | None,
) -> dict[str, Any]:
    """Return the CONTRACT totals (``simulate --json`` keys) and ``by_type``."""
    ef = scenario.emission_factors

    def block(
        vmask: np.ndarray,
        tmask: np.ndarray,
        smask: np.ndarray,
        segmask: np.ndarray,
        vtype: str | None = None,
    ) -> dict[str, Any]:
        v = veh[vmask]
        # the sessions' and segments' columns this block reads, masked one by one (a city's
        # tables are not copied whole per block); the same values in the same order
        sg = segmask if len(seg) else np.zeros(0, dtype=bool)
        grid = float(pd.Series(seg_cols["grid_kwh"][sg]).sum()) if sg.any() else 0.0
        if pv is not None:  # depot PV offsets grid draw (minute resolution)
            key = vtype or "__all__"
            grid -= pv["used_kwh"].get(key, 0.0)
            peak = float(pv["net_kw"][key].max()) if key in pv["net_kw"] else 0.0
        else:
            peak = (
                peak_kw(seg_cols["start_s"][sg], seg_cols["end_s"][sg], seg_cols["grid_kw"][sg])
                if sg.any()
                else 0.0
            )
        waits = ses_wait[smask & charged] / 60.0 if len(ses) else np.zeros(0)
        t_served = served[tmask]  # one column: a city's trips table is not copied per block
        return {
            "vehicles": len(v),
            "trips_total": len(t_served),
            "trips_served": int(t_served.sum()),
            "trips_missed": int((~t_served).sum()),
            "distance_km": float(v["distance_km"].sum()),
            "battery_energy_kwh": float(v["battery_kwh"].sum()),
            "grid_energy_kwh": grid,
            "hydrogen_kg": float(v["hydrogen_kg"].sum()),
            "diesel_l": float(v["diesel_l"].sum()),
            "gasoline_l": float(v["gasoline_l"].sum()),
            "co2_kg": float(
                co2_kg(
                    grid_kwh=grid,
                    diesel_l=v["diesel_l"].sum(),
                    gasoline_l=v["gasoline_l"].sum(),
                    cng_kg=v["cng_kg"].sum(),
                    lng_kg=v["lng_kg"].sum(),
                    hydrogen_kg=v["hydrogen_kg"].sum(),
                    factors=ef,
                )
            ),
            "peak_grid_kw": peak,
            "charge_wait_mean_min": float(waits.mean()) if waits.size else 0.0,
            "charge_wait_max_min": float(waits.max()) if waits.size else 0.0,
        }

    served = out["served"].to_numpy(bool)
    seg_cols = {
        c: seg[c].to_numpy(float) if len(seg) else np.zeros(0)
        for c in ("grid_kwh", "start_s", "end_s", "grid_kw")
    }
    ses_wait = ses["wait_s"].to_numpy(float) if len(ses) else np.zeros(0)
    charged = (ses["action"] != "gave_up").to_numpy(bool) if len(ses) else np.zeros(0, bool)
    all_v = np.ones(len(veh), dtype=bool)
    totals: dict[str, Any] = {"scenario": scenario.name, "seed": scenario.seed}
    totals.update(
        block(
            all_v,
            np.ones(len(out), dtype=bool),
            np.ones(len(ses), dtype=bool),
            np.ones(len(seg), dtype=bool),
        )
    )
    by_type: dict[str, Any] = {}
    for vt in sorted(set(veh["vehicle_type"])):
        type_block = block(
            (veh["vehicle_type"] == vt).to_numpy(),
            (out["vehicle_type"] == vt).to_numpy(),
            (ses["vehicle_type"] == vt).to_numpy() if len(ses) else np.zeros(0, bool),
            (seg["vehicle_type"] == vt).to_numpy() if len(seg) else np.zeros(0, bool),
            vt,
        )
        by_type[vt] = {k: type_block[k] for k in TYPE_KEYS}
    totals["by_type"] = by_type
    return totals


def stations_table(prep: Prepared, ses: pd.DataFrame, seg: pd.DataFrame) -> pd.DataFrame:
    """Return the stations table: sessions, give-ups, energy, waits, cost and peak per station."""
    stt = prep.stations.drop(columns=["node"]).copy()
    if len(stt):
        sg = seg.groupby("station_id")
        sv = ses[ses["action"] != "gave_up"].groupby("station_id")
        stt["sessions"] = stt["id"].map(sv.size()).fillna(0).astype(int)
        stt["gave_up"] = (
            stt["id"]
            .map(ses[ses["action"] == "gave_up"].groupby("station_id").size())
            .fillna(0)
            .astype(int)
        )
        stt["battery_kwh"] = stt["id"].map(sv["battery_kwh"].sum()).fillna(0.0)
        stt["grid_kwh"] = stt["id"].map(sg["grid_kwh"].sum()).fillna(0.0)
        stt["hydrogen_kg"] = stt["id"].map(sv["hydrogen_kg"].sum()).fillna(0.0)
        stt["wait_mean_min"] = stt["id"].map(sv["wait_s"].mean() / 60.0).fillna(0.0)
        stt["wait_max_min"] = stt["id"].map(sv["wait_s"].max() / 60.0).fillna(0.0)
        stt["cost_cny"] = stt["id"].map(sg["cost_cny"].sum()).fillna(0.0)
        peaks = {sid: peak_kw(a, b, kw) for sid, a, b, kw in by_station(seg)}
        stt["peak_kw"] = stt["id"].map(peaks).fillna(0.0)
    return stt


def load_table(
    seg: pd.DataFrame, pv: dict[str, Any] | None, t0: float, t1: float
) -> pd.DataFrame:
    """Return the grid load per station per minute [kW] (net of PV when there is PV)."""
    loads: dict[str, np.ndarray] = {}
    grid_s = None
    for sid, a, b, p_kw in by_station(seg):
        grid_s, kw = load_profile_kw(a, b, p_kw, t0, t1)
        loads[str(sid)] = kw
    if grid_s is None:
        grid_s, _ = load_profile_kw(np.zeros(0), np.zeros(0), np.zeros(0), t0, t1)
    if pv is not None:
        loads.update(pv["station_net_kw"])
    return pd.DataFrame(loads, index=pd.Index(grid_s, name="minute_start_s"))


def summary_extras(
    scenario: Scenario,
    prep: Prepared,
    model: Model | ClockEnd,
    out: pd.DataFrame,
    veh: pd.DataFrame,
    seg: pd.DataFrame,
    totals: dict[str, Any],
    pv: dict[str, Any] | None,
    t0: float,
    t1: float,
) -> dict[str, Any]:
    """Return the summary's extras: cost, turnover, intensity, NEV shares, PV, GTFS, off-graph."""
    pax_km = float(out["passenger_km"].sum())
    tkm = float(out["tonne_km"].sum())
    turnover = float(converted_turnover_tkm(pax_km, tkm, scenario.options.passenger_km_factor))
    elig = veh[~veh["exempt"].astype(bool)]
    extras = {
        "cost_cny": float(seg["cost_cny"].sum()) if len(seg) else 0.0,
        "cng_kg": float(veh["cng_kg"].sum()),
        "lng_kg": float(veh["lng_kg"].sum()),
        "passenger_km": pax_km,
        "tonne_km": tkm,
        "converted_turnover_tkm": turnover,
        "co2_kg_per_tkm": float(intensity_kg_per_tkm(totals["co2_kg"], turnover)),
        "vehicles_eligible": len(elig),
        "vehicles_exempt": int(len(veh) - len(elig)),
        "nev_share_of_eligible": float(elig["powertrain"].isin(list(pts.NEV)).mean())
        if len(elig)
        else float("nan"),
        "nev_share_by_type": {
            vt: float(d["powertrain"].isin(list(pts.NEV)).mean())
            for vt, d in elig.groupby("vehicle_type")
        },
        "delay_mean_s": float(out.loc[out["served"], "delay_s"].mean())
        if out["served"].any()
        else 0.0,
        "horizon_s": [t0, t1],
        "pv_kwh_used": float(pv["used_kwh"].get("__all__", 0.0)) if pv is not None else 0.0,
        "pv_kwh_generated": float(pv["generated_kwh"]) if pv is not None else 0.0,
        "temperature_factor": model.temp_factor,
        "gtfs": prep.gtfs,
        "off_graph_points": int(prep.off_graph.get("points", 0)),
        "off_graph_drives_estimated": int(prep.off_graph.get("trips_estimated", 0))
        + int(prep.off_graph.get("deadheads_estimated", 0)),
    }
    return extras


def events_table(log: Log) -> pd.DataFrame:
    """Return the kernel's event log as a table."""
    return frame_of(log.events, ["t_s", "vehicle_id", "event", "soc", "station_id"], "foofo")


def assemble(
    scenario: Scenario,
    prep: Prepared,
    model: Model | ClockEnd,
    log: Log,
    taxis: TaxiDispatch | TaxiTables | None = None,
) -> SimulationResult:
    """Turn the kernel's log into the result tables and CONTRACT totals.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    prep : Prepared
        Prepared inputs.
    model : Model or ClockEnd
        The model after running, or what the tables read of it (:meth:`ClockEnd.of`).
    log : Log
        Its log.
    taxis : TaxiDispatch or TaxiTables, optional
        The taxi dispatcher when there were ride requests, or its tables
        (:meth:`~fleetopt.simulation.taxi_tables.TaxiTables.of`, so that the dispatcher can
        be freed first, as :func:`fleetopt.simulation.engine.run_prepared` does).

    Returns
    -------
    SimulationResult
    """
    t0, t1 = model.t0, model.t_end
    # the log's tuples (a city's day: millions) become columns first, before the trips table
    # (the largest) is built: they take a third of the memory as columns
    events = events_table(log)
    ses = sessions_table(prep, log)
    seg = segments_table(scenario, prep, log, t0, t1)
    out = trips_table(scenario, prep, log, t0, t1, taxis)
    pv = pv_offset(scenario, prep, seg, t0, t1)
    veh = vehicles_table(scenario, prep, log, out, ses, taxis)
    tot = summary_totals(scenario, veh, out, ses, seg, pv)
    stt = stations_table(prep, ses, seg)
    load = load_table(seg, pv, t0, t1)
    ext = summary_extras(scenario, prep, model, out, veh, seg, tot, pv, t0, t1)
    return SimulationResult(
        scenario_name=scenario.name,
        seed=scenario.seed,
        horizon_s=(t0, t1),
        trips=out,
        vehicles=veh,
        sessions=ses.drop(columns=["station_index"]),
        stations=stt,
        segments=seg.drop(columns=["station_index"]),
        events=events,
        load_kw=load,
        totals=tot,
        extras=ext,
    )
