"""Run many variants of a scenario (grid, list or seeded Monte Carlo) locally or on Dask.

A sweep file (CONTRACT §5) names a base scenario and the keys to vary::

    base = "scenario.toml"                  # relative to the sweep file
    [grid]                                  # Cartesian product of the listed values
    ambient_temperature_c = [-10, 0, 20]
    "vehicle_types.bus.bev.battery_kwh" = [200, 300]
    "stations.0.plugs" = [2, 4]             # list items by index

    [list]                                  # or: equal-length lists, taken row by row
    [monte_carlo]                           # or: seeded random draws
    samples = 20
    seed = 7
    [monte_carlo.keys]
    ambient_temperature_c = {distribution = "uniform", low = -15, high = 5}
    "stations.0.plugs" = {distribution = "integers", low = 1, high = 4}

Top-level ``targets = true`` adds the plan's targets of each variant as columns
``targets.<id>.value`` and ``targets.<id>.status`` (after the simulate keys);
``simulate = false`` (with ``targets = true``) skips the simulation, for sweeps of the
``[transition]`` and ``[mode_share]`` levers.

Every variant is checked before anything runs (an unknown key or a bad value is an
``InputError`` naming the sweep file and the key path). Each finished variant is stored
atomically as ``<out>/variants/<variant>.json`` (with a digest of its scenario) and skipped
when the sweep runs again, so a killed sweep loses nothing that finished. The result
table (``results.csv``, ``results.parquet``) has one row per variant: ``variant``, one
column per swept key, then the ``simulate --json`` keys with ``by_type`` flattened as
``by_type.<type>.<key>``. Results do not depend on the executor (``wall_s`` is a timing).

What a variant runs is passed in (``evaluate``, :func:`fleetopt.api.evaluate_variant`),
so this module sits below the api and never imports it. Size: over 700 lines because
the sweep file's checks (grid, list, Monte Carlo, every key path) belong together; the
executors live in :mod:`fleetopt.executors`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import logging
import math
import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import settings
from fleetopt._json import to_jsonable
from fleetopt.errors import InputError, Problem
from fleetopt.executors import (
    Progress,
    digest,
    input_fingerprints,
    iter_dask,
    load_record,
    package_fingerprint,
    write_json_atomic,
)
from fleetopt.inputs import _caps
from fleetopt.inputs.scenario import check_scenario_dict, load_scenario_dict
from fleetopt.results.export import escape_csv_file

logger = logging.getLogger(__name__)

#: What one variant runs: ``evaluate(scenario_dict, *, base_dir, file, simulate, targets)
#: -> (summary, targets rows or None)`` (:func:`fleetopt.api.evaluate_variant`).
Evaluate = Callable[..., tuple[dict[str, Any], list[dict[str, Any]] | None]]

#: Sweep modes (one per sweep file).
MODES = ("grid", "list", "monte_carlo")

#: Executors.
EXECUTORS = ("local", "dask")

#: Distributions of Monte Carlo keys and their parameters.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "integers": ("low", "high"),
    "choice": ("values",),
}


_TOP_KEYS = ("base", "name", "simulate", "targets", *MODES)
_RECORD_VERSION = 1


@dataclass(frozen=True)
class Variant:
    """One scenario variant of a sweep.

    Attributes
    ----------
    variant : str
        Id, ``v0000``, ``v0001``, … in sweep order.
    overrides : dict
        Swept key path -> value.
    scenario : dict
        The merged scenario dictionary with the overrides applied.
    digest : str
        SHA-256 of the scenario dictionary (canonical JSON) and of the input files it names;
        a stored result is reused only when it matches.
    """

    variant: str
    overrides: dict[str, Any]
    scenario: dict[str, Any]
    digest: str


@dataclass(frozen=True)
class SweepPlan:
    """A read and checked sweep: its variants and where the base scenario lives.

    Attributes
    ----------
    path : Path
        Sweep file.
    name : str
        Sweep name (``name`` key or the file stem).
    mode : str
        grid, list or monte_carlo.
    keys : tuple of str
        Swept key paths, in column order.
    variants : tuple of Variant
    base_path : Path
        The base scenario file.
    simulate : bool
        Simulate each variant (``simulate = false`` in the sweep file skips it).
    targets : bool
        Also evaluate the plan's targets for each variant (``targets = true``).
    """

    path: Path
    name: str
    mode: str
    keys: tuple[str, ...]
    variants: tuple[Variant, ...]
    base_path: Path
    simulate: bool = True
    targets: bool = False


# --------------------------------------------------------------------------- reading
def _problem(message: str, column: str | None, file: Path) -> Problem:
    return Problem(message, None, column, str(file))


def _digest(d: Mapping[str, Any]) -> str:
    return digest(d)


def set_key(d: dict[str, Any], path: str, value: Any) -> str | None:
    """Set a dotted key path in a scenario dictionary; list items are addressed by index.

    Missing tables on the way are created (a scenario may omit an override table);
    missing list items are not.

    Parameters
    ----------
    d : dict
        Scenario dictionary, changed in place.
    path : str
        Dotted key path, e.g. ``vehicle_types.bus.bev.battery_kwh`` or ``stations.0.plugs``.
    value : object
        New value.

    Returns
    -------
    str or None
        None on success, else why the path cannot be set.
    """
    parts = path.split(".")
    if any(not p for p in parts):
        return f"{path!r} is not a dotted key path"
    node: Any = d
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = ".".join(parts[:i]) or "the scenario"
        if isinstance(node, list):
            if not part.isdigit():
                return f"{here} is a list; address its items by index (0 to {len(node) - 1})"
            k = int(part)
            if k >= len(node):
                return f"{here} has {len(node)} item(s); index {k} does not exist"
            if last:
                node[k] = value
            else:
                node = node[k]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if part not in node:
                    node[part] = {}
                node = node[part]
        else:
            return f"{here} is a single value ({node!r}), not a table or list"
    return None


def _check_values(table: Any, mode: str, file: Path) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(table, Mapping) or not table:
        return [_problem(f"[{mode}] must be a table of key = list of values", mode, file)]
    for key, vals in table.items():
        if not isinstance(vals, list) or not vals:
            problems.append(
                _problem(
                    f"expected a non-empty list of values, got {vals!r}", f"{mode}.{key}", file
                )
            )
    if mode == "list" and not problems:
        lengths = {k: len(v) for k, v in table.items()}
        if len(set(lengths.values())) > 1:
            problems.append(
                _problem(
                    f"[list] values must all have the same length; got {lengths}", "list", file
                )
            )
    return problems


def _draw(spec: Mapping[str, Any], rng: np.random.Generator) -> Any:
    dist = spec["distribution"]
    if dist == "uniform":
        return float(rng.uniform(spec["low"], spec["high"]))
    if dist == "normal":
        return float(rng.normal(spec["mean"], spec["sd"]))
    if dist == "integers":
        return int(rng.integers(int(spec["low"]), int(spec["high"]), endpoint=True))
    values = list(spec["values"])
    return values[int(rng.integers(0, len(values)))]


def _check_monte_carlo(mc: Any, file: Path) -> list[Problem]:
    if not isinstance(mc, Mapping):
        return [_problem("[monte_carlo] must be a table", "monte_carlo", file)]
    problems: list[Problem] = []
    for k in mc:
        if k not in ("samples", "seed", "keys"):
            problems.append(
                _problem(f"unknown key {k!r}; known: samples, seed, keys", f"monte_carlo.{k}", file)
            )
    n = mc.get("samples")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 100_000:
        problems.append(
            _problem(
                f"samples: expected a whole number from 1 to 100000, got {n!r}",
                "monte_carlo.samples",
                file,
            )
        )
    seed = mc.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        problems.append(
            _problem(
                f"seed: expected a whole number >= 0 (the draws must be repeatable), got {seed!r}",
                "monte_carlo.seed",
                file,
            )
        )
    keys = mc.get("keys")
    if not isinstance(keys, Mapping) or not keys:
        problems.append(
            _problem(
                "expected [monte_carlo.keys] with key = {distribution = ...}",
                "monte_carlo.keys",
                file,
            )
        )
        return problems
    for key, spec in keys.items():
        where = f"monte_carlo.keys.{key}"
        if not isinstance(spec, Mapping) or spec.get("distribution") not in DISTRIBUTIONS:
            problems.append(
                _problem(
                    f"expected {{distribution = ...}} with distribution one of "
                    f"{', '.join(DISTRIBUTIONS)}",
                    where,
                    file,
                )
            )
            continue
        need = DISTRIBUTIONS[spec["distribution"]]
        for p in need:
            if p not in spec:
                problems.append(
                    _problem(
                        f"{spec['distribution']} needs {', '.join(need)}", f"{where}.{p}", file
                    )
                )
        for p in spec:
            if p != "distribution" and p not in need:
                problems.append(
                    _problem(
                        f"unknown parameter {p!r}; {spec['distribution']} takes {', '.join(need)}",
                        f"{where}.{p}",
                        file,
                    )
                )
        if spec["distribution"] == "choice":
            if not isinstance(spec.get("values"), list) or not spec.get("values"):
                problems.append(
                    _problem("values must be a non-empty list", f"{where}.values", file)
                )
        else:
            for p in need:
                v = spec.get(p)
                if p in spec and (
                    not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v)
                ):
                    problems.append(
                        _problem(f"{p} must be a number, got {v!r}", f"{where}.{p}", file)
                    )
            if (
                not problems
                and spec["distribution"] in ("uniform", "integers")
                and spec["low"] > spec["high"]
            ):
                problems.append(_problem("low must not exceed high", where, file))
            if not problems and spec["distribution"] == "normal" and spec["sd"] < 0:
                problems.append(_problem("sd must be >= 0", f"{where}.sd", file))
    return problems


def _override_sets(
    doc: Mapping[str, Any], mode: str, file: str | None = None
) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    n_variants = (
        math.prod(len(v) for v in doc["grid"].values()) if mode == "grid"
        else len(next(iter(doc["list"].values()))) if mode == "list"
        else int(doc["monte_carlo"]["samples"])
    )
    if n_variants > _caps.MAX_GRID_VARIANTS:  # checked before anything is expanded
        raise _caps.over_cap(f"the sweep expands to {n_variants:,} variants",
                             "MAX_GRID_VARIANTS", _caps.MAX_GRID_VARIANTS, file=file,
                             column=mode)
    if mode == "grid":
        keys = tuple(doc["grid"])
        combos = itertools.product(*(doc["grid"][k] for k in keys))
        return keys, [dict(zip(keys, c, strict=True)) for c in combos]
    if mode == "list":
        keys = tuple(doc["list"])
        n = len(doc["list"][keys[0]])
        return keys, [{k: doc["list"][k][i] for k in keys} for i in range(n)]
    mc = doc["monte_carlo"]
    keys = tuple(mc["keys"])
    rng = np.random.default_rng(int(mc["seed"]))
    return keys, [{k: _draw(mc["keys"][k], rng) for k in keys} for _ in range(int(mc["samples"]))]


def read_sweep(path: str | Path) -> SweepPlan:
    """Read a sweep file, expand its variants and check every variant's scenario.

    Parameters
    ----------
    path : str or Path
        Sweep TOML file.

    Returns
    -------
    SweepPlan

    Raises
    ------
    InputError
        Listing every problem (file, key path): unknown keys, wrong types, bad values,
        a variant whose scenario does not pass the scenario checks.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"sweep file not found: {path}"
        raise InputError(msg, [_problem("file not found", None, path)])
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc})"
        raise InputError(
            msg, [Problem(f"not valid TOML: {exc}", getattr(exc, "lineno", None), None, str(path))]
        ) from None
    problems = [
        _problem(f"unknown key {k!r}; known: {', '.join(_TOP_KEYS)}", k, path)
        for k in doc
        if k not in _TOP_KEYS
    ]
    modes = [m for m in MODES if m in doc]
    if len(modes) != 1:
        problems.append(
            _problem(
                f"give exactly one of [grid], [list], [monte_carlo]; found {modes or 'none'}",
                None,
                path,
            )
        )
    for flag in ("simulate", "targets"):
        if flag in doc and not isinstance(doc[flag], bool):
            problems.append(
                _problem(f"{flag} must be true or false, got {doc[flag]!r}", flag, path)
            )
    if doc.get("simulate") is False and doc.get("targets") is not True:
        problems.append(
            _problem("simulate = false needs targets = true (nothing to compute)", "simulate", path)
        )
    base = doc.get("base")
    if not isinstance(base, str):
        problems.append(
            _problem(f"base must be the path of a scenario file, got {base!r}", "base", path)
        )
    if not problems:
        mode = modes[0]
        problems += (
            _check_monte_carlo(doc[mode], path)
            if mode == "monte_carlo"
            else _check_values(doc[mode], mode, path)
        )
    if problems:
        msg = f"{len(problems)} problem(s) in sweep file {path}"
        raise InputError(msg, problems)
    mode = modes[0]
    base_path = (path.parent / str(base)).resolve()
    base_dict = load_scenario_dict(base_path)
    keys, sets = _override_sets(doc, mode, str(path))
    variants: list[Variant] = []
    package = package_fingerprint()  # a changed model or default never reuses a stored variant
    width = max(4, len(str(len(sets) - 1)))
    seen: set[object] = set()
    for i, over in enumerate(sets):
        d = copy.deepcopy(base_dict)
        for key, val in over.items():
            why = set_key(d, key, val)
            if why:
                col = f"{mode}.{key}" if mode != "monte_carlo" else f"monte_carlo.keys.{key}"
                if col not in seen:
                    problems.append(_problem(f"cannot set {key!r}: {why}", col, path))
                    seen.add(col)
        for p in check_scenario_dict(d, file=str(base_path)):
            text = f"variant {i} ({_label(over)}): {p.message}"
            if (p.column, p.message) not in seen:
                problems.append(Problem(text, None, p.column, str(path)))
                seen.add((p.column, p.message))
        flags = {
            "simulate": bool(doc.get("simulate", True)),
            "targets": bool(doc.get("targets", False)),
        }
        files = input_fingerprints(d, base_path.parent)
        digest = _digest({"scenario": d, "files": files, "package": package, **flags})
        variants.append(Variant(f"v{i:0{width}d}", over, d, digest))
    if problems:
        msg = f"{len(problems)} problem(s) in sweep file {path}"
        raise InputError(msg, problems)
    name = str(doc.get("name") or path.stem)
    return SweepPlan(
        path=path,
        name=name,
        mode=mode,
        keys=keys,
        variants=tuple(variants),
        base_path=base_path,
        simulate=bool(doc.get("simulate", True)),
        targets=bool(doc.get("targets", False)),
    )


