"""The embedded Beijing default demand: packaged real inputs, generators, default scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fleetopt import demand, settings
from fleetopt.defaults import load_table
from fleetopt.demand import bus as demand_bus
from fleetopt.demand import taxi as demand_taxi
from fleetopt.errors import InputError
from fleetopt.inputs import coords
from fleetopt.inputs import default_demand as dd
from fleetopt.inputs.road_graph import haversine_m, load_network
from fleetopt.inputs.stations import STATION_COLUMNS

REPO = Path(__file__).resolve().parents[3]
DEMAND = settings.DEMAND_DIR
SEED = 11


@pytest.fixture(scope="module")
def net():
    return load_network("beijing-central-2024")


@pytest.fixture(scope="module")
def buses(net):
    return demand.generate("beijing-bus", net, seed=SEED, size=60)


# ---------------------------------------------------------------- packaged files
def test_packaged_demand_is_small_and_documented() -> None:
    files = [p for p in DEMAND.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 3 * 1024 * 1024
    data = [p for p in files if not p.name.endswith(".meta.json") and p.name != "demand_params.csv"]
    assert len(data) == 4
    for p in data:
        meta = json.loads((DEMAND / f"{p.name}.meta.json").read_text(encoding="utf-8"))
        assert meta["generated_by"].startswith("demand/build_")
        assert (REPO / meta["generated_by"]).is_file()
        assert all(len(s["sha256_16"]) == 16 for s in meta["sources"])


def test_every_demand_parameter_has_unit_source_and_year() -> None:
    table = load_table("demand/demand_params")
    assert table["name"].is_unique
    for row in table.itertuples(index=False):
        assert isinstance(row.value, float), row.name
        assert str(row.unit).strip()
        assert str(row.source).strip()
        assert str(row.description).strip()
        assert not pd.isna(row.year), row.name


def test_sources_in_meta_match_the_shared_data(shared_data: Path) -> None:
    from hashlib import sha256

    for meta_path in DEMAND.glob("*.meta.json"):
        for src in json.loads(meta_path.read_text(encoding="utf-8"))["sources"]:
            path = shared_data / src["file"]
            assert path.stat().st_size == src["bytes"]
            assert sha256(path.read_bytes()).hexdigest()[:16] == src["sha256_16"]


@pytest.mark.parametrize(
    "script", ["build_stations.py", "build_taxi_activity.py", "build_bus_routes.py"]
)
def test_build_scripts_reproduce_the_packaged_files(
    shared_data: Path, tmp_path: Path, script: str
) -> None:
    """GIVEN the real sources WHEN a build script reruns THEN byte-identical packaged files."""
    env = {
        **os.environ,
        "FLEETOPT_DEMAND_OUT": str(tmp_path),
        "FLEETOPT_SHARED_DATA": str(shared_data),
    }
    subprocess.run(
        [sys.executable, str(REPO / "demand" / script)],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made
    for name in made:
        assert (tmp_path / name).read_bytes() == (DEMAND / name).read_bytes(), name


def test_bus_shapes_lie_on_osm_roads_only_as_gcj02(net) -> None:
    """Evidence of the shapes' CRS: read as GCJ-02 they fit OSM roads; read as BD-09 they do not."""
    shapes = pd.read_csv(DEMAND / "bus_route_shapes_wgs84.csv.gz")
    lon, lat = shapes["lon"].to_numpy(), shapes["lat"].to_numpy()
    box = (
        (lon > net.lon.min() + 0.01)
        & (lon < net.lon.max() - 0.01)
        & (lat > net.lat.min() + 0.01)
        & (lat < net.lat.max() - 0.01)
    )
    lon, lat = lon[box], lat[box]
    assert lon.size > 5000
    _, d_gcj = net.nearest_nodes(lon, lat, routable_only=False)
    g_lon, g_lat = coords.wgs84_to_gcj02(lon, lat)  # back to the file's numbers
    b_lon, b_lat = coords.bd09_to_wgs84(g_lon, g_lat)  # what reading them as BD-09 would give
    _, d_bd = net.nearest_nodes(b_lon, b_lat, routable_only=False)
    assert np.median(d_gcj) < 40
    assert np.median(d_bd) > 2 * np.median(d_gcj)


