"""Check an uploaded input file and list every problem at once (``fleetopt validate``).

The kind of file (trips, requests, stations, GTFS feed, scenario) is given or recognised
from the content, never from the name alone. The answer is the CONTRACT §2
``validate --json`` document: ``{"valid", "errors", "warnings"}``, each problem with the
spreadsheet row (header = line 1) and the column. Bad input never raises here.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from fleetopt import defaults, settings
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _encoding, _tabular, gtfs, schedules
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import check_scenario_dict, load_scenario_dict, read_toml_file
from fleetopt.inputs.stations import read_stations

logger = logging.getLogger(__name__)

#: Kinds of input ``validate_file`` understands.
KINDS: tuple[str, ...] = ("trips", "requests", "stations", "gtfs", "scenario")


def _problems(exc: InputError) -> list[Problem]:
    return exc.problems or [Problem(exc.message)]


def _header_names(data: bytes) -> set[str]:
    """Return the canonical names of the first line's headers (empty set if unreadable)."""
    try:
        text, _ = _encoding.decode_text(data[:65536], None)
    except InputError:
        try:
            text = data[:65536].decode("gb18030", errors="replace")
        except LookupError:  # pragma: no cover - gb18030 always exists
            return set()
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    sep = "\t" if first.count("\t") > first.count(",") else ","
    return {
        schedules.COLUMN_MAP.get(_tabular.normalise_header(h), _tabular.normalise_header(h))
        for h in first.split(sep)
    }


def detect_kind(data: bytes) -> str:
    """Recognise the kind of an input from its content.

    Parameters
    ----------
    data : bytes
        File content.

    Returns
    -------
    str
        One of :data:`KINDS`; ``"trips"`` when nothing else fits (its checks then say why).
    """
    sniffed = _encoding.sniff(data)
    if sniffed == "zip":
        return "gtfs"
    if sniffed != "text":
        return "trips"
    names = _header_names(data)
    if "request_id" in names:
        return "requests"
    if {"plugs", "plug_kw"} & names or ("kind" in names and "id" in names):
        return "stations"
    if "vehicle_id" in names or "trip_id" in names:
        return "trips"
    if {"lon", "lat"} <= names:
        return "stations"
    try:
        tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return "trips"
    except (RecursionError, ValueError):  # TOML too deep or with a huge integer
        return "scenario"
    return "scenario"


def _validate_trips(data: bytes, label: str) -> tuple[list[Problem], list[Problem]]:
    _, report = schedules.trips_from_bytes(data, label)
    return report.errors, report.warnings


def _validate_requests(data: bytes, label: str) -> tuple[list[Problem], list[Problem]]:
    _, report = schedules.requests_from_bytes(data, label)
    return report.errors, report.warnings


def _validate_stations(path: Path, data: bytes, label: str) -> tuple[list[Problem], list[Problem]]:
    sniffed = _encoding.sniff(data)
    if sniffed != "text":
        return [_encoding.kind_problem(sniffed, label, "a stations table (CSV)")], []
    _encoding.decode_text(data, label)
    read_stations(path)
    return [], []


def _validate_scenario(path: Path, data: bytes, label: str) -> tuple[list[Problem], list[Problem]]:
    sniffed = _encoding.sniff(data)
    if sniffed != "text":
        return [_encoding.kind_problem(sniffed, label, "a scenario (TOML text)")], []
    try:
        d = load_scenario_dict(path)
    except InputError as exc:
        return [_base_named(_toml_located(q), path) for q in _problems(exc)], []
    problems = [_owner(q, path, label) for q in check_scenario_dict(d, file=label)]
    warnings: list[Problem] = []
    for key, ref, kind in _scenario_files(d):
        ref_path = Path(ref) if Path(ref).is_absolute() else path.parent / ref
        if not ref_path.is_file():
            problems.append(
                Problem(
                    f"{key} names {ref!r}, which does not exist (paths are relative "
                    "to the scenario file)",
                    column=key,
                    file=label,
                )
            )
            continue
        sub = validate_problems(
            ref_path, kind, name=ref, network=_network_of(d, path) if kind == "gtfs" else None
        )
        problems += [_nested(q, ref, label) for q in sub[0]]
        warnings += [_nested(q, ref, label) for q in sub[1]]
        if kind == "gtfs" and not sub[0]:
            warnings += _gtfs_off_graph(d, ref_path, ref, key, path, label)
    return problems, warnings


