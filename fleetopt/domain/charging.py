"""Compute charging time and power over a piecewise-constant charging curve, swaps and H2 refuels.

The ``taper`` curve is full power up to ``taper_soc_1``, then ``taper_frac_1`` of it up to
``taper_soc_2``, then ``taper_frac_2`` up to full (a cited-as-assumption step
approximation of CC-CV charging in ``fleetopt/data/chargers.csv``). The ``constant``
curve is full power up to full. Power is piecewise constant in time, so grid peaks and
energies are exact sums of steps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from fleetopt import defaults

logger = logging.getLogger(__name__)

_EPS = 1e-12


@dataclass(frozen=True)
class Curve:
    """A piecewise-constant charging curve.

    Attributes
    ----------
    knees_soc : tuple of float
        Upper state-of-charge bound of each step, ascending, last = 1.0 [-].
    fracs : tuple of float
        Power of each step as a fraction of the full power [-].
    """

    knees_soc: tuple[float, ...]
    fracs: tuple[float, ...]


@cache
def curve(name: str) -> Curve:
    """Return the ``constant`` or ``taper`` curve (taper knees from ``chargers.csv``).

    Parameters
    ----------
    name : str
        ``constant`` or ``taper``.

    Returns
    -------
    Curve
    """
    if name == "constant":
        return Curve((1.0,), (1.0,))
    p = {k: float(v.value) for k, v in defaults.params("chargers", kind="curve").items()}
    return Curve(
        (p["taper_soc_1"], p["taper_soc_2"], 1.0), (1.0, p["taper_frac_1"], p["taper_frac_2"])
    )


def charge_steps(
    soc_start: float,
    soc_target: float,
    max_duration_s: float,
    power_kw: float,
    battery_kwh: float,
    crv: Curve,
) -> tuple[float, list[tuple[float, float]]]:
    """Charge a battery along a curve toward a target within a time budget.

    Parameters
    ----------
    soc_start : float
        State of charge at plug-in [-].
    soc_target : float
        Stop at this state of charge [-].
    max_duration_s : float
        Time available [s] (inf = until the target).
    power_kw : float
        Full charging power into the battery [kW].
    battery_kwh : float
        Usable capacity [kWh].
    crv : Curve
        Charging curve.

    Returns
    -------
    soc_end : float
        State of charge at unplugging [-].
    steps : list of (duration_s, battery_kw)
        Consecutive constant-power steps [s], [kW].
    """
    soc = soc_start
    left = max_duration_s
    steps: list[tuple[float, float]] = []
    if power_kw <= 0 or battery_kwh <= 0:
        return soc, steps
    lower = 0.0
    for knee, frac in zip(crv.knees_soc, crv.fracs, strict=True):
        if soc >= soc_target - _EPS or left <= 0:
            break
        if soc < knee - _EPS and frac > 0:
            upto = min(knee, soc_target)
            kw = power_kw * frac
            need_s = (upto - soc) * battery_kwh / kw * 3600.0
            dt = min(need_s, left)
            if dt > 0:
                steps.append((dt, kw))
                soc = upto if dt == need_s else soc + kw * dt / 3600.0 / battery_kwh
                left -= dt
        lower = knee
    del lower
    return soc, steps


def time_to_charge_s(
    soc_start: float, soc_target: float, power_kw: float, battery_kwh: float, crv: Curve
) -> float:
    """Return the time to charge from ``soc_start`` to ``soc_target`` [s].

    Parameters
    ----------
    soc_start, soc_target : float
        States of charge [-].
    power_kw : float
        Full charging power into the battery [kW].
    battery_kwh : float
        Usable capacity [kWh].
    crv : Curve
        Charging curve.

    Returns
    -------
    float
        Duration [s].
    """
    _, steps = charge_steps(soc_start, soc_target, float("inf"), power_kw, battery_kwh, crv)
    return sum(d for d, _ in steps)


def lay_out(
    windows: list[tuple[float, float]], steps: list[tuple[float, float]]
) -> list[tuple[float, float, float]]:
    """Place consecutive constant-power steps into time windows in time order.

    Parameters
    ----------
    windows : list of (start_s, end_s)
        Disjoint windows in time order [s].
    steps : list of (duration_s, kw)
        Steps to place, in order [s], [kW].

    Returns
    -------
    list of (start_s, end_s, kw)
        Segments of constant power [s], [s], [kW].
    """
    out: list[tuple[float, float, float]] = []
    wi = 0
    pos = windows[0][0] if windows else 0.0
    for dur, kw in steps:
        left = dur
        while left > 1e-9 and wi < len(windows):
            w0, w1 = windows[wi]
            pos = max(pos, w0)
            room = w1 - pos
            if room <= 1e-9:
                wi += 1
                continue
            d = min(room, left)
            out.append((pos, pos + d, kw))
            pos += d
            left -= d
    return out


def swap_time_s(swap_min: float) -> float:
    """Return the time of a battery swap [s] from its duration in minutes.

    Parameters
    ----------
    swap_min : float
        Swap duration [min].

    Returns
    -------
    float
        Duration [s].
    """
    return swap_min * 60.0


def refuel_time_s(kg: float, kg_per_min: float) -> float:
    """Return the time to dispense hydrogen [s].

    Parameters
    ----------
    kg : float
        Hydrogen dispensed [kg].
    kg_per_min : float
        Dispenser rate [kg/min].

    Returns
    -------
    float
        Duration [s].
    """
    return kg / kg_per_min * 60.0 if kg_per_min > 0 else float("inf")
