"""The ``[options]``, ``[horizon]`` and ``[emission_factors]`` tables of a scenario.

Split from :mod:`fleetopt.inputs.scenario` (issue 13): their keys, their checks (each
problem located by its dotted key), the defaults from ``simulation_options.csv`` and the
frozen :class:`Options` the simulation reads.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fleetopt import defaults
from fleetopt.errors import Problem
from fleetopt.inputs import _caps
from fleetopt.inputs import emission_factors as _ef
from fleetopt.units import parse_clock_s

#: Keys of ``[emission_factors]``.
EMISSION_KEYS = (
    "grid_kg_per_kwh",
    "diesel_kg_per_l",
    "gasoline_kg_per_l",
    "cng_kg_per_kg",
    "hydrogen_kg_per_kg",
    "lng_kg_per_kg",
)

#: Charging strategies.
CHARGING_STRATEGIES = ("immediate", "smart")

#: Keys of ``[options]`` with their kind and default (the defaults' provenance is in
#: ``fleetopt/data/simulation_options.csv``).
OPTION_KEYS: dict[str, str] = {
    "charging": "str",
    "grid_limit_kw": "float",
    "tariff": "str",
    "pv_kwp": "float",
    "pv_date": "str",
    "pv_yield_kwh_per_kwp_yr": "float",
    "station_radius_m": "float",
    "passenger_km_factor": "float",
    "taxi_charge_soc": "float",
    "taxi_target_soc": "float",
    "max_wait_min": "float",
    "deadhead": "bool",
    "fcev_refuel_frac": "float",
    "speed_factor": "bool",
    "reposition_idle_min": "float",
    "reposition_hotspots": "float",
    "grid_region": "str",
    "emission_scope": "str",
    "hydrogen_pathway": "str",
    "weekend_demand_factor": "float",
}

#: Keys of ``[horizon]``.
HORIZON_KEYS = ("start", "end")


@dataclass(frozen=True)
class Options:
    """Simulation options (``[options]`` and ``[horizon]``).

    Attributes
    ----------
    charging : str
        ``immediate`` (CONTRACT §4 default) or ``smart`` (shift to cheap hours).
    grid_limit_kw : float
        Per-site grid connection limit [kW]; inf = none.
    tariff : str
        Tariff name in ``tariffs.csv``.
    pv_kwp : float
        Rooftop PV at each depot [kWp]; 0 = none.
    pv_date : str
        Day of the PV profile, ``YYYY-MM-DD``.
    pv_yield_kwh_per_kwp_yr : float
        Annual PV yield the clear-sky profile is scaled to [kWh/kWp/yr].
    station_radius_m : float
        A trip ending within this distance of a station ends at it [m].
    passenger_km_factor : float
        Converted-turnover factor of passenger-km [t-km per passenger-km].
    taxi_charge_soc : float
        Taxis go to charge below this state of charge [-].
    taxi_target_soc : float
        Taxis charge up to this state of charge [-].
    max_wait_min : float
        Default longest wait of a ride request [min].
    deadhead : bool
        Drive empty between trips (and to depots) on the road graph.
    fcev_refuel_frac : float
        FCEVs at a hydrogen station refuel when the tank is below this fill [-].
    speed_factor : bool
        Scale trip energy and fuel per km by the factor of the trip's average road speed
        (``speed_factors.csv``; ignored by ``energy_model = "constant"``).
    reposition_idle_min : float
        A taxi idle this long drives to the nearest demand hot spot [min]; 0 = never.
    reposition_hotspots : float
        Number of hot spots: the road nodes with the most request origins [-].
    horizon_start_s, horizon_end_s : float
        Horizon [s after service-day start]; ``end`` NaN = the last activity, at least 24 h.
    grid_region : str
        Grid whose emission factor prices a kWh (``grid_emission_factors.csv``).
    emission_scope : str
        ``well_to_wheel`` or ``tank_to_wheel`` (docs/nomenclature.md).
    hydrogen_pathway : str
        Production pathway of the hydrogen used (``hydrogen_pathways.csv``).
    weekend_demand_factor : float
        Demand of embedded generators on weekend days relative to weekdays (``--annual``) [-].
    """

    charging: str = "immediate"
    grid_limit_kw: float = math.inf
    tariff: str = "beijing-general-commercial-1-10kv"
    pv_kwp: float = 0.0
    pv_date: str = "2024-03-20"
    pv_yield_kwh_per_kwp_yr: float = 1200.0
    station_radius_m: float = 100.0
    passenger_km_factor: float = 0.1
    taxi_charge_soc: float = 0.2
    taxi_target_soc: float = 0.9
    max_wait_min: float = 10.0
    deadhead: bool = True
    fcev_refuel_frac: float = 1.0
    speed_factor: bool = False
    reposition_idle_min: float = 0.0
    reposition_hotspots: float = 3.0
    horizon_start_s: float = 0.0
    horizon_end_s: float = math.nan
    grid_region: str = "north_china"
    emission_scope: str = "well_to_wheel"
    hydrogen_pathway: str = "industrial_byproduct"
    weekend_demand_factor: float = 1.0


def is_num(v: Any) -> bool:
    """Return whether ``v`` is a finite int or float (a bool is not a number)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def default_year() -> int:
    """Return the default scenario year (``simulation_options.csv`` row ``year``)."""
    return int(defaults.value("simulation_options", "year"))


