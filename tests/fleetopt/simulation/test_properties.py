"""Properties over random small schedules: SoC bounds, energy conservation, determinism."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simkit import BASE, HEADER, LAT, LON

from fleetopt.case import load_case
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.simulation.engine import simulate
from fleetopt.units import format_clock

OTHER = (116.4342, 39.9320)  # a second point, about 4 km away by road


@st.composite
def schedules(draw):
    """Draw 1-4 vehicles with 1-5 trips each, random distances and gaps, random battery, plugs."""
    vehicles = draw(st.integers(1, 4))
    rows = []
    for v in range(vehicles):
        t = draw(st.integers(5 * 3600, 8 * 3600))
        for k in range(draw(st.integers(1, 5))):
            dur = draw(st.integers(600, 5400))
            km = draw(st.floats(0.5, 120.0))
            at_station = draw(st.booleans())
            dest = (LON, LAT) if at_station else OTHER
            orig = (LON, LAT) if (k == 0 or rows[-1][4] == (LON, LAT)) else OTHER
            rows.append((f"v{v}", f"v{v}-{k}", t, t + dur, dest, orig, km))
            t += dur + draw(st.integers(0, 7200))
    params = {
        "battery_kwh": draw(st.floats(60.0, 400.0)),
        "kwh_per_km": draw(st.floats(0.3, 2.0)),
        "min_soc": draw(st.sampled_from([0.0, 0.1, 0.2])),
        "initial_soc": draw(st.floats(0.5, 1.0)),
        "charging_curve": draw(st.sampled_from(["constant", "taper"])),
        "charge_efficiency": draw(st.floats(0.8, 1.0)),
    }
    plugs = draw(st.integers(1, 3))
    plug_kw = draw(st.floats(20.0, 300.0))
    smart = draw(st.booleans())
    return rows, params, plugs, plug_kw, smart


def _run(central, rows, params, plugs, plug_kw, smart):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines = [HEADER] + [
            f"{vid},bus,bev,{tid},{format_clock(a)},{format_clock(b)},{o[0]},{o[1]},{d[0]},{d[1]},{km:.6f}"
            for vid, tid, a, b, d, o, km in rows]
        (folder / "trips.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        d = copy.deepcopy(BASE)
        d["vehicle_types"]["bus"]["bev"].update(params)
        d["stations"][0].update({"plugs": plugs, "plug_kw": plug_kw})
        d["horizon"] = {"end": "30:00"}
        d["options"] = {"charging": "smart" if smart else "immediate", "deadhead": False}
        return simulate(load_case(scenario_from_dict(d, base_dir=folder), central))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(schedules())
def test_soc_bounds_and_energy_conservation(central, sched) -> None:
    """For any schedule: SoC stays within [min_soc, 1]; per vehicle, initial energy - drawn +
    charged = final energy; grid energy x efficiency = battery energy charged; served + missed =
    total."""
    rows, params, plugs, plug_kw, smart = sched
    r = _run(central, rows, params, plugs, plug_kw, smart)
    t = r.trips
    lo = params["min_soc"] - 1e-9
    assert (t["soc_start"].dropna() >= lo).all()
    assert (t["soc_end"].dropna() >= lo).all()
    assert (t["soc_start"].dropna() <= 1 + 1e-9).all()
    assert (t["soc_end"].dropna() <= 1 + 1e-9).all()
    assert (r.sessions["soc_out"] <= 1 + 1e-9).all()
    b = params["battery_kwh"]
    charged = r.sessions.groupby("vehicle_id")["battery_kwh"].sum()
    v = r.vehicles.set_index("vehicle_id")
    for vid, row in v.iterrows():
        lhs = row["soc_start"] * b - row["battery_kwh"] + charged.get(vid, 0.0)
        assert lhs == np.float64(row["soc_end"] * b) or abs(lhs - row["soc_end"] * b) < 1e-6
    s = r.summary()
    assert s["grid_energy_kwh"] * params["charge_efficiency"] == \
        __import__("pytest").approx(float(r.sessions["battery_kwh"].sum()), abs=1e-6)
    assert s["trips_served"] + s["trips_missed"] == s["trips_total"] == len(rows)
    assert s["battery_energy_kwh"] == __import__("pytest").approx(
        float(t["battery_kwh"].sum()), abs=1e-6
    )
    assert s["peak_grid_kw"] <= plugs * min(plug_kw, 100.0) / params["charge_efficiency"] + 1e-6


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
@given(schedules())
def test_same_inputs_same_results(central, sched) -> None:
    """Same scenario and seed twice: identical summaries (but wall time), identical event logs."""
    a = _run(central, *sched)
    b = _run(central, *sched)
    sa, sb = a.summary(), b.summary()
    sa.pop("wall_s")
    sb.pop("wall_s")
    assert sa == sb
    assert a.events.equals(b.events)
