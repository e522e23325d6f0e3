"""Trip points off the road graph: the run goes on with a documented estimate and says so."""

from __future__ import annotations

import logging

import pytest
from simkit import LAT, LON, trip_line

from fleetopt import defaults
from fleetopt.inputs.road_graph import haversine_m

FAR = (116.62, 39.91)  # ~19 km east of Tiananmen, well outside the 3rd-ring graph


def test_off_graph_points_use_straight_line_times_detour(run, central, caplog) -> None:
    """GIVEN a diesel bus whose second trip starts and ends ~19 km east of the central graph
    (no distance_km) WHEN simulated THEN it runs (no exit 2): the deadhead to it and its
    distance are the straight line x detour_factor, the deadhead time uses the fallback speed,
    and a warning names the file row, the trip and the count of estimated drives."""
    factor = defaults.value("gtfs_blocking", "detour_factor")
    far2 = (FAR[0] + 0.01, FAR[1])
    with caplog.at_level(logging.WARNING, logger="fleetopt.simulation.prepare"):
        r = run([
            trip_line("d1", "a", "06:00", "07:00", 10, pt="diesel"),
            trip_line("d1", "b", "09:00", "09:30", "", pt="diesel", o=FAR, d=far2),
        ])
    t = r.trips.set_index("trip_id")
    assert bool(t["served"].all())
    straight = float(haversine_m(LON, LAT, FAR[0], FAR[1]))
    assert t.loc["b", "deadhead_km"] == pytest.approx(straight * factor / 1000.0, rel=1e-9)
    trip_m = float(haversine_m(FAR[0], FAR[1], far2[0], far2[1]))
    assert t.loc["b", "distance_km"] == pytest.approx(trip_m * factor / 1000.0, rel=1e-9)
    # leaves on time: the estimated deadhead time fits the 2 h layover
    assert t.loc["b", "delay_s"] == 0.0
    assert r.extras["off_graph_points"] == 2
    assert r.extras["off_graph_drives_estimated"] == 2
    text = caplog.text
    assert "2 trip point(s) lie more than 1000 m from the road network" in text
    assert "trips.csv row 3 trip b origin" in text
    assert "1 trip distance(s) and 1 deadhead(s) estimated" in text


def test_off_graph_deadhead_time_uses_the_fallback_speed(run) -> None:
    """GIVEN a deadhead to a point off the graph longer than the layover WHEN simulated THEN
    the trip leaves late by exactly the estimated drive time (straight line x detour at the
    fallback speed) minus the layover."""
    factor = defaults.value("gtfs_blocking", "detour_factor")
    speed_mps = defaults.value("road_speeds", "fallback") / 3.6
    r = run([
        trip_line("d1", "a", "06:00", "07:00", 10, pt="diesel"),
        trip_line("d1", "b", "07:01", "07:30", 5, pt="diesel", o=FAR, d=FAR),
    ])
    t = r.trips.set_index("trip_id")
    drive_s = float(haversine_m(LON, LAT, FAR[0], FAR[1])) * factor / speed_mps
    assert t.loc["b", "delay_s"] == pytest.approx(drive_s - 60.0, rel=1e-9)
