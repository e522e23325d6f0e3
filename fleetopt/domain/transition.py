"""Project Beijing's vehicle stock by segment and powertrain, 2000-2035, with survival curves.

A cohort (stock-flow) model: every year each segment's vehicles age one year and survive
with a Weibull survival curve; new vehicles fill the gap to the segment's stock; a share
of the new vehicles is new-energy (NEV). That share follows a logistic adoption curve
whose two parameters are fitted to the published Beijing figures
(``fleetopt/data/fleet_stats.csv``: NEV stock 507,000 at end-2021, 870,000 at mid-2024,
bus and taxi counts and shares), or a path the scenario gives. Every parameter comes from
``fleet_stats.csv``, ``survival_curves.csv`` and ``transition_params.csv``.

Segments: ``other`` (all motor vehicles except buses and taxis, mostly private cars),
``bus``, ``taxi``, ``sanitation`` (light sanitation vehicles), ``light_logistics`` (< 4.5 t
delivery vehicles with truck passes) and ``airport`` (ground vehicles at Beijing's airports).
The last three are subsets of ``other`` (:data:`SUBSET_SEGMENTS`): their stocks come from
``fleet_stats.csv`` (sourced or ASSUMPTION rows with a range) and give their own shares, but
absolute city totals count ``other``, ``bus`` and ``taxi`` only.

Powertrains are data (``segment_powertrains.csv``): each segment's NEV additions split into
bev / phev / fcev and its other additions into diesel / gasoline / cng / lng / hev. NEV are
bev, phev and fcev (China's definition); clean energy adds cng, lng and hev. The bus
calibration compares the published "new- and clean-energy" share (94 %, 94.7 %) with the
modelled NEV share plus the clean share of the remaining buses, and the bus NEV path with
the NEV-only count of August 2020.

Exemptions are data too (``target_exemptions.csv``, one row per exempt class with a range);
``[transition.exempt_pct]`` replaces them per segment (a number, the segment total) or per
class (a table ``{class = pct}``), each 0-100 %.

The pure cohort functions (Weibull survival, logistic adoption, the cohort run, the bounded
fit) are in :mod:`fleetopt.domain.cohorts`; the check of the scenario table is in
:mod:`fleetopt.inputs.target_tables`. Both stay importable from here.

Scenario table ``[transition]`` (checked by :func:`check_transition_dict`)::

    [transition.new_nev_share_pct.bus]         # NEV share of new vehicles [%] by year
    2025 = 100
    [transition.stock_vehicles.taxi]           # stock anchors [vehicles] by year
    2030 = 60000
    [transition.exempt_pct]                    # share of the segment the plan exempts [%]
    bus = 3.0                                  # the segment total, or per exempt class:
    [transition.exempt_pct.light_logistics]
    cold_chain = 8
    [transition.survival.taxi]
    mean_life_years = 6
    weibull_shape = 8
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt import powertrains as _powertrains
from fleetopt.domain import cohorts as _cohorts
from fleetopt.errors import InputError
from fleetopt.inputs import target_tables as _tables

logger = logging.getLogger(__name__)

#: Segments of the transition model (defined with the ``[transition]`` check in inputs).
SEGMENTS = _tables.SEGMENTS

#: Segments that add up to the city's motor-vehicle stock.
COUNTED_SEGMENTS = ("other", "bus", "taxi")

#: Segments counted inside ``other``: own stock and shares, not added to city totals.
SUBSET_SEGMENTS = ("sanitation", "light_logistics", "airport")

#: Kept for older callers: no segment has a normalised stock any more.
NORMALISED_SEGMENTS: tuple[str, ...] = ()

# from fleetopt/data/powertrains.csv (fleetopt.powertrains)
#: New-energy powertrains (China's definition: battery-electric, plug-in hybrid, fuel cell).
NEV = _powertrains.NEV
#: New- and clean-energy powertrains (NEV plus natural gas and hybrids).
CLEAN_ENERGY = _powertrains.NEW_OR_CLEAN

#: Input bounds a projection can take (``bound`` of :func:`project_transition`).
BOUNDS = (None, "low", "high")

#: Oldest age tracked [years].
MAX_AGE_YEARS = 60

#: Years a scenario may name.
YEAR_RANGE = _tables.TRANSITION_YEAR_RANGE

#: The ``[transition]`` check (:mod:`fleetopt.inputs.target_tables`), kept importable here.
check_transition_dict = _tables.check_transition_dict
#: Exempt classes of a segment (``target_exemptions.csv``).
exempt_classes = _tables.exempt_classes
_is_number = _tables.is_number


# --------------------------------------------------------------------------- exemptions
def exempt_frac(segment: str, override: object = None, bound: str | None = None) -> float:
    """Return the share of a segment the plan exempts [-].

    Parameters
    ----------
    segment : str
        Segment name.
    override : float or mapping, optional
        ``[transition.exempt_pct]`` entry of the segment: the total [%] or ``{class: pct}``
        (classes not named keep their table value).
    bound : {None, "low", "high"}
        Which column of ``target_exemptions.csv`` the classes take.

    Returns
    -------
    float
        Sum of the exempt classes [-], at most 1.
    """
    if _is_number(override):
        return float(override) / 100.0  # type: ignore[arg-type]
    col = "value" if bound is None else bound
    pcts = {c: float(getattr(r, col)) for c, r in exempt_classes(segment).items()}
    if isinstance(override, Mapping):
        pcts.update({str(k): float(v) for k, v in override.items()})
    return min(1.0, sum(pcts.values()) / 100.0)


@cache
def powertrain_split(segment: str, bound: str | None = None) -> dict[str, dict[str, float]]:
    """Return a segment's powertrain split of NEV and of other additions (``segment_powertrains``).

    Parameters
    ----------
    segment : str
        Segment name.
    bound : {None, "low", "high"}
        ``low``/``high`` take the clean fossil powertrains (cng, lng, hev) at that end of their
        range and give the rest to the segment's main fossil powertrain; NEV splits stay central.

    Returns
    -------
    dict
        ``{"nev": {powertrain: frac}, "fossil": {powertrain: frac}}``, each summing to 1 [-].
    """
    t = defaults.load_table("segment_powertrains")
    t = t[t.segment == segment]
    nev = {str(r.powertrain): float(r.value) for r in t[t.name == "nev_split_frac"].itertuples()}
    fossil_rows = t[t.name == "fossil_split_frac"]
    fossil = {str(r.powertrain): float(r.value) for r in fossil_rows.itertuples()}
    if bound is not None and fossil:
        for r in fossil_rows.itertuples():
            if r.powertrain in CLEAN_ENERGY:
                fossil[str(r.powertrain)] = float(getattr(r, bound))
        main = max(
            (p for p in fossil if p not in CLEAN_ENERGY), key=lambda p: fossil[p], default=None
        )
        if main is not None:
            clean = sum(v for p, v in fossil.items() if p in CLEAN_ENERGY)
            others = sum(v for p, v in fossil.items() if p not in CLEAN_ENERGY and p != main)
            fossil[main] = max(0.0, 1.0 - clean - others)

    def norm(d: dict[str, float]) -> dict[str, float]:
        tot = sum(d.values())
        return {k: v / tot for k, v in d.items()} if tot > 0 else d

    return {"nev": norm(nev), "fossil": norm(fossil)}


# --------------------------------------------------------------------------- layer 1
# The pure cohort functions live in fleetopt.domain.cohorts; kept importable from here.
weibull_survival = _cohorts.weibull_survival
logistic_share = _cohorts.logistic_share
run_cohorts = _cohorts.run_cohorts
fit_least_squares = _cohorts.fit_least_squares


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
    split : dict
        ``{"nev": {powertrain: frac}, "fossil": {powertrain: frac}}`` of the additions [-]
        (:func:`powertrain_split`); the stock is taken to have the same split.
    """

    stock: np.ndarray
    nev_stock: np.ndarray
    new: np.ndarray
    new_nev: np.ndarray
    new_nev_frac: np.ndarray
    exempt_frac: float
    has_path: bool
    split: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def clean_fossil_frac(self) -> float:
        """Share of the non-NEV vehicles that are clean energy (cng, lng, hev) [-]."""
        return float(sum(v for p, v in self.split.get("fossil", {}).items() if p in CLEAN_ENERGY))


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

    def nev_share_of_eligible_pct(
        self, segment: str, year: int, exempt: float | None = None
    ) -> float:
        """NEV share of the segment's eligible (non-exempt) stock at the end of ``year`` [%].

        The exempt vehicles are taken to be fossil, so the NEV count is divided by the
        eligible stock; ``exempt`` [-] replaces the segment's exempt share.
        """
        seg = self.segments[segment]
        if not seg.has_path:
            return math.nan
        i = self._index(year)
        ex = seg.exempt_frac if exempt is None else exempt
        eligible = seg.stock[i] * (1.0 - ex)
        return float(min(100.0, 100.0 * seg.nev_stock[i] / eligible)) if eligible > 0 else math.nan

    def new_nev_share_pct(
        self, segment: str, first_year: int, last_year: int, exempt: float | None = None
    ) -> float:
        """NEV share of the eligible vehicles added from ``first_year`` to ``last_year`` [%]."""
        seg = self.segments[segment]
        if not seg.has_path:
            return math.nan
        i0, i1 = self._index(first_year), self._index(last_year)
        ex = seg.exempt_frac if exempt is None else exempt
        new = seg.new[i0 : i1 + 1].sum() * (1.0 - ex)
        nev = seg.new_nev[i0 : i1 + 1].sum()
        return float(min(100.0, 100.0 * nev / new)) if new > 0 else math.nan

    def clean_share_pct(self, segment: str, year: int) -> float:
        """Return the new- and clean-energy share of a segment's stock, end of ``year`` [%]."""
        seg = self.segments[segment]
        i = self._index(year)
        nev = seg.nev_stock[i]
        return float(100.0 * (nev + (seg.stock[i] - nev) * seg.clean_fossil_frac) / seg.stock[i])

    def new_clean_share_pct(self, year: int) -> float:
        """Return the new- and clean-energy share of the city's additions in ``year`` [%]."""
        i = self._index(year)
        new = sum(self.segments[s].new[i] for s in COUNTED_SEGMENTS)
        clean = sum(
            self.segments[s].new_nev[i]
            + (self.segments[s].new[i] - self.segments[s].new_nev[i])
            * self.segments[s].clean_fossil_frac
            for s in COUNTED_SEGMENTS
        )
        return float(100.0 * clean / new) if new > 0 else math.nan

    def powertrain_stock(self, segment: str, powertrain: str, year: int) -> float:
        """Vehicles of one powertrain in a segment at the end of ``year`` [vehicles]."""
        seg = self.segments[segment]
        i = self._index(year)
        if not seg.has_path:
            return math.nan
        if powertrain in NEV:
            return float(seg.nev_stock[i] * seg.split.get("nev", {}).get(powertrain, 0.0))
        fossil = seg.stock[i] - seg.nev_stock[i]
        return float(fossil * seg.split.get("fossil", {}).get(powertrain, 0.0))

    def powertrain_stock_total(self, powertrain: str, year: int) -> float:
        """City stock of one powertrain at the end of ``year`` [vehicles].

        The subset segments (inside ``other``) replace ``other``'s split for their vehicles.
        """
        total = sum(self.powertrain_stock(s, powertrain, year) for s in COUNTED_SEGMENTS)
        other = self.segments["other"]
        i = self._index(year)
        for s in SUBSET_SEGMENTS:
            sub = self.segments[s]
            if not sub.has_path:
                continue
            own = self.powertrain_stock(s, powertrain, year)
            key = "nev" if powertrain in NEV else "fossil"
            base = sub.nev_stock[i] if key == "nev" else sub.stock[i] - sub.nev_stock[i]
            total += own - float(base * other.split.get(key, {}).get(powertrain, 0.0))
        return float(total)

    def new_vehicle_nev_share_pct(self, year: int) -> float:
        """NEV share of all vehicles added in ``year`` over the counted segments [%]."""
        i = self._index(year)
        new = sum(self.segments[s].new[i] for s in COUNTED_SEGMENTS)
        nev = sum(self.segments[s].new_nev[i] for s in COUNTED_SEGMENTS)
        return float(100.0 * nev / new) if new > 0 else math.nan

    def public_sector_share_pct(self, year: int) -> float:
        """Return the NEV share of the eligible bus, taxi and sanitation stock in ``year`` [%]."""
        i = self._index(year)
        segs = [
            self.segments[s] for s in ("bus", "taxi", "sanitation") if self.segments[s].has_path
        ]
        elig = sum(s.stock[i] * (1 - s.exempt_frac) for s in segs)
        nev = sum(s.nev_stock[i] for s in segs)
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
    return _param_cached(table, name, tuple(sorted(keys.items())))


