"""Split a simulated day into independent partitions and merge their results exactly.

Two vehicles interact only through a station they both use (its plugs, swap bays,
batteries, hydrogen and grid cap are SimPy resources of that station). The vehicles of a
day therefore fall into independent groups: a union-find (connected components) over
*vehicle -- station* usage, where a vehicle uses

* its depot (or, without a depot, the station its first trip starts at: where it stands at
  the start), and
* every station one of its trips ends at (within ``station_radius_m``),

which are exactly the stations the kernel (:meth:`fleetopt.simulation.kernel.Model.vehicle`)
can put it at. The ride-request fleets are dispatched together (one
:class:`~fleetopt.simulation.taxi.TaxiDispatch` for all of them) and a taxi may drive to any
station of a kind its powertrains use (:func:`fleetopt.simulation.taxi_stations.station_table`:
depot, public and swap stations for battery taxis, hydrogen stations for fuel-cell taxis),
so the taxi fleets are one partition together with every such station and every vehicle
that uses one of them. Fuel vehicles never queue; they go with their depot. Components are
packed into at most ``max_parts`` partitions (largest first onto the lightest), which keeps
them independent.

What couples stations is not a reason to keep them together here, because it is computed
after the clock from the merged tables: the depot PV offset, the grid peak and the load
profile (:func:`fleetopt.simulation.tables.pv_offset` etc. run on the merged segments). A
grid limit is per station (a cap per plug), hydrogen stock per station. When the split
cannot be shown independent the day stays whole (one partition): station ids that are not
unique, or a trip vehicle whose id could be a taxi's.

Each partition is prepared on its own (:func:`fleetopt.simulation.prepare.prepare` works
vehicle by vehicle; the stations table stays whole so station indices are the day's), all
partitions run on the whole day's horizon (:func:`fleetopt.simulation.engine.horizon_of`),
and :func:`merge` puts their tables back in the order of the whole day's: trips and vehicles
in the day's trip order (ride requests last, as the dispatcher's tables), sessions and
segments by station, events by time and vehicle (:func:`fleetopt.simulation.engine.canonical_log`:
rows equal in that key come from one partition, in its clock's order, which is the whole
day's order: SimPy orders events by time, priority and scheduling order, and independent
processes do not change one another's). The totals, stations table, load profile and
extras are then computed from the merged tables by the same builders as for a whole day,
so the result equals the whole day's table for table and key for key (``wall_s`` aside).
"""

from __future__ import annotations

import dataclasses
import heapq
import operator
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fleetopt.case import Case
from fleetopt.simulation.engine import canonical_log, horizon_facts, horizon_of, run_clock
from fleetopt.simulation.kernel import Log
from fleetopt.simulation.log_frames import ClockEnd
from fleetopt.simulation.prepare import Prepared, _nearest_station, prepare
from fleetopt.simulation.result import SimulationResult
from fleetopt.simulation.tables import assemble
from fleetopt.simulation.taxi_tables import TaxiTables

__all__ = [
    "PartRun",
    "Partition",
    "TaxiTables",
    "merge",
    "merge_prepared",
    "part_case",
    "partitions",
    "run_part",
    "simulate_partitioned",
]

#: Station kinds a taxi of each kind of powertrain may drive to (taxi_stations.station_table).
_TAXI_KINDS_BATTERY = ("depot", "public", "swap")
_TAXI_KINDS_HYDROGEN = ("hydrogen",)
#: Vehicle ids the dispatcher gives taxis (``taxi-00001`` or ``<fleet>:taxi-00001``).
_TAXI_ID = re.compile(r"(.*:)?taxi-\d{5,}")


@dataclass(frozen=True)
class Partition:
    """One independent part of a day.

    Attributes
    ----------
    rows : tuple of int
        Positions of its trips in the day's ``Case.fleet_trips`` (ascending; whole vehicles).
    stations : tuple of int
        Indices (in ``Case.stations``) of the stations its vehicles may use.
    taxi : bool
        Whether it holds the ride-request (taxi) fleets.
    weight : int
        Its trips plus ride requests (the packing's measure of work).
    """

    rows: tuple[int, ...]
    stations: tuple[int, ...]
    taxi: bool
    weight: int

    def plain(self) -> dict[str, Any]:
        """Return the partition as plain data (for a Dask task)."""
        return dataclasses.asdict(self)

    @classmethod
    def of(cls, d: dict[str, Any]) -> Partition:
        """Return the partition of :meth:`plain`'s data."""
        return cls(
            rows=tuple(int(x) for x in d["rows"]),
            stations=tuple(int(x) for x in d["stations"]),
            taxi=bool(d["taxi"]),
            weight=int(d["weight"]),
        )


