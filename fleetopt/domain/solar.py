"""Compute rooftop PV output per kWp at a depot from a pvlib clear-sky day scaled to a cited yield.

The day's shape is the Haurwitz clear-sky global horizontal irradiance (pvlib) at the
site on the scenario's PV date; its level is scaled so that the same model summed over
the whole year gives the cited annual specific yield of Beijing rooftops
(``pv_yield_kwh_per_kwp_yr`` in ``simulation_options.csv``). Clouds and haze therefore
enter only through the annual yield, not day by day.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

_TZ = "Asia/Shanghai"


@contextmanager
def _quiet_pvlib() -> Iterator[None]:
    """Silence pandas deprecation warnings raised inside pvlib (``dayofyear``), nothing else."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*dayofyear.*")
        yield


@cache
def _annual_clearsky_kwh_per_m2(lat: float, lon: float, year: int) -> float:
    import pvlib

    loc = pvlib.location.Location(lat, lon, tz=_TZ)
    t = pd.date_range(f"{year}-01-01", f"{year + 1}-01-01", freq="1h", tz=_TZ, inclusive="left")
    with _quiet_pvlib():
        return float(loc.get_clearsky(t, model="haurwitz")["ghi"].sum()) / 1000.0


def pv_kw_per_kwp(
    times_s: np.ndarray, lat: float, lon: float, date: str, yield_kwh_per_kwp_yr: float
) -> np.ndarray:
    """Return PV power per installed kWp at clock times of a service day.

    Parameters
    ----------
    times_s : numpy.ndarray
        Seconds after the service day's midnight (Beijing time) [s]; may pass 24 h.
    lat, lon : float
        Site, WGS84 [deg].
    date : str
        Service day, ``YYYY-MM-DD``.
    yield_kwh_per_kwp_yr : float
        Annual specific yield the profile is scaled to [kWh/kWp/yr].

    Returns
    -------
    numpy.ndarray
        PV output [kW per kWp].
    """
    import pvlib

    day = pd.Timestamp(date, tz=_TZ)
    t = day + pd.to_timedelta(np.asarray(times_s, float), unit="s")
    with _quiet_pvlib():
        ghi = pvlib.location.Location(lat, lon, tz=_TZ).get_clearsky(
            pd.DatetimeIndex(t), model="haurwitz"
        )["ghi"]
    scale = yield_kwh_per_kwp_yr / _annual_clearsky_kwh_per_m2(
        round(lat, 2), round(lon, 2), day.year
    )
    return np.asarray(ghi, float) / 1000.0 * scale
