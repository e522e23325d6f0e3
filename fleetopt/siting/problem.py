"""Describe a siting problem as data: candidates, demand, costs, limits (no solver here).

A :class:`SitingProblem` holds the candidate sites, the demand points, the travel-time
matrix between them and the limits of the models (number of new sites, coverage radius,
budget, capacities and sizes, service level, hydrogen flows). It is built from the road
graph (:func:`problem_from_points`), from a ``--problem FILE.json`` (:func:`read_problem_json`)
or by the scenario/demo code; :func:`check_siting_problem` validates it.

``--problem FILE.json`` format (every key but ``candidates`` and ``demand`` optional)::

    {
      "name": "my study",
      "model": "p-median",                 # default model when --model is not given
      "network": "beijing-central-2024",   # built-in name or graph path: costs are
                                           # shortest travel times demand -> site [s]
      "cost": [[...], ...],                # or an explicit matrix, demand x candidates
      "p": 10,                             # new sites to open (existing ones stay open)
      "radius_s": 600,                     # coverage radius [s] (set cover, max coverage)
      "budget_cny": 5e6,                   # opening budget [CNY] (max coverage, cflp)
      "value_of_time_cny_per_h": 40,       # cflp: cost of one demand unit travelling 1 h
      "candidates": [{"id": "c1", "lon": 116.39, "lat": 39.91,
                      "existing": false,          # existing = fixed open
                      "fixed_cost_cny": 200000,   # cost of opening the site
                      "module_cost_cny": 80000,   # cost of one module (plug / dispenser)
                      "module_capacity": 500,     # demand units one module serves
                      "max_modules": 8,           # grid-connection limit in modules
                      "existing_size": 0,         # modules / plugs already there (existing)
                      "capacity": 4000}],         # or one fixed capacity
      "demand": [{"id": "d1", "lon": 116.40, "lat": 39.92, "weight": 120.0}],
      "service": {"service_time_min": 30, "max_wait_min": 10, "max_wait_prob": 0.2,
                  "max_plugs": 20, "plug_cost_cny": 80000},   # Erlang-C sizing
      "flows": [{"origin_lon": ..., "origin_lat": ..., "destination_lon": ...,
                 "destination_lat": ..., "volume": 25}],
      "range_km": 300,                     # hydrogen vehicles' range [km]
      "rollout": {"years": [2025, 2026, 2027],      # staged rollout (model "rollout")
                  "budget_cny": [2e6, 2e6, 1e6],    # spent on sites opening each year
                  "max_new_sites": [3, 3, 2],       # sites opening each year
                  "min_covered_share": [0, 0.5, 0.7],  # least covered share of demand
                  "demand_growth": [1.0, 1.2, 1.4]} # or "nev-stock"
    }

A demand point may give ``"weight_by_year": [w_2025, w_2026, ...]`` for the rollout.
Each rollout entry but ``years`` may be one number (every year) or a list (one per year).

Demand ``weight`` is in demand units (kWh/day, kg/day, vehicles/h …) and is the same unit
as ``module_capacity`` and ``capacity``. Coordinates are WGS84 degrees.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.defaults import value
from fleetopt.errors import InputError, Problem
from fleetopt.inputs._caps import load_json_limited
from fleetopt.inputs.road_graph import load_network
from fleetopt.siting.distances import travel_time_matrix

logger = logging.getLogger(__name__)

__all__ = ["MODELS", "SitingProblem", "check_siting_problem", "problem_from_points",
           "read_problem_json"]

#: Models :func:`fleetopt.siting.solve.solve` knows.
MODELS = ("p-median", "p-center", "set-cover", "max-coverage", "uflp", "cflp",
          "service-level", "flow-refuelling", "rollout")

CANDIDATE_COLUMNS = ("id", "lon", "lat", "node", "existing", "fixed_cost_cny",
                     "module_cost_cny", "module_capacity", "max_modules", "capacity",
                     "existing_size")
DEMAND_COLUMNS = ("id", "lon", "lat", "node", "weight")


@dataclass
class SitingProblem:
    """Data of one siting study.

    Attributes
    ----------
    candidates : pandas.DataFrame
        :data:`CANDIDATE_COLUMNS`; ``node`` is the road-graph node index (-1 without a
        graph); ``existing`` sites are fixed open.
    demand : pandas.DataFrame
        :data:`DEMAND_COLUMNS`; ``weight`` in demand units.
    cost_s : numpy.ndarray
        Travel time demand -> candidate [s] (or the explicit matrix's unit), demand x
        candidates; ``inf`` when unreachable.
    p : int or None
        Number of new sites to open.
    radius_s : float or None
        Coverage radius [s].
    budget_cny : float or None
        Opening budget [CNY].
    value_of_time_cny_per_h : float
        Cost of one demand unit travelling one hour, for cflp objectives [CNY/h].
    service : dict
        Erlang-C settings (``service_time_min``, ``max_wait_min``, ``max_wait_prob``,
        ``max_plugs``, ``plug_cost_cny``).
    flows : pandas.DataFrame or None
        Hydrogen OD flows: ``origin_node``, ``destination_node``, ``volume``.
    range_km : float or None
        Vehicle range for flow refuelling [km].
    rollout : dict or None
        Staged rollout (:mod:`fleetopt.siting.rollout`): ``years`` (list of int) and
        per-year arrays ``budget_cny`` [CNY], ``max_new_sites``, ``min_covered_share``
        (0-1), ``growth`` (list or ``"nev-stock"``), ``weight_by_year`` (demand x years,
        NaN rows = weight x growth) [demand units].
    network : object
        The :class:`~fleetopt.inputs.road_graph.RoadNetwork` the costs come from, if any.
    name : str
        Study name.
    default_model : str
        Model used when none is asked for.
    """

    candidates: pd.DataFrame
    demand: pd.DataFrame
    cost_s: np.ndarray
    p: int | None = None
    radius_s: float | None = None
    budget_cny: float | None = None
    value_of_time_cny_per_h: float = field(
        default_factory=lambda: _param("value_of_time_cny_per_h"))
    service: dict[str, float] = field(default_factory=dict)
    flows: pd.DataFrame | None = None
    range_km: float | None = None
    rollout: dict[str, Any] | None = None
    network: Any = None
    name: str = "siting"
    default_model: str = "p-median"

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return len(self.candidates)

    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return len(self.demand)

    @property
    def existing_idx(self) -> np.ndarray:
        """Indices of existing (fixed-open) candidates."""
        return np.flatnonzero(self.candidates["existing"].to_numpy(bool))


def _param(name: str) -> float:
    return value("siting_params", name)


def _candidates_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    defaults: dict[str, Any] = {"node": -1, "existing": False, "fixed_cost_cny": 0.0,
                                "module_cost_cny": 0.0, "module_capacity": math.inf,
                                "max_modules": 1, "capacity": math.inf, "existing_size": 0}
    for col, val in defaults.items():
        if col not in out.columns:
            out[col] = val
        else:
            out[col] = out[col].where(out[col].notna(), val)
    out["id"] = out["id"].astype(str)
    out["existing"] = out["existing"].astype(bool)
    for col in ("lon", "lat", "fixed_cost_cny", "module_cost_cny", "module_capacity",
                "capacity"):
        out[col] = out[col].astype(float)
    out["node"] = out["node"].astype(np.int64)
    out["max_modules"] = out["max_modules"].astype(np.int64)
    out["existing_size"] = out["existing_size"].astype(float)  # whole number, checked
    return out[list(CANDIDATE_COLUMNS)].reset_index(drop=True)


def _demand_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    if "node" not in out.columns:
        out["node"] = -1
    if "weight" not in out.columns:
        out["weight"] = 1.0
    out["id"] = out["id"].astype(str)
    out["weight"] = out["weight"].astype(float)
    for col in ("lon", "lat"):
        out[col] = out[col].astype(float)
    out["node"] = out["node"].astype(np.int64)
    return out[list(DEMAND_COLUMNS)].reset_index(drop=True)


def problem_from_points(
    network: Any,
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    **limits: Any,
) -> SitingProblem:
    """Snap candidates and demand onto the graph and compute the travel-time matrix.

    Parameters
    ----------
    network : RoadNetwork
        Road network (:func:`fleetopt.inputs.road_graph.load_network`).
    candidates : pandas.DataFrame
        At least ``id``, ``lon``, ``lat`` [deg]; optional candidate columns.
    demand : pandas.DataFrame
        At least ``id``, ``lon``, ``lat`` [deg]; optional ``weight`` [demand units].
        Points snapping to the same node are kept apart (use
        :func:`fleetopt.siting.candidates.aggregate_demand` to merge them).
    **limits
        Other :class:`SitingProblem` fields (``p``, ``radius_s`` …).

    Returns
    -------
    SitingProblem
    """
    cand = candidates.copy()
    dem = demand.copy()
    if "node" not in cand.columns or (cand["node"] < 0).any():
        cand["node"], _ = network.nearest_nodes(cand["lon"].to_numpy(), cand["lat"].to_numpy())
    if "node" not in dem.columns or (dem["node"] < 0).any():
        dem["node"], _ = network.nearest_nodes(dem["lon"].to_numpy(), dem["lat"].to_numpy())
    cand = _candidates_frame(cand)
    dem = _demand_frame(dem)
    cost = travel_time_matrix(network, dem["node"].to_numpy(), cand["node"].to_numpy())
    return SitingProblem(candidates=cand, demand=dem, cost_s=cost, network=network, **limits)


def check_siting_problem(problem: SitingProblem, *, file: str | None = None) -> list[Problem]:
    """List every problem of a siting problem (empty when usable).

    Checks ids unique, coordinates WGS84, weights and costs non-negative, the cost
    matrix shape, ``p`` against the candidates, radii and budgets positive.
    """
    out: list[Problem] = []
    cand, dem = problem.candidates, problem.demand

    def add(msg: str, column: str | None = None, row: int | None = None) -> None:
        out.append(Problem(msg, row=row, column=column, file=file))

    for name, df in (("candidates", cand), ("demand", dem)):
        dup = df["id"][df["id"].duplicated()]
        if len(dup):
            add(f"{len(dup)} duplicate ids, e.g. {dup.iloc[0]!r}", f"{name}.id")
        bad = np.flatnonzero(~((df["lon"].between(-180, 180)) & (df["lat"].between(-90, 90))))
        for i in bad[:5]:
            add("lon/lat outside WGS84 degrees", f"{name}.{i}.lon")
    neg = np.flatnonzero(dem["weight"].to_numpy() < 0)
    for i in neg[:5]:
        add("weight must be >= 0", f"demand.{i}.weight")
    if len(cand) == 0:
        add("no candidate sites", "candidates")
    if len(dem) == 0:
        add("no demand points", "demand")
    shape = (len(dem), len(cand))
    if problem.cost_s.shape != shape:
        add(f"cost matrix is {problem.cost_s.shape}, expected demand x candidates = {shape}",
            "cost")
    elif problem.cost_s.size and np.nanmin(problem.cost_s) < 0:
        add("costs must be >= 0", "cost")
    for col in ("fixed_cost_cny", "module_cost_cny", "module_capacity", "capacity",
                "existing_size"):
        bad = np.flatnonzero(cand[col].to_numpy(float) < 0)
        for i in bad[:5]:
            add(f"{col} must be >= 0", f"candidates.{i}.{col}")
    size = cand["existing_size"].to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(size) | (size != np.round(size)))
    for i in bad[:5]:
        add("existing_size must be a whole number of modules", f"candidates.{i}.existing_size")
    if problem.p is not None and problem.p < 0:
        add("p must be >= 0", "p")
    elif problem.p is not None and problem.p > len(cand):
        add(f"p = {problem.p:.4g} exceeds the {len(cand):,} candidates; p must be within "
            f"1..{len(cand):,}", "p")
    elif problem.p == 0 and not cand["existing"].astype(bool).any():
        add(f"p = 0 opens no site and none exists; p must be within 1..{len(cand):,}", "p")
    if problem.radius_s is not None and not problem.radius_s > 0:
        add("radius_s must be > 0", "radius_s")
    if problem.budget_cny is not None and problem.budget_cny < 0:
        add("budget_cny must be >= 0", "budget_cny")
    if problem.range_km is not None and not problem.range_km > 0:
        add("range_km must be > 0", "range_km")
    return out


_TOP_KEYS = {"name", "model", "network", "cost", "p", "radius_s", "budget_cny",
             "value_of_time_cny_per_h", "candidates", "demand", "service", "flows", "range_km",
             "rollout"}
_CAND_KEYS = {"id", "lon", "lat", "existing", "fixed_cost_cny", "module_cost_cny",
              "module_capacity", "max_modules", "capacity", "node", "existing_size"}
#: keys of candidates and demand points that count something, with their least value
_WHOLE_KEYS = {"max_modules": 1, "node": 0}
_DEM_KEYS = {"id", "lon", "lat", "weight", "node", "weight_by_year"}
_ROLLOUT_KEYS = {"years", "budget_cny", "max_new_sites", "min_covered_share", "demand_growth"}
_FLOW_KEYS = {"id", "origin_lon", "origin_lat", "destination_lon", "destination_lat", "volume"}
_SERVICE_KEYS = {"service_time_min", "max_wait_min", "max_wait_prob", "max_plugs",
                 "plug_cost_cny"}


def _records(doc: dict[str, Any], key: str, allowed: set[str], required: tuple[str, ...],
             file: str, problems: list[Problem]) -> pd.DataFrame:
    recs = doc.get(key, [])
    if not isinstance(recs, list):
        problems.append(Problem(f"{key} must be a list of objects", column=key, file=file))
        return pd.DataFrame(columns=list(required))
    rows = []
    for i, r in enumerate(recs):
        if not isinstance(r, dict):
            problems.append(Problem("must be an object", column=f"{key}.{i}", file=file))
            continue
        for k in r:
            if k not in allowed:
                problems.append(Problem(f"unknown key; expected one of {sorted(allowed)}",
                                        column=f"{key}.{i}.{k}", file=file))
        for k in required:
            if k not in r:
                problems.append(Problem("missing", column=f"{key}.{i}.{k}", file=file))
        for k, v in r.items():
            if k in ("id", "existing", "weight_by_year"):
                continue
            if k in allowed and not (isinstance(v, (int, float)) and not isinstance(v, bool)):
                if v is None and k not in required:
                    continue
                problems.append(Problem(f"{v!r} is not a number", column=f"{key}.{i}.{k}",
                                        file=file))
            elif k in allowed and not math.isfinite(v):
                # JSON's NaN / Infinity: a weight, volume, cost, size or coordinate must be
                # finite (an uncapacitated candidate leaves out ``capacity``)
                problems.append(Problem(f"{v!r} is not a finite number",
                                        column=f"{key}.{i}.{k}", file=file))
            elif k in allowed and k in _WHOLE_KEYS and (v != int(v) or v < _WHOLE_KEYS[k]):
                # a size or a node index is counted, not measured (2.5 would be truncated)
                problems.append(Problem(f"{v!r} is not a whole number >= {_WHOLE_KEYS[k]}",
                                        column=f"{key}.{i}.{k}", file=file))
        if "existing" in r and not isinstance(r["existing"], bool):
            problems.append(Problem("must be true or false", column=f"{key}.{i}.existing",
                                    file=file))
        rows.append(r)
    df = pd.DataFrame(rows)
    for k in required:
        if k not in df.columns:
            df[k] = np.nan
    return df


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _read_rollout(doc: dict[str, Any], dem: pd.DataFrame, file: str,
                  problems: list[Problem]) -> dict[str, Any] | None:
    """Check and read the ``rollout`` block and the demand's ``weight_by_year``."""
    block = doc["rollout"]

    def add(msg: str, column: str) -> None:
        problems.append(Problem(msg, column=column, file=file))

    if not isinstance(block, dict):
        add("must be an object", "rollout")
        return None
    for k in block:
        if k not in _ROLLOUT_KEYS:
            add(f"unknown key; expected one of {sorted(_ROLLOUT_KEYS)}", f"rollout.{k}")
    years = block.get("years")
    if (not isinstance(years, list) or not years
            or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)):
        add("years must be a non-empty list of integer years", "rollout.years")
        return None
    if any(b <= a for a, b in itertools.pairwise(years)):
        add("years must increase", "rollout.years")
    n_t = len(years)
    out: dict[str, Any] = {"years": list(years)}
    for key, lo, hi, integer in (("budget_cny", 0.0, math.inf, False),
                                 ("max_new_sites", 0.0, math.inf, True),
                                 ("min_covered_share", 0.0, 1.0, False)):
        if key not in block or block[key] is None:
            continue
        v = block[key]
        vals = [v] * n_t if not isinstance(v, list) else v
        if len(vals) != n_t:
            add(f"needs one value per year ({n_t}), got {len(vals)}", f"rollout.{key}")
            continue
        bad = False
        for t, x in enumerate(vals):
            col = f"rollout.{key}" if not isinstance(v, list) else f"rollout.{key}.{t}"
            if not _is_num(x) or not lo <= x <= hi or (integer and int(x) != x):
                kind = "an integer" if integer else "a number"
                rng = f" between {lo:g} and {hi:g}" if math.isfinite(hi) else f" >= {lo:g}"
                add(f"{x!r} is not {kind}{rng}", col)
                bad = True
        if not bad:
            out[key] = np.asarray(vals, float)
    growth = block.get("demand_growth")
    if growth is not None:
        if growth == "nev-stock":
            out["growth"] = "nev-stock"
        elif (isinstance(growth, list) and len(growth) == n_t
              and all(_is_num(g) and g >= 0 for g in growth)):
            out["growth"] = [float(g) for g in growth]
        else:
            add(f'must be "nev-stock" or a list of {n_t} numbers >= 0', "rollout.demand_growth")
    if "weight_by_year" in dem.columns:
        wby = np.full((len(dem), n_t), np.nan)
        for i, v in enumerate(dem["weight_by_year"].tolist()):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if (not isinstance(v, list) or len(v) != n_t
                    or not all(_is_num(x) and x >= 0 for x in v)):
                add(f"must be a list of {n_t} numbers >= 0 (one per rollout year)",
                    f"demand.{i}.weight_by_year")
                continue
            wby[i] = v
        out["weight_by_year"] = wby
    return out


