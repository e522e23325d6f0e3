"""Check string columns of a raw table, vectorised, and collect located problems.

Each ``parse_*``/``check_*`` function takes a column of strings (as read at the border)
and returns the interpreted values; bad cells become located :class:`Problem` records
in a :class:`Report`. Used by the trips, requests and GTFS readers.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.errors import Problem

logger = logging.getLogger(__name__)

CLOCK_HELP = "expected HH:MM or HH:MM:SS (hours may pass 24 for after-midnight service, up to 47)"


def _short(value: object) -> str:
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text)


class Report:
    """Collect errors and warnings, each located by file, row and column.

    Parameters
    ----------
    label : str or None
        File name written into every problem.
    columns : mapping of str to str, optional
        Canonical column name -> header as written in the file (shown in problems).
    """

    def __init__(self, label: str | None, columns: Mapping[str, str] | None = None) -> None:
        self.label = label
        self.columns = dict(columns or {})
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.max_listed = int(defaults.value("input_checks", "max_listed_per_problem"))

    def column_name(self, column: str | None) -> str | None:
        """Return the header as the file writes it for a canonical column."""
        if column is None:
            return None
        return self.columns.get(column, column)

    def add(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        warning: bool = False,
    ) -> None:
        """Add one problem."""
        p = Problem(message, row=row, column=self.column_name(column), file=self.label)
        (self.warnings if warning else self.errors).append(p)

    def rows(
        self,
        mask: np.ndarray | pd.Series,
        rows: np.ndarray,
        column: str | None,
        message: str | Callable[[int], str],
        *,
        warning: bool = False,
    ) -> int:
        """Add one problem per flagged row (listing at most ``max_listed``, then a count).

        Parameters
        ----------
        mask : array of bool
            True where the row has the problem (positions in ``rows``).
        rows : array of int
            Spreadsheet line numbers of the rows.
        column : str or None
            Canonical column name.
        message : str or callable
            Message, or a function of the row position returning it.
        warning : bool
            File as a warning instead of an error.

        Returns
        -------
        int
            Number of flagged rows.
        """
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if idx.size == 0:
            return 0
        for i in idx[: self.max_listed]:
            text = message(int(i)) if callable(message) else message
            self.add(text, row=int(rows[i]), column=column, warning=warning)
        if idx.size > self.max_listed:
            more = idx.size - self.max_listed
            first = message(int(idx[0])) if callable(message) else message
            self.add(
                f"{more:,} more rows have the same kind of problem as row {int(rows[idx[0]])} "
                f"({first})",
                column=column,
                warning=warning,
            )
        return int(idx.size)


def _fold(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def fold_codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Factorize a column and fold each distinct value (NFKC, trimmed, lower case) once.

    Returns
    -------
    codes : numpy.ndarray
        Index into ``folded`` per row (missing cells point at an extra ``""``).
    folded : list of str
        Folded distinct values, plus ``""`` last.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    folded = [_fold(u) for u in uniques] + [""]
    codes = np.where(codes < 0, len(folded) - 1, codes)
    return codes, folded


def normalise_value(series: pd.Series) -> pd.Series:
    """Fold text for lookups: NFKC (full-width to ASCII), trimmed, lower case."""
    codes, folded = fold_codes(series)
    return _strings_from_codes(codes, folded, series.index)


def parse_text(
    series: pd.Series, rows: np.ndarray, column: str, report: Report, *, required: bool
) -> pd.Series:
    """Trim an identifier/text column; flag empty cells when ``required``."""
    out = series.str.strip()
    if required:
        report.rows((out == "").to_numpy(), rows, column, f"{column} is empty")
    return out


def parse_choice(
    series: pd.Series,
    rows: np.ndarray,
    column: str,
    report: Report,
    *,
    valid: Sequence[str],
    aliases: Mapping[str, str],
) -> pd.Series:
    """Map a categorical column onto ``valid`` values (aliases accepted); flag the rest."""
    codes, folded = fold_codes(series)
    mapping = {v: v for v in valid}
    mapping.update({_fold(k): v for k, v in aliases.items()})
    mapped = [mapping.get(f) for f in folded]
    bad_u = np.array([m is None for m in mapped], dtype=bool)
    bad = bad_u[codes]
    raw = series.array  # indexed only for flagged rows
    listing = ", ".join(valid)

    def msg(i: int) -> str:
        if str(raw[i]).strip() == "":
            return f"{column} is empty; valid values: {listing}"
        return f"unknown {column} {_short(raw[i])}; valid values: {listing}"

    report.rows(bad, rows, column, msg)
    return _strings_from_codes(codes, [m or "" for m in mapped], series.index)


def _strings_from_codes(codes: np.ndarray, values: list[str], index: pd.Index) -> pd.Series:
    """Build a string column ``values[codes]`` without creating a Python object per row."""
    import pyarrow as pa

    arr = pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32)), pa.array(values, pa.string())
    )
    return pd.Series(
        pd.array(arr.cast(pa.string()), dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
        index=index,
    )


_CLOCK_RE = r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$"


def clock_seconds(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``HH:MM[:SS]`` strings (hours 0-47) to seconds; return (seconds, ok mask).

    Each distinct text is parsed once (a timetable repeats few clock times), then spread
    back over the rows, so a million rows cost about as much as their distinct values.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniq = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    parts = uniq.str.extract(_CLOCK_RE) if len(uniq) else pd.DataFrame({0: [], 1: [], 2: []})
    h = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    m = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    s = pd.to_numeric(parts[2], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    s = np.where(np.isnan(s), 0.0, s)
    ok_u = ~np.isnan(h) & ~np.isnan(m) & (h < 48) & (m < 60) & (s < 60)
    secs_u = np.where(ok_u, h * 3600.0 + m * 60.0 + s, np.nan)
    secs_u = np.append(secs_u, np.nan)  # code -1 (missing) -> NaN, not ok
    ok_u = np.append(ok_u, False)
    return secs_u[codes], ok_u[codes]


def parse_clock(series: pd.Series, rows: np.ndarray, column: str, report: Report) -> np.ndarray:
    """Parse a required clock-time column to seconds after the service-day start [s]."""
    secs, ok = clock_seconds(series)
    raw = series.array  # indexed only for flagged rows

    def msg(i: int) -> str:
        if str(raw[i]).strip() == "":
            return f"{column} is empty; {CLOCK_HELP}"
        return f"{_short(raw[i])} is not a time; {CLOCK_HELP}"

    report.rows(~ok, rows, column, msg)
    return secs


def _arrow_strings(series: pd.Series) -> Any:
    """Return the column as an Arrow string array (zero-copy for Arrow-backed columns)."""
    import pyarrow as pa

    try:
        arr = pa.array(series.array)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        arr = pa.array(series.astype(object).tolist(), type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return arr


def adjacent_equal(series: pd.Series) -> np.ndarray:
    """Return ``out[i] = series[i] == series[i - 1]`` (False for the first row), via Arrow."""
    import pyarrow.compute as pc

    n = len(series)
    out = np.zeros(n, dtype=bool)
    if n > 1:
        arr = _arrow_strings(series)
        eq = pc.equal(arr[1:], arr[:-1]).fill_null(False)
        out[1:] = eq.to_numpy(zero_copy_only=False)
    return out


def sort_order(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Return the row order sorting ``frame`` by ``keys`` ascending (stable, Arrow's sort)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = {}
    for k in keys:
        s = frame[k]
        if pd.api.types.is_numeric_dtype(s.dtype):
            cols[k] = pa.array(s.to_numpy(dtype="float64"), from_pandas=True)
        else:
            cols[k] = _arrow_strings(s)
    cols["__pos"] = pa.array(np.arange(len(frame), dtype=np.int64))
    idx = pc.sort_indices(
        pa.table(cols), sort_keys=[(k, "ascending", "at_end") for k in [*keys, "__pos"]]
    )
    return np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int64)


def _to_float(text: pd.Series, empty: np.ndarray) -> np.ndarray:
    """Convert trimmed strings to float64 (NaN where empty or not a number), fast path in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = _arrow_strings(text)
        arr = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), arr)
        return np.asarray(
            pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype="float64"
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError, TypeError):
        pass  # some cell is not a number: let pandas find which
    return pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(  # type: ignore[no-any-return]
        dtype="float64", na_value=np.nan
    )


