"""A Dask year whose days run in independent partitions (issue 16 item 1) equals the local
year: real 2-worker LocalCluster on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from fleetopt.case import load_case
from fleetopt.executors import dask_client
from fleetopt.inputs.scenario import read_scenario
from fleetopt.simulation import annual, partition, partition_dask
from tests.fleetopt.annual.test_annual import _no_wall

STATIONS = (
    Path(annual.__file__).parents[1] / "data" / "scenarios"
    / "generated_beijing_default_stations.csv"
)
#: 40 generated buses (13 depot groups) and 10 gasoline taxis (a partition of their own).
SCENARIO = f"""name = "split-year"
seed = 3
year = 2025
network = "beijing-central-2024"
stations = "{STATIONS.as_posix()}"

[[fleets]]
name = "bus"
generator = "beijing-bus"
size = 40
powertrain = "bev"

[[fleets]]
name = "taxi"
generator = "beijing-taxi"
size = 10
powertrain = "gasoline"
"""


@pytest.fixture(scope="module")
def local_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("split")
    p = folder / "s.toml"
    p.write_text(SCENARIO, encoding="utf-8")
    doc = annual.simulate_annual(read_scenario(p), executor="local", out_dir=folder / "local")
    return p, doc


def test_the_scenario_has_several_partitions_with_one_taxi_partition(local_year) -> None:
    """GIVEN the scenario's first day WHEN partitioned THEN >= 2 partitions, one with taxis."""
    p, _ = local_year
    sc = read_scenario(p)
    day = annual.representative_days(sc.year)[0]
    parts = partition.partitions(load_case(annual.day_scenario(sc, day)))
    assert len(parts) >= 3
    assert sum(x.taxi for x in parts) == 1


@pytest.mark.dask
@pytest.mark.slow
def test_partition_tasks_give_the_local_days(local_year) -> None:
    """GIVEN two representative days split into <= 4 partitions each
    WHEN their partitions are prepared, run and merged as tasks on 2 workers
    THEN each day's record equals the local executor's, every key."""
    p, doc = local_year
    sc = read_scenario(p)
    days = annual.representative_days(sc.year)[:2]
    keys = {d.label: f"k{i:02d}" for i, d in enumerate(days)}
    fns = {"day": annual.run_day, "prepare": annual.prepare_part, "run": annual.run_part,
           "merge": annual.merge_day}
    with dask_client(None, 2) as client:
        tasks = annual._dask_tasks(client, sc, days, keys, p.parent / "tasks", max_parts=4)
        assert all(2 <= len(t["parts"]) <= 4 for t in tasks)
        recs = {r["label"]: r for r in partition_dask.iter_days(client, tasks, fns)}
    by_label = {d["label"]: d for d in doc["days"]}
    for d in days:
        got = _no_wall(recs[d.label]["summary"])
        want = _no_wall(by_label[d.label])
        assert {k: want[k] for k in got if k not in ("scenario", "seed")} == {
            k: v for k, v in got.items() if k not in ("scenario", "seed")
        }


@pytest.mark.dask
@pytest.mark.slow
def test_split_dask_year_resumed_equals_the_local_year(local_year, tmp_path: Path) -> None:
    """GIVEN the local year's day records but two (a killed run)
    WHEN the year resumes on Dask with its days split into partitions
    THEN the two days are recomputed in partitions and the yearly document equals the
    local one (every day, every key but wall_s)."""
    p, doc = local_year
    out = tmp_path / "dask"
    shutil.copytree(p.parent / "local" / "days", out / "days")
    removed = sorted((out / "days").glob("*.json"))[:2]
    for f in removed:
        f.unlink()
    got = annual.simulate_annual(
        read_scenario(p), executor="dask", out_dir=out, workers=2, split=True
    )
    assert all(f.is_file() for f in removed)
    assert _no_wall(got) == _no_wall(doc)
