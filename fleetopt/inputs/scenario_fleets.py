"""The ``[[fleets]]`` entries of a scenario: keys, checks and the frozen :class:`Fleet`.

Split from :mod:`fleetopt.inputs.scenario` (issue 13). A fleet names exactly one source
(a trips file, a GTFS feed, ride requests or an embedded generator); every problem is
located by its dotted key (``fleets.0.powertrain``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps, default_demand, gtfs
from fleetopt.inputs.scenario_options import is_num
from fleetopt.inputs.vehicles import POWERTRAINS, VEHICLE_TYPES, check_combination

#: Keys of a ``[[fleets]]`` table.
FLEET_KEYS = (
    "name",
    "trips",
    "gtfs",
    "requests",
    "generator",
    "type",
    "size",
    "scale",
    "powertrain",
    "start",
    "max_wait_min",
    "date",
    "exempt_share",
)

#: Source keys of a fleet; exactly one is required.
FLEET_SOURCES = ("trips", "gtfs", "requests", "generator")

#: Embedded demand generators (``fleetopt.inputs.default_demand``).
GENERATORS = ("beijing-bus", "beijing-taxi", "beijing-sanitation", "beijing-delivery")


@dataclass(frozen=True)
class Fleet:
    """One ``[[fleets]]`` entry.

    Attributes
    ----------
    index : int
        Position in the scenario's fleet list (for located messages).
    source : str
        ``trips``, ``gtfs``, ``requests`` or ``generator``.
    path : Path or None
        Input file (resolved against the scenario folder), None for a generator.
    generator : str or None
        Generator name for embedded default demand.
    vehicle_type : str or None
        Fleet type (required for requests; optional filter otherwise).
    size : int or None
        Number of vehicles (requests, generators).
    scale : float or None
        Scale factor of a generator's default size [-].
    powertrain : str or dict or None
        One powertrain or a mix ``{powertrain: share}``; for trips files it re-assigns
        every non-exempt vehicle (electrification scenario).
    start : tuple of (lon, lat) or None
        Start positions of taxis [deg], cycled when fewer than ``size``.
    max_wait_min : float or None
        Longest pickup wait of ride requests [min].
    name : str
        Label used in results.
    date : str or None
        Service day of a GTFS feed (``YYYY-MM-DD``); None = the feed's busiest day.
    """

    index: int
    source: str
    path: Path | None = None
    generator: str | None = None
    vehicle_type: str | None = None
    size: int | None = None
    scale: float | None = None
    powertrain: str | dict[str, float] | None = None
    start: tuple[tuple[float, float], ...] | None = None
    max_wait_min: float | None = None
    name: str = ""
    date: str | None = None


def _check_powertrain(v: Any, col: str, file: str | None) -> list[Problem]:
    if isinstance(v, str):
        if v not in POWERTRAINS:
            return [
                Problem(
                    f"unknown powertrain {v!r}; allowed: {', '.join(POWERTRAINS)}", None, col, file
                )
            ]
        return []
    if isinstance(v, Mapping):
        out: list[Problem] = []
        total = 0.0
        for k, share in v.items():
            if k not in POWERTRAINS:
                out.append(
                    Problem(
                        f"unknown powertrain {k!r}; allowed: {', '.join(POWERTRAINS)}",
                        None,
                        f"{col}.{k}",
                        file,
                    )
                )
            elif not is_num(share) or share < 0:
                out.append(
                    Problem(f"share must be a number >= 0, got {share!r}", None, f"{col}.{k}", file)
                )
            else:
                total += float(share)
        if not out and abs(total - 1.0) > 1e-6:
            out.append(
                Problem(f"powertrain shares must add up to 1, got {total:g}", None, col, file)
            )
        return out
    return [Problem(f"powertrain must be a name or a table of shares, got {v!r}", None, col, file)]


def _check_fleet_pairs(f: Mapping[str, Any], pre: str, file: str | None) -> list[Problem]:
    """Flag fleet powertrains the fleet's vehicle type has no spec for (an LNG taxi)."""
    gen = f.get("generator")
    vtype = f.get("type") or ("taxi" if "requests" in f else None)
    if vtype is None and isinstance(gen, str) and gen.startswith("beijing-"):
        vtype = gen.removeprefix("beijing-")
    pt = f["powertrain"]
    if not isinstance(vtype, str):
        return []
    if isinstance(pt, str):
        return check_combination(vtype, pt, column=f"{pre}.powertrain", file=file)
    if isinstance(pt, Mapping):
        return [
            p
            for k in pt
            for p in check_combination(vtype, str(k), column=f"{pre}.powertrain", file=file)
        ]
    return []


