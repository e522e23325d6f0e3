"""Simulate a year of operation as weighted representative days (CONTRACT §7).

Each month of the scenario's ``year`` gives two representative days, a weekday and a
weekend day, each with the month's mean air temperature in Beijing
(``beijing_climate_monthly.csv``, CMA normals) and a weight in days counted from that
year's calendar (Monday to Friday / Saturday and Sunday; the weights sum to 365 or 366).
China's statutory holidays and their make-up working days are not modelled.
Embedded generators run ``weekend_demand_factor`` times their fleet on weekend days
(default 1.0, an ASSUMPTION in ``simulation_options.csv``); a trips, GTFS or requests
file runs the same trips on every day. Days whose inputs are identical (same temperature
and demand) are simulated once. The days and how they add up are defined in
:mod:`fleetopt.simulation.annual_days`.

Yearly totals are the per-day totals weighted by ``weight_days``; maxima (``peak_*``,
``*_max_*``, ``vehicles``) stay maxima and means (``*_mean_*``) are weighted by
``weight_days``. Each simulated day is stored atomically under ``<out>/days/`` keyed by a
hash of the scenario, its input files and the day, so a killed run resumes where it
stopped. Days run in this process (``local``: the network loaded once, the fleets read or
generated once per demand factor (a Case per day shares them), shortest-path
matrices of the taxi dispatch reused between days) or on Dask (``dask``) with identical
results: there the client makes the fleets while its LocalCluster starts, the taxi
dispatch's route rows are computed once on the cluster (each worker a share of the nodes,
:func:`route_rows`) and shipped to every worker before the days start, the days start
longest first (:func:`~fleetopt.simulation.annual_days.longest_first`), a worker keeps the
scenario, the shipped fleets, the day's Case and the route rows between tasks, and when
fewer days are left than worker threads each day's independent partitions run as tasks of
their own (:mod:`fleetopt.simulation.partition`,
:func:`fleetopt.simulation.partition_dask.iter_days`) and are merged into the same day.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import fleetopt
from fleetopt import settings
from fleetopt._json import to_jsonable
from fleetopt.case import Case, FleetInput, build_case, load_case
from fleetopt.errors import InputError, Problem
from fleetopt.executors import (
    DASK_RETRIES,
    Progress,
    dask_client,
    digest,
    input_fingerprints,
    load_record,
    package_fingerprint,
    write_json_atomic,
)
from fleetopt.inputs.road_graph import RoadNetwork, load_network
from fleetopt.inputs.scenario import Scenario, scenario_from_dict
from fleetopt.simulation import engine, partition, partition_dask
from fleetopt.simulation.annual_days import (
    DAY_TYPES,
    RepresentativeDay,
    combine,
    day_counts,
    day_key,
    day_scenario,
    days_table,
    longest_first,
    monthly_temperature_c,
    representative_days,
    write_outputs,
)
from fleetopt.simulation.partition_dask import ship_fleets, unship_fleets
from fleetopt.simulation.prepare import Prepared, prepare
from fleetopt.simulation.routes import RouteCache

__all__ = [
    "DAY_TYPES",
    "EXECUTORS",
    "RepresentativeDay",
    "combine",
    "day_counts",
    "day_fleets",
    "day_scenario",
    "days_table",
    "longest_first",
    "merge_day",
    "monthly_temperature_c",
    "prepare_part",
    "representative_days",
    "route_cache",
    "route_rows",
    "run_day",
    "run_part",
    "scenario_key",
    "ship_fleets",
    "simulate_annual",
    "simulate_day",
    "warm_worker",
    "write_outputs",
]

logger = logging.getLogger(__name__)

#: Executors of an annual run.
EXECUTORS = ("local", "dask")

_RECORD_VERSION = 1
#: Summary keys that describe the run, not the day's operation.
_LABEL_KEYS = ("scenario", "seed")


# --------------------------------------------------------------------------- reuse
#: Route caches of this process by network (a Dask worker keeps its own between days);
#: a day of a taxi scenario spends much of its time on shortest paths, and they do not
#: depend on the weather. Only the last :data:`_ROUTES_KEEP` networks are kept.
_ROUTES: collections.OrderedDict[int, tuple[RoadNetwork, RouteCache]] = (
    collections.OrderedDict()
)
_ROUTES_KEEP = 2


def route_cache(network: RoadNetwork) -> RouteCache:
    """Return this process's :class:`~fleetopt.simulation.RouteCache` of ``network``."""
    hit = partition_dask.kept(
        _ROUTES, id(network), lambda: (network, RouteCache(network)), _ROUTES_KEEP
    )
    if hit[0] is not network:  # an id reused by a new object
        _ROUTES.pop(id(network), None)
        return route_cache(network)
    return hit[1]


