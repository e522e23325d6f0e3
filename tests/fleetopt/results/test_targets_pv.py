"""PV on transport infrastructure (issue 14 item 7): pvlib irradiance, potential by hand, row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fleetopt import defaults
from fleetopt.results.targets import evaluate_targets
from fleetopt.results.targets import pv as PV  # noqa: N812


def test_generated_clearsky_table_is_what_pvlib_gives() -> None:
    """The stored monthly clear-sky sums are pvlib's Ineichen + Linke climatology (regenerated)."""
    from fleetopt.results.targets import _pv_generate  # imports pvlib (3 s): only here

    fresh = _pv_generate.monthly_clearsky_kwh_per_m2()
    stored = PV.clearsky_kwh_per_m2()
    assert stored == pytest.approx(fresh.to_numpy(), abs=1e-3)
    # a summer month is brighter than a winter one, and the year is about 2,000 kWh/m2
    assert stored[5] > 2.5 * stored[11]
    assert 1800 < stored.sum() < 2200


def test_day_length_fao56() -> None:
    """Equator: 12 h every day; 39.9 N: about 14.9 h at the June solstice, 9.2 h in December."""
    assert PV.day_length_h(0.0, np.arange(1, 366)) == pytest.approx(np.full(365, 12.0))
    june, dec = PV.day_length_h(39.9042, np.array([172, 355]))
    assert 14.7 < june < 15.1
    assert 9.0 < dec < 9.4  # astronomical (no refraction): 9.17 h; the civil almanac says 9.3


def test_january_clearness_by_hand() -> None:
    """FAO-56: k = (0.25 + 0.5 n/N) / 0.75 with n = 194.1 h (January sunshine) and N the sum of
    24/pi x arccos(-tan(phi) tan(delta)) over 1-31 January."""
    phi = math.radians(39.9042)
    n_max = 0.0
    for j in range(1, 32):
        delta = 0.409 * math.sin(2 * math.pi * j / 365 - 1.39)
        n_max += 24 / math.pi * math.acos(-math.tan(phi) * math.tan(delta))
    expected = (0.25 + 0.5 * 194.1 / n_max) / 0.75
    assert PV.monthly_clearness()[0] == pytest.approx(expected, rel=1e-12)


def test_potential_by_hand() -> None:
    """Sites x roof area x coverage x efficiency (pv_transport.csv):
    (45 x 30,000 + 120 x 8,000 + 20 x 5,000) m2 x 0.5 x 0.21 kW/m2 = 253.05 MW; low ends
    (35 x 15,000 + 80 x 3,000 + 15 x 2,000) x 0.3 x 0.19 = 45.315 MW; high ends
    (55 x 45,000 + 200 x 15,000 + 30 x 10,000) x 0.7 x 0.23 = 929.775 MW."""
    assert PV.pv_potential().capacity_mw == pytest.approx(253.05, rel=1e-12)
    assert PV.pv_potential("low").capacity_mw == pytest.approx(45.315, rel=1e-12)
    assert PV.pv_potential("high").capacity_mw == pytest.approx(929.775, rel=1e-12)
    mid = PV.pv_potential()
    irr = float((PV.clearsky_kwh_per_m2() * PV.monthly_clearness()).sum())
    assert mid.irradiation_kwh_per_m2_yr == pytest.approx(irr)
    assert mid.energy_gwh_yr == pytest.approx(253.05 * irr * 0.8 / 1000, rel=1e-12)


def test_yield_agrees_with_the_depot_pv_row() -> None:
    """The modelled flat-module yield is within 10 % of the 1,200 kWh/kWp/yr that depot PV in
    the simulation is scaled to (simulation_options.csv, an ASSUMPTION row): the two PV rows of
    the project do not contradict each other."""
    cited = defaults.value("simulation_options", "pv_yield_kwh_per_kwp_yr")
    assert PV.pv_potential().yield_kwh_per_kwp_yr == pytest.approx(cited, rel=0.10)


def test_pv_row_reports_potential_not_a_verdict() -> None:
    """No quantity in the plan and no built figure: no_data, with the potential in trace and
    reason (value stays null, CONTRACT §8)."""
    row = next(r for r in evaluate_targets() if r["id"] == "pv_transport_infrastructure")
    assert row["status"] == "no_data"
    assert row["value"] is None
    assert "253 MW" in row["reason"]
    trace = {t["input"]: t for t in row["trace"]}
    assert trace["pv_potential_mw"]["value"] == pytest.approx(253.05)
    assert trace["share_of_solar_wind_goal_2025"]["value"] == pytest.approx(100 * 253.05 / 2800,
                                                                            abs=1e-4)
