# Trace texts quote long sources and Chinese plan text whole; traces are built by concatenation.
# ruff: noqa: E501, RUF005

"""Compare a scenario's projections with the Carbon Peak Plan's targets (``plan_targets.csv``).

Each row of ``fleetopt/data/plan_targets.csv`` becomes one ``targets --json`` object
``{id, description, target, unit, year, value, status, source, low, high, trace}`` plus
``reason`` when the status is ``no_data`` (CONTRACT §2, §8). Values come from the
multi-year fleet transition (:mod:`fleetopt.domain.transition`, powertrains and exemptions
as data), the green-travel model (:mod:`fleetopt.domain.mode_share`), sourced
infrastructure figures (``target_inputs.csv``) and, for the operating-vehicle CO2
intensity, the vehicle specs and emission factors of the scenario.

Bands (``low``/``high``): the fleet rows take the minimum and maximum over the transition
refitted with every mean life shortened and lengthened and every uncertain table input at
the low and the high end of its range, and the exempt share at both ends of its range; the
green-travel rows carry the mode-share model's Monte Carlo band; the infrastructure rows
combine the ranges of their inputs. ``trace`` lists the inputs with value, unit and source.

Status rule (:func:`target_status`), for a target ``T`` that a value ``V`` must reach
(``ge``: V >= T, ``le``: V <= T), with an optional band [low, high] around V:

- ``no_data``: no value (text targets, or no data and no scenario path).
- ``met``: V is an *observed* figure for the target year and reaches T.
- ``on_track``: the projection reaches T and so does the whole band.
- ``at_risk``: the projection reaches T but the band's unfavourable end does not; or it
  misses T but the favourable end of the band reaches it, or it misses T by at most
  ``at_risk_margin_frac`` (``target_rules.csv``, 5 %) of |T|.
- ``off_track``: otherwise (an observed figure that misses T is off track).
"""

from __future__ import annotations

import json
import logging
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.domain import mode_share as _mode_share
from fleetopt.domain import transition as _transition

logger = logging.getLogger(__name__)

#: Statuses, best first.
STATUSES = ("met", "on_track", "at_risk", "off_track", "no_data")

#: Keys of each ``targets --json`` row, in order (``reason`` follows on ``no_data`` rows).
ROW_KEYS = (
    "id", "description", "target", "unit", "year", "value", "status", "source", "low", "high",
    "trace",
)  # fmt: skip

#: New-energy powertrains (China's definition: battery-electric, plug-in hybrid, fuel cell).
NEV = _transition.NEV
#: New- and clean-energy powertrains: NEV plus natural gas and hybrids (the 2030 target's
#: 新能源、清洁能源; see docs/targets.md for the sources of this reading).
CLEAN_ENERGY = _transition.CLEAN_ENERGY


