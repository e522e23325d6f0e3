"""Resolve a scenario's emission factors for its year, grid region, scope and hydrogen pathway.

A factor in ``[emission_factors]`` is a number or a table by year (``{2020 = 0.8, 2030 =
0.4}``: linear between listed years, the nearest listed value outside them). Defaults come
from the parameter tables: the grid factor by year and region from
``grid_emission_factors.csv`` (published MEE & NBS factors, then a documented projection
with a band), hydrogen by production pathway from ``hydrogen_pathways.csv`` and the fuel
factors from ``emission_factors.csv``. The scope (``tank_to_wheel`` or ``well_to_wheel``,
docs/nomenclature.md) decides whether electricity and hydrogen production count.
Everything is resolved once, when the scenario is built, into a dict of floats.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any

from fleetopt import defaults
from fleetopt.errors import InputError, Problem

#: Years a scenario may stand for (inclusive).
YEAR_RANGE = (2000, 2060)

#: Years a by-year table may list (inclusive).
TABLE_YEAR_RANGE = (1900, 2100)

#: Emission scopes: what a factor counts (docs/nomenclature.md).
SCOPES = ("tank_to_wheel", "well_to_wheel")

#: Factors that are zero at the vehicle (counted only in the ``well_to_wheel`` scope).
UPSTREAM_KEYS = ("grid_kg_per_kwh", "hydrogen_kg_per_kg")

#: Pathways whose hydrogen CO2 is electricity per kg x the grid factor.
_ELECTROLYSIS_NAME = "electrolysis_kwh_per_kg"


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def interpolate_by_year(points: Mapping[int, float], year: float) -> float:
    """Return the value of a by-year series in ``year``.

    Linear between the listed years; the nearest listed value before the first and after
    the last listed year; exactly the listed value in a listed year.

    Parameters
    ----------
    points : mapping of int to float
        Year -> value (at least one).
    year : float
        The year asked for.

    Returns
    -------
    float
        The value in ``year`` [unit of the series].

    Raises
    ------
    ValueError
        If ``points`` is empty.
    """
    if not points:
        msg = "a by-year table needs at least one year"
        raise ValueError(msg)
    years = sorted(points)
    if year <= years[0]:
        return float(points[years[0]])
    if year >= years[-1]:
        return float(points[years[-1]])
    for y0, y1 in itertools.pairwise(years):
        if y0 <= year <= y1:
            if year == y0:
                return float(points[y0])
            if year == y1:
                return float(points[y1])
            w = (year - y0) / (y1 - y0)
            return float(points[y0]) + w * (float(points[y1]) - float(points[y0]))
    return float(points[years[-1]])  # pragma: no cover - unreachable


def check_factor(value: Any, column: str, file: str | None) -> list[Problem]:
    """Check one ``[emission_factors]`` value: a number >= 0 or a table by year.

    Parameters
    ----------
    value : object
        The value read from TOML.
    column : str
        Dotted key, e.g. ``emission_factors.grid_kg_per_kwh``.
    file : str, optional
        Scenario file for the messages.

    Returns
    -------
    list of Problem
        Each located by its dotted key (``emission_factors.grid_kg_per_kwh.20x0``).
    """
    if isinstance(value, Mapping):
        if not value:
            return [Problem("a table by year needs at least one year = value", None, column, file)]
        out: list[Problem] = []
        lo, hi = TABLE_YEAR_RANGE
        for k, v in value.items():
            col = f"{column}.{k}"
            text = str(k).strip()
            if not text.isdigit() or not lo <= int(text) <= hi:
                out.append(
                    Problem(
                        f"a by-year key must be a year within {lo}..{hi}, got {k!r}",
                        None,
                        col,
                        file,
                    )
                )
            if not _is_num(v) or v < 0:
                out.append(Problem(f"value must be a number >= 0, got {v!r}", None, col, file))
        return out
    if not _is_num(value) or value < 0:
        key = column.rsplit(".", 1)[-1]
        return [
            Problem(
                f"{key} must be a number >= 0 or a table by year ({{2020 = 0.8, 2030 = 0.4}}), "
                f"got {value!r}",
                None,
                column,
                file,
            )
        ]
    return []


def factor_value(value: float | Mapping[str, float], year: int) -> float:
    """Return a checked ``[emission_factors]`` value (number or by-year table) in ``year``."""
    if isinstance(value, Mapping):
        return interpolate_by_year({int(str(k)): float(v) for k, v in value.items()}, year)
    return float(value)


def grid_regions() -> tuple[str, ...]:
    """Return the grid regions with factors in ``grid_emission_factors.csv``."""
    return tuple(sorted(set(defaults.load_table("grid_emission_factors")["grid"])))


def hydrogen_pathways() -> tuple[str, ...]:
    """Return the hydrogen production pathways of ``hydrogen_pathways.csv``."""
    return tuple(dict.fromkeys(defaults.load_table("hydrogen_pathways")["pathway"]))


def grid_series(region: str, column: str = "value") -> dict[int, float]:
    """Return the grid factor of a region by year (``value``, ``low`` or ``high``) [kg/kWh].

    Parameters
    ----------
    region : str
        Grid region (``north_china``, ``national``, ``beijing``: :func:`grid_regions`).
    column : str
        ``value`` (central), ``low`` or ``high`` (the band of projected years).

    Returns
    -------
    dict of int to float
        Year -> factor [kg/kWh].
    """
    df = defaults.load_table("grid_emission_factors")
    df = df[(df["grid"] == region) & (df["name"] == "grid_kg_per_kwh")]
    if df.empty:
        msg = f"no grid factors for region {region!r}; known: {', '.join(grid_regions())}"
        raise InputError(msg)
    return {int(y): float(v) for y, v in zip(df["year"], df[column], strict=True)}


def grid_factor(year: int, region: str, column: str = "value") -> float:
    """Return the grid factor of ``region`` in ``year`` [kg/kWh] (see :func:`grid_series`)."""
    return interpolate_by_year(grid_series(region, column), year)


def hydrogen_factor(pathway: str, *, year: int, grid_region: str, column: str = "value") -> float:
    """Return the CO2 of producing 1 kg of hydrogen by a pathway [kg/kg].

    Grid electrolysis is its electricity per kg times the grid factor of the year and region.

    Parameters
    ----------
    pathway : str
        A pathway of ``hydrogen_pathways.csv``.
    year : int
        The scenario's year (for grid electrolysis).
    grid_region : str
        Grid region (for grid electrolysis).
    column : str
        ``value``, ``low`` or ``high``.

    Returns
    -------
    float
        CO2 per kg of hydrogen [kg/kg].
    """
    df = defaults.load_table("hydrogen_pathways")
    rows = df[df["pathway"] == pathway]
    if rows.empty:
        msg = f"unknown hydrogen pathway {pathway!r}; known: {', '.join(hydrogen_pathways())}"
        raise InputError(msg)
    row = rows.iloc[0]
    v = float(row[column])
    if row["name"] == _ELECTROLYSIS_NAME:
        return v * grid_factor(year, grid_region, column)
    return v


def default_factors(
    keys: Iterable[str],
    *,
    year: int,
    grid_region: str,
    scope: str,
    hydrogen_pathway: str,
    column: str = "value",
) -> dict[str, float]:
    """Return the default emission factors for a year, grid region, scope and pathway.

    Parameters
    ----------
    keys : iterable of str
        The ``[emission_factors]`` keys (``EMISSION_KEYS``); keys other than the grid and
        hydrogen factors come from ``emission_factors.csv``.
    year : int
        The scenario's year.
    grid_region : str
        Grid region of ``grid_emission_factors.csv``.
    scope : str
        ``well_to_wheel`` (exhaust + electricity generation + hydrogen production) or
        ``tank_to_wheel`` (exhaust only: the grid and hydrogen factors are 0).
    hydrogen_pathway : str
        Pathway of ``hydrogen_pathways.csv``.
    column : str
        ``value`` (central), ``low`` or ``high``: the band of every table (for a value's
        band from its uncertain inputs, CONTRACT §8).

    Returns
    -------
    dict of str to float
        Key -> factor, in the key's unit.
    """
    if column not in ("value", "low", "high"):
        msg = f"column must be value, low or high, got {column!r}"
        raise ValueError(msg)
    if scope not in SCOPES:
        msg = f"unknown emission scope {scope!r}; allowed: {', '.join(SCOPES)}"
        raise InputError(msg)
    out: dict[str, float] = {}
    for k in keys:
        if k in UPSTREAM_KEYS and scope == "tank_to_wheel":
            out[k] = 0.0
        elif k == "grid_kg_per_kwh":
            out[k] = grid_factor(year, grid_region, column)
        elif k == "hydrogen_kg_per_kg":
            out[k] = hydrogen_factor(
                hydrogen_pathway, year=year, grid_region=grid_region, column=column
            )
        else:
            out[k] = _table_value(k, column)
    return out


def _table_value(key: str, column: str) -> float:
    """Return a row of ``emission_factors.csv`` (its ``low``/``high`` when asked and present)."""
    central = defaults.value("emission_factors", key)
    if column == "value":
        return central
    df = defaults.load_table("emission_factors")
    row = df[df["name"] == key]
    if column not in df.columns or row.empty:
        return central
    v = row.iloc[0][column]
    try:
        f = float(v)
    except (TypeError, ValueError):
        return central
    return central if math.isnan(f) else f