def check_table_keys(
    t: Any,
    allowed: tuple[str, ...] | Mapping[str, Any],
    pre: str,
    file: str | None,
    what: str,
) -> list[Problem]:
    """List the keys of table ``pre`` not in ``allowed`` (or say ``t`` is not a table)."""
    if not isinstance(t, Mapping):
        return [Problem(f"[{pre}] must be a table", None, pre, file)]
    return [
        Problem(
            f"unknown {what} key {k!r}; allowed: {', '.join(allowed)}", None, f"{pre}.{k}", file
        )
        for k in t
        if k not in allowed
    ]


def check_emission_factors(d: Mapping[str, Any], file: str | None) -> list[Problem]:
    """Check the ``[emission_factors]`` table of scenario ``d`` (keys and values)."""
    out: list[Problem] = []
    if "emission_factors" in d:
        ef = d["emission_factors"]
        out.extend(
            check_table_keys(ef, EMISSION_KEYS, "emission_factors", file, "emission factor")
        )
        if isinstance(ef, Mapping):
            for k, v in ef.items():
                if k in EMISSION_KEYS:
                    out.extend(_ef.check_factor(v, f"emission_factors.{k}", file))
    return out


def check_horizon(d: Mapping[str, Any], file: str | None) -> list[Problem]:
    """Check the ``[horizon]`` table of scenario ``d`` (keys, clock times, span)."""
    out: list[Problem] = []
    if "horizon" in d:
        h = d["horizon"]
        out.extend(check_table_keys(h, HORIZON_KEYS, "horizon", file, "horizon"))
        if isinstance(h, Mapping):
            clock: dict[str, float] = {}
            for k in HORIZON_KEYS:
                if k in h:
                    try:
                        clock[k] = parse_clock_s(str(h[k]))
                    except ValueError as exc:
                        out.append(Problem(str(exc), None, f"horizon.{k}", file))
            out.extend(_check_horizon_span(clock, file))
    return out


def check_options_table(d: Mapping[str, Any], file: str | None) -> list[Problem]:
    """Check the ``[options]`` table of scenario ``d`` (keys and values)."""
    out: list[Problem] = []
    if "options" in d:
        o = d["options"]
        out.extend(check_table_keys(o, tuple(OPTION_KEYS), "options", file, "option"))
        if isinstance(o, Mapping):
            tabs = d.get("tariffs")
            names = tuple(str(k) for k in tabs) if isinstance(tabs, Mapping) else ()
            out.extend(check_options(o, file, names))
    return out


def _check_horizon_span(clock: Mapping[str, float], file: str | None) -> list[Problem]:
    """``[horizon]`` start before end and a span within ``MAX_HORIZON_DAYS``."""
    start, end = clock.get("start", 0.0), clock.get("end")
    if end is None:
        return []
    if end <= start:
        return [Problem(
            f"horizon end ({end / 3600:g} h) must be after its start ({start / 3600:g} h); "
            "times past midnight are written 24:00 and later (e.g. 30:00)",
            None, "horizon.end", file,
        )]
    span_days = (end - start) / 86_400
    if span_days > _caps.MAX_HORIZON_DAYS:
        return [Problem(
            f"the horizon spans {span_days:,.1f} days; the limit is {_caps.MAX_HORIZON_DAYS} days "
            f"{_caps.how_to_raise('MAX_HORIZON_DAYS')}",
            None, "horizon.end", file,
        )]
    return []


