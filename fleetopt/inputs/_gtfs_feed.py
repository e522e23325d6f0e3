"""Read the members of a GTFS feed (zip) into checked tables: the reading half of the GTFS reader.

``stops``, ``trips``, ``stop_times``, ``calendar``/``calendar_dates``, ``frequencies``
and ``shapes`` are read straight from the archive (nothing is extracted to disk), every
problem located by member, row and column. What the service day is, when each trip
runs and between which stops, how long each shape is: this module. Turning the trips
into vehicle blocks is domain logic (:mod:`fleetopt.domain.blocks`); putting the two
together is :mod:`fleetopt.inputs.gtfs`.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import posixpath
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetopt import defaults, settings
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps, _checks, _encoding, _tabular
from fleetopt.inputs._checks import Report
from fleetopt.units import EARTH_RADIUS_M

logger = logging.getLogger(__name__)


#: GTFS files a feed must contain for fleetopt (calendar or calendar_dates is also needed).
REQUIRED_MEMBERS: tuple[str, ...] = ("stops.txt", "trips.txt", "stop_times.txt")

COLUMNS: dict[str, tuple[str, ...]] = {
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
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class StopTimes:
    """``stop_times.txt`` parsed to numbers: one entry per record, strings as integer codes.

    A feed's largest member (a million records and more) is kept as arrays of 8 bytes per
    value: 1 M ids as Python strings would cost ~70 MB per column (issue 17's goal: at
    most twice the memory of a plain pandas read of the feed).

    Attributes
    ----------
    rows : numpy.ndarray
        Line number of each record (header = 1).
    trip : numpy.ndarray
        Code of the record's (trimmed) ``trip_id``, numbered in order of first appearance.
    trip_names : numpy.ndarray
        ``trip_id`` of each code.
    seq : numpy.ndarray
        ``stop_sequence`` (NaN where empty or unreadable).
    arr, dep : numpy.ndarray
        Arrival and departure after the service day's start [s] (NaN where empty or
        unreadable).
    stop : numpy.ndarray
        Code of the record's (trimmed) ``stop_id``.
    stop_names : numpy.ndarray
        ``stop_id`` of each code.
    pending : Report or None
        Problems found while parsing the values, filed when the trips are built (so that
        they follow the problems of stops.txt and trips.txt, as the feed is read).
    """

    rows: np.ndarray
    trip: np.ndarray
    trip_names: np.ndarray
    seq: np.ndarray
    arr: np.ndarray
    dep: np.ndarray
    stop: np.ndarray
    stop_names: np.ndarray
    pending: Report | None = None


@dataclass
class Feed:
    label: str
    tables: dict[str, pd.DataFrame]
    originals: dict[str, dict[str, str]]
    errors: list[Problem]
    warnings: list[Problem]
    stop_times: StopTimes | None = None

    def has(self, member: str) -> bool:
        """Whether the member was read (stop_times.txt is kept parsed, not as a table)."""
        if member == "stop_times.txt":
            return self.stop_times is not None
        return member in self.tables

    def report(self, member: str) -> Report:
        return Report(f"{self.label}/{member}", self.originals.get(member, {}))

    def absorb(self, report: Report) -> None:
        self.errors.extend(report.errors)
        self.warnings.extend(report.warnings)



def member_names(zf: zipfile.ZipFile) -> dict[str, str]:
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


def load_feed(data: bytes, label: str, only: tuple[str, ...] | None = None) -> Feed:
    kind = _encoding.sniff(data)
    if kind != "zip":
        p = _encoding.kind_problem(kind, label, "a GTFS feed (zip archive)")
        raise InputError(p.message, [p])
    feed = Feed(label, {}, {}, [], [])
    with _encoding.check_zip(data, label) as zf:
        members = member_names(zf)
        missing = [m for m in REQUIRED_MEMBERS if m not in members and only is None]
        if "calendar.txt" not in members and "calendar_dates.txt" not in members:
            missing.append("calendar.txt or calendar_dates.txt")
        for m in missing:
            feed.errors.append(Problem(f"the feed has no {m}", file=label))
        for name, cols in COLUMNS.items():
            if name not in members or (only is not None and name not in only):
                continue
            mlabel = f"{label}/{name}"
            if name == "stop_times.txt":
                fast = _stop_times_fast(zf, members[name])
                if fast is not None:
                    feed.stop_times, feed.originals[name] = fast
                    continue
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
            if name == "stop_times.txt":
                feed.stop_times = _stop_times_from_table(feed, raw.frame)
                continue
            feed.tables[name] = raw.frame
    return feed


def _stop_times_fast(zf: zipfile.ZipFile, member: str) -> tuple[StopTimes, dict[str, str]] | None:
    """Read a plain UTF-8 ``stop_times.txt`` with Arrow straight into codes and numbers.

    The member is streamed from the archive (never held whole as bytes) and only the five
    columns fleetopt uses are read: ids and clock times as dictionaries (each distinct
    text parsed once), ``stop_sequence`` as numbers. Anything unusual (another encoding or
    separator, a NUL, an empty or repeated header, a ragged row, an unreadable or negative
    value, too many rows) returns None: the general reader then reads the table and
    locates every problem, so answers and messages are the same either way.
    """
    import pyarrow as pa  # local, as in _tabular: Arrow loads with the first table read
    import pyarrow.csv as pacsv

    try:
        with zf.open(member) as fh:
            head = fh.readline(1 << 20)
        line = head.decode("utf-8").lstrip("\ufeff").rstrip("\r\n")
        header = next(csv.reader([line]))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, csv.Error,
            StopIteration):
        return None
    if "," not in line or len(header) > _caps.MAX_COLUMNS or len(set(header)) != len(header):
        return None
    keys = [_tabular.normalise_header(h.strip()) for h in header]
    if "" in keys or len(set(keys)) != len(keys):
        return None
    written = dict(zip(keys, header, strict=True))  # Arrow's column names
    original = {k: h.strip() for k, h in zip(keys, header, strict=True)}
    need = COLUMNS["stop_times.txt"]
    if any(c not in written for c in need):
        return None
    coded = pa.dictionary(pa.int32(), pa.string())
    types = {written[c]: coded for c in need}
    types[written["stop_sequence"]] = pa.float64()
    ragged: list[int] = []

    def on_invalid(row: object) -> str:
        ragged.append(1)
        return "skip"

    pool = pa.default_memory_pool()
    try:
        with zf.open(member) as fh:
            # one thread and 4 MB blocks: the parse buffers stay small (peak memory)
            table = pacsv.read_csv(
                fh,
                read_options=pacsv.ReadOptions(block_size=1 << 22, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=",", newlines_in_values=True, ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=[written[c] for c in need], column_types=types,
                    strings_can_be_null=False, quoted_strings_can_be_null=False,
                    null_values=[],
                ),
                memory_pool=pool,
            )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError,
            zipfile.BadZipFile, OSError, EOFError):
        return None
    n = table.num_rows
    if ragged or n == 0 or n > settings.MAX_INPUT_ROWS:
        return None
    table = table.unify_dictionaries()

    def codes(c: str, table: pa.Table = table) -> tuple[np.ndarray, pd.Series]:
        col = table.column(written[c])
        idx = np.concatenate([ch.indices.to_numpy(zero_copy_only=False) for ch in col.chunks])
        text = pd.Series(col.chunk(0).dictionary.to_pandas(), dtype=object)
        return idx.astype(np.int64), text.str.strip()

    if any(
        bool(pd.Series(table.column(written[c]).chunk(0).dictionary.to_pandas(), dtype=object)
             .str.contains("\x00", regex=False).any())
        for c in need if c != "stop_sequence"
    ):
        return None  # binary data: the general reader says where

    seq = table.column(written["stop_sequence"]).to_numpy()
    if not (np.isfinite(seq).all() and (seq >= 0).all()):
        return None
    clocks = []
    for c in ("arrival_time", "departure_time"):
        idx, text = codes(c)
        secs, ok = _checks.clock_seconds(text)
        if (~ok & (text != "").to_numpy()).any():
            return None
        clocks.append(secs[idx])
    trip_idx, trip_text = codes("trip_id")
    stop_idx, stop_text = codes("stop_id")
    merged, trip_names = pd.factorize(trip_text)  # ids equal once trimmed share a code
    trip = merged[trip_idx]
    # number trips in order of first appearance, as pandas.factorize of the column would
    first = np.full(len(trip_names), n, dtype=np.int64)
    np.minimum.at(first, trip, np.arange(n, dtype=np.int64))
    order = np.argsort(first, kind="stable")
    renumber = np.empty_like(order)
    renumber[order] = np.arange(order.size)
    stop_merged, stop_names = pd.factorize(stop_text)
    del table
    pool.release_unused()  # give Arrow's freed parse buffers back to the system
    parsed = StopTimes(
        rows=np.arange(2, n + 2, dtype=np.int64),
        trip=renumber[trip],
        trip_names=np.asarray(trip_names, dtype=object)[order],
        seq=seq,
        arr=clocks[0],
        dep=clocks[1],
        stop=stop_merged[stop_idx],
        stop_names=np.asarray(stop_names, dtype=object),
    )
    return parsed, original


def _stop_times_from_table(feed: Feed, st: pd.DataFrame) -> StopTimes:
    """Parse the string table of ``stop_times.txt`` (general reader), problems kept pending."""
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
    del arr_txt, dep_txt
    stop, stop_names = pd.factorize(st["stop_id"].str.strip())
    trip, trip_names = pd.factorize(st["trip_id"].str.strip())
    return StopTimes(
        rows=rows,
        trip=trip,
        trip_names=np.asarray(trip_names, dtype=object),
        seq=seq,
        arr=np.where(arr_ok, arr, np.nan),
        dep=np.where(dep_ok, dep, np.nan),
        stop=stop,
        stop_names=np.asarray(stop_names, dtype=object),
        pending=rep,
    )


def service_ids(
    feed: Feed, service_date: dt.date | None
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
        flags = np.column_stack([cal[d].str.strip().eq("1").to_numpy() for d in WEEKDAYS])
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


def calendar_span(feed: Feed) -> str:
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


def outside_calendar(feed: Feed, day: dt.date) -> bool:
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


def haversine_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


def shape_lengths_km(feed: Feed) -> dict[str, float]:
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
    seg = haversine_m(
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


def trip_times(feed: Feed, stop_pos: dict[str, int]) -> pd.DataFrame:
    """Return per trip: first departure, last arrival [s], first and last stop index."""
    st = feed.stop_times
    assert st is not None
    if st.pending is not None:
        feed.absorb(st.pending)
        st.pending = None
    rep = feed.report("stop_times.txt")
    rows = st.rows
    # stop ids looked up once per distinct id, then spread over the records by code
    known = pd.Index(list(stop_pos))
    spos_known = known.get_indexer(pd.Index(st.stop_names, dtype=object))
    pos_of = np.fromiter(stop_pos.values(), dtype=np.int64, count=len(stop_pos))
    spos_u = np.where(spos_known >= 0, pos_of[np.maximum(spos_known, 0)], -1).astype(np.int64)
    spos = spos_u[st.stop] if spos_u.size else np.full(rows.size, -1, dtype=np.int64)
    names_of_stop, stop_code = st.stop_names, st.stop
    rep.rows(
        spos < 0,
        rows,
        "stop_id",
        lambda i: f"stop_id {names_of_stop[stop_code[i]]!r} is not in stops.txt",
    )
    df = pd.DataFrame(
        {
            "trip_id": st.trip,
            "seq": st.seq,
            "arr": st.arr,
            "dep": st.dep,
            "stop": spos,
            "row": rows,
        }
    )
    trip_names = st.trip_names
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


def expand_frequencies(feed: Feed, trips: pd.DataFrame) -> pd.DataFrame:
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


def parse_date(value: dt.date | str | None) -> dt.date | None:
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


