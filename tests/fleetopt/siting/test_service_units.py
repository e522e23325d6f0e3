"""Service level on a scenario: energy [kWh] becomes peak-hour charging sessions [1/h]."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fleetopt.api import siting_problem as problem_from_scenario
from fleetopt.defaults import value
from fleetopt.siting.scenario import peak_hour_sessions
from fleetopt.siting.sizing import prob_wait_longer
from fleetopt.siting.solve import solve

# P and Q: two points of central Beijing about 2 km apart
P = (116.4000, 39.9100)
Q = (116.4200, 39.9200)
TRIPS = ("vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
         "destination_lon,destination_lat,distance_km\n") + """\
b1,bus,bev,t1,07:00,08:10,{q0},{q1},{p0},{p1},30
b1,bus,bev,t2,16:00,17:10,{q0},{q1},{p0},{p1},60
b2,bus,bev,t3,16:30,17:40,{p0},{p1},{p0},{p1},30
b3,bus,bev,t4,16:00,17:20,{p0},{p1},{q0},{q1},30
b3,bus,bev,t5,20:00,33:10,{q0},{q1},{q0},{q1},100
d1,bus,diesel,t6,16:00,17:00,{p0},{p1},{q0},{q1},500
"""


def _scenario(tmp_path: Path) -> Path:
    (tmp_path / "trips.csv").write_text(TRIPS.format(p0=P[0], p1=P[1], q0=Q[0], q1=Q[1]))
    (tmp_path / "s.toml").write_text(
        'name = "units"\nseed = 1\nnetwork = "beijing-central-2024"\n'
        '[[fleets]]\ntrips = "trips.csv"\n'
        '[vehicle_types.bus.bev]\nkwh_per_km = 1.0\nenergy_model = "constant"\n')
    return tmp_path / "s.toml"


def test_peak_hour_sessions_by_hand() -> None:
    """GIVEN battery energy arriving at 08:10 (30 kWh, P), 17:10 (60, P), 17:40 (30, P),
    17:20 (30, Q) and 33:10 = 09:10 (100, Q), and a fuel-cell trip at 17:00
    WHEN 30 kWh per session THEN the peak hour is 17 (120 kWh > 100 at 9 > 30 at 8) and
    P gets (60 + 30) / 30 = 3 sessions/h, Q 30 / 30 = 1; the fuel-cell kg are left out."""
    pts = pd.DataFrame({"lon": [P[0], P[0], P[0], Q[0], Q[0], P[0]],
                        "lat": [P[1], P[1], P[1], Q[1], Q[1], P[1]],
                        "weight": [30.0, 60.0, 30.0, 30.0, 100.0, 5.0],
                        "powertrain": ["bev"] * 5 + ["fcev"],
                        "arrival_s": np.array([8 + 10 / 60, 17 + 10 / 60, 17 + 40 / 60,
                                               17 + 20 / 60, 33 + 10 / 60, 17.0]) * 3600})
    out, peak = peak_hour_sessions(pts, session_energy_kwh=30.0)
    assert peak == 17
    by_lon = out.groupby("lon")["weight"].sum()
    assert by_lon[P[0]] == pytest.approx(3.0)
    assert by_lon[Q[0]] == pytest.approx(1.0)
    # a tie goes to the earlier hour
    tie = pts.iloc[[0, 3]].assign(weight=[30.0, 30.0])
    assert peak_hour_sessions(tie, session_energy_kwh=30.0)[1] == 8


def test_scenario_service_level_weights_are_sessions_per_hour(tmp_path: Path) -> None:
    """GIVEN the trips above in a scenario (1 kWh/km) WHEN `site --model service-level`
    THEN demand weights are 3 and 1 sessions/h (sum 4, not 150 kWh), the service time is
    session_energy_kwh / service_plug_kw = 30 kWh / 60 kW = 30 min, and every open site's
    plugs meet P(wait > 10 min) <= 0.2 for its assigned arrivals (M/M/c by hand check)."""
    path = _scenario(tmp_path)
    prob = problem_from_scenario(path, p=2, model="service-level")
    w = np.sort(prob.demand["weight"].to_numpy())
    assert w.tolist() == pytest.approx([1.0, 3.0])
    t_min = 60.0 * value("siting_params", "session_energy_kwh") / value(
        "siting_params", "service_plug_kw")
    assert prob.service["service_time_min"] == pytest.approx(t_min) == pytest.approx(30.0)
    # the limit is a cap, not a race: about 28 s of CPU, over 30 s of wall under load
    res = solve(prob, model="service-level", time_limit_s=300)
    assert res.status == "optimal"
    assert res.sites["load"].sum() == pytest.approx(4.0)
    for rec in res.sites.itertuples(index=False):
        assert prob_wait_longer(int(rec.size), float(rec.load), 0.5, 10 / 60) <= 0.2 + 1e-6
    # 3 arrivals/h with 30 min sessions: offered load 1.5 Erlang; 2 plugs give
    # P(wait > 10 min) = C(2, 1.5) e^{-(2*2 - 3)/6} = 0.643 * 0.846 = 0.54 > 0.2, 3 plugs
    # give C(3, 1.5) e^{-(6 - 3)/6} = 0.237 * 0.607 = 0.144 <= 0.2 -> the site serving P
    # alone needs 3 plugs (or shares with Q's)
    assert prob_wait_longer(2, 3.0, 0.5, 10 / 60) == pytest.approx(0.5443, abs=1e-3)
    assert prob_wait_longer(3, 3.0, 0.5, 10 / 60) == pytest.approx(0.1438, abs=1e-3)
    # p-median on the same scenario keeps energy weights [kWh]: P 30 + 60 + 30 = 120,
    # Q 30 + 100 = 130 (the diesel trip has none)
    pm = problem_from_scenario(path, p=1)
    assert pm.demand["weight"].sum() == pytest.approx(30 + 60 + 30 + 30 + 100)


def test_scenario_siting_never_adds_kg_of_hydrogen_to_kwh(tmp_path: Path) -> None:
    """GIVEN the battery trips above (150 kWh at 1 kWh/km, 250 kWh in all) and a fuel-cell bus
    trip of 100 km at 8 kg/100 km (8 kg) WHEN the scenario is sited with the default model
    THEN the demand weights are the 250 kWh of battery energy only (not 258 of mixed units);
    a scenario with only the fuel-cell trip is sited on its 8 kg."""
    trips = TRIPS.format(p0=P[0], p1=P[1], q0=Q[0], q1=Q[1])
    fc_line = f"f1,bus,fcev,t7,10:00,12:00,{P[0]},{P[1]},{Q[0]},{Q[1]},100\n"
    (tmp_path / "trips.csv").write_text(trips + fc_line)
    (tmp_path / "s.toml").write_text(
        'name = "carriers"\nseed = 1\nnetwork = "beijing-central-2024"\n'
        '[[fleets]]\ntrips = "trips.csv"\n'
        '[vehicle_types.bus.bev]\nkwh_per_km = 1.0\nenergy_model = "constant"\n'
        '[vehicle_types.bus.fcev]\nkg_per_100km = 8.0\n')
    prob = problem_from_scenario(tmp_path / "s.toml", p=1)
    assert prob.demand["weight"].sum() == pytest.approx(30 + 60 + 30 + 30 + 100)
    only_h2 = tmp_path / "h2"
    only_h2.mkdir()
    (only_h2 / "trips.csv").write_text(TRIPS.splitlines()[0] + "\n" + fc_line)
    (only_h2 / "s.toml").write_text((tmp_path / "s.toml").read_text())
    prob2 = problem_from_scenario(only_h2 / "s.toml", p=1)
    assert prob2.demand["weight"].sum() == pytest.approx(8.0)


def test_scenario_candidates_include_the_bus_terminals(tmp_path: Path) -> None:
    """GIVEN bus trips between P and Q WHEN the scenario is sited THEN the nodes nearest P and Q
    are candidates with terminal ids ``t<osm id>`` (once each, not also as graph nodes), a taxi
    trip's ends are not terminals, and p = 1 is optimal against brute force over all candidates."""
    from fleetopt.inputs.road_graph import load_network
    from fleetopt.siting.candidates import terminal_candidates

    path = _scenario(tmp_path)
    net = load_network("beijing-central-2024")
    node, _ = net.nearest_nodes(np.array([P[0], Q[0]]), np.array([P[1], Q[1]]))
    prob = problem_from_scenario(path, p=1)
    cand = prob.candidates
    for n_ in node:
        rows = cand[cand["node"] == n_]
        assert len(rows) == 1
        assert rows["id"].iloc[0] == f"t{int(net.node_ids[n_])}"
    trips = pd.DataFrame({"vehicle_type": ["bus", "taxi"],
                          "origin_lon": [P[0], 116.3], "origin_lat": [P[1], 39.95],
                          "destination_lon": [P[0], 116.3], "destination_lat": [P[1], 39.95]})
    t = terminal_candidates(net, trips)
    assert t["node"].tolist() == [int(node[0])]  # the taxi's ends are not terminals
    res = solve(prob, model="p-median", time_limit_s=30)
    assert res.status == "optimal"
    # brute force over every candidate as the single new site: the terminals take part
    w = prob.demand["weight"].to_numpy(float)
    totals = w @ np.where(np.isfinite(prob.cost_s), prob.cost_s, np.inf)
    best = int(np.argmin(totals))
    assert res.objective == pytest.approx(float(totals[best]), rel=1e-9)


