"""Compare battery sizes: vehicles, plugs and life-cycle cost of each (issue 15 item 5).

For each battery size ``B`` of the list (``[plan] battery_kwh``; default
``battery_options.csv``: buses the packs of Chinese 12 m e-buses, other types the spec's
battery x (1 + k x ``step_share``), k = -``steps`` .. ``steps``) the same trips are
re-blocked (:func:`fleetopt.planning.blocking.plan_blocks`) with the spec's battery set to
``B`` (reserve ``min_soc`` x ``B``), their plugs and cheapest charging are solved by the
caller's charging function (the plan's own, :mod:`fleetopt.planning.charging_lp`, for this
type alone), and the fleet is priced with :func:`fleetopt.planning.tco.life_cycle_cost`:

* purchase price of a vehicle with battery ``B`` = ``vehicle_cny`` + (``B`` - the spec's
  battery) x ``battery_cny_per_kwh`` (the pack price of ``costs.csv``; the price in
  ``[costs]`` stands for the spec's battery);
* energy of the day = the charging plan's cost (energy and demand charge) of this type;
* plug power = the plugs each station needs x its ``plug_kw``;
* battery replacements at ``battery_life_years`` with pack ``B``.

Energy per km does not change with the battery (the pack's extra mass is not modelled).
``cheapest`` marks the size with the least NPV among the sizes that leave the fewest trips
unrunnable (a small battery that cannot run a long trip does not win by dropping it).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.inputs.costs import resolve_costs
from fleetopt.inputs.scenario import Scenario
from fleetopt.planning.blocking import BlockingResult, block_km, plan_blocks
from fleetopt.planning.charging_lp import ChargingPlan
from fleetopt.planning.problem import GroupProblem, with_spec
from fleetopt.planning.tco import life_cycle_cost

logger = logging.getLogger(__name__)

__all__ = [
    "BATTERY_COLUMNS",
    "BatteryOption",
    "battery_options",
    "default_sizes",
    "options_table",
]

#: Columns of ``battery_options.csv`` written by ``plan --out``.
BATTERY_COLUMNS = (
    "vehicle_type",
    "powertrain",
    "battery_kwh",
    "vehicles",
    "vehicles_bound",
    "blocking_status",
    "trips_unrunnable",
    "plugs",
    "charging_cost_cny",
    "charging_status",
    "vehicle_cny",
    "npv_cny",
    "cny_per_km",
    "cheapest",
)

#: A function that solves plugs and charging for one group's blocks (None: no battery).
ChargeFn = Callable[[GroupProblem, BlockingResult], ChargingPlan | None]


@dataclass(frozen=True)
class BatteryOption:
    """Vehicles, plugs and cost of one battery size for one (type, powertrain).

    Attributes
    ----------
    vehicle_type, powertrain : str
        The group.
    battery_kwh : float
        Battery size [kWh].
    vehicles, vehicles_bound : int
        Vehicles needed and the proven lower bound.
    blocking_status : str
        Status of the blocking solve.
    trips_unrunnable : int
        Trips no vehicle with this battery can run (left out of the blocks).
    plugs : dict of str to int
        Plugs per station.
    charging_cost_cny : float
        Cheapest charging of one day [CNY] (NaN without a schedule).
    charging_status : str
        Status of the charging solve.
    vehicle_cny : float
        Purchase price of one vehicle with this battery [CNY].
    npv_cny, cny_per_km : float
        Life-cycle cost [CNY] and per vehicle-km [CNY/km].
    cheapest : bool
        The least NPV among the sizes that run the most trips.
    """

    vehicle_type: str
    powertrain: str
    battery_kwh: float
    vehicles: int
    vehicles_bound: int
    blocking_status: str
    trips_unrunnable: int
    plugs: dict[str, int]
    charging_cost_cny: float
    charging_status: str
    vehicle_cny: float
    npv_cny: float
    cny_per_km: float
    cheapest: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the option as a JSON-ready dictionary (``plugs`` per station)."""
        return {
            "battery_kwh": self.battery_kwh,
            "vehicles": self.vehicles,
            "vehicles_bound": self.vehicles_bound,
            "blocking_status": self.blocking_status,
            "trips_unrunnable": self.trips_unrunnable,
            "plugs": sum(self.plugs.values()),
            "plugs_by_station": dict(self.plugs),
            "charging_cost_cny": self.charging_cost_cny,
            "charging_status": self.charging_status,
            "vehicle_cny": self.vehicle_cny,
            "npv_cny": self.npv_cny,
            "cny_per_km": self.cny_per_km,
            "cheapest": self.cheapest,
        }


