"""The charging plan's tables and bounds: plug windows as a schedule, load per step, prices.

Helpers of :mod:`fleetopt.planning.charging_lp` (kept apart to hold that module's size):
the schedule table of the plug windows (clock times of the simulated day), the spread of
a window's energy over the steps, the marginal price of a vehicle's end-of-day charge,
the clock hours where the tariff's price changes (where the model cuts the day), and the
weak-duality bound of a relaxation from any row duals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import sparse

from fleetopt.planning import _solver
from fleetopt.planning.charging_model import Model, VehicleDay, sim_times

__all__ = [
    "SCHEDULE_COLS",
    "dual_bound",
    "end_prices",
    "price_cuts",
    "spread",
    "windows_table",
]

#: Columns of the charging schedule table.
SCHEDULE_COLS = [
    "vehicle_id",
    "vehicle_type",
    "station_id",
    "start_s",
    "end_s",
    "battery_kwh",
    "grid_kwh",
    "grid_kw",
    "price_cny_per_kwh",
    "cost_cny",
]


def price_cuts(prices_cny_per_kwh: np.ndarray) -> np.ndarray:
    """Clock hours where the hourly price differs from the hour before (none: flat)."""
    p = np.asarray(prices_cny_per_kwh, float)
    return np.flatnonzero(p != np.roll(p, 1))


def end_prices(
    m: Model, vehicles: list[VehicleDay], duals: np.ndarray | None
) -> dict[str, float]:
    """Marginal cost of one more battery kWh at each vehicle's day end (cyclic-row duals)."""
    if duals is None:
        return {}
    y = np.abs(duals[m.cyclic_row0 : m.cyclic_row0 + len(vehicles)])
    return {v.vehicle_id: float(p) for v, p in zip(vehicles, y, strict=True)}


def windows_table(
    wins: list[tuple[int, float, float, float]],
    m: Model,
    vehicles: list[VehicleDay],
    station_ids: np.ndarray,
    price: np.ndarray,
    t0_s: float,
) -> pd.DataFrame:
    """Return the schedule table of the plug windows (clock times, :func:`sim_times`)."""
    if not wins:
        return pd.DataFrame(columns=SCHEDULE_COLS)
    p = np.array([w[0] for w in wins], dtype=np.int64)
    w0 = np.array([w[1] for w in wins])
    w1 = np.array([w[2] for w in wins])
    e = np.array([w[3] for w in wins])
    start = sim_times(w0, m.q_night[p], t0_s)
    grid = e / m.q_eff[p]
    return pd.DataFrame(
        {
            "vehicle_id": [vehicles[int(v)].vehicle_id for v in m.q_vehicle[p]],
            "vehicle_type": [vehicles[int(v)].vehicle_type for v in m.q_vehicle[p]],
            "station_id": station_ids[m.q_station[p]],
            "start_s": start,
            "end_s": start + (w1 - w0),
            "battery_kwh": e,
            "grid_kwh": grid,
            "grid_kw": grid / ((w1 - w0) / 3600.0),
            "price_cny_per_kwh": price[p],
            "cost_cny": grid * price[p],
        }
    )


def spread(load: np.ndarray, off_s: float, dur_s: float, kwh: float, step_s: float) -> None:
    """Add ``kwh`` spread evenly over ``[off_s, off_s + dur_s)`` to per-step mean kW."""
    n = load.size
    a, b = off_s, off_s + dur_s
    k = int(a // step_s)
    while a < b - 1e-9:
        edge = min(b, (k + 1) * step_s)
        load[k % n] += kwh * (edge - a) / dur_s / (step_s / 3600.0)
        a, k = edge, k + 1


def dual_bound(
    c: np.ndarray,
    a: sparse.csr_matrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    duals: np.ndarray | None,
) -> float:
    """Return the weak-duality lower bound of ``min c.x`` from row duals (``-inf``: none).

    Any row duals give a bound once each has the sign its row's finite side allows (a
    dual of the wrong sign on a one-sided row is set to 0) and the reduced costs are
    computed from them (:func:`fleetopt.planning._solver._dual_objective`); solver noise in
    the duals then only weakens the bound, never makes it wrong.
    """
    if duals is None:
        return -math.inf
    y = np.where(np.abs(duals) < 1e-9, 0.0, np.asarray(duals, float))
    y = np.where((y > 0) & ~np.isfinite(row_lb), 0.0, y)
    y = np.where((y < 0) & ~np.isfinite(row_ub), 0.0, y)
    rc = np.asarray(c, float) - a.T @ y
    return _solver._dual_objective(y, rc, row_lb, row_ub, col_lb, col_ub)
