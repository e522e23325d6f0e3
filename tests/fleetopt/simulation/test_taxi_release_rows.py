"""The taxi dispatch frees its route rows once the clock has run, and simulate frees the
dispatcher itself (and the model) once its tables are built, before the other tables.

The full city's own rows are about 1.1 GB (13,000 rows x 10,166 nodes x 8 bytes); keeping
them through the result tables raised the day's peak memory by as much.
"""

from __future__ import annotations

import weakref
from pathlib import Path

import pytest

import fleetopt
from fleetopt.case import load_case
from fleetopt.simulation import engine
from fleetopt.simulation.engine import run_clock, simulate
from fleetopt.simulation.prepare import prepare
from fleetopt.simulation.tables import assemble
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


def test_the_dispatcher_and_model_are_freed_before_the_tables(
    tmp_path: Path, monkeypatch, central
) -> None:
    """GIVEN a taxi day WHEN simulate builds its result tables THEN the dispatcher and the
    model (which refer to each other through the clock's processes) are already freed: the
    tables get the dispatch's tables and the clock's horizon, not the objects."""
    made: list[weakref.ref[object]] = []
    init = TaxiDispatch.__init__

    def tracked(self: TaxiDispatch, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(weakref.ref(self))
        made.append(weakref.ref(self.m))

    seen: dict[str, object] = {}
    real = engine.assemble

    def spy(*args: object, **kwargs: object) -> object:
        seen["alive"] = [r() is not None for r in made]
        seen["kinds"] = (type(args[2]).__name__, type(args[4]).__name__)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TaxiDispatch, "__init__", tracked)
    monkeypatch.setattr(engine, "assemble", spy)
    result = simulate(load_case(_scenario(tmp_path), central))
    assert int(result.trips["served"].sum()) > 0
    assert seen == {"alive": [False, False], "kinds": ("ClockEnd", "TaxiTables")}


def test_tables_of_the_finished_clock_equal_tables_of_the_objects(tmp_path: Path, central) -> None:
    """GIVEN the same taxi day (taxis charge) WHEN its result is assembled from the model and
    the dispatcher, and from finish_clock's horizon and taxi tables (what simulate does)
    THEN every table and the totals are equal."""
    path = _scenario(tmp_path)
    case = load_case(path, central)
    prep = prepare(case)
    model, log, taxis = run_clock(case, prep, engine._horizon(case.scenario, prep))
    direct = assemble(case.scenario, prep, model, log, taxis)
    freed = simulate(load_case(path, central))
    assert len(direct.sessions) > 0
    for name, table in direct.tables().items():
        assert table.equals(freed.tables()[name]), name
    assert direct.totals == freed.totals