def _label(over: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in over.items())


# --------------------------------------------------------------------------- running
def run_variant(task: Mapping[str, Any], evaluate: Evaluate) -> dict[str, Any]:
    """Evaluate one variant and store its record; the function every executor runs.

    Parameters
    ----------
    task : mapping
        ``variant``, ``overrides``, ``scenario`` (dict), ``digest``, ``base_dir``, ``file``,
        ``store`` (folder of the variant records, or None), ``simulate`` and ``targets``.
    evaluate : callable
        ``evaluate(scenario_dict, base_dir=, file=, simulate=, targets=) -> (summary,
        targets)``: what a variant runs, passed in by the orchestrator
        (:func:`fleetopt.api.evaluate_variant`) so this module never imports the api. A
        module-level function, so process pools and Dask workers can pickle it.

    Returns
    -------
    dict
        The record: ``variant``, ``digest``, ``overrides``, ``summary`` (simulate --json keys,
        empty when not simulated) and ``targets`` (``targets --json`` rows, or None).
    """
    summary, targets = evaluate(task["scenario"], base_dir=task["base_dir"], file=task["file"],
                                simulate=bool(task.get("simulate", True)),
                                targets=bool(task.get("targets")))
    record = {
        "version": _RECORD_VERSION,
        "variant": task["variant"],
        "digest": task["digest"],
        "overrides": to_jsonable(task["overrides"]),
        "summary": to_jsonable(summary),
        "targets": to_jsonable(targets),
    }
    if task.get("store"):
        try:
            write_json_atomic(Path(task["store"]) / f"{task['variant']}.json", record)
        except OSError as exc:  # a remote worker may not see the folder; the client writes it
            logger.debug("worker could not store %s: %s", task["variant"], exc)
    return record


