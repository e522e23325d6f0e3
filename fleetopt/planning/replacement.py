"""Which vehicles to replace in which year: least NPV under a yearly budget (issue 15 item 6).

A mixed-integer programme (OR-Tools SCIP through ``pywraplp``). The fleet is the input's
vehicles with their ages at the start of the first year. ``x[i, j, k] = 1`` replaces
vehicle ``i`` in year ``j`` by a new vehicle of option ``k``: the NEV powertrain bought
(``replace_with``, default ``bev``) or, for a vehicle that is not an NEV, one like it.

Constraints:

* each vehicle is replaced at most once (the horizon is shorter than a life);
* a vehicle whose age reaches its ``life_years`` (costs.csv: the 2012 mandatory scrappage
  standard) in year ``j`` is replaced in year ``j`` or before;
* per year: sum of (price - subsidy) of the vehicles bought <= the budget;
* per vehicle type and year with a fleet target ``s`` in force (the value of the latest
  listed year <= that year): NEVs among the type's vehicles that are not exempt >=
  ceil(s x their number);
* per type and year with a new-vehicle target ``s``: NEVs bought >= s x vehicles bought.

Objective (NPV at the first year, real discount rate ``r`` of ``[costs]``; ``d(y) =
(1 + r)^-(y - first year)``, purchases at the start of a year, running costs of a year
discounted with that year's factor):

    sum_i sum_y d(y) x running_i                               (the fleet kept as it is)
  + sum x[i,j,k] x ( d(y_j) x (price_k - subsidy_k)
                     - d(end) x price_k x max(0, 1 - (end - y_j) / life_k)
                     + sum_{y >= y_j} d(y) x (running_k - running_i) )

with ``end`` = the last year + 1: a vehicle bought keeps the straight-line share of its
price that its remaining life stands for (so that a purchase in the last year is not
free of its future). The old vehicles' resale value is not counted. ``running`` per
vehicle and year = the type's yearly km per vehicle (the input's revenue km per day /
its vehicles x ``days_per_year``) x (``maintenance_cny_per_km`` + energy per km: fuel
at the ``[costs]`` prices; electricity at the mean of the tariff's 24 hourly prices x
``kwh_per_km`` / ``charge_efficiency``).

Default fleet targets (``target_nev_share`` not given): the plan's targets of
``plan_targets.csv`` from their year on: ``bus_nev_share_2025``, ``taxi_nev_share_2025``,
``light_logistics_nev_share_2025`` (delivery) as fleet shares, and
``sanitation_new_nev_share_2025`` as the share of new sanitation vehicles. When no vehicle
of a type is flagged ``exempt``, the fleet target applies to the share the transition
model counts (1 - its exempt share, ``target_exemptions.csv`` or ``[transition.exempt_pct]``:
e.g. buses 4 % for mountain lines and emergency vehicles).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from ortools.linear_solver import pywraplp  # type: ignore[attr-defined]

from fleetopt import defaults
from fleetopt import powertrains as pts
from fleetopt.domain.transition import exempt_frac
from fleetopt.errors import InputError, Problem
from fleetopt.inputs.costs import resolve_costs
from fleetopt.inputs.plan_options import ReplacementOptions, read_fleet_ages
from fleetopt.inputs.scenario import Scenario
from fleetopt.inputs.vehicles import resolve_spec
from fleetopt.planning.problem import GroupProblem
from fleetopt.planning.tco import daily_fuel_cost_cny

logger = logging.getLogger(__name__)

__all__ = [
    "SCHEDULE_COLUMNS",
    "FleetVehicle",
    "Purchase",
    "ReplacementProblem",
    "ReplacementResult",
    "build_replacement_problem",
    "share_in_force",
    "solve_replacement",
]

#: Columns of ``replacement_schedule.csv`` written by ``plan --out``.
SCHEDULE_COLUMNS = (
    "vehicle_id",
    "vehicle_type",
    "powertrain",
    "age_years",
    "year",
    "replace_with",
    "cost_cny",
)

#: Most decision variables of one replacement MIP (vehicles x years x options).
MAX_VARIABLES = 200_000

#: Transition-model segment of each vehicle type (``fleetopt.domain.transition``).
SEGMENT_OF = {"delivery": "light_logistics"}

#: Default targets per type: (plan_targets.csv row, "fleet" or "new").
DEFAULT_TARGETS = {
    "bus": ("bus_nev_share_2025", "fleet"),
    "taxi": ("taxi_nev_share_2025", "fleet"),
    "delivery": ("light_logistics_nev_share_2025", "fleet"),
    "sanitation": ("sanitation_new_nev_share_2025", "new"),
}


@dataclass(frozen=True)
class FleetVehicle:
    """A vehicle of the fleet today.

    Attributes
    ----------
    vehicle_id, vehicle_type, powertrain : str
        The vehicle.
    age_years : float
        Age at the start of the first year [yr].
    life_years : int
        Service life [yr]; it must be replaced in the year its age reaches it.
    running_cny_per_year : float
        Energy and maintenance per year [CNY].
    exempt : bool
        Not counted in the fleet NEV share (e.g. mountain lines).
    """

    vehicle_id: str
    vehicle_type: str
    powertrain: str
    age_years: float
    life_years: int
    running_cny_per_year: float
    exempt: bool = False

    @property
    def nev(self) -> bool:
        """True for an NEV powertrain (bev, phev, fcev)."""
        return self.powertrain in pts.NEV


@dataclass(frozen=True)
class Purchase:
    """A vehicle that can be bought to replace one.

    Attributes
    ----------
    powertrain : str
        Its powertrain.
    price_cny, subsidy_cny : float
        Purchase price and subsidy [CNY].
    life_years : int
        Its service life [yr].
    running_cny_per_year : float
        Its energy and maintenance per year [CNY].
    """

    powertrain: str
    price_cny: float
    subsidy_cny: float
    life_years: int
    running_cny_per_year: float

    @property
    def nev(self) -> bool:
        """True for an NEV powertrain."""
        return self.powertrain in pts.NEV


@dataclass
class ReplacementProblem:
    """A replacement MIP's data (module formulation).

    Attributes
    ----------
    vehicles : list of FleetVehicle
        The fleet.
    purchases : list of list of Purchase
        The options of each vehicle.
    years : list of int
        Consecutive years.
    budget_cny : list of float
        Budget of each year [CNY].
    discount_rate : float
        Real discount rate per year.
    target_nev_share : dict
        ``{vehicle_type: {year: share}}``: fleet NEV share from that year on.
    new_nev_share : dict
        ``{vehicle_type: {year: share}}``: NEV share of the vehicles bought.
    age_source : str
        Where the ages came from.
    """

    vehicles: list[FleetVehicle]
    purchases: list[list[Purchase]]
    years: list[int]
    budget_cny: list[float]
    discount_rate: float
    target_nev_share: dict[str, dict[int, float]] = field(default_factory=dict)
    new_nev_share: dict[str, dict[int, float]] = field(default_factory=dict)
    age_source: str = "given"

    def discount(self, year: int) -> float:
        """Return the discount factor of a year (1 for the first year)."""
        return float((1.0 + self.discount_rate) ** -(year - self.years[0]))

    def option_cost(self, i: int, j: int, k: int) -> float:
        """Return the NPV change of replacing vehicle ``i`` in year ``j`` by option ``k`` [CNY]."""
        v, p, y = self.vehicles[i], self.purchases[i][k], self.years[j]
        end = self.years[-1] + 1
        keep = max(0.0, 1.0 - (end - y) / p.life_years)
        run = sum(self.discount(yy) for yy in self.years[j:])
        return (
            self.discount(y) * (p.price_cny - p.subsidy_cny)
            - self.discount(end) * p.price_cny * keep
            + run * (p.running_cny_per_year - v.running_cny_per_year)
        )

    def base_cost(self) -> float:
        """Return the NPV of running the fleet as it is over the years [CNY]."""
        d = sum(self.discount(y) for y in self.years)
        return float(sum(v.running_cny_per_year for v in self.vehicles) * d)

    def must_replace_by(self, i: int) -> int | None:
        """Return the index of the year by which vehicle ``i`` must be replaced (None: never)."""
        v = self.vehicles[i]
        for j in range(len(self.years)):
            if v.age_years + j >= v.life_years - 1e-9:
                return j
        return None


def share_in_force(table: dict[int, float], year: int) -> float | None:
    """Return the share of the latest listed year <= ``year`` (None before the first)."""
    ys = [y for y in table if y <= year]
    return table[max(ys)] if ys else None


@dataclass
class ReplacementResult:
    """The cheapest replacement plan found.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit_no_solution``.
    npv_cny, bound_cny, gap : float
        NPV of the plan, a proven lower bound and the relative gap [CNY], [-].
    schedule : pandas.DataFrame
        :data:`SCHEDULE_COLUMNS`, one row per vehicle replaced.
    spend_cny : dict of int to float
        Purchases (price - subsidy) per year [CNY].
    nev_share : dict
        ``{vehicle_type: {year: fleet NEV share}}`` after the year's purchases.
    problem : ReplacementProblem
        The data solved.
    wall_s : float
        Solve time [s].
    """

    status: str
    npv_cny: float
    bound_cny: float
    gap: float
    schedule: pd.DataFrame
    spend_cny: dict[int, float]
    nev_share: dict[str, dict[int, float]]
    problem: ReplacementProblem
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Return the ``replacement`` entry of ``plan --json``."""
        p = self.problem
        return {
            "status": self.status,
            "gap": self.gap,
            "npv_cny": self.npv_cny,
            "bound_cny": self.bound_cny,
            "years": list(p.years),
            "budget_cny": {str(y): b for y, b in zip(p.years, p.budget_cny, strict=True)},
            "spend_cny": {str(y): v for y, v in self.spend_cny.items()},
            "vehicles": len(p.vehicles),
            "vehicles_replaced": {
                str(y): int((self.schedule["year"] == y).sum()) for y in p.years
            },
            "nev_share": {t: {str(y): s for y, s in d.items()} for t, d in self.nev_share.items()},
            "age_source": p.age_source,
            "schedule": self.schedule.to_dict(orient="records"),
            "wall_s": self.wall_s,
        }


