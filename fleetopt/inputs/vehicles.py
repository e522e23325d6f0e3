"""Build vehicle specifications per (vehicle type, powertrain) from the cited parameter table.

Defaults come from ``fleetopt/data/vehicle_specs.csv`` (one row per parameter with
unit, source and year); a scenario's ``[vehicle_types.<type>.<powertrain>]`` table
overrides them. Quantities a powertrain does not have (a diesel bus's battery) are 0.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from fleetopt import defaults
from fleetopt.errors import InputError, Problem

logger = logging.getLogger(__name__)

#: Vehicle types of CONTRACT §3.
VEHICLE_TYPES = ("bus", "taxi", "sanitation", "delivery")

#: Powertrains of CONTRACT §3.
POWERTRAINS = ("diesel", "gasoline", "cng", "bev", "fcev")

#: Powertrains that draw electricity from the grid through a battery.
BATTERY_POWERTRAINS = ("bev",)

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
        diesel, gasoline, cng, bev or fcev.
    battery_kwh : float
        Usable battery capacity [kWh] (0 for non-battery powertrains).
    kwh_per_km : float
        Traction energy drawn from the battery at 20 °C [kWh/km].
    max_charge_kw : float
        Largest power the vehicle accepts into its battery [kW].
    charge_efficiency : float
        Battery energy charged / grid energy drawn [-].
    l_per_100km : float
        Liquid fuel use, diesel or gasoline [L/100 km].
    kg_per_100km : float
        Gas fuel use, CNG or hydrogen [kg/100 km].
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
        Reserve; a trip that would end below it is not run [-].
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
        """True for powertrains that charge a battery from the grid."""
        return self.powertrain in BATTERY_POWERTRAINS

    @property
    def is_hydrogen(self) -> bool:
        """True for fuel-cell vehicles."""
        return self.powertrain == "fcev"


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
        msg = f"no default spec for {vehicle_type} {powertrain} in vehicle_specs.csv"
        raise InputError(msg)
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
    """Return the (type, powertrain) pairs that have a default spec."""
    df = defaults.load_table("vehicle_specs")
    pairs = df[["vehicle_type", "powertrain"]].drop_duplicates()
    return [(str(a), str(b)) for a, b in pairs.itertuples(index=False)]