def target_status(
    value: float | None,
    target: float,
    comparison: str,
    *,
    low: float | None = None,
    high: float | None = None,
    observed: bool = False,
    margin_frac: float | None = None,
) -> str:
    """Classify a value against a target (rule in the module docstring).

    Parameters
    ----------
    value : float or None
        Projected or observed value [target unit]; None or NaN = no data.
    target : float
        Target value [target unit].
    comparison : str
        ``ge`` (value must reach at least the target) or ``le`` (at most).
    low, high : float, optional
        Uncertainty band around ``value`` [target unit].
    observed : bool
        True when ``value`` is a published figure for the target year.
    margin_frac : float, optional
        Relative at-risk margin [-]; default ``at_risk_margin_frac`` of ``target_rules.csv``.

    Returns
    -------
    str
        One of :data:`STATUSES`.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data"
    if comparison not in ("ge", "le"):
        return "no_data"
    if margin_frac is None:
        margin_frac = defaults.value("target_rules", "at_risk_margin_frac")

    def reaches(v: float) -> bool:
        return v >= target if comparison == "ge" else v <= target

    # favourable / unfavourable ends of the band
    worst = low if comparison == "ge" else high
    best = high if comparison == "ge" else low
    if observed:
        return "met" if reaches(value) else "off_track"
    if reaches(value):
        return "at_risk" if worst is not None and not reaches(worst) else "on_track"
    shortfall = (target - value) if comparison == "ge" else (value - target)
    scale = abs(target) if target != 0 else 1.0
    if (best is not None and reaches(best)) or shortfall <= margin_frac * scale:
        return "at_risk"
    return "off_track"


def _summary(simulation: Any) -> dict[str, Any] | None:
    if simulation is None:
        return None
    if isinstance(simulation, dict):
        return simulation
    summary = getattr(simulation, "summary", None)
    return summary() if callable(summary) else None


def _factor(passenger_km_factor: float | None) -> float:
    if passenger_km_factor is not None:
        return float(passenger_km_factor)
    return defaults.value("simulation_options", "passenger_km_factor")


@cache
def _input_row(name: str, segment: str = "all") -> Any:
    t = defaults.load_table("target_inputs")
    rows = t[(t.segment == segment) & (t.name == name)]
    if rows.empty:
        msg = f"target_inputs.csv has no row {segment}/{name}"
        raise KeyError(msg)
    return rows.iloc[0]


@cache
def _input(name: str, segment: str = "all", col: str = "value") -> float:
    return float(_input_row(name, segment)[col])


def _trace(name: str, value: Any, unit: str, source: str) -> dict[str, Any]:
    if isinstance(value, (float, np.floating)):
        value = round(float(value), 6)
    return {"input": name, "value": value, "unit": unit, "source": source}


def _trace_input(name: str, segment: str = "all") -> dict[str, Any]:
    r = _input_row(name, segment)
    label = name if segment == "all" else f"{segment}.{name}"
    rng = f" (range {r['low']:g}-{r['high']:g})" if r["low"] != r["high"] else ""
    return _trace(label, float(r["value"]), str(r["unit"]), f"{r['source']}{rng}")


_SPECS: dict[tuple[str, str, str], Any] = {}


def _spec(vtype: str, powertrain: str, vehicle_types: Any) -> Any:
    """``resolve_spec`` with a cache (the band calls it hundreds of times)."""
    from fleetopt.inputs.vehicles import resolve_spec

    key = (vtype, powertrain, json.dumps(vehicle_types or {}, sort_keys=True, default=str))
    if key not in _SPECS:
        _SPECS[key] = resolve_spec(vtype, powertrain, vehicle_types)
    return _SPECS[key]


#: Operating segments of the CO2-intensity target: road passenger and freight vehicles.
CO2_SEGMENTS = ("bus", "taxi", "light_logistics")


def _grid_factor(ef: dict[str, Any], year: int) -> float:
    g = ef["grid_kg_per_kwh"]
    if isinstance(g, dict):
        xs = sorted(int(k) for k in g)
        return float(np.interp(year, xs, [float(g[k] if k in g else g[str(k)]) for k in xs]))
    return float(g)


def operating_co2_intensity_kg_per_tkm(
    transition: Any,
    year: int,
    *,
    vehicle_types: dict[str, Any] | None = None,
    emission_factors: dict[str, Any] | None = None,
    turnover_weights: dict[str, float] | None = None,
    passenger_km_factor: float | None = None,
    load_factors: dict[str, float] | None = None,
) -> float:
    """Return operating vehicles' CO2 per converted tonne-km in one year [kg CO2/t-km].

    Per segment, CO2 per vehicle-km mixes the fossil and battery-electric specs in the
    segment's NEV share of the stock (plug-in hybrids and fuel-cell vehicles are counted at
    the battery-electric rate); dividing by the converted load (passengers x conversion
    factor + payload, times ``load_factors``) gives kg CO2 per converted t-km. Segments are
    weighted by their converted turnover.

    Parameters
    ----------
    transition : fleetopt.domain.transition.TransitionResult
        The fleet projection.
    year : int
        Year evaluated [year].
    vehicle_types : dict, optional
        Scenario spec overrides.
    emission_factors : dict, optional
        ``grid_kg_per_kwh`` (a number or ``{year: value}``), ``diesel_kg_per_l``,
        ``gasoline_kg_per_l`` [kg/kWh, kg/L].
    turnover_weights : dict, optional
        Converted turnover per segment [t-km]; default: stock x ``annual_km``
        (``target_inputs.csv``) x converted load, for :data:`CO2_SEGMENTS`.
    passenger_km_factor : float, optional
        Converted turnover per passenger-km [t-km/p-km]; default ``passenger_km_factor`` of
        ``simulation_options.csv`` (0.1).
    load_factors : dict, optional
        Load per vehicle-km relative to a normal year, by segment [-] (the 2020 pandemic).

    Returns
    -------
    float
        Intensity [kg CO2/t-km]; NaN when no segment has data.
    """
    from fleetopt.inputs.scenario import default_emission_factors

    ef: dict[str, Any] = dict(default_emission_factors())
    ef.update(emission_factors or {})
    factor = _factor(passenger_km_factor)
    types = _segment_types()
    i = int(list(transition.years).index(year))
    weights = turnover_weights
    if weights is None:
        weights = _default_weights(transition, year, vehicle_types, passenger_km_factor)
    num = den = 0.0
    for seg, w in weights.items():
        if w <= 0 or seg not in transition.segments or not transition.segments[seg].has_path:
            continue
        vtype, fossil = types[seg]
        ice = _spec(vtype, fossil, vehicle_types)
        bev = _spec(vtype, "bev", vehicle_types)
        ice_kg_per_km = ice.l_per_100km / 100.0 * float(ef[f"{fossil}_kg_per_l"])
        bev_kg_per_km = bev.kwh_per_km / bev.charge_efficiency * _grid_factor(ef, year)
        load_t = (ice.passengers * factor + ice.payload_t) * (load_factors or {}).get(seg, 1.0)
        if load_t <= 0:
            continue
        s = transition.segments[seg]
        frac = s.nev_stock[i] / s.stock[i]
        num += w * (frac * bev_kg_per_km + (1 - frac) * ice_kg_per_km) / load_t
        den += w
    return num / den if den > 0 else math.nan


def operating_co2_intensity_change_pct(
    transition: Any,
    year: int,
    *,
    reference_year: int,
    vehicle_types: dict[str, Any] | None = None,
    emission_factors: dict[str, Any] | None = None,
    turnover_weights: dict[str, float] | None = None,
    passenger_km_factor: float | None = None,
    reference_load_factors: dict[str, float] | None = None,
) -> float:
    """Return the change of operating vehicles' CO2 per converted turnover vs a reference year [%].

    ``100 * (I(year) / I(reference_year) - 1)`` with
    :func:`operating_co2_intensity_kg_per_tkm`; the turnover weights are those of ``year``
    for both years, and ``reference_load_factors`` scale the reference year's loads (the
    2020 base had pandemic-low loads, which raise its intensity).

    Returns
    -------
    float
        Change [%]; NaN when no segment has data.
    """
    kw: dict[str, Any] = {
        "vehicle_types": vehicle_types,
        "emission_factors": emission_factors,
        "passenger_km_factor": passenger_km_factor,
    }
    if turnover_weights is None:
        turnover_weights = _default_weights(transition, year, vehicle_types, passenger_km_factor)
    now = operating_co2_intensity_kg_per_tkm(
        transition, year, turnover_weights=turnover_weights, **kw
    )
    ref = operating_co2_intensity_kg_per_tkm(
        transition,
        reference_year,
        turnover_weights=turnover_weights,
        load_factors=reference_load_factors,
        **kw,
    )
    return 100.0 * (now / ref - 1.0) if ref and not math.isnan(ref) else math.nan


def _default_weights(
    transition: Any, year: int, vehicle_types: Any, passenger_km_factor: float | None
) -> dict[str, float]:
    """Return converted turnover per CO2 segment: stock x ``annual_km`` x converted load [t-km]."""
    factor = _factor(passenger_km_factor)
    i = int(list(transition.years).index(year))
    out = {}
    for seg in CO2_SEGMENTS:
        vtype, fossil = _segment_types()[seg]
        spec = _spec(vtype, fossil, vehicle_types)
        out[seg] = (
            float(transition.segments[seg].stock[i])
            * _input("annual_km", seg)
            * (spec.passengers * factor + spec.payload_t)
        )
    return out


def pandemic_load_factors(col: str = "value") -> dict[str, float]:
    """Return the 2020 loads relative to a normal year by segment (``target_inputs.csv``) [-]."""
    return {seg: _input("pandemic_load_factor_2020", seg, col) for seg in CO2_SEGMENTS}


#: Powertrains the plan counts as new energy (kept for older callers).
NEV_POWERTRAINS = tuple(sorted(NEV))


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


@cache
def _segment_types() -> dict[str, tuple[str, str]]:
    segs = defaults.load_table("operating_segments")
    out = {}
    for seg in segs.segment.unique():
        rows = segs[segs.segment == seg].set_index("name").value
        out[str(seg)] = (str(rows["vehicle_type"]), str(rows["fossil_powertrain"]))
    return out


def _turnover_weights(
    simulation: Any,
    vehicle_types: dict[str, Any] | None,
    factor: float,
) -> dict[str, float] | None:
    """Return the converted turnover per segment of a simulation [t-km].

    From the trips table (``passenger_km``, ``tonne_km``) when the simulation has one, else
    from the summary's distances times the default loads of ``vehicle_specs.csv``.
    """
    if simulation is None:
        return None
    out: dict[str, float] = {}
    trips = getattr(simulation, "trips", None)
    needed = {"vehicle_type", "passenger_km", "tonne_km"}
    if isinstance(trips, pd.DataFrame) and needed <= set(trips.columns):
        for seg, (vtype, _) in _segment_types().items():
            t = trips[trips["vehicle_type"] == vtype]
            out[seg] = float(
                t["tonne_km"].fillna(0).sum() + factor * t["passenger_km"].fillna(0).sum()
            )
        return out if any(v > 0 for v in out.values()) else None
    summary = _summary(simulation)
    if not summary or not isinstance(summary.get("by_type"), dict):
        return None
    for seg, (vtype, fossil) in _segment_types().items():
        km = float((summary["by_type"].get(vtype) or {}).get("distance_km") or 0.0)
        spec = _spec(vtype, fossil, vehicle_types)
        out[seg] = km * (spec.passengers * factor + spec.payload_t)
    return out if any(v > 0 for v in out.values()) else None


#: Vehicle type of each public-fleet segment (peak shaving, simulated shares).
FLEET_TYPES = {
    "bus": "bus",
    "taxi": "taxi",
    "sanitation": "sanitation",
    "light_logistics": "delivery",
}


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


def _band(values: list[float]) -> tuple[float | None, float | None]:
    ok = [v for v in values if v is not None and not math.isnan(v)]
    return (min(ok), max(ok)) if ok else (None, None)


def evaluate_targets(
    scenario: Any = None, simulation: Any = None, siting: Any = None
) -> list[dict[str, Any]]:
    """Return the plan's targets with projected values, bands, traces and statuses.

    Parameters
    ----------
    scenario : fleetopt.inputs.scenario.Scenario, optional
        Supplies the ``[transition]`` and ``[mode_share]`` levers, spec overrides, emission
        factors and the seed of the uncertainty band. None = the calibrated defaults.
    simulation : SimulationResult or dict, optional
        A simulation (or its summary). Its converted turnover per vehicle type weights the
        CO2 intensity; its load curve gives the shiftable charging load per vehicle; its
        non-exempt sanitation and delivery vehicles are reported in those rows' traces.
    siting : SitingResult or dict, optional
        A siting result; its open sites are reported in the network row's trace.

    Returns
    -------
    list of dict
        One row per ``plan_targets.csv`` row, keys :data:`ROW_KEYS` (+ ``reason``).
    """
    transition_table = dict(getattr(scenario, "transition", None) or {})
    mode_table = getattr(scenario, "mode_share", None) or {}
    vehicle_types = getattr(scenario, "vehicle_types", None) or {}
    emission_factors = getattr(scenario, "emission_factors", None) or {}
    seed = getattr(scenario, "seed", None)
    fleet = _transition.project_transition(transition_table)
    variants = [
        _transition.project_transition(t, bound=b)
        for t in _transition.life_sensitivity_tables(transition_table)
        for b in ("low", "high")
    ]
    modes = _mode_share.project_mode_share(mode_table, seed=seed)
    ref_year = int(defaults.value("target_rules", "reference_year"))
    options = getattr(scenario, "options", None)
    factor = _factor(getattr(options, "passenger_km_factor", None))
    sim_weights = _turnover_weights(simulation, vehicle_types, factor)
    exempt_override = transition_table.get("exempt_pct", {})
    life_src = (
        "survival_curves.csv mean lives x (1 -/+ life_uncertainty_frac), transition_params.csv"
    )
    bound_src = (
        "fleet_stats.csv / segment_powertrains.csv low and high columns (transition refitted)"
    )

    def exempt_bounds(seg: str) -> tuple[float, float, float]:
        over = exempt_override.get(seg)
        return (
            _transition.exempt_frac(seg, over, "low"),
            _transition.exempt_frac(seg, over),
            _transition.exempt_frac(seg, over, "high"),
        )

    def exempt_trace(seg: str) -> list[dict[str, Any]]:
        over = exempt_override.get(seg)
        if isinstance(over, (int, float)):
            return [
                _trace(
                    f"{seg}.exempt_pct", float(over), "percent", "scenario [transition.exempt_pct]"
                )
            ]
        out = []
        for cls, r in _transition.exempt_classes(seg).items():
            v = float(over[cls]) if isinstance(over, dict) and cls in over else float(r.value)
            src = (
                "scenario [transition.exempt_pct]"
                if isinstance(over, dict) and cls in over
                else (f"{r.source} (range {r.low:g}-{r.high:g})")
            )
            out.append(_trace(f"{seg}.exempt_pct.{cls}", v, "percent", src))
        return out

    def common_trace() -> list[dict[str, Any]]:
        return [
            _trace(
                "mean_life_uncertainty_frac",
                _transition._param("transition_params", "life_uncertainty_frac"),
                "-",
                life_src,
            ),
            _trace("input_ranges", "low/high", "-", bound_src),
        ]

    def share_row(
        seg: str, fn: Any
    ) -> tuple[float, float | None, float | None, list[dict[str, Any]]]:
        lo_ex, mid_ex, hi_ex = exempt_bounds(seg)
        central = fn(fleet, mid_ex)
        lows = [fn(t, lo_ex) for t in (fleet, *variants)]
        highs = [fn(t, hi_ex) for t in (fleet, *variants)]
        lo, _ = _band([central, *lows])
        _, hi = _band([central, *highs])
        stock_rows = defaults.load_table("fleet_stats")
        srow = stock_rows[(stock_rows.segment == seg) & (stock_rows.name == "stock_vehicles")]
        trace = (
            [
                _trace(
                    f"{seg}.stock_vehicles",
                    float(srow.iloc[0].value),
                    "vehicles",
                    f"{srow.iloc[0].source} (range {srow.iloc[0].low}-{srow.iloc[0].high})",
                )
            ]
            if len(srow)
            else []
        )
        cal = fleet.calibration[fleet.calibration.segment == seg]
        trace += [
            _trace(
                f"{seg}.{c.metric}@{c.time_year:g}",
                float(c.observed),
                "percent" if c.metric.endswith("pct") else "vehicles",
                f"{c.source}; modelled {c.modelled:.4g} ({c.error_pct:+.1f} %)",
            )
            for c in cal.itertuples(index=False)
        ]
        split = fleet.segments[seg].split
        trace.append(
            _trace(
                f"{seg}.clean_fossil_frac",
                fleet.segments[seg].clean_fossil_frac,
                "-",
                f"segment_powertrains.csv {split.get('fossil', {})}",
            )
        )
        return central, lo, hi, trace + exempt_trace(seg) + common_trace()

    def fleet_band(fn: Any) -> tuple[float, float | None, float | None]:
        central = fn(fleet)
        lo, hi = _band([central, *(fn(t) for t in variants)])
        return central, lo, hi

    computed: dict[str, dict[str, Any]] = {}

    def put(
        tid: str,
        value: float,
        low: float | None,
        high: float | None,
        trace: list[dict[str, Any]],
        reason: str | None = None,
    ) -> None:
        computed[tid] = {"value": value, "low": low, "high": high, "trace": trace, "reason": reason}

    # green travel
    ms_src = "mode_share_observed.csv / mode_share_elasticities.csv / mode_share_levers.csv"
    hind = _mode_share.hindcast()
    hind_txt = "; ".join(
        f"{r.mode} {r.year}: observed {r.observed:g}, predicted {r.predicted:.1f} ({r.error_points:+.1f} points)"
        for r in hind.itertuples(index=False)
    )
    for tid, year in (("green_travel_share_2025", 2025), ("green_travel_share_2030", 2030)):
        put(
            tid,
            float(modes.green_pct.loc[year]),
            float(modes.green_low_pct.loc[year]),
            float(modes.green_high_pct.loc[year]),
            [
                _trace(
                    "base_year_green_share_2019",
                    float(modes.green_pct.loc[2019]),
                    "percent",
                    ms_src,
                ),
                _trace(
                    "trend_persistence",
                    float(mode_table.get("trend_persistence", _mode_share._p("trend_persistence"))),
                    "-",
                    "mode_share_params.csv (band: 0-1)",
                ),
                _trace(
                    "elasticities",
                    "low-high",
                    "-",
                    "mode_share_elasticities.csv (Monte Carlo band, 5th-95th percentile)",
                ),
                _trace(
                    "hindcast_fit_until_2019",
                    hind_txt,
                    "percent",
                    "fleetopt.domain.mode_share.hindcast",
                ),
                _trace(
                    "published_shares_2021_2024",
                    "not found",
                    "percent",
                    "searched; only 2020 (73.1 %) and 2022 walk/bike (six central districts) found",
                ),
            ],
        )

    v, lo, hi = fleet_band(lambda t: t.nev_stock_total(2025))
    cal_all = fleet.calibration[fleet.calibration.segment == "all"]
    put(
        "nev_stock_2025",
        v,
        lo,
        hi,
        [
            _trace(
                f"nev_stock@{c.time_year:g}",
                float(c.observed),
                "vehicles",
                f"{c.source}; modelled {c.modelled:.4g} ({c.error_pct:+.1f} %)",
            )
            for c in cal_all.itertuples(index=False)
        ]
        + [_trace("nev_definition", "bev+phev+fcev", "-", "CONTRACT §6 (China's NEV definition)")]
        + common_trace(),
    )

    put(
        "bus_nev_share_2025",
        *share_row("bus", lambda t, ex: t.nev_share_of_eligible_pct("bus", 2025, ex)),
    )
    put(
        "taxi_nev_share_2025",
        *share_row("taxi", lambda t, ex: t.nev_share_of_eligible_pct("taxi", 2025, ex)),
    )
    put(
        "sanitation_new_nev_share_2025",
        *share_row("sanitation", lambda t, ex: t.new_nev_share_pct("sanitation", 2021, 2025, ex)),
    )
    put(
        "light_logistics_nev_share_2025",
        *share_row(
            "light_logistics",
            lambda t, ex: t.nev_share_of_eligible_pct("light_logistics", 2025, ex),
        ),
    )
    put(
        "airport_ground_vehicles_electrified",
        *share_row("airport", lambda t, ex: t.nev_share_of_eligible_pct("airport", 2030, ex)),
    )
    for tid, vtype in (
        ("sanitation_new_nev_share_2025", "sanitation"),
        ("light_logistics_nev_share_2025", "delivery"),
    ):
        sim_share = (
            simulated_nev_share_pct(simulation, vtype) if simulation is not None else math.nan
        )
        if not math.isnan(sim_share):
            computed[tid]["trace"].append(
                _trace(
                    f"simulated_{vtype}_nev_share",
                    sim_share,
                    "percent",
                    "the simulation's non-exempt vehicles (one operator, not the city)",
                )
            )

    def public(t: Any) -> float:
        return float(t.public_sector_share_pct(2025))

    v, lo, hi = fleet_band(public)
    put(
        "public_sector_electrified_2025",
        v,
        lo,
        hi,
        [
            _trace(
                "segments",
                "bus + taxi + sanitation",
                "-",
                "plan §(16): 公交、巡游出租、环卫等公共领域用车",
            ),
        ]
        + exempt_trace("bus")
        + exempt_trace("taxi")
        + exempt_trace("sanitation")
        + common_trace(),
    )

    v, lo, hi = fleet_band(lambda t: t.new_clean_share_pct(2030))
    put(
        "new_vehicle_nev_share_2030",
        v,
        lo,
        hi,
        [
            _trace(
                "counted_powertrains",
                ", ".join(sorted(CLEAN_ENERGY)),
                "-",
                "NEV (bev, phev, fcev) + natural gas (Hainan Daily 2019-07-02 definition of 清洁能源汽车, "
                "https://smelz.cn/article/zixun/detail-4163.html) + hybrids (Beijing counts hybrid buses as "
                "clean energy, Beijing Daily 2024-10-18)",
            ),
            _trace(
                "new_nev_share_2030",
                fleet.new_vehicle_nev_share_pct(2030),
                "percent",
                "fleet transition model",
            ),
        ]
        + common_trace(),
    )

    # operating CO2 intensity: bus, taxi, light logistics per converted turnover
    def co2(t: Any, lf: dict[str, float] | None) -> float:
        return operating_co2_intensity_change_pct(
            t,
            2030,
            reference_year=ref_year,
            vehicle_types=vehicle_types,
            emission_factors=emission_factors,
            turnover_weights=sim_weights,
            passenger_km_factor=factor,
            reference_load_factors=lf,
        )

    lf_mid, lf_lo, lf_hi = (pandemic_load_factors(c) for c in ("value", "low", "high"))
    central_co2 = co2(fleet, lf_mid)
    lo, hi = _band(
        [central_co2, *(co2(t, lf) for t in (fleet, *variants) for lf in (lf_lo, lf_hi))]
    )
    weights_now = sim_weights or _default_weights(fleet, 2030, vehicle_types, factor)
    abs_now = operating_co2_intensity_kg_per_tkm(
        fleet,
        2030,
        vehicle_types=vehicle_types,
        emission_factors=emission_factors,
        turnover_weights=weights_now,
        passenger_km_factor=factor,
    )
    abs_ref = operating_co2_intensity_kg_per_tkm(
        fleet,
        ref_year,
        vehicle_types=vehicle_types,
        emission_factors=emission_factors,
        turnover_weights=weights_now,
        passenger_km_factor=factor,
        load_factors=lf_mid,
    )
    abs_ref_normal = operating_co2_intensity_kg_per_tkm(
        fleet,
        ref_year,
        vehicle_types=vehicle_types,
        emission_factors=emission_factors,
        turnover_weights=weights_now,
        passenger_km_factor=factor,
    )
    put(
        "operating_co2_intensity_2030",
        central_co2,
        lo,
        hi,
        [
            _trace(
                "intensity_2030_kg_per_tkm", abs_now, "kg CO2/t-km", "fleetopt (this row's model)"
            ),
            _trace(
                "intensity_2020_kg_per_tkm", abs_ref, "kg CO2/t-km", "with the 2020 pandemic loads"
            ),
            _trace(
                "intensity_2020_normal_loads_kg_per_tkm",
                abs_ref_normal,
                "kg CO2/t-km",
                "2020 fleet with normal loads: the pandemic raised the base by "
                f"{100 * (abs_ref / abs_ref_normal - 1):.1f} %, which makes the -10 % easier",
            ),
            _trace(
                "segments",
                ", ".join(CO2_SEGMENTS),
                "-",
                "operating road passenger (bus, taxi) and freight (< 4.5 t delivery) vehicles; heavy freight not modelled",
            ),
            _trace(
                "passenger_km_factor", factor, "t-km/p-km", "simulation_options.csv (换算系数 0.1)"
            ),
            _trace(
                "turnover_weights",
                "simulation" if sim_weights else "stock x annual_km x load",
                "t-km",
                "the simulation's trips" if sim_weights else "target_inputs.csv annual_km rows",
            ),
        ]
        + [_trace_input("pandemic_load_factor_2020", s) for s in CO2_SEGMENTS]
        + [_trace_input("annual_km", s) for s in CO2_SEGMENTS]
        + common_trace(),
    )

    # hydrogen
    fc = _fcev_stock(fleet, 2025)
    fc_lo, fc_hi = _band(
        [
            fc,
            *(_fcev_stock(t, 2025, "low") for t in (fleet, *variants)),
            *(_fcev_stock(t, 2025, "high") for t in (fleet, *variants)),
        ]
    )
    h2_kg = fc * _input("fcev_kg_per_day")
    put(
        "hydrogen_vehicles_scaled",
        fc,
        fc_lo,
        fc_hi,
        [
            _trace_input("fcev_stock_observed_upper_vehicles"),
            _trace(
                "fcev_split",
                "segment_powertrains.csv fcev rows",
                "-",
                "NEV additions by powertrain (ranges)",
            ),
            _trace(
                "hydrogen_demand_2025_kg_per_day", h2_kg, "kg/day", "FCEV stock x fcev_kg_per_day"
            ),
            _trace_input("fcev_kg_per_day"),
            _trace(
                "stations_needed_2025",
                h2_kg / _input("hydrogen_station_capacity_kg_per_day"),
                "stations",
                "hydrogen demand / mean planned station capacity",
            ),
            _trace_input("hydrogen_stations_target_2025"),
            _trace_input("hydrogen_station_capacity_kg_per_day"),
        ]
        + common_trace(),
    )

    # charging network
    pts, pts_lo, pts_hi, ptrace = _charging_points(fleet, 2025)
    var_pts = [_charging_points(t, 2025) for t in variants]
    lo, hi = _band([pts, pts_lo, pts_hi, *(p[1] for p in var_pts), *(p[2] for p in var_pts)])
    ptrace += [_trace_input("service_radius_downtown_km"), _trace_input("service_radius_plain_km")]
    if simulation is not None or siting is not None:
        ptrace += _network_coverage_trace(simulation, siting)
    open_sites = (
        (
            siting.get("open_sites")
            if isinstance(siting, dict)
            else getattr(siting, "open_sites", None)
        )
        if siting is not None
        else None
    )
    if open_sites is not None:
        ptrace.append(
            _trace(
                "siting_open_sites", len(list(open_sites)), "sites", "the siting result passed in"
            )
        )
    put("charging_hydrogen_network", pts, lo, hi, ptrace + common_trace())

    # peak shaving: fleets' shiftable charging load at the peak hour / Beijing peak load
    sim_kw = simulated_shiftable_kw_per_vehicle(simulation) if simulation is not None else {}
    alt_window = (_input("grid_peak_start_h", col="low"), _input("grid_peak_end_h", col="low"))
    sim_kw_alt = (
        simulated_shiftable_kw_per_vehicle(simulation, alt_window) if simulation is not None else {}
    )

    def shift_mw(t: Any, col: str, sim: dict[str, float] | None = None) -> float:
        i = t._index(2025)
        total_kw = 0.0
        for seg in FLEET_TYPES:
            s = t.segments[seg]
            if not s.has_path:
                continue
            batt = s.nev_stock[i] * (
                s.split["nev"].get("bev", 0.0) + s.split["nev"].get("phev", 0.0)
            )
            kw = (sim_kw if sim is None else sim).get(
                seg, _input("shiftable_kw_per_vehicle", seg, col)
            )
            total_kw += batt * kw
        return total_kw / 1000.0

    peak = _input("peak_load_mw")
    v = 100.0 * shift_mw(fleet, "value") / peak
    lows: list[float] = []
    highs: list[float] = []
    for t in (fleet, *variants):
        for sim in (sim_kw, sim_kw_alt):
            lows.append(100.0 * shift_mw(t, "low", sim) / _input("peak_load_mw", col="high"))
            highs.append(100.0 * shift_mw(t, "high", sim) / _input("peak_load_mw", col="low"))
    lo, _ = _band([v, *lows])
    _, hi = _band([v, *highs])
    put(
        "grid_peak_shaving_2025",
        v,
        lo,
        hi,
        [
            _trace(
                "fleet_shiftable_mw_2025",
                shift_mw(fleet, "value"),
                "MW",
                "battery NEV stock 2025 x shiftable kW",
            ),
            _trace_input("peak_load_mw"),
            _trace_input("grid_peak_start_h"),
            _trace_input("grid_peak_end_h"),
        ]
        + [
            _trace(
                f"{seg}.shiftable_kw_per_vehicle",
                sim_kw[seg],
                "kW",
                "the simulation: its charging load in the grid's peak window / battery vehicles "
                "(an upper bound of what smart charging can move)",
            )
            if seg in sim_kw
            else _trace_input("shiftable_kw_per_vehicle", seg)
            for seg in FLEET_TYPES
        ]
        + [
            _trace(
                "scope",
                "city fleets only",
                "-",
                "the plan's 3-5 % counts every demand response; this row is the fleets' part",
            )
        ]
        + common_trace(),
    )

    reasons = {
        "pv_transport_infrastructure": (
            "no published figure of PV built on Beijing's transport infrastructure was found, and "
            "the plan gives no quantity for it ('build'); depot PV in a scenario is simulated "
            "(options.pv_kwp) but says nothing about the city"
        ),
        "new_energy_storage_2025": (
            "stationary storage is outside fleetopt's models and no installed-capacity figure "
            "for Beijing was found"
        ),
        "tou_pricing_reform": (
            "a policy reform with no quantity; fleetopt uses the tariffs (tariffs.csv) but "
            "cannot judge a reform"
        ),
    }
    return [
        _row(r, computed.get(r.name), reasons.get(r.name))
        for r in defaults.load_table("plan_targets").itertuples(index=False)
    ]


def _round(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), 4)


def _row(r: Any, comp: dict[str, Any] | None, reason: str | None) -> dict[str, Any]:
    is_text = r.comparison == "text"
    comp = comp or {}
    value = _round(comp.get("value"))
    low, high = _round(comp.get("low")), _round(comp.get("high"))
    if value is None:
        low = high = None
    else:
        low = value if low is None else min(low, value)
        high = value if high is None else max(high, value)
    status = (
        "no_data"
        if is_text
        else target_status(value, float(r.value), str(r.comparison), low=low, high=high)
    )
    row: dict[str, Any] = {
        "id": r.name,
        "description": r.description,
        "target": r.description.split(":")[-1].strip() if is_text else float(r.value),
        "unit": r.unit,
        "year": None if pd.isna(r.year) else int(r.year),
        "value": value,
        "status": status,
        "source": r.source,
        "low": low,
        "high": high,
        "trace": comp.get("trace", []),
    }
    if status == "no_data":
        row["reason"] = (
            reason
            or comp.get("reason")
            or "the model gives no value for this target with the scenario's inputs"
        )
    return row


def targets_for_path(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Return the targets rows for a scenario file (or the calibrated defaults when None).

    Parameters
    ----------
    path : str or Path, optional
        Scenario TOML file; its ``[transition]`` and ``[mode_share]`` tables are used.

    Returns
    -------
    list of dict
    """
    if path is None:
        return evaluate_targets()
    from fleetopt.inputs.scenario import read_scenario

    return evaluate_targets(scenario=read_scenario(Path(path)))