def parse_number(
    series: pd.Series,
    rows: np.ndarray,
    column: str,
    report: Report,
    *,
    required: bool,
    minimum: float | None = None,
    unit: str = "",
) -> np.ndarray:
    """Parse a numeric column; empty -> NaN (error if ``required``); flag values < ``minimum``."""
    text = series.str.strip()
    empty = (text == "").to_numpy()
    values = _to_float(text, empty)
    bad = ~empty & ~np.isfinite(values)
    raw = series.array  # indexed only for flagged rows
    report.rows(bad, rows, column, lambda i: f"{_short(raw[i])} is not a number")
    if required:
        report.rows(empty, rows, column, f"{column} is empty; a number is required")
    values = np.where(bad, np.nan, values)
    if minimum is not None:
        low = np.isfinite(values) & (values < minimum)
        u = f" {unit}" if unit else ""
        report.rows(
            low,
            rows,
            column,
            lambda i: f"{column} is {values[i]:g}{u}; it must be >= {minimum:g}{u}",
        )
    return values


_TRUE = {"1", "true", "t", "yes", "y", "是", "真", "x", "✓"}
_FALSE = {"0", "false", "f", "no", "n", "否", "假", ""}


def parse_bool(series: pd.Series, rows: np.ndarray, column: str, report: Report) -> np.ndarray:
    """Parse a yes/no column (true/false, 1/0, yes/no, 是/否; empty = False)."""
    codes, folded = fold_codes(series)
    is_true = np.array([f in _TRUE for f in folded], dtype=bool)[codes]
    is_false = np.array([f in _FALSE for f in folded], dtype=bool)[codes]
    raw = series.array  # indexed only for flagged rows
    report.rows(
        ~is_true & ~is_false,
        rows,
        column,
        lambda i: f"{_short(raw[i])} is not yes/no; use true/false, 1/0, yes/no or 是/否",
    )
    return np.asarray(is_true, dtype=bool)


