"""The kernel's station fast paths give the same day as SimPy's plain requests and releases.

A kernel vehicle takes a free plug at once when nobody queues and no other event is due at
that instant (``station_actions.take_free_plug``, called by ``kernel.Model.vehicle``), and
plugs, swap bays and dispensers are given back with ``station_actions.release_plug``
instead of ``Resource.release``. Each case is simulated twice, as it is and with both
replaced by the plain SimPy calls, and every result table must be equal to the last bit:
vehicles arriving at a station at the same instant (some give up, one arrives when a plug
frees), a trip ending away from any station, missed trips with the re-routed deadhead
after them, the horizon ending during a trip and a charge, plug-in hybrids, fuel-cell
vehicles at a hydrogen station and a swap station.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import simpy
from simkit import BASE, HEADER, LAT, LON, trip_line

from fleetopt.case import load_case
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.simulation import kernel, station_actions
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.result import SimulationResult

#: A point about 1.7 km east of the depot (outside the 100 m station radius) [deg].
FAR = (LON + 0.02, LAT)


def _plain_release(env: simpy.Environment, plugs: simpy.Resource, req: Any) -> None:
    plugs.release(req)


def _simulate(
    tmp_path: Path, central: Any, lines: list[str], d: dict[str, Any], *, plain: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[SimulationResult, int]:
    """Simulate; with ``plain`` the SimPy calls replace the fast paths. Returns the result and
    how many plugs the fast path took."""
    taken = [0]
    real_take = station_actions.take_free_plug

    def counting_take(env: simpy.Environment, plugs: simpy.Resource) -> Any:
        held = real_take(env, plugs)
        taken[0] += held is not None
        return held

    with monkeypatch.context() as m:
        if plain:
            m.setattr(kernel, "take_free_plug", lambda env, plugs: None)
            m.setattr(station_actions, "release_plug", _plain_release)
        else:
            m.setattr(kernel, "take_free_plug", counting_take)
        (tmp_path / "trips.csv").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
        sc = scenario_from_dict(copy.deepcopy(d), base_dir=tmp_path, file=str(tmp_path / "s.toml"))
        return simulate(load_case(sc, central)), taken[0]


def _same_day(
    tmp_path: Path, central: Any, lines: list[str], d: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[SimulationResult, int]:
    fast, taken = _simulate(tmp_path, central, lines, d, plain=False, monkeypatch=monkeypatch)
    plain, none = _simulate(tmp_path, central, lines, d, plain=True, monkeypatch=monkeypatch)
    assert none == 0
    a, b = fast.tables(), plain.tables()
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    # the whole summary but the wall time, every float by its shortest repr (NaN included)
    sa, sb = ({k: v for k, v in r.summary().items() if k != "wall_s"} for r in (fast, plain))
    assert json.dumps(sa, sort_keys=True) == json.dumps(sb, sort_keys=True)
    return fast, taken


def _trip(vid: str, tid: str, *args: Any, **kw: Any) -> str:
    return trip_line(vid, vid + tid, *args, **kw)


def _tie_lines(pt: str) -> list[str]:
    far = {"d": FAR}
    return [
        # four vehicles back at the depot at 07:00 on two plugs: b3 must leave at 07:05 and
        # gives up, b4 waits for b1's plug (30 kWh at 100 kW: free at 07:18)
        _trip("b1", "a", "06:00", "07:00", 30, pt=pt),
        _trip("b1", "b", "07:30", "08:00", 10, pt=pt),
        _trip("b2", "a", "06:00", "07:00", 40, pt=pt),
        _trip("b2", "b", "09:00", "09:30", 10, pt=pt),
        _trip("b3", "a", "06:00", "07:00", 50, pt=pt),
        _trip("b3", "b", "07:05", "07:30", 10, pt=pt),
        _trip("b4", "a", "06:00", "07:00", 60, pt=pt),
        _trip("b4", "b", "10:00", "11:00", 10, pt=pt),  # runs past the horizon end
        # b5 arrives at 07:18, the instant b1's plug frees
        _trip("b5", "a", "06:18", "07:18", 20, pt=pt),
        _trip("b5", "b", "08:00", "08:30", 10, pt=pt),
        # b6 ends a trip away from any station, then comes back with the others
        _trip("b6", "a", "06:00", "06:30", 10, pt=pt, **far),
        _trip("b6", "b", "06:40", "07:00", 10, pt=pt, o=FAR),
        _trip("b6", "c", "07:40", "08:00", 5, pt=pt),
        # b7 misses a trip for energy at FAR (a bev), then is routed to its next origin
        _trip("b7", "a", "06:00", "07:00", 20, pt=pt, **far),
        _trip("b7", "b", "07:10", "08:00", 95, pt=pt, o=FAR),
        _trip("b7", "c", "09:00", "09:40", 10, pt=pt),
        # b8 charges until the horizon end
        _trip("b8", "a", "08:00", "10:00", 95, pt=pt),
        # b9 comes back when nothing else happens: it takes a free plug at once
        _trip("b9", "a", "06:07", "06:53", 20, pt=pt),
        _trip("b9", "b", "07:37", "07:51", 20, pt=pt),
        _trip("b9", "c", "08:13", "08:29", 20, pt=pt),
    ]


@pytest.mark.parametrize("pt", ["bev", "phev"])
def test_ties_at_a_station_missed_trips_and_the_horizon_end_give_the_same_day(
    tmp_path: Path, central: Any, monkeypatch: pytest.MonkeyPatch, pt: str
) -> None:
    """GIVEN nine buses (bev or phev) on a two-plug depot with arrivals at the same instant, a
    give-up, an arrival when a plug frees, a trip away from any station, a missed trip and a
    horizon end at 10:30 WHEN simulated with the fast paths and without THEN every table is equal
    and the fast path took plugs."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["phev"] = {
        **d["vehicle_types"]["bus"]["bev"], "l_per_100km": 10.0
    }
    d["stations"][0]["plugs"] = 2
    d["horizon"] = {"end": "10:30"}
    r, taken = _same_day(tmp_path, central, _tie_lines(pt), d, monkeypatch)
    ses = r.sessions
    assert (ses["action"] == "gave_up").sum() == 1
    assert taken > 0
    # b4's last trip ends after the horizon: the kernel never logs it
    assert r.trips.set_index("trip_id").loc["b4b", "reason"] == "outside the horizon"
    if pt == "bev":
        assert r.trips.set_index("trip_id").loc["b7b", "reason"].startswith("energy")


