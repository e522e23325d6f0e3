"""Read a GTFS feed (zip) into fleetopt trips, with vehicle blocks from ``block_id`` or chaining.

The feed's ``stops``, ``trips``, ``stop_times``, ``calendar``/``calendar_dates``,
``frequencies`` and ``shapes`` are read straight from the archive (nothing is extracted
to disk). Trips of one service day become rows of the canonical trips table (CONTRACT
§3). A trip with a ``block_id`` runs on the vehicle of that block; the others are
chained into the fewest vehicles that can run them — a minimum-cost flow solved with
OR-Tools, vehicles first, then the least deadhead time (on the road graph when a network
is given, with pull-out and pull-in from the nearest depot when depots are given).
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps, _checks, _encoding, _tabular
from fleetopt.inputs._checks import Report
from fleetopt.powertrains import POWERTRAINS
from fleetopt.units import EARTH_RADIUS_M, KPH_TO_MPS

logger = logging.getLogger(__name__)

__all__ = [
    "REQUIRED_MEMBERS",
    "chain_vehicles",
    "check_gtfs",
    "parse_gtfs_trips",
    "read_gtfs_trips",
]

#: GTFS files a feed must contain for fleetopt (calendar or calendar_dates is also needed).
REQUIRED_MEMBERS: tuple[str, ...] = ("stops.txt", "trips.txt", "stop_times.txt")

_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class _Feed:
    label: str
    tables: dict[str, pd.DataFrame]
    originals: dict[str, dict[str, str]]
    errors: list[Problem]
    warnings: list[Problem]

    def report(self, member: str) -> Report:
        return Report(f"{self.label}/{member}", self.originals.get(member, {}))

    def absorb(self, report: Report) -> None:
        self.errors.extend(report.errors)
        self.warnings.extend(report.warnings)


def _members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Map GTFS file names to archive members (top level, or one folder deep)."""
    found: dict[str, str] = {}
    for info in zf.infolist():
        if info.is_dir():
            continue
        parts = posixpath.normpath(info.filename).split("/")
        if len(parts) > 2 or ".." in parts:
            continue
        base = parts[-1].lower()
        if base.endswith(".txt") and (base not in found or len(parts) == 1):
            found[base] = info.filename
    return found


def _load_feed(data: bytes, label: str, only: tuple[str, ...] | None = None) -> _Feed:
    kind = _encoding.sniff(data)
    if kind != "zip":
        p = _encoding.kind_problem(kind, label, "a GTFS feed (zip archive)")
        raise InputError(p.message, [p])
    feed = _Feed(label, {}, {}, [], [])
    with _encoding.check_zip(data, label) as zf:
        members = _members(zf)
        missing = [m for m in REQUIRED_MEMBERS if m not in members and only is None]
        if "calendar.txt" not in members and "calendar_dates.txt" not in members:
            missing.append("calendar.txt or calendar_dates.txt")
        for m in missing:
            feed.errors.append(Problem(f"the feed has no {m}", file=label))
        for name, cols in _COLUMNS.items():
            if name not in members or (only is not None and name not in only):
                continue
            mlabel = f"{label}/{name}"
            try:
                raw_bytes = zf.read(members[name])
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                feed.errors.append(
                    Problem(f"cannot read {name} from the archive ({exc})", file=label)
                )
                continue
            if not raw_bytes.strip():
                if name in REQUIRED_MEMBERS:
                    feed.errors.append(Problem("the file is empty", file=mlabel))
                continue
            try:
                raw = _tabular.read_table(
                    raw_bytes, label=mlabel, column_map={}, required=cols, expected=f"GTFS {name}"
                )
            except InputError as exc:
                feed.errors.extend(exc.problems or [Problem(exc.message, file=mlabel)])
                continue
            feed.originals[name] = raw.original
            absent = [c for c in cols if c not in raw.frame.columns]
            for c in absent:
                feed.errors.append(
                    Problem(f"missing required column {c!r}", row=1, column=c, file=mlabel)
                )
            if absent:
                continue
            feed.tables[name] = raw.frame
    return feed


def _service_ids(
    feed: _Feed, service_date: dt.date | None
) -> tuple[set[str] | None, dt.date | None]:
    """Return the service ids active on ``service_date`` (or on the busiest of the first 7 days)."""
    cal = feed.tables.get("calendar.txt")
    cdates = feed.tables.get("calendar_dates.txt")
    active_by_day: dict[dt.date, set[str]] = {}

    def parse_dates(series: pd.Series, member: str, column: str) -> np.ndarray:
        rep = feed.report(member)
        txt = series.str.strip()
        parsed = pd.to_datetime(txt, format="%Y%m%d", errors="coerce")
        bad = parsed.isna().to_numpy()
        rows = feed.tables[member][_tabular.ROW].to_numpy()
        vals = txt.to_numpy()
        rep.rows(bad, rows, column, lambda i: f"{vals[i]!r} is not a date; GTFS dates are YYYYMMDD")
        feed.absorb(rep)
        # NaT is a datetime subclass: turn unreadable dates into None, not NaT
        return np.asarray(
            [None if b else d for b, d in zip(bad, parsed.dt.date.to_numpy(), strict=True)],
            dtype=object,
        )

    cal_rows: list[tuple[str, tuple[bool, ...], dt.date, dt.date]] = []
    if cal is not None:
        start = parse_dates(cal["start_date"], "calendar.txt", "start_date")
        end = parse_dates(cal["end_date"], "calendar.txt", "end_date")
        flags = np.column_stack([cal[d].str.strip().eq("1").to_numpy() for d in _WEEKDAYS])
        for sid, f, s, e in zip(cal["service_id"].str.strip(), flags, start, end, strict=True):
            if isinstance(s, dt.date) and isinstance(e, dt.date):
                cal_rows.append((sid, tuple(bool(x) for x in f), s, e))
    extra: list[tuple[str, dt.date, str]] = []
    if cdates is not None:
        dates = parse_dates(cdates["date"], "calendar_dates.txt", "date")
        for sid, d, t in zip(
            cdates["service_id"].str.strip(),
            dates,
            cdates["exception_type"].str.strip(),
            strict=True,
        ):
            if isinstance(d, dt.date):
                extra.append((sid, d, t))

    def active(day: dt.date) -> set[str]:
        if day not in active_by_day:
            ids = {sid for sid, f, s, e in cal_rows if s <= day <= e and f[day.weekday()]}
            for sid, d, t in extra:
                if d == day:
                    if t == "1":
                        ids.add(sid)
                    elif t == "2":
                        ids.discard(sid)
            active_by_day[day] = ids
        return active_by_day[day]

    if service_date is not None:
        return active(service_date), service_date
    firsts = [s for _, _, s, _ in cal_rows] + [d for _, d, _ in extra]
    if not firsts:
        return None, None
    trips = feed.tables.get("trips.txt")
    counts = trips["service_id"].str.strip().value_counts().to_dict() if trips is not None else {}
    d0 = min(firsts)
    best = max(
        (d0 + dt.timedelta(days=k) for k in range(7)),
        key=lambda day: (sum(counts.get(s, 0) for s in active(day)), -day.toordinal()),
    )
    return active(best), best


