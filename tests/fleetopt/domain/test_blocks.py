"""Block chaining as domain logic: pure functions on arrays (issue 13), hand-checked."""

from __future__ import annotations

import numpy as np
import pytest

from fleetopt import defaults
from fleetopt.domain.blocks import chain_trips, peak_in_service
from fleetopt.errors import InputError

# four stops on a line, 600 s apart by road: deadhead(i, j) = 600 * |i - j|
POS = np.array([0.0, 1.0, 2.0, 3.0])


def road(ends: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    u_end, inv_end = np.unique(ends, return_inverse=True)
    u_start, inv_start = np.unique(starts, return_inverse=True)
    return 600.0 * np.abs(POS[u_end][:, None] - POS[u_start][None, :]), inv_end, inv_start


def test_chain_trips_per_route_names_counts_and_depots() -> None:
    """GIVEN route A: 0->1 at 06:00-07:00, 1->0 at 07:00-08:00 (turns at stop 1: one bus)
    and 0->1 at 06:30-07:30 (a second bus), route B: 2->3 at 06:00-07:00 and 2->3 at
    07:20-08:00 (deadhead 3->2 600 s leaves 600 s idle: one bus) THEN A needs 2 vehicles,
    B 1; names chain-<route>-NNN by first departure; a name already taken by a given block
    gets a 'g'; each chain takes its first trip's depot."""
    h = 3600.0
    dep = np.array([6 * h, 7 * h, 6.5 * h, 6 * h, 7 * h + 1200])
    arr = np.array([7 * h, 8 * h, 7.5 * h, 7 * h, 8 * h])
    first = np.array([0, 1, 0, 2, 2])
    last = np.array([1, 0, 1, 3, 3])
    route = np.array(["A", "A", "A", "B", "B"], dtype=object)
    depot = np.array(["d1", "d2", "d3", "d4", "d5"], dtype=object)
    names, depots, totals = chain_trips(
        dep, arr, first, last, route, road, depot=depot, taken={"chain-A-001"},
        min_layover_s=0.0, max_layover_s=4 * h,
    )
    assert names.tolist() == [
        "gchain-A-001", "gchain-A-001", "chain-A-002", "chain-B-001", "chain-B-001"
    ]
    assert depots is not None
    assert depots.tolist() == ["d1", "d1", "d3", "d4", "d4"]
    assert totals["vehicles"] == 3
    assert totals["groups"] == 2
    assert totals["deadhead_s"] == pytest.approx(600.0)  # B's 3 -> 2; A turns in place


def test_chain_trips_across_the_feed_interlines_routes() -> None:
    """GIVEN A: 0->1 06:00-07:00; B: 2->3 06:00-07:00 and 0->2 from 07:10 (from stop 3 the
    deadhead to stop 0 is 1,800 s, too long; from stop 1 it is 600 s) THEN per route 3
    vehicles, across the feed 2 (A's bus runs B's 07:10 trip), named chain-NNN."""
    h = 3600.0
    dep = np.array([6 * h, 6 * h, 7 * h + 600])
    arr = np.array([7 * h, 7 * h, 8 * h])
    first = np.array([0, 2, 0])
    last = np.array([1, 3, 2])
    route = np.array(["A", "B", "B"], dtype=object)
    kw = {"min_layover_s": 0.0, "max_layover_s": 4 * h}
    _, _, per_route = chain_trips(dep, arr, first, last, route, road, **kw)
    names, depots, feed = chain_trips(dep, arr, first, last, None, road, **kw)
    assert per_route["vehicles"] == 3
    assert feed["vehicles"] == 2
    assert depots is None
    assert names.tolist() == ["chain-001", "chain-002", "chain-001"]
    assert feed["deadhead_s"] == pytest.approx(600.0)


def test_too_many_links_names_the_route(monkeypatch: pytest.MonkeyPatch) -> None:
    real = defaults.value

    def lowered(table: str, name: str, **keys: str) -> float:
        return 1.0 if (table, name) == ("gtfs_blocking", "max_arcs") else real(table, name, **keys)

    monkeypatch.setattr(defaults, "value", lowered)
    dep = np.array([0.0, 100.0, 200.0])
    with pytest.raises(InputError) as err:
        chain_trips(dep, dep + 10, np.zeros(3, int), np.zeros(3, int),
                    np.array(["R7"] * 3, dtype=object), road)
    assert "(route 'R7')" in err.value.problems[0].message


def test_peak_in_service_pull_in_before_pull_out_at_the_same_second() -> None:
    """Block a runs 06:00-08:00, block b 08:00-09:00: never two at once (1); block c
    07:00-07:30 overlaps a (2)."""
    veh = np.array(["a", "a", "b", "c"], dtype=object)
    dep = np.array([21600.0, 25200.0, 28800.0, 25200.0])
    arr = np.array([25200.0, 28800.0, 32400.0, 27000.0])
    assert peak_in_service(veh[:3], dep[:3], arr[:3]) == 1
    assert peak_in_service(veh, dep, arr) == 2
