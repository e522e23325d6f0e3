"""Check a scenario's ``[tariffs]`` and ``[costs]`` tables and resolve costs against their defaults.

``[tariffs.NAME] hourly_cny_per_kwh = [24 prices]`` defines a tariff next to those of
``tariffs.csv`` (optionally ``demand_cny_per_kw_month``, a demand charge on the site's
peak grid power). ``[costs]`` overrides the rows of ``fleetopt/data/costs.csv``: global
keys (``discount_rate``, ``plug_cny_per_kw``, ``days_per_year``, fuel prices, ...) and
per (vehicle type, powertrain) keys in ``[costs.TYPE.POWERTRAIN]``. Every problem is
reported with its dotted key (CONTRACT §9).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from fleetopt import defaults
from fleetopt.errors import Problem
from fleetopt.inputs.vehicles import POWERTRAINS, VEHICLE_TYPES

logger = logging.getLogger(__name__)

__all__ = [
    "COST_KEYS",
    "TYPE_COST_KEYS",
    "check_costs_dict",
    "check_tariffs_dict",
    "resolve_costs",
]

#: Keys of a ``[tariffs.NAME]`` table.
TARIFF_KEYS = ("hourly_cny_per_kwh", "demand_cny_per_kw_month")

#: Global keys of ``[costs]`` (unit in the name).
COST_KEYS = (
    "discount_rate",
    "plug_cny_per_kw",
    "days_per_year",
    "diesel_cny_per_l",
    "gasoline_cny_per_l",
    "hydrogen_cny_per_kg",
    "cng_cny_per_kg",
    "lng_cny_per_kg",
    "battery_cny_per_kwh",
    "battery_life_years",
)

#: Keys of ``[costs.TYPE.POWERTRAIN]``.
TYPE_COST_KEYS = (
    "vehicle_cny",
    "life_years",
    "maintenance_cny_per_km",
    "subsidy_cny",
    "residual_share",
    "battery_cny_per_kwh",
    "battery_life_years",
)

#: Keys whose value must be a whole number of years >= 1.
_YEARS = ("life_years", "battery_life_years")


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def check_tariffs_dict(table: Any, prefix: str = "tariffs") -> list[Problem]:
    """Check ``[tariffs]``: each entry needs exactly 24 prices >= 0.

    Parameters
    ----------
    table : Any
        The ``[tariffs]`` table.
    prefix : str
        Dotted key of the table.

    Returns
    -------
    list of Problem
        Empty when valid; ``column`` is the dotted key, e.g.
        ``tariffs.my-contract.hourly_cny_per_kwh``.
    """
    out: list[Problem] = []
    if not isinstance(table, Mapping):
        return [Problem("[tariffs] must be a table of named tariffs", None, prefix)]
    for name, tab in table.items():
        col = f"{prefix}.{name}"
        if not isinstance(tab, Mapping):
            out.append(Problem(f"tariff {name!r} must be a table", None, col))
            continue
        for k in tab:
            if k not in TARIFF_KEYS:
                out.append(
                    Problem(
                        f"unknown tariff key {k!r}; allowed: {', '.join(TARIFF_KEYS)}",
                        None,
                        f"{col}.{k}",
                    )
                )
        prices = tab.get("hourly_cny_per_kwh")
        pcol = f"{col}.hourly_cny_per_kwh"
        if prices is None:
            out.append(Problem("a tariff needs hourly_cny_per_kwh (24 prices)", None, pcol))
        elif not isinstance(prices, list) or len(prices) != 24:
            n = len(prices) if isinstance(prices, list) else "not a list"
            msg = f"hourly_cny_per_kwh needs 24 prices (hours 0-23), got {n}"
            out.append(Problem(msg, None, pcol))
        else:
            bad = [i for i, p in enumerate(prices) if not _is_num(p) or p < 0]
            if bad:
                out.append(
                    Problem(
                        f"prices must be numbers >= 0 [CNY/kWh]; bad at hour(s) {bad[:5]}",
                        None,
                        pcol,
                    )
                )
        d = tab.get("demand_cny_per_kw_month")
        if d is not None and (not _is_num(d) or d < 0):
            out.append(
                Problem(
                    f"demand_cny_per_kw_month must be a number >= 0, got {d!r}",
                    None,
                    f"{col}.demand_cny_per_kw_month",
                )
            )
    return out


def _check_value(k: str, v: Any, col: str) -> list[Problem]:
    if not _is_num(v):
        return [Problem(f"{k} must be a number, got {v!r}", None, col)]
    if k == "discount_rate" and not 0 <= v < 1:
        return [Problem(f"discount_rate must be within [0, 1) per year, got {v!r}", None, col)]
    if k == "residual_share" and not 0 <= v <= 1:
        return [Problem(f"residual_share must be within 0..1, got {v!r}", None, col)]
    if k in _YEARS and (v < 1 or float(v) != int(v)):
        return [Problem(f"{k} must be a whole number of years >= 1, got {v!r}", None, col)]
    if k == "days_per_year" and not 0 < v <= 366:
        return [Problem(f"days_per_year must be within 1..366, got {v!r}", None, col)]
    if v < 0:
        return [Problem(f"{k} must not be negative, got {v!r}", None, col)]
    return []


def check_costs_dict(table: Any, prefix: str = "costs") -> list[Problem]:
    """Check ``[costs]``: known keys, numbers, no negative cost, lives >= 1 year.

    Parameters
    ----------
    table : Any
        The ``[costs]`` table.
    prefix : str
        Dotted key of the table.

    Returns
    -------
    list of Problem
        Empty when valid; ``column`` is the dotted key, e.g. ``costs.bus.bev.life_years``.
    """
    if not isinstance(table, Mapping):
        return [Problem("[costs] must be a table", None, prefix)]
    out: list[Problem] = []
    for k, v in table.items():
        col = f"{prefix}.{k}"
        if k in COST_KEYS:
            out.extend(_check_value(k, v, col))
        elif k in VEHICLE_TYPES:
            if not isinstance(v, Mapping):
                out.append(Problem(f"[costs.{k}] must be a table of powertrains", None, col))
                continue
            for pt, tab in v.items():
                pcol = f"{col}.{pt}"
                if pt not in POWERTRAINS:
                    out.append(
                        Problem(
                            f"unknown powertrain {pt!r}; allowed: {', '.join(POWERTRAINS)}",
                            None,
                            pcol,
                        )
                    )
                    continue
                if not isinstance(tab, Mapping):
                    out.append(Problem(f"[costs.{k}.{pt}] must be a table", None, pcol))
                    continue
                for kk, vv in tab.items():
                    if kk not in TYPE_COST_KEYS:
                        out.append(
                            Problem(
                                f"unknown key {kk!r}; allowed: {', '.join(TYPE_COST_KEYS)}",
                                None,
                                f"{pcol}.{kk}",
                            )
                        )
                    else:
                        out.extend(_check_value(kk, vv, f"{pcol}.{kk}"))
        else:
            allowed = ", ".join((*COST_KEYS, *VEHICLE_TYPES))
            out.append(Problem(f"unknown [costs] key {k!r}; allowed: {allowed}", None, col))
    return out


def resolve_costs(
    costs: Mapping[str, Any], vehicle_type: str, powertrain: str
) -> dict[str, float]:
    """Return every cost parameter of a (type, powertrain): scenario value, else the default.

    Parameters
    ----------
    costs : mapping
        The scenario's checked ``[costs]`` table.
    vehicle_type, powertrain : str
        The vehicle type and powertrain.

    Returns
    -------
    dict
        ``COST_KEYS`` and ``TYPE_COST_KEYS`` values (units in the names).

    Raises
    ------
    KeyError
        When ``costs.csv`` has no price for the pair and the scenario gives none.
    """
    out: dict[str, float] = {
        k: float(p.value)
        for k, p in defaults.params("costs", vehicle_type="all", powertrain="all").items()
    }
    out.update(
        {
            k: float(p.value)
            for k, p in defaults.params(
                "costs", vehicle_type=vehicle_type, powertrain=powertrain
            ).items()
        }
    )
    out.update({k: float(v) for k, v in costs.items() if k in COST_KEYS})
    per = costs.get(vehicle_type, {}).get(powertrain, {})
    out.update({k: float(v) for k, v in per.items()})
    missing = [k for k in TYPE_COST_KEYS if k not in out]
    if missing:
        msg = f"no cost defaults for {vehicle_type}/{powertrain}: {', '.join(missing)}"
        raise KeyError(msg)
    return out
