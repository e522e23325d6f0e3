"""Project Beijing's vehicle stock by segment and powertrain, 2000-2035, with survival curves.

A cohort (stock-flow) model: every year each segment's vehicles age one year and survive
with a Weibull survival curve; new vehicles fill the gap to the segment's stock; a share
of the new vehicles is new-energy (NEV). That share follows a logistic adoption curve
whose two parameters are fitted to the published Beijing figures
(``fleetopt/data/fleet_stats.csv``: NEV stock 507,000 at end-2021, 870,000 at mid-2024,
bus and taxi counts and shares), or a path the scenario gives. Every parameter comes from
``fleet_stats.csv``, ``survival_curves.csv`` and ``transition_params.csv``.

Segments: ``other`` (all motor vehicles except buses and taxis, mostly private cars),
``bus``, ``taxi``, ``sanitation`` and ``light_logistics`` (< 4.5 t delivery). No public
source gives the size of the last two fleets, so they are modelled with a normalised
stock of 1.0 and report shares only; they stay inside ``other`` for absolute counts.

Scenario table ``[transition]`` (checked by :func:`check_transition_dict`)::

    [transition.new_nev_share_pct.bus]         # NEV share of new vehicles [%] by year
    2025 = 100
    [transition.stock_vehicles.taxi]           # stock anchors [vehicles] by year
    2030 = 60000
    [transition.exempt_pct]                    # share of the segment the plan exempts [%]
    bus = 3.0
    [transition.survival.taxi]
    mean_life_years = 6
    weibull_shape = 8
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from fleetopt import defaults
from fleetopt.errors import InputError, Problem

logger = logging.getLogger(__name__)

#: Segments of the transition model.
SEGMENTS = ("other", "bus", "taxi", "sanitation", "light_logistics")

#: Segments whose absolute stock is known from published figures.
COUNTED_SEGMENTS = ("other", "bus", "taxi")

#: Segments whose stock is unknown: a normalised stock of 1.0, shares only.
NORMALISED_SEGMENTS = ("sanitation", "light_logistics")

#: Oldest age tracked [years].
MAX_AGE_YEARS = 60

#: Years a scenario may name.
YEAR_RANGE = (2000, 2060)

_KEYS = ("new_nev_share_pct", "stock_vehicles", "exempt_pct", "survival")
_SURVIVAL_KEYS = {"mean_life_years": (0.5, 60.0), "weibull_shape": (0.5, 30.0)}


# --------------------------------------------------------------------------- checks
def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _year_of(key: object) -> int | None:
    text = str(key).strip()
    if not text.isdigit():
        return None
    return int(text)


def _check_year_table(
    table: object, prefix: str, lo: float, hi: float | None, unit: str
) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(table, Mapping):
        problems.append(Problem(f"expected a table of year = value [{unit}]", column=prefix))
        return problems
    if not table:
        problems.append(
            Problem(f"empty table; give at least one year = value [{unit}]", column=prefix)
        )
    for key, val in table.items():
        where = f"{prefix}.{key}"
        year = _year_of(key)
        if year is None or not (YEAR_RANGE[0] <= year <= YEAR_RANGE[1]):
            problems.append(
                Problem(
                    f"{key!r} is not a year; use a year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}",
                    column=where,
                )
            )
        if not _is_number(val):
            problems.append(Problem(f"expected a number [{unit}], got {val!r}", column=where))
        elif float(val) < lo or (hi is not None and float(val) > hi):
            allowed = f"{lo:g} to {hi:g}" if hi is not None else f">= {lo:g}"
            problems.append(
                Problem(f"{val!r} is out of range; allowed {allowed} [{unit}]", column=where)
            )
    return problems


def _check_segment_table(table: object, prefix: str) -> tuple[dict[str, Any], list[Problem]]:
    if not isinstance(table, Mapping):
        return {}, [
            Problem(f"expected a table keyed by segment ({', '.join(SEGMENTS)})", column=prefix)
        ]
    problems = [
        Problem(f"unknown segment {key!r}; known: {', '.join(SEGMENTS)}", column=f"{prefix}.{key}")
        for key in table
        if key not in SEGMENTS
    ]
    return {k: v for k, v in table.items() if k in SEGMENTS}, problems


def check_transition_dict(table: object, prefix: str = "transition") -> list[Problem]:
    """Check a scenario's ``[transition]`` table; list every problem at once.

    Parameters
    ----------
    table : object
        The parsed TOML table.
    prefix : str
        Dotted key path of the table, used in each problem's ``column``.

    Returns
    -------
    list of Problem
        Empty when the table is valid. ``column`` is the dotted key path.
    """
    if not isinstance(table, Mapping):
        return [Problem("expected a table ([transition])", column=prefix)]
    problems: list[Problem] = []
    for key, val in table.items():
        where = f"{prefix}.{key}"
        if key not in _KEYS:
            problems.append(
                Problem(f"unknown key {key!r}; known: {', '.join(_KEYS)}", column=where)
            )
        elif key == "exempt_pct":
            segs, probs = _check_segment_table(val, where)
            problems += probs
            for seg, pct in segs.items():
                if not _is_number(pct) or not (0.0 <= float(pct) < 100.0):
                    problems.append(
                        Problem(
                            f"{pct!r}: expected a share from 0 to below 100 [%]",
                            column=f"{where}.{seg}",
                        )
                    )
        elif key in ("new_nev_share_pct", "stock_vehicles"):
            segs, probs = _check_segment_table(val, where)
            problems += probs
            for seg, years in segs.items():
                if key == "new_nev_share_pct":
                    problems += _check_year_table(years, f"{where}.{seg}", 0.0, 100.0, "%")
                else:
                    problems += _check_year_table(years, f"{where}.{seg}", 0.0, None, "vehicles")
                    if seg in NORMALISED_SEGMENTS:
                        problems.append(
                            Problem(
                                f"segment {seg!r} has a normalised stock "
                                "(no published fleet size); "
                                f"stock anchors are allowed for {', '.join(COUNTED_SEGMENTS)}",
                                column=f"{where}.{seg}",
                            )
                        )
        elif key == "survival":
            segs, probs = _check_segment_table(val, where)
            problems += probs
            for seg, params in segs.items():
                if not isinstance(params, Mapping):
                    problems.append(
                        Problem(
                            "expected a table with mean_life_years, weibull_shape",
                            column=f"{where}.{seg}",
                        )
                    )
                    continue
                for pname, pval in params.items():
                    pwhere = f"{where}.{seg}.{pname}"
                    if pname not in _SURVIVAL_KEYS:
                        problems.append(
                            Problem(
                                f"unknown key {pname!r}; known: {', '.join(_SURVIVAL_KEYS)}",
                                column=pwhere,
                            )
                        )
                        continue
                    lo, hi = _SURVIVAL_KEYS[pname]
                    if not _is_number(pval) or not (lo <= float(pval) <= hi):
                        problems.append(
                            Problem(
                                f"{pval!r}: expected a number from {lo:g} to {hi:g}", column=pwhere
                            )
                        )
    return problems


# --------------------------------------------------------------------------- layer 1
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
        Survival share by age 0..MAX_AGE_YEARS [-].
    new_nev_frac : numpy.ndarray
        NEV share of the vehicles added in each year [-].

    Returns
    -------
    dict of str to numpy.ndarray
        ``stock``, ``nev_stock``, ``new``, ``new_nev`` per year [vehicles].
    """
    n_years = len(years)
    cond = np.ones(len(survival))
    cond[1:] = np.divide(
        survival[1:], survival[:-1], out=np.zeros(len(survival) - 1), where=survival[:-1] > 0
    )
    cohorts = stock_vehicles[0] * survival / survival.sum()
    nev = np.zeros_like(cohorts)
    out = {k: np.zeros(n_years) for k in ("stock", "nev_stock", "new", "new_nev")}
    out["stock"][0] = cohorts.sum()
    for i in range(1, n_years):
        cohorts = np.concatenate(([0.0], cohorts[:-1])) * cond
        nev = np.concatenate(([0.0], nev[:-1])) * cond
        new = max(stock_vehicles[i] - cohorts.sum(), 0.0)
        cohorts[0] = new
        nev[0] = new * new_nev_frac[i]
        out["stock"][i] = cohorts.sum()
        out["nev_stock"][i] = nev.sum()
        out["new"][i] = new
        out["new_nev"][i] = nev[0]
    return out


