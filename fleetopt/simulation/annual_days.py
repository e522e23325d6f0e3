"""The representative days of a year and how their results add up (CONTRACT §7).

:mod:`fleetopt.simulation.annual` runs the days; this module says which days a year has
(:func:`representative_days`: two a month, a weekday and a weekend day, each with the
month's mean air temperature and its weight in days), what each day runs
(:func:`day_scenario`), in which order a cluster should start them
(:func:`longest_first`), how their summaries make the year's (:func:`combine`) and how the
year is written (:func:`write_outputs`). It reads no scenario file.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fleetopt import defaults
from fleetopt.errors import InputError
from fleetopt.executors import write_json_atomic
from fleetopt.inputs.scenario import Fleet, Scenario

__all__ = [
    "DAY_TYPES",
    "RepresentativeDay",
    "combine",
    "day_counts",
    "day_key",
    "day_scenario",
    "days_table",
    "longest_first",
    "monthly_temperature_c",
    "representative_days",
    "write_outputs",
]

#: Day types of the representative days.
DAY_TYPES = ("weekday", "weekend")

_MAX_KEYS = frozenset({"vehicles"})


@dataclass(frozen=True)
class RepresentativeDay:
    """One representative day of a year.

    Attributes
    ----------
    label : str
        ``YYYY-MM weekday`` or ``YYYY-MM weekend``.
    month : int
        Month 1..12.
    day_type : str
        ``weekday`` or ``weekend``.
    weight_days : int
        Days of the year this day stands for [d].
    ambient_temperature_c : float
        Mean air temperature of the month [°C].
    demand_factor : float
        Fleet size of embedded generators relative to the scenario's [-].
    """

    label: str
    month: int
    day_type: str
    weight_days: int
    ambient_temperature_c: float
    demand_factor: float


def monthly_temperature_c() -> dict[int, float]:
    """Return Beijing's monthly mean air temperature (``beijing_climate_monthly.csv``) [°C]."""
    df = defaults.load_table("beijing_climate_monthly")
    df = df[df["name"] == "mean_temperature_c"]
    out = {int(m): float(v) for m, v in zip(df["month"], df["value"], strict=True)}
    if sorted(out) != list(range(1, 13)):
        msg = "beijing_climate_monthly.csv must have one mean_temperature_c row per month"
        raise InputError(msg)
    return out


def day_counts(year: int) -> dict[tuple[int, str], int]:
    """Return the number of weekdays (Mon-Fri) and weekend days (Sat, Sun) of each month.

    Parameters
    ----------
    year : int
        Calendar year.

    Returns
    -------
    dict
        ``(month, day_type) -> days``; the values sum to 365 or 366.
    """
    out: dict[tuple[int, str], int] = {}
    for month in range(1, 13):
        n = calendar.monthrange(year, month)[1]
        weekend = sum(1 for d in range(1, n + 1) if dt.date(year, month, d).weekday() >= 5)
        out[(month, "weekday")] = n - weekend
        out[(month, "weekend")] = weekend
    return out


def representative_days(
    year: int, *, weekend_demand_factor: float = 1.0
) -> list[RepresentativeDay]:
    """Return the representative days of a year, in calendar order.

    Parameters
    ----------
    year : int
        The scenario's year.
    weekend_demand_factor : float
        Demand of embedded generators on weekend days relative to weekdays [-].

    Returns
    -------
    list of RepresentativeDay
        Two per month (weekday, weekend); ``weight_days`` sum to the days of ``year``.
    """
    temps = monthly_temperature_c()
    counts = day_counts(year)
    return [
        RepresentativeDay(
            label=f"{year}-{month:02d} {kind}",
            month=month,
            day_type=kind,
            weight_days=counts[(month, kind)],
            ambient_temperature_c=temps[month],
            demand_factor=1.0 if kind == "weekday" else float(weekend_demand_factor),
        )
        for month in range(1, 13)
        for kind in DAY_TYPES
        if counts[(month, kind)] > 0
    ]


def _scaled_fleet(fleet: Fleet, factor: float) -> Fleet:
    if factor == 1.0 or fleet.source != "generator":
        return fleet  # a trips, GTFS or requests file runs the same trips every day
    if fleet.size is not None:
        return dataclasses.replace(fleet, size=max(1, round(fleet.size * factor)))
    return dataclasses.replace(fleet, scale=(fleet.scale or 1.0) * factor)