def check_fleet(i: int, f: Any, file: str | None) -> list[Problem]:
    """Check ``[[fleets]]`` entry ``i``: keys, its one source, sizes, powertrains, dates.

    Parameters
    ----------
    i : int
        Position of the fleet in the list (``fleets.i`` in the messages).
    f : object
        The parsed entry.
    file : str or None
        Scenario file, copied into every problem.

    Returns
    -------
    list of Problem
        Empty when the entry is valid.
    """
    pre = f"fleets.{i}"
    if not isinstance(f, Mapping):
        return [Problem("each [[fleets]] entry must be a table", None, pre, file)]
    out: list[Problem] = []
    for k in f:
        if k not in FLEET_KEYS:
            out.append(
                Problem(
                    f"unknown fleet key {k!r}; allowed: {', '.join(FLEET_KEYS)}",
                    None,
                    f"{pre}.{k}",
                    file,
                )
            )
    sources = [s for s in FLEET_SOURCES if s in f]
    if len(sources) != 1:
        out.append(
            Problem(
                f"a fleet needs exactly one of {', '.join(FLEET_SOURCES)}; "
                f"found {sources or 'none'}",
                None,
                pre,
                file,
            )
        )
    out.extend(_check_service_date(pre, f, file))
    for s in ("trips", "gtfs", "requests", "generator", "name"):
        if s in f and not (isinstance(f[s], str) and f[s].strip()):
            out.append(
                Problem(f"{s} must be a non-empty string, got {f[s]!r}", None, f"{pre}.{s}", file)
            )
    if isinstance(f.get("generator"), str) and f["generator"] not in GENERATORS:
        out.append(
            Problem(
                f"unknown generator {f['generator']!r}; allowed: {', '.join(GENERATORS)}",
                None,
                f"{pre}.generator",
                file,
            )
        )
    if "type" in f and f["type"] not in VEHICLE_TYPES:
        out.append(
            Problem(
                f"unknown vehicle type {f['type']!r}; allowed: {', '.join(VEHICLE_TYPES)}",
                None,
                f"{pre}.type",
                file,
            )
        )
    if "size" in f and (
        not isinstance(f["size"], int) or isinstance(f["size"], bool) or f["size"] < 1
    ):
        out.append(
            Problem(
                f"size must be a whole number >= 1, got {f['size']!r}", None, f"{pre}.size", file
            )
        )
    elif "size" in f and f["size"] > _caps.MAX_FLEET_SIZE:
        out.append(
            Problem(
                f"size {f['size']:,} exceeds the limit of {_caps.MAX_FLEET_SIZE:,} vehicles "
                f"{_caps.how_to_raise('MAX_FLEET_SIZE')}",
                None,
                f"{pre}.size",
                file,
            )
        )
    if "scale" in f and (not is_num(f["scale"]) or f["scale"] <= 0):
        out.append(
            Problem(f"scale must be a number > 0, got {f['scale']!r}", None, f"{pre}.scale", file)
        )
    elif "scale" in f and f.get("generator") in default_demand.CITY_SIZE_PARAM:
        city = default_demand.demand_param(default_demand.CITY_SIZE_PARAM[f["generator"]])
        if f["scale"] * city > _caps.MAX_FLEET_SIZE:
            out.append(
                Problem(
                    f"scale {f['scale']:g} gives {f['scale'] * city:,.0f} vehicles; the limit is "
                    f"{_caps.MAX_FLEET_SIZE:,} {_caps.how_to_raise('MAX_FLEET_SIZE')}",
                    None,
                    f"{pre}.scale",
                    file,
                )
            )
    if "size" in f and "scale" in f:
        out.append(Problem("give size or scale, not both", None, f"{pre}.scale", file))
    if "max_wait_min" in f and (not is_num(f["max_wait_min"]) or f["max_wait_min"] <= 0):
        out.append(
            Problem(
                f"max_wait_min must be a number > 0, got {f['max_wait_min']!r}",
                None,
                f"{pre}.max_wait_min",
                file,
            )
        )
    if "powertrain" in f:
        out.extend(_check_powertrain(f["powertrain"], f"{pre}.powertrain", file))
        out.extend(_check_fleet_pairs(f, pre, file))
    if "requests" in f:
        if f.get("type", "taxi") != "taxi":
            out.append(
                Problem('a requests fleet must have type = "taxi"', None, f"{pre}.type", file)
            )
        if "size" not in f:
            out.append(
                Problem("a requests fleet needs size (number of taxis)", None, f"{pre}.size", file)
            )
    if "start" in f:
        st = f["start"]
        ok = (
            isinstance(st, list)
            and st
            and all(isinstance(p, list) and len(p) == 2 and all(is_num(x) for x in p) for p in st)
        )
        if not ok:
            out.append(
                Problem("start must be a list of [lon, lat] pairs", None, f"{pre}.start", file)
            )
    return out