def test_hydrogen_dispensers_and_swap_bays_give_the_same_day(
    tmp_path: Path, central: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN three fuel-cell buses arriving together at a one-dispenser hydrogen station and three
    swappable taxis arriving together at a one-bay swap station WHEN simulated with the fast paths
    and without THEN every table is equal (the dispensers and bays are given back by
    ``release_plug``)."""
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["fcev"] = {"kg_per_100km": 11.7, "tank_kg": 64}
    d["vehicle_types"]["taxi"] = {"bev": {"kwh_per_km": 0.2, "energy_model": "constant"}}
    d["stations"] = [
        {"id": "h2", "kind": "hydrogen", "lon": LON, "lat": LAT, "dispensers": 1,
         "kg_per_min": 1.8, "kg_per_day": 500},
        {"id": "swap-1", "kind": "swap", "lon": FAR[0], "lat": FAR[1], "swap_min": 5,
         "batteries": 2, "plug_kw": 60},
    ]
    far = {"o": FAR, "d": FAR}
    lines = []
    for i in range(3):
        lines += [
            _trip(f"f{i}", "a", "06:00", "07:00", 100 + 10 * i, pt="fcev"),
            _trip(f"f{i}", "b", f"07:{10 + 5 * i:02d}", "08:00", 50, pt="fcev"),
            _trip(f"x{i}", "a", "06:00", "07:00", 100 + 20 * i, vtype="taxi", **far),
            _trip(f"x{i}", "b", f"07:{6 + 5 * i:02d}", "08:00", 10, vtype="taxi", **far),
        ]
    r, _ = _same_day(tmp_path, central, lines, d, monkeypatch)
    assert set(r.sessions["action"]) >= {"hydrogen", "swap"}


def test_a_free_plug_is_not_taken_at_once_when_another_event_is_due_at_that_instant() -> None:
    """GIVEN two processes waking at t=5 at a two-plug resource, the first asking SimPy for a plug
    WHEN the second tries ``take_free_plug`` THEN it gets None (the first one's granted request is
    due at that instant) and the plugs are granted in the plain order; alone at t=7 it gets one."""
    env = simpy.Environment()
    plugs = simpy.Resource(env, capacity=2)
    order: list[tuple[str, float]] = []

    def plain() -> Any:
        yield env.timeout(5)
        yield plugs.request()
        order.append(("plain", env.now))

    def fast(wake: float) -> Any:
        yield env.timeout(wake)
        held = station_actions.take_free_plug(env, plugs)
        if held is None:
            held = plugs.request()
            yield held
        order.append((f"fast-{'taken' if not isinstance(held, simpy.Event) else 'asked'}", env.now))
        yield env.timeout(1)
        station_actions.release_plug(env, plugs, held)

    env.process(plain())
    env.process(fast(5))
    env.run(until=6.5)
    env.process(fast(0.5))  # wakes at 7.0, nothing else due then
    env.run()
    assert order == [("plain", 5), ("fast-asked", 5), ("fast-taken", 7)]
    assert len(plugs.users) == 1  # the plain process never gave its plug back


def test_release_plug_serves_the_queue_in_the_order_release_does() -> None:
    """GIVEN one plug held until t=10, a request queued since t=1, and at t=10 a second holder's
    release and a new request at the same instant WHEN plugs are given back with ``release_plug``
    or ``Resource.release`` THEN the grants come in the same order at the same times."""

    def day(release: Any) -> list[tuple[str, float]]:
        env = simpy.Environment()
        plugs = simpy.Resource(env, capacity=2)
        got: list[tuple[str, float]] = []

        def user(name: str, at: float, hold: float) -> Any:
            yield env.timeout(at)
            req = plugs.request()
            yield req
            got.append((name, env.now))
            yield env.timeout(hold)
            release(env, plugs, req)

        for name, at, hold in [("a", 0, 10), ("b", 0, 10), ("c", 1, 3), ("d", 10, 1),
                               ("e", 10, 1), ("f", 11, 1)]:
            env.process(user(name, at, hold))
        env.run()
        return got

    assert day(station_actions.release_plug) == day(_plain_release)
    assert day(_plain_release)[:3] == [("a", 0), ("b", 0), ("c", 10)]
