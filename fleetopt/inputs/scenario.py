"""Read, check and build scenario files (TOML, CONTRACT §4) into a frozen :class:`Scenario`.

A scenario names the road network, the fleets (trips files, GTFS feeds, ride requests
or an embedded generator), overrides of vehicle specs, the stations and options such
as the charging strategy. ``base = "other.toml"`` inherits another file (deep merge,
relative to the file). :func:`check_scenario_dict` reports every problem at once, each
located by its dotted key path (``vehicle_types.bus.bev.battery_kwh``, ``fleets.0.trips``).

One module per part, all names importable from here: reading and ``base`` merging in
:mod:`~fleetopt.inputs.scenario_file`, ``[[fleets]]`` in :mod:`~fleetopt.inputs.scenario_fleets`,
``[options]``, ``[horizon]`` and ``[emission_factors]`` in
:mod:`~fleetopt.inputs.scenario_options`, ``[transition]`` and ``[mode_share]`` in
:mod:`~fleetopt.inputs.target_tables`, ``[tariffs]`` and ``[costs]`` in
:mod:`~fleetopt.inputs.costs`. A new top-level table is a key in :data:`TOP_KEYS` plus its
check in :func:`check_scenario_dict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fleetopt import settings
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import emission_factors as _ef
from fleetopt.inputs.costs import check_costs_dict, check_tariffs_dict
from fleetopt.inputs.plan_options import check_plan_dict
from fleetopt.inputs.scenario_file import load_scenario_dict, read_toml_file
from fleetopt.inputs.scenario_fleets import (
    FLEET_KEYS,
    FLEET_SOURCES,
    GENERATORS,
    Fleet,
    build_fleets,
    check_fleet,
)
from fleetopt.inputs.scenario_options import (
    CHARGING_STRATEGIES,
    EMISSION_KEYS,
    HORIZON_KEYS,
    OPTION_KEYS,
    Options,
    build_options,
    check_emission_factors,
    check_horizon,
    check_options_table,
    default_emission_factors,
    default_options,
    default_year,
    is_num,
)
from fleetopt.inputs.stations import empty_stations, read_stations, stations_from_records
from fleetopt.inputs.target_tables import check_mode_share_dict, check_transition_dict
from fleetopt.inputs.vehicles import (
    POWERTRAINS,
    VEHICLE_TYPES,
    check_combination,
    check_overrides,
)

#: Public names, several defined in the split-off modules and kept importable from here.
__all__ = [
    "CHARGING_STRATEGIES",
    "EMISSION_KEYS",
    "FLEET_KEYS",
    "FLEET_SOURCES",
    "GENERATORS",
    "HORIZON_KEYS",
    "OPTION_KEYS",
    "TOP_KEYS",
    "Fleet",
    "Options",
    "Scenario",
    "check_scenario_dict",
    "default_emission_factors",
    "default_year",
    "load_scenario_dict",
    "read_scenario",
    "read_toml_file",
    "scenario_from_dict",
]

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
    "plan",
)


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
        if not is_num(t) or not -50 <= t <= 50:
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
    out.extend(check_emission_factors(d, file))
    fleets = d.get("fleets", [])
    if not isinstance(fleets, list):
        out.append(Problem("fleets must be a list of [[fleets]] tables", None, "fleets", file))
    else:
        for i, f in enumerate(fleets):
            out.extend(check_fleet(i, f, file))
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
    out.extend(check_horizon(d, file))
    out.extend(check_options_table(d, file))
    for table, check in (
        ("tariffs", check_tariffs_dict),
        ("costs", check_costs_dict),
        ("plan", check_plan_dict),
    ):
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
    o = {**default_options(), **d.get("options", {})}
    ef = default_emission_factors(
        year,
        grid_region=str(o["grid_region"]),
        scope=str(o["emission_scope"]),
        hydrogen_pathway=str(o["hydrogen_pathway"]),
    )
    ef.update({k: _ef.factor_value(v, year) for k, v in d.get("emission_factors", {}).items()})
    fleets = build_fleets(d, bdir)
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
    options = build_options(d)
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
