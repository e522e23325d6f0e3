"""Compare a scenario's projections with the Carbon Peak Plan's targets (``plan_targets.csv``).

Each row of ``fleetopt/data/plan_targets.csv`` becomes one ``targets --json`` object
``{id, description, target, unit, year, value, status, source}``. Values come from the
multi-year fleet transition (:mod:`fleetopt.domain.transition`), the green-travel model
(:mod:`fleetopt.domain.mode_share`) and, for the operating-vehicle CO2 intensity, the
vehicle specs and emission factors of the scenario (weighted by the simulation's
converted turnover when a simulation is given). The fleet rows carry a band from refitting
the transition with every mean life shortened and lengthened
(:func:`fleetopt.domain.transition.life_sensitivity_tables`); the green-travel rows carry
the mode-share model's Monte Carlo band.

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

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from fleetopt import defaults
from fleetopt.powertrains import NEV

logger = logging.getLogger(__name__)

#: Statuses, best first.
STATUSES = ("met", "on_track", "at_risk", "off_track", "no_data")

#: Keys of each ``targets --json`` row, in order.
ROW_KEYS = ("id", "description", "target", "unit", "year", "value", "status", "source")


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


def operating_co2_intensity_change_pct(
    transition: Any,
    year: int,
    *,
    reference_year: int,
    vehicle_types: dict[str, Any] | None = None,
    emission_factors: dict[str, float] | None = None,
    turnover_weights: dict[str, float] | None = None,
    passenger_km_factor: float | None = None,
) -> float:
    """Return the change of operating vehicles' CO2 per converted turnover vs a reference year [%].

    Per segment, CO2 per vehicle-km mixes the fossil and battery-electric specs in the
    segment's NEV share of the stock; dividing by the converted load (passengers x
    conversion factor + payload) gives kg CO2 per converted t-km. Segments are weighted by
    their converted turnover (held constant between the two years).

    Parameters
    ----------
    transition : fleetopt.domain.transition.TransitionResult
        The fleet projection.
    year : int
        Year evaluated [year].
    reference_year : int
        Year compared with [year].
    vehicle_types : dict, optional
        Scenario spec overrides.
    emission_factors : dict, optional
        ``grid_kg_per_kwh``, ``diesel_kg_per_l``, ``gasoline_kg_per_l`` [kg/kWh, kg/L].
    turnover_weights : dict, optional
        Converted turnover per segment [t-km]; default bus only.
    passenger_km_factor : float, optional
        Converted turnover per passenger-km [t-km/p-km]; default ``passenger_km_factor`` of
        ``simulation_options.csv`` (0.1).

    Returns
    -------
    float
        ``100 * (I(year) / I(reference_year) - 1)`` [%]; NaN when no segment has data.
    """
    from fleetopt.inputs.scenario import default_emission_factors
    from fleetopt.inputs.vehicles import resolve_spec

    ef = dict(default_emission_factors())
    ef.update(emission_factors or {})
    factor = _factor(passenger_km_factor)
    weights = turnover_weights or {"bus": 1.0}
    segs = defaults.load_table("operating_segments")

    def seg_param(seg: str, name: str) -> str:
        return str(segs[(segs.segment == seg) & (segs.name == name)].value.iloc[0])

    def intensity(y: int) -> float:
        num = den = 0.0
        for seg, w in weights.items():
            if w <= 0 or seg not in transition.segments or not transition.segments[seg].has_path:
                continue
            vtype, fossil = seg_param(seg, "vehicle_type"), seg_param(seg, "fossil_powertrain")
            ice = resolve_spec(vtype, fossil, vehicle_types)
            bev = resolve_spec(vtype, "bev", vehicle_types)
            ice_kg_per_km = ice.l_per_100km / 100.0 * ef[f"{fossil}_kg_per_l"]
            bev_kg_per_km = bev.kwh_per_km / bev.charge_efficiency * ef["grid_kg_per_kwh"]
            load_t = ice.passengers * factor + ice.payload_t
            if load_t <= 0:
                continue
            i = int(list(transition.years).index(y))
            s = transition.segments[seg]
            frac = s.nev_stock[i] / s.stock[i]
            num += w * (frac * bev_kg_per_km + (1 - frac) * ice_kg_per_km) / load_t
            den += w
        return num / den if den > 0 else math.nan

    ref = intensity(reference_year)
    return 100.0 * (intensity(year) / ref - 1.0) if ref and not math.isnan(ref) else math.nan


def _factor(passenger_km_factor: float | None) -> float:
    if passenger_km_factor is not None:
        return float(passenger_km_factor)
    return defaults.value("simulation_options", "passenger_km_factor")


#: Powertrains the plan counts as new energy (China's NEV: bev, phev, fcev; powertrains.csv).
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
        Share of battery-electric and fuel-cell vehicles [%]; NaN without such vehicles.
    """
    vehicles = getattr(simulation, "vehicles", None)
    if not isinstance(vehicles, pd.DataFrame) or vehicles.empty:
        return math.nan
    v = vehicles[vehicles["vehicle_type"] == vehicle_type]
    if "exempt" in v.columns:
        v = v[~v["exempt"].astype(bool)]
    if v.empty:
        return math.nan
    return float(100.0 * v["powertrain"].isin(NEV_POWERTRAINS).mean())


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
    from fleetopt.inputs.vehicles import resolve_spec

    for seg, (vtype, fossil) in _segment_types().items():
        km = float((summary["by_type"].get(vtype) or {}).get("distance_km") or 0.0)
        spec = resolve_spec(vtype, fossil, vehicle_types)
        out[seg] = km * (spec.passengers * factor + spec.payload_t)
    return out if any(v > 0 for v in out.values()) else None