# --------------------------------------------------------------------------- one day
def simulate_day(
    scenario: Scenario,
    day: RepresentativeDay,
    network: RoadNetwork | None = None,
    inputs: dict[float, tuple[FleetInput, ...]] | None = None,
    routes: RouteCache | None = None,
) -> dict[str, Any]:
    """Simulate one representative day and return its ``simulate --json`` summary.

    ``inputs`` (with a given ``network``) keeps the fleets' tables read or generated for a
    demand factor, so days of equal demand read the files and run the generators once (a day
    differs from another of its demand only by its temperature). ``routes`` (default: this
    process's cache of the network) keeps the taxi dispatch's shortest paths between days.
    """
    day_sc = day_scenario(scenario, day)
    if inputs is not None and network is not None and day.demand_factor in inputs:
        case = build_case(day_sc, network, inputs[day.demand_factor])
    else:
        case = load_case(day_sc, network)
        if inputs is not None and network is not None:
            inputs[day.demand_factor] = case.fleets
    if routes is None:
        assert case.network is not None
        routes = route_cache(case.network)
    result = engine.simulate(case, routes=routes)
    summary: dict[str, Any] = to_jsonable(result.summary())
    return summary


def run_day(task: Mapping[str, Any]) -> dict[str, Any]:
    """Simulate one day from plain data (a Dask task); return its record.

    ``task``: ``scenario`` (the merged scenario dictionary), ``base_dir``, ``file``, ``day``
    (the fields of :class:`RepresentativeDay`), ``digest``, ``store`` (folder of the day
    records, or None) and optionally the shipped fleets (``inputs``, ``inputs_key``). The
    record: ``version``, ``digest``, ``label``, ``summary``.
    """
    scenario, day, network, inputs = _task_inputs(task)
    routes = route_cache(network)
    for nodes, weights in task.get("rows", ()):  # rows computed once on the cluster
        routes.add(nodes, weights)
    record = _record(
        task["digest"], day, simulate_day(scenario, day, network, inputs, routes)
    )
    partition_dask.store_record(task.get("store"), _record_name(day), record)
    return record


def route_rows(
    network: str, base_dir: str, nodes: np.ndarray, total: int
) -> tuple[np.ndarray, np.ndarray]:
    """Compute the route rows of ``nodes`` into this worker's cache (a Dask task).

    The cache makes room for ``total`` rows (every worker's share) first, so the other
    shares are added later without copying this one.

    Returns
    -------
    tuple of numpy.ndarray
        ``nodes`` and their rows (``len(nodes) x n_nodes``), for the other workers'
        :meth:`~fleetopt.simulation.RouteCache.add`: a view of the cache's rows when they
        lie together (no copy), else a copy.
    """
    routes = route_cache(load_network(network, base_dir=Path(base_dir)))
    routes.reserve(total)
    weights, row_of, _ = routes.rows(nodes)
    at = row_of[np.asarray(nodes, dtype=np.int64)]
    if at.size and np.array_equal(at, np.arange(at[0], at[0] + at.size)):
        return nodes, weights[at[0] : at[0] + at.size]
    return nodes, weights[at]


def warm_worker(network: str, base_dir: str) -> int:
    """Load the road network into a worker's cache (a Dask task); its nodes, 0 if it fails."""
    try:
        return len(load_network(network, base_dir=Path(base_dir)).lon)
    except (InputError, OSError) as exc:  # the day's task will say what is wrong
        logger.debug("worker warm-up: %s", exc)
        return 0


