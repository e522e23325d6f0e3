"""A Case with a charging schedule charges by it (fleetopt.simulation.scheduled), by hand.

One BEV bus, 100 kWh, 1 kWh/km, constant curve, no losses, one 100 kW plug at its depot;
two 60 km loop trips 08:00-09:00 and 12:00-13:00 starting full. After the first trip it
holds 40 kWh; the second needs 60, so it needs at least 20 kWh between 09:00 and 12:00.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from simkit import BASE, HEADER, trip_line

from fleetopt.case import load_case
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.result import SimulationResult

H = 3600.0


def _run(
    tmp_path: Path, central: Any, windows: list[tuple[str, float, float, float]], plugs: int = 1,
    buses: int = 1,
) -> SimulationResult:
    lines = [HEADER]
    for b in range(buses):
        lines += [
            trip_line(f"b{b}", f"t{b}1", "08:00", "09:00", 60),
            trip_line(f"b{b}", f"t{b}2", "12:00", "13:00", 60),
        ]
    (tmp_path / "trips.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = copy.deepcopy(BASE)
    d["stations"][0]["plugs"] = plugs
    case = load_case(scenario_from_dict(d, base_dir=tmp_path), central)
    sched = pd.DataFrame(
        [
            {"vehicle_id": v, "station_id": "depot-A", "start_s": a, "end_s": b, "battery_kwh": e}
            for v, a, b, e in windows
        ],
        columns=["vehicle_id", "station_id", "start_s", "end_s", "battery_kwh"],
    )
    return simulate(dataclasses.replace(case, charging_schedule=sched))


def _charges(r: SimulationResult, vid: str) -> pd.DataFrame:
    s = r.sessions
    return s[(s["vehicle_id"] == vid) & (s["action"] == "charge")]


def test_charges_exactly_the_window_energy_inside_the_window(tmp_path: Path, central) -> None:
    # 30 kWh in 10:00-10:30; a window while the bus drives (08:15-08:45) gives nothing
    r = _run(tmp_path, central, [("b0", 10 * H, 10.5 * H, 30.0), ("b0", 8.25 * H, 8.75 * H, 20.0)])
    ch = _charges(r, "b0")
    assert len(ch) == 1
    assert float(ch["battery_kwh"].sum()) == pytest.approx(30.0, abs=1e-9)
    assert float(ch["plug_s"].iat[0]) == pytest.approx(10 * H)
    assert float(ch["end_s"].iat[0]) == pytest.approx(10 * H + 30.0 / 100.0 * H)  # full power
    # grid power only inside the window: the per-minute load is zero outside 10:00-10:18
    load = r.load_kw.sum(axis=1)
    inside = (load.index >= 10 * H) & (load.index < 10 * H + 18 * 60)
    assert float(load[~inside].abs().max()) == 0.0
    assert float(load[inside].sum()) / 60.0 == pytest.approx(30.0, abs=1e-6)
    assert int(r.summary()["trips_missed"]) == 0
    v = r.vehicles.set_index("vehicle_id")
    assert float(v.at["b0", "soc_end"]) == pytest.approx((100 - 60 + 30 - 60) / 100.0)


def test_too_little_charge_misses_the_later_trip(tmp_path: Path, central) -> None:
    r = _run(tmp_path, central, [("b0", 10 * H, 10.5 * H, 10.0)])  # 40 + 10 < 60
    assert float(_charges(r, "b0")["battery_kwh"].sum()) == pytest.approx(10.0)
    assert int(r.summary()["trips_missed"]) == 1
    t = r.trips.set_index("trip_id")
    assert not bool(t.at["t02", "served"])
    assert bool(t.at["t01", "served"])


def test_schedule_queues_for_plugs_and_stops_at_the_window_end(tmp_path: Path, central) -> None:
    # two buses, one plug, both 30 kWh in 10:00-10:30: b0 10:00-10:18, b1 waits, then
    # charges 10:18-10:30 (12 min x 100 kW = 20 kWh) and its window closes
    w = [("b0", 10 * H, 10.5 * H, 30.0), ("b1", 10 * H, 10.5 * H, 30.0)]
    r = _run(tmp_path, central, w, plugs=1, buses=2)
    e = {v: float(_charges(r, v)["battery_kwh"].sum()) for v in ("b0", "b1")}
    assert sorted(e.values()) == pytest.approx([20.0, 30.0])
    assert int(r.summary()["trips_missed"]) == 0  # 40 + 20 >= 60


def test_without_schedule_the_policy_is_unchanged(tmp_path: Path, central) -> None:
    # the same bus with no schedule charges immediately to full after each trip
    lines = [HEADER, trip_line("b0", "t01", "08:00", "09:00", 60),
             trip_line("b0", "t02", "12:00", "13:00", 60)]
    (tmp_path / "trips.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = simulate(load_case(scenario_from_dict(copy.deepcopy(BASE), base_dir=tmp_path), central))
    assert float(_charges(r, "b0")["battery_kwh"].sum()) == pytest.approx(120.0)