def _network_box(network: Any) -> tuple[float, float, float, float] | None:
    """Return the road network's (lon_min, lat_min, lon_max, lat_max) [deg], 0.05 deg margin."""
    if network is None or not hasattr(network, "lon") or len(network.lon) == 0:
        return None
    m = 0.05
    return (float(np.min(network.lon)) - m, float(np.min(network.lat)) - m,
            float(np.max(network.lon)) + m, float(np.max(network.lat)) + m)


def calendar_span(feed: _Feed) -> str:
    """Describe the dates a feed's calendar covers, for messages."""
    parts = []
    cal = feed.tables.get("calendar.txt")
    if cal is not None and len(cal):
        start = pd.to_datetime(cal["start_date"].str.strip(), format="%Y%m%d", errors="coerce")
        end = pd.to_datetime(cal["end_date"].str.strip(), format="%Y%m%d", errors="coerce")
        if start.notna().any() and end.notna().any():
            parts.append(f"calendar.txt runs {start.min():%Y-%m-%d} to {end.max():%Y-%m-%d}")
    cd = feed.tables.get("calendar_dates.txt")
    if cd is not None and len(cd):
        d = pd.to_datetime(cd["date"].str.strip(), format="%Y%m%d", errors="coerce")
        if d.notna().any():
            parts.append(f"calendar_dates.txt lists {d.min():%Y-%m-%d} to {d.max():%Y-%m-%d}")
    body = "; ".join(parts) if parts else "the feed has no readable calendar"
    return f"{body}; choose a service day inside it (fleets.N.date, YYYY-MM-DD)"


def _outside_calendar(feed: _Feed, day: dt.date) -> bool:
    """Whether ``day`` lies outside every date the feed's calendar files mention."""
    lo: list[pd.Timestamp] = []
    hi: list[pd.Timestamp] = []
    cal = feed.tables.get("calendar.txt")
    if cal is not None and len(cal):
        lo.append(pd.to_datetime(cal["start_date"].str.strip(), format="%Y%m%d",
                                 errors="coerce").min())
        hi.append(pd.to_datetime(cal["end_date"].str.strip(), format="%Y%m%d",
                                 errors="coerce").max())
    cd = feed.tables.get("calendar_dates.txt")
    if cd is not None and len(cd):
        d = pd.to_datetime(cd["date"].str.strip(), format="%Y%m%d", errors="coerce")
        lo.append(d.min())
        hi.append(d.max())
    lo = [x for x in lo if pd.notna(x)]
    hi = [x for x in hi if pd.notna(x)]
    if not lo or not hi:
        return False
    return bool(day < min(lo).date() or day > max(hi).date())