def solve_replacement(problem: ReplacementProblem, *, time_limit_s: float) -> ReplacementResult:
    """Solve the replacement MIP (module formulation) with SCIP.

    Parameters
    ----------
    problem : ReplacementProblem
        The data.
    time_limit_s : float
        Solver budget [s].

    Returns
    -------
    ReplacementResult
        Infeasibility (budget too small for the vehicles that reach their life, or the
        targets) is a result, not an exception.
    """
    t0 = time.perf_counter()
    p = problem
    ny = len(p.years)
    # vehicles alike in every datum are interchangeable: one integer count per class
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, v in enumerate(p.vehicles):
        key = (v.vehicle_type, v.powertrain, v.age_years, v.life_years,
               v.running_cny_per_year, v.exempt, tuple(p.purchases[i]))
        groups.setdefault(key, []).append(i)
    classes = [sorted(m, key=lambda i: p.vehicles[i].vehicle_id) for m in groups.values()]
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - OR-Tools wheels ship SCIP
        msg = "OR-Tools has no SCIP solver"
        raise RuntimeError(msg)
    solver.SetNumThreads(1)
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    x: dict[tuple[int, int, int], Any] = {}
    for c, members in enumerate(classes):
        for j in range(ny):
            for k in range(len(p.purchases[members[0]])):
                x[c, j, k] = solver.IntVar(0, len(members), f"x_{c}_{j}_{k}")
    for c, members in enumerate(classes):
        opts = range(len(p.purchases[members[0]]))
        mine = [x[c, j, k] for j in range(ny) for k in opts]
        if mine:
            solver.Add(solver.Sum(mine) <= len(members))
        by = p.must_replace_by(members[0])
        if by is not None:
            solver.Add(solver.Sum([x[c, j, k] for j in range(by + 1) for k in opts])
                       >= len(members))
    for j in range(ny):
        outlay = [
            (pu.price_cny - pu.subsidy_cny) * x[c, j, k]
            for c, members in enumerate(classes)
            for k, pu in enumerate(p.purchases[members[0]])
        ]
        if outlay:
            solver.Add(solver.Sum(outlay) <= p.budget_cny[j])
    types = sorted({v.vehicle_type for v in p.vehicles})
    for t in types:
        mine_c = [c for c, m in enumerate(classes) if p.vehicles[m[0]].vehicle_type == t]
        counted = [c for c in mine_c if not p.vehicles[classes[c][0]].exempt]
        n_counted = sum(len(classes[c]) for c in counted)
        have = sum(len(classes[c]) for c in counted if p.vehicles[classes[c][0]].nev)
        for j, y in enumerate(p.years):
            s = share_in_force(p.target_nev_share.get(t, {}), y)
            if s is not None and n_counted:
                need = math.ceil(s * n_counted - 1e-9)
                terms = [
                    x[c, jj, k]
                    for c in counted
                    if not p.vehicles[classes[c][0]].nev
                    for jj in range(j + 1)
                    for k, pu in enumerate(p.purchases[classes[c][0]])
                    if pu.nev
                ]
                solver.Add(solver.Sum(terms) >= need - have)
            s = share_in_force(p.new_nev_share.get(t, {}), y)
            if s is not None:
                bought = [
                    (x[c, j, k], pu.nev)
                    for c in mine_c
                    for k, pu in enumerate(p.purchases[classes[c][0]])
                ]
                if bought:
                    solver.Add(
                        solver.Sum([v for v, nev in bought if nev])
                        >= s * solver.Sum([v for v, _ in bought])
                    )
    const = p.base_cost()
    solver.Minimize(
        solver.Sum([p.option_cost(classes[c][0], j, k) * var for (c, j, k), var in x.items()])
    )
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    code = solver.Solve(params)
    wall = time.perf_counter() - t0
    empty = pd.DataFrame(columns=list(SCHEDULE_COLUMNS))
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        status = "infeasible" if code == pywraplp.Solver.INFEASIBLE else "time_limit_no_solution"
        return ReplacementResult(status, math.nan, math.nan, math.inf, empty, {}, {}, p, wall)
    obj = const + float(solver.Objective().Value()) if x else const
    if code == pywraplp.Solver.OPTIMAL or not x:
        status, bound = "optimal", obj
    else:
        status, bound = "feasible", const + float(solver.Objective().BestBound())
    gap = 0.0 if status == "optimal" else max(0.0, (obj - bound) / max(abs(obj), 1e-9))
    rows: list[dict[str, Any]] = []
    spend = dict.fromkeys(p.years, 0.0)
    new_pt: dict[int, tuple[int, str]] = {}
    for c, members in enumerate(classes):
        queue = list(members)  # by vehicle id: the first ones are replaced first
        for j in range(ny):
            for k, pu in enumerate(p.purchases[members[0]]):
                count = round(x[c, j, k].solution_value())
                for i in queue[:count]:
                    v = p.vehicles[i]
                    rows.append(
                        {
                            "vehicle_id": v.vehicle_id,
                            "vehicle_type": v.vehicle_type,
                            "powertrain": v.powertrain,
                            "age_years": v.age_years,
                            "year": p.years[j],
                            "replace_with": pu.powertrain,
                            "cost_cny": pu.price_cny - pu.subsidy_cny,
                        }
                    )
                    spend[p.years[j]] += pu.price_cny - pu.subsidy_cny
                    new_pt[i] = (j, pu.powertrain)
                queue = queue[count:]
    schedule = pd.DataFrame(rows, columns=list(SCHEDULE_COLUMNS))
    if len(schedule):
        schedule = schedule.sort_values(["year", "vehicle_type", "vehicle_id"]).reset_index(
            drop=True
        )
    shares: dict[str, dict[int, float]] = {}
    for t in types:
        counted = [i for i, v in enumerate(p.vehicles) if v.vehicle_type == t and not v.exempt]
        shares[t] = {}
        for j, y in enumerate(p.years):
            nev = 0
            for i in counted:
                pt = p.vehicles[i].powertrain
                if i in new_pt and new_pt[i][0] <= j:
                    pt = new_pt[i][1]
                nev += pt in pts.NEV
            shares[t][y] = nev / len(counted) if counted else math.nan
    return ReplacementResult(status, obj, bound, gap, schedule, spend, shares, p, wall)


