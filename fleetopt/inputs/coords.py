"""Convert Chinese offset coordinates (GCJ-02, BD-09) to and from WGS84, vectorised.

Chinese map and POI sources publish coordinates in offset systems:

* **GCJ-02** ("Mars" coordinates, AMap/Tencent/most operators) adds a smooth, obfuscating
  offset to WGS84 - about 100-700 m in Beijing;
* **BD-09** (Baidu) applies a further rotation-and-shift on top of GCJ-02.

OpenStreetMap and GPS are WGS84, and fleetopt works in WGS84 only, so every GCJ-02 or
BD-09 input is converted at the border with these functions. The forward GCJ-02 formula
is the widely published reverse-engineered one (Krasovsky 1940 ellipsoid,
``a = 6378245 m``, ``e^2 = 0.00669342162296594323``), as used by ``coordtransform``
(wandergis) and ``eviltransform`` (googollee); it has no closed-form inverse, so
:func:`gcj02_to_wgs84` inverts it by fixed-point iteration to better than 1e-9 deg
(about 0.1 mm). Points outside mainland China's bounding box are left unchanged, as
in those libraries.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

_A_M = 6378245.0  # Krasovsky 1940 semi-major axis [m]
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared [-]
_X_PI = np.pi * 3000.0 / 180.0  # BD-09 constant [rad/deg]
_INVERSE_TOL_DEG = 1e-10
_INVERSE_MAX_ITER = 30

Floats = NDArray[np.float64]


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    if lon_a.shape != lat_a.shape:
        lon_a, lat_a = np.broadcast_arrays(lon_a, lat_a)
    return lon_a, lat_a


def _out(values: Floats) -> Floats | float:
    return float(values) if values.ndim == 0 else values


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Return True where a point lies outside the box where GCJ-02 applies.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude [deg].

    Returns
    -------
    numpy.ndarray of bool
        True outside 72.004-137.8347 E, 0.8293-55.8271 N (the box every published
        implementation uses).
    """
    lon_a, lat_a = _arrays(lon, lat)
    return np.asarray((lon_a < 72.004) | (lon_a > 137.8347) | (lat_a < 0.8293) | (lat_a > 55.8271))


def _delta_deg(lon: Floats, lat: Floats) -> tuple[Floats, Floats]:
    """GCJ-02 offset (dlon, dlat) [deg] to add to WGS84 (lon, lat) [deg]."""
    x = lon - 105.0
    y = lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A_M * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A_M / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats | float, Floats | float]:
    """Convert WGS84 to GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude [deg].

    Returns
    -------
    lon, lat : numpy.ndarray or float
        GCJ-02 longitude and latitude [deg] (floats for scalar input).
    """
    lon_a, lat_a = _arrays(lon, lat)
    dlon, dlat = _delta_deg(lon_a, lat_a)
    return _out(lon_a + dlon), _out(lat_a + dlat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats | float, Floats | float]:
    """Convert GCJ-02 to WGS84 by iterating the forward formula to < 1e-9 deg.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude [deg].

    Returns
    -------
    lon, lat : numpy.ndarray or float
        WGS84 longitude and latitude [deg]; ``wgs84_to_gcj02`` of the result reproduces
        the input to within 1e-9 deg.
    """
    lon_a, lat_a = _arrays(lon, lat)
    wlon, wlat = lon_a.copy(), lat_a.copy()
    for _ in range(_INVERSE_MAX_ITER):
        dlon, dlat = _delta_deg(wlon, wlat)
        err_lon = wlon + dlon - lon_a
        err_lat = wlat + dlat - lat_a
        wlon = wlon - err_lon
        wlat = wlat - err_lat
        if not (
            np.any(np.abs(err_lon) > _INVERSE_TOL_DEG) or np.any(np.abs(err_lat) > _INVERSE_TOL_DEG)
        ):
            break
    return _out(wlon), _out(wlat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats | float, Floats | float]:
    """Convert BD-09 (Baidu) to GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude [deg].

    Returns
    -------
    lon, lat : numpy.ndarray or float
        GCJ-02 longitude and latitude [deg].
    """
    lon_a, lat_a = _arrays(lon, lat)
    x = lon_a - 0.0065
    y = lat_a - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.cos(theta)), _out(z * np.sin(theta))


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats | float, Floats | float]:
    """Convert GCJ-02 to BD-09 (Baidu).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude [deg].

    Returns
    -------
    lon, lat : numpy.ndarray or float
        BD-09 longitude and latitude [deg].
    """
    lon_a, lat_a = _arrays(lon, lat)
    z = np.sqrt(lon_a * lon_a + lat_a * lat_a) + 0.00002 * np.sin(lat_a * _X_PI)
    theta = np.arctan2(lat_a, lon_a) + 0.000003 * np.cos(lon_a * _X_PI)
    return _out(z * np.cos(theta) + 0.0065), _out(z * np.sin(theta) + 0.006)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats | float, Floats | float]:
    """Convert BD-09 (Baidu) to WGS84 (via GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude [deg].

    Returns
    -------
    lon, lat : numpy.ndarray or float
        WGS84 longitude and latitude [deg].
    """
    glon, glat = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(glon, glat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Floats | float, Floats | float]:
    """Convert WGS84 to BD-09 (Baidu) (via GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude [deg].

    Returns
    -------
    lon, lat : numpy.ndarray or float
        BD-09 longitude and latitude [deg].
    """
    glon, glat = wgs84_to_gcj02(lon, lat)
    return gcj02_to_bd09(glon, glat)
