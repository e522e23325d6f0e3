"""Build vehicle specifications per (vehicle type, powertrain) from the cited parameter table.

Defaults come from ``fleetopt/data/vehicle_specs.csv`` (one row per parameter with
unit, source and year); a scenario's ``[vehicle_types.<type>.<powertrain>]`` table
overrides them. Quantities a powertrain does not have (a diesel bus's battery) are 0.
A (type, powertrain) without rows in the table is a combination fleetopt does not know
(e.g. an LNG taxi): every reader reports it as bad input, located.

Energy convention: ``kwh_per_km`` and ``idle_kw`` are counted on the battery side (energy
drawn from the battery); grid energy = battery energy charged / ``charge_efficiency``
(see docs/nomenclature.md).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from fleetopt import defaults
from fleetopt import powertrains as pts
from fleetopt.errors import InputError, Problem

logger = logging.getLogger(__name__)

#: Vehicle types of CONTRACT §3.
VEHICLE_TYPES = ("bus", "taxi", "sanitation", "delivery")

#: Powertrains of CONTRACT §6 (from ``fleetopt/data/powertrains.csv``).
POWERTRAINS = pts.POWERTRAINS

#: Powertrains that draw electricity from the grid through a battery (bev, phev).
BATTERY_POWERTRAINS = tuple(p for p in POWERTRAINS if p in pts.BATTERY)

#: Energy models: ``temperature`` scales the rate by the temperature curve; ``constant``
#: is exactly distance x rate.
ENERGY_MODELS = ("temperature", "constant")

#: Charging curves: ``taper`` reduces power above the knee state of charge; ``constant`` does not.
CHARGING_CURVES = ("taper", "constant")


@dataclass(frozen=True)
class VehicleSpec:
    """Technical parameters of one (vehicle type, powertrain).

    Attributes
    ----------
    vehicle_type : str
        bus, taxi, sanitation or delivery.
    powertrain : str
        One of :data:`POWERTRAINS` (diesel, gasoline, cng, lng, hev, phev, bev, fcev).
    battery_kwh : float
        Usable battery capacity [kWh] (0 for powertrains without a plug).
    kwh_per_km : float
        Traction energy drawn from the battery at 20 °C (battery side: charging losses
        are not in it) [kWh/km].
    max_charge_kw : float
        Largest power the vehicle accepts into its battery [kW].
    charge_efficiency : float
        Battery energy charged / grid energy drawn [-].
    l_per_100km : float
        Liquid fuel use, diesel or gasoline (hev; phev once its battery is at ``min_soc``)
        [L/100 km].
    kg_per_100km : float
        Gas fuel use, CNG, LNG or hydrogen [kg/100 km].
    tank_kg : float
        Usable hydrogen tank [kg] (fcev).
    idle_kw : float
        Auxiliary power drawn from the battery while waiting off-plug at 20 °C [kW].
    energy_model : str
        ``temperature`` or ``constant`` (see :data:`ENERGY_MODELS`).
    charging_curve : str
        ``taper`` or ``constant`` (see :data:`CHARGING_CURVES`).
    initial_soc : float
        State of charge (or tank fill) at the start of the horizon [-].
    min_soc : float
        Reserve; a trip that would end below it is not run (a phev runs on gasoline
        instead) [-].
    swappable : bool
        The battery can be exchanged at a swap station.
    passengers : float
        Default mean passengers on board, for passenger-km [persons].
    payload_t : float
        Default mean payload, for tonne-km [t].
    """

    vehicle_type: str
    powertrain: str
    battery_kwh: float = 0.0
    kwh_per_km: float = 0.0
    max_charge_kw: float = 0.0
    charge_efficiency: float = 1.0
    l_per_100km: float = 0.0
    kg_per_100km: float = 0.0
    tank_kg: float = 0.0
    idle_kw: float = 0.0
    energy_model: str = "temperature"
    charging_curve: str = "taper"
    initial_soc: float = 1.0
    min_soc: float = 0.0
    swappable: bool = False
    passengers: float = 0.0
    payload_t: float = 0.0

    @property
    def is_battery(self) -> bool:
        """True for powertrains that charge a battery from the grid (bev, phev)."""
        return self.powertrain in pts.BATTERY

    @property
    def is_hydrogen(self) -> bool:
        """True for fuel-cell vehicles (they refuel hydrogen at stations)."""
        return self.powertrain in pts.HYDROGEN

    @property
    def is_plugin_hybrid(self) -> bool:
        """True for a battery vehicle that burns fuel once its battery is at ``min_soc`` (phev)."""
        return self.is_battery and self.fuel_column is not None

    @property
    def fuel_column(self) -> str | None:
        """Result column of the fuel this vehicle burns or tanks (None for a bev)."""
        return pts.fuel_column(self.powertrain)

    @property
    def fuel_per_100km(self) -> float:
        """Fuel use of the powertrain's fuel, L or kg per 100 km (0 for a bev) [L or kg/100km]."""
        rate = pts.fuel_rate_name(self.powertrain)
        return float(getattr(self, rate)) if rate else 0.0