def _network_of(d: dict[str, Any], scenario: Path) -> Any:
    """Return the scenario's road network, or None when it cannot be loaded."""
    try:
        return load_network(d.get("network") or settings.DEFAULT_NETWORK, base_dir=scenario.parent)
    except InputError:
        return None


def _gtfs_off_graph(
    d: dict[str, Any], feed: Path, ref: str, key: str, scenario: Path, label: str
) -> list[Problem]:
    """Report the stops of a feed farther than ``max_snap_m`` from the scenario's network.

    Counts every such stop (not the first 100), names them with their stops.txt rows and
    says how many trips start or end there, as the simulation does.
    """
    net = _network_of(d, scenario)
    if net is None:
        return []  # the network has its own located problem
    try:
        stops, trips_of_stop = gtfs.stop_positions(feed)
    except InputError:
        return []  # the feed has its own located problems
    if stops.empty:
        return []
    limit_m = float(defaults.value("input_checks", "max_snap_m"))
    _, dist = net.nearest_nodes(stops["lon"].to_numpy(), stops["lat"].to_numpy())
    far = dist > limit_m
    if not far.any():
        return []
    off = stops[far].assign(dist_m=dist[far]).sort_values("dist_m", ascending=False)
    named = ", ".join(
        f"{r.stop_id} (stops.txt row {r.row}, {r.dist_m / 1000:.1f} km)"
        for r in off.head(10).itertuples()
    )
    more = f" and {len(off) - 10:,} more" if len(off) > 10 else ""
    n_trips = int(sum(trips_of_stop.get(s, 0) for s in off["stop_id"]))
    msg = (
        f"in {ref}: {len(off):,} of {len(stops):,} stops lie more than {limit_m:,.0f} m from "
        f"the road network {net.name!r}: {named}{more}; {n_trips:,} trips (trips.txt) start "
        "or end at them, so their road distances and deadheads cannot come from the graph "
        "(input_checks.csv max_snap_m)"
    )
    return [Problem(msg, row=None, column=key, file=label)]  # rows named: they are stops.txt's


def read_toml(path: Path) -> dict[str, Any]:
    """Read one TOML file as the scenario reader does (BOM, caps), without ``base``."""
    return read_toml_file(path)


def _owner(problem: Problem, path: Path, label: str) -> Problem:
    """Name the ``base = ...`` file a problem's key comes from, when not the top file."""
    if not problem.column:
        return problem
    try:
        own = read_toml(path)
    except InputError:
        return problem
    chain: list[tuple[str, dict[str, Any]]] = [(label, own)]
    seen = {path.resolve()}
    here, doc = path, own
    shown = Path(label)  # the base file as the user would find it: next to the top file
    while isinstance(doc.get("base"), str) and len(chain) < 16:
        here = (here.parent / doc["base"]).resolve()
        shown = Path(os.path.normpath(shown.parent / doc["base"]))
        if here in seen:
            break
        seen.add(here)
        try:
            doc = read_toml(here)
        except InputError:
            break
        chain.append((str(shown), doc))
    for name, table in chain:
        if _has_key(table, problem.column):
            if name == label:
                return problem
            return Problem(
                f"in {Path(name).name} (base file): {problem.message}",
                row=problem.row, column=problem.column, file=name,
            )
    return problem


def _base_named(problem: Problem, path: Path) -> Problem:
    """Name the ``base = ...`` file a reading problem (TOML syntax, size, encoding) is in."""
    if not problem.file:
        return problem
    try:
        same = Path(problem.file).resolve() == path.resolve()
    except (OSError, RuntimeError, ValueError):  # pragma: no cover - unresolvable names
        same = False
    if same:
        return problem
    return Problem(
        f"in {Path(problem.file).name} (base file): {problem.message}",
        row=problem.row, column=problem.column, file=problem.file,
    )


