"""Read, check and build scenario files (TOML, CONTRACT §4) into a frozen :class:`Scenario`.

A scenario names the road network, the fleets (trips files, GTFS feeds, ride requests
or an embedded generator), overrides of vehicle specs, the stations and options such
as the charging strategy. ``base = "other.toml"`` inherits another file (deep merge,
relative to the file). :func:`check_scenario_dict` reports every problem at once, each
located by its dotted key path (``vehicle_types.bus.bev.battery_kwh``, ``fleets.0.trips``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fleetopt import defaults, settings
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps, default_demand, gtfs
from fleetopt.inputs import emission_factors as _ef
from fleetopt.inputs._encoding import read_limited
from fleetopt.inputs.costs import check_costs_dict, check_tariffs_dict
from fleetopt.inputs.stations import empty_stations, read_stations, stations_from_records
from fleetopt.inputs.target_tables import check_mode_share_dict, check_transition_dict
from fleetopt.inputs.vehicles import (
    POWERTRAINS,
    VEHICLE_TYPES,
    check_combination,
    check_overrides,
)

logger = logging.getLogger(__name__)

#: Top-level keys of a scenario file.
TOP_KEYS = (
    "base",
    "name",
    "description",
    "seed",
    "ambient_temperature_c",
    "network",
    "emission_factors",
    "fleets",
    "vehicle_types",
    "vehicles",
    "stations",
    "horizon",
    "options",
    "transition",
    "mode_share",
    "year",
    "tariffs",
    "costs",
)

#: Keys of ``[emission_factors]``.
EMISSION_KEYS = (
    "grid_kg_per_kwh",
    "diesel_kg_per_l",
    "gasoline_kg_per_l",
    "cng_kg_per_kg",
    "hydrogen_kg_per_kg",
    "lng_kg_per_kg",
)

#: Keys of a ``[[fleets]]`` table.
FLEET_KEYS = (
    "name",
    "trips",
    "gtfs",
    "requests",
    "generator",
    "type",
    "size",
    "scale",
    "powertrain",
    "start",
    "max_wait_min",
    "date",
    "exempt_share",
)

#: Source keys of a fleet; exactly one is required.
FLEET_SOURCES = ("trips", "gtfs", "requests", "generator")

#: Embedded demand generators (``fleetopt.inputs.default_demand``).
GENERATORS = ("beijing-bus", "beijing-taxi", "beijing-sanitation", "beijing-delivery")

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
class Fleet:
    """One ``[[fleets]]`` entry.

    Attributes
    ----------
    index : int
        Position in the scenario's fleet list (for located messages).
    source : str
        ``trips``, ``gtfs``, ``requests`` or ``generator``.
    path : Path or None
        Input file (resolved against the scenario folder), None for a generator.
    generator : str or None
        Generator name for embedded default demand.
    vehicle_type : str or None
        Fleet type (required for requests; optional filter otherwise).
    size : int or None
        Number of vehicles (requests, generators).
    scale : float or None
        Scale factor of a generator's default size [-].
    powertrain : str or dict or None
        One powertrain or a mix ``{powertrain: share}``; for trips files it re-assigns
        every non-exempt vehicle (electrification scenario).
    start : tuple of (lon, lat) or None
        Start positions of taxis [deg], cycled when fewer than ``size``.
    max_wait_min : float or None
        Longest pickup wait of ride requests [min].
    name : str
        Label used in results.
    date : str or None
        Service day of a GTFS feed (``YYYY-MM-DD``); None = the feed's busiest day.
    """

    index: int
    source: str
    path: Path | None = None
    generator: str | None = None
    vehicle_type: str | None = None
    size: int | None = None
    scale: float | None = None
    powertrain: str | dict[str, float] | None = None
    start: tuple[tuple[float, float], ...] | None = None
    max_wait_min: float | None = None
    name: str = ""
    date: str | None = None


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


@dataclass(frozen=True)
class Scenario:
    """A checked scenario.

    Attributes
    ----------
    name : str
        Scenario name.
    seed : int
        Seed of every random choice.
    ambient_temperature_c : float
        Outdoor temperature of the day [°C].
    network : str
        Built-in network name or graph path.
    emission_factors : dict
        ``grid_kg_per_kwh`` [kg/kWh], ``diesel_kg_per_l`` [kg/L], ``gasoline_kg_per_l``
        [kg/L], ``cng_kg_per_kg`` [kg/kg], ``lng_kg_per_kg`` [kg/kg], ``hydrogen_kg_per_kg``
        [kg/kg]: floats resolved for ``year`` (by-year tables interpolated, defaults by grid
        region, scope and hydrogen pathway; :mod:`fleetopt.inputs.emission_factors`).
    fleets : tuple of Fleet
        The fleets.
    vehicle_types : dict
        Overrides ``{type: {powertrain: {key: value}}}``.
    stations : pandas.DataFrame
        Canonical stations table (see :mod:`fleetopt.inputs.stations`).
    options : Options
        Simulation options.
    transition, mode_share : dict
        Tables of the targets part, passed through.
    tariffs : dict
        Scenario tariffs ``{name: 24 hourly prices}`` [CNY/kWh] (``[tariffs.NAME]``).
    costs : dict
        The ``[costs]`` table (see :mod:`fleetopt.inputs.costs`), passed through.
    vehicles : dict
        Per-vehicle overrides ``{vehicle_id: {key: value}}`` (``[vehicles."<id>"]``), applied
        on top of the vehicle's (type, powertrain) spec.
    base_dir : Path
        Folder relative paths are resolved against.
    file : str or None
        Scenario file.
    raw : dict
        The merged scenario dictionary (for sweeps).
    year : int
        The year the scenario stands for (emission factors, the ``--annual`` calendar).
    """

    name: str
    seed: int
    ambient_temperature_c: float
    network: str
    emission_factors: dict[str, float]
    fleets: tuple[Fleet, ...]
    vehicle_types: dict[str, dict[str, dict[str, Any]]]
    stations: pd.DataFrame = field(repr=False)
    options: Options
    transition: dict[str, Any]
    mode_share: dict[str, Any]
    base_dir: Path
    file: str | None
    raw: dict[str, Any] = field(repr=False)
    vehicles: dict[str, dict[str, Any]] = field(default_factory=dict)
    year: int = field(default_factory=lambda: default_year())
    tariffs: dict[str, tuple[float, ...]] = field(default_factory=dict)
    costs: dict[str, Any] = field(default_factory=dict)



def _not_a_file(path: Path) -> str:
    """Say why ``path`` is not a data file: missing, or there but not a regular file."""
    if path.exists():  # a FIFO, device, socket or folder: never read (a FIFO would block)
        return f"not a regular file (a FIFO, device, socket or folder): {path}; give a data file"
    return f"file not found: {path}"


def default_year() -> int:
    """Return the default scenario year (``simulation_options.csv`` row ``year``)."""
    return int(defaults.value("simulation_options", "year"))


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(dict(out[k]), v)
        else:
            out[k] = v
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        msg = f"scenario file not found: {path}"
        raise InputError(msg, [Problem("file not found", None, None, str(path))])
    data = read_limited(path)  # a regular data file under the size cap (never a FIFO)
    if data.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte-order mark (Windows editors)
        data = data[3:]
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        if line is None:  # Python 3.11: the line is only in the message "(at line N, column M)"
            found = re.search(r"at line (\d+)", str(exc))
            line = int(found.group(1)) if found else None
        msg = f"{path}: not valid TOML ({exc})"
        raise InputError(msg, [Problem(f"not valid TOML: {exc}", line, None, str(path))]) from None
    except UnicodeDecodeError as exc:
        msg = f"{path}: not UTF-8 text"
        raise InputError(msg, [Problem(f"not UTF-8 text: {exc}", None, None, str(path))]) from None
    except RecursionError:
        msg = f"tables or arrays nested deeper than {_caps.MAX_NESTING}"
        raise _caps.over_cap(msg, "MAX_NESTING", _caps.MAX_NESTING, file=str(path)) from None
    except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
        text = data.decode("utf-8", errors="replace")
        found = re.search(r"\d{4300,}", text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
        digits = len(found.group(0)) if found else 4300
        msg = f"an integer of {digits:,} digits"
        raise _caps.over_cap(
            msg, "MAX_INT_DIGITS", _caps.MAX_INT_DIGITS, file=str(path), row=line
        ) from None
    _caps.check_structure(doc, file=str(path))
    return doc


def _rebase_paths(d: dict[str, Any], from_dir: Path, to_dir: Path) -> dict[str, Any]:
    """Make relative file paths of an inherited file relative to the inheriting file."""
    if from_dir == to_dir:
        return d
    out = dict(d)

    def fix(p: Any) -> Any:
        if isinstance(p, str) and not Path(p).is_absolute() and (from_dir / p).exists():
            return str((from_dir / p).resolve())
        return p

    if "fleets" in out and isinstance(out["fleets"], list):
        out["fleets"] = [
            {k: (fix(v) if k in ("trips", "gtfs", "requests") else v) for k, v in f.items()}
            if isinstance(f, Mapping)
            else f
            for f in out["fleets"]
        ]
    if isinstance(out.get("stations"), str):
        out["stations"] = fix(out["stations"])
    if isinstance(out.get("network"), str):
        out["network"] = fix(out["network"])
    return out


def load_scenario_dict(path: str | Path, *, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario TOML file, following ``base = "other.toml"`` (deep merge).

    Values of the file override those of its base; tables merge key by key, lists
    (fleets, stations) are replaced whole. Relative paths in a base file are made
    absolute so they keep pointing at the same files.

    Parameters
    ----------
    path : str or Path
        The scenario file.

    Returns
    -------
    dict
        The merged dictionary (without ``base``).

    Raises
    ------
    InputError
        When a file is missing, not TOML, or the ``base`` chain loops.
    """
    p = Path(path).resolve()
    if p in _seen:
        msg = f"{p}: base files form a loop"
        raise InputError(msg, [Problem("base files form a loop", None, "base", str(p))])
    d = _read_toml(p)
    base = d.pop("base", None)
    if base is None:
        return d
    if not isinstance(base, str):
        msg = f"{p}: base must be a file path"
        raise InputError(
            msg, [Problem(f"base must be a file path string, got {base!r}", None, "base", str(p))]
        )
    bp = (p.parent / base).resolve()
    parent = load_scenario_dict(bp, _seen=(*_seen, p))
    parent = _rebase_paths(parent, bp.parent, p.parent)
    return _deep_merge(parent, d)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_powertrain(v: Any, col: str, file: str | None) -> list[Problem]:
    if isinstance(v, str):
        if v not in POWERTRAINS:
            return [
                Problem(
                    f"unknown powertrain {v!r}; allowed: {', '.join(POWERTRAINS)}", None, col, file
                )
            ]
        return []
    if isinstance(v, Mapping):
        out: list[Problem] = []
        total = 0.0
        for k, share in v.items():
            if k not in POWERTRAINS:
                out.append(
                    Problem(
                        f"unknown powertrain {k!r}; allowed: {', '.join(POWERTRAINS)}",
                        None,
                        f"{col}.{k}",
                        file,
                    )
                )
            elif not _is_num(share) or share < 0:
                out.append(
                    Problem(f"share must be a number >= 0, got {share!r}", None, f"{col}.{k}", file)
                )
            else:
                total += float(share)
        if not out and abs(total - 1.0) > 1e-6:
            out.append(
                Problem(f"powertrain shares must add up to 1, got {total:g}", None, col, file)
            )
        return out
    return [Problem(f"powertrain must be a name or a table of shares, got {v!r}", None, col, file)]


