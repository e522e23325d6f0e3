"""The dispatch's shortcuts give the same day as the reference code they replace.

A swappable battery taxi where no swap station is usable picks its plug with the per-node
cached comparison (``taxi_stations._choose_plug``); ``PLUG_ONLY_FAST = False`` sends it
through the general comparison (``taxi_stations._choose``), the code it took before.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import fleetopt
from fleetopt.case import load_case
from fleetopt.simulation import engine, taxi_stations
from fleetopt.simulation.engine import run_clock
from fleetopt.simulation.prepare import prepare
from fleetopt.simulation.tables import assemble
from fleetopt.simulation.taxi_fleet import _by_departure
from tests.fleetopt.simulation.test_taxi_release_rows import _scenario

STATIONS = (
    Path(fleetopt.__file__).parent / "data" / "scenarios" / "generated_beijing_default_stations.csv"
)


def _day(tmp_path: Path, central, monkeypatch: pytest.MonkeyPatch, fast: bool):
    """30 swappable BEV taxis starting at 30 % charge (they charge during the day)."""
    tmp_path.mkdir()
    path = _scenario(tmp_path)  # the release-rows test's day
    calls = {"plug": 0}
    plug = taxi_stations._choose_plug

    def counted(*args, **kwargs):
        calls["plug"] += 1
        return plug(*args, **kwargs)

    monkeypatch.setattr(taxi_stations, "PLUG_ONLY_FAST", fast)
    monkeypatch.setattr(taxi_stations, "_choose_plug", counted)
    case = load_case(path, central)
    prep = prepare(case)
    model, log, taxis = run_clock(case, prep, engine._horizon(case.scenario, prep))
    assert taxis is not None
    assert all(s.swappable for s in taxis.specs)
    return assemble(case.scenario, prep, model, log, taxis), calls["plug"]


def test_swappable_taxi_without_swap_station_picks_the_same_plugs(
    tmp_path: Path, central, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN swappable taxis and only plug stations WHEN the day runs with the shortcut and
    without it THEN trips and charging sessions are identical, and only the first run took
    the shortcut."""
    fast, n_fast = _day(tmp_path / "a", central, monkeypatch, fast=True)
    ref, n_ref = _day(tmp_path / "b", central, monkeypatch, fast=False)
    assert len(fast.sessions) > 0
    assert n_fast > 0
    assert n_ref == 0
    pd.testing.assert_frame_equal(fast.trips, ref.trips)
    pd.testing.assert_frame_equal(fast.sessions, ref.sessions)
    assert fast.summary() == ref.summary()


def test_requests_in_departure_order_are_kept_and_ties_are_sorted_by_id() -> None:
    """GIVEN requests with strictly increasing departures, and ones with tied departures
    WHEN put in dispatch order THEN the first are kept as they are, the second sorted by
    departure then id (what the stable sort gives)."""
    ordered = pd.DataFrame({"departure_s": [1.0, 2.0, 5.0], "request_id": ["c", "a", "b"]},
                           index=[7, 8, 9])
    got = _by_departure(ordered)
    assert got["request_id"].tolist() == ["c", "a", "b"]
    assert got.index.tolist() == [0, 1, 2]
    tied = pd.DataFrame({"departure_s": [2.0, 1.0, 2.0, 2.0], "request_id": ["z", "q", "b", "m"]})
    ref = tied.sort_values(["departure_s", "request_id"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(_by_departure(tied), ref)
    assert _by_departure(tied)["request_id"].tolist() == ["q", "b", "m", "z"]
