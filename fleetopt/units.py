"""Name fleetopt's units: the suffix glossary, type aliases and conversion constants.

Every quantity carries its unit in its name: ``_kwh``, ``_kw``, ``_km``, ``_m``,
``_s``, ``_min``, ``_h``, ``_kg``, ``_l``, ``_t``, ``_cny``, ``_c`` (degrees Celsius),
``_kph`` (km/h), ``_frac`` (0-1 share), ``_pct`` (0-100 share). See
``docs/nomenclature.md``.
"""

from __future__ import annotations

from typing import NewType

Kwh = NewType("Kwh", float)
Kw = NewType("Kw", float)
Km = NewType("Km", float)
Meters = NewType("Meters", float)
Seconds = NewType("Seconds", float)
Kg = NewType("Kg", float)
Liters = NewType("Liters", float)

S_PER_MIN = 60.0
S_PER_H = 3600.0
S_PER_DAY = 86400.0
M_PER_KM = 1000.0
KPH_TO_MPS = 1000.0 / 3600.0
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius [m], IUGG


def parse_clock_s(text: str) -> float:
    """Parse ``HH:MM`` or ``HH:MM:SS`` (hours may pass 24, GTFS style) to seconds.

    Parameters
    ----------
    text : str
        Clock time such as ``"05:30"`` or ``"25:10:00"``.

    Returns
    -------
    float
        Seconds after the start of the service day [s].

    Raises
    ------
    ValueError
        When the text is not a clock time.
    """
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        msg = f"{text!r} is not a time; expected HH:MM or HH:MM:SS (hours may pass 24)"
        raise ValueError(msg)
    h, m = int(parts[0]), int(parts[1])
    s = int(parts[2]) if len(parts) == 3 else 0
    if m >= 60 or s >= 60 or h >= 48:
        msg = f"{text!r} is not a time; minutes and seconds must be < 60, hours < 48"
        raise ValueError(msg)
    return float(h * 3600 + m * 60 + s)


def format_clock(seconds: float) -> str:
    """Format seconds after service-day start as ``HH:MM:SS`` (hours may pass 24)."""
    total = round(seconds)
    return f"{total // 3600:02d}:{(total % 3600) // 60:02d}:{total % 60:02d}"
