"""A Case: everything one simulation run needs, read, generated and resolved once, held as data.

PyPSA's split (network -> model -> result): :func:`load_case` is the one place where a
scenario's inputs are read or generated — the road network, each fleet's trips file, GTFS
feed or ride requests file, and the embedded demand generators (:mod:`fleetopt.demand`) —
and where the data they leave open is settled: which vehicle gets which powertrain, each
(vehicle type, powertrain)'s spec, each station's road node. The simulation
(:func:`fleetopt.simulation.prepare.prepare`, :func:`fleetopt.simulation.engine.simulate`)
takes a :class:`Case` and never opens a file: a Case built, its source files deleted, still
simulates. Only the packaged parameter tables (:mod:`fleetopt.defaults`, the foundation) are
read below this point.

What a Case holds:

* the road network as arrays (:class:`~fleetopt.inputs.road_graph.RoadNetwork`);
* per fleet, the canonical trips or ride-requests table *as read or generated*
  (:class:`FleetInput`); a GTFS fleet also holds the reader's facts;
* ``fleet_trips``: the trip fleets' trips as one table, each fleet's rows kept to its
  ``type``, its vehicles given the fleet's ``powertrain`` (a mix in exact shares, shuffled
  with the scenario's seed), ``fleet`` / ``source_file`` / ``row`` columns that locate every
  later message, ids prefixed with the fleet's name when there are several trip fleets;
* ``specs``: the resolved :class:`~fleetopt.inputs.vehicles.VehicleSpec` (frozen) of every
  (type, powertrain) the fleets use — the parameter table with ``[vehicle_types]`` applied —
  and ``vehicle_specs``: those of vehicles with a ``[vehicles."<id>"]`` override;
* ``stations``: the stations with ``node``, their nearest road node (-1 without a network);
  a station more than :data:`MAX_SNAP_M` from the graph is bad input, located;
* the scenario itself (:class:`~fleetopt.inputs.scenario.Scenario`: options, seed, year,
  emission factors, tariffs) — checked data; its paths are kept for messages only.

Left to the simulation's preparation, because each needs shortest paths on the network
(:class:`fleetopt.simulation.router.Router`, simulation code) or is the kernel's own input:
road distances of trips without ``distance_km``, deadheads, each vehicle's row range, depot
and pull-out / pull-in drives, speed factors. A taxi's powertrain is drawn at dispatch
(:mod:`fleetopt.simulation.taxi`) from the same random stream as its start point
(``[seed, fleet index, 1]``: powertrains first, then start points), so drawing it here would
need that stream split or handed over; a taxi fleet's vehicles are therefore not in
``fleet_trips``, but the specs of every powertrain it may draw are in ``specs``.

Layer: inputs -> demand -> **case** -> simulation | siting (see ``docs/INTERFACES.md``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults, demand
from fleetopt.domain.blocks import read_gtfs_trips
from fleetopt.errors import InputError, Problem
from fleetopt.inputs.road_graph import RoadNetwork, load_network
from fleetopt.inputs.scenario import Fleet, Options, Scenario, read_scenario
from fleetopt.inputs.schedules import TRIP_COLUMNS, read_requests, read_trips, sort_trips
from fleetopt.inputs.vehicles import POWERTRAINS, VEHICLE_TYPES, VehicleSpec, resolve_spec

__all__ = ["MAX_SNAP_M", "Case", "FleetInput", "build_case", "load_case", "load_fleet"]

#: Largest distance between a station (or a point needing a road route) and the road graph [m].
MAX_SNAP_M = 1000.0


@dataclass(frozen=True)
class FleetInput:
    """One fleet's input table, as read or generated.

    Attributes
    ----------
    fleet : Fleet
        The scenario's ``[[fleets]]`` entry.
    kind : {"trips", "requests"}
        What ``table`` holds: canonical trips (trips file, GTFS, bus / sanitation /
        delivery generators) or ride requests (requests file, ``beijing-taxi``).
    table : pandas.DataFrame
        The canonical table (:func:`fleetopt.inputs.schedules.read_trips` /
        ``read_requests`` columns); ``table.attrs`` keeps what the reader or generator
        recorded (for example ``vehicles`` of a generated taxi fleet).
    gtfs : dict or None
        For a GTFS fleet, the reader's JSON-able facts (``service_date``, ``vehicles`` =
        distinct blocks, ``peak_vehicles_in_service``, ...); None otherwise.
    """

    fleet: Fleet
    kind: str
    table: pd.DataFrame
    gtfs: dict[str, Any] | None = None


@dataclass(frozen=True)
class Case:
    """The inputs of one simulation run as data (see the module docstring).

    Built by :func:`load_case` (or :func:`build_case` from fleets already read).

    Attributes
    ----------
    scenario : Scenario
        The checked scenario (options, seed, year, emission factors, tariffs).
    network : RoadNetwork or None
        The scenario's road network (arrays + CSR); None only for a Case built by hand
        without one (then every drive needs a given ``distance_km``).
    fleets : tuple of FleetInput
        One entry per ``[[fleets]]``, in the scenario's order, tables as read or generated.
    fleet_trips : pandas.DataFrame
        All trip fleets' trips in one table, sorted by ``vehicle_id, departure_s, trip_id``:
        the canonical columns with each vehicle's powertrain as the fleet assigns it, plus
        ``exempt``, ``row`` (the source's line), ``fleet`` and ``source_file``.
    specs : Mapping
        ``(vehicle_type, powertrain) -> VehicleSpec`` (frozen) for every pair in
        ``fleet_trips`` and every powertrain a taxi fleet may draw.
    vehicle_specs : Mapping
        ``vehicle_id -> VehicleSpec`` of trip-fleet vehicles with a ``[vehicles."<id>"]``
        override (a taxi's override is applied at dispatch, which draws its powertrain).
    stations : pandas.DataFrame
        The scenario's stations (canonical columns) with ``node``: the nearest road node
        (-1 without a network).
    charging_schedule : pandas.DataFrame or None
        A charging schedule the battery vehicles follow instead of the ``charging`` policy
        (``vehicle_id, station_id, start_s, end_s, battery_kwh``;
        :mod:`fleetopt.simulation.scheduled`); set by the operator plan's check, never by
        a scenario file. None: the scenario's policy.
    """

    scenario: Scenario
    network: RoadNetwork | None
    fleets: tuple[FleetInput, ...]
    fleet_trips: pd.DataFrame
    specs: Mapping[tuple[str, str], VehicleSpec]
    vehicle_specs: Mapping[str, VehicleSpec]
    stations: pd.DataFrame
    charging_schedule: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        """Scenario name."""
        return self.scenario.name

    @property
    def seed(self) -> int:
        """Seed of every random choice."""
        return self.scenario.seed

    @property
    def year(self) -> int:
        """The year the scenario stands for."""
        return self.scenario.year

    @property
    def options(self) -> Options:
        """Simulation options."""
        return self.scenario.options

    @property
    def trips(self) -> dict[str, pd.DataFrame]:
        """Trips per trip fleet (fleet name -> canonical trips as read or generated).

        The trips the simulation runs (filtered, powertrains assigned) are ``fleet_trips``.
        """
        return {f.fleet.name: f.table for f in self.fleets if f.kind == "trips"}

    @property
    def requests(self) -> dict[str, pd.DataFrame]:
        """Ride requests per taxi fleet (fleet name -> canonical requests)."""
        return {f.fleet.name: f.table for f in self.fleets if f.kind == "requests"}

    @property
    def gtfs(self) -> dict[str, dict[str, Any]]:
        """Per GTFS fleet name, the reader's facts (for ``extras.gtfs`` of the summary)."""
        return {f.fleet.name: f.gtfs for f in self.fleets if f.gtfs is not None}


def load_fleet(fleet: Fleet, scenario: Scenario, network: RoadNetwork | None) -> FleetInput:
    """Read or generate one fleet's table.

    Parameters
    ----------
    fleet : Fleet
        The fleet (``scenario_from_dict`` gave every file source a path and every generator
        fleet a name).
    scenario : Scenario
        Its scenario (seed; depots for GTFS block ends).
    network : RoadNetwork or None
        The road network (GTFS deadheads and the embedded generators need it).

    Returns
    -------
    FleetInput

    Raises
    ------
    InputError
        A bad file, located by file, row and column (the readers' messages, unchanged).
    """
    if fleet.source == "trips":
        assert fleet.path is not None
        return FleetInput(fleet, "trips", read_trips(fleet.path))
    if fleet.source == "requests":
        assert fleet.path is not None
        return FleetInput(fleet, "requests", read_requests(fleet.path))
    if fleet.source == "gtfs":
        assert fleet.path is not None
        st = scenario.stations
        depots = st.loc[st["kind"] == "depot", ["id", "lon", "lat"]] if len(st) else None
        df = read_gtfs_trips(
            fleet.path,
            network=network,
            service_date=fleet.date,
            vehicle_type=fleet.vehicle_type or "bus",
            depots=depots if depots is not None and len(depots) else None,
        )
        # the service day and what 'vehicles' counts, for the result files
        info = {
            k: v
            for k, v in df.attrs.get("gtfs", {}).items()
            if isinstance(v, (str, int, float, bool)) or v is None
        }
        return FleetInput(fleet, "trips", df, info)
    kw: dict[str, Any] = {"seed": scenario.seed}
    if fleet.size is not None:
        kw["size"] = fleet.size
    if fleet.scale is not None:
        kw["scale"] = fleet.scale
    if fleet.powertrain is not None:
        kw["powertrain"] = fleet.powertrain
    assert fleet.generator is not None
    assert network is not None, "the embedded default demand needs a road network"
    df = demand.generate(fleet.generator, network, **kw)
    kind = "requests" if "request_id" in df.columns else "trips"
    return FleetInput(fleet, kind, df)


def load_case(
    scenario: Scenario | str | os.PathLike[str], network: RoadNetwork | None = None
) -> Case:
    """Read, generate and resolve everything a scenario's simulation needs, once.

    Parameters
    ----------
    scenario : Scenario or path
        A checked scenario, or a scenario TOML file (read with
        :func:`fleetopt.inputs.scenario.read_scenario`).
    network : RoadNetwork, optional
        The road network; loaded from ``scenario.network`` (relative to the scenario's
        folder) when not given.

    Returns
    -------
    Case

    Raises
    ------
    InputError
        Bad scenario, network, trips, requests or GTFS files (file, row, column); then what
        :func:`build_case` finds.
    """
    if not isinstance(scenario, Scenario):
        scenario = read_scenario(Path(scenario))
    if network is None:
        network = load_network(scenario.network, base_dir=scenario.base_dir)
    fleets = tuple(load_fleet(f, scenario, network) for f in scenario.fleets)
    return build_case(scenario, network, fleets)


def build_case(
    scenario: Scenario, network: RoadNetwork | None, fleets: tuple[FleetInput, ...]
) -> Case:
    """Settle what the fleets' tables leave open: powertrains, specs, station nodes.

    Reads no file: :func:`fleetopt.simulation.annual.simulate_day` builds each
    representative day's Case from the tables read once for its demand factor.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario (seed, ``[vehicle_types]`` / ``[vehicles]`` overrides,
        stations).
    network : RoadNetwork or None
        The road network the stations are snapped to (None: ``node`` is -1).
    fleets : tuple of FleetInput
        One per ``[[fleets]]``, as :func:`load_fleet` reads them.

    Returns
    -------
    Case

    Raises
    ------
    InputError
        In this order: stations off the road graph (the stations file's row and ``lon``, or
        ``stations.<i>.lon``); unknown types or powertrains in a fleet's table; a
        (type, powertrain) without a spec (``fleets.<i>.powertrain`` when the fleet assigned
        it, else the trips file's row); specs without a battery, tank or charge efficiency
        (``vehicle_types.<type>.<powertrain>.<key>``); a vehicle with two powertrains;
        ``[vehicles]`` overrides of unknown vehicles or without a battery.
    """
    stations = _snap_stations(scenario.stations, network, scenario)
    trips = _fleet_trips(scenario, fleets)
    requests = [item.fleet for item in fleets if item.kind == "requests"]
    specs = _resolve_specs(scenario, trips, requests)
    _check_one_powertrain(trips)
    vehicle_specs = _vehicle_overrides(scenario, trips, specs, fleets)
    return Case(
        scenario=scenario,
        network=network,
        fleets=fleets,
        fleet_trips=trips,
        specs=specs,
        vehicle_specs=vehicle_specs,
        stations=stations,
    )


def _snap_stations(
    stations: pd.DataFrame, network: RoadNetwork | None, scenario: Scenario
) -> pd.DataFrame:
    """Return the stations with ``node`` (nearest road node); off the graph is bad input."""
    st = stations.copy()
    st["node"] = -1
    if network is None or st.empty:
        return st
    node, dist = network.nearest_nodes(
        np.asarray(st["lon"].to_numpy(), float), np.asarray(st["lat"].to_numpy(), float)
    )
    far = dist > MAX_SNAP_M
    if far.any():
        problems = []
        from_file = isinstance(scenario.raw.get("stations"), str)
        for i in np.flatnonzero(far):
            msg = (
                f"station {st['id'].iat[i]!r} is {dist[i]:.0f} m from the nearest road of network "
                f"{scenario.network!r} (limit {MAX_SNAP_M:.0f} m): off the graph"
            )
            if from_file:
                problems.append(
                    Problem(
                        msg, int(i) + 2, "lon", str(scenario.base_dir / scenario.raw["stations"])
                    )
                )
            else:
                problems.append(Problem(msg, None, f"stations.{i}.lon", scenario.file))
        msg = f"{int(far.sum())} station(s) off the road graph"
        raise InputError(msg, problems)
    st["node"] = node
    return st


def _spec_problems(trips: pd.DataFrame, label: str) -> list[Problem]:
    out: list[Problem] = []
    for col, allowed in (("vehicle_type", VEHICLE_TYPES), ("powertrain", POWERTRAINS)):
        bad = ~trips[col].isin(allowed)
        for r, v in zip(trips.loc[bad, "row"], trips.loc[bad, col], strict=True):
            out.append(
                Problem(f"unknown {col} {v!r}; allowed: {', '.join(allowed)}", int(r), col, label)
            )
    return out


def _assign_powertrains(trips: pd.DataFrame, fleet: Fleet, seed: int) -> pd.DataFrame:
    """Re-assign non-exempt vehicles to the fleet's powertrain (or mix, exact shares)."""
    if fleet.powertrain is None or trips.empty:
        return trips
    veh = trips.groupby("vehicle_id", sort=True)["exempt"].any()
    eligible = veh.index[~veh.to_numpy()].to_numpy()
    if isinstance(fleet.powertrain, str):
        new = dict.fromkeys(eligible, fleet.powertrain)
    else:
        names = sorted(fleet.powertrain)
        shares = np.array([fleet.powertrain[n] for n in names], float)
        raw = shares * eligible.size
        counts = np.floor(raw).astype(int)
        rest = eligible.size - counts.sum()
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:rest]] += 1
        labels = np.repeat(names, counts)
        rng = np.random.default_rng([seed, fleet.index])
        rng.shuffle(labels)
        new = dict(zip(eligible, labels, strict=True))
    trips = trips.copy()
    mapped = trips["vehicle_id"].map(new)
    trips["powertrain"] = mapped.fillna(trips["powertrain"]).astype(str)
    return trips


