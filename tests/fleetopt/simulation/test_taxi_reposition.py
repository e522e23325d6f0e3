"""Check idle taxi repositioning to hot spots: a hand case, option off, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from simkit import TAXI_A, TAXI_B, TAXI_C, requests_csv, taxi_scenario

from fleetopt.case import load_case
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.taxi import route_matrices

A, B, C = TAXI_A, TAXI_B, TAXI_C  # A is the hot spot (two request origins)


def _scenario(
    tmp_path: Path, rows: list[tuple[str, str, tuple, tuple]], options: dict, **fleet
) -> dict:
    d = taxi_scenario(tmp_path, requests_csv(rows), **fleet)
    d["options"] = options
    return d


def _road(central, *pts):
    nodes, _ = central.nearest_nodes([p[0] for p in pts], [p[1] for p in pts])
    uniq = np.unique(nodes)
    tt, ll = route_matrices(central, uniq)
    pos = [int(np.searchsorted(uniq, n)) for n in nodes]
    return tt, ll, pos


ROWS = [("r1", "08:00", A, C), ("r2", "12:00", A, B)]


def test_idle_taxi_drives_back_to_the_hot_spot_by_hand(tmp_path: Path, central) -> None:
    """GIVEN one BEV taxi at A, r1 08:00 A->C and r2 12:00 A->B (A is the only hot spot: 2 origins),
    reposition after 10 min idle WHEN simulated THEN after dropping r1 at C the taxi waits 10 min,
    drives C->A (time and length of the road's time-shortest path), and picks r2 up at 12:00 sharp;
    r2's deadhead is the C->A length and its energy 0.15 kWh/km x (C->A + A->B). With the option off
    the same taxi waits at C and picks r2 up at 12:00 + time(C->A). After r2 it drives back B->A."""
    tt, ll, (a, b, c) = _road(central, A, B, C)
    on = simulate(load_case(
        scenario_from_dict(
            _scenario(
                tmp_path,
                ROWS,
                {"reposition_idle_min": 10, "reposition_hotspots": 1},
                size=1,
                start=[list(A)],
            ),
            base_dir=tmp_path,
        ),
        central,
    ))
    t = on.trips.set_index("trip_id")
    drop1 = 8 * 3600 + tt[a, c]
    assert t.loc["r1", "end_s"] == pytest.approx(drop1)
    ev = on.events[on.events["event"] == "reposition"]
    drop2 = 12 * 3600 + tt[a, b]
    assert list(ev["t_s"]) == pytest.approx([drop1 + 600.0, drop2 + 600.0])  # and back after r2
    assert t.loc["r2", "start_s"] == pytest.approx(12 * 3600.0)
    assert t.loc["r2", "deadhead_km"] == pytest.approx(ll[c, a] / 1000.0)
    assert t.loc["r2", "battery_kwh"] == pytest.approx(0.15 * (ll[c, a] + ll[a, b]) / 1000.0)
    # the drive back after r2 has no next request: it is the vehicle's extra distance and energy
    km = (ll[a, c] + ll[c, a] + ll[a, b] + ll[b, a]) / 1000.0
    assert on.vehicles["distance_km"].sum() == pytest.approx(km)
    assert on.vehicles["battery_kwh"].sum() == pytest.approx(0.15 * km)

    off = simulate(load_case(
        scenario_from_dict(
            _scenario(tmp_path, ROWS, {}, size=1, start=[list(A)]), base_dir=tmp_path
        ),
        central,
    ))
    u = off.trips.set_index("trip_id")
    assert (off.events["event"] == "reposition").sum() == 0
    assert u.loc["r2", "start_s"] == pytest.approx(12 * 3600.0 + tt[c, a])
    assert u.loc["r2", "deadhead_km"] == pytest.approx(ll[c, a] / 1000.0)


def test_option_off_is_identical_to_no_option(tmp_path: Path, central) -> None:
    """GIVEN reposition_idle_min = 0 written out THEN every table equals the run without the key."""
    rows = [
        (f"r{i}", f"{8 + i // 3:02d}:{(i * 7) % 60:02d}", (A, B, C)[i % 3], (B, C, A)[i % 3])
        for i in range(9)
    ]
    r0 = simulate(load_case(
        scenario_from_dict(_scenario(tmp_path, rows, {}, size=2), base_dir=tmp_path),
        central,
    ))
    r1 = simulate(load_case(
        scenario_from_dict(
            _scenario(tmp_path, rows, {"reposition_idle_min": 0}, size=2), base_dir=tmp_path
        ),
        central,
    ))
    pd.testing.assert_frame_equal(r0.trips, r1.trips)
    pd.testing.assert_frame_equal(r0.events, r1.events)


def test_repositioning_is_deterministic_with_the_same_seed(tmp_path: Path, central) -> None:
    """GIVEN three taxis with seeded random start points and repositioning on THEN two runs give
    identical trips, vehicles and events, and at least one repositioning happened."""
    rows = [
        (f"r{i}", f"{8 + i:02d}:{(i * 13) % 60:02d}", (A, B, C)[i % 3], (B, C, A)[(i + 1) % 3])
        for i in range(8)
    ]
    opts = {"reposition_idle_min": 5, "reposition_hotspots": 2}
    runs = [
        simulate(load_case(
            scenario_from_dict(_scenario(tmp_path, rows, opts, size=3), base_dir=tmp_path),
            central,
        ))
        for _ in range(2)
    ]
    pd.testing.assert_frame_equal(runs[0].trips, runs[1].trips)
    pd.testing.assert_frame_equal(runs[0].vehicles, runs[1].vehicles)
    pd.testing.assert_frame_equal(runs[0].events, runs[1].events)
    assert (runs[0].events["event"] == "reposition").sum() >= 1


def test_gasoline_taxi_repositioning_after_its_last_request_burns_fuel(
    tmp_path: Path, central
) -> None:
    """GIVEN the hand case with a gasoline taxi (8 L/100 km) THEN its fuel is 8 L/100 km x every
    driven km: A->C, C->A (before r2), A->B, and the drive back B->A after r2."""
    _tt, ll, (a, b, c) = _road(central, A, B, C)
    d = _scenario(
        tmp_path,
        ROWS,
        {"reposition_idle_min": 10, "reposition_hotspots": 1},
        size=1,
        start=[list(A)],
    )
    d["fleets"][0]["powertrain"] = "gasoline"
    d["vehicle_types"] = {"taxi": {"gasoline": {"l_per_100km": 8.0}}}
    r = simulate(load_case(scenario_from_dict(d, base_dir=tmp_path), central))
    km = (ll[a, c] + ll[c, a] + ll[a, b] + ll[b, a]) / 1000.0
    assert (r.events["event"] == "reposition").sum() == 2
    assert r.vehicles["distance_km"].sum() == pytest.approx(km)
    assert r.vehicles["gasoline_l"].sum() == pytest.approx(8.0 * km / 100.0)
    assert r.summary()["gasoline_l"] == pytest.approx(8.0 * km / 100.0)