# --------------------------------------------------------------------------- layer 2
@dataclass(frozen=True)
class SegmentResult:
    """One segment's yearly series (end of each year).

    Attributes
    ----------
    stock : numpy.ndarray
        Vehicles registered [vehicles] (1.0 = the whole fleet for normalised segments).
    nev_stock : numpy.ndarray
        New-energy vehicles registered [vehicles].
    new : numpy.ndarray
        Vehicles added in the year [vehicles].
    new_nev : numpy.ndarray
        New-energy vehicles added in the year [vehicles].
    new_nev_frac : numpy.ndarray
        NEV share of additions used by the model [-]; NaN where the segment has no path.
    exempt_frac : float
        Share of the segment the plan exempts [-].
    has_path : bool
        False when neither data nor the scenario give this segment an NEV path.
    """

    stock: np.ndarray
    nev_stock: np.ndarray
    new: np.ndarray
    new_nev: np.ndarray
    new_nev_frac: np.ndarray
    exempt_frac: float
    has_path: bool


@dataclass(frozen=True)
class TransitionResult:
    """Yearly fleet stock by segment, the fitted adoption curves and the calibration error.

    Attributes
    ----------
    years : numpy.ndarray
        Model years [year]; values are at the end of each year.
    segments : dict of str to SegmentResult
        Series per segment.
    fitted : dict of str to dict
        Logistic parameters per calibrated segment (``mid_year``, ``width_years``).
    calibration : pandas.DataFrame
        ``segment, metric, time_year, observed, modelled, error_pct, source`` per observed point.
    """

    years: np.ndarray
    segments: dict[str, SegmentResult]
    fitted: dict[str, dict[str, float]]
    calibration: pd.DataFrame = field(repr=False)

    def at(self, series: np.ndarray, time_year: float) -> float:
        """Interpolate an end-of-year series at a decimal time (end of year y = y + 1)."""
        return float(np.interp(time_year, self.years + 1.0, series))

    def _index(self, year: int) -> int:
        idx = np.flatnonzero(self.years == year)
        if not len(idx):
            msg = f"year {year} is outside the model years {self.years[0]}-{self.years[-1]}"
            raise InputError(msg)
        return int(idx[0])

    def nev_stock_total(self, year: int) -> float:
        """NEV stock of all counted segments at the end of ``year`` [vehicles]."""
        i = self._index(year)
        return float(sum(self.segments[s].nev_stock[i] for s in COUNTED_SEGMENTS))

    def nev_share_of_eligible_pct(self, segment: str, year: int) -> float:
        """NEV share of the segment's eligible (non-exempt) stock at the end of ``year`` [%]."""
        seg = self.segments[segment]
        if not seg.has_path:
            return math.nan
        i = self._index(year)
        eligible = seg.stock[i] * (1.0 - seg.exempt_frac)
        return float(min(100.0, 100.0 * seg.nev_stock[i] / eligible)) if eligible > 0 else math.nan

    def new_nev_share_pct(self, segment: str, first_year: int, last_year: int) -> float:
        """NEV share of the eligible vehicles added from ``first_year`` to ``last_year`` [%]."""
        seg = self.segments[segment]
        if not seg.has_path:
            return math.nan
        i0, i1 = self._index(first_year), self._index(last_year)
        new = seg.new[i0 : i1 + 1].sum() * (1.0 - seg.exempt_frac)
        nev = seg.new_nev[i0 : i1 + 1].sum()
        return float(min(100.0, 100.0 * nev / new)) if new > 0 else math.nan

    def new_vehicle_nev_share_pct(self, year: int) -> float:
        """NEV share of all vehicles added in ``year`` over the counted segments [%]."""
        i = self._index(year)
        new = sum(self.segments[s].new[i] for s in COUNTED_SEGMENTS)
        nev = sum(self.segments[s].new_nev[i] for s in COUNTED_SEGMENTS)
        return float(100.0 * nev / new) if new > 0 else math.nan

    def public_sector_share_pct(self, year: int) -> float:
        """NEV share of the eligible bus + taxi stock at the end of ``year`` [%].

        Sanitation has no published fleet size, so it cannot be weighted in; it enters only
        through its own row.
        """
        i = self._index(year)
        elig = sum(
            self.segments[s].stock[i] * (1 - self.segments[s].exempt_frac) for s in ("bus", "taxi")
        )
        nev = sum(self.segments[s].nev_stock[i] for s in ("bus", "taxi"))
        return float(min(100.0, 100.0 * nev / elig)) if elig > 0 else math.nan

    def table(self) -> pd.DataFrame:
        """Return the yearly series as a long table (segment, year, stock, nev_stock, new, …)."""
        rows = []
        for name, seg in self.segments.items():
            for i, year in enumerate(self.years):
                rows.append(
                    {
                        "segment": name,
                        "year": int(year),
                        "stock": seg.stock[i],
                        "nev_stock": seg.nev_stock[i],
                        "new": seg.new[i],
                        "new_nev": seg.new_nev[i],
                        "new_nev_frac": seg.new_nev_frac[i],
                    }
                )
        return pd.DataFrame(rows)


