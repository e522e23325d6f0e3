"""Hold the answer of a siting run: status, objective, bound, gap, chosen sites, assignments.

:class:`SitingResult` is what :func:`fleetopt.siting.solve.solve` returns. Its
:meth:`SitingResult.summary` gives exactly the CONTRACT §2 ``site --json`` keys; the
``write`` method stores GeoJSON of the chosen sites (with their sizes), a CSV of the
assignments and ``summary.json``.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.siting.answer import Status

logger = logging.getLogger(__name__)

__all__ = ["SitingResult", "relative_gap"]

STATUSES = (Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE, Status.TIME_LIMIT_NO_SOLUTION)
#: Largest relative gap still reported as ``optimal`` (solver round-off) [-].
OPTIMAL_GAP_TOL = 1e-6


def relative_gap(objective: float, bound: float, *, maximize: bool = False) -> float | None:
    """Return ``|objective - bound| / max(|objective|, 1e-9)`` (None without both numbers).

    Parameters
    ----------
    objective : float
        Value of the best solution found.
    bound : float
        Proven bound (lower for minimisation, upper for maximisation).
    maximize : bool
        True for maximisation problems.
    """
    if objective is None or bound is None or not (math.isfinite(objective)
                                                  and math.isfinite(bound)):
        return None
    diff = (bound - objective) if maximize else (objective - bound)
    return max(0.0, diff) / max(abs(objective), 1e-9)


#: Unit of each model's objective (docs/siting.md, "Models") for human output (the
#: ``site --json`` keys stay those of CONTRACT §2); OR-Library input is in the file's units.
OBJECTIVE_UNITS: dict[str, str] = {
    "p-median": "s x weight",  # demand-weighted travel time to the nearest open site
    "p-center": "s",  # worst travel time
    "set-cover": "CNY",  # opening cost (the number of sites without fixed_cost_cny)
    "max-coverage": "weight covered",
    "uflp": "CNY",  # opening cost + value of travel time
    "cflp": "CNY",
    "service-level": "CNY",
    "flow-refuelling": "flow refuelled",
    "rollout": "weight x years covered",
}

@dataclass
class SitingResult:
    """Answer of one siting model.

    Attributes
    ----------
    model : str
        Model name (``p-median``, ``cflp``, ``max-coverage`` …).
    status : str
        ``optimal`` | ``feasible`` | ``infeasible`` | ``time_limit_no_solution``.
    objective : float or None
        Objective of the best solution, in the problem's units (OR-Library: the file's).
    bound : float or None
        Best proven bound (lower for minimisation, upper for maximisation).
    gap : float or None
        Relative gap ``|objective - bound| / |objective|``; 0 when proven optimal.
    open_sites : list
        Ids of the open sites (OR-Library: the file's 1-based indices).
    wall_s : float
        Wall time of the whole solve [s].
    sites : pandas.DataFrame
        One row per open site: ``id``, ``lon``, ``lat``, ``existing``, ``size`` (plugs,
        dispensers or modules; 1 when the model has no sizes), ``load`` (assigned demand).
    assignments : pandas.DataFrame
        ``demand_id``, ``site_id``, ``share`` (fraction of the demand), ``cost``.
    model_size : dict
        ``rows``, ``columns``, ``nonzeros`` of the (last) MIP.
    reason : str
        Why the model is infeasible (empty otherwise).
    maximize : bool
        True when the objective is maximised.
    details : dict
        Model-specific numbers (heuristic value, rounds, covered share …).
    extra_json : dict
        Keys added to ``site --json`` after the CONTRACT keys (the rollout's
        ``open_year``, ``years``, ``covered_by_year``, ``demand_by_year``).
    """

    model: str
    status: str
    objective: float | None
    bound: float | None
    open_sites: list[Any]
    wall_s: float
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    assignments: pd.DataFrame = field(default_factory=pd.DataFrame)
    model_size: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    maximize: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    gap: float | None = None
    extra_json: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            msg = f"status {self.status!r} is not one of {STATUSES}"
            raise ValueError(msg)
        if (self.status == Status.OPTIMAL and self.objective is not None
                and self.bound is not None and np.isfinite(self.bound)):
            true_gap = relative_gap(self.objective, self.bound, maximize=self.maximize)
            if true_gap is not None and true_gap > OPTIMAL_GAP_TOL:
                # a solver stopped at a requested relative gap (e.g. 1e-4) and called it
                # optimal: report what is proven, not more
                self.status = Status.FEASIBLE
                self.gap = true_gap
        if self.status == Status.OPTIMAL:
            self.gap = 0.0
            if self.objective is not None:
                self.bound = self.objective
        elif self.gap is None and self.objective is not None and self.bound is not None:
            self.gap = relative_gap(self.objective, self.bound, maximize=self.maximize)

    def summary(self, *, assignments: bool = True) -> dict[str, Any]:
        """Return the ``site --json`` document (CONTRACT §2).

        Parameters
        ----------
        assignments : bool
            Include the ``assignments`` list.
        """
        out: dict[str, Any] = {
            "model": self.model,
            "status": self.status,
            "objective": _num(self.objective),
            "bound": _num(self.bound),
            "gap": _num(self.gap),
            "open_sites": list(self.open_sites),
        }
        if assignments:
            out["assignments"] = [
                {"demand": r.demand_id, "site": r.site_id, "share": round(float(r.share), 9)}
                for r in self.assignments.itertuples(index=False)
            ] if not self.assignments.empty else []
        out["wall_s"] = round(float(self.wall_s), 3)
        if self.reason and self.status in (Status.INFEASIBLE, Status.TIME_LIMIT_NO_SOLUTION):
            out["reason"] = self.reason
        for k, v in self.extra_json.items():
            out.setdefault(k, v)
        return out

    def model_size_line(self) -> str:
        """One line ``model size: R rows, C columns, N non-zeros``."""
        s = self.model_size
        if not s:
            return "model size: (no MIP built)"
        return (f"model size: {s.get('rows', 0):,} rows, {s.get('columns', 0):,} columns, "
                f"{s.get('nonzeros', 0):,} non-zeros")

    def to_geojson(self) -> dict[str, Any]:
        """Return a GeoJSON FeatureCollection of the open sites (WGS84 points)."""
        feats = []
        if not self.sites.empty and {"lon", "lat"} <= set(self.sites.columns):
            for rec in self.sites.to_dict("records"):
                props = {k: _plain(v) for k, v in rec.items() if k not in ("lon", "lat")}
                feats.append({
                    "type": "Feature",
                    "geometry": {"type": "Point",
                                 "coordinates": [float(rec["lon"]), float(rec["lat"])]},
                    "properties": props,
                })
        return {"type": "FeatureCollection", "features": feats}

    def write(self, out_dir: Path) -> list[Path]:
        """Write ``sites.geojson``, ``assignments.csv`` and ``summary.json`` under ``out_dir``."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        p = out_dir / "sites.geojson"
        p.write_text(json.dumps(self.to_geojson(), ensure_ascii=False, indent=1), "utf-8")
        paths.append(p)
        p = out_dir / "assignments.csv"
        self.assignments.to_csv(p, index=False)
        paths.append(p)
        p = out_dir / "summary.json"
        p.write_text(json.dumps(self.summary(assignments=False), ensure_ascii=False, indent=2),
                     "utf-8")
        paths.append(p)
        return paths


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return int(x) if x == int(x) and abs(x) < 2**53 else x


def _plain(v: Any) -> Any:
    item = getattr(v, "item", None)
    if callable(item):
        v = item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
