"""Run independent tasks on a Dask cluster, store results atomically and show progress on stderr.

Shared by :mod:`fleetopt.sweeps` (one task per variant) and
:mod:`fleetopt.simulation.annual` (one task per representative day). A task is a plain
dictionary; the function that runs it is importable by name on every worker, so nothing
but plain data is pickled. Without a scheduler address a ``distributed.LocalCluster``
starts on 127.0.0.1 (:data:`DASK_WORKERS` worker processes, one thread each, no dashboard,
the background work of :data:`LOCAL_CLUSTER_CONFIG` turned down).
A task that fails or whose worker dies is retried (:data:`DASK_RETRIES`); results come
back once per key, so a retry never doubles a total.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fleetopt.errors import InputError, Problem

logger = logging.getLogger(__name__)

#: Workers of the default Dask LocalCluster.
DASK_WORKERS = 2

#: Retries of a task that failed or lost its worker.
DASK_RETRIES = 2

#: Seconds to wait for a scheduler to answer before the address is reported as bad input.
CONNECT_TIMEOUT_S = 5.0

#: Dask settings of the LocalCluster fleetopt starts (not of a cluster at ``--scheduler``).
#: distributed's defaults sample every worker's stack 100 times a second (its statistical
#: profiler, shown only on the dashboard, which is off here), wake every process's event
#: loop every 20 ms (``tick``), measure the machine every 0.5 s and the workers' memory
#: every 0.1 s, and rebalance tasks every 0.1 s. Measured on a loaded 2-core machine with 2
#: workers busy in pure Python for 10 s: the task's own thread got 91-92 % of its worker's
#: CPU with the defaults, 98.5 % with these; the idle client process (scheduler, nannies,
#: client) used 3.5-4.5 % of a core, 0.8 % with these. Tasks here run for seconds to
#: minutes, so memory checked and tasks rebalanced every second lose nothing; a worker that
#: dies is still noticed at once (its nanny waits on the process). The workers also keep
#: glibc's own heap trimming, as the local executor's process does: distributed's
#: ``MALLOC_TRIM_THRESHOLD_=65536`` gave a city day (every fleet x0.05) 2.5-6 times the
#: page faults and 0.2-0.4 s more system time.
LOCAL_CLUSTER_CONFIG: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing-interval": "1s",
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


def digest(d: Any) -> str:
    """Return the SHA-256 of a JSON-able object (canonical JSON, sorted keys)."""
    text = json.dumps(d, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def write_json_atomic(path: Path, doc: Mapping[str, Any]) -> None:
    """Write a JSON document so a reader sees the old file or the whole new one, never a part.

    Parameters
    ----------
    path : Path
        Target file; its folder is created.
    doc : mapping
        JSON-able document (key order kept).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, allow_nan=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_record(path: Path, digest: str, version: int) -> dict[str, Any] | None:
    """Return a stored result record when it is whole and for the same inputs, else None.

    Parameters
    ----------
    path : Path
        The record (:func:`write_json_atomic`).
    digest : str
        Digest of the inputs the record must have been computed from.
    version : int
        Record format version the caller writes.

    Returns
    -------
    dict or None
        The record; None when missing, unreadable, of another version or digest, or
        without a ``summary`` table.
    """
    try:
        with path.open(encoding="utf-8") as fh:
            rec = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict):
        return None
    if rec.get("version") != version or rec.get("digest") != digest:
        return None
    return rec if isinstance(rec.get("summary"), dict) else None


#: Files larger than this are fingerprinted by size and modification time, not content [bytes].
_HASH_LIMIT_BYTES = 64 * 1024 * 1024


@functools.lru_cache(maxsize=256)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    """Hash one file once per (path, size, mtime) however many variants name it."""
    if size > _HASH_LIMIT_BYTES:
        return f"{size}:{mtime_ns}"
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """Hash fleetopt's own code and parameter tables (every file of the installed package).

    A stored day or variant is a function of the scenario, its input files *and* the tool
    that computed it: a re-sourced row in ``fleetopt/data`` or a changed model must not
    reuse results computed before it. Computed once per process (~5 MB read).

    Returns
    -------
    str
        ``sha256`` over the sorted relative paths and contents of ``fleetopt/**``
        (``*.py`` and ``data/**``; caches such as ``__pycache__`` are left out).
    """
    return tree_fingerprint(Path(__file__).resolve().parent)


