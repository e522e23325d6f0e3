"""Read operators' trips and ride-request tables (CSV or Excel) into fleetopt's canonical columns.

Rename at the border: ``COLUMN_MAP`` maps the headers operators write (English variants
and common Chinese headers, see ``docs/column_names.md``) to the canonical names of
CONTRACT §3, and ``VALUE_MAP`` maps Chinese category values (公交, 纯电动, …); both and the
canonical columns are defined in :mod:`fleetopt.inputs.columns`. Text may be
UTF-8 (with or without BOM) or GB18030/GBK, detected from the bytes. Every problem of a
file is reported at once in one :class:`~fleetopt.errors.InputError`, each located by
file, spreadsheet row (header = line 1) and column.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import powertrains as _powertrains
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps, _checks, _encoding, _tabular
from fleetopt.inputs._checks import Report
from fleetopt.inputs.columns import (
    _SOURCE_NAMES,
    COLUMN_MAP,
    REQUEST_COLUMNS,
    REQUEST_OPTIONAL,
    REQUEST_REQUIRED,
    TRIP_COLUMNS,
    TRIP_FILE_COLUMNS,
    TRIP_OPTIONAL,
    TRIP_REQUIRED,
    VALUE_MAP,
)
from fleetopt.inputs.vehicles import available_pairs, check_combination
from fleetopt.units import format_clock

logger = logging.getLogger(__name__)

__all__ = [
    "COLUMN_MAP",
    "POWERTRAINS",
    "REQUEST_COLUMNS",
    "REQUEST_OPTIONAL",
    "REQUEST_REQUIRED",
    "TRIP_COLUMNS",
    "TRIP_FILE_COLUMNS",
    "TRIP_OPTIONAL",
    "TRIP_REQUIRED",
    "VALUE_MAP",
    "VEHICLE_TYPES",
    "check_requests_frame",
    "check_trips_frame",
    "parse_requests",
    "parse_trips",
    "problems_of",
    "read_requests",
    "read_trips",
    "requests_from_bytes",
    "sort_trips",
    "trips_from_bytes",
]

#: Vehicle types fleetopt simulates (CONTRACT §3).
VEHICLE_TYPES: tuple[str, ...] = ("bus", "taxi", "sanitation", "delivery")
#: Powertrains fleetopt simulates (CONTRACT §6; ``fleetopt/data/powertrains.csv``).
POWERTRAINS: tuple[str, ...] = _powertrains.POWERTRAINS



def _label(path: str | Path, name: str | None) -> str:
    return name if name else str(path)


def _missing_columns(raw: _tabular.RawTable, required: tuple[str, ...], report: Report) -> None:
    for col in required:
        if col not in raw.frame.columns:
            accepted = [col, *_SOURCE_NAMES.get(col, ())][:6]
            report.add(
                f"missing required column {col!r} "
                f"(accepted headers include: {', '.join(accepted)})",
                row=1,
                column=col,
            )


def _unused_columns(raw: _tabular.RawTable, known: tuple[str, ...], report: Report) -> None:
    for col, original in raw.original.items():
        if col not in known:
            report.add(
                f"column {original!r} is not a fleetopt column and is ignored",
                row=1,
                column=col,
                warning=True,
            )


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype(str)
    return pd.Series([""] * len(frame), index=frame.index, dtype=str)


def check_trips_frame(raw: _tabular.RawTable) -> tuple[pd.DataFrame, Report]:
    """Interpret and check a raw trips table; return canonical trips and the report.

    Parameters
    ----------
    raw : fleetopt.inputs._tabular.RawTable
        The table as read at the border.

    Returns
    -------
    tuple of (pandas.DataFrame, Report)
        Canonical trips (rows with errors included, values NaN where unreadable),
        sorted by vehicle_id, departure_s, trip_id; and every problem found.
    """
    report = Report(raw.label, raw.original)
    report.warnings.extend(raw.warnings)
    f = raw.frame
    _missing_columns(raw, TRIP_REQUIRED, report)
    _unused_columns(raw, TRIP_REQUIRED + TRIP_OPTIONAL, report)
    rows = f[_tabular.ROW].to_numpy(dtype="int64")
    has = set(f.columns)
    out = pd.DataFrame(index=f.index)
    out["vehicle_id"] = _checks.parse_text(
        _col(f, "vehicle_id"), rows, "vehicle_id", report, required="vehicle_id" in has
    )
    if "vehicle_type" in has:
        out["vehicle_type"] = _checks.parse_choice(
            f["vehicle_type"],
            rows,
            "vehicle_type",
            report,
            valid=VEHICLE_TYPES,
            aliases=VALUE_MAP["vehicle_type"],
        )
    else:
        out["vehicle_type"] = ""
    if "powertrain" in has:
        out["powertrain"] = _checks.parse_choice(
            f["powertrain"],
            rows,
            "powertrain",
            report,
            valid=POWERTRAINS,
            aliases=VALUE_MAP["powertrain"],
        )
    else:
        out["powertrain"] = ""
    out["trip_id"] = _checks.parse_text(
        _col(f, "trip_id"), rows, "trip_id", report, required="trip_id" in has
    )
    if "trip_id" in has:
        _checks.check_unique(out["trip_id"], rows, "trip_id", report)
    for col, dest in (("departure", "departure_s"), ("arrival", "arrival_s")):
        if col in has:
            out[dest] = _checks.parse_clock(f[col], rows, col, report)
        else:
            out[dest] = np.nan
    dep = out["departure_s"].to_numpy()
    arr = out["arrival_s"].to_numpy()
    early = np.isfinite(dep) & np.isfinite(arr) & (arr < dep)
    report.rows(
        early,
        rows,
        "arrival",
        lambda i: (
            f"arrival {format_clock(arr[i])} is before departure {format_clock(dep[i])}"
            " (times after midnight are written 24:00 and later)"
        ),
    )
    for col in ("origin_lon", "origin_lat", "destination_lon", "destination_lat"):
        if col in has:
            out[col] = _checks.parse_number(f[col], rows, col, report, required=True)
        else:
            out[col] = np.nan
    for end in ("origin", "destination"):
        _checks.check_coordinates(
            out[f"{end}_lon"].to_numpy(),
            out[f"{end}_lat"].to_numpy(),
            rows,
            f"{end}_lon",
            f"{end}_lat",
            report,
        )
    out["distance_km"] = _checks.parse_number(
        _col(f, "distance_km"), rows, "distance_km", report, required=False, minimum=0.0, unit="km"
    )
    out["depot"] = _col(f, "depot").str.strip()
    out["passengers"] = _checks.parse_number(
        _col(f, "passengers"), rows, "passengers", report, required=False, minimum=0.0
    )
    out["payload_t"] = _checks.parse_number(
        _col(f, "payload_t"), rows, "payload_t", report, required=False, minimum=0.0, unit="t"
    )
    out["exempt"] = _checks.parse_bool(_col(f, "exempt"), rows, "exempt", report)
    out["row"] = rows
    out = out.take(_checks.sort_order(out, ["vehicle_id", "departure_s", "trip_id"]))
    out = out.reset_index(drop=True)
    _check_overlaps(out, report)
    _check_one_kind_per_vehicle(out, report)
    _check_known_pairs(out, report)
    return out, report


def _check_known_pairs(trips: pd.DataFrame, report: Report) -> None:
    """Flag a row whose (vehicle type, powertrain) has no vehicle spec (e.g. an LNG taxi)."""
    pairs = [f"{a}/{b}" for a, b in available_pairs()]
    vt = trips["vehicle_type"].astype(str)
    pt = trips["powertrain"].astype(str)
    known = (vt.isin(VEHICLE_TYPES) & pt.isin(POWERTRAINS)).to_numpy()
    bad = known & ~(vt + "/" + pt).isin(pairs).to_numpy()
    vt, pt = vt.to_numpy(dtype=object), pt.to_numpy(dtype=object)

    def msg(i: int) -> str:
        return check_combination(str(vt[i]), str(pt[i]), column="powertrain")[0].message

    report.rows(bad, trips["row"].to_numpy(), "powertrain", msg)


def _check_one_kind_per_vehicle(trips: pd.DataFrame, report: Report) -> None:
    """Flag a vehicle whose type or powertrain changes from one trip to the next."""
    if len(trips) < 2:
        return
    same = _checks.adjacent_equal(trips["vehicle_id"]) & (trips["vehicle_id"] != "").to_numpy()
    rows = trips["row"].to_numpy()
    veh = trips["vehicle_id"].array
    for col in ("vehicle_type", "powertrain"):
        values = trips[col]
        known = (values != "").to_numpy()
        prev_known = np.concatenate([[False], known[:-1]])
        changed = same & known & prev_known & ~_checks.adjacent_equal(values)
        vals: Any = values.array

        def msg(i: int, col: str = col, vals: Any = vals) -> str:
            return (
                f"vehicle {veh[i]!r} is {vals[i - 1]!r} on row {int(rows[i - 1])} but {vals[i]!r} "
                f"here; one vehicle has one {col}"
            )

        report.rows(changed, rows, col, msg)


def _check_overlaps(trips: pd.DataFrame, report: Report) -> None:
    """Flag a trip that departs before the previous trip of the same vehicle arrives."""
    if len(trips) < 2:
        return
    veh = trips["vehicle_id"].array
    dep = trips["departure_s"].to_numpy()
    arr = trips["arrival_s"].to_numpy()
    rows = trips["row"].to_numpy()
    tid = trips["trip_id"].array
    same = _checks.adjacent_equal(trips["vehicle_id"]) & (trips["vehicle_id"] != "").to_numpy()
    prev_arr = np.empty_like(arr)
    prev_arr[0] = np.nan
    prev_arr[1:] = arr[:-1]
    with np.errstate(invalid="ignore"):
        overlap = same & np.isfinite(dep) & np.isfinite(prev_arr) & (dep < prev_arr)

    def msg(i: int) -> str:
        return (
            f"trip {tid[i]!r} of vehicle {veh[i]!r} departs at {format_clock(dep[i])}, before the "
            f"vehicle's previous trip {tid[i - 1]!r} (row {int(rows[i - 1])}) arrives at "
            f"{format_clock(prev_arr[i])}"
        )

    report.rows(overlap, rows, "departure", msg)


def _table_from_bytes(
    data: bytes,
    label: str | None,
    *,
    required: tuple[str, ...],
    columns: tuple[str, ...],
    expected: str,
    check: Callable[[Any], tuple[pd.DataFrame, Report]],
) -> tuple[pd.DataFrame, Report]:
    """Read a trips or requests table; an empty table reports its missing columns and no rows."""
    raw = _tabular.read_table(
        data, label=label, column_map=COLUMN_MAP, required=required, expected=expected
    )
    if raw.frame.empty:
        report = Report(label, raw.original)
        _missing_columns(raw, required, report)
        report.add("the table has a header but no data rows", row=2)
        return pd.DataFrame(columns=[*columns, "row"]), report
    return check(raw)


def trips_from_bytes(data: bytes, label: str | None) -> tuple[pd.DataFrame, Report]:
    """Read and check a trips table; return the canonical trips and the report of problems."""
    return _table_from_bytes(
        data,
        label,
        required=TRIP_REQUIRED,
        columns=TRIP_COLUMNS,
        expected="a trips table (CSV or .xlsx)",
        check=check_trips_frame,
    )


def _finish(
    frame: pd.DataFrame, report: Report, what: str, columns: tuple[str, ...]
) -> pd.DataFrame:
    for w in report.warnings:
        logger.warning("%s", w)
    if report.errors:
        n = len(report.errors)
        msg = f"the {what} file has {n} problem{'s' if n != 1 else ''}"
        raise InputError(msg, report.errors)
    return frame[[*columns, "row"]]


def parse_trips(data: bytes, *, name: str | None = None) -> pd.DataFrame:
    """Parse the bytes of a trips table (CSV in UTF-8/GB18030, or .xlsx).

    Parameters
    ----------
    data : bytes
        File content.
    name : str, optional
        Name shown in messages (an upload's name; never used as a path).

    Returns
    -------
    pandas.DataFrame
        Canonical trips (see :func:`read_trips`).

    Raises
    ------
    InputError
        Listing every problem found, each with row and column.
    """
    frame, report = trips_from_bytes(data, name)
    return _finish(frame, report, "trips", TRIP_COLUMNS)


def read_trips(path: str | Path, *, name: str | None = None) -> pd.DataFrame:
    """Read a trips file (CONTRACT §3) into canonical columns.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV (UTF-8 with or without BOM, GB18030/GBK; comma, tab or semicolon separated)
        or Excel .xlsx with the same header (Chinese headers accepted, see ``COLUMN_MAP``).
    name : str, optional
        Name shown in messages instead of ``path`` (e.g. the upload's name).

    Returns
    -------
    pandas.DataFrame
        Columns ``vehicle_id`` (str), ``vehicle_type``, ``powertrain``, ``trip_id`` (str),
        ``departure_s``, ``arrival_s`` (float, seconds after the service-day start [s]),
        ``origin_lon``, ``origin_lat``, ``destination_lon``, ``destination_lat`` (float, WGS84
        [deg]), ``distance_km`` (float, NaN = use the road distance [km]), ``depot`` (str,
        "" = none), ``passengers`` (float, NaN = unknown), ``payload_t`` (float, NaN =
        unknown [t]), ``exempt`` (bool), ``row`` (int, spreadsheet line of the source row);
        sorted by vehicle_id, departure_s, trip_id.

    Raises
    ------
    InputError
        Listing every problem found, each with file, row and column.
    """
    label = _label(path, name)
    data = _encoding.read_limited(path, name=label)
    return parse_trips(data, name=label)


# -- requests -------------------------------------------------------------------------------------

_ISO_TZ_RE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_BEIJING_UTC_OFFSET_S = 8 * 3600.0  # China Standard Time, UTC+8, no daylight saving since 1991


def _request_departures(series: pd.Series, rows: np.ndarray, report: Report) -> np.ndarray:
    """Parse ``HH:MM[:SS]`` or ISO datetimes; ISO times count from midnight of the earliest date."""
    text = series.str.strip()
    secs, ok = _checks.clock_seconds(text)
    iso_mask = (
        ~ok
        & (text != "").to_numpy()
        & text.str.contains(r"^\d{4}-\d{2}-\d{2}", regex=True).to_numpy()
    )
    if iso_mask.any():
        iso_text = text[iso_mask]
        try:
            stamps = pd.to_datetime(iso_text, format="ISO8601", errors="coerce", utc=True)
        except (ValueError, TypeError, OverflowError):
            stamps = pd.Series(pd.NaT, index=iso_text.index, dtype="datetime64[ns, UTC]")
        aware = iso_text.str.contains(_ISO_TZ_RE.pattern, regex=True).to_numpy()
        epoch = pd.Timestamp("1970-01-01", tz="UTC")
        unix_s = (stamps - epoch).dt.total_seconds().to_numpy(dtype="float64", na_value=np.nan)
        local_s = unix_s + np.where(aware, _BEIJING_UTC_OFFSET_S, 0.0)
        if np.isfinite(local_s).any():
            day0 = np.floor(np.nanmin(local_s) / 86400.0) * 86400.0
            secs = secs.copy()
            secs[iso_mask] = local_s - day0
            ok = ok.copy()
            ok[iso_mask] = np.isfinite(local_s)
    raw = series.to_numpy()

    def msg(i: int) -> str:
        if str(raw[i]).strip() == "":
            return f"departure is empty; {_checks.CLOCK_HELP}, or an ISO datetime"
        return (
            f"{_checks._short(raw[i])} is not a time; {_checks.CLOCK_HELP}, or an ISO datetime "
            "such as 2024-05-01T07:30:00"
        )

    report.rows(~ok, rows, "departure", msg)
    # a day-based simulation needs a bounded horizon: requests spread over years are a
    # mistake (1900..2100 made a 105 M-row load profile), located row by row
    horizon_s = _caps.MAX_HORIZON_DAYS * 86400.0
    good = ok & np.isfinite(secs)
    if good.any():
        first = float(np.min(secs[good]))
        late = good & (secs - first > horizon_s)
        if late.any():

            def span_msg(i: int) -> str:
                return (
                    f"{_checks._short(raw[i])} is {(secs[i] - first) / 86400:,.1f} days after the "
                    f"earliest request; the horizon is at most {_caps.MAX_HORIZON_DAYS} days "
                    f"{_caps.how_to_raise('MAX_HORIZON_DAYS')}"
                )

            report.rows(late, rows, "departure", span_msg)
    return secs


def check_requests_frame(raw: _tabular.RawTable) -> tuple[pd.DataFrame, Report]:
    """Interpret and check a raw requests table; return canonical requests and the report."""
    report = Report(raw.label, raw.original)
    report.warnings.extend(raw.warnings)
    f = raw.frame
    _missing_columns(raw, REQUEST_REQUIRED, report)
    _unused_columns(raw, REQUEST_REQUIRED + REQUEST_OPTIONAL, report)
    rows = f[_tabular.ROW].to_numpy(dtype="int64")
    has = set(f.columns)
    out = pd.DataFrame(index=f.index)
    out["request_id"] = _checks.parse_text(
        _col(f, "request_id"), rows, "request_id", report, required="request_id" in has
    )
    if "request_id" in has:
        _checks.check_unique(out["request_id"], rows, "request_id", report)
    out["departure_s"] = (
        _request_departures(f["departure"].astype(str), rows, report)
        if "departure" in has
        else np.nan
    )
    for col in ("origin_lon", "origin_lat", "destination_lon", "destination_lat"):
        out[col] = (
            _checks.parse_number(f[col], rows, col, report, required=True) if col in has else np.nan
        )
    for end in ("origin", "destination"):
        _checks.check_coordinates(
            out[f"{end}_lon"].to_numpy(),
            out[f"{end}_lat"].to_numpy(),
            rows,
            f"{end}_lon",
            f"{end}_lat",
            report,
        )
    pax = _checks.parse_number(
        _col(f, "passengers"), rows, "passengers", report, required=False, minimum=0.0
    )
    out["passengers"] = np.where(np.isnan(pax), 1.0, pax)
    out["max_wait_min"] = _checks.parse_number(
        _col(f, "max_wait_min"),
        rows,
        "max_wait_min",
        report,
        required=False,
        minimum=0.0,
        unit="min",
    )
    out["row"] = rows
    out = out.sort_values(["departure_s", "request_id"], kind="stable", na_position="last")
    return out.reset_index(drop=True), report


def requests_from_bytes(data: bytes, label: str | None) -> tuple[pd.DataFrame, Report]:
    """Read and check a ride-requests table; return the canonical requests and the report."""
    return _table_from_bytes(
        data,
        label,
        required=REQUEST_REQUIRED,
        columns=REQUEST_COLUMNS,
        expected="a ride-requests table (CSV or .xlsx)",
        check=check_requests_frame,
    )


def parse_requests(data: bytes, *, name: str | None = None) -> pd.DataFrame:
    """Parse the bytes of a ride-requests table; see :func:`read_requests`."""
    frame, report = requests_from_bytes(data, name)
    return _finish(frame, report, "requests", REQUEST_COLUMNS)


def read_requests(path: str | Path, *, name: str | None = None) -> pd.DataFrame:
    """Read a ride-requests file (taxi demand, CONTRACT §3) into canonical columns.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV (UTF-8/GB18030) or .xlsx with ``request_id``, ``departure`` (``HH:MM[:SS]`` or
        an ISO datetime; with a UTC offset it is converted to Beijing time), origin and
        destination coordinates (WGS84), optional ``passengers``, ``max_wait_min``.
    name : str, optional
        Name shown in messages instead of ``path``.

    Returns
    -------
    pandas.DataFrame
        Columns ``request_id`` (str), ``departure_s`` (float, seconds after the service-day
        start; for ISO datetimes the day starts at midnight of the earliest date [s]),
        ``origin_lon``, ``origin_lat``, ``destination_lon``, ``destination_lat`` (float
        [deg]), ``passengers`` (float, default 1), ``max_wait_min`` (float, NaN = scenario
        default [min]), ``row`` (int); sorted by departure_s, request_id.

    Raises
    ------
    InputError
        Listing every problem found, each with file, row and column.
    """
    label = _label(path, name)
    data = _encoding.read_limited(path, name=label)
    return parse_requests(data, name=label)


def sort_trips(trips: pd.DataFrame) -> pd.DataFrame:
    """Return ``trips.sort_values(["vehicle_id", "departure_s", "trip_id"], kind="stable")``.

    The trip id only orders a vehicle's trips that leave at the same time: when no two do
    (and neither key is missing), the stable sort by vehicle and departure is the same
    order, found without comparing millions of trip ids.
    """
    keys = ["vehicle_id", "departure_s", "trip_id"]
    if len(trips) > 1 and not trips[keys[:2]].isna().to_numpy().any():
        head = trips.sort_values(keys[:2], kind="stable")
        vid, dep = head["vehicle_id"].to_numpy(), head["departure_s"].to_numpy()
        if not ((vid[1:] == vid[:-1]) & (dep[1:] == dep[:-1])).any():
            return head
    return trips.sort_values(keys, kind="stable")


def problems_of(exc: InputError) -> list[Problem]:
    """Return an error's located problems, or one unlocated problem with its message."""
    return exc.problems or [Problem(exc.message)]
