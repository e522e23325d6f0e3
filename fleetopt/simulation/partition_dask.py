"""What crosses the wire of a Dask year: fleets as plain data, a day as a graph of partitions.

:mod:`fleetopt.simulation.annual` runs representative days on Dask. The client reads or
generates each demand factor's fleets once and ships them to the workers as plain data
(:func:`ship_fleets`: Arrow IPC bytes, never a pickled DataFrame); a worker turns them back
into the Case's inputs (:func:`unship_fleets`) and keeps them for the next day
(:func:`kept`). A day split into independent partitions
(:mod:`fleetopt.simulation.partition`) becomes a small task graph (:func:`iter_days`).
The taxi dispatch's shortest-path rows are computed once on the cluster, each worker a
share of the nodes :func:`route_nodes` names, and shipped to every worker.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from fleetopt._json import to_jsonable
from fleetopt.case import Case, FleetInput
from fleetopt.executors import DASK_RETRIES, write_json_atomic
from fleetopt.inputs.scenario import Scenario, scenario_from_dict
from fleetopt.simulation import engine
from fleetopt.simulation.prepare import Prepared

__all__ = [
    "day_horizon",
    "iter_days",
    "kept",
    "on_each_worker",
    "part_facts",
    "route_nodes",
    "ship_fleets",
    "store_record",
    "unship_fleets",
]

logger = logging.getLogger(__name__)
_T = TypeVar("_T")
_LOCK = threading.Lock()


def kept(
    cache: collections.OrderedDict[Any, _T], key: Any, make: Callable[[], _T], keep: int
) -> _T:
    """Return ``cache[key]``, made by ``make()`` when missing; keep the last ``keep`` keys.

    A worker's caches between tasks (networks' route rows, shipped fleets, a day's Case);
    ``make`` runs outside the lock (two threads may both make it; one copy is kept).
    """
    with _LOCK:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = make()
    with _LOCK:
        cache[key] = value
        while len(cache) > keep:
            cache.popitem(last=False)
    return value


def on_each_worker(client: Any, fn: Callable[..., Any], *args: Any) -> list[Any]:
    """Submit ``fn(*args)`` once on every worker (not waited for); return the futures."""
    return [
        client.submit(fn, *args, workers=[a], allow_other_workers=False, pure=False)
        for a in client.scheduler_info()["workers"]
    ]


def store_record(store: str | None, name: str, record: Mapping[str, Any]) -> None:
    """Write a day record into the store folder from a worker, when the worker sees it."""
    if store:
        try:
            write_json_atomic(Path(store) / name, record)
        except OSError as exc:  # a remote worker may not see the folder; the client writes it
            logger.debug("worker could not store %s: %s", name, exc)


def part_facts(prep: Prepared) -> engine.HorizonFacts:
    """Return a prepared partition's horizon facts (a Dask task next to the partition)."""
    return engine.horizon_facts(prep)


def day_horizon(task: Mapping[str, Any], *facts: engine.HorizonFacts) -> tuple[float, float]:
    """Return the day's horizon from its partitions' facts (a Dask task)."""
    scenario = scenario_from_dict(task["scenario"], base_dir=task["base_dir"], file=task["file"])
    return engine.horizon_of(scenario, list(facts))


def iter_days(
    client: Any,
    tasks: Sequence[Mapping[str, Any]],
    fns: Mapping[str, Callable[..., Any]],
) -> Iterator[dict[str, Any]]:
    """Submit every day (whole, or its ``parts`` and their merge); yield records as done.

    ``fns`` holds the workers' functions: ``day`` (a whole day), ``prepare`` (one partition's
    prepared inputs, which stay on its worker), ``run`` (one partition on the day's horizon)
    and ``merge`` (the day's record). A day in partitions is a small graph: ``prepare`` per
    partition, :func:`part_facts` next to it, :func:`day_horizon`, ``run`` per partition,
    ``merge``. The days start in the order given (each day's tasks a Dask priority below the
    day before's: without it, days that become ready together start in any order), but for
    the two a worker holds at once, which may start in either order. Every
    task is retried (``DASK_RETRIES``) and a result lost with its worker is recomputed from
    its inputs, so a lost worker never changes the answer.
    """
    from distributed import as_completed as dask_completed

    finals = []
    for rank, whole in enumerate(tasks):

        def submit(fn: Callable[..., Any], *args: Any, key: str, rank: int = rank) -> Any:
            return client.submit(
                fn, *args, key=key, pure=False, retries=DASK_RETRIES, priority=len(tasks) - rank
            )

        day_parts = whole.get("parts") or []
        task = {k: v for k, v in whole.items() if k != "parts"}  # each task its own part
        k = f"fleetopt-annual-{str(task['digest'])[:16]}"
        if not day_parts:
            finals.append(submit(fns["day"], task, key=k))
            continue
        preps = [
            submit(fns["prepare"], task, p, key=f"{k}-prep-{i}") for i, p in enumerate(day_parts)
        ]
        facts = [submit(part_facts, f, key=f"{k}-facts-{i}") for i, f in enumerate(preps)]
        horizon = submit(day_horizon, task, *facts, key=f"{k}-horizon")
        runs = [
            submit(fns["run"], task, p, f, horizon, key=f"{k}-run-{i}")
            for i, (p, f) in enumerate(zip(day_parts, preps, strict=True))
        ]
        finals.append(submit(fns["merge"], task, horizon, *runs, key=f"{k}-merge"))
    for fut in dask_completed(finals):  # type: ignore[no-untyped-call]
        yield fut.result()


