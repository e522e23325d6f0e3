"""The Dask year computes the taxi dispatch's route rows once on the cluster (issue 16)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_annual import _no_wall

from fleetopt.case import load_case
from fleetopt.executors import dask_client
from fleetopt.inputs.default_demand import default_scenario_path
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import Scenario, load_scenario_dict, scenario_from_dict
from fleetopt.simulation import annual, partition_dask
from fleetopt.simulation.routes import RouteCache


def _taxi_scenario() -> Scenario:
    path = default_scenario_path()
    d = load_scenario_dict(path)
    d["fleets"] = [{"name": "taxi", "generator": "beijing-taxi", "size": 20, "powertrain": "bev"}]
    return scenario_from_dict(d, base_dir=path.parent, file=str(path))


def _rows_held() -> list[tuple[int, int]]:
    """A worker's route caches: rows it computed, rows it holds."""
    return [(rc.computed, int(rc.nodes.size)) for _, rc in annual._ROUTES.values()]


def test_route_nodes_name_every_row_the_dispatch_asks_for() -> None:
    """GIVEN a taxi day WHEN its dispatch runs on an empty cache THEN it asked for the rows of
    exactly the nodes route_nodes names; WHEN it runs on a cache that holds those rows THEN it
    computes none and the day is the same."""
    sc = _taxi_scenario()
    net = load_network(sc.network, base_dir=sc.base_dir)
    day = annual.representative_days(2025)[0]
    hint = partition_dask.route_nodes(load_case(annual.day_scenario(sc, day), net))
    fresh = RouteCache(net)
    first = annual.simulate_day(sc, day, net, routes=fresh)
    assert hint.size > 20
    assert sorted(fresh.nodes.tolist()) == hint.tolist()
    given = RouteCache(net)
    w, row_of, _ = fresh.rows(hint)
    assert given.add(hint, w[row_of[hint]]) == hint.size
    again = annual.simulate_day(sc, day, net, routes=given)
    assert given.computed == 0
    assert _no_wall(again) == _no_wall(first)


@pytest.mark.dask
def test_each_row_is_computed_once_on_the_cluster_and_the_days_equal_local(
    tmp_path: Path,
) -> None:
    """GIVEN three taxi days on a 2-worker LocalCluster WHEN the rows are shared out THEN each
    worker computes a share (no row twice on the cluster), the days compute no row more, and
    every day's record equals the day run locally."""
    sc = _taxi_scenario()
    net = load_network(sc.network, base_dir=sc.base_dir)
    days = [annual.representative_days(2025)[i] for i in (0, 6, 12)]
    keys = {d.label: d.label for d in days}
    with dask_client(None, 2) as client:
        made = annual.day_fleets(sc, days)
        ((case, _),) = made.values()
        hint = partition_dask.route_nodes(case)
        rows = annual._share_rows(client, sc, [case])
        assert len(rows) == 2
        made_tasks = annual._dask_tasks(client, sc, days, keys, tmp_path, made=made)
        tasks = [{**t, "rows": rows} for t in made_tasks]
        got = {
            r["label"]: r["summary"]
            for r in partition_dask.iter_days(client, tasks, {"day": annual.run_day})
        }
        held = [c for caches in client.run(_rows_held).values() for c in caches]
    computed = [c for c, _ in held]
    assert sum(computed) == hint.size  # each row once, and no day computed another
    assert max(computed) <= -(-hint.size // 2)
    assert max(n for _, n in held) == hint.size  # a worker that ran a day held every row
    local = {d.label: annual.simulate_day(sc, d, net) for d in days}
    assert _no_wall(got) == _no_wall(local)
    assert np.unique(hint).size == hint.size


@pytest.mark.dask
def test_days_released_together_start_in_the_order_given() -> None:
    """GIVEN 8 days that all wait for one task (as days wait for the route rows) on a
    1-worker cluster WHEN the task ends THEN the days run in the order they were given
    (longest first in a year), not in the order Dask happens to release them."""
    from annual_flaky_task import held, started

    with dask_client(None, 1) as client:
        gate = client.submit(held, 1.0, pure=False)
        tasks = [{"label": f"d{i}", "digest": f"{i:016d}", "gate": gate} for i in range(8)]
        ran = list(partition_dask.iter_days(client, tasks, {"day": started}))
    assert [r["label"] for r in sorted(ran, key=lambda r: r["t"])] == [t["label"] for t in tasks]
