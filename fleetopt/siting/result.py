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

import pandas as pd

from fleetopt._csv_text import write_frame_csv
from fleetopt.siting.summary import (
    OBJECTIVE_UNITS,
    OPTIMAL_GAP_TOL,
    STATUSES,
    document,
    relative_gap,
    settle,
    size_line,
)

logger = logging.getLogger(__name__)

__all__ = ["OBJECTIVE_UNITS", "OPTIMAL_GAP_TOL", "STATUSES", "SitingResult", "relative_gap"]


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
        # the rules of fleetopt.siting.summary (shared with the OR-Library p-median path)
        self.status, self.bound, self.gap = settle(self.status, self.objective, self.bound,
                                                   self.gap, maximize=self.maximize)

    def summary(self, *, assignments: bool = True) -> dict[str, Any]:
        """Return the ``site --json`` document (CONTRACT §2).

        Parameters
        ----------
        assignments : bool
            Include the ``assignments`` list.
        """
        rows = None
        if assignments:
            rows = [
                {"demand": r.demand_id, "site": r.site_id, "share": round(float(r.share), 9)}
                for r in self.assignments.itertuples(index=False)
            ] if not self.assignments.empty else []
        return document(model=self.model, status=self.status, objective=self.objective,
                        bound=self.bound, gap=self.gap, open_sites=self.open_sites,
                        assignments=rows, wall_s=self.wall_s, reason=self.reason,
                        extra_json=self.extra_json)

    def model_size_line(self) -> str:
        """One line ``model size: R rows, C columns, N non-zeros``."""
        return size_line(self.model_size)

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
        write_frame_csv(self.assignments, p)
        paths.append(p)
        p = out_dir / "summary.json"
        p.write_text(json.dumps(self.summary(assignments=False), ensure_ascii=False, indent=2),
                     "utf-8")
        paths.append(p)
        return paths


def _plain(v: Any) -> Any:
    item = getattr(v, "item", None)
    if callable(item):
        v = item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
