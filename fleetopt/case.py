"""A Case: everything one simulation run needs, read and generated once, held as data.

PyPSA's split (network -> model -> result): :func:`load_case` is the one place where a
scenario's inputs are read or generated — the road network, each fleet's trips file, GTFS
feed or ride requests file, and the embedded demand generators (:mod:`fleetopt.demand`).
The simulation (:func:`fleetopt.simulation.prepare.prepare`,
:func:`fleetopt.simulation.engine.simulate`) takes a :class:`Case` and never opens a file:
a Case built, its source files deleted, still simulates. Only the packaged parameter
tables (:mod:`fleetopt.defaults`, the foundation) are read below this point.

What a Case holds and what it leaves to the simulation's preparation:

* the road network as arrays (:class:`~fleetopt.inputs.road_graph.RoadNetwork`);
* per fleet, the canonical trips or ride-requests table *as read or generated*
  (:class:`FleetInput`; no powertrain re-assignment, no id prefixes, no vehicle-type filter:
  those are the preparation's, so the tables stay the readers' output and their ``row``
  numbers locate every later message); a GTFS fleet also holds the reader's facts;
* the stations *as read* (not snapped: snapping is geometry on the network, done in
  ``prepare`` with its located "off the graph" errors);
* the scenario itself (:class:`~fleetopt.inputs.scenario.Scenario`: options, seed, year,
  emission factors, the ``[vehicle_types]`` and ``[vehicles]`` overrides the vehicle specs
  are resolved from, tariffs) — checked data; its paths are kept for messages only.

Layer: inputs -> demand -> **case** -> simulation | siting (see ``docs/INTERFACES.md``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fleetopt import demand
from fleetopt.domain.blocks import read_gtfs_trips
from fleetopt.inputs.road_graph import RoadNetwork, load_network
from fleetopt.inputs.scenario import Fleet, Options, Scenario, read_scenario
from fleetopt.inputs.schedules import read_requests, read_trips

__all__ = ["Case", "FleetInput", "load_case", "load_fleet"]


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

    Attributes
    ----------
    scenario : Scenario
        The checked scenario (options, seed, year, overrides, stations as read).
    network : RoadNetwork or None
        The scenario's road network (arrays + CSR); None only for a Case built by hand
        without one (then every drive needs a given ``distance_km``).
    fleets : tuple of FleetInput
        One entry per ``[[fleets]]``, in the scenario's order.
    """

    scenario: Scenario
    network: RoadNetwork | None
    fleets: tuple[FleetInput, ...]

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
    def stations(self) -> pd.DataFrame:
        """Stations as read (canonical columns, not snapped)."""
        return self.scenario.stations

    @property
    def trips(self) -> dict[str, pd.DataFrame]:
        """Trips per trip fleet (fleet name -> canonical trips as read or generated)."""
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
    """Read and generate everything a scenario's simulation needs, once.

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
        Bad scenario, network, trips, requests or GTFS files (file, row, column).
    """
    if not isinstance(scenario, Scenario):
        scenario = read_scenario(Path(scenario))
    if network is None:
        network = load_network(scenario.network, base_dir=scenario.base_dir)
    fleets = tuple(load_fleet(f, scenario, network) for f in scenario.fleets)
    return Case(scenario=scenario, network=network, fleets=fleets)
