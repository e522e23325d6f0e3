"""Project the central city's trip mode shares and green-travel share from policy levers.

A pivot-point (incremental logit) model around the 2019 split of trips among walk, bike,
bus, rail, car and taxi (``fleetopt/data/mode_share_observed.csv``)::

    U_m(y) = sum_k beta_mk * ln(X_k(y) / X_k(2019)) + trend_m(y)
    s_m(y) = s_m(2019) * exp(U_m) / sum_j s_j(2019) * exp(U_j)

with ``beta_mk = e_mk / (1 - s_m(2019))`` so that ``e_mk``, a published elasticity of the
mode's share to lever ``k`` (``mode_share_elasticities.csv``, cited), is the model's
elasticity at the base point. Levers (``mode_share_levers.csv``): rail network length,
bus operating speed, cycling infrastructure, parking price, congestion-charge cover and
car-trip intensity. What the levers do not explain (bike sharing, licence-plate rules)
is a linear autonomous trend of walk, bike and car, fitted to the observed 2015 green
and bike shares and the 2022 walk and bike shares; a share of that trend
(``trend_persistence``) continues after 2022. The uncertainty band comes from seeded
Monte Carlo draws of the elasticities and the persistence over their cited ranges,
refitting the trends each time.

Scenario table ``[mode_share]`` (checked by :func:`check_mode_share_dict`)::

    rail_network_km = {2025 = 1000, 2030 = 1200}   # year = value, or one number for 2025 on
    parking_price_index = 1.5                        # 1.0 = 2019
    congestion_charge_cover_pct = 50
    trend_persistence = 0.5
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.errors import InputError
from fleetopt.inputs import target_tables as _tables

logger = logging.getLogger(__name__)

#: Modes of the model, in column order.
MODES = ("walk", "bike", "bus", "rail", "car", "taxi")

#: Modes counted as green travel by the plan (walk + bike + bus + rail).
GREEN_MODES = ("walk", "bike", "bus", "rail")

#: Modes with a fitted autonomous trend.
TREND_MODES = ("walk", "bike", "car")

#: Allowed range of every lever [lever unit].
LEVER_RANGES = _tables.MODE_SHARE_LEVER_RANGES

#: Year a scalar lever value applies from.
SCALAR_LEVER_YEAR = 2025

#: Years a lever table may name.
YEAR_RANGE = _tables.MODE_SHARE_YEAR_RANGE

#: The ``[mode_share]`` check (:mod:`fleetopt.inputs.target_tables`), kept importable here.
check_mode_share_dict = _tables.check_mode_share_dict


# --------------------------------------------------------------------------- layer 1
def pivot_shares(base_share: np.ndarray, utility: np.ndarray) -> np.ndarray:
    """Return the pivot-point logit shares ``s0 * exp(U) / sum(s0 * exp(U))``.

    Parameters
    ----------
    base_share : numpy.ndarray
        Base-year shares, shape (modes,) [-].
    utility : numpy.ndarray
        Utility change per year and mode, shape (years, modes) [-].

    Returns
    -------
    numpy.ndarray
        Shares per year and mode, each row summing to 1 [-].
    """
    w = base_share[None, :] * np.exp(utility - utility.max(axis=1, keepdims=True))
    return np.asarray(w / w.sum(axis=1, keepdims=True), dtype=float)


def lever_utility(
    lever_values: Mapping[str, np.ndarray],
    base_values: Mapping[str, float],
    elasticities: pd.DataFrame,
    base_share: np.ndarray,
) -> np.ndarray:
    """Return the utility change each lever gives each mode, shape (years, modes).

    ``log`` levers add ``e / (1 - s0) * ln(X / X0)``; ``linear`` levers (a percent cover)
    add ``ln(1 + e * X / 100) / (1 - s0)``.

    Parameters
    ----------
    lever_values : mapping of str to numpy.ndarray
        Lever value per year [lever unit].
    base_values : mapping of str to float
        Lever value in the base year [lever unit].
    elasticities : pandas.DataFrame
        Columns ``lever, mode, form, value`` (one row per lever and mode) [-].
    base_share : numpy.ndarray
        Base-year shares in :data:`MODES` order [-].

    Returns
    -------
    numpy.ndarray
    """
    n = len(next(iter(lever_values.values())))
    u = np.zeros((n, len(MODES)))
    for row in elasticities.itertuples(index=False):
        m = MODES.index(row.mode)
        x = np.asarray(lever_values[row.lever], dtype=float)
        beta = float(row.value) / (1.0 - base_share[m])
        if row.form == "log":
            u[:, m] += beta * np.log(x / base_values[row.lever])
        else:
            u[:, m] += np.log(np.maximum(1.0 + float(row.value) * x / 100.0, 1e-6)) / (
                1.0 - base_share[m]
            )
    return u


# --------------------------------------------------------------------------- layer 2
@dataclass(frozen=True)
class ModeShareResult:
    """Projected mode shares and green-travel share with an uncertainty band.

    Attributes
    ----------
    shares : pandas.DataFrame
        Index year, one column per mode, central projection [%].
    green_pct : pandas.Series
        Central green-travel share by year [%].
    green_low_pct, green_high_pct : pandas.Series
        Band (percentiles of ``mode_share_params.csv``) by year [%].
    trend_per_year : dict of str to float
        Fitted yearly utility trend of walk, bike and car [1/year].
    calibration : pandas.DataFrame
        ``mode, year, observed, modelled, error_points, source`` per observed point [%].
    levers : pandas.DataFrame
        Lever values by year [lever unit].
    """

    shares: pd.DataFrame
    green_pct: pd.Series
    green_low_pct: pd.Series
    green_high_pct: pd.Series
    trend_per_year: dict[str, float]
    calibration: pd.DataFrame = field(repr=False)
    levers: pd.DataFrame = field(repr=False)


def _p(name: str) -> float:
    return defaults.value("mode_share_params", name)


def lever_paths(years: np.ndarray, table: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Return each lever's value by year: history, business-as-usual, then scenario values.

    Parameters
    ----------
    years : numpy.ndarray
        Model years [year].
    table : mapping, optional
        A scenario's ``[mode_share]`` table.

    Returns
    -------
    dict of str to numpy.ndarray
        Lever values [lever unit].
    """
    table = table or {}
    levers = defaults.load_table("mode_share_levers")
    # scenario values start after the last published lever value of any lever (2024)
    data_end = int(levers[levers.name == "value"].year.max())
    out: dict[str, np.ndarray] = {}
    for lever in LEVER_RANGES:
        rows = levers[levers.lever == lever]
        hist = rows[rows.name == "value"]
        hx = hist.year.astype(float).to_numpy()
        hy = hist.value.astype(float).to_numpy()
        trend = float(rows[rows.name == "future_trend_per_year"].value.iloc[0])
        last = hx.max()
        path = np.interp(years, hx, hy)
        path = np.where(years > last, hy[hx.argmax()] + trend * (years - last), path)
        if lever in table:
            user = table[lever]
            pts = (
                {int(k): float(v) for k, v in user.items()}
                if isinstance(user, Mapping)
                else {SCALAR_LEVER_YEAR: float(user)}
            )
            first = min(pts)
            join_year = min(data_end, first - 1)
            anchors = {join_year: float(np.interp(join_year, years, path)), **pts}
            xs = np.array(sorted(anchors), dtype=float)
            new = np.interp(years, xs, [anchors[int(x)] for x in xs])
            path = np.where(years > join_year, new, path)
        out[lever] = path
    return out