def stop_positions(path: str | Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return the feed's stops (stop_id, lon, lat, row) and, per stop, the trips ending there.

    Reads stops.txt and stop_times.txt only; a trip counts once at its first and once at
    its last stop.
    """
    data = _encoding.read_limited(path)
    feed = _load_feed(data, str(path), only=("stops.txt", "stop_times.txt"))
    stops = feed.tables.get("stops.txt")
    if stops is None:
        return pd.DataFrame(columns=["stop_id", "lon", "lat", "row"]), {}
    out = pd.DataFrame({
        "stop_id": stops["stop_id"].str.strip(),
        "lon": pd.to_numeric(stops["stop_lon"], errors="coerce"),
        "lat": pd.to_numeric(stops["stop_lat"], errors="coerce"),
        "row": stops[_tabular.ROW].astype(int),
    }).dropna(subset=["lon", "lat"])
    counts: dict[str, int] = {}
    st = feed.tables.get("stop_times.txt")
    if st is not None and len(st):
        seq = pd.to_numeric(st["stop_sequence"], errors="coerce")
        frame = pd.DataFrame({"t": st["trip_id"].str.strip(), "s": st["stop_id"].str.strip(),
                              "q": seq}).dropna(subset=["q"]).sort_values(["t", "q"])
        ends = pd.concat([frame.groupby("t")["s"].first(), frame.groupby("t")["s"].last()])
        counts = {str(k): int(v) for k, v in ends.value_counts().items()}
    return out.reset_index(drop=True), counts


def service_day_problem(path: str | Path, service_date: dt.date | str) -> str | None:
    """Return why no trip of a feed runs on ``service_date`` (None when some does).

    Reads only ``calendar.txt``, ``calendar_dates.txt`` and the service ids of
    ``trips.txt``, so a scenario check stays fast on a million-row feed.
    """
    day = _parse_date(service_date)
    assert day is not None
    data = _encoding.read_limited(path)
    feed = _load_feed(data, str(path), only=("calendar.txt", "calendar_dates.txt", "trips.txt"))
    if feed.errors or ("calendar.txt" not in feed.tables
                       and "calendar_dates.txt" not in feed.tables):
        return None  # the feed's own check reports what is wrong with it
    active, _ = _service_ids(feed, day)
    if active is None:
        return None
    trips = feed.tables.get("trips.txt")
    ids = set(trips["service_id"].str.strip()) if trips is not None else set()
    if active & ids or not _outside_calendar(feed, day):
        return None  # inside the calendar: a day without service is the reader's warning
    return f"{day} ({day:%A}) is outside the feed's calendar; {calendar_span(feed)}"


def peak_in_service(vehicle: np.ndarray, dep_s: np.ndarray, arr_s: np.ndarray) -> int:
    """Return the most vehicles in service at once.

    A vehicle is out from its first departure to its last arrival of the day; blocks
    never all run at the same time, so this is at most the number of blocks.
    """
    if len(vehicle) == 0:
        return 0
    frame = pd.DataFrame({"v": vehicle, "d": dep_s, "a": arr_s})
    span = frame.groupby("v").agg(d=("d", "min"), a=("a", "max"))
    times = np.concatenate([span["d"].to_numpy(), span["a"].to_numpy()])
    delta = np.concatenate([np.ones(len(span)), -np.ones(len(span))])
    order = np.lexsort((delta, times))  # at equal times, a pull-in comes before a pull-out
    return int(np.max(np.cumsum(delta[order])))


def _haversine_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


def _shape_lengths_km(feed: _Feed) -> dict[str, float]:
    shapes = feed.tables.get("shapes.txt")
    if shapes is None or shapes.empty:
        return {}
    rep = feed.report("shapes.txt")
    rows = shapes[_tabular.ROW].to_numpy()
    lat = _checks.parse_number(shapes["shape_pt_lat"], rows, "shape_pt_lat", rep, required=True)
    lon = _checks.parse_number(shapes["shape_pt_lon"], rows, "shape_pt_lon", rep, required=True)
    seq = _checks.parse_number(
        shapes["shape_pt_sequence"], rows, "shape_pt_sequence", rep, required=True
    )
    feed.absorb(rep)
    df = pd.DataFrame(
        {"id": shapes["shape_id"].str.strip().to_numpy(), "seq": seq, "lon": lon, "lat": lat}
    )
    df = df[np.isfinite(df["seq"]) & np.isfinite(df["lon"]) & np.isfinite(df["lat"])]
    df = df.sort_values(["id", "seq"], kind="stable")
    same = df["id"].to_numpy()[1:] == df["id"].to_numpy()[:-1]
    seg = _haversine_m(
        df["lon"].to_numpy()[:-1],
        df["lat"].to_numpy()[:-1],
        df["lon"].to_numpy()[1:],
        df["lat"].to_numpy()[1:],
    )
    seg = np.where(same, seg, 0.0)
    ids = df["id"].to_numpy()[1:]
    if ids.size == 0:
        return {}
    total = pd.Series(seg).groupby(ids).sum()
    return {str(k): float(v) / 1000.0 for k, v in total.items()}


def _trip_times(feed: _Feed, stop_pos: dict[str, int]) -> pd.DataFrame:
    """Return per trip: first departure, last arrival [s], first and last stop index."""
    st = feed.tables["stop_times.txt"]
    rep = feed.report("stop_times.txt")
    rows = st[_tabular.ROW].to_numpy()
    seq = _checks.parse_number(
        st["stop_sequence"], rows, "stop_sequence", rep, required=True, minimum=0
    )
    arr_txt = st["arrival_time"].str.strip()
    dep_txt = st["departure_time"].str.strip()
    arr, arr_ok = _checks.clock_seconds(arr_txt)
    dep, dep_ok = _checks.clock_seconds(dep_txt)
    arr_raw, dep_raw = arr_txt.array, dep_txt.array  # indexed only for flagged rows
    bad_arr = ~arr_ok & (arr_txt != "").to_numpy()
    bad_dep = ~dep_ok & (dep_txt != "").to_numpy()
    rep.rows(
        bad_arr,
        rows,
        "arrival_time",
        lambda i: f"{arr_raw[i]!r} is not a time; GTFS times are H:MM:SS (may pass 24:00:00)",
    )
    rep.rows(
        bad_dep,
        rows,
        "departure_time",
        lambda i: f"{dep_raw[i]!r} is not a time; GTFS times are H:MM:SS (may pass 24:00:00)",
    )
    stop_ids = st["stop_id"].str.strip()
    # vectorised lookups and integer trip codes: 1 M stop_times as Python strings would
    # cost ~70 MB per column (memory goal: <= 2x a plain pandas read of the feed)
    known = pd.Index(list(stop_pos))
    spos_known = known.get_indexer(stop_ids)
    pos_of = np.fromiter(stop_pos.values(), dtype=np.int64, count=len(stop_pos))
    spos = np.where(spos_known >= 0, pos_of[np.maximum(spos_known, 0)], -1).astype(np.int64)
    sid_raw = stop_ids.array
    rep.rows(spos < 0, rows, "stop_id", lambda i: f"stop_id {sid_raw[i]!r} is not in stops.txt")
    del stop_ids, arr_txt, dep_txt
    trip_code, trip_names = pd.factorize(st["trip_id"].str.strip())
    df = pd.DataFrame(
        {
            "trip_id": trip_code,
            "seq": seq,
            "arr": np.where(arr_ok, arr, np.nan),
            "dep": np.where(dep_ok, dep, np.nan),
            "stop": spos,
            "row": rows,
        }
    )
    df = df[np.isfinite(df["seq"])]
    dup = df.duplicated(["trip_id", "seq"], keep="first").to_numpy()
    dup_rows = df["row"].to_numpy()
    rep.rows(dup, dup_rows, "stop_sequence", "stop_sequence repeats within the trip")
    df = df.sort_values(["trip_id", "seq"], kind="stable")
    # times must not decrease along a trip
    t = df["dep"].fillna(df["arr"]).to_numpy()
    tid = df["trip_id"].to_numpy()
    same = np.zeros(len(df), dtype=bool)
    same[1:] = tid[1:] == tid[:-1]
    prev_t = np.concatenate([[np.nan], t[:-1]])
    a = df["arr"].fillna(df["dep"]).to_numpy()
    with np.errstate(invalid="ignore"):
        back = same & np.isfinite(a) & np.isfinite(prev_t) & (a < prev_t)
    rep.rows(
        back,
        df["row"].to_numpy(),
        "arrival_time",
        "the time is earlier than at the previous stop of the trip",
    )
    feed.absorb(rep)
    g = df.groupby("trip_id", sort=False)
    first = g.head(1).set_index("trip_id")
    last = g.tail(1).set_index("trip_id")
    names = np.asarray(trip_names, dtype=object)
    first.index = pd.Index(names[first.index.to_numpy()], name="trip_id")
    last.index = pd.Index(names[last.index.to_numpy()], name="trip_id")
    sizes = g.size()
    sizes.index = pd.Index(names[sizes.index.to_numpy()], name="trip_id")
    out = pd.DataFrame(
        {
            "departure_s": first["dep"].fillna(first["arr"]),
            "arrival_s": last["arr"].fillna(last["dep"]),
            "first_stop": first["stop"],
            "last_stop": last["stop"],
            "first_row": first["row"],
            "last_row": last["row"],
            "n_stops": sizes,
        }
    )
    return out


def _expand_frequencies(feed: _Feed, trips: pd.DataFrame) -> pd.DataFrame:
    """Replace each frequency-based trip by its timed instances (GTFS frequencies.txt)."""
    fr = feed.tables.get("frequencies.txt")
    if fr is None or fr.empty:
        return trips
    rep = feed.report("frequencies.txt")
    rows = fr[_tabular.ROW].to_numpy()
    start = _checks.parse_clock(fr["start_time"], rows, "start_time", rep)
    end = _checks.parse_clock(fr["end_time"], rows, "end_time", rep)
    head = _checks.parse_number(
        fr["headway_secs"], rows, "headway_secs", rep, required=True, minimum=1
    )
    feed.absorb(rep)
    fr_trip = fr["trip_id"].str.strip().to_numpy()
    keep = ~np.isin(trips["trip_id"].to_numpy(), fr_trip)
    parts = [trips[keep]]
    by_id = trips.set_index("trip_id", drop=False)
    max_inst = int(defaults.value("gtfs_blocking", "max_trips_per_frequency_row"))
    # the whole expansion is counted before any trip is made (rows under the per-row cap
    # can still multiply to millions)
    known = np.isin(fr_trip, trips["trip_id"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        span = np.clip(np.asarray(end, float) - np.asarray(start, float), 0.0, None)
        n_all = np.ceil(span / np.asarray(head, float))
    ok = known & np.isfinite(n_all) & (np.asarray(head, float) >= 1) & (n_all <= max_inst)
    total = float(n_all[ok].sum())
    if total > _caps.MAX_GENERATED_TRIPS:
        raise _caps.over_cap(
            f"frequencies.txt expands to {total:,.0f} trips over {int(ok.sum()):,} rows",
            "MAX_GENERATED_TRIPS", _caps.MAX_GENERATED_TRIPS,
            file=f"{feed.label}/frequencies.txt", column="headway_secs",
        )
    rep = feed.report("frequencies.txt")
    for k, (tid, s, e, h) in enumerate(zip(fr_trip, start, end, head, strict=True)):
        if tid not in by_id.index or not (np.isfinite(s) and np.isfinite(e) and np.isfinite(h)):
            continue
        if h < 1:
            continue  # already reported: headway_secs must be >= 1
        n_inst = int(np.ceil(max(e - s, 0.0) / h))
        if n_inst > max_inst:
            rep.add(
                f"headway_secs {h:g} from {start[k]:g} s to {end[k]:g} s gives {n_inst:,} trips; "
                f"at most {max_inst:,} per row (gtfs_blocking.csv max_trips_per_frequency_row)",
                row=int(rows[k]),
                column="headway_secs",
            )
            continue
        base = by_id.loc[[tid]].iloc[0]
        dur = base["arrival_s"] - base["departure_s"]
        starts = np.arange(s, e, h)  # GTFS: trips start from start_time while < end_time
        if starts.size == 0:
            continue
        inst = pd.DataFrame([base] * starts.size).reset_index(drop=True)
        inst["departure_s"] = starts
        inst["arrival_s"] = starts + dur
        inst["trip_id"] = [
            f"{tid}@{int(x) // 3600:02d}:{int(x) % 3600 // 60:02d}:{int(x) % 60:02d}"
            for x in starts
        ]
        parts.append(inst)
    feed.absorb(rep)
    return pd.concat(parts, ignore_index=True)


def chain_vehicles(
    departure_s: np.ndarray,
    arrival_s: np.ndarray,
    deadhead_s: np.ndarray,
    *,
    pull_out_s: np.ndarray | None = None,
    pull_in_s: np.ndarray | None = None,
    min_layover_s: float = 0.0,
    max_layover_s: float = np.inf,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Chain trips into the fewest vehicles, then the least deadhead (OR-Tools min-cost flow).

    Trip ``j`` may follow trip ``i`` on one vehicle when
    ``arrival_s[i] + deadhead_s[i, j] + min_layover_s <= departure_s[j]`` and the wait is at
    most ``max_layover_s``. Each vehicle costs more than any total of deadheads, so the
    flow minimises the number of vehicles first (a minimum path cover), then the total
    deadhead, pull-out and pull-in time.

    Parameters
    ----------
    departure_s, arrival_s : numpy.ndarray
        Trip departure and arrival times [s].
    deadhead_s : numpy.ndarray
        ``n x n`` travel time from the end of trip ``i`` to the start of trip ``j`` [s]
        (inf where impossible).
    pull_out_s, pull_in_s : numpy.ndarray, optional
        Time from the depot to each trip's start and from its end back [s]; zeros if omitted.
    min_layover_s : float
        Least slack between arrival (plus deadhead) and the next departure [s].
    max_layover_s : float
        Longest wait between two chained trips considered [s].

    Returns
    -------
    vehicle : numpy.ndarray
        Vehicle number (0, 1, ...) of each trip, numbered by first departure.
    info : dict
        ``vehicles``, ``deadhead_s`` (total between trips), ``pull_s`` (total pull-out and
        pull-in), ``arcs`` (links considered).

    Raises
    ------
    SolverError
        When OR-Tools does not return an optimal flow.
    """
    n = int(np.asarray(departure_s).size)
    if n == 0:
        return _solve_chain(
            np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), None, None
        )
    dep = np.asarray(departure_s, dtype=float)
    arr = np.asarray(arrival_s, dtype=float)
    dh = np.asarray(deadhead_s, dtype=float)
    wait = dep[None, :] - arr[:, None]
    ok = np.isfinite(dh) & (wait - dh >= min_layover_s) & (wait <= max_layover_s)
    ok &= _after(dep)
    ii, jj = np.nonzero(ok)
    return _solve_chain(dep, ii, jj, dh[ii, jj], pull_out_s, pull_in_s)