def _param(table: str, name: str, **keys: str) -> float:
    return defaults.value(table, name, **keys)


def _anchor_path(years: np.ndarray, anchors: Mapping[int, float]) -> np.ndarray:
    xs = np.array(sorted(anchors), dtype=float)
    ys = np.array([anchors[int(x)] for x in xs], dtype=float)
    return np.asarray(np.interp(years, xs, ys), dtype=float)


def _stock_paths(
    years: np.ndarray, overrides: Mapping[str, Mapping[Any, float]]
) -> dict[str, np.ndarray]:
    stats = defaults.load_table("fleet_stats")
    anchor = stats[(stats.segment == "all") & (stats.name == "stock_vehicles")].iloc[0]
    growth = float(
        stats[(stats.segment == "all") & (stats.name == "stock_growth_vehicles_per_year")]
        .iloc[0]
        .value
    )
    anchor_year = float(anchor.time_year) - 1.0  # end of year
    all_stock = float(anchor.value) + growth * (years - anchor_year)
    paths: dict[str, np.ndarray] = {}
    for seg in ("bus", "taxi"):
        row = stats[(stats.segment == seg) & (stats.name == "stock_vehicles")].iloc[0]
        paths[seg] = np.full(len(years), float(row.value))
    for seg in ("bus", "taxi", "other"):
        if seg in overrides:
            user = {int(k): float(v) for k, v in overrides[seg].items()}
            base = paths[seg] if seg != "other" else all_stock - paths["bus"] - paths["taxi"]
            # keep history up to the first anchor, then follow the anchors
            first = min(user)
            hist_end = {y: float(base[i]) for i, y in enumerate(years) if y < first}
            joined = {**({max(hist_end): hist_end[max(hist_end)]} if hist_end else {}), **user}
            path = _anchor_path(years, joined)
            path[years < first] = base[years < first]
            paths[seg] = path
    if "other" not in paths:
        paths["other"] = all_stock - paths["bus"] - paths["taxi"]
    for seg in NORMALISED_SEGMENTS:
        paths[seg] = np.ones(len(years))
    return paths


