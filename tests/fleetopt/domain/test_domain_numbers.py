"""Layer-1 tests: the domain functions' numbers, each computed by hand."""

from __future__ import annotations

import csv
import math
from importlib import resources

import numpy as np
import pytest

from fleetopt.domain import charging as chg
from fleetopt.domain.costs import cheapest_windows, energy_cost_cny, hourly_prices
from fleetopt.domain.emissions import co2_kg, converted_turnover_tkm, intensity_kg_per_tkm
from fleetopt.domain.energy import fuel_per_100km, soc_after, temperature_factor, trip_energy_kwh


def _tariff_prices(tariff: str) -> tuple[float, float, float]:
    """Return (valley, flat, peak) [CNY/kWh] of ``tariff`` as written in tariffs.csv."""
    with resources.files("fleetopt.data").joinpath("tariffs.csv").open(encoding="utf-8") as f:
        vals = {r["name"]: r["value"] for r in csv.DictReader(f) if r["tariff"] == tariff}
    names = ("valley_cny_per_kwh", "flat_cny_per_kwh", "peak_cny_per_kwh")
    valley, flat, peak = (float(vals[n]) for n in names)
    return valley, flat, peak


FACTORS = {"grid_kg_per_kwh": 0.6361, "diesel_kg_per_l": 2.68, "gasoline_kg_per_l": 2.30,
           "cng_kg_per_kg": 2.75, "hydrogen_kg_per_kg": 0.0}


def test_temperature_factor_is_exactly_one_at_20c_and_grows_in_the_cold() -> None:
    """GIVEN the cited curve WHEN asked at 20 °C THEN exactly 1.0; colder costs more."""
    assert temperature_factor(20.0) == 1.0
    f = temperature_factor([-6.7, 0.0, 10.0, 20.0])
    assert f[0] == pytest.approx(1.667)
    assert f[1] == pytest.approx(1.25)
    assert f[2] == pytest.approx(1.125)  # halfway between 1.25 (0 °C) and 1.0 (20 °C)
    assert temperature_factor(-20.0) == pytest.approx(1.667)  # held constant below the data


def test_trip_energy_and_fuel_by_hand() -> None:
    """GIVEN 42 km, 1.38 kWh/km, factor 1.25 THEN 72.45 kWh; 32.6 L/100km over 42 km = 13.692 L."""
    assert trip_energy_kwh(42.0, 1.38, 1.25) == pytest.approx(72.45)
    assert fuel_per_100km(42.0, 32.6) == pytest.approx(13.692)
    assert soc_after(0.9, 72.45, 324.0) == pytest.approx(0.9 - 72.45 / 324.0)


def test_co2_and_turnover_by_hand() -> None:
    """GIVEN 100 kWh, 10 L diesel, 5 L gasoline, 2 kg CNG, 3 kg H2 THEN CO2 = sum of products."""
    got = co2_kg(grid_kwh=100, diesel_l=10, gasoline_l=5, cng_kg=2, hydrogen_kg=3, factors=FACTORS)
    assert float(got) == pytest.approx(63.61 + 26.8 + 11.5 + 5.5 + 0.0)
    assert float(converted_turnover_tkm(1000.0, 20.0, 0.1)) == pytest.approx(120.0)
    assert float(intensity_kg_per_tkm(60.0, 120.0)) == pytest.approx(0.5)
    assert math.isnan(float(intensity_kg_per_tkm(60.0, 0.0)))


def test_constant_curve_charges_linearly() -> None:
    """GIVEN 100 kWh at 50 kW from 20 % to full THEN 80 kWh take 96 min."""
    soc, steps = chg.charge_steps(0.2, 1.0, math.inf, 50.0, 100.0, chg.curve("constant"))
    assert soc == 1.0
    assert steps == [(pytest.approx(96 * 60.0), 50.0)]
    soc, steps = chg.charge_steps(0.2, 1.0, 30 * 60.0, 50.0, 100.0, chg.curve("constant"))
    assert soc == pytest.approx(0.2 + 25.0 / 100.0)  # 30 min x 50 kW = 25 kWh