def check_options(
    o: Mapping[str, Any], file: str | None, scenario_tariffs: tuple[str, ...] = ()
) -> list[Problem]:
    """Check the values of ``[options]`` (keys are checked by :func:`check_table_keys`).

    Parameters
    ----------
    o : mapping
        The ``[options]`` table.
    file : str or None
        Scenario file, copied into every problem.
    scenario_tariffs : tuple of str
        Tariff names the scenario defines (``[tariffs.NAME]``).

    Returns
    -------
    list of Problem
        Empty when every value is valid.
    """
    out: list[Problem] = []
    for k, v in o.items():
        kind = OPTION_KEYS.get(k)
        col = f"options.{k}"
        if kind is None:
            continue
        if kind == "bool" and not isinstance(v, bool):
            out.append(Problem(f"{k} must be true or false, got {v!r}", None, col, file))
        elif kind == "float" and (not is_num(v) or v < 0):
            out.append(Problem(f"{k} must be a number >= 0, got {v!r}", None, col, file))
        elif kind == "str" and not isinstance(v, str):
            out.append(Problem(f"{k} must be a string, got {v!r}", None, col, file))
    if "charging" in o and o["charging"] not in CHARGING_STRATEGIES:
        out.append(
            Problem(
                f"charging must be one of {', '.join(CHARGING_STRATEGIES)}, got {o['charging']!r}",
                None,
                "options.charging",
                file,
            )
        )
    if isinstance(o.get("tariff"), str):
        known = sorted(set(defaults.load_table("tariffs")["tariff"]) | set(scenario_tariffs))
        if o["tariff"] not in known:
            out.append(
                Problem(
                    f"unknown tariff {o['tariff']!r}; allowed: {', '.join(known)}",
                    None,
                    "options.tariff",
                    file,
                )
            )
    if isinstance(o.get("pv_date"), str):
        try:
            dt.date.fromisoformat(o["pv_date"])
        except ValueError:
            out.append(
                Problem(
                    f"pv_date must be a date YYYY-MM-DD, got {o['pv_date']!r}",
                    None,
                    "options.pv_date",
                    file,
                )
            )
    if is_num(o.get("weekend_demand_factor")) and not 0 < o["weekend_demand_factor"] <= 5:
        out.append(
            Problem(
                f"weekend_demand_factor must be within 0 (exclusive)..5, got "
                f"{o['weekend_demand_factor']!r}",
                None,
                "options.weekend_demand_factor",
                file,
            )
        )
    for k in ("taxi_charge_soc", "taxi_target_soc", "fcev_refuel_frac"):
        if is_num(o.get(k)) and o[k] > 1:
            out.append(
                Problem(f"{k} must be within 0..1, got {o[k]!r}", None, f"options.{k}", file)
            )
    for k, allowed in (
        ("grid_region", _ef.grid_regions()),
        ("emission_scope", _ef.SCOPES),
        ("hydrogen_pathway", _ef.hydrogen_pathways()),
    ):
        if isinstance(o.get(k), str) and o[k] not in allowed:
            out.append(
                Problem(
                    f"unknown {k} {o[k]!r}; allowed: {', '.join(allowed)}",
                    None,
                    f"options.{k}",
                    file,
                )
            )
    if is_num(o.get("grid_limit_kw")) and o["grid_limit_kw"] == 0:
        out.append(
            Problem(
                "grid_limit_kw must be > 0 (leave it out for no limit)",
                None,
                "options.grid_limit_kw",
                file,
            )
        )
    return out


def default_options() -> dict[str, Any]:
    """Return option defaults from ``simulation_options.csv`` (cited)."""
    table = defaults.params("simulation_options")
    out: dict[str, Any] = {}
    for k, kind in OPTION_KEYS.items():
        if k in table:
            v = table[k].value
            out[k] = bool(float(v)) if kind == "bool" else (str(v) if kind == "str" else float(v))
    return out


def default_emission_factors(
    year: int | None = None,
    *,
    grid_region: str | None = None,
    scope: str | None = None,
    hydrogen_pathway: str | None = None,
    column: str = "value",
) -> dict[str, float]:
    """Return the cited default emission factors of a year (defaults: ``simulation_options.csv``).

    Parameters
    ----------
    year : int, optional
        Year of the factors; default :func:`default_year`.
    grid_region, scope, hydrogen_pathway : str, optional
        The ``[options]`` of the same names; defaults from ``simulation_options.csv``.
    column : str
        ``value`` (central), ``low`` or ``high`` (the tables' band).

    Returns
    -------
    dict of str to float
        One factor per key of :data:`EMISSION_KEYS` (see :mod:`fleetopt.inputs.emission_factors`).
    """
    opts = default_options()
    return _ef.default_factors(
        EMISSION_KEYS,
        year=default_year() if year is None else int(year),
        grid_region=grid_region or str(opts["grid_region"]),
        scope=scope or str(opts["emission_scope"]),
        hydrogen_pathway=hydrogen_pathway or str(opts["hydrogen_pathway"]),
        column=column,
    )


def build_options(d: Mapping[str, Any]) -> Options:
    """Build the :class:`Options` of a checked scenario ``d``: defaults, ``[options]``, horizon."""
    opts = default_options()
    opts.update(d.get("options", {}))
    h = d.get("horizon", {})
    typed: dict[str, Any] = {
        k: (float(v) if OPTION_KEYS[k] == "float" else v) for k, v in opts.items()
    }
    options = Options(
        **typed,
        horizon_start_s=parse_clock_s(str(h["start"])) if "start" in h else 0.0,
        horizon_end_s=parse_clock_s(str(h["end"])) if "end" in h else math.nan,
    )
    return options
