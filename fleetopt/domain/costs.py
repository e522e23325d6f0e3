"""Price grid energy with time-of-use tariffs and pick the cheapest charging windows.

Tariffs live in ``fleetopt/data/tariffs.csv``: three prices (peak, flat, valley) and the
period of each clock hour. A scenario may also define its own tariff as 24 hourly prices
(``[tariffs.NAME] hourly_cny_per_kwh``); every function here accepts either a table name or
such a tuple of 24 prices. Power is piecewise constant, so costs are exact integrals of
price x power over time (the day repeats after 24 h).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from fleetopt import defaults
from fleetopt.errors import InputError

logger = logging.getLogger(__name__)

S_PER_H = 3600.0

#: A tariff: its name in ``tariffs.csv`` or the 24 hourly prices of a scenario tariff [CNY/kWh].
Tariff = str | tuple[float, ...]


def resolve_tariff(name: str, scenario_tariffs: Mapping[str, Sequence[float]]) -> Tariff:
    """Return the tariff a name stands for: a scenario's 24 prices, else the table name.

    Parameters
    ----------
    name : str
        Tariff name (``options.tariff``).
    scenario_tariffs : mapping
        ``{name: 24 hourly prices}`` defined in the scenario's ``[tariffs]`` [CNY/kWh].

    Returns
    -------
    Tariff
        A tuple of 24 prices when the scenario defines ``name``, else ``name``.
    """
    if name in scenario_tariffs:
        return tuple(float(p) for p in scenario_tariffs[name])
    return name


@cache
def hourly_prices(tariff: Tariff) -> np.ndarray:
    """Return the 24 hourly energy prices of a tariff [CNY/kWh].

    Parameters
    ----------
    tariff : str or tuple of float
        Tariff name in ``tariffs.csv``, or 24 hourly prices (returned as an array).

    Returns
    -------
    numpy.ndarray
        Price of each clock hour 0..23 [CNY/kWh].
    """
    if not isinstance(tariff, str):
        prices = np.asarray(tariff, dtype=float)
        if prices.shape != (24,):
            msg = f"a tariff needs 24 hourly prices, got {prices.size}"
            raise InputError(msg)
        return prices
    rows = defaults.params("tariffs", tariff=tariff)
    if not rows:
        known = sorted(set(defaults.load_table("tariffs")["tariff"]))
        msg = f"unknown tariff {tariff!r}; allowed: {', '.join(known)}"
        raise InputError(msg)
    price = {p: float(rows[f"{p}_cny_per_kwh"].value) for p in ("peak", "flat", "valley")}
    return np.array([price[str(rows[f"period_{h:02d}"].value)] for h in range(24)])


def _cum_price_h(t_s: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Integral of price over [0, t] in CNY/kWh x h."""
    cum = np.concatenate([[0.0], np.cumsum(prices)])
    day = cum[-1]
    h = np.asarray(t_s, float) / S_PER_H
    days = np.floor(h / 24.0)
    rem = h - days * 24.0
    hi = np.minimum(np.floor(rem).astype(int), 23)
    # numpy's stubs lose the dtype through fancy indexing; the result is a float array
    cum_h: np.ndarray = days * day + cum[hi] + (rem - hi) * prices[hi]
    return cum_h


def energy_cost_cny(
    start_s: npt.ArrayLike, end_s: npt.ArrayLike, kw: npt.ArrayLike, tariff: Tariff
) -> np.ndarray:
    """Return the cost of drawing constant power over intervals.

    Parameters
    ----------
    start_s, end_s : array_like
        Interval bounds [s after service-day start].
    kw : array_like
        Grid power over each interval [kW].
    tariff : str or tuple of float
        Tariff name or 24 hourly prices.

    Returns
    -------
    numpy.ndarray
        Cost [CNY].
    """
    p = hourly_prices(tariff)
    cost_cny: np.ndarray = np.asarray(kw, float) * (
        _cum_price_h(np.asarray(end_s, float), p) - _cum_price_h(np.asarray(start_s, float), p)
    )
    return cost_cny


def cheapest_windows(
    start_s: float, end_s: float, need_s: float, tariff: Tariff
) -> list[tuple[float, float]]:
    """Choose the cheapest time inside ``[start_s, end_s]`` adding up to ``need_s``.

    Hour-aligned pieces are ranked by price, then by time (earliest first), and taken
    until the need is met; the result is returned in time order.

    Parameters
    ----------
    start_s, end_s : float
        Plugged-in interval [s].
    need_s : float
        Charging time needed [s].
    tariff : str or tuple of float
        Tariff name or 24 hourly prices.

    Returns
    -------
    list of (start_s, end_s)
        Disjoint windows in time order [s].
    """
    if need_s <= 0 or end_s <= start_s:
        return []
    p = hourly_prices(tariff)
    edges = np.arange(np.floor(start_s / S_PER_H) * S_PER_H + S_PER_H, end_s, S_PER_H)
    bounds = np.concatenate([[start_s], edges, [end_s]])
    pieces = [(float(a), float(b)) for a, b in itertools.pairwise(bounds) if b > a]
    price = [p[int(a // S_PER_H) % 24] for a, _ in pieces]
    order = sorted(range(len(pieces)), key=lambda i: (price[i], pieces[i][0]))
    chosen: list[tuple[float, float]] = []
    left = need_s
    for i in order:
        if left <= 1e-9:
            break
        a, b = pieces[i]
        d = min(b - a, left)
        chosen.append((a, a + d))
        left -= d
    return sorted(chosen)