def _check_fleet_pairs(f: Mapping[str, Any], pre: str, file: str | None) -> list[Problem]:
    """Flag fleet powertrains the fleet's vehicle type has no spec for (an LNG taxi)."""
    gen = f.get("generator")
    vtype = f.get("type") or ("taxi" if "requests" in f else None)
    if vtype is None and isinstance(gen, str) and gen.startswith("beijing-"):
        vtype = gen.removeprefix("beijing-")
    pt = f["powertrain"]
    if not isinstance(vtype, str):
        return []
    if isinstance(pt, str):
        return check_combination(vtype, pt, column=f"{pre}.powertrain", file=file)
    if isinstance(pt, Mapping):
        return [
            p
            for k in pt
            for p in check_combination(vtype, str(k), column=f"{pre}.powertrain", file=file)
        ]
    return []


def _check_fleet(i: int, f: Any, file: str | None) -> list[Problem]:
    pre = f"fleets.{i}"
    if not isinstance(f, Mapping):
        return [Problem("each [[fleets]] entry must be a table", None, pre, file)]
    out: list[Problem] = []
    for k in f:
        if k not in FLEET_KEYS:
            out.append(
                Problem(
                    f"unknown fleet key {k!r}; allowed: {', '.join(FLEET_KEYS)}",
                    None,
                    f"{pre}.{k}",
                    file,
                )
            )
    sources = [s for s in FLEET_SOURCES if s in f]
    if len(sources) != 1:
        out.append(
            Problem(
                f"a fleet needs exactly one of {', '.join(FLEET_SOURCES)}; "
                f"found {sources or 'none'}",
                None,
                pre,
                file,
            )
        )
    out.extend(_check_service_date(pre, f, file))
    for s in ("trips", "gtfs", "requests", "generator", "name"):
        if s in f and not (isinstance(f[s], str) and f[s].strip()):
            out.append(
                Problem(f"{s} must be a non-empty string, got {f[s]!r}", None, f"{pre}.{s}", file)
            )
    if isinstance(f.get("generator"), str) and f["generator"] not in GENERATORS:
        out.append(
            Problem(
                f"unknown generator {f['generator']!r}; allowed: {', '.join(GENERATORS)}",
                None,
                f"{pre}.generator",
                file,
            )
        )
    if "type" in f and f["type"] not in VEHICLE_TYPES:
        out.append(
            Problem(
                f"unknown vehicle type {f['type']!r}; allowed: {', '.join(VEHICLE_TYPES)}",
                None,
                f"{pre}.type",
                file,
            )
        )
    if "size" in f and (
        not isinstance(f["size"], int) or isinstance(f["size"], bool) or f["size"] < 1
    ):
        out.append(
            Problem(
                f"size must be a whole number >= 1, got {f['size']!r}", None, f"{pre}.size", file
            )
        )
    elif "size" in f and f["size"] > _caps.MAX_FLEET_SIZE:
        out.append(
            Problem(
                f"size {f['size']:,} exceeds the limit of {_caps.MAX_FLEET_SIZE:,} vehicles "
                f"{_caps.how_to_raise('MAX_FLEET_SIZE')}",
                None,
                f"{pre}.size",
                file,
            )
        )
    if "scale" in f and (not _is_num(f["scale"]) or f["scale"] <= 0):
        out.append(
            Problem(f"scale must be a number > 0, got {f['scale']!r}", None, f"{pre}.scale", file)
        )
    elif "scale" in f and f.get("generator") in default_demand.CITY_SIZE_PARAM:
        city = default_demand.demand_param(default_demand.CITY_SIZE_PARAM[f["generator"]])
        if f["scale"] * city > _caps.MAX_FLEET_SIZE:
            out.append(
                Problem(
                    f"scale {f['scale']:g} gives {f['scale'] * city:,.0f} vehicles; the limit is "
                    f"{_caps.MAX_FLEET_SIZE:,} {_caps.how_to_raise('MAX_FLEET_SIZE')}",
                    None,
                    f"{pre}.scale",
                    file,
                )
            )
    if "size" in f and "scale" in f:
        out.append(Problem("give size or scale, not both", None, f"{pre}.scale", file))
    if "max_wait_min" in f and (not _is_num(f["max_wait_min"]) or f["max_wait_min"] <= 0):
        out.append(
            Problem(
                f"max_wait_min must be a number > 0, got {f['max_wait_min']!r}",
                None,
                f"{pre}.max_wait_min",
                file,
            )
        )
    if "powertrain" in f:
        out.extend(_check_powertrain(f["powertrain"], f"{pre}.powertrain", file))
        out.extend(_check_fleet_pairs(f, pre, file))
    if "requests" in f:
        if f.get("type", "taxi") != "taxi":
            out.append(
                Problem('a requests fleet must have type = "taxi"', None, f"{pre}.type", file)
            )
        if "size" not in f:
            out.append(
                Problem("a requests fleet needs size (number of taxis)", None, f"{pre}.size", file)
            )
    if "start" in f:
        st = f["start"]
        ok = (
            isinstance(st, list)
            and st
            and all(isinstance(p, list) and len(p) == 2 and all(_is_num(x) for x in p) for p in st)
        )
        if not ok:
            out.append(
                Problem("start must be a list of [lon, lat] pairs", None, f"{pre}.start", file)
            )
    return out