def flatten_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten ``by_type`` of a simulate summary into ``by_type.<type>.<key>`` columns."""
    out: dict[str, Any] = {}
    for k, v in summary.items():
        if k == "by_type" and isinstance(v, Mapping):
            for vtype, stats in v.items():
                if isinstance(stats, Mapping):
                    for sk, sv in stats.items():
                        out[f"by_type.{vtype}.{sk}"] = sv
                else:
                    out[f"by_type.{vtype}"] = stats
        else:
            out[k] = v
    return out


def _cell(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return v


def results_table(plan: SweepPlan, records: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Build the result table, one row per variant in sweep order (CONTRACT §5)."""
    rows = []
    for v in plan.variants:
        rec = records[v.variant]
        row: dict[str, Any] = {"variant": v.variant}
        row.update({k: _cell(v.overrides[k]) for k in plan.keys})
        row.update(
            {k: _cell(x) for k, x in flatten_summary(rec["summary"]).items() if k not in row}
        )
        for t in rec.get("targets") or []:
            if t["unit"] != "text":
                row[f"targets.{t['id']}.value"] = t["value"]
                row[f"targets.{t['id']}.status"] = t["status"]
        rows.append(row)
    return pd.DataFrame(rows)


def _iter_local(tasks: list[dict[str, Any]], workers: int | None, evaluate: Evaluate
                ) -> Iterator[dict[str, Any]]:
    n = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    if n == 1:
        for t in tasks:
            yield run_variant(t, evaluate)
        return
    with ProcessPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(run_variant, t, evaluate) for t in tasks]
        for fut in as_completed(futures):
            yield fut.result()


