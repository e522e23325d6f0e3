"""Check the targets part of a scenario: its ``[transition]`` and ``[mode_share]`` tables.

The checks read only the tables' shape and the exempt classes of
``fleetopt/data/target_exemptions.csv``; they live in ``inputs`` so that
:func:`fleetopt.inputs.scenario.check_scenario_dict` reports every problem of a scenario
without reaching up into ``domain``. The models that use the tables
(:mod:`fleetopt.domain.transition`, :mod:`fleetopt.domain.mode_share`) re-export these names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from fleetopt import defaults
from fleetopt.errors import Problem

#: Segments of the transition model (:mod:`fleetopt.domain.transition`).
SEGMENTS = ("other", "bus", "taxi", "sanitation", "light_logistics", "airport")

#: Years a ``[transition]`` table may name.
TRANSITION_YEAR_RANGE = (2000, 2060)

_TRANSITION_KEYS = ("new_nev_share_pct", "stock_vehicles", "exempt_pct", "survival")
_SURVIVAL_KEYS = {"mean_life_years": (0.5, 60.0), "weibull_shape": (0.5, 30.0)}

#: Allowed range of every mode-share lever [lever unit] (:mod:`fleetopt.domain.mode_share`).
MODE_SHARE_LEVER_RANGES: dict[str, tuple[float, float]] = {
    "rail_network_km": (1.0, 5000.0),
    "bus_speed_kph": (1.0, 80.0),
    "cycling_infrastructure_index": (0.05, 20.0),
    "parking_price_index": (0.05, 20.0),
    "car_trip_intensity_index": (0.05, 5.0),
    "congestion_charge_cover_pct": (0.0, 100.0),
}

_MODE_SHARE_OTHER_KEYS: dict[str, tuple[float, float]] = {
    "trend_persistence": (0.0, 2.0),
    "band_samples": (10, 5000),
}

#: Years a ``[mode_share]`` lever table may name.
MODE_SHARE_YEAR_RANGE = (2015, 2035)


# --------------------------------------------------------------------------- [transition]
def is_number(v: object) -> bool:
    """Return whether ``v`` is a finite int or float (a bool is not a number)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _year_of(key: object) -> int | None:
    text = str(key).strip()
    if not text.isdigit():
        return None
    return int(text)


def _check_year_table(
    table: object, prefix: str, lo: float, hi: float | None, unit: str
) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(table, Mapping):
        problems.append(Problem(f"expected a table of year = value [{unit}]", column=prefix))
        return problems
    if not table:
        problems.append(
            Problem(f"empty table; give at least one year = value [{unit}]", column=prefix)
        )
    for key, val in table.items():
        where = f"{prefix}.{key}"
        year = _year_of(key)
        lo_year, hi_year = TRANSITION_YEAR_RANGE
        if year is None or not (lo_year <= year <= hi_year):
            problems.append(
                Problem(
                    f"{key!r} is not a year; use a year from {lo_year} to {hi_year}",
                    column=where,
                )
            )
        if not is_number(val):
            problems.append(Problem(f"expected a number [{unit}], got {val!r}", column=where))
        elif float(val) < lo or (hi is not None and float(val) > hi):
            allowed = f"{lo:g} to {hi:g}" if hi is not None else f">= {lo:g}"
            problems.append(
                Problem(f"{val!r} is out of range; allowed {allowed} [{unit}]", column=where)
            )
    return problems


def _check_segment_table(table: object, prefix: str) -> tuple[dict[str, Any], list[Problem]]:
    if not isinstance(table, Mapping):
        return {}, [
            Problem(f"expected a table keyed by segment ({', '.join(SEGMENTS)})", column=prefix)
        ]
    problems = [
        Problem(f"unknown segment {key!r}; known: {', '.join(SEGMENTS)}", column=f"{prefix}.{key}")
        for key in table
        if key not in SEGMENTS
    ]
    return {k: v for k, v in table.items() if k in SEGMENTS}, problems


@cache
def exempt_classes(segment: str) -> dict[str, Any]:
    """Return the exempt classes of a segment: ``{class: row}`` of ``target_exemptions.csv``."""
    t = defaults.load_table("target_exemptions")
    return {str(r.exempt_class): r for r in t[t.segment == segment].itertuples(index=False)}


def _check_exempt(segment: str, val: object, where: str) -> list[Problem]:
    def one(pct: object, col: str) -> list[Problem]:
        if not is_number(pct) or not (0.0 <= float(pct) <= 100.0):  # type: ignore[arg-type]
            return [Problem(f"{pct!r}: expected a share from 0 to 100 [%]", column=col)]
        return []

    if not isinstance(val, Mapping):
        return one(val, where)
    known = exempt_classes(segment)
    problems: list[Problem] = []
    for cls, pct in val.items():
        if cls not in known:
            names = ", ".join(known) or "none"
            problems.append(
                Problem(f"unknown exempt class {cls!r}; known: {names}", column=f"{where}.{cls}")
            )
            continue
        problems += one(pct, f"{where}.{cls}")
    if not problems and sum(float(v) for v in val.values()) > 100.0:
        problems.append(Problem("exempt classes add up to more than 100 [%]", column=where))
    return problems