def _check_table_keys(
    t: Any,
    allowed: tuple[str, ...] | Mapping[str, Any],
    pre: str,
    file: str | None,
    what: str,
) -> list[Problem]:
    if not isinstance(t, Mapping):
        return [Problem(f"[{pre}] must be a table", None, pre, file)]
    return [
        Problem(
            f"unknown {what} key {k!r}; allowed: {', '.join(allowed)}", None, f"{pre}.{k}", file
        )
        for k in t
        if k not in allowed
    ]


def check_scenario_dict(d: Mapping[str, Any], *, file: str | None = None) -> list[Problem]:
    """Check a (merged) scenario dictionary and return every problem at once.

    Parameters
    ----------
    d : mapping
        The scenario as read by :func:`load_scenario_dict`.
    file : str, optional
        Scenario file name, copied into every problem.

    Returns
    -------
    list of Problem
        Empty when the scenario is valid; ``column`` is the dotted key path.
    """
    out: list[Problem] = []
    for k in d:
        if k not in TOP_KEYS:
            out.append(
                Problem(
                    f"unknown scenario key {k!r}; allowed: {', '.join(TOP_KEYS)}",
                    None,
                    str(k),
                    file,
                )
            )
    if "name" in d and not isinstance(d["name"], str):
        out.append(Problem(f"name must be a string, got {d['name']!r}", None, "name", file))
    if "seed" in d and (
        not isinstance(d["seed"], int) or isinstance(d["seed"], bool) or d["seed"] < 0
    ):
        out.append(
            Problem(f"seed must be a whole number >= 0, got {d['seed']!r}", None, "seed", file)
        )
    if "ambient_temperature_c" in d:
        t = d["ambient_temperature_c"]
        if not _is_num(t) or not -50 <= t <= 50:
            out.append(
                Problem(
                    f"ambient_temperature_c must be a number within -50..50 °C, got {t!r}",
                    None,
                    "ambient_temperature_c",
                    file,
                )
            )
    if "network" in d and not (isinstance(d["network"], str) and d["network"].strip()):
        out.append(
            Problem(
                f"network must be a name or a path, got {d['network']!r}", None, "network", file
            )
        )
    if "year" in d:
        y = d["year"]
        lo, hi = _ef.YEAR_RANGE
        if not isinstance(y, int) or isinstance(y, bool) or not lo <= y <= hi:
            out.append(
                Problem(
                    f"year must be a whole number within {lo}..{hi}, got {y!r}", None, "year", file
                )
            )
    if "emission_factors" in d:
        ef = d["emission_factors"]
        out.extend(
            _check_table_keys(ef, EMISSION_KEYS, "emission_factors", file, "emission factor")
        )
        if isinstance(ef, Mapping):
            for k, v in ef.items():
                if k in EMISSION_KEYS:
                    out.extend(_ef.check_factor(v, f"emission_factors.{k}", file))
    fleets = d.get("fleets", [])
    if not isinstance(fleets, list):
        out.append(Problem("fleets must be a list of [[fleets]] tables", None, "fleets", file))
    else:
        for i, f in enumerate(fleets):
            out.extend(_check_fleet(i, f, file))
    vt = d.get("vehicle_types", {})
    if not isinstance(vt, Mapping):
        out.append(Problem("[vehicle_types] must be a table", None, "vehicle_types", file))
    else:
        for t, per in vt.items():
            if t not in VEHICLE_TYPES:
                out.append(
                    Problem(
                        f"unknown vehicle type {t!r}; allowed: {', '.join(VEHICLE_TYPES)}",
                        None,
                        f"vehicle_types.{t}",
                        file,
                    )
                )
                continue
            if not isinstance(per, Mapping):
                out.append(
                    Problem("must be a table of powertrains", None, f"vehicle_types.{t}", file)
                )
                continue
            for pt, table in per.items():
                if pt not in POWERTRAINS:
                    out.append(
                        Problem(
                            f"unknown powertrain {pt!r}; allowed: {', '.join(POWERTRAINS)}",
                            None,
                            f"vehicle_types.{t}.{pt}",
                            file,
                        )
                    )
                elif not isinstance(table, Mapping):
                    out.append(Problem("must be a table", None, f"vehicle_types.{t}.{pt}", file))
                else:
                    col = f"vehicle_types.{t}.{pt}"
                    out.extend(check_combination(t, pt, column=col, file=file))
                    out.extend(check_overrides(table, prefix=f"vehicle_types.{t}.{pt}", file=file))
    veh = d.get("vehicles", {})
    if not isinstance(veh, Mapping):
        out.append(
            Problem(
                '[vehicles] must be a table of [vehicles."<vehicle_id>"] tables',
                None,
                "vehicles",
                file,
            )
        )
    else:
        for vid, table in veh.items():
            if not isinstance(table, Mapping):
                out.append(
                    Problem("must be a table of vehicle parameters", None, f"vehicles.{vid}", file)
                )
            else:
                out.extend(check_overrides(table, prefix=f"vehicles.{vid}", file=file))
    st = d.get("stations")
    if st is not None and not isinstance(st, (str, list)):
        out.append(
            Problem(
                "stations must be a list of [[stations]] tables or a file path",
                None,
                "stations",
                file,
            )
        )
    if isinstance(st, list):
        bad = [i for i, s in enumerate(st) if not isinstance(s, Mapping)]
        for i in bad:
            out.append(
                Problem("each [[stations]] entry must be a table", None, f"stations.{i}", file)
            )
        if not bad:
            try:
                stations_from_records(st, file=file, column_prefix="stations")
            except InputError as exc:
                out.extend(exc.problems)
    if "horizon" in d:
        h = d["horizon"]
        out.extend(_check_table_keys(h, HORIZON_KEYS, "horizon", file, "horizon"))
        if isinstance(h, Mapping):
            from fleetopt.units import parse_clock_s

            clock: dict[str, float] = {}
            for k in HORIZON_KEYS:
                if k in h:
                    try:
                        clock[k] = parse_clock_s(str(h[k]))
                    except ValueError as exc:
                        out.append(Problem(str(exc), None, f"horizon.{k}", file))
            out.extend(_check_horizon_span(clock, file))
    if "options" in d:
        o = d["options"]
        out.extend(_check_table_keys(o, tuple(OPTION_KEYS), "options", file, "option"))
        if isinstance(o, Mapping):
            tabs = d.get("tariffs")
            names = tuple(str(k) for k in tabs) if isinstance(tabs, Mapping) else ()
            out.extend(_check_options(o, file, names))
    for table, check in (("tariffs", check_tariffs_dict), ("costs", check_costs_dict)):
        if table in d:
            found = check(d[table], table)
            out.extend(Problem(p.message, p.row, p.column, p.file or file) for p in found)
    for table, check_table in (
        ("transition", check_transition_dict),
        ("mode_share", check_mode_share_dict),
    ):
        if table not in d:
            continue
        if not isinstance(d[table], Mapping):
            out.append(Problem(f"[{table}] must be a table", None, table, file))
            continue
        found = check_table(d[table], table)
        out.extend(Problem(p.message, p.row, p.column, p.file or file) for p in found)
    return out