def _observations() -> pd.DataFrame:
    stats = defaults.load_table("fleet_stats")
    return stats[stats.use == "calibration"].reset_index(drop=True)


def _share_path(
    years: np.ndarray,
    fitted: Mapping[str, float] | None,
    user: Mapping[Any, float] | None,
    start_year: int,
    last_obs_year: float,
    max_frac: float,
) -> np.ndarray:
    base = (
        logistic_share(years, fitted["mid_year"], fitted["width_years"], max_frac)
        if fitted
        else None
    )
    if not user:
        return base if base is not None else np.full(len(years), np.nan)
    pts = {int(k): float(v) / 100.0 for k, v in user.items()}
    if base is not None:
        cut = math.floor(last_obs_year)
        pts = {k: v for k, v in pts.items() if k > cut}
        if not pts:
            return base
        joined = {cut: float(np.interp(cut, years, base)), **pts}
        path = _anchor_path(years, joined)
        path[years <= cut] = base[years <= cut]
        return path
    joined = {start_year: 0.0, **pts} if min(pts) > start_year else pts
    return _anchor_path(years, joined)


def _run_segment(
    years: np.ndarray,
    stock: np.ndarray,
    life: tuple[float, float],
    share: np.ndarray,
    exempt: float,
) -> SegmentResult:
    surv = weibull_survival(np.arange(MAX_AGE_YEARS + 1), *life)
    has = bool(np.all(np.isfinite(share)))
    res = run_cohorts(years, stock, surv, np.nan_to_num(share))
    if not has:
        res["nev_stock"][:] = np.nan
        res["new_nev"][:] = np.nan
    return SegmentResult(
        res["stock"], res["nev_stock"], res["new"], res["new_nev"], share, exempt, has
    )