def tree_fingerprint(root: Path) -> str:
    """Hash a package folder's ``*.py`` files and everything under its ``data/`` folder."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or "__pycache__" in rel.parts or path.suffix == ".pyc":
            continue
        if path.suffix != ".py" and rel.parts[0] != "data":
            continue
        h.update(str(rel.as_posix()).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def input_fingerprints(d: Any, base_dir: Path) -> dict[str, str]:
    """Fingerprint every input file a scenario dictionary names (trips, GTFS, stations, graph).

    A stored variant is reused only when its inputs are unchanged, not just its keys.

    Parameters
    ----------
    d : object
        The scenario dictionary (walked recursively; strings naming existing files count).
    base_dir : Path
        Folder relative paths are resolved against.

    Returns
    -------
    dict of str to str
        Resolved path -> ``sha256`` of the content (or ``size:mtime`` for very large files).
    """
    out: dict[str, str] = {}

    def walk(v: Any) -> None:
        if isinstance(v, Mapping):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and v and len(v) < 4096 and ("." in v or "/" in v):
            p = Path(v) if Path(v).is_absolute() else base_dir / v
            try:
                if not p.is_file():
                    return
                st = p.stat()
                key = str(p.resolve())
                if key in out:
                    return
                out[key] = _file_hash(key, st.st_size, st.st_mtime_ns)
            except OSError:
                return

    walk(d)
    return out


class Progress:
    """Progress of a long run on stderr: a rich bar on a terminal, plain lines otherwise.

    On a terminal the bar redraws in place; when stderr is a file or a pipe each finished
    task prints one line ``<label>: <done>/<total> done (<item>)`` so logs still show it.
    stdout is never touched (``--json`` keeps it for the document).

    Parameters
    ----------
    enabled : bool
        Show anything at all.
    total : int
        Number of tasks.
    done : int
        Tasks already finished (stored results reused).
    label : str
        What runs, e.g. ``sweep demo`` or ``annual beijing-default``.
    """

    def __init__(self, enabled: bool, total: int, done: int, label: str) -> None:
        self._bar: Any = None
        self._plain = False
        self._total = total
        self._done = done
        self._label = label
        if not enabled:
            return
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            self._bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, completed=done)
        else:
            self._plain = True
            if done:
                self._line(f"{done}/{total} stored")

    def _line(self, text: str) -> None:
        sys.stderr.write(f"{self._label}: {text}\n")
        sys.stderr.flush()

    def advance(self, item: str = "") -> None:
        """Count one finished task (``item`` names it in plain mode)."""
        self._done += 1
        if self._bar is not None:
            self._bar.advance(self._task)
        elif self._plain:
            self._line(f"{self._done}/{self._total} done" + (f" ({item})" if item else ""))

    def close(self) -> None:
        """Stop the bar."""
        if self._bar is not None:
            self._bar.stop()


@contextmanager
def dask_client(scheduler: str | None, workers: int | None = None) -> Iterator[Any]:
    """Yield a ``distributed.Client`` to ``scheduler`` or to a new LocalCluster on 127.0.0.1.

    Parameters
    ----------
    scheduler : str or None
        Address of a running scheduler (``tcp://host:8786``); None starts a LocalCluster.
    workers : int, optional
        Worker processes of the LocalCluster (default :data:`DASK_WORKERS`).

    Yields
    ------
    distributed.Client

    Raises
    ------
    InputError
        When the ``dask`` extra is missing or the scheduler does not answer within
        :data:`CONNECT_TIMEOUT_S` (the message names the address).
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ModuleNotFoundError as exc:  # pragma: no cover - extra not installed
        msg = "the dask executor needs the 'dask' extra: pip install 'fleetopt[dask]'"
        raise InputError(msg) from exc
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            msg = (
                f"the Dask scheduler at {scheduler} did not answer within "
                f"{CONNECT_TIMEOUT_S:g} s ({type(exc).__name__}: {exc})"
            )
            raise InputError(msg, [Problem(msg, None, "--scheduler", None)]) from None
    else:
        # the nannies hand the settings to their workers (and to a worker they restart)
        with warnings.catch_warnings(), dask.config.set(LOCAL_CLUSTER_CONFIG):
            # no dashboard; the scheduler's small HTTP server (health, metrics) moves to a free
            # port when another cluster holds 8787, which distributed announces as a warning
            warnings.filterwarnings(
                "ignore", message="Port .* is already in use", category=UserWarning
            )
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers or DASK_WORKERS,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


def iter_dask(
    fn: Callable[[Mapping[str, Any]], Any],
    tasks: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    retries: int = DASK_RETRIES,
    client: Any = None,
) -> Iterator[Any]:
    """Run ``fn(task)`` for every task on Dask; yield each result once, in completion order.

    Parameters
    ----------
    fn : callable
        Module-level function (importable on the workers) taking one task dictionary.
    tasks : sequence of mapping
        Plain-data tasks.
    keys : sequence of str
        One unique Dask key per task (a rerun of the same key is the same task).
    scheduler : str, optional
        Scheduler address; None = a LocalCluster (ignored when ``client`` is given).
    workers : int, optional
        LocalCluster worker processes.
    retries : int
        Retries of a task that raised or whose worker died.
    client : distributed.Client, optional
        An open client to use instead of connecting.

    Yields
    ------
    object
        ``fn``'s results.
    """
    from distributed import as_completed as dask_completed

    if client is None:
        with dask_client(scheduler, workers) as own:
            yield from iter_dask(fn, tasks, keys, retries=retries, client=own)
        return
    futures = [
        client.submit(fn, t, key=k, pure=False, retries=retries)
        for t, k in zip(tasks, keys, strict=True)
    ]
    for fut in dask_completed(futures):  # type: ignore[no-untyped-call]
        yield fut.result()
