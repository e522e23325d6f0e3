"""The energy and life rows behind the targets (issue 14 item 1): consistent and in range."""

from __future__ import annotations

import math

import pytest

from fleetopt import defaults

#: Hydrogen lower heating value [kWh/kg] and the fuel-cell system efficiency of the rows [-].
LHV_KWH_PER_KG = 33.33
FC_EFFICIENCY = 0.50


def _spec(vtype: str, pt: str, name: str, col: str = "value") -> float:
    t = defaults.load_table("vehicle_specs")
    r = t[(t.vehicle_type == vtype) & (t.powertrain == pt) & (t.name == name)].iloc[0]
    return float(r[col])


def test_every_ranged_row_holds_its_value() -> None:
    for table in ("vehicle_specs", "chargers", "survival_curves", "pv_transport"):
        t = defaults.load_table(table)
        ranged = t.dropna(subset=["low", "high"])
        assert len(ranged) > 0, table
        for r in ranged.itertuples(index=False):
            assert float(r.low) <= float(r.value) <= float(r.high), (table, r)


@pytest.mark.parametrize(
    ("vtype", "kwh", "fc"),
    [("sanitation", 0.60, 3.6), ("delivery", 0.35, 2.1)],
)
def test_fuel_cell_rates_follow_the_battery_rates(vtype: str, kwh: float, fc: float) -> None:
    """kg/100 km = battery kWh/km / (0.50 x 33.33 kWh/kg) x 100, rounded to 0.1; the low end
    uses the low battery rate at efficiency 0.55, the high end the high rate at 0.45."""
    assert _spec(vtype, "bev", "kwh_per_km") == pytest.approx(kwh)
    got = _spec(vtype, "fcev", "kg_per_100km")
    assert got == pytest.approx(fc)
    assert got == pytest.approx(kwh / (FC_EFFICIENCY * LHV_KWH_PER_KG) * 100, abs=0.05)
    lo = _spec(vtype, "bev", "kwh_per_km", "low") / (0.55 * LHV_KWH_PER_KG) * 100
    hi = _spec(vtype, "bev", "kwh_per_km", "high") / (0.45 * LHV_KWH_PER_KG) * 100
    assert _spec(vtype, "fcev", "kg_per_100km", "low") == pytest.approx(lo, abs=0.01)
    assert _spec(vtype, "fcev", "kg_per_100km", "high") == pytest.approx(hi, abs=0.01)


def test_the_fuel_cell_rule_reproduces_the_measured_bus() -> None:
    """The same rule on the 12 m e-bus (1.242 kWh/km battery-side) gives 7.45 kg/100 km,
    within 1 % of the Geely F12's published 7.5 (the one Chinese measurement to check with)."""
    derived = _spec("bus", "bev", "kwh_per_km") / (FC_EFFICIENCY * LHV_KWH_PER_KG) * 100
    assert derived == pytest.approx(_spec("bus", "fcev", "kg_per_100km"), rel=0.01)


def test_taxi_rate_from_the_eu5_rating() -> None:
    """53.6 kWh / 416 km NEDC x 1.25 urban duty = 0.161 -> 0.16 kWh/km (battery side)."""
    assert _spec("taxi", "bev", "kwh_per_km") == pytest.approx(round(53.6 / 416 * 1.25, 2))
    assert _spec("taxi", "phev", "kwh_per_km") == _spec("taxi", "bev", "kwh_per_km")


def test_delivery_pack_carries_a_day() -> None:
    """An 80 kWh pack at 0.35 kWh/km and the cold factor 1.667 still covers 100 km."""
    assert _spec("delivery", "bev", "battery_kwh") / (0.35 * 1.667) > 100


@pytest.mark.parametrize("segment", ["bus", "taxi", "sanitation", "light_logistics"])
def test_survival_curves_respect_mandatory_scrappage(segment: str) -> None:
    """China's 2012 scrappage rules (bus 13, taxi 8, light trucks and loaded special-purpose
    vehicles 15 years): the central Weibull curve leaves under 1 % of vehicles alive at that
    age. (The band's long-life variant, mean x 1.2, does not: 6.5 % of buses and 1.8 % of
    light trucks outlive the rule - a known weak spot in docs/targets.md; the variant is made
    in domain/transition.py.)"""
    t = defaults.load_table("survival_curves")
    rows = t[t.segment == segment].set_index("name")
    age = float(rows.loc["mandatory_scrappage_years", "value"])
    shape = float(rows.loc["weibull_shape", "value"])
    mean = float(rows.loc["mean_life_years", "value"])
    scale = mean / math.gamma(1 + 1 / shape)
    assert math.exp(-((age / scale) ** shape)) < 0.01, (segment, mean)
    frac = defaults.value("transition_params", "life_uncertainty_frac")
    assert float(rows.loc["mean_life_years", "high"]) == pytest.approx(
        float(rows.loc["mean_life_years", "value"]) * (1 + frac)
    )
