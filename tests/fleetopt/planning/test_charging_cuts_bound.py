"""The charging LP's clock cuts (price changes only) and its honest bound with a taper curve."""

from __future__ import annotations

import numpy as np
import pytest

from fleetopt.domain import charging as chg
from fleetopt.domain.costs import hourly_prices
from fleetopt.planning import charging_lp
from fleetopt.planning.block_check import Segment
from fleetopt.planning.charging_lp import plan_charging
from fleetopt.planning.charging_model import Model, VehicleDay
from fleetopt.planning.charging_schedule import price_cuts
from fleetopt.planning.problem import DAY_S

H = 3600.0
TAPER = chg.curve("taper")


def _days(
    seed: int,
    n: int = 5,
    *,
    start_h: tuple[float, float] = (5, 8),
    out_h: tuple[float, float] = (2, 5),
    layover_h: tuple[float, float] = (0.3, 2.0),
    back_h: tuple[float, float] = (2, 6),
    kwh: tuple[float, float] = (20, 45),
) -> list[VehicleDay]:
    """Random buses of 100 kWh (taper) sharing one 60 kW depot: a day layover and a night.

    Each bus pulls out at a clock hour drawn from ``start_h``, drives ``out_h`` hours to the
    layover, stays ``layover_h`` hours, drives ``back_h`` hours and stays the night; each
    drive takes an energy drawn from ``kwh`` [kWh].
    """
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        t0 = rng.uniform(*start_h) * H
        lay0 = t0 + rng.uniform(*out_h) * H
        lay1 = lay0 + rng.uniform(*layover_h) * H
        end = lay1 + rng.uniform(*back_h) * H
        e1, e2 = rng.uniform(*kwh, 2)
        segs = [
            Segment("drive", t0, lay0, kwh=e1, km=e1, trip=2 * k),
            Segment("stay", lay0, lay1, station=0),
            Segment("drive", lay1, end, kwh=e2, km=e2, trip=2 * k + 1),
            Segment("stay", end, t0 + DAY_S, station=0, night=True),
        ]
        out.append(
            VehicleDay(
                f"b{k}", "bus", segs, np.array([60.0]), 0.9, 100.0, 10.0,
                TAPER.knees_soc, TAPER.fracs,
            )
        )
    return out


def test_price_cuts_are_the_hours_where_the_price_changes() -> None:
    """THEN a flat tariff cuts nowhere, Beijing's TOU tariff where its periods change."""
    assert price_cuts(np.full(24, 0.7)).tolist() == []
    assert price_cuts(hourly_prices("beijing-general-commercial-1-10kv")).tolist() == [
        7, 10, 15, 18, 21, 23
    ]
    assert price_cuts(np.r_[np.full(6, 0.2), np.full(18, 1.0)]).tolist() == [0, 6]


@pytest.mark.parametrize("seed", range(3))
def test_cutting_only_at_price_changes_keeps_the_lp_exact(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN random taper buses at a TOU tariff THEN the model cut only where the price
    changes has fewer pieces, and the cost LP's relaxation bound is the same as the model
    cut at every hour (the pieces merged have one price and the same vehicles present, so
    the feasible sets are equal); the answers' costs agree to the curve rounds' gain."""
    days = _days(seed)
    prices = hourly_prices("beijing-general-commercial-1-10kv")
    few = Model.build(days, 0.0, 900.0, False, price_cuts(prices))
    every = Model.build(days, 0.0, 900.0, False)
    assert few.q_col.size < every.q_col.size
    a = plan_charging(days, np.array(["D"]), prices, plugs={"D": 2})
    monkeypatch.setattr(charging_lp, "price_cuts", lambda p: np.arange(24))
    b = plan_charging(days, np.array(["D"]), prices, plugs={"D": 2})
    assert a.status in ("optimal", "feasible")
    assert b.status in ("optimal", "feasible")
    assert a.bound_cny == pytest.approx(b.bound_cny, rel=1e-6)
    assert a.cost_cny == pytest.approx(b.cost_cny, rel=2e-3)


@pytest.mark.parametrize("seed", range(3))
def test_the_taper_cost_bound_never_exceeds_a_deliverable_cost(seed: int) -> None:
    """GIVEN random taper buses THEN the cost's bound (the chord relaxation's dual) is at
    most the cost of the schedule found, at least the full-power model's optimum (the
    same buses with a constant curve: a relaxation of the taper), and the status is
    ``optimal`` only when the two meet."""
    days = _days(seed)
    prices = hourly_prices("beijing-general-commercial-1-10kv")
    plan = plan_charging(days, np.array(["D"]), prices, plugs={"D": 2})
    const = [
        VehicleDay(d.vehicle_id, d.vehicle_type, d.segments, d.rate_kw, d.efficiency,
                   d.cap_kwh, d.min_kwh)
        for d in days
    ]
    full = plan_charging(const, np.array(["D"]), prices, plugs={"D": 2})
    assert full.status == "optimal"
    assert plan.status in ("optimal", "feasible")
    assert full.cost_cny - 1e-6 <= plan.bound_cny <= plan.cost_cny + 1e-9
    gap = plan.cost_cny - plan.bound_cny
    assert (plan.status == "optimal") == (gap <= charging_lp.CURVE_GAP * plan.cost_cny)


@pytest.mark.parametrize("seed", range(3))
def test_the_chord_drops_full_power_rows_only_where_they_repeat_its_first_band(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN random taper buses THEN the chord relaxation leaves out ``q <= kW t`` for the
    pieces whose chord range lies below the first knee (its first band's row says as much
    there), and its bound is the same as with every such row kept."""
    days = _days(seed)
    prices = hourly_prices("beijing-general-commercial-1-10kv")
    m = Model.build(days, 0.0, 900.0, False, price_cuts(prices))
    below = m._chord_in_first_band()
    assert below.any()
    assert not below.all()
    rows_cut = m.curve_rows(m.initial_tangents(), 0, chord=True)[4]
    a = plan_charging(days, np.array(["D"]), prices, plugs={"D": 2})
    monkeypatch.setattr(Model, "_chord_in_first_band", lambda self: np.zeros(self.taper.size, bool))
    rows_all = m.curve_rows(m.initial_tangents(), 0, chord=True)[4]
    assert rows_all - rows_cut == int(below.sum())
    b = plan_charging(days, np.array(["D"]), prices, plugs={"D": 2})
    assert a.bound_cny == pytest.approx(b.bound_cny, rel=1e-7)