def _after(dep: np.ndarray) -> np.ndarray:
    """``m[i, j]``: trip ``j`` comes after trip ``i`` in (departure, index) order (no cycles)."""
    idx = np.arange(dep.size)
    later = (dep[None, :] > dep[:, None]) | (
        (dep[None, :] == dep[:, None]) & (idx[None, :] > idx[:, None])
    )
    return np.asarray(later, dtype=bool)


def chain_arcs(
    departure_s: np.ndarray,
    arrival_s: np.ndarray,
    end_stop: np.ndarray,
    start_stop: np.ndarray,
    stop_deadhead_s: np.ndarray,
    *,
    min_layover_s: float = 0.0,
    max_layover_s: float = np.inf,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the feasible links (i, j, deadhead [s]) without an n x n matrix.

    Candidates ``j`` of trip ``i`` are found by binary search on departure times within
    ``[arrival_i + min_layover_s, arrival_i + max_layover_s]``, then kept when the deadhead
    ``stop_deadhead_s[end_stop[i], start_stop[j]]`` fits. Memory grows with the number of
    candidates, not with the square of the number of trips.
    """
    dep = np.asarray(departure_s, dtype=float)
    arr = np.asarray(arrival_s, dtype=float)
    n = dep.size
    order = np.argsort(dep, kind="stable")
    dep_sorted = dep[order]
    lo = np.searchsorted(dep_sorted, arr + min_layover_s, side="left")
    hi = np.searchsorted(dep_sorted, arr + max_layover_s, side="right")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    limit = int(defaults.value("gtfs_blocking", "max_arcs"))
    if total > limit:
        msg = (
            f"chaining {n:,} trips would consider {total:,} links (limit {limit:,}); chain per "
            "route, give a service_date, or lower max_layover_min in gtfs_blocking.csv"
        )
        raise InputError(msg, [Problem(msg)])
    ii = np.repeat(np.arange(n, dtype=np.int64), counts)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    jj = order[np.repeat(lo, counts) + offsets]
    dh = np.asarray(stop_deadhead_s, dtype=float)[end_stop[ii], start_stop[jj]]
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(dh) & (dep[jj] - arr[ii] - dh >= min_layover_s)
    keep &= (dep[jj] > dep[ii]) | ((dep[jj] == dep[ii]) & (jj > ii))
    return ii[keep], jj[keep], dh[keep]


def _solve_chain(
    dep: np.ndarray,
    ii: np.ndarray,
    jj: np.ndarray,
    arc_dh: np.ndarray,
    pull_out_s: np.ndarray | None,
    pull_in_s: np.ndarray | None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Solve the chaining min-cost flow on given links; see :func:`chain_vehicles`."""
    from ortools.graph.python import min_cost_flow

    from fleetopt.errors import SolverError

    n = int(dep.size)
    if n == 0:
        return np.zeros(0, dtype=np.int64), {
            "vehicles": 0,
            "deadhead_s": 0.0,
            "pull_s": 0.0,
            "arcs": 0,
        }
    pout = np.zeros(n) if pull_out_s is None else np.asarray(pull_out_s, dtype=float)
    pin = np.zeros(n) if pull_in_s is None else np.asarray(pull_in_s, dtype=float)
    pout = np.where(np.isfinite(pout), pout, 0.0)
    pin = np.where(np.isfinite(pin), pin, 0.0)
    arc_cost = np.rint(arc_dh).astype(np.int64)
    pout_c = np.rint(pout).astype(np.int64)
    pin_c = np.rint(pin).astype(np.int64)
    max_arc = int(arc_cost.max()) if arc_cost.size else 0
    big = (
        n * (max_arc + int(pout_c.max()) + int(pin_c.max())) + 1
    )  # one vehicle outweighs any deadhead

    src, sink = 2 * n, 2 * n + 1
    idx = np.arange(n, dtype=np.int64)
    tails = np.concatenate([ii, idx, np.full(n, src), [src]])
    heads = np.concatenate([n + jj, np.full(n, sink), n + idx, [sink]])
    caps = np.concatenate([np.ones(ii.size + 2 * n, dtype=np.int64), [n]])
    costs = np.concatenate([arc_cost, pin_c, big + pout_c, [0]])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    supplies = np.concatenate([np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64), [n, -n]])
    smcf.set_nodes_supplies(np.arange(2 * n + 2, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        msg = f"OR-Tools min-cost flow did not find an optimal chaining (status {status})"
        raise SolverError(msg)
    flows = (
        smcf.flows(np.arange(ii.size, dtype=np.int32)) if ii.size else np.zeros(0, dtype=np.int64)
    )
    nxt = np.full(n, -1, dtype=np.int64)
    used = flows > 0
    nxt[ii[used]] = jj[used]
    has_prev = np.zeros(n, dtype=bool)
    has_prev[jj[used]] = True
    starts = np.flatnonzero(~has_prev)
    starts = starts[np.lexsort((starts, dep[starts]))]
    vehicle = np.full(n, -1, dtype=np.int64)
    for v, s0 in enumerate(starts):
        k = int(s0)
        while k >= 0:
            vehicle[k] = v
            k = int(nxt[k])
    if (vehicle < 0).any():  # pragma: no cover - links only go forward in time, so no cycles
        msg = "the chaining produced a cycle"
        raise SolverError(msg)
    info = {
        "vehicles": int(starts.size),
        "deadhead_s": float(arc_dh[used].sum()) if used.any() else 0.0,
        "pull_s": float(pout[starts].sum() + pin[np.flatnonzero(nxt < 0)].sum()),
        "arcs": int(ii.size),
    }
    return vehicle, info


def _stop_deadheads(
    lon: np.ndarray,
    lat: np.ndarray,
    ends: np.ndarray,
    starts: np.ndarray,
    network: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Travel times [s] between distinct end and start stops (road graph or estimate).

    Returns the matrix over distinct stops and, per trip, its row (end) and column (start).
    """
    u_end, inv_end = np.unique(ends, return_inverse=True)
    u_start, inv_start = np.unique(starts, return_inverse=True)
    if network is not None:
        node_end, _ = network.nearest_nodes(lon[u_end], lat[u_end])
        node_start, _ = network.nearest_nodes(lon[u_start], lat[u_start])
        small = network.shortest(node_end, node_start, weight="time")
    else:
        detour = defaults.value("gtfs_blocking", "detour_factor")
        speed_mps = defaults.value("road_speeds", "fallback") * KPH_TO_MPS
        dist = _haversine_m(
            lon[u_end][:, None], lat[u_end][:, None], lon[u_start][None, :], lat[u_start][None, :]
        )
        small = dist * detour / speed_mps
    small = np.where(u_end[:, None] == u_start[None, :], 0.0, small)
    return small, inv_end, inv_start


def _depot_times(
    lon: np.ndarray,
    lat: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    depots: pd.DataFrame,
    network: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pull-out/pull-in times to the nearest depot [s] and that depot's position per trip."""
    dlon = depots["lon"].to_numpy(dtype=float)
    dlat = depots["lat"].to_numpy(dtype=float)
    if network is not None:
        dn, _ = network.nearest_nodes(dlon, dlat)
        sn, _ = network.nearest_nodes(lon[first], lat[first])
        en, _ = network.nearest_nodes(lon[last], lat[last])
        out_m = network.shortest(dn, sn, weight="time").T  # trips x depots
        in_m = network.shortest(en, dn, weight="time")
    else:
        detour = defaults.value("gtfs_blocking", "detour_factor")
        speed_mps = defaults.value("road_speeds", "fallback") * KPH_TO_MPS
        out_m = _haversine_m(lon[first][:, None], lat[first][:, None], dlon[None, :], dlat[None, :])
        in_m = _haversine_m(lon[last][:, None], lat[last][:, None], dlon[None, :], dlat[None, :])
        out_m, in_m = out_m * detour / speed_mps, in_m * detour / speed_mps
    best = np.argmin(out_m, axis=1)
    return out_m.min(axis=1), in_m.min(axis=1), best


def _parse_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    msg = f"service_date {value!r} is not a date; use YYYY-MM-DD or YYYYMMDD"
    raise InputError(msg, [Problem(msg, column="service_date")])


def _gtfs(
    data: bytes,
    label: str,
    *,
    network: Any = None,
    service_date: dt.date | str | None = None,
    vehicle_type: str = "bus",
    powertrain: str = "diesel",
    depots: pd.DataFrame | None = None,
    chain: bool = True,
    chain_scope: str = "route",
) -> tuple[pd.DataFrame, _Feed, dict[str, Any]]:
    from fleetopt.inputs.schedules import TRIP_COLUMNS, VEHICLE_TYPES

    if vehicle_type not in VEHICLE_TYPES:
        msg = f"unknown vehicle_type {vehicle_type!r}; valid values: {', '.join(VEHICLE_TYPES)}"
        raise InputError(msg, [Problem(msg, column="vehicle_type")])
    if powertrain not in POWERTRAINS:
        msg = f"unknown powertrain {powertrain!r}; valid values: {', '.join(POWERTRAINS)}"
        raise InputError(msg, [Problem(msg, column="powertrain")])
    if chain_scope not in ("route", "feed"):
        msg = f"unknown chain_scope {chain_scope!r}; valid values: route, feed"
        raise InputError(msg, [Problem(msg, column="chain_scope")])
    day = _parse_date(service_date)
    feed = _load_feed(data, label)
    empty = pd.DataFrame(columns=[*TRIP_COLUMNS, "row"])
    info: dict[str, Any] = {
        "service_date": None,
        "vehicles": 0,
        "blocks_from_block_id": 0,
        "chained_vehicles": 0,
    }
    if any(m not in feed.tables for m in REQUIRED_MEMBERS):
        return empty, feed, info

    stops = feed.tables["stops.txt"]
    rep = feed.report("stops.txt")
    srows = stops[_tabular.ROW].to_numpy()
    slat = _checks.parse_number(stops["stop_lat"], srows, "stop_lat", rep, required=False)
    slon = _checks.parse_number(stops["stop_lon"], srows, "stop_lon", rep, required=False)
    region = _network_box(network)
    _checks.check_coordinates(
        slon, slat, srows, "stop_lon", "stop_lat", rep,
        region=region, region_name="the road network" if region else "Beijing",
    )
    sids = stops["stop_id"].str.strip()
    _checks.check_unique(sids, srows, "stop_id", rep)
    feed.absorb(rep)
    stop_pos = {s: i for i, s in enumerate(sids.to_numpy()) if s not in ("",)}

    trips_raw = feed.tables["trips.txt"]
    rep = feed.report("trips.txt")
    trows = trips_raw[_tabular.ROW].to_numpy()
    tids = _checks.parse_text(trips_raw["trip_id"], trows, "trip_id", rep, required=True)
    _checks.check_unique(tids, trows, "trip_id", rep)
    feed.absorb(rep)
    times = _trip_times(feed, stop_pos)

    trips = pd.DataFrame(
        {
            "trip_id": tids.to_numpy(),
            "service_id": trips_raw["service_id"].str.strip().to_numpy(),
            "route_id": trips_raw["route_id"].str.strip().to_numpy(),
            "block_id": (
                trips_raw["block_id"].str.strip().to_numpy()
                if "block_id" in trips_raw.columns
                else np.full(len(trips_raw), "", dtype=object)
            ),
            "shape_id": (
                trips_raw["shape_id"].str.strip().to_numpy()
                if "shape_id" in trips_raw.columns
                else np.full(len(trips_raw), "", dtype=object)
            ),
            "row": trows,
        }
    ).drop_duplicates("trip_id", keep="first")
    no_times = ~trips["trip_id"].isin(times.index).to_numpy()
    rep = feed.report("trips.txt")
    rep.rows(
        no_times,
        trips["row"].to_numpy(),
        "trip_id",
        "the trip has no stop_times; it is skipped",
        warning=True,
    )
    feed.absorb(rep)
    trips = trips[~no_times].join(times, on="trip_id")
    incomplete = ~(
        np.isfinite(trips["departure_s"].to_numpy()) & np.isfinite(trips["arrival_s"].to_numpy())
    )
    rep = feed.report("stop_times.txt")
    rep.rows(
        incomplete,
        trips["first_row"].to_numpy(),
        "departure_time",
        "the first stop needs a departure time and the last stop an arrival time",
    )
    feed.absorb(rep)
    trips = trips[~incomplete]

    active, used_day = _service_ids(feed, day)
    info["service_date"] = used_day.isoformat() if used_day else None
    info["service_date_chosen"] = "given" if day is not None else "busiest of the first 7 days"
    if active is not None:
        trips = trips[trips["service_id"].isin(active)]
        if trips.empty and not feed.errors:
            msg = f"no trip runs on {used_day} ({used_day:%A}); {calendar_span(feed)}"
            if day is not None and _outside_calendar(feed, day):
                # a day outside the feed: a located error, never 0 trips with exit 0
                feed.errors.append(Problem(msg, column="date", file=f"{label}/calendar.txt"))
            else:
                feed.warnings.append(Problem(msg, file=f"{label}/calendar.txt"))
    trips = _expand_frequencies(feed, trips.reset_index(drop=True))
    if feed.errors or trips.empty:
        return empty, feed, info

    lon = np.where(np.isfinite(slon), slon, np.nan)
    lat = np.where(np.isfinite(slat), slat, np.nan)
    first = trips["first_stop"].to_numpy(dtype=np.int64)
    last = trips["last_stop"].to_numpy(dtype=np.int64)
    lengths = _shape_lengths_km(feed)
    dist = np.array([lengths.get(s, np.nan) for s in trips["shape_id"]], dtype=float)

    vehicle = trips["block_id"].astype(str).to_numpy(dtype=object)
    free = vehicle == ""
    info["blocks_from_block_id"] = len(set(vehicle[~free]))
    depot_name = np.full(len(trips), "", dtype=object)
    pull_out = pull_in = None
    if depots is not None and len(depots):
        pull_out, pull_in, best = _depot_times(lon, lat, first, last, depots, network)
        depot_name = depots["id"].astype(str).to_numpy()[best]
    if free.any() and chain:
        sub = np.flatnonzero(free)
        groups = (
            trips["route_id"].to_numpy()[sub]
            if chain_scope == "route"
            else np.full(sub.size, "", dtype=object)
        )
        min_lay = defaults.value("gtfs_blocking", "min_layover_min") * 60.0
        max_lay = defaults.value("gtfs_blocking", "max_layover_min") * 60.0
        taken = set(vehicle[~free])
        totals = {"vehicles": 0, "deadhead_s": 0.0, "pull_s": 0.0, "arcs": 0, "groups": 0}
        for g in pd.unique(groups):
            part = sub[groups == g]
            small, end_idx, start_idx = _stop_deadheads(lon, lat, last[part], first[part], network)
            dep = trips["departure_s"].to_numpy()[part]
            arr = trips["arrival_s"].to_numpy()[part]
            try:
                ii, jj, dh = chain_arcs(
                    dep,
                    arr,
                    end_idx,
                    start_idx,
                    small,
                    min_layover_s=min_lay,
                    max_layover_s=max_lay,
                )
            except InputError as exc:
                where = f" (route {g!r})" if chain_scope == "route" else ""
                raise InputError(exc.message, [Problem(exc.message + where, file=label)]) from None
            veh, cinfo = _solve_chain(
                dep,
                ii,
                jj,
                dh,
                None if pull_out is None else pull_out[part],
                None if pull_in is None else pull_in[part],
            )
            for k in ("vehicles", "deadhead_s", "pull_s", "arcs"):
                totals[k] += cinfo[k]
            totals["groups"] += 1
            width = max(3, len(str(int(veh.max()) + 1)))
            prefix = f"chain-{g}-" if chain_scope == "route" else "chain-"
            names = []
            for v in veh:
                name = f"{prefix}{int(v) + 1:0{width}d}"
                while name in taken:
                    name = "g" + name
                names.append(name)
            vehicle[part] = names
            if pull_out is not None:  # a chain starts at the depot nearest its first trip
                chain_first = pd.Series(part).groupby(veh).first()
                depot_of_chain = {int(v): depot_name[int(t)] for v, t in chain_first.items()}
                depot_name[part] = [depot_of_chain[int(v)] for v in veh]
        info["chained_vehicles"] = totals["vehicles"]
        info["chain"] = totals
    elif free.any():
        vehicle[free] = [f"trip-{t}" for t in trips["trip_id"].to_numpy()[free]]
    out = pd.DataFrame(
        {
            "vehicle_id": vehicle.astype(str),
            "vehicle_type": vehicle_type,
            "powertrain": powertrain,
            "trip_id": trips["trip_id"].astype(str).to_numpy(),
            "departure_s": trips["departure_s"].to_numpy(dtype=float),
            "arrival_s": trips["arrival_s"].to_numpy(dtype=float),
            "origin_lon": lon[first],
            "origin_lat": lat[first],
            "destination_lon": lon[last],
            "destination_lat": lat[last],
            "distance_km": dist,
            "depot": depot_name.astype(str),
            "passengers": np.nan,
            "payload_t": np.nan,
            "exempt": False,
            "row": trips["row"].to_numpy(dtype=np.int64),
        }
    )
    out = out.sort_values(["vehicle_id", "departure_s", "trip_id"], kind="stable").reset_index(
        drop=True
    )
    # a block (given or built) must not run two trips at once
    v = out["vehicle_id"].to_numpy()
    d = out["departure_s"].to_numpy()
    a = out["arrival_s"].to_numpy()
    clash = np.zeros(len(out), dtype=bool)
    clash[1:] = (v[1:] == v[:-1]) & (d[1:] < a[:-1])
    rep = feed.report("trips.txt")
    tid = out["trip_id"].to_numpy()
    rep.rows(
        clash,
        out["row"].to_numpy(),
        "block_id",
        lambda i: (
            f"trip {tid[i]!r} starts before trip {tid[i - 1]!r} of the same block {v[i]!r} ends"
        ),
    )
    feed.absorb(rep)
    info["vehicles"] = int(out["vehicle_id"].nunique())
    info["peak_vehicles_in_service"] = peak_in_service(
        out["vehicle_id"].to_numpy(), out["departure_s"].to_numpy(), out["arrival_s"].to_numpy()
    )
    return out[[*TRIP_COLUMNS, "row"]], feed, info


def parse_gtfs_trips(data: bytes, *, name: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Parse the bytes of a GTFS zip; see :func:`read_gtfs_trips` for the keywords."""
    label = name or "feed.zip"
    frame, feed, info = _gtfs(data, label, **kwargs)
    for w in feed.warnings:
        logger.warning("%s", w)
    if feed.errors:
        n = len(feed.errors)
        msg = f"the GTFS feed has {n} problem{'s' if n != 1 else ''}"
        raise InputError(msg, feed.errors)
    frame.attrs["gtfs"] = info
    if info.get("service_date"):
        # the chosen day is always said (stderr), with what 'vehicles' counts
        sys.stderr.write(
            f"note: GTFS {label}: service day {info['service_date']} "
            f"({info.get('service_date_chosen', 'given')}), {len(frame):,} trips; "
            f"{info['vehicles']:,} vehicles = distinct blocks ({info['blocks_from_block_id']:,} "
            f"from block_id, {info['chained_vehicles']:,} chained), at most "
            f"{info.get('peak_vehicles_in_service', 0):,} in service at once\n"
        )
    logger.info(
        "GTFS %s: %d trips on %s, %d vehicles (%d blocks from block_id, %d chained)",
        label,
        len(frame),
        info["service_date"],
        info["vehicles"],
        info["blocks_from_block_id"],
        info["chained_vehicles"],
    )
    return frame


def read_gtfs_trips(
    path: str | Path,
    *,
    network: Any = None,
    service_date: dt.date | str | None = None,
    vehicle_type: str = "bus",
    powertrain: str = "diesel",
    depots: pd.DataFrame | None = None,
    chain_scope: str = "route",
    name: str | None = None,
) -> pd.DataFrame:
    """Read a GTFS feed into canonical trips (CONTRACT §3), one service day, with vehicle blocks.

    Parameters
    ----------
    path : str or pathlib.Path
        GTFS zip archive.
    network : fleetopt.inputs.road_graph.RoadNetwork, optional
        Road network for deadhead times between trips (and to depots); without it
        deadheads are straight-line distance x ``detour_factor`` at the fallback road speed.
    service_date : datetime.date or str, optional
        Day to read (``YYYY-MM-DD`` or ``YYYYMMDD``); default: the day with the most trips
        among the first seven days of the feed's calendar.
    vehicle_type : str
        Vehicle type of every trip (``bus`` by default).
    powertrain : str
        Powertrain of every trip (``diesel`` by default: today's fleet before conversion).
    depots : pandas.DataFrame, optional
        Depots (columns ``id``, ``lon``, ``lat``); each chained vehicle starts at the depot
        nearest its first trip, and pull-out/pull-in times enter the chaining cost.
    chain_scope : {"route", "feed"}
        Chain trips without ``block_id`` within each ``route_id`` (default: a Beijing bus
        belongs to one line) or across the whole feed (interlining allowed).
    name : str, optional
        Name shown in messages instead of ``path``.

    Returns
    -------
    pandas.DataFrame
        Canonical trips; ``vehicle_id`` is the ``block_id`` where the feed has one, else
        ``chain-<route_id>-NNN`` (``chain-NNN`` with ``chain_scope="feed"``) from the
        minimum-vehicle chaining. ``distance_km`` is the length of
        the trip's shape when ``shapes.txt`` has it (else NaN: the road distance is used).
        ``attrs["gtfs"]`` holds the service date and the vehicle counts.

    Raises
    ------
    InputError
        Listing every problem found, each with file (``feed.zip/member.txt``), row and column.
    """
    label = name or str(path)
    data = _encoding.read_limited(path, name=label)
    return parse_gtfs_trips(
        data,
        name=label,
        network=network,
        service_date=service_date,
        vehicle_type=vehicle_type,
        powertrain=powertrain,
        depots=depots,
        chain_scope=chain_scope,
    )


def check_gtfs(
    data: bytes, *, name: str | None = None, network: Any = None
) -> tuple[list[Problem], list[Problem]]:
    """Check a GTFS feed's bytes; return (errors, warnings) without building vehicle blocks.

    Parameters
    ----------
    data : bytes
        Archive content.
    name : str, optional
        Name shown in messages.
    network : RoadNetwork, optional
        The scenario's network: stops are checked against its box instead of Beijing's.

    Returns
    -------
    tuple of (list of Problem, list of Problem)
    """
    label = name or "feed.zip"
    try:
        _, feed, _ = _gtfs(data, label, chain=False, network=network)
    except InputError as exc:
        return exc.problems or [Problem(exc.message, file=label)], []
    return feed.errors, feed.warnings
