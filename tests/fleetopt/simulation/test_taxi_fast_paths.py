"""The dispatch's shortcuts give the same day as the reference code they replace.

A swappable battery taxi where no swap station is usable picks its plug with the per-node
cached comparison (``taxi_stations._choose_plug``); ``PLUG_ONLY_FAST = False`` sends it
through the general comparison (``taxi_stations._choose``), the code it took before.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fleetopt
from fleetopt.case import load_case
from fleetopt.inputs.routing import split_combined
from fleetopt.simulation import engine, taxi_search, taxi_stations
from fleetopt.simulation.engine import run_clock
from fleetopt.simulation.kernel import Model
from fleetopt.simulation.prepare import prepare
from fleetopt.simulation.router import Router
from fleetopt.simulation.tables import assemble
from fleetopt.simulation.taxi import TaxiDispatch
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


def _dispatch(tmp_path: Path, central) -> TaxiDispatch:
    """The release-rows test's day as a dispatch before its clock runs."""
    case = load_case(_scenario(tmp_path), central)
    prep = prepare(case)
    model = Model(case.scenario, prep, Router(case.network), engine._horizon(case.scenario, prep))
    return TaxiDispatch(model, prep.requests)


def test_near_lists_hold_the_rows_times_and_lengths(tmp_path: Path, central) -> None:
    """GIVEN a dispatch WHEN an origin's near list is made THEN it holds every node whose row
    reaches the origin within the longest wait, by time, with the time and length the row
    splits into (what the scan used to read from the row), its head as flat arrays."""
    d = _dispatch(tmp_path, central)
    for o in sorted(set(d.r_o.tolist()))[:25]:
        nodes, ms, lens, head_n, head_ms, head_l, n = taxi_search.near_of(d, o)
        t_s, l_m = split_combined(d.W[d.R[nodes], o])
        assert n == nodes.size > 0
        assert (t_s <= d._reach_s + 0.001).all()  # up to 1 ms past the longest wait
        assert np.array_equal(ms, np.round(t_s * 1000.0).astype(np.int64))
        assert np.array_equal(lens, l_m)
        assert (np.diff(ms) >= 0).all()
        assert list(head_n) == nodes[:16].tolist()
        assert list(head_ms) == ms[:16].tolist()
        assert list(head_l) == lens[:16].tolist()
        inside = np.flatnonzero(d.W[:, o] <= (d._reach_s * 1000.0 + 1.0) * 1e6)
        assert sorted(nodes.tolist()) == sorted(d._row_nodes[inside].tolist())


def test_plug_choice_equals_the_general_comparison_on_many_stations(
    tmp_path: Path, central, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a dispatch with more than 32 plug stations, some plugs taken and queued
    WHEN the station is chosen from many nodes at many charge levels, on full and on cut rows
    THEN the plug-only comparison (array candidates) picks what the general one picks."""
    d = _dispatch(tmp_path, central)
    model = d.m
    idx = taxi_stations.station_table(d, 0)[0]
    assert idx.size > 32
    for s in idx.tolist()[::3]:  # fill every third station's plugs and queue one more
        plugs = model.stations[s].plugs
        for _ in range(plugs.capacity + 1):
            plugs.request()
    nodes = sorted(set(d.r_d.tolist()))[:40]
    picks = {True: [], False: []}
    for fast in (True, False):
        monkeypatch.setattr(taxi_stations, "PLUG_ONLY_FAST", fast)
        d._st_rows.clear()
        for a in nodes:
            d.pos[0] = a
            for level in (0.02, 0.05, 0.1, 0.3, 0.9):
                d.level[0] = level
                cut = taxi_stations._choose(d, 0, d.W[d.R[a]], d._row_exact_s(a))
                full = taxi_stations._choose(d, 0, d._full_row(a), math.inf)
                picks[fast].append((cut, full))
    assert picks[True] == picks[False]
    chosen = {full[0] for _, full in picks[True]}
    assert len(chosen) > 3  # several stations win, and some levels reach none
    assert any(cut[1] for cut, _ in picks[True])