# --------------------------------------------------------------------------- from a scenario
def _energy_cny_per_km(scenario: Scenario, vt: str, pt: str, mean_price: float) -> float:
    spec = resolve_spec(vt, pt, scenario.vehicle_types)
    costs = resolve_costs(scenario.costs, vt, pt)
    cost = daily_fuel_cost_cny(spec, 1.0, costs)
    if pt in ("bev", "phev"):
        cost += spec.kwh_per_km / spec.charge_efficiency * mean_price
    return float(cost)


def _running(scenario: Scenario, vt: str, pt: str, km_year: float, mean_price: float) -> float:
    costs = resolve_costs(scenario.costs, vt, pt)
    per_km = costs["maintenance_cny_per_km"] + _energy_cny_per_km(scenario, vt, pt, mean_price)
    return float(km_year * per_km)


def _ages(
    scenario: Scenario, opts: ReplacementOptions
) -> tuple[pd.DataFrame | None, str]:
    first = opts.years[0]
    if opts.fleet is not None:
        return read_fleet_ages(opts.fleet, first, require_type=True), f"fleet file {opts.fleet}"
    found = []
    for fl in scenario.fleets:
        if fl.source == "trips" and fl.path is not None:
            a = read_fleet_ages(fl.path, first, require_type=False)
            if len(a):
                found.append(a)
    if found:
        return pd.concat(found, ignore_index=True), "trips file age_years/purchase_year"
    return None, "ASSUMPTION: even ages (replacement_params.csv default_age_spread_share)"