def route_nodes(case: Case) -> np.ndarray:
    """Return the road nodes whose shortest-path rows the day's taxi dispatch will ask for.

    The nearest nodes of every ride request's ends and the stations' nodes (a generated
    taxi starts at a request's origin). A hint, not a rule: a row the dispatch asks for
    beyond it is computed then, a row it never asks for costs only its computation, and
    a row is the same wherever it is computed, so the hint changes no result.

    Returns
    -------
    numpy.ndarray
        Sorted distinct node indices; empty without requests or road network.
    """
    net = case.network
    tables = [fi.table for fi in case.fleets if fi.kind == "requests" and len(fi.table)]
    if net is None or not tables:
        return np.zeros(0, dtype=np.int64)
    ends = (("origin_lon", "origin_lat"), ("destination_lon", "destination_lat"))
    lon = np.concatenate([t[x].to_numpy(float) for t in tables for x, _ in ends])
    lat = np.concatenate([t[y].to_numpy(float) for t in tables for _, y in ends])
    node, _ = net.nearest_nodes(lon, lat)
    st = case.stations["node"].to_numpy(np.int64) if len(case.stations) else np.zeros(0, np.int64)
    return np.unique(np.concatenate([np.asarray(node, dtype=np.int64), st[st >= 0]]))


def ship_fleets(fleets: Sequence[FleetInput]) -> list[dict[str, Any]] | None:
    """Return a day's fleets as plain data for the workers (no pickle of the user's tables).

    Each fleet becomes ``kind``, its table as Arrow IPC stream bytes (with pandas' dtypes
    and index in the schema; object columns named to be restored), the table's ``attrs``
    and the GTFS facts as JSON-able values; Dask carries bytes, strings and numbers without
    pickle. None when a table does not survive the round trip exactly (object columns
    Arrow cannot type): the workers then read or generate the fleets themselves from the
    scenario dictionary, as before.
    """
    out: list[dict[str, Any]] = []
    for fi in fleets:
        try:
            table = pa.Table.from_pandas(fi.table, preserve_index=None)
        except (pa.ArrowException, TypeError, ValueError):
            return None
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        item = {
            "kind": fi.kind,
            "table": sink.getvalue().to_pybytes(),
            "attrs": to_jsonable(dict(fi.table.attrs)),
            "gtfs": to_jsonable(fi.gtfs),
            "object_columns": [str(c) for c in fi.table.columns if fi.table[c].dtype == object],
        }
        if not _read_table(item).equals(fi.table) or item["attrs"] != fi.table.attrs:
            return None
        out.append(item)
    return out


def unship_fleets(
    scenario: Scenario, shipped: Sequence[Mapping[str, Any]]
) -> tuple[FleetInput, ...]:
    """Return the fleet inputs of :func:`ship_fleets`' plain data for ``scenario``'s fleets."""
    if len(shipped) != len(scenario.fleets):
        raise ValueError(f"{len(shipped)} shipped fleets for {len(scenario.fleets)} [[fleets]]")
    return tuple(
        FleetInput(fleet, str(item["kind"]), _read_table(item), item["gtfs"])
        for fleet, item in zip(scenario.fleets, shipped, strict=True)
    )


def _read_table(item: Mapping[str, Any]) -> pd.DataFrame:
    df = pa.ipc.open_stream(item["table"]).read_all().to_pandas()
    for c in item["object_columns"]:  # Arrow gives strings back as pandas' str dtype
        df[c] = df[c].astype(object)
    df.attrs.update(item["attrs"])
    return df