def read_problem_json(path: str | Path, *, network: Any = None) -> tuple[SitingProblem, str]:
    """Read a ``--problem FILE.json`` (format in this module's docstring).

    Parameters
    ----------
    path : path
        The JSON file.
    network : RoadNetwork, optional
        Network to use instead of the file's ``network`` key.

    Returns
    -------
    (SitingProblem, str)
        The problem and the model the file asks for.

    Raises
    ------
    InputError
        Every problem at once, located by dotted key path (``candidates.3.lon``).
    """
    p = Path(path)
    file = str(p)
    try:
        doc = load_json_limited(p)  # size, nesting, digits and pairs capped before the work
    except json.JSONDecodeError as exc:
        msg = f"{file}: not valid JSON"
        raise InputError(msg, [Problem(exc.msg, row=exc.lineno, column=f"char {exc.colno}",
                                       file=file)]) from None
    except UnicodeDecodeError as exc:
        msg = f"{file}: not UTF-8 text ({exc.reason})"
        raise InputError(msg, [Problem(msg, file=file)]) from None
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise InputError(f"{file}: expected a JSON object", [Problem("expected an object",
                                                                      file=file)])
    for k in doc:
        if k not in _TOP_KEYS:
            problems.append(Problem(f"unknown key; expected one of {sorted(_TOP_KEYS)}",
                                    column=k, file=file))
    model = str(doc.get("model", "p-median"))
    if model not in MODELS:
        problems.append(Problem(f"unknown model {model!r}; expected one of {MODELS}",
                                column="model", file=file))
    cand = _records(doc, "candidates", _CAND_KEYS, ("id", "lon", "lat"), file, problems)
    dem = _records(doc, "demand", _DEM_KEYS, ("id", "lon", "lat"), file, problems)
    flows = None
    if "flows" in doc:
        flows = _records(doc, "flows", _FLOW_KEYS, ("origin_lon", "origin_lat",
                                                    "destination_lon", "destination_lat"),
                         file, problems)
    service = doc.get("service", {}) or {}
    if not isinstance(service, dict):
        problems.append(Problem("must be an object", column="service", file=file))
        service = {}
    for k, v in service.items():
        if k not in _SERVICE_KEYS:
            problems.append(Problem(f"unknown key; expected one of {sorted(_SERVICE_KEYS)}",
                                    column=f"service.{k}", file=file))
        elif not _is_num(v):  # NaN / Infinity too: sizing divides by and rounds these
            problems.append(Problem(f"{v!r} is not a finite number", column=f"service.{k}",
                                    file=file))
        elif k == "max_plugs" and (v != int(v) or v < 1):
            problems.append(Problem(f"{v!r} is not a whole number of plugs >= 1",
                                    column="service.max_plugs", file=file))
    limits: dict[str, Any] = {}
    for key, kind in (("p", int), ("radius_s", float), ("budget_cny", float),
                      ("value_of_time_cny_per_h", float), ("range_km", float)):
        if key in doc and doc[key] is not None:
            v = doc[key]
            # JSON's NaN / Infinity are floats: NaN is no number, and no integer is infinite
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) or (
                    kind is int and (math.isinf(v) or int(v) != v)):
                what = "an integer" if kind is int else "a number"
                problems.append(Problem(f"{v!r} is not {what}", column=key, file=file))
            else:
                limits[key] = kind(v)
    rollout = _read_rollout(doc, dem, file, problems) if "rollout" in doc else None
    if "cost" not in doc and "network" not in doc and network is None:
        problems.append(Problem("give either a road 'network' or an explicit 'cost' matrix",
                                column="network", file=file))
    if problems:
        msg = f"{file}: not a valid siting problem"
        raise InputError(msg, problems)
    limits["service"] = {k: float(v) for k, v in service.items()}
    limits["rollout"] = rollout
    dem = dem.drop(columns=["weight_by_year"], errors="ignore")
    limits["name"] = str(doc.get("name", p.stem))
    limits["default_model"] = model
    if "cost" in doc:
        try:
            cost = np.asarray(doc["cost"], dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"{file}: not a valid siting problem", [Problem(
                "cost must be a matrix of numbers (demand x candidates)", column="cost",
                file=file)]) from None
        if cost.ndim != 2:
            raise InputError(f"{file}: not a valid siting problem", [Problem(
                "cost must be a 2-D matrix (demand x candidates)", column="cost",
                file=file)])
        cost = np.where(np.isnan(cost), np.inf, cost)
        prob = SitingProblem(candidates=_candidates_frame(cand), demand=_demand_frame(dem),
                             cost_s=cost, **limits)
        net = None
    else:
        net = network if network is not None else load_network(doc["network"],
                                                               base_dir=p.parent)
        prob = problem_from_points(net, cand, dem, **limits)
    if flows is not None and len(flows):
        if net is None:
            raise InputError(f"{file}: not a valid siting problem", [Problem(
                "hydrogen flows need a road 'network'", column="flows", file=file)])
        fo, _ = net.nearest_nodes(flows["origin_lon"].to_numpy(float),
                                  flows["origin_lat"].to_numpy(float))
        fd, _ = net.nearest_nodes(flows["destination_lon"].to_numpy(float),
                                  flows["destination_lat"].to_numpy(float))
        vol = flows["volume"].to_numpy(float) if "volume" in flows else np.ones(len(flows))
        prob.flows = pd.DataFrame({"origin_node": fo, "destination_node": fd,
                                   "volume": np.nan_to_num(vol, nan=1.0)})
    found = check_siting_problem(prob, file=file)
    if found:
        msg = f"{file}: not a valid siting problem"
        raise InputError(msg, found)
    return prob, model