def default_sizes(vehicle_type: str, spec_kwh: float) -> list[float]:
    """Return the battery sizes compared when ``[plan] battery_kwh`` is not given [kWh].

    Parameters
    ----------
    vehicle_type : str
        The vehicle type (``battery_options.csv`` rows ``battery_kwh_*`` when it has them).
    spec_kwh : float
        The type's battery in its spec [kWh].

    Returns
    -------
    list of float
        Sorted sizes [kWh].
    """
    rows = defaults.params("battery_options", vehicle_type=vehicle_type)
    listed = sorted(float(p.value) for n, p in rows.items() if n.startswith("battery_kwh_"))
    if listed:
        return listed
    step = defaults.value("battery_options", "step_share", vehicle_type="all")
    steps = int(defaults.value("battery_options", "steps", vehicle_type="all"))
    return [round(spec_kwh * (1.0 + k * step), 3) for k in range(-steps, steps + 1)]


def battery_options(
    gp: GroupProblem,
    sizes: list[float],
    *,
    scenario: Scenario,
    charge: ChargeFn,
    time_limit_s: float,
) -> list[BatteryOption]:
    """Re-plan one battery group for each battery size (module steps).

    Parameters
    ----------
    gp : GroupProblem
        The group's trips with the scenario's spec (a battery powertrain).
    sizes : list of float
        Battery sizes [kWh], each > 0.
    scenario : Scenario
        For the costs and the temperature factor.
    charge : callable
        ``charge(group, blocks) -> ChargingPlan | None``: plugs and cheapest charging.
    time_limit_s : float
        Solver budget of each blocking solve [s] (the plan gives each size its whole
        ``--time-limit``: the trade-off takes up to sizes x that).

    Returns
    -------
    list of BatteryOption
        One per size, in the order given.
    """
    vt, pt = gp.vehicle_type, gp.powertrain
    costs0 = resolve_costs(scenario.costs, vt, pt)
    ref_kwh = float(gp.spec.battery_kwh)
    plug_kw_of = dict(zip(gp.station_ids.astype(str), gp.plug_kw, strict=True))
    out: list[BatteryOption] = []
    for size in sizes:
        spec = replace(gp.spec, battery_kwh=float(size))
        sgp = with_spec(gp, spec, scenario)
        br = plan_blocks(sgp, time_limit_s=time_limit_s)
        ch = charge(sgp, br)
        plugs = {str(k): int(v) for k, v in sorted(ch.plugs.items())} if ch is not None else {}
        energy = float(ch.cost_cny) if ch is not None else math.nan
        plug_kw = float(sum(n * plug_kw_of.get(s, 0.0) for s, n in plugs.items()))
        costs = dict(costs0)
        costs["vehicle_cny"] = max(
            0.0, costs0["vehicle_cny"] + (float(size) - ref_kwh) * costs0["battery_cny_per_kwh"]
        )
        km = block_km(sgp, br)
        t = life_cycle_cost(
            vehicles=br.vehicles,
            costs=costs,
            plug_kw=plug_kw,
            daily_energy_cny=energy if math.isfinite(energy) else 0.0,
            daily_km=km,
            battery_kwh=float(size),
        )
        ok = ch is not None and ch.status in ("optimal", "feasible")
        out.append(
            BatteryOption(
                vehicle_type=vt,
                powertrain=pt,
                battery_kwh=float(size),
                vehicles=int(br.vehicles),
                vehicles_bound=int(br.lower_bound),
                blocking_status=str(br.status),
                trips_unrunnable=len(br.unrunnable),
                plugs=plugs,
                charging_cost_cny=energy,
                charging_status=ch.status if ch is not None else "none",
                vehicle_cny=costs["vehicle_cny"],
                npv_cny=float(t.npv_cny) if ok else math.nan,
                cny_per_km=float(t.cny_per_km) if ok else math.nan,
            )
        )
    return _mark_cheapest(out)


def _mark_cheapest(options: list[BatteryOption]) -> list[BatteryOption]:
    priced = [o for o in options if math.isfinite(o.npv_cny)]
    if not priced:
        return options
    fewest = min(o.trips_unrunnable for o in priced)
    runs_most = [o for o in priced if o.trips_unrunnable == fewest]
    best = min(runs_most, key=lambda o: (o.npv_cny, o.battery_kwh))
    return [replace(o, cheapest=o is best) for o in options]


def options_table(options: dict[str, list[BatteryOption]]) -> pd.DataFrame:
    """Return the options of every type as one table (:data:`BATTERY_COLUMNS`)."""
    rows = []
    for opts in options.values():
        for o in opts:
            d = o.as_dict()
            rows.append(
                {
                    **{k: d[k] for k in BATTERY_COLUMNS if k in d},
                    "vehicle_type": o.vehicle_type,
                    "powertrain": o.powertrain,
                    "plugs": int(np.sum(list(o.plugs.values()))) if o.plugs else 0,
                }
            )
    return pd.DataFrame(rows, columns=list(BATTERY_COLUMNS))
