"""The embedded Beijing default's plan, followed by the simulator (issue 15 item 3).

The default's buses charge along the ``taper`` curve, draw ``idle_kw`` on layovers and share
terminal plugs, so this is the check that the planned schedule holds minute by minute:

* no missed trip, no plug given up or waited for, every day closes;
* at no instant more vehicles plugged in at a station than its planned plugs (counted from
  the simulator's own charging sessions, not from the plan);
* energy: the simulator charges the planned battery energy to within the idle draw the plan
  over-counts (``idle_kwh - simulator_idle_kwh``: the plan draws idle over whole layovers,
  the simulator only off-plug), and never more than planned (+ rounding).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import read_scenario
from fleetopt.planning import plan as plan_mod

DEFAULT = Path(str(resources.files("fleetopt") / "data" / "scenarios" / "beijing-default.toml"))


def _most_at_once(ses: pd.DataFrame) -> dict[str, int]:
    """Most charging sessions open at one instant per station (end before start at a tie)."""
    out: dict[str, int] = {}
    for sid, g in ses.groupby("station_id"):
        ev = sorted(
            [(float(t), 1) for t in g["plug_s"]] + [(float(t), -1) for t in g["end_s"]]
        )
        n = best = 0
        for _, d in ev:
            n += d
            best = max(best, n)
        out[str(sid)] = best
    return out


@pytest.mark.slow
def test_the_default_plan_holds_in_the_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the Beijing default WHEN planned and the simulator follows the schedule THEN
    (module docstring) no missed trip, plugs never exceeded, days close, energy within the
    stated tolerance."""
    sims: dict[str, Any] = {}
    real = plan_mod.simulate

    def spy(case: Any) -> Any:
        res = real(case)
        if case.charging_schedule is not None:
            sims["scheduled"] = res
        return res

    monkeypatch.setattr(plan_mod, "simulate", spy)
    sc = read_scenario(DEFAULT)
    net = load_network(sc.network, base_dir=sc.base_dir)
    result = plan_mod.plan_scenario(sc, network=net, compare=True)
    assert result.charging is not None
    assert result.charging.status in ("optimal", "feasible")
    bus = next(tp for tp in result.types if tp.vehicle_type == "bus")
    assert bus.blocking.vehicles == bus.blocking.lower_bound
    rep = result.replay
    assert rep["trips_missed"] == 0
    assert rep["simulator_trips_missed"] == 0
    assert rep["simulator_plug_gave_up"] == 0
    assert rep["simulator_plug_wait_max_s"] < 1e-6
    assert rep["simulator_vehicles_below_start"] == 0
    assert rep["simulator_days_closed"] is True
    plan_kwh = rep["battery_kwh_charged"]
    slack = rep["idle_kwh"] - rep["simulator_idle_kwh"]
    assert 0.0 <= slack < 0.1 * plan_kwh
    diff = rep["simulator_battery_difference_kwh"]
    assert diff <= 1e-6 * plan_kwh
    assert diff >= -slack - 1e-6 * plan_kwh
    # plugs, minute by minute, from the simulator's own sessions
    ses = sims["scheduled"].sessions
    ses = ses[ses["action"] == "charge"]
    assert len(ses) > 100
    plugs = result.charging.plugs
    for sid, n in _most_at_once(ses).items():
        assert n <= max(1, plugs.get(sid, 0)), sid
