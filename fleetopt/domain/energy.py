"""Compute trip energy and fuel from distance, rates and the ambient temperature (vectorised).

The battery energy model is ``rate x distance x temperature factor``; the factor is
interpolated from the cited curve in ``fleetopt/data/temperature_factors.csv`` and is
exactly 1.0 at 20 °C. An optional speed factor (``speed_factors.csv``, exactly 1.0 at the
30 km/h reference speed) scales energy and fuel per km by the trip's average road speed.
``energy_model = "constant"`` skips both factors (exactly distance x rate). Liquid and gas
fuels are distance x consumption per 100 km.
"""

from __future__ import annotations

import logging
from functools import cache

import numpy as np
import numpy.typing as npt

from fleetopt import defaults

logger = logging.getLogger(__name__)

ArrayLike = npt.ArrayLike


@cache
def _curve() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    df = defaults.load_table("temperature_factors")
    df = df[df["name"] == "energy_factor"].sort_values("temperature_c")
    return df["temperature_c"].to_numpy(float), df["value"].to_numpy(float)


def temperature_factor(temperature_c: ArrayLike) -> np.ndarray:
    """Return the battery energy factor at an ambient temperature (1.0 at 20 °C).

    Linear interpolation between the table's points, held constant beyond its ends.

    Parameters
    ----------
    temperature_c : array_like
        Ambient temperature [°C].

    Returns
    -------
    numpy.ndarray
        Energy per km relative to 20 °C [-].
    """
    t, f = _curve()
    return np.interp(np.asarray(temperature_c, dtype=np.float64), t, f)


@cache
def _speed_curve() -> tuple[np.ndarray, np.ndarray]:
    df = defaults.load_table("speed_factors")
    df = df[df["name"] == "speed_factor"].sort_values("speed_kmh")
    return df["speed_kmh"].to_numpy(float), df["value"].to_numpy(float)


def speed_factor(speed_kmh: ArrayLike) -> np.ndarray:
    """Return the energy-per-km factor at an average trip speed (1.0 at the reference speed).

    Linear interpolation between the points of ``speed_factors.csv``, held constant beyond
    its ends; a speed that is not a finite number > 0 (no distance or no time) gives 1.0.

    Parameters
    ----------
    speed_kmh : array_like
        Average speed of the trip [km/h].

    Returns
    -------
    numpy.ndarray
        Energy (or fuel) per km relative to the reference speed [-].
    """
    v, f = _speed_curve()
    s = np.asarray(speed_kmh, dtype=float)
    ok = np.isfinite(s) & (s > 0)
    return np.where(ok, np.interp(np.where(ok, s, v[0]), v, f), 1.0)


def trip_energy_kwh(
    distance_km: ArrayLike, kwh_per_km: ArrayLike, factor: ArrayLike = 1.0
) -> np.ndarray:
    """Return battery energy of trips: distance x rate x factor.

    Parameters
    ----------
    distance_km : array_like
        Driven distance [km].
    kwh_per_km : array_like
        Energy rate at 20 °C [kWh/km].
    factor : array_like
        Temperature (and other) multiplier [-]; 1.0 for the constant model.

    Returns
    -------
    numpy.ndarray
        Energy drawn from the battery [kWh].
    """
    return (
        np.asarray(distance_km, np.float64)
        * np.asarray(kwh_per_km, np.float64)
        * np.asarray(factor, np.float64)
    )


def fuel_per_100km(distance_km: ArrayLike, per_100km: ArrayLike) -> np.ndarray:
    """Return fuel used over a distance at a rate per 100 km (L or kg alike).

    Parameters
    ----------
    distance_km : array_like
        Driven distance [km].
    per_100km : array_like
        Consumption [L/100km] or [kg/100km].

    Returns
    -------
    numpy.ndarray
        Fuel used [L] or [kg].
    """
    return np.asarray(distance_km, np.float64) * np.asarray(per_100km, np.float64) / 100.0


def soc_after(soc: ArrayLike, energy_kwh: ArrayLike, battery_kwh: ArrayLike) -> np.ndarray:
    """Return the state of charge after drawing ``energy_kwh`` from a battery.

    Parameters
    ----------
    soc : array_like
        State of charge before [-].
    energy_kwh : array_like
        Energy drawn (negative = charged) [kWh].
    battery_kwh : array_like
        Usable capacity [kWh].

    Returns
    -------
    numpy.ndarray
        State of charge after [-] (not clipped: a negative value means infeasible).
    """
    return np.asarray(soc, np.float64) - np.asarray(energy_kwh, np.float64) / np.asarray(
        battery_kwh, np.float64
    )