#: Scenarios a worker rebuilt, by :func:`scenario_key` (the days of a run share one).
_SCENARIOS: collections.OrderedDict[str, Scenario] = collections.OrderedDict()
_SCENARIOS_KEEP = 2
#: Fleets a worker unshipped, by their ``inputs_key`` (days of one demand factor share them).
_UNSHIPPED: collections.OrderedDict[str, tuple[FleetInput, ...]] = collections.OrderedDict()
_UNSHIPPED_KEEP = 2
#: Day Cases a worker built, by the day's digest (a day's partition tasks share it).
_CASES: collections.OrderedDict[str, Case] = collections.OrderedDict()
_CASES_KEEP = 4


def _task_inputs(
    task: Mapping[str, Any],
) -> tuple[Scenario, RepresentativeDay, RoadNetwork, dict[float, tuple[FleetInput, ...]] | None]:
    """Return a task's scenario, day, network (cached per process) and shipped fleets."""

    def read() -> Scenario:
        return scenario_from_dict(task["scenario"], base_dir=task["base_dir"], file=task["file"])

    key = task.get("scenario_key")  # the scenario and its input files: kept for the next day
    scenario = partition_dask.kept(_SCENARIOS, key, read, _SCENARIOS_KEEP) if key else read()
    day = RepresentativeDay(**task["day"])
    network = load_network(scenario.network, base_dir=scenario.base_dir)
    shipped = task.get("inputs")  # the fleets the client read or generated (scattered once)
    if shipped is None:
        return scenario, day, network, None
    def make() -> tuple[FleetInput, ...]:
        return unship_fleets(day_scenario(scenario, day), shipped)

    key = task.get("inputs_key")  # names the shipped fleets: kept for the next day
    fleets = partition_dask.kept(_UNSHIPPED, key, make, _UNSHIPPED_KEEP) if key else make()
    return scenario, day, network, {day.demand_factor: fleets}


def _task_case(task: Mapping[str, Any]) -> tuple[Scenario, RepresentativeDay, Case]:
    """Return a day task's Case (built once per worker and day)."""
    scenario, day, network, inputs = _task_inputs(task)

    def make() -> Case:
        day_sc = day_scenario(scenario, day)
        if inputs is None:
            return load_case(day_sc, network)
        return build_case(day_sc, network, inputs[day.demand_factor])

    return scenario, day, partition_dask.kept(_CASES, str(task["digest"]), make, _CASES_KEEP)


# ------------------------------------------------------------------ a day in partitions
def prepare_part(task: Mapping[str, Any], part: Mapping[str, Any]) -> Prepared:
    """Prepare one partition of a day (a Dask task; the result stays on its worker)."""
    _, _, case = _task_case(task)
    return prepare(partition.part_case(case, partition.Partition.of(dict(part))))


def run_part(
    task: Mapping[str, Any],
    part: Mapping[str, Any],
    prep: Prepared,
    horizon: tuple[float, float],
) -> partition.PartRun:
    """Run one prepared partition on the day's horizon (a Dask task; no event log)."""
    _, _, case = _task_case(task)
    p = partition.Partition.of(dict(part))
    sub = partition.part_case(case, p)
    routes = route_cache(case.network) if p.taxi and case.network is not None else None
    return partition.run_part(sub, p, prep, horizon, routes=routes, events=False)


def merge_day(
    task: Mapping[str, Any], horizon: tuple[float, float], *runs: partition.PartRun
) -> dict[str, Any]:
    """Merge a day's partitions and return (and store) its record (a Dask task)."""
    _, day, case = _task_case(task)
    result = partition.merge(case, runs, horizon)
    summary: dict[str, Any] = to_jsonable(result.summary())
    record = _record(task["digest"], day, summary)
    partition_dask.store_record(task.get("store"), _record_name(day), record)
    return record


def _record(key: str, day: RepresentativeDay, summary: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "version": _RECORD_VERSION,
        "digest": key,
        "label": day.label,
        "summary": dict(summary),
    }


def _record_name(day: RepresentativeDay) -> str:
    return day.label.replace(" ", "_") + ".json"


