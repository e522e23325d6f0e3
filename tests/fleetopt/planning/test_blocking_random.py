"""Random small chaining instances checked against brute force (partitions, starting charges)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from fleetopt.domain import charging as chg
from fleetopt.inputs.vehicles import VehicleSpec
from fleetopt.planning import block_bounds, blocking
from fleetopt.planning.blocking import check_block, lower_bound, plan_blocks
from fleetopt.planning.problem import DAY_S, GroupProblem

# places: 0 = depot A (station 0), 1 = terminal B (station 1), 2 = terminal C (no station)
STATION_PLACE = np.array([0, 1])


def _instance(
    rng: np.random.Generator, n: int, curve: str = "taper", idle_kw: float = 0.0
) -> GroupProblem:
    dh = rng.uniform(300, 1800, size=(3, 3))
    dh = (dh + dh.T) / 2
    np.fill_diagonal(dh, 0.0)
    dh_km = dh / 3600 * 25.0
    dep = np.sort(rng.uniform(5 * 3600, 20 * 3600, n))
    arr = dep + rng.uniform(1200, 5400, n)
    km = rng.uniform(10, 60, n)
    sp = rng.integers(0, 3, n)
    ep = rng.integers(0, 3, n)
    cap = 100.0
    rate = np.array([rng.choice([40.0, 100.0]), rng.choice([0.0, 60.0])])
    trips = pd.DataFrame({"trip_id": [f"t{i}" for i in range(n)], "vehicle_id": ["v"] * n})
    end_station = np.where(ep == 0, 0, np.where(ep == 1, 1, -1))
    spec = VehicleSpec(
        vehicle_type="bus",
        powertrain="bev",
        battery_kwh=cap,
        kwh_per_km=1.0,
        charging_curve=curve,
        idle_kw=idle_kw,
    )
    return GroupProblem(
        vehicle_type="bus",
        powertrain="bev",
        spec=spec,
        trips=trips,
        dep_s=dep,
        arr_s=arr,
        km=km,
        drive_kwh=km * 1.0,
        kwh_per_km_dh=1.0,
        end_station=end_station,
        depot=np.where(rng.random(n) < 0.8, 0, -1),
        start_place=sp,
        end_place=ep,
        dh_s=dh,
        dh_km=dh_km,
        station_place=STATION_PLACE,
        rate_kw=rate,
        station_ids=np.array(["A", "B"]),
        cap_kwh=cap,
        min_kwh=float(rng.choice([0.0, 10.0])),
        battery=True,
        plug_kw=np.array([100.0, 60.0]),
        charge_ok=np.array([True, True]),
    )


def _partitions(items: list[int]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        for k in range(len(part)):
            yield [*part[:k], [first, *part[k]], *part[k + 1 :]]
        yield [[first], *part]


def _brute_minimum(gp: GroupProblem, n: int) -> tuple[list[int], float]:
    """Return the trips one vehicle can run alone and the fewest feasible blocks for them.

    The minimum is over every set partition of those trips into blocks (time-ordered) that
    all pass :func:`check_block` (inf when none does).
    """
    runnable = [j for j in range(n) if check_block(gp, [j], int(gp.depot[j])).feasible]
    best = math.inf
    for part in _partitions(runnable):
        blocks = [sorted(b, key=lambda i: (gp.dep_s[i], i)) for b in part]
        if all(check_block(gp, b, int(gp.depot[b[0]])).feasible for b in blocks):
            best = min(best, len(blocks))
    return runnable, best


def _inward_s(a: float, b: float) -> float:
    """Charging time of a stay [a, b]: a fractional end rounded inward to the whole second."""
    a2 = a if a == round(a) else float(math.ceil(a))
    b2 = b if b == round(b) else float(math.floor(b))
    return max(0.0, b2 - a2)


def _outward_s(a: float, b: float) -> float:
    """Idle time of a layover [a, b]: a fractional end rounded outward to the whole second."""
    a2 = a if a == round(a) else float(math.floor(a))
    b2 = b if b == round(b) else float(math.ceil(b))
    return max(0.0, b2 - a2)


def _charged(gp: GroupProblem, soc: float, st: int, a_s: float, b_s: float) -> float:
    """Charge after a stay [a_s, b_s] at station ``st``: along the spec's curve (the
    simulator's own :func:`fleetopt.domain.charging.charge_steps`), fractional ends rounded
    inward to whole seconds."""
    dur = _inward_s(a_s, b_s)
    if st < 0 or dur <= 0:
        return soc
    crv = chg.curve(gp.spec.charging_curve)
    end, _ = chg.charge_steps(soc / gp.cap_kwh, 1.0, dur, float(gp.rate_kw[st]), gp.cap_kwh, crv)
    return max(soc, min(gp.cap_kwh, end * gp.cap_kwh))


def _forward_ok(gp: GroupProblem, chain: list[int], depot: int, start: float) -> bool:
    """Independent day simulation from ``start`` kWh at pull-out (test's own timeline).

    A layover draws the spec's ``idle_kw`` for its length with fractional ends rounded
    outward to whole seconds, after its charge."""
    cap, lo, eps = gp.cap_kwh, gp.min_kwh, 1e-6
    idle = gp.spec.idle_kw
    soc = start
    if not lo - eps <= start <= cap + eps:
        return False
    first, last = chain[0], chain[-1]
    t_out = gp.dep_s[first]
    if depot >= 0:
        p = gp.station_place[depot]
        t_out -= gp.dh_s[p, gp.start_place[first]]
        soc -= gp.dh_km[p, gp.start_place[first]]
        if soc < lo - eps:
            return False
    for k, i in enumerate(chain):
        soc -= gp.drive_kwh[i]
        if soc < lo - eps:
            return False
        if k + 1 < len(chain):
            j = chain[k + 1]
            d = gp.dh_s[gp.end_place[i], gp.start_place[j]]
            leave = gp.dep_s[j] - d
            stay = leave - gp.arr_s[i]
            if stay < -eps:
                return False
            soc = _charged(gp, soc, int(gp.end_station[i]), gp.arr_s[i], leave)
            if stay > 0:
                soc -= idle * _outward_s(gp.arr_s[i], leave) / 3600
                if soc < lo - eps:
                    return False
            soc -= gp.dh_km[gp.end_place[i], gp.start_place[j]]
            if soc < lo - eps:
                return False
    t_in = gp.arr_s[last]
    night = gp.end_station[last]
    if depot >= 0:
        p = gp.station_place[depot]
        t_in += gp.dh_s[gp.end_place[last], p]
        soc -= gp.dh_km[gp.end_place[last], p]
        if soc < lo - eps:
            return False
        night = depot
    soc = _charged(gp, soc, int(night), t_in, t_out + DAY_S)
    return soc >= start - eps


@pytest.mark.parametrize(
    ("seed", "curve", "idle_kw"),
    [(s, "taper", 0.0) for s in range(12)]
    + [(s, "constant", 0.0) for s in range(6)]
    + [(s, "taper", 8.0) for s in range(6)],
)
def test_block_check_matches_a_search_over_starting_charges(
    seed: int, curve: str, idle_kw: float
) -> None:
    """GIVEN random blocks (taper or constant curve, with or without layover idle draw)
    WHEN a grid of starting charges finds a feasible day THEN check_block says feasible,
    and when check_block says feasible its starting charge passes the test's own
    simulation of the day."""
    rng = np.random.default_rng(seed)
    gp = _instance(rng, 6, curve, idle_kw)
    for _ in range(30):
        k = int(rng.integers(1, 5))
        chain = sorted(rng.choice(gp.n, size=k, replace=False).tolist(), key=lambda i: gp.dep_s[i])
        depot = int(gp.depot[chain[0]])
        c = check_block(gp, chain, depot)
        grid = np.linspace(gp.min_kwh, gp.cap_kwh, 401)
        found = any(_forward_ok(gp, chain, depot, float(s)) for s in grid)
        if found:
            assert c.feasible, (chain, c.reason)
        if c.feasible:
            assert _forward_ok(gp, chain, depot, c.start_kwh)


@pytest.mark.parametrize("seed", range(15))
def test_fewest_vehicles_equal_brute_force_over_all_partitions(seed: int) -> None:
    """GIVEN random instances of up to 7 trips THEN plan_blocks' count equals the minimum over
    all set partitions into feasible blocks, the bound is below it and the dispatch
    heuristic's blocks are feasible and no fewer."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(3, 8))
    gp = _instance(rng, n)
    runnable, best = _brute_minimum(gp, n)
    res = plan_blocks(gp)
    assert res.vehicles == best
    assert sorted(j for b in res.blocks for j in b) == runnable
    assert len(res.unrunnable) == n - len(runnable)
    assert res.lower_bound <= best
    lb, _ = lower_bound(gp, np.array(runnable, dtype=np.int64))
    assert lb <= best
    blocks, depots = blocking._dispatch(gp, runnable)
    assert all(check_block(gp, b, d).feasible for b, d in zip(blocks, depots, strict=True))
    assert sorted(j for b in blocks for j in b) == runnable
    assert len(blocks) >= best


@pytest.mark.parametrize("seed", range(5))
def test_relaxed_bound_never_exceeds_the_exact_path_cover(seed: int) -> None:
    """GIVEN 60-trip instances THEN the relaxed max-flow bound <= exact path cover <= the
    dispatch heuristic's vehicles (and without energy the matching's chains are feasible)."""
    rng = np.random.default_rng(200 + seed)
    gp = _instance(rng, 60)
    idx = np.arange(gp.n)
    exact, _ = lower_bound(gp, idx)
    relaxed = gp.n - block_bounds._relaxed_matching(gp, idx)
    assert relaxed <= exact
    runnable = [j for j in range(gp.n) if check_block(gp, [j], int(gp.depot[j])).feasible]
    blocks, _ = blocking._dispatch(gp, runnable)
    lb_r, _ = lower_bound(gp, np.array(runnable, dtype=np.int64))
    assert lb_r <= len(blocks)
    chains = blocking._chains_from_matching(gp, idx)
    assert len(chains) == exact
    for c in chains:
        assert all(
            gp.arr_s[i] + gp.dh_s[gp.end_place[i], gp.start_place[j]] <= gp.dep_s[j] + 1e-6
            for i, j in itertools.pairwise(c)
        )