def _base_share() -> tuple[np.ndarray, int]:
    obs = defaults.load_table("mode_share_observed")
    base = obs[(obs.use == "base") & (obs["mode"].isin(MODES))]
    s0 = np.array([float(base[base["mode"] == m].value.iloc[0]) for m in MODES]) / 100.0
    s0 = s0 / s0.sum()
    return s0, int(base.year.iloc[0])


def _trend_utility(
    years: np.ndarray, tau: np.ndarray, base_year: int, last_obs: int, persistence: float
) -> np.ndarray:
    t = np.where(
        years <= last_obs,
        years - base_year,
        (last_obs - base_year) + persistence * (years - last_obs),
    ).astype(float)
    u = np.zeros((len(years), len(MODES)))
    for i, m in enumerate(TREND_MODES):
        u[:, MODES.index(m)] = tau[i] * t
    return u


def _green(sh: np.ndarray) -> np.ndarray:
    return np.asarray(sh[:, [MODES.index(m) for m in GREEN_MODES]].sum(axis=1), dtype=float)


def _modelled_points(sh: np.ndarray, years: np.ndarray, obs: pd.DataFrame) -> np.ndarray:
    rows = np.searchsorted(years, obs.year.astype(int).to_numpy())
    return _points(sh, rows, _mode_columns(obs))