def test_taper_curve_steps_down_at_the_knees() -> None:
    """GIVEN knees 0.8/0.9 at 50/25 % power THEN 0.5->1.0 on 100 kWh, 100 kW takes 18+12+24 min."""
    crv = chg.curve("taper")
    assert crv.knees_soc == (0.8, 0.9, 1.0)
    soc, steps = chg.charge_steps(0.5, 1.0, math.inf, 100.0, 100.0, crv)
    assert soc == 1.0
    assert [d for d, _ in steps] == [
        pytest.approx(1080.0),
        pytest.approx(720.0),
        pytest.approx(1440.0),
    ]
    assert [p for _, p in steps] == [100.0, 50.0, 25.0]
    assert chg.time_to_charge_s(0.85, 0.95, 100.0, 100.0, crv) == pytest.approx(360.0 + 720.0)


def test_lay_out_fills_windows_in_time_order() -> None:
    """GIVEN two windows of 10 s and steps of 15 s then 5 s THEN segments split across the gap."""
    segs = chg.lay_out([(0.0, 10.0), (20.0, 30.0)], [(15.0, 2.0), (5.0, 1.0)])
    assert segs == [(0.0, 10.0, 2.0), (20.0, 25.0, 2.0), (25.0, 30.0, 1.0)]


def test_swap_and_refuel_times() -> None:
    """Swap of 5 min = 300 s; 6 kg at 1.5 kg/min = 240 s."""
    assert chg.swap_time_s(5.0) == 300.0
    assert chg.refuel_time_s(6.0, 1.5) == pytest.approx(240.0)


def test_time_of_use_cost_is_the_exact_integral() -> None:
    """GIVEN 10 kW from 06:30 to 07:30 THEN half an hour at valley and half at flat price."""
    p = hourly_prices("beijing-general-commercial-1-10kv")
    assert p.shape == (24,)
    # prices are read from tariffs.csv (valley at 03:00, flat at 08:00, peak at 11:00)
    valley, flat, peak = _tariff_prices("beijing-general-commercial-1-10kv")
    assert p[3] == valley
    assert p[8] == flat
    assert p[11] == peak
    assert valley < flat < peak
    cost = energy_cost_cny(6.5 * 3600, 7.5 * 3600, 10.0, "beijing-general-commercial-1-10kv")
    assert float(cost) == pytest.approx(5 * valley + 5 * flat)
    # a second day repeats the first
    c1 = energy_cost_cny(0.0, 86400.0, 1.0, "beijing-general-commercial-1-10kv")
    c2 = energy_cost_cny(86400.0, 2 * 86400.0, 1.0, "beijing-general-commercial-1-10kv")
    assert float(c1) == pytest.approx(float(c2))
    assert float(c1) == pytest.approx(float(np.sum(p)))


def test_cheapest_windows_prefer_valley_hours() -> None:
    """GIVEN a stay 20:00-32:00 and 2 h of charging THEN the first 2 valley hours (23-01) win."""
    w = cheapest_windows(20 * 3600, 32 * 3600, 2 * 3600, "beijing-general-commercial-1-10kv")
    assert w == [(23 * 3600.0, 24 * 3600.0), (24 * 3600.0, 25 * 3600.0)]
    assert cheapest_windows(0.0, 10.0, 0.0, "flat-rate") == []


def test_pv_profile_is_scaled_to_the_annual_yield() -> None:
    """GIVEN 1,200 kWh/kWp/yr THEN the clear-sky model summed over a year (hourly) gives 1,200
    kWh/kWp; output is zero at night and peaks near local solar noon (about 12:10 Beijing time at
    116.4 E)."""
    from fleetopt.domain.solar import pv_kw_per_kwp

    hours = np.arange(365 * 24) * 3600.0  # the whole of 2023, hourly, as seconds after 1 January
    total = float(pv_kw_per_kwp(hours, 39.91, 116.40, "2023-01-01", 1200.0).sum())
    assert total == pytest.approx(1200.0, rel=1e-9)
    p = pv_kw_per_kwp(np.arange(0, 86400, 600.0), 39.91, 116.40, "2024-06-21", 1200.0)
    assert p[0] == 0.0
    assert p[-1] == 0.0
    assert 11.5 * 3600 <= np.argmax(p) * 600.0 <= 12.9 * 3600