def _has_key(table: Any, dotted: str) -> bool:
    node = table
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _scenario_files(d: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Return (dotted key, path, kind) of the input files a scenario names."""
    out: list[tuple[str, str, str]] = []
    fleets = d.get("fleets")
    if isinstance(fleets, list):
        for i, f in enumerate(fleets):
            if not isinstance(f, dict):
                continue
            for key, kind in (("trips", "trips"), ("gtfs", "gtfs"), ("requests", "requests")):
                if isinstance(f.get(key), str) and f[key].strip():
                    out.append((f"fleets.{i}.{key}", f[key], kind))
    if isinstance(d.get("stations"), str) and d["stations"].strip():
        out.append(("stations", d["stations"], "stations"))
    return out


def _nested(problem: Problem, ref: str, label: str) -> Problem:
    """Keep a referenced file's row and column; name the file in the message.

    The problem's file becomes the path as seen from where the scenario was named (``ref``
    is relative to the scenario file), so the human output points at the right file.
    """
    file = problem.file
    if file and not Path(file).is_absolute():
        file = os.path.normpath(Path(label).parent / file)
    return Problem(
        f"in {ref}: {problem.message}", row=problem.row, column=problem.column, file=file
    )


_TOML_AT = re.compile(r"at line (\d+), column (\d+)")


def _toml_located(problem: Problem) -> Problem:
    """Take the line of a TOML syntax error from its message (Python 3.11 has no ``lineno``)."""
    if problem.row is not None:
        return problem
    m = _TOML_AT.search(problem.message)
    if not m:
        return problem
    return Problem(problem.message, row=int(m.group(1)), column=problem.column, file=problem.file)


def _validate_gtfs(
    path: Path, data: bytes, label: str, network: Any = None
) -> tuple[list[Problem], list[Problem]]:
    errors, warnings = gtfs.check_gtfs(data, name=label, network=network)
    return [_member_named(q, label) for q in errors], [_member_named(q, label) for q in warnings]


def _member_named(problem: Problem, label: str) -> Problem:
    """Name the feed member (``stops.txt``) in the message: the JSON form carries no file."""
    prefix = f"{label}/"
    if problem.file and problem.file.startswith(prefix):
        member = problem.file[len(prefix) :]
        return Problem(
            f"in {member}: {problem.message}",
            row=problem.row,
            column=problem.column,
            file=problem.file,
        )
    return problem


def validate_problems(
    path: str | Path, kind: str | None = None, *, name: str | None = None, network: Any = None
) -> tuple[list[Problem], list[Problem]]:
    """Check an input file; return its errors and warnings as located problems.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to check.
    kind : str, optional
        One of :data:`KINDS`; recognised from the content when omitted.
    name : str, optional
        Name used in messages instead of ``path`` (an upload's name).

    Returns
    -------
    tuple of (list of Problem, list of Problem)
        Errors and warnings, ordered by row.
    """
    label = name or str(path)
    p = Path(path)
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if kind is not None and kind not in KINDS:
        errors.append(
            Problem(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}", file=label)
        )
        return errors, warnings
    try:
        data = _encoding.read_limited(p, name=label)
        found_kind = kind or detect_kind(data)
        if found_kind == "trips":
            errors, warnings = _validate_trips(data, label)
        elif found_kind == "requests":
            errors, warnings = _validate_requests(data, label)
        elif found_kind == "stations":
            errors, warnings = _validate_stations(p, data, label)
        elif found_kind == "gtfs":
            errors, warnings = _validate_gtfs(p, data, label, network)
        else:
            errors, warnings = _validate_scenario(p, data, label)
    except InputError as exc:
        errors = _problems(exc)
    for prob in errors:
        logger.debug("validate %s: %s", label, prob)
    return sort_problems(errors), sort_problems(warnings)


def validate_file(
    path: str | Path, kind: str | None = None, *, name: str | None = None, with_file: bool = False
) -> dict[str, Any]:
    """Check an input file and return every problem at once.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to check.
    kind : str, optional
        ``"trips"``, ``"requests"``, ``"stations"``, ``"gtfs"`` or ``"scenario"``;
        recognised from the content when omitted. A scenario's check includes the
        trips, requests, GTFS and stations files it names.
    name : str, optional
        Name used in messages instead of ``path`` (an upload's name).
    with_file : bool
        Also give each problem the ``file`` it is in (a ``base =`` file, a trips file the
        scenario names, a GTFS member), for the human output; not part of the JSON form.

    Returns
    -------
    dict
        ``{"valid": bool, "errors": [...], "warnings": [...]}``; each problem is
        ``{"row": int | None, "column": str | None, "message": str}`` (CONTRACT §2)
        (+ ``"file": str`` with ``with_file``).
    """
    errors, warnings = validate_problems(path, kind, name=name)
    label = name or str(path)

    def as_dict(q: Problem) -> dict[str, Any]:
        d = q.to_dict()
        if with_file:
            d["file"] = q.file or label
        return d

    return {
        "valid": not errors,
        "errors": [as_dict(q) for q in errors],
        "warnings": [as_dict(q) for q in warnings],
    }


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Order problems by row (unlocated ones last), keeping the found order within a row."""
    return sorted(problems, key=lambda q: float("inf") if q.row is None else q.row)
