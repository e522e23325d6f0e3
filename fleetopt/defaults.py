"""Load the packaged parameter tables; every value comes with its unit, source and year.

Tables are CSV files in ``fleetopt/data/`` (PyPSA style). A plain table has the columns
``name,value,unit,source,year,description``; a keyed table (such as vehicle specs) puts
key columns before them. A table may add ``low`` and ``high`` columns: the range of an
uncertain value (blank = no range, e.g. a contractual default). Nothing else in fleetopt
hard-codes a default parameter. :func:`load_reference` reads tables of another shape
(one row per item, such as ``powertrains.csv``) that still carry ``source`` and ``year``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import pandas as pd

from fleetopt import settings
from fleetopt.errors import InputError

PARAM_COLUMNS = ("name", "value", "unit", "source", "year", "description")

#: Optional range columns of a parameter table (same unit as ``value``).
RANGE_COLUMNS = ("low", "high")


@dataclass(frozen=True)
class Param:
    """One default parameter with its provenance.

    Attributes
    ----------
    name : str
        Parameter name (with unit suffix where it has one).
    value : float or str
        The value, in ``unit``.
    unit : str
        Unit of ``value``.
    source : str
        Where the number comes from (publication, URL, table).
    year : int or None
        Year the number refers to or was published.
    description : str
        What the number means.
    low, high : float or None
        Range of the value where it is uncertain (``None`` = no range given).
    """

    name: str
    value: float | str
    unit: str
    source: str
    year: int | None
    description: str
    low: float | None = None
    high: float | None = None


@cache
def load_table(table: str) -> pd.DataFrame:
    """Read the parameter table ``fleetopt/data/<table>.csv``.

    Parameters
    ----------
    table : str
        Table name without extension, e.g. ``"emission_factors"``.

    Returns
    -------
    pandas.DataFrame
        The table; numeric ``value`` cells are floats, others stay text.

    Raises
    ------
    InputError
        If the table does not exist or lacks a provenance column.
    """
    path = settings.DATA_DIR / f"{table}.csv"
    if not path.is_file():
        available = sorted(p.stem for p in settings.DATA_DIR.glob("*.csv"))
        msg = f"no parameter table {table!r}; available: {', '.join(available)}"
        raise InputError(msg)
    df = pd.read_csv(path, dtype={"value": str, "source": str, "unit": str})
    missing = [c for c in PARAM_COLUMNS if c not in df.columns]
    if missing:
        msg = f"parameter table {path} lacks columns {missing}"
        raise InputError(msg)
    df["value"] = df["value"].map(_number_or_text)
    df["year"] = pd.to_numeric(df["year"], errors="coerce").astype("Int64")
    for col in RANGE_COLUMNS:
        if col in df.columns:
            df[col] = _range_column(df[col], path, col)
    return df


def _range_column(col: pd.Series, path: object, name: str) -> pd.Series:
    """Return a ``low`` / ``high`` column as floats (NaN = no range); text is an error."""
    num = pd.to_numeric(col, errors="coerce")
    bad = num.isna() & col.notna() & (col.astype(str).str.strip() != "")
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        msg = (
            f"parameter table {path}: row {row} column {name!r} is not a number: "
            f"{col[bad].iat[0]!r}"
        )
        raise InputError(msg)
    return num.astype(float)


@cache
def load_reference(table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read a reference table ``fleetopt/data/<table>.csv`` of one row per item, as text.

    Parameters
    ----------
    table : str
        Table name without extension, e.g. ``"powertrains"``.
    columns : tuple of str
        Columns the table must have (``source`` and ``year`` are always required).

    Returns
    -------
    pandas.DataFrame
        The table with every cell as text (empty cells as ``""``).

    Raises
    ------
    InputError
        If the table does not exist or lacks a column.
    """
    path = settings.DATA_DIR / f"{table}.csv"
    if not path.is_file():
        msg = f"no reference table {table!r} in {settings.DATA_DIR}"
        raise InputError(msg)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in (*columns, "source", "year") if c not in df.columns]
    if missing:
        msg = f"reference table {path} lacks columns {missing}"
        raise InputError(msg)
    return df


def _number_or_text(text: str) -> float | str:
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def params(table: str, **keys: str) -> dict[str, Param]:
    """Return the rows of a table (filtered by key columns) as ``{name: Param}``.

    Parameters
    ----------
    table : str
        Table name, e.g. ``"vehicle_specs"``.
    **keys : str
        Key-column filters, e.g. ``vehicle_type="bus", powertrain="bev"``.

    Returns
    -------
    dict of str to Param
        Rows keep their ``low`` / ``high`` range where the table gives one.
    """
    df = load_table(table)
    for col, val in keys.items():
        df = df[df[col] == val]
    low = df["low"].to_numpy(float) if "low" in df.columns else [math.nan] * len(df)
    high = df["high"].to_numpy(float) if "high" in df.columns else [math.nan] * len(df)
    return {
        row.name: Param(
            name=row.name,
            value=row.value,
            unit=row.unit,
            source=row.source,
            year=None if pd.isna(row.year) else int(row.year),
            description=row.description,
            low=None if math.isnan(lo) else float(lo),
            high=None if math.isnan(hi) else float(hi),
        )
        for row, lo, hi in zip(df.itertuples(index=False), low, high, strict=True)
    }


def value(table: str, name: str, **keys: str) -> float:
    """Return one numeric default, e.g. ``value("emission_factors", "grid_kg_per_kwh")``."""
    found = params(table, **keys)
    if name not in found:
        where = f" for {keys}" if keys else ""
        msg = f"parameter {name!r} not in table {table!r}{where}; known: {sorted(found)}"
        raise InputError(msg)
    v = found[name].value
    if not isinstance(v, float):
        msg = f"parameter {name!r} in table {table!r} is not numeric: {v!r}"
        raise InputError(msg)
    return v
