# Trace texts quote long sources; traces are built by concatenation.

"""Shared pieces of the target rows: statuses, the status rule, inputs, traces and rows.

Status rule (:func:`target_status`), for a target ``T`` that a value ``V`` must reach
(``ge``: V >= T, ``le``: V <= T), with an optional band [low, high] around V:

- ``no_data``: no value (text targets, or no data and no scenario path).
- ``met``: V is an *observed* figure for the target year and reaches T.
- ``on_track``: the projection reaches T and so does the whole band.
- ``at_risk``: the projection reaches T but the band's unfavourable end does not; or it
  misses T but the favourable end of the band reaches it, or it misses T by at most
  ``at_risk_margin_frac`` (``target_rules.csv``, 5 %) of |T|.
- ``off_track``: otherwise (an observed figure that misses T is off track).
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.domain import transition as _transition
from fleetopt.inputs.vehicles import resolve_spec

#: Statuses, best first.
STATUSES = ("met", "on_track", "at_risk", "off_track", "no_data")

#: Keys of each ``targets --json`` row, in order (``reason`` follows on ``no_data`` rows).
ROW_KEYS = (
    "id", "description", "target", "unit", "year", "value", "status", "source", "low", "high",
    "trace",
)  # fmt: skip

#: New-energy powertrains (China's definition: battery-electric, plug-in hybrid, fuel cell).
NEV = _transition.NEV
#: New- and clean-energy powertrains: NEV plus natural gas and hybrids (the 2030 target's
#: 新能源、清洁能源; see docs/targets.md for the sources of this reading).
CLEAN_ENERGY = _transition.CLEAN_ENERGY


def target_status(
    value: float | None,
    target: float,
    comparison: str,
    *,
    low: float | None = None,
    high: float | None = None,
    observed: bool = False,
    margin_frac: float | None = None,
) -> str:
    """Classify a value against a target (rule in the module docstring).

    Parameters
    ----------
    value : float or None
        Projected or observed value [target unit]; None or NaN = no data.
    target : float
        Target value [target unit].
    comparison : str
        ``ge`` (value must reach at least the target) or ``le`` (at most).
    low, high : float, optional
        Uncertainty band around ``value`` [target unit].
    observed : bool
        True when ``value`` is a published figure for the target year.
    margin_frac : float, optional
        Relative at-risk margin [-]; default ``at_risk_margin_frac`` of ``target_rules.csv``.

    Returns
    -------
    str
        One of :data:`STATUSES`.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data"
    if comparison not in ("ge", "le"):
        return "no_data"
    if margin_frac is None:
        margin_frac = defaults.value("target_rules", "at_risk_margin_frac")

    def reaches(v: float) -> bool:
        return v >= target if comparison == "ge" else v <= target

    # favourable / unfavourable ends of the band
    worst = low if comparison == "ge" else high
    best = high if comparison == "ge" else low
    if observed:
        return "met" if reaches(value) else "off_track"
    if reaches(value):
        return "at_risk" if worst is not None and not reaches(worst) else "on_track"
    shortfall = (target - value) if comparison == "ge" else (value - target)
    scale = abs(target) if target != 0 else 1.0
    if (best is not None and reaches(best)) or shortfall <= margin_frac * scale:
        return "at_risk"
    return "off_track"


def _summary(simulation: Any) -> dict[str, Any] | None:
    if simulation is None:
        return None
    if isinstance(simulation, dict):
        return simulation
    summary = getattr(simulation, "summary", None)
    return summary() if callable(summary) else None


def _factor(passenger_km_factor: float | None) -> float:
    if passenger_km_factor is not None:
        return float(passenger_km_factor)
    return defaults.value("simulation_options", "passenger_km_factor")


@cache
def _input_row(name: str, segment: str = "all") -> Any:
    t = defaults.load_table("target_inputs")
    rows = t[(t.segment == segment) & (t.name == name)]
    if rows.empty:
        msg = f"target_inputs.csv has no row {segment}/{name}"
        raise KeyError(msg)
    return rows.iloc[0]


@cache
def _input(name: str, segment: str = "all", col: str = "value") -> float:
    return float(_input_row(name, segment)[col])


def _trace(name: str, value: Any, unit: str, source: str) -> dict[str, Any]:
    if isinstance(value, (float, np.floating)):
        value = round(float(value), 6)
    return {"input": name, "value": value, "unit": unit, "source": source}


def _trace_input(name: str, segment: str = "all") -> dict[str, Any]:
    r = _input_row(name, segment)
    label = name if segment == "all" else f"{segment}.{name}"
    rng = f" (range {r['low']:g}-{r['high']:g})" if r["low"] != r["high"] else ""
    return _trace(label, float(r["value"]), str(r["unit"]), f"{r['source']}{rng}")


_SPECS: dict[tuple[str, str, str], Any] = {}


def _spec(vtype: str, powertrain: str, vehicle_types: Any) -> Any:
    """``resolve_spec`` with a cache (the band calls it hundreds of times)."""
    key = (vtype, powertrain, json.dumps(vehicle_types or {}, sort_keys=True, default=str))
    if key not in _SPECS:
        _SPECS[key] = resolve_spec(vtype, powertrain, vehicle_types)
    return _SPECS[key]


#: Powertrains the plan counts as new energy (kept for older callers).
NEV_POWERTRAINS = tuple(sorted(NEV))


@cache
def _segment_types() -> dict[str, tuple[str, str]]:
    segs = defaults.load_table("operating_segments")
    out = {}
    for seg in segs.segment.unique():
        rows = segs[segs.segment == seg].set_index("name").value
        out[str(seg)] = (str(rows["vehicle_type"]), str(rows["fossil_powertrain"]))
    return out


#: Vehicle type of each public-fleet segment (peak shaving, simulated shares).
FLEET_TYPES = {
    "bus": "bus",
    "taxi": "taxi",
    "sanitation": "sanitation",
    "light_logistics": "delivery",
}


def _band(values: list[float]) -> tuple[float | None, float | None]:
    ok = [v for v in values if v is not None and not math.isnan(v)]
    return (min(ok), max(ok)) if ok else (None, None)


def _round(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), 4)


def _row(r: Any, comp: dict[str, Any] | None, reason: str | None) -> dict[str, Any]:
    is_text = r.comparison == "text"
    comp = comp or {}
    value = _round(comp.get("value"))
    low, high = _round(comp.get("low")), _round(comp.get("high"))
    if value is None:
        low = high = None
    else:
        low = value if low is None else min(low, value)
        high = value if high is None else max(high, value)
    status = (
        "no_data"
        if is_text
        else target_status(value, float(r.value), str(r.comparison), low=low, high=high)
    )
    row: dict[str, Any] = {
        "id": r.name,
        "description": r.description,
        "target": r.description.split(":")[-1].strip() if is_text else float(r.value),
        "unit": r.unit,
        "year": None if pd.isna(r.year) else int(r.year),
        "value": value,
        "status": status,
        "source": r.source,
        "low": low,
        "high": high,
        "trace": comp.get("trace", []),
    }
    if status == "no_data":
        row["reason"] = (
            reason
            or comp.get("reason")
            or "the model gives no value for this target with the scenario's inputs"
        )
    return row