def test_public_dc_stations_are_the_711_converted(shared_data: Path) -> None:
    st = dd.public_dc_stations()
    assert list(st.columns) == list(STATION_COLUMNS)
    assert len(st) == 711
    assert st["id"].is_unique
    assert set(st["kind"]) == {"public"}
    assert (st["plugs"] == dd.demand_param("public_dc_plugs_per_station")).all()
    src = pd.read_csv(
        shared_data / "beijing" / "charging" / "dc_fast_charging_stations_beijing_711.csv"
    )
    src = src.set_index("station_id").loc[st["id"]]
    lon, lat = coords.gcj02_to_wgs84(src["lon"].to_numpy(), src["lat"].to_numpy())
    np.testing.assert_allclose(st["lon"], lon, atol=1e-7)
    np.testing.assert_allclose(st["lat"], lat, atol=1e-7)
    shift = haversine_m(src["lon"], src["lat"], st["lon"], st["lat"])
    assert np.all((shift > 100) & (shift < 700))


# ---------------------------------------------------------------- bus
def test_bus_trips_are_canonical(buses) -> None:
    assert list(buses.columns) == list(dd.TRIP_COLUMNS)
    assert buses["vehicle_id"].nunique() == 60
    assert buses.attrs["vehicles"] == 60
    assert buses["trip_id"].is_unique
    assert (buses["vehicle_type"] == "bus").all()
    assert (buses["powertrain"] == "bev").all()
    assert list(buses["row"]) == list(range(2, len(buses) + 2))
    key = buses[["vehicle_id", "departure_s", "trip_id"]].to_records(index=False).tolist()
    assert key == sorted(key)
    assert not buses["exempt"].any()


def test_bus_blocks_run_back_and_forth_between_two_terminals(buses) -> None:
    layover_s = dd.demand_param("bus_min_layover_min") * 60
    speed = dd.demand_param("bus_operating_speed_kph")
    for _, b in buses.groupby("vehicle_id"):
        o = b[["origin_lon", "origin_lat"]].to_numpy()
        d = b[["destination_lon", "destination_lat"]].to_numpy()
        np.testing.assert_array_equal(o[1:], d[:-1])  # each trip starts where the last ended
        np.testing.assert_array_equal(
            o[2::2], np.repeat(o[:1], len(o[2::2]), axis=0)
        )  # A, B, A, ...
        assert not np.array_equal(o[0], d[0])
        gaps = b["departure_s"].to_numpy()[1:] - b["arrival_s"].to_numpy()[:-1]
        assert np.all(gaps >= layover_s - 1e-6)
        run = (b["arrival_s"] - b["departure_s"]).to_numpy()
        np.testing.assert_allclose(run, b["distance_km"].to_numpy() / speed * 3600)
        assert b["depot"].nunique() == 1
    assert buses["departure_s"].min() >= 4 * 3600


def test_bus_depots_are_where_vehicles_start(buses) -> None:
    st = dd.depot_stations(buses)
    assert list(st.columns) == list(STATION_COLUMNS)
    first = buses.groupby("vehicle_id").head(1).merge(st, left_on="depot", right_on="id")
    assert len(first) == buses["vehicle_id"].nunique()
    assert np.all(
        haversine_m(first["origin_lon"], first["origin_lat"], first["lon"], first["lat"]) < 1.0
    )
    assert (st["plug_kw"] == 150).all()  # chargers.csv depot plug_kw


def test_bus_endpoints_are_network_nodes(net, buses) -> None:
    _, dist = net.nearest_nodes(buses["origin_lon"].to_numpy(), buses["origin_lat"].to_numpy())
    assert dist.max() < 1e-6


