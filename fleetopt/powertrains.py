"""Describe each powertrain from one table: its energy carriers, result columns, NEV flags, labels.

``fleetopt/data/powertrains.csv`` has one row per powertrain (CONTRACT §6): its energy
``carriers`` (``electricity``, ``gasoline``, ``natural_gas``, ``hydrogen`` ..., joined by
``+``), the ``result_columns`` its energy use is reported in (``battery_kwh``,
``diesel_l``, ``gasoline_l``, ``cng_kg``, ``lng_kg``, ``hydrogen_kg``), whether China counts
it as a new-energy vehicle (``nev``: bev, phev, fcev) or as clean energy
(``clean_energy``: natural gas and hybrids, for the plan's 2030 target of 新能源、清洁能源
vehicles), its English and Chinese labels, and sources. A new powertrain is a row here plus
its physics in the simulation; everything else reads this module.
"""

from __future__ import annotations

import logging

from fleetopt import defaults
from fleetopt.errors import InputError

logger = logging.getLogger(__name__)

__all__ = [
    "BATTERY",
    "CLEAN_ENERGY",
    "FUEL_COLUMNS",
    "HYDROGEN",
    "NEV",
    "NEW_OR_CLEAN",
    "ON_CLOCK",
    "POWERTRAINS",
    "carriers",
    "fuel_column",
    "fuel_rate_name",
    "label",
    "result_columns",
]

_COLUMNS = (
    "powertrain",
    "carriers",
    "result_columns",
    "nev",
    "clean_energy",
    "label_en",
    "label_zh",
)

#: Result columns of burnt fuel, in the order the result tables list them.
FUEL_COLUMNS: tuple[str, ...] = ("diesel_l", "gasoline_l", "cng_kg", "lng_kg")

#: Every result column a powertrain may name (battery energy, burnt fuel, hydrogen).
_RESULT_COLUMNS = ("battery_kwh", *FUEL_COLUMNS, "hydrogen_kg")


def _load() -> dict[str, dict[str, str]]:
    df = defaults.load_reference("powertrains", _COLUMNS)
    rows: dict[str, dict[str, str]] = {}
    for i, rec in enumerate(df.to_dict(orient="records")):
        line = i + 2
        name = str(rec["powertrain"]).strip()
        problems = []
        if not name or name in rows:
            problems.append(f"powertrain {name!r} is empty or repeated")
        for flag in ("nev", "clean_energy"):
            if rec[flag] not in ("0", "1"):
                problems.append(f"{flag} must be 0 or 1, got {rec[flag]!r}")
        cols = str(rec["result_columns"]).split("+")
        unknown = [c for c in cols if c not in _RESULT_COLUMNS]
        if unknown:
            known = ", ".join(_RESULT_COLUMNS)
            problems.append(f"unknown result column(s) {unknown}; known: {known}")
        if len([c for c in cols if c != "battery_kwh"]) > 1:
            problems.append("at most one fuel column besides battery_kwh")
        if problems:
            msg = f"fleetopt/data/powertrains.csv row {line}: " + "; ".join(problems)
            raise InputError(msg)
        rows[name] = {k: str(v) for k, v in rec.items()}
    return rows


_ROWS = _load()

#: Powertrain names in table order (CONTRACT §6).
POWERTRAINS: tuple[str, ...] = tuple(_ROWS)

#: New-energy vehicles, China's definition (MIIT Order 39, 2017): bev, phev, fcev.
NEV: frozenset[str] = frozenset(p for p, r in _ROWS.items() if r["nev"] == "1")

#: Clean-energy powertrains that are not NEV (natural gas, hybrids), see the table's sources.
CLEAN_ENERGY: frozenset[str] = frozenset(p for p, r in _ROWS.items() if r["clean_energy"] == "1")

#: What the plan's 2030 target counts: new-energy or clean-energy (新能源、清洁能源).
NEW_OR_CLEAN: frozenset[str] = NEV | CLEAN_ENERGY

#: Powertrains that charge a battery from the grid (bev, phev).
BATTERY: frozenset[str] = frozenset(
    p for p, r in _ROWS.items() if "battery_kwh" in r["result_columns"].split("+")
)

#: Powertrains that refuel hydrogen at hydrogen stations (fcev).
HYDROGEN: frozenset[str] = frozenset(
    p for p, r in _ROWS.items() if "hydrogen_kg" in r["result_columns"].split("+")
)

#: Powertrains the simulation runs on the clock (they need stations): battery or hydrogen.
ON_CLOCK: frozenset[str] = BATTERY | HYDROGEN


def _row(powertrain: str) -> dict[str, str]:
    row = _ROWS.get(powertrain)
    if row is None:
        msg = f"unknown powertrain {powertrain!r}; allowed: {', '.join(POWERTRAINS)}"
        raise InputError(msg)
    return row


def carriers(powertrain: str) -> tuple[str, ...]:
    """Return the energy carriers of a powertrain, e.g. ``("electricity", "gasoline")``."""
    return tuple(_row(powertrain)["carriers"].split("+"))


def result_columns(powertrain: str) -> tuple[str, ...]:
    """Return the result columns a powertrain's energy use goes to, e.g. ``("battery_kwh",)``."""
    return tuple(_row(powertrain)["result_columns"].split("+"))


def fuel_column(powertrain: str) -> str | None:
    """Return the result column of the fuel a powertrain burns or tanks, or None (bev).

    ``diesel_l``, ``gasoline_l`` (gasoline, hev, phev), ``cng_kg``, ``lng_kg`` or
    ``hydrogen_kg`` (fcev).
    """
    fuel = [c for c in result_columns(powertrain) if c != "battery_kwh"]
    return fuel[0] if fuel else None


def fuel_rate_name(powertrain: str) -> str | None:
    """Return the spec rate of the powertrain's fuel: ``l_per_100km`` or ``kg_per_100km``."""
    col = fuel_column(powertrain)
    if col is None:
        return None
    return "l_per_100km" if col.endswith("_l") else "kg_per_100km"


def label(powertrain: str, lang: str = "en") -> str:
    """Return the display label of a powertrain in ``lang`` (``en`` or ``zh``)."""
    row = _row(powertrain)
    key = f"label_{lang}"
    if key not in row:
        msg = f"no powertrain labels in language {lang!r}; available: en, zh"
        raise InputError(msg)
    return row[key]
