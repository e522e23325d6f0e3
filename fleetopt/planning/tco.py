"""Price a fleet over its life: purchase, chargers, energy, maintenance, battery, residual (NPV).

For one (vehicle type, powertrain) with ``V`` vehicles (CONTRACT §9)::

    npv_cny = V x (vehicle_cny - subsidy_cny)                       (year 0)
            + plug_kw x plug_cny_per_kw                             (year 0)
            - V x residual_share x vehicle_cny / (1 + r)^L          (end of life)
            + sum_{y=1..L} running_y / (1 + r)^y
            + sum_{k: k x B < L} V x battery_kwh x battery_cny_per_kwh / (1 + r)^(k x B)

with ``r`` = ``discount_rate``, ``L`` = ``life_years``, ``B`` = ``battery_life_years``
(battery vehicles only: ``bev`` and ``phev``) and the yearly running cost
``running_y = days_per_year x (energy cost of the planned day + maintenance_cny_per_km x
the day's km)``. The day's km are the planned blocks' revenue and deadhead km (pull-out
and pull-in included). Energy cost of the day: for ``bev`` the cheapest charging
schedule's cost of the vehicles of that type; for fuel powertrains the day's km x the
spec's consumption x the fuel price of ``[costs]`` (diesel_cny_per_l, gasoline_cny_per_l,
hydrogen_cny_per_kg, cng_cny_per_kg, lng_cny_per_kg: the powertrain table's fuel
column). ``plug_kw`` is the plug power of the stations the type charges at, split between
types by their share of the energy charged there.

``cny_per_km`` = ``npv_cny`` / discounted lifetime km (sum over ``y = 1..L`` of the
yearly km / (1 + r)^y): a levelised cost per vehicle-km.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fleetopt import powertrains as pts
from fleetopt.inputs.vehicles import VehicleSpec

logger = logging.getLogger(__name__)

__all__ = ["Tco", "daily_fuel_cost_cny", "life_cycle_cost"]


@dataclass(frozen=True)
class Tco:
    """Life-cycle cost of one (type, powertrain) fleet.

    Attributes
    ----------
    npv_cny : float
        Net present cost over the life [CNY].
    cny_per_km : float
        Levelised cost per vehicle-km [CNY/km].
    terms : dict
        Each term of the NPV [CNY] (purchase, subsidy, chargers, residual, energy,
        maintenance, battery).
    """

    npv_cny: float
    cny_per_km: float
    terms: dict[str, float]


def daily_fuel_cost_cny(spec: VehicleSpec, km: float, costs: dict[str, float]) -> float:
    """Return the fuel cost of driving ``km`` [CNY] for a fuel powertrain (0 for ``bev``).

    Parameters
    ----------
    spec : VehicleSpec
        Consumption (``l_per_100km`` or ``kg_per_100km``).
    km : float
        Distance [km].
    costs : dict
        Resolved cost parameters (fuel prices).

    Returns
    -------
    float
        Cost [CNY].
    """
    column = pts.fuel_column(spec.powertrain)  # diesel_l, gasoline_l, cng_kg, lng_kg, hydrogen_kg
    rate = pts.fuel_rate_name(spec.powertrain)
    if column is None or rate is None:
        return 0.0
    fuel, unit = column.rsplit("_", 1)
    return km * float(getattr(spec, rate)) / 100.0 * costs[f"{fuel}_cny_per_{unit}"]


def life_cycle_cost(
    *,
    vehicles: int,
    costs: dict[str, float],
    plug_kw: float,
    daily_energy_cny: float,
    daily_km: float,
    battery_kwh: float = 0.0,
) -> Tco:
    """Return the NPV and the levelised cost per km of a fleet (module formula).

    Parameters
    ----------
    vehicles : int
        Vehicles bought.
    costs : dict
        Resolved cost parameters (:func:`fleetopt.inputs.costs.resolve_costs`).
    plug_kw : float
        Plug power attributed to this fleet [kW].
    daily_energy_cny : float
        Energy cost of one operating day [CNY].
    daily_km : float
        Fleet km of one operating day [km].
    battery_kwh : float
        Battery per vehicle, replaced every ``battery_life_years`` [kWh] (0: none).

    Returns
    -------
    Tco
    """
    r = costs["discount_rate"]
    life = int(costs["life_years"])
    days = costs["days_per_year"]
    disc = [(1.0 + r) ** -y for y in range(1, life + 1)]
    purchase = vehicles * costs["vehicle_cny"]
    subsidy = vehicles * costs["subsidy_cny"]
    chargers = plug_kw * costs["plug_cny_per_kw"]
    residual = vehicles * costs["residual_share"] * costs["vehicle_cny"] * disc[-1]
    energy = days * daily_energy_cny * sum(disc)
    maintenance = days * daily_km * costs["maintenance_cny_per_km"] * sum(disc)
    battery = 0.0
    blife = int(costs["battery_life_years"])
    if battery_kwh > 0 and blife > 0:
        k = 1
        while k * blife < life:
            battery += vehicles * battery_kwh * costs["battery_cny_per_kwh"] * disc[k * blife - 1]
            k += 1
    npv = purchase - subsidy + chargers - residual + energy + maintenance + battery
    km_disc = days * daily_km * sum(disc)
    per_km = npv / km_disc if km_disc > 0 else float("nan")
    return Tco(
        npv_cny=npv,
        cny_per_km=per_km,
        terms={
            "purchase_cny": purchase,
            "subsidy_cny": -subsidy,
            "chargers_cny": chargers,
            "residual_cny": -residual,
            "energy_cny": energy,
            "maintenance_cny": maintenance,
            "battery_cny": battery,
        },
    )