def evaluate_targets(scenario: Any = None, simulation: Any = None) -> list[dict[str, Any]]:
    """Return the plan's targets with projected values and statuses (``targets --json`` rows).

    Parameters
    ----------
    scenario : fleetopt.inputs.scenario.Scenario, optional
        Supplies the ``[transition]`` and ``[mode_share]`` levers, spec overrides, emission
        factors and the seed of the uncertainty band. None = the calibrated defaults.
    simulation : SimulationResult or dict, optional
        A simulation (or its summary). Its converted turnover per vehicle type weights the
        CO2 intensity; its non-exempt sanitation and delivery vehicles give those two rows
        when the transition has no path for them (no published fleet size).

    Returns
    -------
    list of dict
        One row per ``plan_targets.csv`` row, keys :data:`ROW_KEYS`.
    """
    from fleetopt.domain.mode_share import project_mode_share
    from fleetopt.domain.transition import life_sensitivity_tables, project_transition

    transition_table = getattr(scenario, "transition", None) or {}
    mode_table = getattr(scenario, "mode_share", None) or {}
    vehicle_types = getattr(scenario, "vehicle_types", None) or {}
    emission_factors = getattr(scenario, "emission_factors", None) or {}
    seed = getattr(scenario, "seed", None)
    fleet = project_transition(transition_table)
    modes = project_mode_share(mode_table, seed=seed)
    ref_year = int(defaults.value("target_rules", "reference_year"))
    options = getattr(scenario, "options", None)
    factor = _factor(getattr(options, "passenger_km_factor", None))
    weights = _turnover_weights(simulation, vehicle_types, factor)
    if weights is None:
        logger.info("operating CO2 intensity: bus only (no simulated turnover to weight segments)")

    def green(year: int) -> tuple[float, float, float]:
        return (
            float(modes.green_pct.loc[year]),
            float(modes.green_low_pct.loc[year]),
            float(modes.green_high_pct.loc[year]),
        )

    alternatives = [project_transition(t) for t in life_sensitivity_tables(transition_table)]

    def banded(fn: Callable[[Any], float]) -> tuple[float, float | None, float | None]:
        """Central value and the min/max over the mean-life sensitivity runs."""
        central = fn(fleet)
        values = [v for v in (central, *(fn(a) for a in alternatives)) if not math.isnan(v)]
        if math.isnan(central) or not values:
            return central, None, None
        return central, min(values), max(values)

    def co2(tr: Any) -> float:
        return operating_co2_intensity_change_pct(
            tr,
            2030,
            reference_year=ref_year,
            vehicle_types=vehicle_types,
            emission_factors=emission_factors,
            turnover_weights=weights,
            passenger_km_factor=factor,
        )

    def scenario_share(
        segment: str, vtype: str, fn: Callable[[Any], float]
    ) -> tuple[float, float | None, float | None]:
        if fleet.segments[segment].has_path:
            return banded(fn)
        return simulated_nev_share_pct(simulation, vtype), None, None

    computed: dict[str, tuple[float, float | None, float | None]] = {
        "green_travel_share_2025": green(2025),
        "green_travel_share_2030": green(2030),
        "nev_stock_2025": banded(lambda t: t.nev_stock_total(2025)),
        "bus_nev_share_2025": banded(lambda t: t.nev_share_of_eligible_pct("bus", 2025)),
        "taxi_nev_share_2025": banded(lambda t: t.nev_share_of_eligible_pct("taxi", 2025)),
        "sanitation_new_nev_share_2025": scenario_share(
            "sanitation", "sanitation", lambda t: t.new_nev_share_pct("sanitation", 2021, 2025)
        ),
        "light_logistics_nev_share_2025": scenario_share(
            "light_logistics",
            "delivery",
            lambda t: t.nev_share_of_eligible_pct("light_logistics", 2025),
        ),
        "public_sector_electrified_2025": banded(lambda t: t.public_sector_share_pct(2025)),
        "new_vehicle_nev_share_2030": banded(lambda t: t.new_vehicle_nev_share_pct(2030)),
        "operating_co2_intensity_2030": banded(co2),
    }
    rows: list[dict[str, Any]] = []
    for r in defaults.load_table("plan_targets").itertuples(index=False):
        is_text = r.comparison == "text"
        value, low, high = computed.get(r.name, (math.nan, None, None))
        value_out = None if value is None or math.isnan(value) else round(float(value), 4)
        status = (
            "no_data"
            if is_text
            else target_status(value_out, float(r.value), str(r.comparison), low=low, high=high)
        )
        rows.append(
            {
                "id": r.name,
                "description": r.description,
                "target": r.description.split(":")[-1].strip() if is_text else float(r.value),
                "unit": r.unit,
                "year": None if pd.isna(r.year) else int(r.year),
                "value": value_out,
                "status": status,
                "source": r.source,
            }
        )
    return rows


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
        (shares in %).
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
    }
