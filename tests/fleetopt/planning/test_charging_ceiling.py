"""Curve rows only where the state of charge can pass a knee (``_soc_ceiling``)."""

from __future__ import annotations

import numpy as np
import pytest

from fleetopt.domain import charging as chg
from fleetopt.planning.block_check import Segment
from fleetopt.planning.charging_lp import plan_charging
from fleetopt.planning.charging_model import Model, VehicleDay

H = 3600.0


def _day() -> VehicleDay:
    """A 100 kWh bus drives 60 kWh 00:00-08:00, then stands 16 h at a 5 kW depot plug."""
    crv = chg.curve("taper")  # knees 0.8, 0.9
    segs = [
        Segment("drive", 0.0, 8 * H, kwh=60.0, km=60.0),
        Segment("stay", 8 * H, 24 * H, station=0, night=True),
    ]
    return VehicleDay(
        "b1", "bus", segs, np.array([5.0]), 1.0, 100.0, 0.0, crv.knees_soc, crv.fracs
    )


def test_curve_rows_only_where_the_charge_can_pass_a_knee() -> None:
    """GIVEN the night cut at the clock hours into 16 pieces (whole-second ends: all of the
    stay charges) THEN the most the bus can hold after piece k is 40 + 5 k kWh (capped at
    100), so
    band 2's row (above 80 %) is needed for pieces 9-16 only and band 3's (above 90 %)
    for pieces 11-16: 16 + 8 + 6 = 30 rows instead of 48; and the LP still closes the day
    (60 kWh charged: the night refills what the day drove)."""
    day = _day()
    m = Model.build([day], 0.0, 900.0, False)
    assert m.taper.size == 16
    k = np.arange(1, 17)
    want = np.minimum(100.0, 40.0 + 5.0 * k)
    assert m.q_ceiling == pytest.approx(want, abs=1e-9)
    _, _, _, _, n_rows = m.curve_rows(m.initial_tangents(), 0)
    assert n_rows == 30
    plan = plan_charging([day], np.array(["D"]), np.full(24, 1.0), time_limit_s=30.0)
    assert plan.status == "optimal"
    assert plan.grid_kwh == pytest.approx(60.0, abs=1e-4)