def build_replacement_problem(
    scenario: Scenario,
    groups: list[GroupProblem],
    opts: ReplacementOptions,
    mean_price_cny_per_kwh: float,
) -> ReplacementProblem:
    """Gather the replacement MIP's data from the scenario and the plan's trips.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario (costs, specs, fleets).
    groups : list of GroupProblem
        The plan's trips per (type, powertrain): the input vehicles and their km.
    opts : ReplacementOptions
        ``[plan.replacement]``.
    mean_price_cny_per_kwh : float
        Mean of the tariff's 24 hourly prices [CNY/kWh].

    Returns
    -------
    ReplacementProblem

    Raises
    ------
    InputError
        A vehicle type without cost or spec defaults for ``replace_with``, or too large.
    """
    ages, source = _ages(scenario, opts)
    rows: dict[str, dict[str, Any]] = {}
    km_day: dict[str, float] = {}
    for gp in groups:
        t = gp.trips
        km_day[gp.vehicle_type] = km_day.get(gp.vehicle_type, 0.0) + float(np.sum(gp.km))
        ex = t["exempt"] if "exempt" in t else pd.Series(False, index=t.index)
        for vid, e in zip(t["vehicle_id"].astype(str), ex.astype(bool), strict=True):
            r = rows.setdefault(
                vid, {"vehicle_type": gp.vehicle_type, "powertrain": gp.powertrain, "exempt": False}
            )
            r["exempt"] = r["exempt"] or bool(e)
    if opts.fleet is not None and ages is not None:
        rows = {
            str(a.vehicle_id): {
                "vehicle_type": str(a.vehicle_type),
                "powertrain": str(a.powertrain),
                "exempt": bool(a.exempt),
            }
            for a in ages.itertuples(index=False)
        }
    n_type: dict[str, int] = {}
    for r in rows.values():
        n_type[r["vehicle_type"]] = n_type.get(r["vehicle_type"], 0) + 1
    if len(rows) * len(opts.years) * 2 > MAX_VARIABLES:
        msg = (
            f"{len(rows):,} vehicles x {len(opts.years)} years is too large a replacement "
            f"problem (at most {MAX_VARIABLES:,} variables)"
        )
        raise InputError(msg, [Problem(msg, None, "plan.replacement.years", scenario.file)])
    age_of = (
        dict(zip(ages["vehicle_id"].astype(str), ages["age_years"].astype(float), strict=True))
        if ages is not None
        else {}
    )
    spread = defaults.value("replacement_params", "default_age_spread_share")
    first = next(iter(rows.values()), None)
    days = (
        resolve_costs(scenario.costs, first["vehicle_type"], first["powertrain"])["days_per_year"]
        if first is not None
        else 365.0
    )
    vehicles: list[FleetVehicle] = []
    purchases: list[list[Purchase]] = []
    seen: dict[str, int] = {}
    for vid in sorted(rows):
        r = rows[vid]
        vt, pt = r["vehicle_type"], r["powertrain"]
        where = "plan.replacement.fleet" if opts.fleet is not None else "fleets"
        try:
            life = int(resolve_costs(scenario.costs, vt, pt)["life_years"])
        except KeyError as exc:
            msg = f"vehicle {vid}: no cost defaults for {vt}/{pt} ({exc})"
            raise InputError(msg, [Problem(msg, None, where, scenario.file)]) from exc
        k = seen.get(vt, 0)
        seen[vt] = k + 1
        if vid in age_of:
            age = age_of[vid]
        elif ages is not None and opts.fleet is None and len(age_of):
            msg = f"vehicle {vid} has no age_years or purchase_year in the trips file"
            raise InputError(msg, [Problem(msg, None, "age_years", scenario.file)])
        else:
            age = math.floor(spread * life * k / max(1, n_type[vt]))
        km_year = km_day.get(vt, 0.0) / max(1, n_type[vt]) * days
        vehicles.append(
            FleetVehicle(
                vehicle_id=vid,
                vehicle_type=vt,
                powertrain=pt,
                age_years=float(age),
                life_years=life,
                running_cny_per_year=_running(scenario, vt, pt, km_year, mean_price_cny_per_kwh),
                exempt=bool(r["exempt"]),
            )
        )
        options = [opts.replace_with] + ([] if pt in pts.NEV else [pt])
        if pt in pts.NEV:
            options = [pt]
        mine = []
        for opt in options:
            try:
                c = resolve_costs(scenario.costs, vt, opt)
                run = _running(scenario, vt, opt, km_year, mean_price_cny_per_kwh)
            except (KeyError, InputError) as exc:
                if opt == pt:
                    continue
                msg = f"no cost or spec defaults for {vt}/{opt} ({exc})"
                raise InputError(
                    msg, [Problem(msg, None, "plan.replacement.replace_with", scenario.file)]
                ) from exc
            mine.append(
                Purchase(
                    powertrain=opt,
                    price_cny=c["vehicle_cny"],
                    subsidy_cny=c["subsidy_cny"],
                    life_years=int(c["life_years"]),
                    running_cny_per_year=run,
                )
            )
        purchases.append(mine)
    target: dict[str, dict[int, float]] = {}
    new: dict[str, dict[int, float]] = {}
    for vt in n_type:
        if opts.target_nev_share is not None:
            target[vt] = dict(opts.target_nev_share)
        elif vt in DEFAULT_TARGETS and DEFAULT_TARGETS[vt][1] == "fleet":
            name = DEFAULT_TARGETS[vt][0]
            p = defaults.params("plan_targets")[name]
            share = float(p.value) / 100.0
            if not any(v.exempt for v in vehicles if v.vehicle_type == vt):
                # nobody flagged: the transition model's exempt share (mountain lines, ...)
                seg = SEGMENT_OF.get(vt, vt)
                over = scenario.transition.get("exempt_pct", {}).get(seg)
                share *= 1.0 - exempt_frac(seg, over)
            target[vt] = {int(p.year or 2025): share}
        if opts.new_nev_share:
            new[vt] = dict(opts.new_nev_share)
        elif (
            opts.target_nev_share is None
            and vt in DEFAULT_TARGETS
            and DEFAULT_TARGETS[vt][1] == "new"
        ):
            p = defaults.params("plan_targets")[DEFAULT_TARGETS[vt][0]]
            new[vt] = {int(p.year or 2025): float(p.value) / 100.0}
    rate = (
        resolve_costs(scenario.costs, first["vehicle_type"], first["powertrain"])["discount_rate"]
        if first is not None
        else 0.0
    )
    return ReplacementProblem(
        vehicles=vehicles,
        purchases=purchases,
        years=list(opts.years),
        budget_cny=[opts.budget_cny[y] for y in opts.years],
        discount_rate=float(rate),
        target_nev_share=target,
        new_nev_share=new,
        age_source=source,
    )