def _fleet_trips(scenario: Scenario, fleets: tuple[FleetInput, ...]) -> pd.DataFrame:
    """All trip fleets' trips in one sorted table (see :attr:`Case.fleet_trips`)."""
    parts: list[pd.DataFrame] = []
    problems: list[Problem] = []
    n_trip_fleets = sum(
        1 for f in scenario.fleets if f.source != "requests" and f.generator != "beijing-taxi"
    )
    for item in fleets:
        fleet, kind, df = item.fleet, item.kind, item.table
        if kind == "requests":
            continue
        label = str(fleet.path) if fleet.path is not None else f"generator {fleet.generator}"
        df = df.copy()
        if "exempt" not in df.columns:
            df["exempt"] = False
        if "row" not in df.columns:
            df["row"] = np.arange(len(df)) + 2
        if fleet.vehicle_type is not None and fleet.source != "generator":
            df = df[df["vehicle_type"] == fleet.vehicle_type]
        problems.extend(_spec_problems(df, label))
        df = _assign_powertrains(df, fleet, scenario.seed)
        df["fleet"] = fleet.name
        df["source_file"] = label
        if n_trip_fleets > 1:
            df["vehicle_id"] = fleet.name + ":" + df["vehicle_id"].astype(str)
            df["trip_id"] = fleet.name + ":" + df["trip_id"].astype(str)
        parts.append(df)
    if problems:
        msg = f"{len(problems)} problem(s) in the trips"
        raise InputError(msg, problems)
    trips = pd.concat(parts, ignore_index=True) if parts else _empty_trips()
    return sort_trips(trips).reset_index(drop=True)