# --------------------------------------------------------------------------- the year
def scenario_key(scenario: Scenario) -> str:
    """Return a hash of the scenario, its year, its input files and fleetopt's code and tables.

    The package's code and parameter tables count: a re-sourced default must not reuse a
    day computed before it.
    """
    raw = to_jsonable(scenario.raw)
    return digest(
        {
            "scenario": raw,
            "year": scenario.year,
            "files": input_fingerprints(raw, scenario.base_dir),
            "version": _RECORD_VERSION,
            "fleetopt": fleetopt.__version__,
            "package": package_fingerprint(),
        }
    )


def _check_executor(executor: str, scheduler: str | None) -> None:
    if executor not in EXECUTORS:
        msg = f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}"
        raise InputError(msg, [Problem(msg, None, "--executor", None)])
    if scheduler and executor != "dask":
        msg = "--scheduler needs --executor dask"
        raise InputError(msg, [Problem(msg, None, "--scheduler", None)])


def simulate_annual(
    scenario: Scenario,
    *,
    executor: str = "local",
    scheduler: str | None = None,
    out_dir: str | Path | None = None,
    progress: bool = False,
    workers: int | None = None,
    network: RoadNetwork | None = None,
    split: bool | None = None,
) -> dict[str, Any]:
    """Simulate the representative days of the scenario's year and add them up.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its ``year`` and ``options.weekend_demand_factor`` set the days).
    executor : str
        ``local`` (this process) or ``dask`` (a LocalCluster on 127.0.0.1 with
        :data:`fleetopt.executors.DASK_WORKERS` processes, or the cluster at ``scheduler``).
    scheduler : str, optional
        Dask scheduler address (``tcp://host:8786``).
    out_dir : str or Path, optional
        Folder of the day records (``days/``), ``days.csv`` and ``summary.json``; default
        ``runs/annual-<name>``. Day records stored there for the same scenario are reused.
    progress : bool
        Show the progress of the days on stderr.
    workers : int, optional
        Dask LocalCluster worker processes.
    network : RoadNetwork, optional
        The road network (local executor); loaded once when not given.
    split : bool, optional
        Dask: run each day's independent partitions (:mod:`fleetopt.simulation.partition`)
        as separate tasks and merge them on a worker (same result); None: only when fewer
        days are left to run than the cluster has worker threads.

    Notes
    -----
    Dask workers rebuild the scenario from ``scenario.raw`` (plain data, never a pickled
    object), so a Scenario changed after it was read (``dataclasses.replace``) runs as its
    ``raw`` dictionary says on Dask; the local executor runs the object itself.

    Returns
    -------
    dict
        The ``simulate --json`` keys as yearly totals, then ``year`` and ``days``: one
        entry per representative day ``{label, weight_days, ambient_temperature_c,
        demand_factor, month, day_type, ...the day's summary keys}``.

    Raises
    ------
    InputError
        Unknown executor, ``--scheduler`` without dask, an unreachable scheduler.
    """
    _check_executor(executor, scheduler)
    t0 = time.perf_counter()
    days = representative_days(
        scenario.year, weekend_demand_factor=scenario.options.weekend_demand_factor
    )
    base_key = scenario_key(scenario)
    groups: dict[tuple[float, float], RepresentativeDay] = {}
    for d in days:
        groups.setdefault(day_key(d), d)
    unique = list(groups.values())
    groups_by_label = {d.label: d for d in unique}
    keys = {
        d.label: digest(
            {
                "scenario": base_key,
                "ambient_temperature_c": d.ambient_temperature_c,
                "demand_factor": d.demand_factor,
            }
        )
        for d in unique
    }
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", scenario.name).strip("._") or "scenario"
    out = Path(out_dir) if out_dir is not None else settings.RUNS_DIR / f"annual-{safe}"
    store = out / "days"
    store.mkdir(parents=True, exist_ok=True)
    records: dict[str, dict[str, Any]] = {}
    for d in unique:
        rec = load_record(store / _record_name(d), keys[d.label], _RECORD_VERSION)
        if rec is not None:
            records[d.label] = rec
    todo = [d for d in unique if d.label not in records]
    logger.info(
        "annual %s %d: %d days (%d distinct), %d stored, %d to run on %s",
        scenario.name,
        scenario.year,
        len(days),
        len(unique),
        len(records),
        len(todo),
        executor,
    )
    bar = Progress(progress, len(unique), len(records), f"annual {scenario.name} {scenario.year}")
    try:
        for rec in _run(
            scenario, todo, keys, store, executor, scheduler, workers, network, split
        ):
            target = store / _record_name(groups_by_label[rec["label"]])
            if load_record(target, rec["digest"], _RECORD_VERSION) is None:
                write_json_atomic(target, rec)
            records[rec["label"]] = rec
            bar.advance(rec["label"])
    finally:
        bar.close()
    missing = [d.label for d in unique if d.label not in records]
    if missing:  # pragma: no cover - every executor yields every task or raises
        msg = f"days not simulated: {', '.join(missing)}"
        raise RuntimeError(msg)
    per_day = [records[groups[day_key(d)].label]["summary"] for d in days]
    total = combine(per_day, [d.weight_days for d in days])
    doc: dict[str, Any] = {"scenario": scenario.name, "seed": scenario.seed}
    doc.update({k: v for k, v in total.items() if k not in _LABEL_KEYS})
    doc["wall_s"] = round(time.perf_counter() - t0, 3)
    doc["year"] = scenario.year
    doc["days"] = [
        {
            "label": d.label,
            "weight_days": d.weight_days,
            "ambient_temperature_c": d.ambient_temperature_c,
            "demand_factor": d.demand_factor,
            "month": d.month,
            "day_type": d.day_type,
            **{k: v for k, v in s.items() if k not in _LABEL_KEYS},
        }
        for d, s in zip(days, per_day, strict=True)
    ]
    write_outputs(doc, out)
    return doc


