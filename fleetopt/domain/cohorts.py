"""Building blocks of the cohort (stock-flow) vehicle model: pure functions on arrays.

Weibull survival of a registration cohort, a logistic adoption curve, one run of the
cohorts of a segment and a bounded least-squares fit. No parameter tables are read here;
:mod:`fleetopt.domain.transition` feeds them from ``fleet_stats.csv``,
``survival_curves.csv`` and ``transition_params.csv`` (split from it, issue 13).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def weibull_survival(age_years: np.ndarray, mean_life_years: float, shape: float) -> np.ndarray:
    """Return the share of a cohort still registered at each age (Weibull survival).

    Parameters
    ----------
    age_years : numpy.ndarray
        Ages [years].
    mean_life_years : float
        Mean life of the distribution [years].
    shape : float
        Weibull shape (1 = constant scrappage rate; larger = scrappage bunched near the mean) [-].

    Returns
    -------
    numpy.ndarray
        Survival share, 1 at age 0, decreasing to 0 [-].
    """
    scale_years = mean_life_years / math.gamma(1.0 + 1.0 / shape)
    return np.exp(-np.power(np.asarray(age_years, dtype=float) / scale_years, shape))


def logistic_share(
    years: np.ndarray, mid_year: float, width_years: float, max_frac: float
) -> np.ndarray:
    """Return a logistic adoption curve, the NEV share of new vehicles by year.

    Parameters
    ----------
    years : numpy.ndarray
        Calendar years [year].
    mid_year : float
        Year the share reaches half of ``max_frac`` [year].
    width_years : float
        Years for the share to grow by a factor e near the start (steepness) [years].
    max_frac : float
        Upper asymptote [-].

    Returns
    -------
    numpy.ndarray
        Share of new vehicles that are NEV [-].
    """
    z = (np.asarray(years, dtype=float) - mid_year) / width_years
    return max_frac / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))


def run_cohorts(
    years: np.ndarray,
    stock_vehicles: np.ndarray,
    survival: np.ndarray,
    new_nev_frac: np.ndarray,
) -> dict[str, np.ndarray]:
    """Age a fleet year by year; new vehicles fill the gap to the target stock.

    The first year's stock is in steady state (ages distributed as the survival curve)
    and all fossil. Values are at the end of each year.

    Parameters
    ----------
    years : numpy.ndarray
        Consecutive years [year].
    stock_vehicles : numpy.ndarray
        Target stock at the end of each year [vehicles].
    survival : numpy.ndarray
        Survival share by age 0, 1, … (transition uses 0..MAX_AGE_YEARS) [-].
    new_nev_frac : numpy.ndarray
        NEV share of the vehicles added in each year [-].

    Returns
    -------
    dict of str to numpy.ndarray
        ``stock``, ``nev_stock``, ``new``, ``new_nev`` per year [vehicles].
    """
    n_years = len(years)
    surv = np.asarray(survival, dtype=float)
    # a cohort added with N vehicles holds N x rel[a] at age a (rel[0] = 1); the first year's
    # steady-state stock (ages distributed as the survival curve) keeps
    # stock0 / sum(surv) x sum(surv[i:]) after i years
    rel = surv / surv[0] if surv[0] > 0 else np.zeros_like(surv)
    tail = np.cumsum(surv[::-1])[::-1]
    initial = np.zeros(n_years)
    m = min(n_years, len(surv))
    initial[:m] = float(stock_vehicles[0]) * tail[:m] / surv.sum()
    rel_list = rel.tolist()
    span = len(rel_list)
    new = [0.0] * n_years
    stock = np.zeros(n_years)
    stock[0] = initial[0]
    for i in range(1, n_years):
        survivors = float(initial[i]) + sum(
            new[j] * rel_list[i - j] for j in range(max(1, i - span + 1), i)
        )
        added = max(float(stock_vehicles[i]) - survivors, 0.0)
        new[i] = added
        stock[i] = survivors + added
    new_arr = np.array(new)
    new_nev = new_arr * np.asarray(new_nev_frac, dtype=float)
    new_nev[0] = 0.0
    out = {
        "stock": stock,
        "nev_stock": np.convolve(new_nev, rel)[:n_years],
        "new": new_arr,
        "new_nev": new_nev,
    }
    return out


def fit_least_squares(
    resid: Any, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, max_iter: int = 60
) -> np.ndarray:
    """Minimise ``sum(resid(x)**2)`` within bounds (Levenberg-Marquardt, steps clipped).

    A small solver for the one- and two-parameter adoption fits: scipy.optimize is not
    imported for them (importing it costs about half a second of ``fleetopt targets``).

    Parameters
    ----------
    resid : callable
        ``x -> residual vector``.
    x0, lower, upper : numpy.ndarray
        Start and bounds of the parameters.
    max_iter : int
        Iterations [-].

    Returns
    -------
    numpy.ndarray
        The parameters at the smallest cost found.
    """
    x = np.clip(np.asarray(x0, dtype=float), lower, upper)
    r = np.asarray(resid(x), dtype=float)
    cost = float(r @ r)
    lam = 1e-3
    for _ in range(max_iter):
        jac = np.empty((len(r), len(x)))
        for k in range(len(x)):
            h = 1e-6 * max(1.0, abs(float(x[k])))
            xk = x.copy()
            xk[k] += h
            jac[:, k] = (np.asarray(resid(xk), dtype=float) - r) / h
        a, g = jac.T @ jac, jac.T @ r
        for _ in range(12):
            step = np.linalg.solve(a + lam * np.diag(np.diag(a) + 1e-12), -g)
            trial = np.clip(x + step, lower, upper)
            r_new = np.asarray(resid(trial), dtype=float)
            cost_new = float(r_new @ r_new)
            if cost_new < cost:
                break
            lam *= 10.0
        else:
            return np.asarray(x, dtype=float)
        gain = (cost - cost_new) / max(cost, 1e-300)
        x, r, cost = trial, r_new, cost_new
        lam = max(lam * 0.3, 1e-12)
        if gain < 1e-10 or cost < 1e-24:
            break
    return np.asarray(x, dtype=float)