def _check_service_date(pre: str, f: Mapping[str, Any], file: str | None) -> list[Problem]:
    """``fleets.N.date``: a date (TOML date or YYYY-MM-DD / YYYYMMDD) the feed has service on."""
    if "date" not in f:
        return []
    raw = f["date"]
    day: dt.date | None = None
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    elif isinstance(raw, str):
        for fmt in ("%Y-%m-%d", "%Y%m%d"):
            try:
                day = dt.datetime.strptime(raw.strip(), fmt).date()
                break
            except ValueError:
                continue
    if day is None:
        return [Problem(f"date {str(raw)[:40]!r} is not a date; use YYYY-MM-DD (e.g. 2024-05-01)",
                        None, f"{pre}.date", file)]
    feed = f.get("gtfs")
    if not isinstance(feed, str) or not feed.strip() or file is None:
        return []
    path = Path(feed) if Path(feed).is_absolute() else Path(file).parent / feed
    if not path.is_file():
        return []  # reported as a missing file elsewhere
    try:
        why = gtfs.service_day_problem(path, day)
    except InputError:
        return []  # the feed's own check reports it
    return [Problem(why, None, f"{pre}.date", file)] if why else []


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


def _check_options(
    o: Mapping[str, Any], file: str | None, scenario_tariffs: tuple[str, ...] = ()
) -> list[Problem]:
    out: list[Problem] = []
    for k, v in o.items():
        kind = OPTION_KEYS.get(k)
        col = f"options.{k}"
        if kind is None:
            continue
        if kind == "bool" and not isinstance(v, bool):
            out.append(Problem(f"{k} must be true or false, got {v!r}", None, col, file))
        elif kind == "float" and (not _is_num(v) or v < 0):
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
        import datetime as dt

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
    if _is_num(o.get("weekend_demand_factor")) and not 0 < o["weekend_demand_factor"] <= 5:
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
        if _is_num(o.get(k)) and o[k] > 1:
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
    if _is_num(o.get("grid_limit_kw")) and o["grid_limit_kw"] == 0:
        out.append(
            Problem(
                "grid_limit_kw must be > 0 (leave it out for no limit)",
                None,
                "options.grid_limit_kw",
                file,
            )
        )
    return out