def _check_service_date(pre: str, f: Mapping[str, Any], file: str | None) -> list[Problem]:
    """``fleets.N.date``: a date (TOML date or YYYY-MM-DD / YYYYMMDD) the feed has service on."""
    if "date" not in f:
        return []
    raw = f["date"]
    day: dt.date | None = None
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    elif isinstance(raw, str):
        for fmt in ("%Y-%m-%d", "%Y%m%d"):
            try:
                day = dt.datetime.strptime(raw.strip(), fmt).date()
                break
            except ValueError:
                continue
    if day is None:
        return [Problem(f"date {str(raw)[:40]!r} is not a date; use YYYY-MM-DD (e.g. 2024-05-01)",
                        None, f"{pre}.date", file)]
    feed = f.get("gtfs")
    if not isinstance(feed, str) or not feed.strip() or file is None:
        return []
    path = Path(feed) if Path(feed).is_absolute() else Path(file).parent / feed
    if not path.is_file():
        return []  # reported as a missing file elsewhere
    try:
        why = gtfs.service_day_problem(path, day)
    except InputError:
        return []  # the feed's own check reports it
    return [Problem(why, None, f"{pre}.date", file)] if why else []


def build_fleets(d: Mapping[str, Any], base_dir: Path) -> list[Fleet]:
    """Build the :class:`Fleet` entries of a checked scenario ``d`` (paths under ``base_dir``)."""
    bdir = base_dir
    fleets = []
    for i, f in enumerate(d.get("fleets", [])):
        source = next(s for s in FLEET_SOURCES if s in f)
        path = None if source == "generator" else (bdir / f[source])
        gen = f.get("generator")
        vtype = f.get("type") or ("taxi" if source == "requests" else None)
        if gen and not vtype:
            vtype = gen.split("-", 1)[1]
        pt = f.get("powertrain")
        fleets.append(
            Fleet(
                index=i,
                source=source,
                path=path,
                generator=gen,
                vehicle_type=vtype,
                size=f.get("size"),
                scale=(float(f["scale"]) if "scale" in f else None),
                powertrain=(dict(pt) if isinstance(pt, Mapping) else pt),
                start=(
                    tuple((float(a), float(b)) for a, b in f["start"]) if "start" in f else None
                ),
                max_wait_min=(float(f["max_wait_min"]) if "max_wait_min" in f else None),
                name=str(f.get("name") or f"fleet{i}"),
                date=(str(f["date"]) if "date" in f else None),
            )
        )
    return fleets