def _iter_dask(
    tasks: list[dict[str, Any]], scheduler: str | None, workers: int | None, evaluate: Evaluate
) -> Iterator[dict[str, Any]]:
    keys = [f"fleetopt-{t['variant']}-{t['digest'][:12]}" for t in tasks]
    fn = functools.partial(run_variant, evaluate=evaluate)
    yield from iter_dask(fn, tasks, keys, scheduler=scheduler, workers=workers)


def run_sweep(
    path: str | Path,
    *,
    evaluate: Evaluate,
    executor: str = "local",
    scheduler: str | None = None,
    out_dir: str | Path | None = None,
    progress: bool = True,
    workers: int | None = None,
) -> pd.DataFrame:
    """Run a sweep file and write ``results.csv`` and ``results.parquet`` under ``out_dir``.

    Parameters
    ----------
    path : str or Path
        Sweep TOML file.
    evaluate : callable
        What each variant runs (:func:`run_variant`); :func:`fleetopt.api.run_sweep` passes
        :func:`fleetopt.api.evaluate_variant`.
    executor : str
        ``local`` (a process pool on this machine) or ``dask`` (a ``distributed.LocalCluster``
        on 127.0.0.1 with :data:`fleetopt.executors.DASK_WORKERS` worker processes, or the
        cluster at ``scheduler``).
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786`` (dask only).
    out_dir : str or Path, optional
        Result folder; default ``runs/sweep-<name>``. Finished variants stored there are reused.
    progress : bool
        Show a progress bar on stderr.
    workers : int, optional
        Worker processes (local: default all cores; dask LocalCluster: default 2).

    Returns
    -------
    pandas.DataFrame
        One row per variant (CONTRACT §5 columns).

    Raises
    ------
    InputError
        Bad sweep file or variant, or an unknown executor.
    """
    if executor not in EXECUTORS:
        msg = f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}"
        raise InputError(msg, [Problem(msg, None, "--executor", None)])
    if scheduler and executor != "dask":
        msg = "--scheduler needs --executor dask"
        raise InputError(msg, [Problem(msg, None, "--scheduler", None)])
    plan = read_sweep(path)
    out = Path(out_dir) if out_dir is not None else settings.RUNS_DIR / f"sweep-{plan.name}"
    store = out / "variants"
    store.mkdir(parents=True, exist_ok=True)
    records: dict[str, dict[str, Any]] = {}
    for v in plan.variants:
        rec = load_record(store / f"{v.variant}.json", v.digest, _RECORD_VERSION)
        if rec is not None:
            records[v.variant] = rec
    todo = [v for v in plan.variants if v.variant not in records]
    logger.info(
        "sweep %s: %d variants, %d stored, %d to run on %s",
        plan.name,
        len(plan.variants),
        len(records),
        len(todo),
        executor,
    )
    tasks = [
        {
            "variant": v.variant,
            "overrides": v.overrides,
            "scenario": v.scenario,
            "digest": v.digest,
            "base_dir": str(plan.base_path.parent),
            "file": str(plan.base_path),
            "store": str(store.resolve()),
            "simulate": plan.simulate,
            "targets": plan.targets,
        }
        for v in todo
    ]
    bar = Progress(progress, len(plan.variants), len(records), f"sweep {plan.name}")
    try:
        stream = (
            _iter_local(tasks, workers, evaluate)
            if executor == "local"
            else _iter_dask(tasks, scheduler, workers, evaluate)
        )
        for rec in stream:
            target = store / f"{rec['variant']}.json"
            if load_record(target, rec["digest"], _RECORD_VERSION) is None:
                write_json_atomic(target, rec)
            records[rec["variant"]] = rec
            bar.advance(rec["variant"])
    finally:
        bar.close()
    table = results_table(plan, records)
    _write_tables(table, out)
    return table


def _write_tables(table: pd.DataFrame, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("results.csv", "results.parquet"):
        tmp = out / f".{name}.{os.getpid()}.tmp"
        if name.endswith(".csv"):
            table.to_csv(tmp, index=False)
            escape_csv_file(tmp)  # ids and labels starting with = + - @ are not formulas
        else:
            table.to_parquet(tmp, index=False)
        os.replace(tmp, out / name)
