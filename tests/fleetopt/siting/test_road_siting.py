"""Siting on real road graphs: travel-time matrices, candidates, demand, scenario, flows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csgraph

from fleetopt.inputs.road_graph import load_network
from fleetopt.siting.candidates import aggregate_demand, candidates_from_network
from fleetopt.siting.distances import travel_time_matrix
from fleetopt.siting.problem import read_problem_json
from fleetopt.siting.solve import site_for_demo, solve


@pytest.fixture(scope="module")
def bupt():
    return load_network("haidian-bupt")


def test_matrix_equals_networkx_free_dijkstra(bupt) -> None:
    """GIVEN routable nodes WHEN the demand->candidate matrix is built THEN it equals
    scipy Dijkstra from each demand node on the forward graph (direction matters)."""
    nodes = np.flatnonzero(bupt.routable)
    dem, cand = nodes[:10], nodes[5:15]
    m = travel_time_matrix(bupt, dem, cand)
    ref = csgraph.dijkstra(bupt.csr_time, directed=True, indices=dem)[:, cand]
    assert np.allclose(m, ref)
    ml = travel_time_matrix(bupt, dem, cand, weight="length")
    assert np.allclose(ml, csgraph.dijkstra(bupt.csr_length, directed=True, indices=dem)[:, cand])


def test_matrix_with_repeated_unsorted_candidates(bupt, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the graph's 24 routable nodes as candidates out of order, four repeated (an
    existing station on a candidate's node), searched in blocks of 8 WHEN the matrix is
    built THEN every column equals the forward Dijkstra to that candidate, repeated
    columns included."""
    from fleetopt.siting import distances

    monkeypatch.setattr(distances, "_BLOCK", 8)
    nodes = np.flatnonzero(bupt.routable)
    rng = np.random.default_rng(5)
    cand = rng.permutation(nodes)
    cand = np.r_[cand, cand[[3, 0, 21, 3]]]
    dem = nodes[:25]
    m = travel_time_matrix(bupt, dem, cand, dtype=np.float32)
    ref = csgraph.dijkstra(bupt.csr_time, directed=True, indices=dem)[:, cand]
    assert m.dtype == np.float32
    assert np.array_equal(m, ref.astype(np.float32))


def test_candidates_and_demand_aggregation(bupt) -> None:
    cand = candidates_from_network(bupt, n=5, seed=3)
    assert len(cand) == 5
    assert bupt.routable[cand["node"]].all()
    again = candidates_from_network(bupt, n=5, seed=3)
    assert cand.equals(again)  # seeded, deterministic
    pts = pd.DataFrame({"lon": bupt.lon[cand["node"]].tolist() * 2,
                        "lat": bupt.lat[cand["node"]].tolist() * 2,
                        "energy_kwh": [1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0]})
    dem = aggregate_demand(bupt, pts)
    assert dem["weight"].sum() == pytest.approx(165.0)
    assert len(dem) == 5
    assert sorted(dem["weight"].tolist()) == [11.0, 22.0, 33.0, 44.0, 55.0]


def test_site_for_demo_on_a_real_graph(bupt, tmp_path: Path) -> None:
    """GIVEN energy demand at every routable node WHEN p=2 new sites THEN optimal, and the
    objective equals the weighted travel time to the nearest open site recomputed here."""
    nodes = np.flatnonzero(bupt.routable)
    pts = pd.DataFrame({"lon": bupt.lon[nodes], "lat": bupt.lat[nodes],
                        "energy_kwh": np.linspace(1, 10, nodes.size)})
    res = site_for_demo(bupt, pts, model="p-median", p_new=2, existing_df=None,
                        n_candidates=10, time_limit_s=30, out_dir=tmp_path)
    assert res.status == "optimal"
    assert len(res.open_sites) == 2
    open_nodes = [int(s[1:]) for s in res.open_sites]
    idx = np.searchsorted(bupt.node_ids, open_nodes) if np.all(np.diff(bupt.node_ids) > 0) \
        else np.array([int(np.flatnonzero(bupt.node_ids == o)[0]) for o in open_nodes])
    dem = aggregate_demand(bupt, pts)
    tt = csgraph.dijkstra(bupt.csr_time, directed=True, indices=dem["node"].to_numpy())[:, idx]
    assert res.objective == pytest.approx(float(dem["weight"] @ tt.min(axis=1)), rel=1e-9)
    gj = json.loads((tmp_path / "sites.geojson").read_text())
    assert len(gj["features"]) == 2