def _modelled(
    obs: pd.Series, years: np.ndarray, seg: SegmentResult, total_nev: np.ndarray | None
) -> float:
    t = float(obs.time_year)
    if obs["name"] == "nev_share_pct":
        return 100.0 * float(np.interp(t, years + 1.0, seg.nev_stock / seg.stock))
    series = total_nev if obs.segment == "all" and total_nev is not None else seg.nev_stock
    return float(np.interp(t, years + 1.0, series))


def project_transition(table: Mapping[str, Any] | None = None) -> TransitionResult:
    """Calibrate the adoption curves to the Beijing figures and project the stock to 2035.

    Parameters
    ----------
    table : mapping, optional
        A scenario's ``[transition]`` table (checked first; see :func:`check_transition_dict`).

    Returns
    -------
    TransitionResult

    Raises
    ------
    InputError
        When the table is invalid (every problem listed, with its key path).
    """
    table = dict(table or {})
    problems = check_transition_dict(table)
    if problems:
        msg = "invalid [transition] table"
        raise InputError(msg, problems)
    start = int(_param("transition_params", "model_start_year"))
    last = int(_param("transition_params", "last_year"))
    max_frac = _param("transition_params", "nev_share_max_frac")
    years = np.arange(start, last + 1)
    stocks = _stock_paths(years, table.get("stock_vehicles", {}))
    user_shares = table.get("new_nev_share_pct", {})
    exempt = {s: float(table.get("exempt_pct", {}).get(s, 0.0)) / 100.0 for s in SEGMENTS}
    life: dict[str, tuple[float, float]] = {}
    for seg in SEGMENTS:
        over = table.get("survival", {}).get(seg, {})
        life[seg] = (
            float(
                over.get(
                    "mean_life_years", _param("survival_curves", "mean_life_years", segment=seg)
                )
            ),
            float(
                over.get("weibull_shape", _param("survival_curves", "weibull_shape", segment=seg))
            ),
        )
    obs = _observations()
    last_obs = float(obs.time_year.max()) - 1.0  # last end-of-year covered by data

    fitted: dict[str, dict[str, float]] = {}
    results: dict[str, SegmentResult] = {}

    def segment_with(seg: str, params: np.ndarray | None) -> SegmentResult:
        fit = (
            {"mid_year": float(params[0]), "width_years": float(params[1])}
            if params is not None
            else None
        )
        share = _share_path(years, fit, user_shares.get(seg), start, last_obs, max_frac)
        return _run_segment(years, stocks[seg], life[seg], share, exempt[seg])

    def fit_segment(seg: str, rows: pd.DataFrame, others_nev: np.ndarray | None) -> None:
        def resid(p: np.ndarray) -> np.ndarray:
            res = segment_with(seg, p)
            total = res.nev_stock + others_nev if others_nev is not None else None
            return np.array(
                [(_modelled(r, years, res, total) - r.value) / r.value for _, r in rows.iterrows()]
            )

        sol = least_squares(
            resid, x0=np.array([2025.0, 3.0]), bounds=([2005.0, 0.5], [2070.0, 25.0]), method="trf"
        )
        fitted[seg] = {"mid_year": float(sol.x[0]), "width_years": float(sol.x[1])}
        results[seg] = segment_with(seg, sol.x)

    # calibrate bus and taxi on their own figures, then "other" on the city total
    for seg in ("bus", "taxi"):
        fit_segment(seg, obs[obs.segment == seg], None)
    public_nev = results["bus"].nev_stock + results["taxi"].nev_stock
    fit_segment("other", obs[obs.segment == "all"], public_nev)
    for seg in NORMALISED_SEGMENTS:
        results[seg] = segment_with(seg, None)

    total_nev = public_nev + results["other"].nev_stock
    cal_rows = []
    for _, r in obs.iterrows():
        seg_name = "other" if r.segment == "all" else r.segment
        model = _modelled(r, years, results[seg_name], total_nev if r.segment == "all" else None)
        cal_rows.append(
            {
                "segment": r.segment,
                "metric": r["name"],
                "time_year": float(r.time_year),
                "observed": float(r.value),
                "modelled": model,
                "error_pct": 100.0 * (model - float(r.value)) / float(r.value),
                "source": r.source,
            }
        )
    calibration = pd.DataFrame(cal_rows)
    for r in cal_rows:
        logger.info(
            "calibration %s %s @%.2f: observed %.4g, modelled %.4g (%+.1f %%)",
            r["segment"],
            r["metric"],
            r["time_year"],
            r["observed"],
            r["modelled"],
            r["error_pct"],
        )
    return TransitionResult(years=years, segments=results, fitted=fitted, calibration=calibration)


def life_sensitivity_tables(table: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Return two ``[transition]`` tables with every mean life shortened and lengthened.

    The survival curves are the least certain inputs (Hao et al. 2011 means, assumed
    shapes), so the projection's band comes from refitting with every segment's mean life
    scaled by ``1 -/+ life_uncertainty_frac`` (``transition_params.csv``).

    Parameters
    ----------
    table : mapping, optional
        A scenario's ``[transition]`` table; its own survival overrides are scaled too.

    Returns
    -------
    list of dict
        The shorter-life and the longer-life tables.
    """
    frac = _param("transition_params", "life_uncertainty_frac")
    base = dict(table or {})
    out = []
    for factor in (1.0 - frac, 1.0 + frac):
        surv = {k: dict(v) for k, v in dict(base.get("survival", {})).items()}
        for seg in SEGMENTS:
            own = surv.get(seg, {})
            default = _param("survival_curves", "mean_life_years", segment=seg)
            mean = float(own.get("mean_life_years", default))
            surv[seg] = {**own, "mean_life_years": mean * factor}
        out.append({**base, "survival": surv})
    return out