def _path_km(net, a: int, b: int) -> float:
    """Length [km] of the time-shortest path a -> b, walked edge by edge (independent of
    the siting code: scipy's Dijkstra predecessors on travel time, lengths from the CSR)."""
    from scipy.sparse import csgraph

    _, pred = csgraph.dijkstra(net.csr_time, directed=True, indices=[a],
                               return_predecessors=True)
    km, v = 0.0, b
    while v != a:
        u = int(pred[0, v])
        assert u >= 0, "unreachable"
        km += float(net.csr_length[u, v]) / 1000.0
        v = u
    return km


@pytest.mark.parametrize(("powertrain", "share"), [('"bev"', 1.0),
                                                   ("{bev = 0.25, gasoline = 0.75}", 0.25)])
def test_scenario_taxi_requests_are_demand(tmp_path: Path, powertrain: str,
                                           share: float) -> None:
    """GIVEN a taxi fleet serving two requests P -> Q and Q -> P (1 kWh/km) WHEN the scenario
    is sited THEN the demand is each trip's road length [km] x 1 kWh/km x the fleet's BEV
    share, at the drop-off nodes (requests used to add no demand at all: their distance
    was left empty, so a taxi-only scenario had 'no electric trips')."""
    from fleetopt.inputs.road_graph import load_network

    (tmp_path / "req.csv").write_text(
        "request_id,departure,origin_lon,origin_lat,destination_lon,destination_lat\n"
        f"r1,08:00,{P[0]},{P[1]},{Q[0]},{Q[1]}\nr2,09:00,{Q[0]},{Q[1]},{P[0]},{P[1]}\n")
    (tmp_path / "s.toml").write_text(
        'name = "taxis"\nseed = 1\nnetwork = "beijing-central-2024"\n'
        f'[[fleets]]\nrequests = "req.csv"\ntype = "taxi"\nsize = 2\n'
        f"powertrain = {powertrain}\n"
        '[vehicle_types.taxi.bev]\nkwh_per_km = 1.0\nenergy_model = "constant"\n')
    prob = problem_from_scenario(tmp_path / "s.toml", p=1)
    net = load_network("beijing-central-2024")
    (p_node, q_node), _ = net.nearest_nodes(np.array([P[0], Q[0]]), np.array([P[1], Q[1]]))
    pq, qp = _path_km(net, int(p_node), int(q_node)), _path_km(net, int(q_node), int(p_node))
    assert 1.0 < pq < 6.0  # P and Q are about 2 km apart
    assert 1.0 < qp < 6.0
    got = dict(zip(prob.demand["node"].astype(int), prob.demand["weight"], strict=True))
    # rel 1e-6: route_matrices packs time and length in one float64 weight
    assert got == pytest.approx({int(q_node): pq * share, int(p_node): qp * share}, rel=1e-6)