def calibration_tables(path: str | Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Return the models' calibration against the observed points (model vs published figure).

    Parameters
    ----------
    path : str or Path, optional
        Scenario TOML whose ``[transition]`` table changes survival curves or stocks (the
        ``[mode_share]`` levers do not move the historic fit).

    Returns
    -------
    dict
        ``transition``: rows ``segment, metric, time_year, observed, modelled, error_pct,
        source``; ``mode_share``: rows ``mode, year, observed, modelled, error_points, source``
        (shares in %); ``hindcast``: the green-travel model fitted up to 2019 against the
        published later figures (:func:`fleetopt.domain.mode_share.hindcast`).
    """
    from fleetopt.domain.mode_share import project_mode_share
    from fleetopt.domain.transition import project_transition

    scenario = None
    if path is not None:
        from fleetopt.inputs.scenario import read_scenario

        scenario = read_scenario(Path(path))
    tr = project_transition(getattr(scenario, "transition", None) or {})
    table = dict(getattr(scenario, "mode_share", None) or {})
    table["band_samples"] = 10  # the band does not enter the calibration
    ms = project_mode_share(table, seed=getattr(scenario, "seed", None))
    return {
        "transition": tr.calibration.to_dict(orient="records"),
        "mode_share": ms.calibration.to_dict(orient="records"),
        "hindcast": _mode_share.hindcast().to_dict(orient="records"),
    }
