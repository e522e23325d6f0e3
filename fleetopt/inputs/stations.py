"""Read energy stations (depot, public DC, battery swap, hydrogen) into one canonical table.

Stations come from a CSV file (CONTRACT §3 "Stations file") or from ``[[stations]]``
tables of a scenario. Both end up as the same :class:`pandas.DataFrame` with columns
:data:`STATION_COLUMNS`. Every problem is reported at once as a located
:class:`~fleetopt.errors.Problem`.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from fleetopt import defaults
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps, _encoding, _tabular

logger = logging.getLogger(__name__)

#: File name endings of a stations table; the header of another file is never echoed.
DATA_SUFFIXES = (".csv", ".tsv", ".txt")

#: Station kinds CONTRACT §3 knows.
STATION_KINDS = ("depot", "public", "swap", "hydrogen")

#: Canonical columns of the stations table, in order.
STATION_COLUMNS = (
    "id",
    "kind",
    "lon",
    "lat",
    "plugs",
    "plug_kw",
    "swap_min",
    "batteries",
    "dispensers",
    "kg_per_min",
    "kg_per_day",
    "existing",
)

#: Keys a station record may carry, with (type, required, lower bound) [unit in the name].
_FIELDS: dict[str, tuple[str, bool, float | None]] = {
    "id": ("str", True, None),
    "kind": ("str", True, None),
    "lon": ("float", True, None),
    "lat": ("float", True, None),
    "plugs": ("int", False, 0),
    "plug_kw": ("float", False, 0),
    "swap_min": ("float", False, 0),
    "batteries": ("int", False, 0),
    "dispensers": ("int", False, 0),
    "kg_per_min": ("float", False, 0),
    "kg_per_day": ("float", False, 0),
    "existing": ("bool", False, None),
    "name": ("str", False, None),
}

_DEFAULT_NUMBERS = {
    "plugs": 0,
    "plug_kw": 0.0,
    "swap_min": 0.0,
    "batteries": 0,
    "dispensers": 0,
    "kg_per_min": 0.0,
    "kg_per_day": math.inf,
}


@cache
def _upper_bounds() -> dict[str, tuple[float, str]]:
    """Plausible upper ends of station numbers: key -> (value, unit), from input_checks.csv."""
    table = defaults.load_table("input_checks")
    out = {}
    for r in table.itertuples(index=False):
        name = str(r.name)
        if name.startswith("station_") and name.endswith("_max"):
            out[name[len("station_") : -len("_max")]] = (float(r.value), str(r.unit))
    return out


def _is_empty(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and math.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


def _coerce(key: str, raw: Any, kind: str) -> tuple[Any, str | None]:
    """Convert one cell; return (value, error message or None)."""
    if kind == "str":
        return str(raw).strip(), None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "y"):
            return True, None
        if text in ("0", "false", "no", "n"):
            return False, None
        return None, f"{key} must be true or false, got {raw!r}"
    try:
        if isinstance(raw, bool):
            raise TypeError
        num = float(raw)
    except (TypeError, ValueError):
        return None, f"{key} must be a number, got {raw!r}"
    if not math.isfinite(num) and not (key == "kg_per_day" and num == math.inf):
        return None, f"{key} must be finite, got {raw!r}"
    if kind == "int":
        if num != int(num):
            return None, f"{key} must be a whole number, got {raw!r}"
        return int(num), None
    return num, None


def stations_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    file: str | None = None,
    row_offset: int = 0,
    column_prefix: str | None = None,
) -> pd.DataFrame:
    """Build the canonical stations table from records (dicts), checking every field.

    Parameters
    ----------
    records : iterable of mapping
        One mapping per station with the keys of CONTRACT §3.
    file : str, optional
        File name used in located problems.
    row_offset : int
        Number added to the 0-based record index to give the problem's row (2 for a CSV
        file whose header is line 1); ignored when ``column_prefix`` is given.
    column_prefix : str, optional
        For scenario tables: problems are located by dotted key ``<prefix>.<i>.<key>``
        instead of by row.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATION_COLUMNS`, one row per station.

    Raises
    ------
    InputError
        Listing every problem (unknown keys and kinds, missing or bad values, duplicate ids).
    """
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def where(i: int, key: str) -> tuple[int | None, str]:
        if column_prefix is not None:
            return None, f"{column_prefix}.{i}.{key}"
        return i + row_offset, key

    for i, rec in enumerate(records):
        out: dict[str, Any] = dict(_DEFAULT_NUMBERS)
        out["existing"] = True
        for key, raw in rec.items():
            if key not in _FIELDS:
                r, c = where(i, str(key))
                problems.append(
                    Problem(
                        f"unknown station key {key!r}; allowed: {', '.join(_FIELDS)}", r, c, file
                    )
                )
                continue
            if _is_empty(raw):
                continue
            val, msg = _coerce(key, raw, _FIELDS[key][0])
            if msg is not None:
                r, c = where(i, key)
                problems.append(Problem(msg, r, c, file))
                continue
            low = _FIELDS[key][2]
            if low is not None and val < low:
                r, c = where(i, key)
                problems.append(Problem(f"{key} must be >= {low}, got {raw!r}", r, c, file))
                continue
            high = _upper_bounds().get(key)
            if high is not None and val > high[0] and not (key == "kg_per_day" and val == math.inf):
                r, c = where(i, key)
                problems.append(Problem(
                    f"{key} = {val:g} is not plausible; expected {low:g}..{high[0]:g} {high[1]} "
                    f"(input_checks.csv station_{key}_max)", r, c, file))
            out[key] = val
        for key, (_, required, _) in _FIELDS.items():
            if required and _is_empty(rec.get(key)):
                r, c = where(i, key)
                problems.append(Problem(f"{key} is required", r, c, file))
        kind = out.get("kind")
        if isinstance(kind, str) and kind not in STATION_KINDS:
            r, c = where(i, "kind")
            problems.append(
                Problem(
                    f"unknown station kind {kind!r}; allowed: {', '.join(STATION_KINDS)}",
                    r,
                    c,
                    file,
                )
            )
        lon, lat = out.get("lon"), out.get("lat")
        if isinstance(lon, float) and not -180 <= lon <= 180:
            r, c = where(i, "lon")
            problems.append(Problem(f"lon must be within -180..180 degrees, got {lon}", r, c, file))
        if isinstance(lat, float) and not -90 <= lat <= 90:
            r, c = where(i, "lat")
            problems.append(Problem(f"lat must be within -90..90 degrees, got {lat}", r, c, file))
        if kind in ("depot", "public") and out["plugs"] >= 1 and out["plug_kw"] <= 0:
            r, c = where(i, "plug_kw")
            problems.append(Problem("a charging station with plugs needs plug_kw > 0", r, c, file))
        if kind == "swap" and out["swap_min"] <= 0:
            r, c = where(i, "swap_min")
            problems.append(Problem("a swap station needs swap_min > 0", r, c, file))
        if kind == "swap" and out["batteries"] < 1:
            r, c = where(i, "batteries")
            problems.append(Problem("a swap station needs batteries >= 1", r, c, file))
        if kind == "hydrogen":
            if out["dispensers"] < 1:
                r, c = where(i, "dispensers")
                problems.append(Problem("a hydrogen station needs dispensers >= 1", r, c, file))
            if out["kg_per_min"] <= 0:
                r, c = where(i, "kg_per_min")
                problems.append(Problem("a hydrogen station needs kg_per_min > 0", r, c, file))
        sid = out.get("id")
        if isinstance(sid, str) and sid:
            if sid in seen:
                r, c = where(i, "id")
                problems.append(
                    Problem(
                        f"duplicate station id {sid!r} (first at record {seen[sid] + 1})",
                        r,
                        c,
                        file,
                    )
                )
            else:
                seen[sid] = i
        rows.append(out)
    if problems:
        msg = f"{len(problems)} problem(s) in the stations" + (f" of {file}" if file else "")
        raise InputError(msg, problems)
    df = pd.DataFrame(rows, columns=list(STATION_COLUMNS))
    if df.empty:
        return empty_stations()
    return df.astype(
        {
            "id": str,
            "kind": str,
            "lon": float,
            "lat": float,
            "plugs": int,
            "plug_kw": float,
            "swap_min": float,
            "batteries": int,
            "dispensers": int,
            "kg_per_min": float,
            "kg_per_day": float,
            "existing": bool,
        }
    ).reset_index(drop=True)


def empty_stations() -> pd.DataFrame:
    """Return an empty stations table with the canonical columns and dtypes."""
    return pd.DataFrame(
        {
            "id": pd.Series(dtype=str),
            "kind": pd.Series(dtype=str),
            "lon": pd.Series(dtype=float),
            "lat": pd.Series(dtype=float),
            "plugs": pd.Series(dtype=int),
            "plug_kw": pd.Series(dtype=float),
            "swap_min": pd.Series(dtype=float),
            "batteries": pd.Series(dtype=int),
            "dispensers": pd.Series(dtype=int),
            "kg_per_min": pd.Series(dtype=float),
            "kg_per_day": pd.Series(dtype=float),
            "existing": pd.Series(dtype=bool),
        }
    )


def read_stations(path: str | Path) -> pd.DataFrame:
    """Read a stations CSV file (CONTRACT §3) into the canonical table.

    Parameters
    ----------
    path : str or Path
        CSV file, UTF-8 (with or without BOM) or GB18030.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATION_COLUMNS`.

    Raises
    ------
    InputError
        If the file cannot be read or any row is bad (row = spreadsheet line number).
    """
    p = Path(path)
    if not p.is_file():
        msg = f"stations file not found: {p}"
        raise InputError(msg, [Problem("file not found", None, None, str(p))])
    raw = _encoding.read_limited(p)  # regular data file under the size cap; never /etc, /proc
    lines = raw.count(b"\n")
    if lines > _caps.MAX_STATIONS + 1:
        raise _caps.over_cap(f"the stations file has {lines:,} lines", "MAX_STATIONS",
                             _caps.MAX_STATIONS, file=str(p))
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        msg = f"{p}: cannot decode as UTF-8 or GB18030"
        raise InputError(msg, [Problem("cannot decode", None, None, str(p))])
    _tabular.check_width(text, ",", str(p))
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"{p}: not a CSV file ({exc})"
        raise InputError(msg, [Problem(str(exc), None, None, str(p))]) from None
    df.columns = [str(c).strip() for c in df.columns]
    # header problems: one per column at line 1, not one per row
    unknown = [c for c in df.columns if c not in _FIELDS]
    no_required = not any(k in df.columns for k, v in _FIELDS.items() if v[1])
    if unknown and (p.suffix.lower() not in DATA_SUFFIXES or len(unknown) > 20 or no_required):
        # not a stations table at all: name the file, never echo its content
        need = ", ".join(k for k, v in _FIELDS.items() if v[1])
        msg = (
            f"{p.name} is not a stations table: its first line is not a header with the "
            f"columns {need} (a {'/'.join(DATA_SUFFIXES)} file)"
        )
        raise InputError(msg, [Problem(msg, 1, None, str(p))])
    problems = [
        Problem(
            f"unknown station column {_tabular.excerpt(c)!r}; allowed: {', '.join(_FIELDS)}",
            1, _tabular.excerpt(c), str(p),
        )
        for c in unknown
    ]
    problems += [
        Problem(f"required station column {k!r} is missing", 1, k, str(p))
        for k, (_, required, _) in _FIELDS.items()
        if required and k not in df.columns
    ]
    if problems:
        msg = f"{len(problems)} problem(s) in the stations of {p}"
        raise InputError(msg, problems)
    records = df.to_dict(orient="records")
    return stations_from_records(records, file=str(p), row_offset=2)