def _resolve_specs(
    scenario: Scenario, trips: pd.DataFrame, requests: list[Fleet]
) -> dict[tuple[str, str], VehicleSpec]:
    """Resolve the spec of every (type, powertrain) in use; located errors for bad ones."""
    specs: dict[tuple[str, str], VehicleSpec] = {}
    problems: list[Problem] = []
    combos = trips[["vehicle_type", "powertrain"]].drop_duplicates()
    combos = list(combos.itertuples(index=False, name=None))
    for fleet in requests:
        pt = fleet.powertrain or "bev"
        names = [pt] if isinstance(pt, str) else [k for k, v in pt.items() if v > 0]
        for name in names:
            try:
                specs[("taxi", name)] = resolve_spec("taxi", name, scenario.vehicle_types)
            except InputError as exc:
                problems.append(
                    Problem(exc.message, None, f"fleets.{fleet.index}.powertrain", scenario.file)
                )
    for vt, pt in combos:
        if (vt, pt) in specs:
            continue
        try:
            specs[(vt, pt)] = resolve_spec(vt, pt, scenario.vehicle_types)
        except InputError as exc:
            bad = trips[(trips["vehicle_type"] == vt) & (trips["powertrain"] == pt)]
            # a powertrain the fleet assigned (or a generator's) is named by the fleet's key;
            # one read from a trips file was already located by the trips reader
            gen = {
                f.name: f.index
                for f in scenario.fleets
                if f.source == "generator" or f.powertrain is not None
            }
            if len(bad) and str(bad["fleet"].iat[0]) in gen:
                problems.append(
                    Problem(
                        exc.message,
                        None,
                        f"fleets.{gen[str(bad['fleet'].iat[0])]}.powertrain",
                        scenario.file,
                    )
                )
            elif len(bad):
                problems.append(
                    Problem(
                        f"{exc.message}; (type, powertrain) pairs with defaults: "
                        + ", ".join(f"{a}/{b}" for a, b in _pairs()),
                        int(bad["row"].iat[0]),
                        "powertrain",
                        str(bad["source_file"].iat[0]),
                    )
                )
            else:
                problems.append(Problem(exc.message, None, "fleets", scenario.file))
    for (vt, pt), spec in specs.items():
        if spec.is_battery and spec.battery_kwh <= 0:
            problems.append(
                Problem(
                    "a battery vehicle needs battery_kwh > 0",
                    None,
                    f"vehicle_types.{vt}.{pt}.battery_kwh",
                    scenario.file,
                )
            )
        if spec.is_hydrogen and spec.tank_kg <= 0:
            problems.append(
                Problem(
                    "a fuel-cell vehicle needs tank_kg > 0",
                    None,
                    f"vehicle_types.{vt}.{pt}.tank_kg",
                    scenario.file,
                )
            )
        if spec.is_battery and spec.charge_efficiency <= 0:
            problems.append(
                Problem(
                    "charge_efficiency must be > 0",
                    None,
                    f"vehicle_types.{vt}.{pt}.charge_efficiency",
                    scenario.file,
                )
            )
    if problems:
        msg = f"{len(problems)} problem(s) in the vehicle specs"
        raise InputError(msg, problems)
    return specs


