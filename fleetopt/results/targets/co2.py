# Trace texts quote long sources.
# ruff: noqa: E501

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
from collections.abc import Mapping
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
    _trace,
    _trace_input,
)
from fleetopt.results.targets.annual import annual_co2_kg, annual_distance_km, climate_factors

#: Operating segments of the CO2-intensity target: road passenger and freight vehicles.
CO2_SEGMENTS = ("bus", "taxi", "light_logistics")


def _emission_factors(given: dict[str, Any] | None) -> dict[str, Any]:
    """Return the default emission factors updated with ``given`` (a scenario's)."""
    ef: dict[str, Any] = dict(default_emission_factors())
    ef.update(given or {})
    return ef


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
    energy_factors: dict[str, dict[str, float]] | None = None,
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
    energy_factors : dict, optional
        ``{segment: {"electricity": f, "fossil": f}}``: the year's energy per km over that
        at the rows' 20 °C reference [-] (:func:`fleetopt.results.targets.annual.climate_factors`);
        a missing entry is 1.

    Returns
    -------
    float
        Intensity [kg CO2/t-km]; NaN when no segment has data.
    """
    ef = _emission_factors(emission_factors)
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
        climate = (energy_factors or {}).get(seg, {})
        ice_kg_per_km = (
            ice.l_per_100km / 100.0 * float(ef[f"{fossil}_kg_per_l"]) * climate.get("fossil", 1.0)
        )
        bev_kg_per_km = (
            bev.kwh_per_km
            / bev.charge_efficiency
            * _grid_factor(ef, year)
            * climate.get("electricity", 1.0)
        )
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
    energy_factors: dict[str, dict[str, float]] | None = None,
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
        "energy_factors": energy_factors,
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


def co2_row(
    fleet: Any,
    variants: list[Any],
    *,
    reference_year: int,
    vehicle_types: dict[str, Any] | None = None,
    emission_factors: dict[str, Any] | None = None,
    passenger_km_factor: float | None = None,
    simulation: Any = None,
    annual: Mapping[str, Any] | None = None,
    year: int = 2030,
    grid_source: str | None = None,
) -> tuple[float, float | None, float | None, list[dict[str, Any]]]:
    """Return the ``operating_co2_intensity_2030`` value, band and trace.

    Value: :func:`operating_co2_intensity_change_pct` of ``year`` vs ``reference_year`` with
    the central pandemic loads of the base. Band: every transition variant x the low and
    high pandemic loads. With an ``annual`` result (``simulate --annual``) its yearly
    distances weight the segments and its climate factors scale the energy rows
    (:mod:`fleetopt.results.targets.annual`); else a simulation's trips weight them; else
    stock x ``annual_km`` x load. ``grid_source`` names where the grid factor came from
    (region, scope and factor year, or an override); the trace carries it with the factors
    used for ``year`` and ``reference_year``.

    Returns
    -------
    tuple
        ``(value, low, high, trace)`` [%, %, %, list of trace entries].
    """
    factor = _factor(passenger_km_factor)
    energy_factors = climate_factors(annual) if annual is not None else None
    weights = _turnover_weights(annual if annual is not None else simulation, vehicle_types, factor)
    kw: dict[str, Any] = {
        "vehicle_types": vehicle_types,
        "emission_factors": emission_factors,
        "passenger_km_factor": factor,
        "energy_factors": energy_factors,
    }

    def change(t: Any, lf: dict[str, float] | None) -> float:
        return operating_co2_intensity_change_pct(
            t,
            year,
            reference_year=reference_year,
            turnover_weights=weights,
            reference_load_factors=lf,
            **kw,
        )

    lf_mid, lf_lo, lf_hi = (pandemic_load_factors(c) for c in ("value", "low", "high"))
    central = change(fleet, lf_mid)
    ends = [change(t, lf) for t in (fleet, *variants) for lf in (lf_lo, lf_hi)]
    ok = [x for x in (central, *ends) if not math.isnan(x)]
    lo, hi = (min(ok), max(ok)) if ok else (None, None)
    weights_now = weights or _default_weights(fleet, year, vehicle_types, factor)
    abs_now = operating_co2_intensity_kg_per_tkm(fleet, year, turnover_weights=weights_now, **kw)
    abs_ref = operating_co2_intensity_kg_per_tkm(
        fleet, reference_year, turnover_weights=weights_now, load_factors=lf_mid, **kw
    )
    abs_ref_normal = operating_co2_intensity_kg_per_tkm(
        fleet, reference_year, turnover_weights=weights_now, **kw
    )
    if annual is not None:
        source, where = "annual result", "the annual result's yearly distance per type x load"
    elif weights:
        source, where = "simulation", "the simulation's trips"
    else:
        source, where = "stock x annual_km x load", "target_inputs.csv annual_km rows"
    trace = [
        _trace(
            f"intensity_{year}_kg_per_tkm", abs_now, "kg CO2/t-km", "fleetopt (this row's model)"
        ),
        _trace(
            f"intensity_{reference_year}_kg_per_tkm",
            abs_ref,
            "kg CO2/t-km",
            "with the 2020 pandemic loads",
        ),
        _trace(
            f"intensity_{reference_year}_normal_loads_kg_per_tkm",
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
        _trace("passenger_km_factor", factor, "t-km/p-km", "simulation_options.csv (换算系数 0.1)"),
        _trace("turnover_weights", source, "t-km", where),
    ]
    ef_all = _emission_factors(emission_factors)
    single = not isinstance(ef_all["grid_kg_per_kwh"], dict)
    for y in (year, reference_year):
        trace.append(
            _trace(
                f"grid_kg_per_kwh_{y}",
                _grid_factor(ef_all, y),
                "kg CO2/kWh",
                (grid_source or "emission_factors.grid_kg_per_kwh")
                + (
                    "; the same factor in both years, so the change measures the fleet and "
                    "its energy use, not the grid's decarbonisation"
                    if single
                    else "; interpolated by year"
                ),
            )
        )
    if annual is not None:
        trace += _annual_trace(annual, energy_factors or {}, vehicle_types, factor)
    else:
        trace.append(
            _trace(
                "energy_per_km",
                "20 °C rows",
                "-",
                "vehicle_specs.csv at the 20 °C reference; pass an annual result "
                "(targets --annual-from) for Beijing's yearly climate",
            )
        )
    trace += [_trace_input("pandemic_load_factor_2020", s) for s in CO2_SEGMENTS]
    trace += [_trace_input("annual_km", s) for s in CO2_SEGMENTS]
    return central, lo, hi, trace


def _annual_trace(
    annual: Mapping[str, Any],
    energy_factors: dict[str, dict[str, float]],
    vehicle_types: dict[str, Any] | None,
    factor: float,
) -> list[dict[str, Any]]:
    """Trace entries of an annual result: its year, days, factors and measured intensity."""
    days = annual.get("days") or []
    out = [
        _trace(
            "annual_result",
            f"year {annual.get('year', '?')}, {len(days)} representative days, "
            f"{sum(float(d.get('weight_days') or 0) for d in days):g} days",
            "-",
            "simulate --annual (CONTRACT §7): Beijing's monthly climate, weekdays and weekends",
        )
    ]
    for seg in CO2_SEGMENTS:
        for carrier, f in sorted(energy_factors.get(seg, {}).items()):
            out.append(
                _trace(
                    f"{seg}.climate_factor.{carrier}",
                    f,
                    "-",
                    "annual result: yearly energy per km / energy per km at 20 °C "
                    "(interpolated between the representative days)",
                )
            )
    km = annual_distance_km(annual)
    co2_kg = annual_co2_kg(annual)
    for seg, (vtype, fossil) in _segment_types().items():
        spec = _spec(vtype, fossil, vehicle_types)
        tkm = km.get(seg, 0.0) * (spec.passengers * factor + spec.payload_t)
        if tkm > 0 and seg in CO2_SEGMENTS:
            out.append(
                _trace(
                    f"{seg}.simulated_fleet_kg_per_tkm",
                    co2_kg.get(seg, 0.0) / tkm,
                    "kg CO2/t-km",
                    f"annual result: {co2_kg.get(seg, 0.0):,.0f} kg CO2 over {tkm:,.0f} t-km "
                    "(the scenario's own fleet and powertrains, not the city's mix)",
                )
            )
    return out
