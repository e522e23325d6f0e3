"""The Dask year ships each demand factor's fleets to the workers once (issue 16)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from test_annual import BUS, DIESEL, _write

from fleetopt.case import load_case
from fleetopt.executors import dask_client
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import read_scenario
from fleetopt.simulation import annual


def _task(p: Path, day: annual.RepresentativeDay, inputs: object = None) -> dict[str, object]:
    sc = read_scenario(p)
    task: dict[str, object] = {
        "scenario": sc.raw,
        "base_dir": str(sc.base_dir),
        "file": sc.file,
        "day": dataclasses.asdict(day),
        "digest": "d",
        "store": None,
    }
    if inputs is not None:
        task["inputs"] = inputs
    return task


def test_a_day_runs_on_the_fleets_it_is_given(tmp_path: Path) -> None:
    """GIVEN a two-trip scenario WHEN a day task carries the fleets read here THEN its record
    equals the task that reads them itself; WHEN it carries a fleet table cut to one trip THEN
    the day has one trip (the worker ran what it was shipped, it did not read the file)."""
    p = _write(tmp_path, 2025, BUS + DIESEL)
    sc = read_scenario(p)
    day = annual.representative_days(2025)[0]
    fleets = load_case(annual.day_scenario(sc, day), load_network(sc.network)).fleets
    own = annual.run_day(_task(p, day))
    plain = annual.ship_fleets(fleets)
    assert plain is not None
    # plain data only: bytes, strings, numbers (no FleetInput/DataFrame is pickled to a worker)
    assert all(isinstance(item["table"], bytes) for item in plain)
    shipped = annual.run_day(_task(p, day, plain))
    assert own["summary"]["trips_total"] == 2
    assert {**shipped["summary"], "wall_s": 0} == {**own["summary"], "wall_s": 0}
    cut = [dataclasses.replace(fleets[0], table=fleets[0].table.iloc[:1])]
    assert annual.run_day(_task(p, day, annual.ship_fleets(cut)))["summary"]["trips_total"] == 1


@pytest.mark.dask
def test_tasks_carry_one_scattered_copy_per_demand_factor(tmp_path: Path) -> None:
    """GIVEN weekend demand x0.5 (two demand factors) of a trips file (the same trips on
    every day) WHEN the Dask tasks are made THEN the 24 days carry one future (equal fleets
    are shipped once), held by each of the 2 workers, not one copy per task."""
    p = _write(tmp_path, 2025, BUS)
    p.write_text(
        p.read_text().replace("[horizon]", "[options]\nweekend_demand_factor = 0.5\n\n[horizon]"),
        encoding="utf-8",
    )
    sc = read_scenario(p)
    days = annual.representative_days(2025, weekend_demand_factor=0.5)
    keys = {d.label: d.label for d in days}
    with dask_client(None, 2) as client:
        tasks = annual._dask_tasks(client, sc, days, keys, tmp_path)
        futures = {t["inputs"].key for t in tasks}
        assert len(tasks) == len(days) == 24
        assert len(futures) == 1
        held = client.who_has(list({t["inputs"].key: t["inputs"] for t in tasks}.values()))
        assert all(len(workers) == 2 for workers in held.values())


def test_shipped_fleets_round_trip_exactly_as_plain_data() -> None:
    """GIVEN the Beijing default's four generated fleets WHEN shipped as plain data and read
    back THEN every table is equal with the same dtypes, index type and attrs, and only bytes,
    strings, numbers, lists and dicts travel (nothing a worker would have to unpickle)."""
    sc = read_scenario(Path(annual.__file__).parents[1] / "data/scenarios/beijing-default.toml")
    fleets = load_case(sc, load_network(sc.network)).fleets
    plain = annual.ship_fleets(fleets)
    assert plain is not None
    assert len(plain) == len(fleets) == 4

    def plain_only(x: object) -> bool:
        if isinstance(x, dict):
            return all(isinstance(k, str) and plain_only(v) for k, v in x.items())
        if isinstance(x, list):
            return all(plain_only(v) for v in x)
        return x is None or isinstance(x, (bytes, str, int, float, bool))

    assert plain_only(plain)
    back = annual.unship_fleets(sc, plain)
    for a, b in zip(fleets, back, strict=True):
        assert a.kind == b.kind
        assert a.fleet is not None
        assert b.table.equals(a.table)
        assert b.table.dtypes.to_dict() == a.table.dtypes.to_dict()
        assert type(b.table.index) is type(a.table.index)
        assert b.table.attrs == a.table.attrs