def _default_options() -> dict[str, Any]:
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
    opts = _default_options()
    return _ef.default_factors(
        EMISSION_KEYS,
        year=default_year() if year is None else int(year),
        grid_region=grid_region or str(opts["grid_region"]),
        scope=scope or str(opts["emission_scope"]),
        hydrogen_pathway=hydrogen_pathway or str(opts["hydrogen_pathway"]),
        column=column,
    )


def scenario_from_dict(
    d: Mapping[str, Any], *, base_dir: str | Path, file: str | None = None
) -> Scenario:
    """Check a scenario dictionary and build a :class:`Scenario`.

    Parameters
    ----------
    d : mapping
        The (merged) scenario dictionary.
    base_dir : str or Path
        Folder relative file paths are resolved against.
    file : str, optional
        Scenario file name for located messages.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Listing every problem of the dictionary.
    """
    problems = check_scenario_dict(d, file=file)
    if problems:
        msg = f"{len(problems)} problem(s) in scenario" + (f" {file}" if file else "")
        raise InputError(msg, problems)
    bdir = Path(base_dir)
    year = int(d.get("year", default_year()))
    o = {**_default_options(), **d.get("options", {})}
    ef = default_emission_factors(
        year,
        grid_region=str(o["grid_region"]),
        scope=str(o["emission_scope"]),
        hydrogen_pathway=str(o["hydrogen_pathway"]),
    )
    ef.update({k: _ef.factor_value(v, year) for k, v in d.get("emission_factors", {}).items()})
    fleets = []
    for i, f in enumerate(d.get("fleets", [])):
        source = next(s for s in FLEET_SOURCES if s in f)
        path = None if source == "generator" else (bdir / f[source])
        gen = f.get("generator")
        vtype = f.get("type") or ("taxi" if source == "requests" else None)
        if gen and not vtype:
            vtype = gen.split("-", 1)[1]
        pt = f.get("powertrain")
        fleets.append(
            Fleet(
                index=i,
                source=source,
                path=path,
                generator=gen,
                vehicle_type=vtype,
                size=f.get("size"),
                scale=(float(f["scale"]) if "scale" in f else None),
                powertrain=(dict(pt) if isinstance(pt, Mapping) else pt),
                start=(
                    tuple((float(a), float(b)) for a, b in f["start"]) if "start" in f else None
                ),
                max_wait_min=(float(f["max_wait_min"]) if "max_wait_min" in f else None),
                name=str(f.get("name") or f"fleet{i}"),
                date=(str(f["date"]) if "date" in f else None),
            )
        )
    missing = [
        Problem(_not_a_file(fl.path), None, f"fleets.{fl.index}.{fl.source}", file)
        for fl in fleets
        if fl.path is not None and not fl.path.is_file()
    ]
    st = d.get("stations")
    stations = empty_stations()
    if isinstance(st, str):
        sp = bdir / st
        if not sp.is_file():
            missing.append(Problem(_not_a_file(sp), None, "stations", file))
        else:
            stations = read_stations(sp)
    elif isinstance(st, list) and st:
        stations = stations_from_records(st, file=file, column_prefix="stations")
    if missing:
        msg = f"{len(missing)} problem(s) in scenario" + (f" {file}" if file else "")
        raise InputError(msg, missing)
    from fleetopt.units import parse_clock_s

    opts = _default_options()
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
    vt = {
        t: {pt: dict(tab) for pt, tab in per.items()}
        for t, per in d.get("vehicle_types", {}).items()
    }
    return Scenario(
        name=str(d.get("name") or (Path(file).stem if file else "scenario")),
        seed=int(d.get("seed", 0)),
        ambient_temperature_c=float(d.get("ambient_temperature_c", 20.0)),
        network=str(d.get("network", settings.DEFAULT_NETWORK)),
        emission_factors=ef,
        fleets=tuple(fleets),
        vehicle_types=vt,
        stations=stations,
        options=options,
        transition=dict(d.get("transition", {})),
        mode_share=dict(d.get("mode_share", {})),
        vehicles={str(k): dict(v) for k, v in d.get("vehicles", {}).items()},
        tariffs={
            str(k): tuple(float(p) for p in v["hourly_cny_per_kwh"])
            for k, v in d.get("tariffs", {}).items()
        },
        costs=dict(d.get("costs", {})),
        base_dir=bdir,
        file=file,
        raw=dict(d),
        year=year,
    )


def read_scenario(path: str | Path) -> Scenario:
    """Read, merge (``base``), check and build a scenario file.

    Parameters
    ----------
    path : str or Path
        TOML scenario file.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Listing every problem with its dotted key path.
    """
    p = Path(path)
    d = load_scenario_dict(p)
    return scenario_from_dict(d, base_dir=p.resolve().parent, file=str(p))