def day_scenario(scenario: Scenario, day: RepresentativeDay) -> Scenario:
    """Return the scenario of one representative day (its temperature and demand).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    day : RepresentativeDay
        The day.

    Returns
    -------
    Scenario
        A copy with the day's ``ambient_temperature_c`` and generator fleets scaled by
        ``demand_factor``.
    """
    fleets = tuple(_scaled_fleet(f, day.demand_factor) for f in scenario.fleets)
    return dataclasses.replace(
        scenario, ambient_temperature_c=float(day.ambient_temperature_c), fleets=fleets
    )


def day_key(day: RepresentativeDay) -> tuple[float, float]:
    """Return the inputs that make a day differ; days with equal keys give equal results."""
    return (float(day.ambient_temperature_c), float(day.demand_factor))


def longest_first(days: Sequence[RepresentativeDay]) -> list[RepresentativeDay]:
    """Return the days in the order a cluster should start them: most demand first.

    A day's work grows with its demand (``demand_factor`` scales the generated fleets);
    days of equal demand keep their calendar order. Started longest first, the days that
    finish last on a cluster are the short ones, so its workers finish close together
    (the order changes no result: each day is stored and added up by its label).

    Parameters
    ----------
    days : sequence of RepresentativeDay
        The days to run.

    Returns
    -------
    list of RepresentativeDay
        The same days, by ``demand_factor`` descending (a stable sort).
    """
    return sorted(days, key=lambda d: -d.demand_factor)


def _is_max(key: str) -> bool:
    return key in _MAX_KEYS or key.startswith("peak_") or "_max_" in key or key.endswith("_max")


def _is_mean(key: str) -> bool:
    return "_mean_" in key or key.endswith("_mean")


def combine(summaries: Sequence[Mapping[str, Any]], weights: Sequence[float]) -> dict[str, Any]:
    """Combine per-day summaries into yearly values.

    Parameters
    ----------
    summaries : sequence of mapping
        ``simulate --json`` summaries, one per representative day (in a fixed order).
    weights : sequence of float
        ``weight_days`` of each [d].

    Returns
    -------
    dict
        Same keys: sums weighted by days, maxima as maxima, means weighted by days;
        ``by_type`` combined per vehicle type (a type absent on a day counts 0 there).
    """
    keys: list[str] = []
    for s in summaries:
        keys.extend(k for k in s if k not in keys)
    out: dict[str, Any] = {}
    for k in keys:
        present = [(s[k], w) for s, w in zip(summaries, weights, strict=True) if k in s]
        vals = [v for v, _ in present]
        if k == "by_type":
            types = sorted({t for v in vals if isinstance(v, Mapping) for t in v})
            out[k] = {
                t: combine(
                    [v.get(t, {}) for v in vals],
                    [w for _, w in present],
                )
                for t in types
            }
        elif vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            if _is_max(k):
                out[k] = max(vals)
            elif _is_mean(k):
                total_w = sum(w for _, w in present)
                out[k] = sum(v * w for v, w in present) / total_w if total_w else 0.0
            else:
                total = sum(v * w for v, w in present)
                all_int = all(isinstance(v, int) for v in vals) and all(
                    float(w).is_integer() for _, w in present
                )
                out[k] = int(total) if all_int else float(total)
        else:
            out[k] = vals[0] if vals else None
    return out


def days_table(doc: Mapping[str, Any]) -> pd.DataFrame:
    """Return one row per representative day, ``by_type`` flattened as ``by_type.<type>.<key>``."""
    rows = []
    for d in doc["days"]:
        row: dict[str, Any] = {}
        for k, v in d.items():
            if k == "by_type" and isinstance(v, Mapping):
                for t, stats in v.items():
                    for sk, sv in stats.items():
                        row[f"by_type.{t}.{sk}"] = sv
            else:
                row[k] = v
        rows.append(row)
    return pd.DataFrame(rows)


def write_outputs(doc: Mapping[str, Any], out: Path) -> None:
    """Write ``days.csv`` and ``summary.json`` into ``out`` (each replaced atomically)."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".days.csv.{os.getpid()}.tmp"
    days_table(doc).to_csv(tmp, index=False)
    os.replace(tmp, out / "days.csv")
    write_json_atomic(out / "summary.json", dict(doc))