def test_bus_is_deterministic_and_seed_dependent(net, buses) -> None:
    again = demand.generate("beijing-bus", net, seed=SEED, size=60)
    pd.testing.assert_frame_equal(buses, again)
    other = demand.generate("beijing-bus", net, seed=SEED + 1, size=60)
    assert not other["departure_s"].equals(buses["departure_s"])


def test_headways_reproduce_the_city_trips_per_day() -> None:
    """GIVEN every route shape of the city WHEN timetabled THEN ~147,000 trips/day."""
    plan = dd.bus_plan()
    rng = np.random.default_rng(0)
    peaks = dd.peak_windows_s()
    total = 0
    for r in plan.itertuples(index=False):
        for col in ("service_ab", "service_ba"):
            total += len(
                demand_bus._departures(
                    demand_bus._parse_windows(getattr(r, col)),
                    r.headway_offpeak_s,
                    r.headway_peak_s,
                    peaks,
                    rng,
                )
            )
    assert total == pytest.approx(dd.demand_param("bus_trips_per_day_city"), rel=0.01)


def test_peak_departures_are_more_frequent(buses) -> None:
    h = (buses["departure_s"] // 3600).astype(int)
    per_hour = h.value_counts()
    assert per_hour.loc[[7, 8, 17, 18]].mean() > per_hour.loc[[11, 12, 13, 14]].mean()


def test_bus_size_is_capped_by_the_routes_on_the_network(net) -> None:
    full = demand.generate("beijing-bus", net, seed=SEED, scale=1.0)
    assert full.attrs["requested_vehicles"] == 20000
    assert 0 < full.attrs["vehicles"] < 20000
    scaled = demand.generate("beijing-bus", net, seed=SEED, scale=0.01)
    assert scaled.attrs["vehicles"] == 200


def test_powertrain_mix_is_exact(net) -> None:
    df = demand.generate(
        "beijing-bus", net, seed=SEED, size=30, powertrain={"bev": 0.5, "diesel": 0.3, "fcev": 0.2}
    )
    per_vehicle = df.groupby("vehicle_id")["powertrain"].agg(lambda s: s.unique().tolist())
    assert all(len(v) == 1 for v in per_vehicle)
    counts = per_vehicle.str[0].value_counts().to_dict()
    assert counts == {"bev": 15, "diesel": 9, "fcev": 6}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "beijing-tram"}, "unknown generator"),
        ({"powertrain": "steam"}, "unknown powertrain"),
        ({"powertrain": {"bev": 0.5, "diesel": 0.4}}, "add up to 1"),
        ({"size": 0}, "size must be"),
        ({"size": 5, "scale": 0.1}, "size or scale"),
        ({"scale": 0}, "scale must be"),
        ({"seed": -1}, "seed must be"),
    ],
)
def test_bad_arguments_are_input_errors(net, kwargs: dict, message: str) -> None:
    args = {"kind": "beijing-bus", "seed": 1, "size": None} | kwargs
    kind = args.pop("kind")
    with pytest.raises(InputError, match=message):
        demand.generate(kind, net, **args)


def test_network_without_bus_routes_gives_no_trips() -> None:
    df = demand.generate("beijing-bus", "haidian-bupt", seed=1, size=5)
    assert df.empty
    assert list(df.columns) == list(dd.TRIP_COLUMNS)