def _run(
    scenario: Scenario,
    todo: list[RepresentativeDay],
    keys: Mapping[str, str],
    store: Path,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    network: RoadNetwork | None,
    split: bool | None = None,
) -> Iterator[dict[str, Any]]:
    if executor == "dask":
        if not todo and not scheduler:
            return  # every day is stored: no cluster to start
        order = longest_first(todo)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            # a new LocalCluster takes seconds to start (its worker processes import Python
            # packages on the other core): the client makes the fleets meanwhile
            made = None if scheduler else pool.submit(day_fleets, scenario, order)
            with dask_client(scheduler, workers) as client:
                # workers import and load the network while the client ships the fleets
                warm = partition_dask.on_each_worker(
                    client, warm_worker, scenario.network, str(scenario.base_dir)
                )
                threads = max(1, sum(client.nthreads().values()))
                # split days into partitions only where workers would idle without it
                use = (len(todo) < threads) if split is None else split
                made_fleets = day_fleets(scenario, order) if made is None else made.result()
                # whole days: each worker computes a share of the rows (started first)
                share = not use and len(order) > 1
                cases = [c for c, _ in made_fleets.values()]
                rows = _share_rows(client, scenario, cases) if share else []
                tasks = _dask_tasks(
                    client, scenario, order, keys, store, threads if use else 0,
                    made=made_fleets,
                )
                if rows:  # the days start once every share is there (in their order)
                    done = _all_finished(rows)
                    tasks = [{**t, "rows": rows} for t in tasks] if done else tasks
                fns: dict[str, Any] = {
                    "day": run_day, "prepare": prepare_part, "run": run_part, "merge": merge_day
                }
                yield from partition_dask.iter_days(client, tasks, fns)
                del warm
        return
    if todo and network is None:
        network = load_network(scenario.network, base_dir=scenario.base_dir)
    inputs: dict[float, tuple[FleetInput, ...]] = {}  # read / generated once per demand factor
    for d in todo:
        yield _record(keys[d.label], d, simulate_day(scenario, d, network, inputs))


#: The fleets of one demand factor as the workers rebuild them: the Case, and the fleets as
#: plain data (None when a table does not survive the round trip; the workers make them).
DayFleets = dict[float, tuple[Case, list[dict[str, Any]] | None]]


