"""A stay charges over its whole span (CONTRACT §9: "in any part of it"), through ``fleetopt plan``.

Hand case (constant energy and curve, efficiency 1, min_soc 0, a 100 kWh bus starting
full, one 60 kW plug at the depot where every trip starts and ends): T1 06:00-07:00 takes
60 kWh, T2 takes 70 kWh. One bus runs both only if the layover between them charges the
30 kWh missing from 60 + 70 - 100: a 30-minute layover at 60 kW gives exactly that
(1,800 s x 60 kW = 30 kWh); one second less gives 29.983 kWh, and the two trips need two
buses (each trip alone fits the battery and the night refills it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.planning.block_check import charge_span, idle_span

runner = CliRunner()


def _plan(path: Path, *extra: str) -> dict:
    res = runner.invoke(app, ["plan", str(path), "--json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _trips(t2_departure: str, t2_arrival: str) -> list[tuple[str, str, str, str, float]]:
    return [
        ("b1", "T1", "06:00", "07:00", 60.0),
        ("b1", "T2", t2_departure, t2_arrival, 70.0),
    ]


def test_a_layover_exactly_long_enough_lets_one_bus_run_both_trips(
    make_scenario: Callable, tmp_path: Path
) -> None:
    """GIVEN the 30-minute layover (07:00:00-07:30:00) THEN one bus, proven optimal, the
    operator's block is kept, and the planned schedule charges 30 kWh inside that layover
    (between 07:00 and 07:30, at most 60 kW); the simulator following the schedule misses
    no trip and every day closes."""
    path = make_scenario(_trips("07:30:00", "08:30:00"), plug_kw=60.0)
    out_dir = tmp_path / "out"
    out = _plan(path, "--out", str(out_dir))
    assert out["vehicles_needed"] == {"bus": 1}
    assert out["vehicles_bound"] == {"bus": 1}
    assert out["broken_blocks"] == []
    assert out["plugs_needed"] == {"depot-A": 1}
    # the day drives 130 kWh: at the flat 0.5 CNY/kWh it costs 65 CNY
    assert out["charging_cost_cny"] == pytest.approx(65.0, abs=1e-6)
    sched = pd.read_csv(out_dir / "charging_schedule.csv")
    lay = sched[(sched["start_s"] >= 7 * 3600 - 1e-6) & (sched["end_s"] <= 7.5 * 3600 + 1e-6)]
    assert lay["battery_kwh"].sum() == pytest.approx(30.0, abs=1e-6)
    assert (sched["grid_kw"] <= 60.0 + 1e-6).all()
    sim = out["comparison"]["scheduled"]
    assert sim["trips_missed"] == 0
    assert sim["vehicles_below_start"] == 0
    assert out["replay"]["simulator_trips_missed"] == 0
    assert out["replay"]["simulator_days_closed"] is True


def test_one_second_shorter_needs_a_second_bus(make_scenario: Callable) -> None:
    """GIVEN the layover one second shorter (T2 departs 07:29:59: 29.983 kWh) THEN two
    buses, proven optimal, and the operator's single block is reported broken."""
    out = _plan(make_scenario(_trips("07:29:59", "08:29:59"), plug_kw=60.0), "--no-compare")
    assert out["vehicles_needed"] == {"bus": 2}
    assert out["vehicles_bound"] == {"bus": 2}
    assert out["status"] == "optimal"
    assert [b["vehicle_id"] for b in out["broken_blocks"]] == ["b1"]


def test_charge_span_keeps_whole_seconds_and_rounds_fractional_ends_inward() -> None:
    """GIVEN stays with whole-second ends THEN all of each stay charges; GIVEN a fractional
    end (after a deadhead) THEN it is rounded inward to the whole second (start up, end
    down), float noise below 1e-7 s counts as whole, and a stay inside one second is
    empty; the idle draw counts the layover rounded outward."""
    a, b = charge_span(
        np.array([25200.0, 25200.0, 25200.4, 25200.0 + 1e-9, 100.2]),
        np.array([27000.0, 26999.7, 27000.0, 27000.0 - 1e-9, 100.8]),
    )
    assert a.tolist() == [25200.0, 25200.0, 25201.0, 25200.0, 101.0]
    assert b.tolist() == [27000.0, 26999.0, 27000.0, 27000.0, 101.0]
    assert idle_span(25200.0, 27000.0) == 1800.0
    assert idle_span(25200.4, 26999.7) == 1800.0
    assert idle_span(25200.0, 26999.3) == 1800.0
