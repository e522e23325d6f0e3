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
The status rule is :func:`fleetopt.results.targets.target_status`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fleetopt import defaults
from fleetopt.domain import mode_share as _mode_share
from fleetopt.domain import transition as _transition
from fleetopt.inputs.scenario import default_emission_factors, read_scenario
from fleetopt.inputs.scenario_options import default_options, default_year
from fleetopt.results.targets._common import (
    CLEAN_ENERGY,
    FLEET_TYPES,
    _band,
    _factor,
    _input,
    _row,
    _trace,
    _trace_input,
)
from fleetopt.results.targets.annual import check_annual, read_annual
from fleetopt.results.targets.co2 import (
    co2_row,
)
from fleetopt.results.targets.infrastructure import (
    _charging_points,
    _fcev_stock,
    _network_coverage_trace,
    simulated_nev_share_pct,
    simulated_shiftable_kw_per_vehicle,
)
from fleetopt.results.targets.pv import pv_trace_and_reason

logger = logging.getLogger(__name__)


def evaluate_targets(
    scenario: Any = None,
    simulation: Any = None,
    siting: Any = None,
    annual: Mapping[str, Any] | None = None,
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
    annual : dict, optional
        A year of operation (``simulate --annual``, :func:`.annual.check_annual`): its
        yearly distances weight the CO2 intensity's segments and its climate factors scale
        the energy rows; the row's trace says so.

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
    v, lo, hi, co2_trace = co2_row(
        fleet,
        variants,
        reference_year=ref_year,
        vehicle_types=vehicle_types,
        emission_factors=emission_factors,
        passenger_km_factor=factor,
        simulation=simulation,
        annual=annual,
        grid_source=_grid_source(scenario),
    )
    put("operating_co2_intensity_2030", v, lo, hi, co2_trace + common_trace())

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

    pv_trace, pv_reason = pv_trace_and_reason()
    put("pv_transport_infrastructure", math.nan, None, None, pv_trace, pv_reason)

    reasons = {
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


def _grid_source(scenario: Any) -> str:
    """Where the CO2 row's grid factor comes from: region, scope and factor year, or an override."""
    opts = default_options()
    o = getattr(scenario, "options", None)
    region = str(getattr(o, "grid_region", None) or opts["grid_region"])
    scope = str(getattr(o, "emission_scope", None) or opts["emission_scope"])
    year = int(getattr(scenario, "year", None) or default_year())
    text = (
        f"grid_emission_factors.csv, grid_region {region}, scope {scope}, factor of the "
        f"scenario year {year}"
    )
    given = (getattr(scenario, "emission_factors", None) or {}).get("grid_kg_per_kwh")
    if given is None:
        return text
    dflt = default_emission_factors(year, grid_region=region, scope=scope)["grid_kg_per_kwh"]
    return text if given == dflt else "[emission_factors] grid_kg_per_kwh of the scenario"


def targets_for_path(
    path: str | Path | None = None,
    *,
    annual: str | Path | Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Return the targets rows for a scenario file (or the calibrated defaults when None).

    Parameters
    ----------
    path : str or Path, optional
        Scenario TOML file; its ``[transition]`` and ``[mode_share]`` tables are used.
    annual : str, Path or dict, optional
        An annual result: the ``summary.json`` of ``simulate --annual``, the folder holding
        it, or the document itself (checked either way).

    Returns
    -------
    list of dict

    Raises
    ------
    InputError
        A bad scenario or annual result (exit 2 in the CLI).
    """
    doc: dict[str, Any] | None = None
    if annual is not None:
        doc = check_annual(annual) if isinstance(annual, Mapping) else read_annual(annual)
    scenario = read_scenario(Path(path)) if path is not None else None
    return evaluate_targets(scenario=scenario, annual=doc)


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
    scenario = None
    if path is not None:
        scenario = read_scenario(Path(path))
    tr = _transition.project_transition(getattr(scenario, "transition", None) or {})
    table = dict(getattr(scenario, "mode_share", None) or {})
    table["band_samples"] = 10  # the band does not enter the calibration
    ms = _mode_share.project_mode_share(table, seed=getattr(scenario, "seed", None))
    return {
        "transition": tr.calibration.to_dict(orient="records"),
        "mode_share": ms.calibration.to_dict(orient="records"),
        "hindcast": _mode_share.hindcast().to_dict(orient="records"),
    }
