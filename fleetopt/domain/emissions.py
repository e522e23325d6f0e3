"""Compute tank-to-wheel and grid CO2 and the converted turnover (换算周转量) it is measured by.

CO2 = diesel L x factor + gasoline L x factor + CNG kg x factor + LNG kg x factor +
hydrogen kg x factor + grid kWh x grid factor. A phev's CO2 is its gasoline part plus
the grid part of its charging; an hev's is its gasoline. Converted turnover =
passenger-km x conversion factor + tonne-km; the conversion factor is a parameter (0.1
for road passengers in Chinese statistics).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from fleetopt import defaults

logger = logging.getLogger(__name__)


def co2_kg(
    *,
    grid_kwh: npt.ArrayLike = 0.0,
    diesel_l: npt.ArrayLike = 0.0,
    gasoline_l: npt.ArrayLike = 0.0,
    cng_kg: npt.ArrayLike = 0.0,
    hydrogen_kg: npt.ArrayLike = 0.0,
    factors: Mapping[str, float],
    lng_kg: npt.ArrayLike = 0.0,
) -> np.ndarray:
    """Return CO2 emitted for the given energy use.

    Parameters
    ----------
    grid_kwh : array_like
        Electricity drawn from the grid (after PV offset) [kWh].
    diesel_l, gasoline_l : array_like
        Liquid fuel burnt [L].
    cng_kg, hydrogen_kg : array_like
        Gas fuel used [kg].
    factors : mapping
        ``grid_kg_per_kwh`` [kg/kWh], ``diesel_kg_per_l`` [kg/L], ``gasoline_kg_per_l`` [kg/L],
        ``cng_kg_per_kg`` [kg/kg], ``hydrogen_kg_per_kg`` [kg/kg], ``lng_kg_per_kg``
        [kg/kg]; a gas factor left out takes its cited default (``emission_factors.csv``).
    lng_kg : array_like
        Liquefied natural gas used [kg].

    Returns
    -------
    numpy.ndarray
        CO2 [kg].
    """
    return (
        np.asarray(grid_kwh, float) * factors["grid_kg_per_kwh"]
        + np.asarray(diesel_l, float) * factors["diesel_kg_per_l"]
        + np.asarray(gasoline_l, float) * factors["gasoline_kg_per_l"]
        + np.asarray(cng_kg, float) * _gas_factor(factors, "cng_kg_per_kg")
        + np.asarray(lng_kg, float) * _gas_factor(factors, "lng_kg_per_kg")
        + np.asarray(hydrogen_kg, float) * factors["hydrogen_kg_per_kg"]
    )


def _gas_factor(factors: Mapping[str, float], key: str) -> float:
    """Return ``factors[key]``, or the cited default when the mapping predates the key."""
    if key in factors:
        return float(factors[key])
    return defaults.value("emission_factors", key)


def converted_turnover_tkm(
    passenger_km: npt.ArrayLike, tonne_km: npt.ArrayLike, passenger_km_factor: float
) -> np.ndarray:
    """Return converted turnover: passenger-km x factor + tonne-km.

    Parameters
    ----------
    passenger_km : array_like
        Passenger-kilometres [passenger-km].
    tonne_km : array_like
        Freight tonne-kilometres [t-km].
    passenger_km_factor : float
        Conversion factor of passenger-km [t-km per passenger-km].

    Returns
    -------
    numpy.ndarray
        Converted turnover [t-km].
    """
    passenger = np.asarray(passenger_km, np.float64)
    return passenger * passenger_km_factor + np.asarray(tonne_km, np.float64)


def intensity_kg_per_tkm(co2: npt.ArrayLike, turnover_tkm: npt.ArrayLike) -> np.ndarray:
    """Return CO2 per converted turnover (NaN where turnover is 0).

    Parameters
    ----------
    co2 : array_like
        CO2 [kg].
    turnover_tkm : array_like
        Converted turnover [t-km].

    Returns
    -------
    numpy.ndarray
        Intensity [kg/t-km].
    """
    c = np.asarray(co2, float)
    t = np.asarray(turnover_tkm, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t > 0, c / np.where(t > 0, t, 1.0), np.nan)
