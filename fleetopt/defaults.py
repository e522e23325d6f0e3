"""Load the packaged parameter tables; every value comes with its unit, source and year.

Tables are CSV files in ``fleetopt/data/`` (PyPSA style). A plain table has the columns
``name,value,unit,source,year,description``; a keyed table (such as vehicle specs) puts
key columns before them. Nothing else in fleetopt hard-codes a default parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from fleetopt import settings
from fleetopt.errors import InputError

PARAM_COLUMNS = ("name", "value", "unit", "source", "year", "description")


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
    """

    name: str
    value: float | str
    unit: str
    source: str
    year: int | None
    description: str


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
    """
    df = load_table(table)
    for col, val in keys.items():
        df = df[df[col] == val]
    return {
        row.name: Param(
            name=row.name,
            value=row.value,
            unit=row.unit,
            source=row.source,
            year=None if pd.isna(row.year) else int(row.year),
            description=row.description,
        )
        for row in df.itertuples(index=False)
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