def day_fleets(scenario: Scenario, todo: list[RepresentativeDay]) -> DayFleets:
    """Read or generate each demand factor's fleets once, as the workers' scenario says.

    A worker rebuilds the scenario from its plain dictionary, so the fleets are made from
    that same dictionary (:func:`_dask_tasks` ships them).
    """
    raw = to_jsonable(scenario.raw)
    as_workers = scenario_from_dict(raw, base_dir=str(scenario.base_dir), file=scenario.file)
    network = load_network(as_workers.network, base_dir=as_workers.base_dir)
    out: DayFleets = {}
    for d in todo:
        if d.demand_factor not in out:
            case = load_case(day_scenario(as_workers, d), network)
            out[d.demand_factor] = (case, ship_fleets(case.fleets))
    return out


def _all_finished(futures: Sequence[Any]) -> bool:
    """Wait for Dask futures; return True when every one finished without an error."""
    from distributed import wait

    wait(futures)  # type: ignore[no-untyped-call]
    return all(f.status == "finished" for f in futures)


def _share_rows(client: Any, scenario: Scenario, cases: Sequence[Case]) -> list[Any]:
    """Submit the route rows of the days' taxi dispatch, each worker a share (futures).

    A worker that runs days one after another computes each row once (its cache), but
    every worker would compute every row; split here, the cluster computes each row once
    and a day task adds the other workers' shares (the futures it depends on). Nodes are
    dealt out in turn so the shares cost alike. A share whose worker is lost is computed
    again elsewhere; a row is the same wherever it is computed.
    """
    nodes = np.unique(np.concatenate([partition_dask.route_nodes(c) for c in cases]))
    workers = sorted(client.scheduler_info()["workers"])
    if nodes.size == 0 or len(workers) < 2:
        return []
    return [
        client.submit(
            route_rows, scenario.network, str(scenario.base_dir), nodes[i :: len(workers)],
            int(nodes.size), workers=[addr], allow_other_workers=True, pure=False,
            retries=DASK_RETRIES,
        )
        for i, addr in enumerate(workers)
    ]


def _dask_tasks(
    client: Any,
    scenario: Scenario,
    todo: list[RepresentativeDay],
    keys: Mapping[str, str],
    store: Path,
    max_parts: int = 0,
    made: DayFleets | None = None,
) -> list[dict[str, Any]]:
    """Return the day tasks (in ``todo``'s order), each demand factor's fleets made once here.

    The fleets (trips, requests: most of a city day's input; ``made`` by :func:`day_fleets`,
    or made now) are scattered to the workers once per demand factor (``broadcast``: one
    copy a worker, not one per task, and no worker generates them again); the tasks carry
    the future. With ``max_parts`` > 1 a task lists its day's independent partitions
    (``parts``, at most that many, as plain data; they do not depend on the weather) unless
    it has one.
    """
    if made is None:
        made = day_fleets(scenario, todo)
    shipped: dict[float, Any] = {}
    split: dict[float, list[dict[str, Any]]] = {}
    base = scenario_key(scenario)  # names the shipped fleets in a worker's cache
    for factor, (case, plain) in made.items():
        # a list is scattered element by element: wrap it to ship it as one object;
        # None (a table Arrow cannot carry exactly): the workers read or generate it
        shipped[factor] = {} if plain is None else {
            "inputs": client.scatter([plain], broadcast=True)[0],
            "inputs_key": f"{base}-{factor!r}",
        }
        parts = partition.partitions(case, max_parts) if max_parts > 1 else []
        split[factor] = [p.plain() for p in parts] if len(parts) > 1 else []
    raw = to_jsonable(scenario.raw)
    return [
        {
            "scenario": raw,
            "scenario_key": base,
            "base_dir": str(scenario.base_dir),
            "file": scenario.file,
            "day": dataclasses.asdict(d),
            "digest": keys[d.label],
            "store": str(store.resolve()),
            **shipped[d.demand_factor],
            **({"parts": split[d.demand_factor]} if split[d.demand_factor] else {}),
        }
        for d in todo
    ]