@cache
def _param_cached(table: str, name: str, keys: tuple[tuple[str, str], ...]) -> float:
    return defaults.value(table, name, **dict(keys))


def _anchor_path(years: np.ndarray, anchors: Mapping[int, float]) -> np.ndarray:
    xs = np.array(sorted(anchors), dtype=float)
    ys = np.array([anchors[int(x)] for x in xs], dtype=float)
    return np.asarray(np.interp(years, xs, ys), dtype=float)


def _stats_value(row: Any, bound: str | None, invert: bool = False) -> float:
    """Return a ``fleet_stats`` row's value, or its low/high end (swapped when ``invert``)."""
    if bound is None:
        return float(row.value)
    col = {"low": "high", "high": "low"}[bound] if invert else bound
    v = getattr(row, col, None)
    return float(v) if v is not None and not pd.isna(v) else float(row.value)


def _stock_paths(
    years: np.ndarray, overrides: Mapping[str, Mapping[Any, float]], bound: str | None = None
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
    for seg in ("bus", "taxi", *SUBSET_SEGMENTS):
        row = stats[(stats.segment == seg) & (stats.name == "stock_vehicles")].iloc[0]
        # a larger fleet with the same NEV count is the pessimistic ("low") end
        paths[seg] = np.full(len(years), _stats_value(row, bound, invert=True))
    for seg in ("bus", "taxi", "other", *SUBSET_SEGMENTS):
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
    return paths


def _observations(bound: str | None = None) -> pd.DataFrame:
    stats = defaults.load_table("fleet_stats")
    obs = stats[stats.use == "calibration"].reset_index(drop=True).copy()
    if bound is not None:
        obs["value"] = [_stats_value(r, bound) for r in obs.itertuples(index=False)]
    return obs


def _data_path(segment: str, bound: str | None) -> dict[int, float]:
    """Return the NEV share of additions a segment's ``path`` rows give by year [%]."""
    stats = defaults.load_table("fleet_stats")
    rows = stats[(stats.segment == segment) & (stats.use == "path")]
    return {int(float(r.time_year)): _stats_value(r, bound) for r in rows.itertuples(index=False)}


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
    split: dict[str, dict[str, float]],
) -> SegmentResult:
    surv = weibull_survival(np.arange(MAX_AGE_YEARS + 1), *life)
    has = bool(np.all(np.isfinite(share)))
    res = run_cohorts(years, stock, surv, np.nan_to_num(share))
    if not has:
        res["nev_stock"][:] = np.nan
        res["new_nev"][:] = np.nan
    return SegmentResult(
        res["stock"], res["nev_stock"], res["new"], res["new_nev"], share, exempt, has, split
    )


