"""The taxi dispatch frees its route rows once the clock has run, before the tables.

The full city's own rows are about 1.1 GB (13,000 rows x 10,166 nodes x 8 bytes); keeping
them through the result tables raised the day's peak memory by as much.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import fleetopt
from fleetopt.case import load_case
from fleetopt.simulation import engine
from fleetopt.simulation.engine import run_clock, simulate
from fleetopt.simulation.prepare import prepare
from fleetopt.simulation.taxi import TaxiDispatch

STATIONS = (
    Path(fleetopt.__file__).parent / "data" / "scenarios" / "generated_beijing_default_stations.csv"
)


def _scenario(tmp_path: Path) -> Path:
    (tmp_path / "stations.csv").write_text(STATIONS.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        'name = "t"\nseed = 5\nnetwork = "beijing-central-2024"\nstations = "stations.csv"\n'
        '[[fleets]]\ngenerator = "beijing-taxi"\nsize = 30\npowertrain = "bev"\n'
        "[vehicle_types.taxi.bev]\ninitial_soc = 0.3\n",
        encoding="utf-8",
    )
    return tmp_path / "s.toml"


def test_rows_are_freed_after_the_clock(tmp_path: Path, central) -> None:
    """GIVEN a taxi day WHEN its clock has run THEN the dispatch holds no route rows."""
    case = load_case(_scenario(tmp_path), central)
    prep = prepare(case)
    _, _, taxis = run_clock(case, prep, engine._horizon(case.scenario, prep))
    assert taxis is not None
    assert taxis.W.size == 0
    assert taxis._full_rows == {}
    assert taxis._near == {}  # the nearest-first search's per-origin cache


def test_the_taxi_trips_table_holds_one_block_per_column(tmp_path: Path, central) -> None:
    """GIVEN a taxi day WHEN its trips table is built THEN no two columns share a 2-D block,
    so appending it to the scheduled trips frees each column as it goes."""
    case = load_case(_scenario(tmp_path), central)
    prep = prepare(case)
    _, _, taxis = run_clock(case, prep, engine._horizon(case.scenario, prep))
    assert taxis is not None
    trips = taxis.trips_table()
    assert len(trips) > 0
    assert all(b.shape[0] == 1 for b in trips._mgr.blocks)


def test_freeing_the_rows_changes_no_table(tmp_path: Path, monkeypatch, central) -> None:
    """GIVEN the same taxi day (low batteries: taxis charge) WHEN it runs with the rows freed
    and with them kept THEN trips, sessions and vehicles are equal."""
    path = _scenario(tmp_path)
    freed = simulate(load_case(path, central))
    monkeypatch.setattr(TaxiDispatch, "release_rows", lambda self: None)
    kept = simulate(load_case(path, central))
    assert int(freed.trips["served"].sum()) > 0
    assert len(freed.sessions) > 0
    assert freed.trips.equals(kept.trips)
    assert freed.sessions.equals(kept.sessions)
    assert freed.vehicles.equals(kept.vehicles)


def test_a_released_dispatch_cannot_route(tmp_path: Path, central) -> None:
    """The freed rows are really gone: a route read after the release fails loudly."""
    case = load_case(_scenario(tmp_path), central)
    prep = prepare(case)
    _, _, taxis = run_clock(case, prep, engine._horizon(case.scenario, prep))
    assert taxis is not None
    with pytest.raises(IndexError):
        taxis._route(int(taxis.r_o[0]), int(taxis.r_d[0]))