def _taxi_kinds(case: Case) -> tuple[str, ...]:
    """Station kinds the taxi fleets may use (every kind when no taxi spec says otherwise)."""
    kinds: set[str] = set()
    taxi_specs = [s for (vt, _), s in case.specs.items() if vt == "taxi"]
    for s in taxi_specs:
        if s.is_hydrogen:
            kinds.update(_TAXI_KINDS_HYDROGEN)
        elif s.is_battery:
            kinds.update(_TAXI_KINDS_BATTERY)
    if not taxi_specs:
        kinds.update(_TAXI_KINDS_BATTERY + _TAXI_KINDS_HYDROGEN)
    return tuple(sorted(kinds))


def _whole(case: Case, n_requests: int) -> list[Partition]:
    has_taxi = any(f.kind == "requests" for f in case.fleets)
    n = len(case.fleet_trips)
    return [
        Partition(
            rows=tuple(range(n)),
            stations=tuple(range(len(case.stations))),
            taxi=has_taxi,
            weight=n + n_requests,
        )
    ]


def partitions(case: Case, max_parts: int | None = None) -> list[Partition]:
    """Return the independent partitions of a day, at most ``max_parts`` of them.

    Parameters
    ----------
    case : Case
        The day's inputs.
    max_parts : int, optional
        Pack the independent components into at most this many partitions (largest
        first onto the lightest); None = one partition per component.

    Returns
    -------
    list of Partition
        Ordered by their first trip (the taxi partition without trips last); together they
        hold every trip once and the taxi fleets in exactly one.
    """
    trips = case.fleet_trips
    stations = case.stations
    n, n_st = len(trips), len(stations)
    request_fleets = [f for f in case.fleets if f.kind == "requests"]
    n_req = sum(len(f.table) for f in request_fleets)
    vid = trips["vehicle_id"].astype(str).to_numpy(dtype=object)
    if (
        n == 0
        or (max_parts is not None and max_parts <= 1)
        or not stations["id"].is_unique
        or (request_fleets and any(_TAXI_ID.fullmatch(v) for v in set(vid.tolist())))
    ):
        return _whole(case, n_req)
    first = np.ones(n, dtype=bool)
    first[1:] = vid[1:] != vid[:-1]
    veh_of_row = np.cumsum(first) - 1
    n_veh = int(first.sum())
    radius = case.options.station_radius_m
    end_st = _nearest_station(
        stations,
        trips["destination_lon"].to_numpy(float),
        trips["destination_lat"].to_numpy(float),
        radius,
    )
    first_rows = np.flatnonzero(first)
    start_st = _nearest_station(
        stations,
        trips["origin_lon"].to_numpy(float)[first_rows],
        trips["origin_lat"].to_numpy(float)[first_rows],
        radius,
    )
    # the depot as prepare() reads it: the vehicle's first non-missing depot cell
    st_index = {s: i for i, s in enumerate(stations["id"])}
    if "depot" in trips:
        depots = trips.groupby("vehicle_id", sort=False)["depot"].first().astype(str).to_numpy()
    else:
        depots = np.full(n_veh, "", dtype=object)
    depot_st = np.array([st_index.get(d, -1) for d in depots], dtype=np.int64)
    stand = np.where(depot_st >= 0, depot_st, start_st)
    # graph nodes: vehicles 0..V-1, stations V..V+S-1, the taxi fleets V+S
    taxi_node = n_veh + n_st
    a = [np.flatnonzero(stand >= 0), veh_of_row[end_st >= 0]]
    b = [n_veh + stand[stand >= 0], n_veh + end_st[end_st >= 0]]
    if request_fleets:
        kinds = _taxi_kinds(case)
        taxi_st = np.flatnonzero(stations["kind"].isin(kinds).to_numpy())
        a.append(np.full(taxi_st.size, taxi_node))
        b.append(n_veh + taxi_st)
    rows_a, rows_b = np.concatenate(a), np.concatenate(b)
    size = taxi_node + 1
    graph = coo_matrix((np.ones(rows_a.size), (rows_a, rows_b)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    # components in order of their first trip; the taxi component flagged
    veh_label = label[:n_veh]
    comp_rows: dict[int, list[np.ndarray]] = {}
    row_label = veh_label[veh_of_row]
    order = np.argsort(row_label, kind="stable")
    bounds = np.flatnonzero(np.r_[True, row_label[order][1:] != row_label[order][:-1]])
    for lo, hi in zip(bounds, np.r_[bounds[1:], n], strict=True):
        comp_rows[int(row_label[order][lo])] = [order[lo:hi]]
    taxi_label = int(label[taxi_node]) if request_fleets else -1
    comps = sorted(comp_rows, key=lambda c: int(comp_rows[c][0][0]))
    if request_fleets and taxi_label not in comp_rows:
        comps.append(taxi_label)
        comp_rows[taxi_label] = [np.zeros(0, dtype=np.int64)]
    weight = {c: int(comp_rows[c][0].size) + (n_req if c == taxi_label else 0) for c in comps}
    # pack: largest first onto the lightest bin (ties: the earlier component, the lower bin)
    k = len(comps) if max_parts is None else min(max_parts, len(comps))
    bins: list[list[int]] = [[] for _ in range(k)]
    heap = [(0, j) for j in range(k)]
    rank = {c: i for i, c in enumerate(comps)}
    for c in sorted(comps, key=lambda c: (-weight[c], rank[c])):
        load_j, j = heapq.heappop(heap)
        bins[j].append(c)
        heapq.heappush(heap, (load_j + weight[c], j))
    st_label = label[n_veh:taxi_node]
    out = []
    for members in bins:
        if not members:
            continue
        rows = np.sort(np.concatenate([comp_rows[c][0] for c in members]))
        st = np.flatnonzero(np.isin(st_label, members))
        out.append(
            Partition(
                rows=tuple(int(x) for x in rows),
                stations=tuple(int(x) for x in st),
                taxi=taxi_label in members,
                weight=sum(weight[c] for c in members),
            )
        )
    out.sort(key=lambda p: (p.rows[0] if p.rows else n, p.taxi))
    return out


def part_case(case: Case, part: Partition) -> Case:
    """Return the Case of one partition: its trips (whole vehicles), every station, its fleets.

    Ride-request fleets stay only in the taxi partition; the stations table stays whole so
    station indices are the day's.
    """
    rows = np.asarray(part.rows, dtype=np.int64)
    fleets = tuple(f for f in case.fleets if part.taxi or f.kind != "requests")
    return dataclasses.replace(
        case, fleet_trips=case.fleet_trips.iloc[rows].reset_index(drop=True), fleets=fleets
    )


@dataclass
class PartRun:
    """What one partition's clock produced, in the day's numbering (see :func:`run_part`).

    Attributes
    ----------
    trips : pandas.DataFrame
        Its prepared trips (``Prepared.trips``).
    vehicles : pandas.DataFrame
        Its prepared vehicles, ``first`` / ``last`` as positions in the day's trips.
    log : Log
        Its canonical log, trip rows as positions in the day's trips (``events`` empty when
        not kept).
    rows : numpy.ndarray
        Positions of its trips in the day's trips.
    off_graph : dict
        Its prepared ``off_graph`` counts.
    taxi : TaxiTables or None
        The dispatcher's tables, in the taxi partition.
    temp_factor : float
        The model's temperature factor.
    wall_s : float
        Its wall time [s].
    """

    trips: pd.DataFrame
    vehicles: pd.DataFrame
    log: Log
    rows: np.ndarray
    off_graph: dict[str, Any]
    taxi: TaxiTables | None
    temp_factor: float
    wall_s: float


def run_part(
    case: Case,
    part: Partition,
    prep: Prepared,
    horizon: tuple[float, float],
    *,
    routes: Any = None,
    events: bool = True,
) -> PartRun:
    """Run one partition's clock on the day's horizon (``case`` is the partition's Case).

    Parameters
    ----------
    case : Case
        :func:`part_case` of the day.
    part : Partition
        The partition.
    prep : Prepared
        ``prepare(case)``.
    horizon : tuple of float
        The whole day's horizon (:func:`fleetopt.simulation.engine.horizon_of`).
    routes : RouteCache, optional
        The taxi dispatch's shortest-path rows to reuse.
    events : bool
        Keep the event log (the totals do not read it).
    """
    t_wall = time.perf_counter()
    model, log, taxis = run_clock(case, prep, horizon, routes=routes)
    rows = np.asarray(part.rows, dtype=np.int64)
    log.trips = [(int(rows[t[0]]), *t[1:]) for t in log.trips]
    if not events:
        log.events = []
    tt = None
    if taxis is not None:
        tt = TaxiTables.of(taxis)
    veh = prep.vehicles.copy()
    if len(veh):
        veh["first"] = rows[veh["first"].to_numpy(np.int64)]
        veh["last"] = rows[veh["last"].to_numpy(np.int64) - 1] + 1
    return PartRun(
        trips=prep.trips,
        vehicles=veh,
        log=log,
        rows=rows,
        off_graph=dict(prep.off_graph),
        taxi=tt,
        temp_factor=model.temp_factor,
        wall_s=time.perf_counter() - t_wall,
    )


def _ordered(pieces: list[pd.DataFrame], keys: list[np.ndarray]) -> pd.DataFrame | None:
    """Concatenate non-empty pieces and order their rows by ``keys`` (stable); None if none."""
    keep = [i for i, p in enumerate(pieces) if len(p)]
    if not keep:
        return None
    df = pd.concat([pieces[i] for i in keep], ignore_index=True)
    key = np.concatenate([keys[i] for i in keep])
    return df.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)


def merge(
    case: Case,
    runs: Sequence[PartRun],
    horizon: tuple[float, float],
    *,
    prep: Prepared | None = None,
) -> SimulationResult:
    """Merge the partitions' runs into the day's result (equal to the day simulated whole).

    The partitions' prepared trips and vehicles are put back in the day's trip order, their
    logs joined and put in the canonical order
    (:func:`fleetopt.simulation.engine.canonical_log`), and the result is assembled from
    them by :func:`fleetopt.simulation.tables.assemble`, the whole day's builder.

    Parameters
    ----------
    case : Case
        The whole day's inputs.
    runs : sequence of PartRun
        Each partition's run (:func:`run_part`) on ``horizon``.
    horizon : tuple of float
        The day's horizon [s].
    prep : Prepared, optional
        The merged prepared inputs when already made (:func:`merge_prepared`).

    Returns
    -------
    SimulationResult
        ``wall_s`` is the largest of the partitions' plus the merge's.
    """
    t_wall = time.perf_counter()
    if prep is None:
        prep = merge_prepared(case, runs)
    log = Log()
    for r in runs:
        log.trips.extend(r.log.trips)
        log.sessions.extend(r.log.sessions)
        log.segments.extend(r.log.segments)
        log.events.extend(r.log.events)
        log.vehicles.update(r.log.vehicles)
    canonical_log(log)
    log.trips.sort(key=operator.itemgetter(0))
    taxi = next((r.taxi for r in runs if r.taxi is not None), None)
    # assemble reads the day's horizon and temperature factor (the same in every part)
    clock = ClockEnd(horizon[0], horizon[1], runs[0].temp_factor)
    result = assemble(case.scenario, prep, clock, log, taxi)
    result.wall_s = max(r.wall_s for r in runs) + time.perf_counter() - t_wall
    return result


def merge_prepared(case: Case, runs: Sequence[PartRun]) -> Prepared:
    """Return the day's prepared inputs from its partitions' (equal to ``prepare(case)``)."""
    trips = _ordered([r.trips for r in runs], [r.rows for r in runs])
    veh = _ordered([r.vehicles for r in runs], [r.vehicles["first"].to_numpy() for r in runs])
    first = next((r for r in runs if len(r.trips)), runs[0])
    off_graph = {
        k: sum(int(r.off_graph.get(k, 0)) for r in runs)
        for k in ("points", "trips_estimated", "deadheads_estimated")
    }
    return Prepared(
        trips=first.trips if trips is None else trips,
        vehicles=first.vehicles if veh is None else veh,
        specs=dict(case.specs),
        stations=case.stations.copy(),
        requests=[(f.fleet, f.table) for f in case.fleets if f.kind == "requests"],
        vehicle_specs=dict(case.vehicle_specs),
        off_graph=off_graph,
        gtfs=case.gtfs,
        charging_schedule=case.charging_schedule,
    )


def simulate_partitioned(
    case: Case, max_parts: int | None = None, *, routes: Any = None
) -> SimulationResult:
    """Simulate a day partition by partition in this process and merge (equal to ``simulate``).

    The reference of what the Dask executor does with a day's partitions on its workers
    (:mod:`fleetopt.simulation.annual`).
    """
    parts = partitions(case, max_parts)
    cases = [part_case(case, p) for p in parts]
    preps = [prepare(c) for c in cases]
    horizon = horizon_of(case.scenario, [horizon_facts(p) for p in preps])
    runs = [
        run_part(c, p, pp, horizon, routes=routes if p.taxi else None)
        for c, pp, p in zip(cases, preps, parts, strict=True)
    ]
    return merge(case, runs, horizon)