def _check_one_powertrain(trips: pd.DataFrame) -> None:
    """Refuse a vehicle whose rows give two powertrains (one vehicle, one powertrain)."""
    if trips.empty:
        return
    mixed = trips.groupby("vehicle_id")["powertrain"].nunique()
    if (mixed > 1).any():
        bad = mixed[mixed > 1].index[0]
        r = int(trips.loc[trips["vehicle_id"] == bad, "row"].iat[0])
        msg = f"vehicle {bad!r} has more than one powertrain"
        raise InputError(msg, [Problem(msg, r, "powertrain", str(trips["source_file"].iat[0]))])


def _vehicle_overrides(
    scenario: Scenario,
    trips: pd.DataFrame,
    specs: Mapping[tuple[str, str], VehicleSpec],
    fleets: tuple[FleetInput, ...],
) -> dict[str, VehicleSpec]:
    """Apply ``[vehicles."<id>"]`` overrides on top of each vehicle's (type, powertrain) spec."""
    if not scenario.vehicles:
        return {}
    first = trips.drop_duplicates("vehicle_id")
    known = dict(
        zip(
            first["vehicle_id"].astype(str),
            zip(first["vehicle_type"], first["powertrain"], strict=True),
            strict=True,
        )
    )
    requests = [(item.fleet, item.table) for item in fleets if item.kind == "requests"]
    taxi_ids: set[str] = set()
    for fleet, df in requests:
        size = fleet.size or int(df.attrs.get("vehicles", 0)) or 1
        multi = len(requests) > 1
        taxi_ids.update(
            f"{fleet.name}:taxi-{i + 1:05d}" if multi else f"taxi-{i + 1:05d}" for i in range(size)
        )
    out: dict[str, VehicleSpec] = {}
    problems: list[Problem] = []
    for vid, table in scenario.vehicles.items():
        if vid in known:
            base = specs[known[vid]]
        elif vid in taxi_ids:
            continue  # taxis get their powertrain at dispatch, which applies the override
        else:
            problems.append(
                Problem(
                    f"no vehicle {vid!r} in the scenario's fleets",
                    None,
                    f"vehicles.{vid}",
                    scenario.file,
                )
            )
            continue
        clean: dict[str, Any] = {
            k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
            for k, v in table.items()
        }
        spec = replace(base, **clean)
        if spec.is_battery and spec.battery_kwh <= 0:
            problems.append(
                Problem(
                    "a battery vehicle needs battery_kwh > 0",
                    None,
                    f"vehicles.{vid}.battery_kwh",
                    scenario.file,
                )
            )
        out[vid] = spec
    if problems:
        msg = f"{len(problems)} problem(s) in [vehicles]"
        raise InputError(msg, problems)
    return out


def _pairs() -> list[tuple[str, str]]:
    df = defaults.load_table("vehicle_specs")
    return list(
        df[["vehicle_type", "powertrain"]].drop_duplicates().itertuples(index=False, name=None)
    )


def _empty_trips() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            c: pd.Series(
                dtype=float
                if c.endswith(("_s", "_lon", "_lat", "_km", "_t")) or c == "passengers"
                else object
            )
            for c in TRIP_COLUMNS
        }
    )
    df["row"] = pd.Series(dtype=int)
    df["fleet"] = pd.Series(dtype=object)
    df["source_file"] = pd.Series(dtype=object)
    df["exempt"] = df["exempt"].astype(bool)
    return df
