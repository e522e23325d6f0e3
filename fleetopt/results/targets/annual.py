"""Feed a year of operation (``simulate --annual``, CONTRACT §7) into the target rows.

An annual result holds the ``simulate --json`` keys as yearly totals (``by_type`` per
vehicle type) and ``days``: the representative days with their weight in days and
ambient temperature. Two things of it enter the operating-CO2-intensity row:

- **Turnover weights**: each segment's yearly distance times its converted load
  (passengers x conversion factor + payload) [t-km], instead of one day's or the stock's.
- **Climate factors**: per segment and energy carrier (grid electricity, liquid fossil
  fuel, hydrogen), the year's energy per km divided by the energy per km of the same fleet
  at the 20 °C reference of the energy rows (``docs/energy.md``), linearly interpolated
  in temperature between the representative days around 20 °C (the nearest day's value
  when no day lies on the other side). The rows' kWh/km, L/100 km and kg/100 km are
  multiplied by them, so Beijing's winter heating and summer cooling count in the
  target year and in the 2020 base alike.

Both need only the summary keys, so a ``summary.json`` written by ``simulate --annual``,
the folder holding it, or the dict :func:`fleetopt.api.simulate_annual` returns will do.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fleetopt.errors import InputError, Problem
from fleetopt.inputs._caps import load_json_limited
from fleetopt.results.targets._common import FLEET_TYPES

#: Reference temperature of the energy rows (vehicle_specs.csv) [degC].
REFERENCE_TEMPERATURE_C = 20.0

#: Energy carriers and the ``by_type`` keys that measure them.
CARRIERS: dict[str, tuple[str, ...]] = {
    "electricity": ("grid_energy_kwh",),
    "fossil": ("diesel_l", "gasoline_l"),
    "hydrogen": ("hydrogen_kg",),
}


def _bad(file: str | None, key: str | None, message: str) -> InputError:
    where = f"{file}: " if file else ""
    return InputError(
        f"{where}{key + ': ' if key else ''}{message}", [Problem(message, None, key, file)]
    )


def _number(value: Any, file: str | None, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(file, key, f"expected a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x) or x < 0:
        raise _bad(file, key, f"expected a finite number >= 0, got {value!r}")
    return x


def check_annual(doc: Any, file: str | None = None) -> dict[str, Any]:
    """Check that a document is an annual result with what the targets need; return it.

    Parameters
    ----------
    doc : Any
        The parsed ``simulate --annual --json`` document.
    file : str, optional
        Its file, for messages.

    Returns
    -------
    dict
        The document.

    Raises
    ------
    InputError
        Not an object, no ``days`` list or ``by_type`` object, a day without a positive
        ``weight_days`` or a numeric ``ambient_temperature_c``, a negative or non-numeric
        energy or distance (the message names the dotted key).
    """
    if not isinstance(doc, Mapping):
        raise _bad(file, None, "an annual result must be a JSON object (simulate --annual --json)")
    days = doc.get("days")
    if not isinstance(days, list) or not days:
        raise _bad(file, "days", "missing or empty: not a simulate --annual result")
    if not isinstance(doc.get("by_type"), Mapping):
        raise _bad(file, "by_type", "missing: not a simulate --annual result")
    for i, d in enumerate(days):
        if not isinstance(d, Mapping):
            raise _bad(file, f"days.{i}", "expected an object")
        if _number(d.get("weight_days"), file, f"days.{i}.weight_days") <= 0:
            raise _bad(file, f"days.{i}.weight_days", "must be > 0")
        t = d.get("ambient_temperature_c")
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
            raise _bad(file, f"days.{i}.ambient_temperature_c", f"expected a number, got {t!r}")
        by_type = d.get("by_type")
        if not isinstance(by_type, Mapping):
            raise _bad(file, f"days.{i}.by_type", "missing")
        for vtype, vals in by_type.items():
            if not isinstance(vals, Mapping):
                raise _bad(file, f"days.{i}.by_type.{vtype}", "expected an object")
            for key in ("distance_km", *(k for ks in CARRIERS.values() for k in ks)):
                if key in vals and vals[key] is not None:
                    _number(vals[key], file, f"days.{i}.by_type.{vtype}.{key}")
    for vtype, vals in doc["by_type"].items():
        if not isinstance(vals, Mapping):
            raise _bad(file, f"by_type.{vtype}", "expected an object")
        if vals.get("distance_km") is not None:
            _number(vals["distance_km"], file, f"by_type.{vtype}.distance_km")
    return dict(doc)


def read_annual(path: str | Path) -> dict[str, Any]:
    """Read an annual result: a ``summary.json`` of ``simulate --annual`` or its folder.

    Raises
    ------
    InputError
        A missing file, a folder without ``summary.json``, text that is not JSON, or a
        document that is not an annual result (:func:`check_annual`).
    """
    p = Path(path)
    if p.is_dir():
        p = p / "summary.json"
    file = str(p)
    try:
        doc = load_json_limited(p)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(file, None, f"not a JSON document ({exc})") from None
    return check_annual(doc, file)


def _per_km(vals: Mapping[str, Any], keys: tuple[str, ...]) -> float:
    km = float(vals.get("distance_km") or 0.0)
    if km <= 0:
        return math.nan
    return sum(float(vals.get(k) or 0.0) for k in keys) / km


def climate_factors(annual: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Return the year's energy per km over that at 20 °C, per segment and carrier [-].

    Parameters
    ----------
    annual : dict
        An annual result (:func:`check_annual`).

    Returns
    -------
    dict
        ``{segment: {carrier: factor}}`` for the segments of :data:`FLEET_TYPES` whose
        vehicle type ran and used that carrier; carriers without use are left out.
    """
    days = annual["days"]
    temps = np.array([float(d["ambient_temperature_c"]) for d in days])
    weights = np.array([float(d["weight_days"]) for d in days])
    out: dict[str, dict[str, float]] = {}
    for seg, vtype in FLEET_TYPES.items():
        per_day = [(d.get("by_type") or {}).get(vtype) or {} for d in days]
        factors: dict[str, float] = {}
        for carrier, keys in CARRIERS.items():
            energy = np.array([sum(float(v.get(k) or 0.0) for k in keys) for v in per_day])
            km = np.array([float(v.get("distance_km") or 0.0) for v in per_day])
            ok = km > 0
            if not ok.any() or energy[ok].sum() <= 0:
                continue
            year = float((weights[ok] * energy[ok]).sum() / (weights[ok] * km[ok]).sum())
            t, rate = temps[ok], energy[ok] / km[ok]
            ts = np.unique(t)
            mean_rate = np.array([rate[t == x].mean() for x in ts])
            ref = float(np.interp(REFERENCE_TEMPERATURE_C, ts, mean_rate))
            if ref > 0:
                factors[carrier] = year / ref
        if factors:
            out[seg] = factors
    return out


def annual_distance_km(annual: Mapping[str, Any]) -> dict[str, float]:
    """Return the yearly distance per segment of :data:`FLEET_TYPES` [km]."""
    by_type = annual.get("by_type") or {}
    return {
        seg: float((by_type.get(vtype) or {}).get("distance_km") or 0.0)
        for seg, vtype in FLEET_TYPES.items()
    }


def annual_co2_kg(annual: Mapping[str, Any]) -> dict[str, float]:
    """Return the yearly CO2 per segment of :data:`FLEET_TYPES` [kg]."""
    by_type = annual.get("by_type") or {}
    return {
        seg: float((by_type.get(vtype) or {}).get("co2_kg") or 0.0)
        for seg, vtype in FLEET_TYPES.items()
    }
