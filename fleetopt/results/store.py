"""Store each run under ``runs/<id>/`` atomically: a killed process leaves a whole run or none.

A run folder holds ``run.json`` (command, times, fleetopt version, the scenario's and the
inputs' SHA-256 hashes, and the hash of every result file), a copy of the scenario, and
whatever the command wrote. It is built in a hidden temporary folder in the same parent
(``.tmp-<id>-<pid>``), flushed to disk, then renamed into place with one ``os.rename`` —
atomic on POSIX file systems. Folders whose name starts with a dot are never runs;
stale temporary folders of dead processes are removed by :func:`clean_stale`.

Upload names are stored as text in ``run.json`` only; they never become paths.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import fleetopt
from fleetopt import settings
from fleetopt.errors import InputError, Problem
from fleetopt.results.export import escape_csv_tree

logger = logging.getLogger(__name__)

__all__ = ["MANIFEST", "Run", "clean_stale", "list_runs", "load_run", "new_run"]

#: Name of the manifest file written last into every run folder.
MANIFEST = "run.json"
_TMP_PREFIX = ".tmp-"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Run:
    """A stored run.

    Attributes
    ----------
    id : str
        Run id (the folder name).
    path : pathlib.Path
        The run folder.
    meta : dict
        Content of ``run.json``.
    """

    id: str
    path: Path
    meta: dict[str, Any]

    def file(self, name: str) -> Path:
        """Return the path of a result file of this run, refusing names that leave the folder."""
        target = (self.path / name).resolve()
        if self.path.resolve() not in target.parents:
            msg = f"{name!r} is not a file of run {self.id}"
            raise InputError(msg, [Problem(msg, column="name")])
        return target


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _version() -> str:
    try:
        return version("fleetopt")
    except Exception:  # noqa: BLE001 - metadata may be missing in a source checkout
        return str(getattr(fleetopt, "__version__", "unknown"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_id(command: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9]+", "-", command).strip("-")[:32] or "run"
    # the suffix only makes ids unique; it never influences results
    return f"{_now():%Y%m%dT%H%M%S}Z-{safe}-{secrets.token_hex(3)}"


def _describe_input(item: str | Path | tuple[str, bytes]) -> dict[str, Any]:
    if isinstance(item, tuple):
        label, data = item
        return {"name": str(label), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    p = Path(item)
    if p.is_file():
        return {"name": str(item), "bytes": p.stat().st_size, "sha256": _sha256_file(p)}
    return {"name": str(item), "bytes": None, "sha256": None, "note": "not a file (built-in name?)"}


def _referenced_files(scenario: Mapping[str, Any], base_dir: Path) -> list[Path]:
    """Return the input files a scenario dict names (fleets' trips/gtfs/requests, stations)."""
    names: list[str] = []
    fleets = scenario.get("fleets")
    if isinstance(fleets, list):
        for f in fleets:
            if isinstance(f, Mapping):
                names += [
                    str(f[k])
                    for k in ("trips", "gtfs", "requests", "stations")
                    if isinstance(f.get(k), str)
                ]
    for key in ("stations", "network"):
        if isinstance(scenario.get(key), str):
            names.append(str(scenario[key]))
    out = []
    for n in names:
        p = Path(n)
        out.append(p if p.is_absolute() else base_dir / p)
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(root: str | Path | None = None) -> list[Path]:
    """Remove temporary run folders left by processes that no longer exist.

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Runs folder; ``settings.RUNS_DIR`` by default.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    base = Path(root) if root is not None else settings.RUNS_DIR
    removed: list[Path] = []
    if not base.is_dir():
        return removed
    for d in base.iterdir():
        if not (d.name.startswith(_TMP_PREFIX) and d.is_dir()):
            continue
        pid_text = d.name.rsplit("-", 1)[-1]
        if pid_text.isdigit() and _pid_alive(int(pid_text)):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
        logger.info("removed stale temporary run folder %s", d)
    return removed


@contextmanager
def new_run(
    command: str,
    *,
    scenario_path: str | Path | None = None,
    scenario: Mapping[str, Any] | None = None,
    inputs: Iterable[str | Path | tuple[str, bytes]] = (),
    root: str | Path | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Iterator[Path]:
    """Open a new run; write results into the yielded folder; it is committed on clean exit.

    Parameters
    ----------
    command : str
        The command that makes the run (``"simulate"``, ``"demo"``, ``"sweep"``, ...).
    scenario_path : str or pathlib.Path, optional
        Scenario file; copied into the run as ``scenario<suffix>`` and hashed.
    scenario : mapping, optional
        The scenario as a dictionary (e.g. merged with its base); stored as
        ``scenario.json``.
    inputs : iterable of path or (name, bytes)
        Input files (or uploads as name and content) whose SHA-256 is recorded.
    root : str or pathlib.Path, optional
        Runs folder; ``settings.RUNS_DIR`` by default.
    meta : mapping, optional
        Extra JSON-able facts to record in ``run.json`` (seed, arguments, ...).

    Yields
    ------
    pathlib.Path
        The temporary run folder to write into.

    Notes
    -----
    On an exception the temporary folder is deleted and the exception propagates. After a
    SIGKILL only a hidden ``.tmp-*`` folder can remain, which :func:`list_runs` ignores and
    :func:`clean_stale` removes.
    """
    base = Path(root) if root is not None else settings.RUNS_DIR
    base.mkdir(parents=True, exist_ok=True)
    clean_stale(base)
    run_id = _new_id(command)
    tmp = base / f"{_TMP_PREFIX}{run_id}-{os.getpid()}"
    tmp.mkdir()
    started = _now()
    try:
        record: dict[str, Any] = {
            "id": run_id,
            "command": command,
            "started_utc": started.isoformat(timespec="milliseconds"),
            "fleetopt_version": _version(),
            "python": platform.python_version(),
            "scenario": None,
            "inputs": [_describe_input(i) for i in inputs],
            "meta": dict(meta or {}),
        }
        if scenario is not None:
            base_dir = Path(scenario_path).parent if scenario_path is not None else Path.cwd()
            named = {str(i["name"]) for i in record["inputs"]}
            for ref in _referenced_files(scenario, base_dir):
                if str(ref) not in named and ref.is_file():
                    record["inputs"].append(_describe_input(ref))
                    named.add(str(ref))
        if scenario_path is not None:
            sp = Path(scenario_path)
            copy_name = "scenario" + (
                sp.suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", sp.suffix) else ""
            )
            shutil.copyfile(sp, tmp / copy_name)
            record["scenario"] = {
                "name": str(scenario_path),
                "file": copy_name,
                "sha256": _sha256_file(sp),
            }
        if scenario is not None:
            (tmp / "scenario.json").write_text(
                json.dumps(scenario, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )
            record["scenario_dict"] = "scenario.json"
        yield tmp
        _commit(tmp, base, record, started)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _commit(tmp: Path, base: Path, record: dict[str, Any], started: dt.datetime) -> Path:
    """Escape, hash and flush every file, write the manifest, then rename the folder into place."""
    escape_csv_tree(tmp)  # formula-like cells of every CSV get the app downloads' apostrophe
    files = []
    for p in sorted(tmp.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            files.append(
                {
                    "path": p.relative_to(tmp).as_posix(),
                    "bytes": p.stat().st_size,
                    "sha256": _sha256_file(p),
                }
            )
            _fsync_path(p)
    finished = _now()
    record["finished_utc"] = finished.isoformat(timespec="milliseconds")
    record["wall_s"] = round((finished - started).total_seconds(), 3)
    record["files"] = files
    manifest = tmp / MANIFEST
    with manifest.open("w", encoding="utf-8") as fh:
        json.dump(record, fh, ensure_ascii=False, indent=2, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    for d in sorted({p.parent for p in tmp.rglob("*")} | {tmp}, key=lambda x: -len(x.parts)):
        _fsync_path(d)
    run_id = str(record["id"])
    for _ in range(5):
        final = base / run_id
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.exists():
                raise
            run_id = f"{record['id']}-{secrets.token_hex(2)}"  # same second, same suffix: rare
            record["id"] = run_id
            with manifest.open("w", encoding="utf-8") as fh:
                json.dump(record, fh, ensure_ascii=False, indent=2, default=str)
            continue
        _fsync_path(base)
        logger.info("stored run %s", final)
        return final
    msg = f"could not store the run under {base}"  # pragma: no cover
    raise OSError(msg)  # pragma: no cover


def _check_id(run_id: str) -> None:
    if not _ID_RE.fullmatch(run_id):
        msg = f"{run_id!r} is not a run id (letters, digits, '.', '_', '-'; not starting with '.')"
        raise InputError(msg, [Problem(msg, column="id")])


def list_runs(root: str | Path | None = None) -> list[dict[str, Any]]:
    """List stored runs in the order they started (the newest last).

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Runs folder; ``settings.RUNS_DIR`` by default.

    Returns
    -------
    list of dict
        One ``{"id", "path", "command", "started_utc", "finished_utc", "fleetopt_version",
        "scenario", "files"}`` per run (``files`` = number of result files).
    """
    base = Path(root) if root is not None else settings.RUNS_DIR
    out: list[dict[str, Any]] = []
    if not base.is_dir():
        return out
    for d in base.iterdir():
        if d.name.startswith(".") or not d.is_dir() or not _ID_RE.fullmatch(d.name):
            continue
        try:
            meta = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("%s has no readable %s; not a fleetopt run", d, MANIFEST)
            continue
        scen = meta.get("scenario") or {}
        out.append(
            {
                "id": d.name,
                "path": str(d),
                "command": meta.get("command"),
                "started_utc": meta.get("started_utc"),
                "finished_utc": meta.get("finished_utc"),
                "fleetopt_version": meta.get("fleetopt_version"),
                "scenario": scen.get("name") if isinstance(scen, dict) else None,
                "files": len(meta.get("files", [])),
            }
        )
    out.sort(key=lambda r: (str(r["started_utc"]), str(r["finished_utc"]), r["id"]))
    return out


def load_run(run_id: str, root: str | Path | None = None, *, verify: bool = False) -> Run:
    """Open a stored run.

    Parameters
    ----------
    run_id : str
        Run id as listed by :func:`list_runs`.
    root : str or pathlib.Path, optional
        Runs folder; ``settings.RUNS_DIR`` by default.
    verify : bool
        Check every file's SHA-256 against the manifest.

    Returns
    -------
    Run

    Raises
    ------
    InputError
        Unknown or malformed id, or (with ``verify``) a file that changed since the run.
    """
    _check_id(run_id)
    base = Path(root) if root is not None else settings.RUNS_DIR
    d = base / run_id
    try:
        meta = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = [r["id"] for r in list_runs(base)][-10:]
        msg = f"no run {run_id!r} under {base}" + (
            f"; recent runs: {', '.join(known)}" if known else ""
        )
        raise InputError(msg, [Problem(msg, column="id")]) from None
    run = Run(id=run_id, path=d, meta=meta)
    if verify:
        bad = []
        for f in meta.get("files", []):
            p = run.file(f["path"])
            if not p.is_file() or _sha256_file(p) != f["sha256"]:
                bad.append(
                    Problem(
                        "file is missing or changed since the run was stored",
                        column=f["path"],
                        file=str(d),
                    )
                )
        if bad:
            msg = f"run {run_id} does not match its manifest"
            raise InputError(msg, bad)
    return run
