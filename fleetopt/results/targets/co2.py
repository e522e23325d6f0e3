"""Operating-vehicle CO2 per converted turnover (the ``operating_co2_intensity_2030`` row).

Per segment (bus, taxi, < 4.5 t delivery), CO2 per vehicle-km mixes the fossil and
battery-electric specs in the segment's NEV share of the stock; dividing by the converted
load gives kg CO2 per converted t-km, weighted by converted turnover. A simulation's trips
give the turnover weights; an annual result (``simulate --annual``) gives them and, when
it carries energy and CO2 totals per vehicle type, the measured CO2 per converted t-km of
the simulated fleet (:func:`annual_intensity`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.inputs.scenario import default_emission_factors
from fleetopt.results.targets._common import (
    _factor,
    _input,
    _segment_types,
    _spec,
    _summary,
)

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