def _modelled(
    obs: Any, years: np.ndarray, seg: SegmentResult, total_nev: np.ndarray | None
) -> float:
    t = float(obs.time_year)
    if obs.name == "nev_share_pct":
        return 100.0 * float(np.interp(t, years + 1.0, seg.nev_stock / seg.stock))
    if obs.name == "clean_share_pct":
        nev = seg.nev_stock / seg.stock
        clean = nev + (1.0 - nev) * seg.clean_fossil_frac
        return 100.0 * float(np.interp(t, years + 1.0, clean))
    series = total_nev if obs.segment == "all" and total_nev is not None else seg.nev_stock
    return float(np.interp(t, years + 1.0, series))


def project_transition(
    table: Mapping[str, Any] | None = None,
    *,
    bound: str | None = None,
    warm_start: Mapping[str, Mapping[str, float]] | None = None,
) -> TransitionResult:
    """Calibrate the adoption curves to the Beijing figures and project the stock to 2035.

    Parameters
    ----------
    table : mapping, optional
        A scenario's ``[transition]`` table (checked first; see :func:`check_transition_dict`).
    bound : {None, "low", "high"}
        Take every uncertain table input at that end of its range: subset-segment stocks
        (``low`` = the larger fleet), calibration figures given with a range, the data paths of
        NEV additions and the clean fossil powertrain split. None = central values.
    warm_start : mapping, optional
        Fitted parameters of a neighbouring run (``TransitionResult.fitted``) to start the
        fits from (the band's variants start from the central fit).

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
    width_single = _param("transition_params", "single_point_width_years")
    years = np.arange(start, last + 1)
    stocks = _stock_paths(years, table.get("stock_vehicles", {}), bound)
    user_shares = dict(table.get("new_nev_share_pct", {}))
    exempt_table = table.get("exempt_pct", {})
    exempt = {s: exempt_frac(s, exempt_table.get(s)) for s in SEGMENTS}
    splits = {s: powertrain_split(s, bound) for s in SEGMENTS}
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
    obs = _observations(bound)
    last_obs = float(obs.time_year.max()) - 1.0  # last end-of-year covered by data

    fitted: dict[str, dict[str, float]] = {}
    results: dict[str, SegmentResult] = {}
    # a scenario's path of NEV additions starts after the segment's own last figure
    obs_last = obs.groupby("segment").time_year.max()
    seg_last = {
        seg: float(obs_last.get("all" if seg == "other" else seg, last_obs + 1.0)) - 1.0
        for seg in SEGMENTS
    }

    def segment_with(seg: str, fit: Mapping[str, float] | None) -> SegmentResult:
        share = _share_path(years, fit, user_shares.get(seg), start, seg_last[seg], max_frac)
        return _run_segment(years, stocks[seg], life[seg], share, exempt[seg], splits[seg])

    def first_guess(seg: str, n: int) -> np.ndarray:
        hint = (warm_start or {}).get(seg)
        x0 = [hint["mid_year"], hint["width_years"]] if hint else [2025.0, 3.0]
        return np.array(x0[:n])

    def fit_segment(seg: str, rows: pd.DataFrame, others_nev: np.ndarray | None) -> None:
        records = list(rows.itertuples(index=False))
        single = len(records) < 2

        def params_of(p: np.ndarray) -> dict[str, float]:
            width = width_single if single else float(p[1])
            return {"mid_year": float(p[0]), "width_years": width}

        def resid(p: np.ndarray) -> np.ndarray:
            res = segment_with(seg, params_of(p))
            total = res.nev_stock + others_nev if others_nev is not None else None
            return np.array(
                [(_modelled(r, years, res, total) - r.value) / r.value for r in records]
            )

        if single:
            x = fit_least_squares(
                resid, first_guess(seg, 1), np.array([2005.0]), np.array([2070.0])
            )
        else:
            x = fit_least_squares(
                resid, first_guess(seg, 2), np.array([2005.0, 0.5]), np.array([2070.0, 25.0])
            )
        fitted[seg] = params_of(x)
        results[seg] = segment_with(seg, fitted[seg])

    # calibrate bus, taxi and the subsets on their own figures, then "other" on the city total
    for seg in ("bus", "taxi", *SUBSET_SEGMENTS):
        rows = obs[obs.segment == seg]
        if len(rows):
            fit_segment(seg, rows, None)
        else:
            path = _data_path(seg, bound)
            if path and seg not in user_shares:
                user_shares[seg] = path
            results[seg] = segment_with(seg, None)
    public_nev = results["bus"].nev_stock + results["taxi"].nev_stock
    fit_segment("other", obs[obs.segment == "all"], public_nev)

    total_nev = public_nev + results["other"].nev_stock
    cal_rows = []
    for r in obs.itertuples(index=False):
        seg_name = "other" if r.segment == "all" else r.segment
        model = _modelled(r, years, results[seg_name], total_nev if r.segment == "all" else None)
        cal_rows.append(
            {
                "segment": r.segment,
                "metric": r.name,
                "time_year": float(r.time_year),
                "observed": float(r.value),
                "modelled": model,
                "error_pct": 100.0 * (model - float(r.value)) / float(r.value),
                "source": r.source,
            }
        )
    calibration = pd.DataFrame(cal_rows)
    for c in cal_rows:
        logger.debug(
            "calibration %s %s @%.2f: observed %.4g, modelled %.4g (%+.1f %%)",
            c["segment"],
            c["metric"],
            c["time_year"],
            c["observed"],
            c["modelled"],
            c["error_pct"],
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