def beijing_box() -> tuple[float, float, float, float]:
    """Return Beijing municipality's (lon_min, lat_min, lon_max, lat_max) [deg] from the table."""
    v = defaults.value
    return (
        v("input_checks", "beijing_lon_min_deg"),
        v("input_checks", "beijing_lat_min_deg"),
        v("input_checks", "beijing_lon_max_deg"),
        v("input_checks", "beijing_lat_max_deg"),
    )


def check_coordinates(
    lon: np.ndarray,
    lat: np.ndarray,
    rows: np.ndarray,
    lon_col: str,
    lat_col: str,
    report: Report,
    *,
    region: tuple[float, float, float, float] | None = None,
    region_name: str = "Beijing",
) -> None:
    """Flag coordinates off the globe (error) and outside the region (warning, swap hint).

    The region is the scenario's road network's box when known, else Beijing's. A file
    lying mostly outside the region (another city's feed) gets one summary warning, not
    one per row; a few stray points of a file inside it are listed row by row.
    """
    fin = np.isfinite(lon) & np.isfinite(lat)
    bad_lon = np.isfinite(lon) & ((lon < -180) | (lon > 180))
    bad_lat = np.isfinite(lat) & ((lat < -90) | (lat > 90))
    x0, y0, x1, y1 = region if region is not None else beijing_box()
    swapped = (lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)

    def hint(i: int) -> str:
        return "; longitude and latitude look swapped" if swapped[i] else ""

    report.rows(
        bad_lon,
        rows,
        lon_col,
        lambda i: f"longitude {lon[i]:g} is off the globe (valid: -180 to 180){hint(i)}",
    )
    report.rows(
        bad_lat,
        rows,
        lat_col,
        lambda i: f"latitude {lat[i]:g} is off the globe (valid: -90 to 90){hint(i)}",
    )
    inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    outside = fin & ~bad_lon & ~bad_lat & ~inside

    def msg(i: int) -> str:
        return (
            f"({lon[i]:g}, {lat[i]:g}) is outside {region_name} "
            f"({x0:g}-{x1:g} E, {y0:g}-{y1:g} N){hint(i)}"
        )

    n_out, n_fin = int(outside.sum()), int((fin & ~bad_lon & ~bad_lat).sum())
    if n_out > 10 and 2 * n_out > n_fin:  # another region's file: say it once
        first = int(np.flatnonzero(outside)[0])
        report.add(
            f"{n_out:,} of {n_fin:,} points lie outside {region_name} "
            f"({x0:g}-{x1:g} E, {y0:g}-{y1:g} N), e.g. ({lon[first]:g}, {lat[first]:g}); "
            "the scenario's road network must cover them",
            row=int(rows[first]),
            column=lon_col,
            warning=True,
        )
        return
    report.rows(outside, rows, lon_col, msg, warning=True)


def check_unique(ids: pd.Series, rows: np.ndarray, column: str, report: Report) -> None:
    """Flag every repeat of an id (the first occurrence is kept), naming the first row."""
    import pyarrow.compute as pc

    if len(pc.unique(_arrow_strings(ids))) == len(ids):
        return
    dup = ids.duplicated(keep="first").to_numpy() & (ids != "").to_numpy()
    if not dup.any():
        return
    codes, _ = pd.factorize(ids)
    first_pos = pd.Series(np.arange(len(ids))).groupby(codes).transform("min").to_numpy()
    vals = ids.array
    report.rows(
        dup,
        rows,
        column,
        lambda i: f"duplicate {column} {_short(vals[i])}; first on row {int(rows[first_pos[i]])}",
    )