#: Keys a scenario may override, with their kind.
OVERRIDE_KEYS: dict[str, str] = {
    f.name: ("str" if f.type in ("str", str) else "bool" if f.type in ("bool", bool) else "float")
    for f in fields(VehicleSpec)
    if f.name not in ("vehicle_type", "powertrain")
}

_FRACTIONS = ("charge_efficiency", "initial_soc", "min_soc")
_CHOICES = {"energy_model": ENERGY_MODELS, "charging_curve": CHARGING_CURVES}


def check_overrides(
    table: Mapping[str, Any], *, prefix: str, file: str | None = None
) -> list[Problem]:
    """Check one ``[vehicle_types.<type>.<powertrain>]`` table; return every problem.

    Parameters
    ----------
    table : mapping
        The override table.
    prefix : str
        Dotted key path of the table, e.g. ``vehicle_types.bus.bev``.
    file : str, optional
        Scenario file name for the problems.

    Returns
    -------
    list of Problem
    """
    problems: list[Problem] = []
    for key, val in table.items():
        col = f"{prefix}.{key}"
        kind = OVERRIDE_KEYS.get(key)
        if kind is None:
            problems.append(
                Problem(
                    f"unknown vehicle parameter {key!r}; allowed: {', '.join(OVERRIDE_KEYS)}",
                    None,
                    col,
                    file,
                )
            )
        elif kind == "str":
            if val not in _CHOICES[key]:
                problems.append(
                    Problem(
                        f"{key} must be one of {', '.join(_CHOICES[key])}, got {val!r}",
                        None,
                        col,
                        file,
                    )
                )
        elif kind == "bool":
            if not isinstance(val, bool):
                problems.append(
                    Problem(f"{key} must be true or false, got {val!r}", None, col, file)
                )
        elif isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
            problems.append(Problem(f"{key} must be a number, got {val!r}", None, col, file))
        elif val < 0:
            problems.append(Problem(f"{key} must be >= 0, got {val!r}", None, col, file))
        elif key in _FRACTIONS and val > 1:
            problems.append(Problem(f"{key} must be within 0..1, got {val!r}", None, col, file))
        elif key == "charge_efficiency" and val == 0:
            problems.append(Problem("charge_efficiency must be > 0", None, col, file))
    mn, ini = table.get("min_soc"), table.get("initial_soc")
    if isinstance(mn, (int, float)) and isinstance(ini, (int, float)) and mn > ini:
        problems.append(
            Problem(
                f"min_soc ({mn}) must not exceed initial_soc ({ini})",
                None,
                f"{prefix}.min_soc",
                file,
            )
        )
    return problems


def available_pairs() -> frozenset[tuple[str, str]]:
    """Return the (vehicle type, powertrain) pairs ``vehicle_specs.csv`` has defaults for."""
    return frozenset(available_combinations())