def _mode_columns(obs: pd.DataFrame) -> np.ndarray:
    return np.array([-1 if m == "green" else MODES.index(m) for m in obs["mode"]])


def _points(sh: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    green = _green(sh)[rows]
    single = sh[rows, np.maximum(cols, 0)]
    return np.asarray(100.0 * np.where(cols < 0, green, single), dtype=float)


def _fit_batch(
    years: np.ndarray,
    s0: np.ndarray,
    u_lever: np.ndarray,
    obs: pd.DataFrame,
    base_year: int,
    last_obs: int,
    iterations: int = 30,
) -> np.ndarray:
    """Fit the walk, bike and car trends for a batch of lever utilities at once.

    A Levenberg-Marquardt iteration per batch member, vectorised over the batch (the
    Monte Carlo band refits hundreds of times; one ``least_squares`` call each is too slow).

    Parameters
    ----------
    years : numpy.ndarray
        Model years [year].
    s0 : numpy.ndarray
        Base-year shares [-].
    u_lever : numpy.ndarray
        Lever utility, shape (batch, years, modes) [-].
    obs : pandas.DataFrame
        Observed points (``mode``, ``year``, ``value`` [%]).
    base_year, last_obs : int
        Base year and last observed year [year].
    iterations : int
        Iterations [-].

    Returns
    -------
    numpy.ndarray
        Trends, shape (batch, 3) [1/year].
    """
    target = obs.value.astype(float).to_numpy()
    obs_years = np.unique(obs.year.astype(int).to_numpy())
    u_obs = u_lever[:, np.searchsorted(years, obs_years), :]
    rows = np.searchsorted(obs_years, obs.year.astype(int).to_numpy())
    cols = _mode_columns(obs)
    t = (obs_years - base_year).astype(float)
    trend_cols = [MODES.index(m) for m in TREND_MODES]
    green_cols = [MODES.index(m) for m in GREEN_MODES]
    n = u_obs.shape[0]

    def resid(tau: np.ndarray) -> np.ndarray:
        u = u_obs.copy()
        u[:, :, trend_cols] += tau[:, None, :] * t[None, :, None]
        w = s0[None, None, :] * np.exp(u - u.max(axis=2, keepdims=True))
        sh = w / w.sum(axis=2, keepdims=True)
        green = sh[:, :, green_cols].sum(axis=2)[:, rows]
        single = sh[:, rows, np.maximum(cols, 0)]
        return np.asarray(100.0 * np.where(cols[None, :] < 0, green, single) - target, float)

    tau = np.zeros((n, len(TREND_MODES)))
    lam = np.full(n, 1e-3)
    r = resid(tau)
    cost = (r**2).sum(axis=1)
    eye = np.eye(len(TREND_MODES))
    h = 1e-6
    for _ in range(iterations):
        jac = np.stack([(resid(tau + h * eye[k]) - r) / h for k in range(len(TREND_MODES))], axis=2)
        jtj = np.einsum("npk,npl->nkl", jac, jac)
        jtr = np.einsum("npk,np->nk", jac, r)
        diag = np.einsum("nkk->nk", jtj)
        a = jtj + lam[:, None, None] * (np.eye(len(TREND_MODES))[None] * (diag[:, None, :] + 1e-9))
        step = -np.linalg.solve(a, jtr[:, :, None])[:, :, 0]
        trial = tau + step
        r_new = resid(trial)
        cost_new = (r_new**2).sum(axis=1)
        better = cost_new < cost
        tau = np.where(better[:, None], trial, tau)
        r = np.where(better[:, None], r_new, r)
        cost = np.where(better, cost_new, cost)
        lam = np.where(better, lam * 0.3, lam * 10.0)
    return tau


def _fit(
    years: np.ndarray,
    s0: np.ndarray,
    u_lever: np.ndarray,
    obs: pd.DataFrame,
    base_year: int,
    last_obs: int,
) -> np.ndarray:
    return np.asarray(
        _fit_batch(years, s0, u_lever[None], obs, base_year, last_obs)[0], dtype=float
    )


def hindcast(fit_until: int | None = None) -> pd.DataFrame:
    """Fit the trends on the figures up to ``fit_until`` and predict the later published ones.

    Parameters
    ----------
    fit_until : int, optional
        Last year whose figures enter the fit [year]; default ``hindcast_fit_until``
        (``mode_share_params.csv``, 2019: the last year before the pandemic).

    Returns
    -------
    pandas.DataFrame
        ``mode, year, observed, predicted, error_points, use, source`` for every published
        figure after ``fit_until`` (calibration and reported rows) [%].
    """
    until = int(_p("hindcast_fit_until")) if fit_until is None else int(fit_until)
    years = np.arange(int(_p("first_year")), int(_p("last_year")) + 1)
    s0, base_year = _base_share()
    obs_all = defaults.load_table("mode_share_observed")
    known = obs_all["mode"].isin([*MODES, "green"])
    fit_obs = obs_all[(obs_all.use == "calibration") & (obs_all.year <= until) & known]
    later = obs_all[(obs_all.year > until) & known & (obs_all.use != "base")]
    paths = lever_paths(years, None)
    base_vals = {k: float(np.interp(base_year, years, v)) for k, v in paths.items()}
    el = defaults.load_table("mode_share_elasticities")
    central = el[el.name == "elasticity"][["lever", "mode", "form", "value"]].reset_index(drop=True)
    u = lever_utility(paths, base_vals, central, s0)
    tau = _fit(years, s0, u, fit_obs.reset_index(drop=True), base_year, until)
    sh = pivot_shares(s0, u + _trend_utility(years, tau, base_year, until, 1.0))
    pred = _modelled_points(sh, years, later.reset_index(drop=True)) if len(later) else np.zeros(0)
    return pd.DataFrame(
        {
            "mode": later["mode"].to_numpy(),
            "year": later.year.astype(int).to_numpy(),
            "observed": later.value.astype(float).to_numpy(),
            "predicted": pred,
            "error_points": pred - later.value.astype(float).to_numpy(),
            "use": later.use.to_numpy(),
            "source": later.source.to_numpy(),
        }
    )


def project_mode_share(
    table: Mapping[str, Any] | None = None, *, seed: int | None = None
) -> ModeShareResult:
    """Calibrate the trends, then project mode shares 2015-2035 with an uncertainty band.

    Parameters
    ----------
    table : mapping, optional
        A scenario's ``[mode_share]`` table (checked; see :func:`check_mode_share_dict`).
    seed : int, optional
        Seed of the band's Monte Carlo draws; default ``band_seed`` of the parameter table.

    Returns
    -------
    ModeShareResult

    Raises
    ------
    InputError
        When the table is invalid (every problem listed, with its key path).
    """
    table = dict(table or {})
    problems = check_mode_share_dict(table)
    if problems:
        msg = "invalid [mode_share] table"
        raise InputError(msg, problems)
    years = np.arange(int(_p("first_year")), int(_p("last_year")) + 1)
    s0, base_year = _base_share()
    obs_all = defaults.load_table("mode_share_observed")
    obs = obs_all[obs_all.use == "calibration"].reset_index(drop=True)
    last_obs = int(obs.year.max())
    paths = lever_paths(years, table)
    base_vals = {k: float(np.interp(base_year, years, v)) for k, v in paths.items()}
    el = defaults.load_table("mode_share_elasticities")
    central = el[el.name == "elasticity"][["lever", "mode", "form", "value"]].reset_index(drop=True)
    persistence = float(table.get("trend_persistence", _p("trend_persistence")))

    # history-only lever paths for calibration (scenario levers must not move the fit)
    hist_paths = lever_paths(years, None)
    paths_equal = all(np.array_equal(paths[k], hist_paths[k]) for k in paths)

    def one_run(elast: pd.DataFrame, persist: float) -> tuple[np.ndarray, np.ndarray]:
        tau = _fit(
            years, s0, lever_utility(hist_paths, base_vals, elast, s0), obs, base_year, last_obs
        )
        u = lever_utility(paths, base_vals, elast, s0) + _trend_utility(
            years, tau, base_year, last_obs, persist
        )
        return pivot_shares(s0, u), tau

    sh, tau = one_run(central, persistence)
    # uncertainty band: elasticities and persistence drawn over their ranges
    rng = np.random.default_rng(int(seed) if seed is not None else int(_p("band_seed")))
    n = int(table.get("band_samples", _p("band_samples")))
    lo = el[el.name == "elasticity_low"].set_index(["lever", "mode"]).value.astype(float)
    hi = el[el.name == "elasticity_high"].set_index(["lever", "mode"]).value.astype(float)
    p_lo, p_hi = _p("trend_persistence_low"), _p("trend_persistence_high")
    keys = list(zip(central.lever, central["mode"], strict=True))
    a = np.array([lo[key] for key in keys])
    b = np.array([hi[key] for key in keys])
    draws = a[None, :] + (b - a)[None, :] * rng.random((n, len(keys)))
    persists = p_lo + (p_hi - p_lo) * rng.random(n)
    u_hist = np.empty((n, len(years), len(MODES)))
    u_scen = np.empty((n, len(years), len(MODES)))
    for k in range(n):
        draw = central.copy()
        draw["value"] = draws[k]
        u_hist[k] = lever_utility(hist_paths, base_vals, draw, s0)
        u_scen[k] = u_hist[k] if paths_equal else lever_utility(paths, base_vals, draw, s0)
    taus = _fit_batch(years, s0, u_hist, obs, base_year, last_obs)
    greens = np.empty((n, len(years)))
    for k in range(n):
        u = u_scen[k] + _trend_utility(years, taus[k], base_year, last_obs, float(persists[k]))
        greens[k] = _green(pivot_shares(s0, u))
    band_lo = np.percentile(greens, _p("band_low_pct"), axis=0)
    band_hi = np.percentile(greens, _p("band_high_pct"), axis=0)

    modelled = _modelled_points(sh, years, obs)
    calibration = pd.DataFrame(
        {
            "mode": obs["mode"],
            "year": obs.year.astype(int),
            "observed": obs.value.astype(float),
            "modelled": modelled,
            "error_points": modelled - obs.value.astype(float),
            "source": obs.source,
        }
    )
    base_green = 100 * _green(sh)[int(np.flatnonzero(years == base_year)[0])]
    logger.info(
        "mode share: base %d green %.2f %%, trends %s",
        base_year,
        base_green,
        dict(zip(TREND_MODES, tau, strict=True)),
    )
    idx = pd.Index(years, name="year")
    return ModeShareResult(
        shares=pd.DataFrame(100.0 * sh, index=idx, columns=list(MODES)),
        green_pct=pd.Series(100.0 * _green(sh), index=idx, name="green_pct"),
        green_low_pct=pd.Series(100.0 * band_lo, index=idx, name="green_low_pct"),
        green_high_pct=pd.Series(100.0 * band_hi, index=idx, name="green_high_pct"),
        trend_per_year={m: float(t) for m, t in zip(TREND_MODES, tau, strict=True)},
        calibration=calibration,
        levers=pd.DataFrame(paths, index=idx),
    )