# ---------------------------------------------------------------- taxi
def test_taxi_requests_follow_tdrive_activity(net) -> None:
    req = demand.generate("beijing-taxi", net, seed=SEED, size=100)
    assert list(req.columns) == list(dd.REQUEST_COLUMNS)
    assert len(req) == round(100 * dd.demand_param("taxi_requests_per_taxi_day"))
    assert req["request_id"].is_unique
    dep = req["departure_s"].to_numpy()
    assert np.all(np.diff(dep) >= 0)
    assert dep.min() >= 0
    assert dep.max() < 86400
    disp = haversine_m(
        req["origin_lon"], req["origin_lat"], req["destination_lon"], req["destination_lat"]
    )
    assert np.mean(disp >= dd.demand_param("taxi_trip_min_km") * 1000) > 0.99
    _, snap = net.nearest_nodes(req["origin_lon"].to_numpy(), req["origin_lat"].to_numpy())
    assert snap.max() < 1e-6
    # hourly volume follows the T-Drive hour totals of the links on this network
    _node, weights = demand_taxi._activity_on(net)
    expected = weights.sum(axis=0) / weights.sum()
    got = np.bincount((dep // 3600).astype(int), minlength=24) / len(dep)
    assert np.corrcoef(expected, got)[0, 1] > 0.9
    assert (req["passengers"] == 1).all()


def test_taxi_demand_lies_within_the_tdrive_extent(net) -> None:
    """T-Drive's road network covers NW Beijing only (<= 116.41 E): no requests further east."""
    req = demand.generate("beijing-taxi", net, seed=SEED, size=50)
    assert req["origin_lon"].max() < 116.42
    assert req["destination_lon"].max() < 116.42


# ---------------------------------------------------------------- sanitation and delivery
@pytest.mark.parametrize(("kind", "size"), [("beijing-sanitation", 12), ("beijing-delivery", 16)])
def test_tours_are_continuous_and_return_to_their_depot(net, kind: str, size: int) -> None:
    df = demand.generate(kind, net, seed=SEED, size=size)
    assert list(df.columns) == list(dd.TRIP_COLUMNS)
    assert df["vehicle_id"].nunique() == size
    depots = dd.depot_stations(df)
    where = depots.set_index("id")[["lon", "lat"]]
    for _, t in df.groupby("vehicle_id"):
        o = t[["origin_lon", "origin_lat"]].to_numpy()
        d = t[["destination_lon", "destination_lat"]].to_numpy()
        np.testing.assert_array_equal(o[1:], d[:-1])
        depot = where.loc[t["depot"].iloc[0]].to_numpy()
        np.testing.assert_allclose(o[0], depot, atol=1e-7)
        np.testing.assert_allclose(d[-1], depot, atol=1e-7)
        assert np.all(t["departure_s"].to_numpy()[1:] >= t["arrival_s"].to_numpy()[:-1] - 1e-6)
        assert np.all(t["arrival_s"] > t["departure_s"])
        assert np.all(t["distance_km"] > 0)
    assert df["depot"].str.startswith(f"generated-{kind.split('-')[1]}-depot-").all()


def test_sanitation_work_legs_run_at_the_work_speed(net) -> None:
    df = demand.generate("beijing-sanitation", net, seed=SEED, size=5)
    speed = dd.demand_param("sanitation_work_speed_kph")
    kph = df["distance_km"] / ((df["arrival_s"] - df["departure_s"]) / 3600)
    work = df.groupby("vehicle_id").apply(lambda t: t.iloc[1:-1], include_groups=False)
    assert np.isclose(kph, speed).sum() >= len(work) - 2 * 5  # all but the depot legs of shift 2
    shifts = {
        dd.demand_param("sanitation_shift1_start_h") * 3600,
        dd.demand_param("sanitation_shift2_start_h") * 3600,
    }
    assert set(df["departure_s"].round(6)) >= shifts


def test_depot_legs_use_shortest_road_paths(net) -> None:
    df = demand.generate("beijing-delivery", net, seed=SEED, size=3)
    first = df.groupby("vehicle_id").head(1)
    o, _ = net.nearest_nodes(first["origin_lon"].to_numpy(), first["origin_lat"].to_numpy())
    d, _ = net.nearest_nodes(
        first["destination_lon"].to_numpy(), first["destination_lat"].to_numpy()
    )
    length_m = net.shortest(o, d, weight="length")[np.arange(len(o)), np.arange(len(o))]
    time_s = net.shortest(o, d, weight="time")[np.arange(len(o)), np.arange(len(o))]
    np.testing.assert_allclose(first["distance_km"].to_numpy(), length_m / 1000)
    np.testing.assert_allclose((first["arrival_s"] - first["departure_s"]).to_numpy(), time_s)


def test_delivery_dwell_and_payload(net) -> None:
    df = demand.generate("beijing-delivery", net, seed=SEED, size=4)
    dwell = dd.demand_param("delivery_dwell_min") * 60
    for _, t in df.groupby("vehicle_id"):
        gaps = t["departure_s"].to_numpy()[1:] - t["arrival_s"].to_numpy()[:-1]
        np.testing.assert_allclose(gaps, dwell)
        assert len(t) == dd.demand_param("delivery_stops_per_tour") + 1
    assert (df["payload_t"] == dd.demand_param("delivery_payload_t")).all()
    assert df["departure_s"].min() == dd.demand_param("delivery_start_h") * 3600


def test_fleets_of_one_seed_use_different_depots(net) -> None:
    san = dd.depot_stations(demand.generate("beijing-sanitation", net, seed=SEED, size=10))
    dlv = dd.depot_stations(demand.generate("beijing-delivery", net, seed=SEED, size=10))
    assert (san["lon"].iloc[0], san["lat"].iloc[0]) != (dlv["lon"].iloc[0], dlv["lat"].iloc[0])


# ---------------------------------------------------------------- default scenario
def test_default_scenario_loads_and_its_depots_have_stations(net) -> None:
    from fleetopt.inputs.scenario import read_scenario

    path = dd.default_scenario_path()
    assert path == settings.DATA_DIR / "scenarios" / "beijing-default.toml"
    sc = read_scenario(path)
    assert sc.network == "beijing-central-2024"
    gens = {f.generator: f for f in sc.fleets}
    assert set(gens) == set(dd.KINDS)
    stations = sc.stations.set_index("id")
    public = stations[stations["kind"] == "public"]
    assert 50 < len(public) < 711
    assert set(public.index) <= set(dd.public_dc_stations()["id"])
    for kind, fleet in gens.items():
        if kind == "beijing-taxi":
            continue
        trips = demand.generate(kind, net, seed=sc.seed, size=fleet.size)
        assert trips["vehicle_id"].nunique() == fleet.size
        missing = set(trips["depot"]) - set(stations.index)
        assert not missing, (
            f"depots without a station: rerun demand/build_default_scenario.py ({missing})"
        )
        first = trips.groupby("vehicle_id").head(1)
        at = stations.loc[first["depot"]]
        d = haversine_m(
            first["origin_lon"].to_numpy(),
            first["origin_lat"].to_numpy(),
            at["lon"].to_numpy(),
            at["lat"].to_numpy(),
        )
        assert d.max() < 100  # CONTRACT §4: within 100 m the vehicle is *at* the station


def test_full_city_blocks_need_about_the_published_fleet() -> None:
    """Validation, not calibration: timetabling every route of the city and chaining FIFO needs
    about the 20,000 buses Beijing runs per workday, and drives about its 3.5 million km/day."""
    import heapq

    plan = dd.bus_plan()
    rng = np.random.default_rng(0)
    peaks = dd.peak_windows_s()
    speed = dd.demand_param("bus_operating_speed_kph")
    layover = dd.demand_param("bus_min_layover_min") * 60
    vehicles, km = 0, 0.0
    for r in plan.itertuples(index=False):
        run_s = r.shape_km / speed * 3600
        trips = sorted(
            [
                (t, 0)
                for t in demand_bus._departures(
                    demand_bus._parse_windows(r.service_ab),
                    r.headway_offpeak_s,
                    r.headway_peak_s,
                    peaks,
                    rng,
                )
            ]
            + [
                (t, 1)
                for t in demand_bus._departures(
                    demand_bus._parse_windows(r.service_ba),
                    r.headway_offpeak_s,
                    r.headway_peak_s,
                    peaks,
                    rng,
                )
            ]
        )
        free: dict[int, list[float]] = {0: [], 1: []}
        for dep, d in trips:
            if free[d] and free[d][0] <= dep:
                heapq.heappop(free[d])
            else:
                vehicles += 1
            heapq.heappush(free[1 - d], dep + run_s + layover)
        km += len(trips) * r.shape_km
    assert vehicles == pytest.approx(dd.demand_param("buses_in_service_city"), rel=0.10)
    assert km == pytest.approx(
        3.5e6, rel=0.15
    )  # 2019: 3.5 million km/day (Beijing Daily 2021-06-09)


def test_example_files_are_the_default_sample_and_pass_the_real_readers(tmp_path: Path) -> None:
    """GIVEN the default sample written as CONTRACT files WHEN read back and validated THEN
    same trips (to the second), no problems, identical to the files in demand/beijing/."""
    sys.path.insert(0, str(REPO / "demand"))
    try:
        import build_example_files
    finally:
        sys.path.pop(0)
    from fleetopt.inputs.schedules import read_requests, read_trips
    from fleetopt.inputs.validate import validate_file

    written = build_example_files.main(tmp_path)
    assert len(written) == 4
    for path in written:
        assert path.read_bytes() == (REPO / "demand" / "beijing" / path.name).read_bytes()
        report = validate_file(path)
        assert report["valid"], report["errors"][:3]
        assert not report["errors"]
        if "requests" in path.name:
            back = read_requests(path)
            assert len(back) == 2890
            continue
        back = read_trips(path)
        kind = path.name.split("_")[2]
        gen = demand.generate(
            f"beijing-{kind}",
            "beijing-central-2024",
            seed=2024,
            size=int(back["vehicle_id"].nunique()),
        )
        assert len(back) == len(gen)
        back = back.sort_values(["vehicle_id", "departure_s", "trip_id"]).reset_index(drop=True)
        assert list(back["trip_id"]) == list(gen["trip_id"])
        np.testing.assert_allclose(back["departure_s"], gen["departure_s"], atol=0.5)
        np.testing.assert_allclose(back["origin_lon"], gen["origin_lon"], atol=1e-7)
        np.testing.assert_allclose(back["distance_km"], gen["distance_km"], atol=1e-6)
        assert list(back["depot"]) == list(gen["depot"])


@pytest.mark.parametrize(
    ("window_h", "expected"),
    [
        ((10, 12), 12),  # off-peak only: 7200 s / 600 s
        ((7, 9), 24),  # peak only: 7200 s / 300 s
        ((8, 10), 18),  # 3600/300 + 3600/600
        ((16, 20), 6 + 24 + 6),  # off 16-17, peak 17-19, off 19-20
    ],
)
def test_departures_follow_the_headways_exactly(window_h: tuple[int, int], expected: int) -> None:
    """Hand-computed: departures = integral of 1/headway over the window (one random phase)."""
    peaks = [(7 * 3600, 9 * 3600), (17 * 3600, 19 * 3600)]
    window = [(window_h[0] * 3600.0, window_h[1] * 3600.0)]
    for seed in range(5):
        rng = np.random.default_rng(seed)
        deps = np.array(demand_bus._departures(window, 600.0, 300.0, peaks, rng))
        assert len(deps) == expected
        assert np.all(np.diff(deps) > 0)
        assert deps[0] >= window[0][0]
        assert deps[-1] < window[0][1]
        gaps = np.diff(deps)
        in_peak = np.array([any(a <= t < b for a, b in peaks) for t in deps[:-1]])
        nxt_peak = np.array([any(a <= t < b for a, b in peaks) for t in deps[1:]])
        np.testing.assert_allclose(gaps[in_peak & nxt_peak], 300.0)
        np.testing.assert_allclose(gaps[~in_peak & ~nxt_peak], 600.0)


def test_service_past_midnight_keeps_running() -> None:
    """A 05:00-24:30 window (hours past 24, GTFS style) runs to 24:30 at off-peak headway."""
    deps = demand_bus._departures(
        [(5 * 3600.0, 24.5 * 3600)], 600.0, 300.0, dd.peak_windows_s(), np.random.default_rng(1)
    )
    assert deps[-1] > 24 * 3600
    assert deps[-1] < 24.5 * 3600