def check_combination(
    vehicle_type: str, powertrain: str, *, column: str, file: str | None = None,
    row: int | None = None,
) -> list[Problem]:
    """Return a problem if (type, powertrain) is known to neither name list nor spec table.

    Parameters
    ----------
    vehicle_type, powertrain : str
        The combination.
    column : str
        Column or dotted key the problem names (e.g. ``vehicle_types.taxi.lng``).
    file : str, optional
        File name for the problem.
    row : int, optional
        Spreadsheet row for the problem.

    Returns
    -------
    list of Problem
        Empty when the pair has a default spec (or when either name is itself unknown,
        which other checks report).
    """
    if vehicle_type not in VEHICLE_TYPES or powertrain not in POWERTRAINS:
        return []
    if (vehicle_type, powertrain) in available_pairs():
        return []
    have = sorted(p for t, p in available_pairs() if t == vehicle_type)
    msg = (
        f"no default spec for {vehicle_type} {powertrain} in vehicle_specs.csv: fleetopt has "
        f"no {powertrain} {vehicle_type}; {vehicle_type} powertrains: {', '.join(have)}"
    )
    return [Problem(msg, row, column, file)]


def default_ranges(vehicle_type: str, powertrain: str) -> dict[str, tuple[float, float]]:
    """Return ``{parameter: (low, high)}`` of the defaults of (type, powertrain) that have a range.

    Parameters
    ----------
    vehicle_type, powertrain : str
        The combination.

    Returns
    -------
    dict
        Ranges in the parameter's unit; parameters without a range are left out.
    """
    rows = defaults.params("vehicle_specs", vehicle_type=vehicle_type, powertrain=powertrain)
    return {
        name: (p.low, p.high)
        for name, p in rows.items()
        if p.low is not None and p.high is not None
    }


def default_spec(vehicle_type: str, powertrain: str) -> VehicleSpec:
    """Return the default spec of (type, powertrain) from ``vehicle_specs.csv``.

    Parameters
    ----------
    vehicle_type : str
        One of :data:`VEHICLE_TYPES`.
    powertrain : str
        One of :data:`POWERTRAINS`.

    Returns
    -------
    VehicleSpec

    Raises
    ------
    InputError
        For an unknown type or powertrain, or a combination the table lacks.
    """
    if vehicle_type not in VEHICLE_TYPES:
        msg = f"unknown vehicle type {vehicle_type!r}; allowed: {', '.join(VEHICLE_TYPES)}"
        raise InputError(msg)
    if powertrain not in POWERTRAINS:
        msg = f"unknown powertrain {powertrain!r}; allowed: {', '.join(POWERTRAINS)}"
        raise InputError(msg)
    rows = defaults.params("vehicle_specs", vehicle_type=vehicle_type, powertrain=powertrain)
    if not rows:
        (problem,) = check_combination(vehicle_type, powertrain, column="powertrain")
        raise InputError(problem.message)
    kw: dict[str, Any] = {}
    for name, p in rows.items():
        kind = OVERRIDE_KEYS.get(name)
        if kind is None:
            continue
        if kind == "bool":
            kw[name] = bool(float(p.value))
        elif kind == "str":
            kw[name] = str(p.value)
        else:
            kw[name] = float(p.value)
    return VehicleSpec(vehicle_type=vehicle_type, powertrain=powertrain, **kw)


def resolve_spec(
    vehicle_type: str,
    powertrain: str,
    overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> VehicleSpec:
    """Return the default spec with the scenario's overrides applied.

    Parameters
    ----------
    vehicle_type, powertrain : str
        The combination.
    overrides : mapping, optional
        ``scenario.vehicle_types`` (``{type: {powertrain: {key: value}}}``).

    Returns
    -------
    VehicleSpec
    """
    spec = default_spec(vehicle_type, powertrain)
    table = ((overrides or {}).get(vehicle_type) or {}).get(powertrain) or {}
    if table:
        clean: dict[str, Any] = {
            k: (v if OVERRIDE_KEYS[k] != "float" else float(v)) for k, v in table.items()
        }
        spec = replace(spec, **clean)
    return spec


def available_combinations() -> list[tuple[str, str]]:
    """Return the (type, powertrain) pairs that have a default spec, in table order."""
    df = defaults.load_table("vehicle_specs")
    pairs = df[["vehicle_type", "powertrain"]].drop_duplicates()
    return [(str(a), str(b)) for a, b in pairs.itertuples(index=False)]