def check_transition_dict(table: object, prefix: str = "transition") -> list[Problem]:
    """Check a scenario's ``[transition]`` table; list every problem at once.

    Parameters
    ----------
    table : object
        The parsed TOML table.
    prefix : str
        Dotted key path of the table, used in each problem's ``column``.

    Returns
    -------
    list of Problem
        Empty when the table is valid. ``column`` is the dotted key path.
    """
    if not isinstance(table, Mapping):
        return [Problem("expected a table ([transition])", column=prefix)]
    problems: list[Problem] = []
    for key, val in table.items():
        where = f"{prefix}.{key}"
        if key not in _TRANSITION_KEYS:
            problems.append(
                Problem(f"unknown key {key!r}; known: {', '.join(_TRANSITION_KEYS)}", column=where)
            )
        elif key == "exempt_pct":
            segs, probs = _check_segment_table(val, where)
            problems += probs
            for seg, pct in segs.items():
                problems += _check_exempt(seg, pct, f"{where}.{seg}")
        elif key in ("new_nev_share_pct", "stock_vehicles"):
            segs, probs = _check_segment_table(val, where)
            problems += probs
            for seg, years in segs.items():
                if key == "new_nev_share_pct":
                    problems += _check_year_table(years, f"{where}.{seg}", 0.0, 100.0, "%")
                else:
                    problems += _check_year_table(years, f"{where}.{seg}", 0.0, None, "vehicles")
        elif key == "survival":
            segs, probs = _check_segment_table(val, where)
            problems += probs
            for seg, params in segs.items():
                if not isinstance(params, Mapping):
                    problems.append(
                        Problem(
                            "expected a table with mean_life_years, weibull_shape",
                            column=f"{where}.{seg}",
                        )
                    )
                    continue
                for pname, pval in params.items():
                    pwhere = f"{where}.{seg}.{pname}"
                    if pname not in _SURVIVAL_KEYS:
                        problems.append(
                            Problem(
                                f"unknown key {pname!r}; known: {', '.join(_SURVIVAL_KEYS)}",
                                column=pwhere,
                            )
                        )
                        continue
                    lo, hi = _SURVIVAL_KEYS[pname]
                    if not is_number(pval) or not (lo <= float(pval) <= hi):
                        problems.append(
                            Problem(
                                f"{pval!r}: expected a number from {lo:g} to {hi:g}", column=pwhere
                            )
                        )
    return problems


# --------------------------------------------------------------------------- [mode_share]
def check_mode_share_dict(table: object, prefix: str = "mode_share") -> list[Problem]:
    """Check a scenario's ``[mode_share]`` table; list every problem at once.

    Parameters
    ----------
    table : object
        The parsed TOML table.
    prefix : str
        Dotted key path of the table, used in each problem's ``column``.

    Returns
    -------
    list of Problem
        Empty when the table is valid.
    """
    if not isinstance(table, Mapping):
        return [Problem("expected a table ([mode_share])", column=prefix)]
    known = [*MODE_SHARE_LEVER_RANGES, *_MODE_SHARE_OTHER_KEYS]
    problems: list[Problem] = []
    for key, val in table.items():
        where = f"{prefix}.{key}"
        if key in _MODE_SHARE_OTHER_KEYS:
            lo, hi = _MODE_SHARE_OTHER_KEYS[key]
            integer = key == "band_samples"
            ok = (
                is_number(val) and lo <= float(val) <= hi and (not integer or isinstance(val, int))
            )
            if not ok:
                kind = "a whole number" if integer else "a number"
                problems.append(
                    Problem(f"{val!r}: expected {kind} from {lo:g} to {hi:g}", column=where)
                )
            continue
        if key not in MODE_SHARE_LEVER_RANGES:
            problems.append(
                Problem(f"unknown key {key!r}; known: {', '.join(known)}", column=where)
            )
            continue
        lo, hi = MODE_SHARE_LEVER_RANGES[key]
        items = val.items() if isinstance(val, Mapping) else [(None, val)]
        if isinstance(val, Mapping) and not val:
            problems.append(Problem("empty table; give year = value", column=where))
        for year, v in items:
            vwhere = where if year is None else f"{where}.{year}"
            if year is not None:
                text = str(year).strip()
                lo_year, hi_year = MODE_SHARE_YEAR_RANGE
                if not text.isdigit() or not (lo_year <= int(text) <= hi_year):
                    problems.append(
                        Problem(
                            f"{year!r} is not a year; use a year from "
                            f"{lo_year} to {hi_year}",
                            column=vwhere,
                        )
                    )
            if not is_number(v):
                problems.append(
                    Problem(
                        f"expected a number or a table of year = number, got {v!r}", column=vwhere
                    )
                )
            elif not (lo <= float(v) <= hi):
                problems.append(
                    Problem(f"{v!r} is out of range; allowed {lo:g} to {hi:g}", column=vwhere)
                )
    return problems