def test_empty_demand_is_an_answer(bupt) -> None:
    res = site_for_demo(bupt, pd.DataFrame({"lon": [], "lat": [], "energy_kwh": []}),
                        existing_df=None)
    assert res.status == "infeasible"
    assert "no energy demand" in res.reason


def test_service_level_on_energy_is_refused(bupt) -> None:
    """GIVEN demand in kWh (a simulation's charge_demand) WHEN the service-level model
    THEN InputError naming sessions per hour (Erlang C read kWh as arrivals per hour);
    the same points with a weight in sessions/h are solved."""
    from fleetopt.errors import InputError

    nodes = np.flatnonzero(bupt.routable)[:20]
    pts = pd.DataFrame({"lon": bupt.lon[nodes], "lat": bupt.lat[nodes],
                        "energy_kwh": np.full(nodes.size, 30.0)})
    with pytest.raises(InputError, match="sessions per hour"):
        site_for_demo(bupt, pts, model="service-level", existing_df=None, n_candidates=5)
    res = site_for_demo(bupt, pts.rename(columns={"energy_kwh": "weight"}).assign(weight=0.1),
                        model="service-level", existing_df=None, n_candidates=5,
                        time_limit_s=20)
    assert res.status in ("optimal", "feasible")


def test_flow_refuelling_on_a_real_graph(bupt, tmp_path: Path) -> None:
    """GIVEN two OD flows on the graph and a range longer than any round trip WHEN one station
    THEN the station that lies on both paths refuels both (objective = total volume)."""
    nodes = np.flatnonzero(bupt.routable)
    lon, lat = bupt.lon, bupt.lat
    cands = [{"id": f"c{i}", "lon": float(lon[n]), "lat": float(lat[n])}
             for i, n in enumerate(nodes)]
    doc = {"network": "haidian-bupt", "p": 1, "range_km": 100, "model": "flow-refuelling",
           "candidates": cands,
           "demand": [{"id": "x", "lon": float(lon[nodes[0]]), "lat": float(lat[nodes[0]])}],
           "flows": [{"origin_lon": float(lon[nodes[0]]), "origin_lat": float(lat[nodes[0]]),
                      "destination_lon": float(lon[nodes[-1]]),
                      "destination_lat": float(lat[nodes[-1]]), "volume": 3},
                     {"origin_lon": float(lon[nodes[-1]]), "origin_lat": float(lat[nodes[-1]]),
                      "destination_lon": float(lon[nodes[0]]),
                      "destination_lat": float(lat[nodes[0]]), "volume": 2}]}
    f = tmp_path / "h2.json"
    f.write_text(json.dumps(doc))
    prob, model = read_problem_json(f)
    res = solve(prob, model=model, time_limit_s=30)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(5.0)
    # with a range shorter than the longest arc nothing can be refuelled
    prob.range_km = 0.001
    res = solve(prob, model=model, time_limit_s=30)
    assert res.objective == pytest.approx(0.0)


def test_site_from_scenario(data_dir: Path) -> None:
    """GIVEN the hand-made simulation scenario (one BEV bus) WHEN sited with p=1 THEN optimal
    and the scenario's depot is among the open (existing) sites."""
    from fleetopt.api import siting_problem as problem_from_scenario

    prob = problem_from_scenario(data_dir / "simulation" / "hand.toml", p=1)
    assert prob.existing_idx.size == 1
    assert prob.n_demand >= 1
    res = solve(prob, time_limit_s=60)
    assert res.status == "optimal"
    assert "depot-A" in res.open_sites
    assert len(res.open_sites) == 2
