"""Hold the kernel's log (lists of tuples) and turn it into tables column by column.

Also :class:`ClockEnd` (what the tables read of a finished clock) and the table helpers a
city-sized day needs: :func:`append_rows` (two tables appended one column at a time),
:func:`by_station` (the segments' arrays per station), :func:`text_values` (a text column
handed on without Python strings), :func:`text_array` (an object array of text made a
``str`` array by Arrow) and :func:`text_isin` (``isin`` with an Arrow value set).

``pandas.DataFrame(list_of_tuples)`` guesses every column's type from the whole log; a city
day logs millions of rows. Here the tuples are read a few hundred at a time straight into
arrays of the columns' known types (float, int, bool, or text that Arrow stores as pandas'
string type, as before) and freed as they are read, so the log is gone before the next
table is built.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ClockEnd",
    "Log",
    "append_rows",
    "by_station",
    "frame_of",
    "text_array",
    "text_isin",
    "text_values",
]


@dataclass
class Log:
    """Everything the kernel records (plain lists of tuples, turned into tables at the end).

    Attributes
    ----------
    trips : list
        ``(trip_row, served, reason, start_s, end_s, delay_s, soc_start, soc_end,
        battery_kwh, hydrogen_kg, deadhead_km, fuel)`` per trip the clock handled; ``fuel``
        is the fuel a phev burnt once its battery was at ``min_soc`` [L].
    sessions : list
        ``(vehicle_id, vehicle_type, station_index, action, arrive_s, plug_s, end_s,
        battery_kwh, grid_kwh, hydrogen_kg, soc_in, soc_out)``; action is charge | swap |
        hydrogen | gave_up.
    segments : list
        ``(station_index, vehicle_type, start_s, end_s, grid_kw)`` constant grid power.
    events : list
        ``(t_s, vehicle_id, event, soc, station_id)``.
    vehicles : dict
        Per vehicle id: final ``soc``, ``idle_kwh``, ``extra_km`` (pull-in),
        ``extra_energy`` (its battery kWh or hydrogen kg), ``extra_fuel`` (fuel burnt on
        drives outside the trips: a phev's pull-in, a fuel taxi's last repositioning) [L or
        kg], ``drawn_kwh``, ``charged_kwh``, ``refuel_kg``, ``soc_start``.
    """

    trips: list[tuple[Any, ...]] = field(default_factory=list)
    sessions: list[tuple[Any, ...]] = field(default_factory=list)
    segments: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    vehicles: dict[str, dict[str, float]] = field(default_factory=dict)

    def gave_up(
        self, vid: str, vtype: str, station_index: int, arrive_s: float, end_s: float, soc: float
    ) -> None:
        """Record a station visit that ended without energy (no plug or stock in time)."""
        self.sessions.append(
            (vid, vtype, station_index, "gave_up", arrive_s, math.nan, end_s, 0.0, 0.0, 0.0,
             soc, soc)
        )


@dataclass(frozen=True)
class ClockEnd:
    """What the result's tables read of a finished clock (a ``Model`` has the same names).

    Attributes
    ----------
    t0, t_end : float
        The horizon [s].
    temp_factor : float
        The model's temperature factor.
    """

    t0: float
    t_end: float
    temp_factor: float

    @classmethod
    def of(cls, model: Any) -> ClockEnd:
        """Return the horizon and temperature factor of ``model`` (a finished ``Model``)."""
        return cls(float(model.t0), float(model.t_end), float(model.temp_factor))


_DTYPES = {"f": np.float64, "i": np.int64, "b": np.bool_, "o": object}
#: Log tuples turned into columns at a time (:func:`frame_of`).
_CHUNK_ROWS = 256


def frame_of(rows: list[tuple[Any, ...]], columns: list[str], kinds: str) -> pd.DataFrame:
    """Return the rows as a table and empty ``rows``.

    Parameters
    ----------
    rows : list of tuple
        A list of the kernel's :class:`~fleetopt.simulation.kernel.Log` (emptied here).
    columns : list of str
        Column names, one per tuple field.
    kinds : str
        One letter per column: ``f`` float, ``i`` integer, ``b`` bool, ``o`` text (or other
        objects, typed by pandas).

    Returns
    -------
    pandas.DataFrame
        The same table as ``pandas.DataFrame(rows, columns=columns)`` (an empty log gives
        exactly that).
    """
    if not rows:
        return pd.DataFrame(rows, columns=columns)
    n = len(rows)
    dtypes = [_DTYPES[kind] for kind in kinds]
    if len(dtypes) != len(columns):
        raise ValueError(f"{len(columns)} columns but {len(kinds)} kinds")
    arrays: list[np.ndarray] = [np.empty(n, dtype=dt) for dt in dtypes]
    # a few hundred tuples at a time, turned into columns while they are in the cache and then
    # dropped from the list (freed there): the canonical sort left the tuples scattered in
    # memory, and a pass per column over the whole log reads every tuple once per column
    # (values are converted as ``np.fromiter`` converts them: the arrays' own assignment)
    nones = [None] * _CHUNK_ROWS
    held: list[Any] = rows  # its read tuples are replaced by None
    for a in range(0, n, _CHUNK_ROWS):
        part = rows[a : a + _CHUNK_ROWS]
        m = len(part)
        cols = list(zip(*part, strict=True))
        held[a : a + m] = nones[:m]
        del part
        for arr, col in zip(arrays, cols, strict=True):
            arr[a : a + m] = col
        del cols
    rows.clear()
    return pd.DataFrame(
        {
            name: text_array(arr) if arr.dtype == object else arr
            for name, arr in zip(columns, arrays, strict=True)
        }
    )


def text_array(values: np.ndarray) -> Any:
    """Return an object array as the ``str`` array a new table would make of it, when it is text.

    ``pd.DataFrame`` types an object array of text (and missing values) as ``str``, one
    Python string at a time; Arrow builds the same array in one pass. Anything else (no
    text, mixed types) is handed on as objects, for pandas to type as before.
    """
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return values
    return pd.array(pa.array(values, type=pa.string(), from_pandas=True), dtype="str")


def text_values(col: pd.Series) -> Any:
    """Return a column's values for a new table: a ``str`` column's own text array, else objects.

    A new table turns an object array of text into a ``str`` column again; handing it the
    ``str`` column's array gives the same column without a Python string per row.
    """
    return col.array if col.dtype == "str" else col.to_numpy()


def text_isin(col: pd.Series, values: Any) -> pd.Series:
    """Return ``col.isin(values)``; for a ``str`` column and text values, with Arrow's value set.

    pandas makes an Arrow scalar of every value first (a city's vehicle ids: ~0.6 s); here
    the value set is one Arrow array of the same values and the same ``is_in`` runs.
    Anything else is ``col.isin(values)``.
    """
    vals = list(values)
    if col.dtype != "str" or not all(isinstance(v, str) for v in vals):
        return col.isin(vals)
    data = pa.array(col.array)
    if not vals:  # as pandas: no value, no match
        return pd.Series(np.zeros(len(col), dtype=bool), index=col.index, name=col.name)
    hit = pc.is_in(data, value_set=pa.array(vals, type=data.type))
    return pd.Series(np.array(hit, dtype=np.bool_), index=col.index, name=col.name)


def append_rows(top: pd.DataFrame, bottom: pd.DataFrame) -> pd.DataFrame:
    """Return ``pd.concat([top, bottom], ignore_index=True)``, built one column at a time.

    With the same columns, each column is concatenated as ``pd.concat`` does it and the
    two parts are dropped at once, so a city's trips table (millions of rows) is held
    about once, not three times (both parts and the whole). Other columns: ``pd.concat``.
    """
    if list(top.columns) != list(bottom.columns) or top.columns.has_duplicates:
        return pd.concat([top, bottom], ignore_index=True)
    whole = pd.DataFrame(index=pd.RangeIndex(len(top) + len(bottom)))
    for name in list(top.columns):
        whole[name] = pd.concat([top.pop(name), bottom.pop(name)], ignore_index=True)
    return whole


def by_station(
    seg: pd.DataFrame,
) -> Iterator[tuple[Any, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(station_id, start_s, end_s, grid_kw)`` per station of the segments.

    Stations in ``seg.groupby("station_id")`` order, rows in table order within each: the
    arrays of iterating the groups, without a table per station (a city has thousands).
    """
    if not len(seg):
        return
    g = seg.groupby("station_id")
    rows = g.indices
    start, end, kw = (seg[c].to_numpy(float) for c in ("start_s", "end_s", "grid_kw"))
    for sid in g.size().index:
        i = rows[sid]
        yield sid, start[i], end[i], kw[i]
