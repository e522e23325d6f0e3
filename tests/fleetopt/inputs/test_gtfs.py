"""GTFS reader: Google's sample feed, service days, frequencies, blocks, min-vehicle chaining."""

from __future__ import annotations

import io
import itertools
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from fleetopt.domain.blocks import (
    block_clashes,
    chain_arcs,
    chain_vehicles,
    parse_gtfs_trips,
    read_gtfs_trips,
    solve_chain,
)
from fleetopt.errors import InputError
from fleetopt.inputs import gtfs
from fleetopt.inputs.gtfs import check_gtfs
from fleetopt.inputs.schedules import TRIP_COLUMNS

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "inputs" / "gtfs_google_sample"


def feed_bytes(
    folder: Path = SAMPLE, replace: dict[str, str | None] | None = None, prefix: str = ""
) -> bytes:
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}
    for k, v in (replace or {}).items():
        if v is None:
            files.pop(k, None)
        else:
            files[k] = v
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in files.items():
            zf.writestr(prefix + k, v)
    return buf.getvalue()


def test_google_sample_feed_busiest_day_with_frequencies_and_blocks() -> None:
    """GIVEN Google's example feed WHEN read without a date THEN the busiest of the first
    seven days (Saturday 2007-01-06: FULLW + WE) is taken, frequency trips are expanded and
    block_id trips share a vehicle."""
    df = parse_gtfs_trips(feed_bytes(), name="sample.zip")
    assert list(df.columns) == [*TRIP_COLUMNS, "row"]
    assert df.attrs["gtfs"]["service_date"] == "2007-01-06"
    # 8 timed trips + STBA 6:00-22:00 every 30 min (32) + CITY1/CITY2 (4 + 12 + 12 + 18 + 6 = 52
    # each)
    assert len(df) == 8 + 32 + 2 * 52
    assert set(df.loc[df["vehicle_id"] == "1", "trip_id"]) == {"AB1", "BFC1"}
    assert set(df.loc[df["vehicle_id"] == "2", "trip_id"]) == {"AB2", "BFC2"}
    ab1 = df.set_index("trip_id").loc["AB1"]
    assert (ab1["departure_s"], ab1["arrival_s"]) == (8 * 3600, 8 * 3600 + 10 * 60)
    assert (ab1["origin_lon"], ab1["origin_lat"]) == (-116.784582, 36.868446)  # BEATTY_AIRPORT
    assert (ab1["destination_lon"], ab1["destination_lat"]) == (-116.81797, 36.88108)  # BULLFROG
    assert ab1["row"] == 2
    city = df[df["trip_id"].str.startswith("CITY1@")].sort_values("departure_s")
    assert city["departure_s"].iloc[:5].tolist() == [6 * 3600 + k * 1800 for k in range(4)] + [
        8 * 3600
    ]
    assert (city["arrival_s"] - city["departure_s"]).unique().tolist() == [
        26 * 60
    ]  # 6:00 STAGECOACH -> 6:26 EMSI
    # no vehicle runs two trips at once
    for _, g in df.groupby("vehicle_id"):
        g = g.sort_values("departure_s")
        assert (g["departure_s"].to_numpy()[1:] >= g["arrival_s"].to_numpy()[:-1]).all()


def test_calendar_dates_remove_a_service() -> None:
    """GIVEN 2007-06-04, a Monday on which FULLW is removed WHEN read THEN no trip runs."""
    df = parse_gtfs_trips(feed_bytes(), name="s.zip", service_date="2007-06-04")
    assert len(df) == 0


def test_weekday_has_no_weekend_trips() -> None:
    df = parse_gtfs_trips(feed_bytes(), name="s.zip", service_date="20070102")
    assert not df["trip_id"].str.startswith("AAMV").any()
    assert len(df) == 4 + 32 + 2 * 52


def test_feed_inside_one_folder_is_read() -> None:
    df = parse_gtfs_trips(
        feed_bytes(prefix="google_transit/"), name="s.zip", service_date="20070102"
    )
    assert len(df) == 140


def test_missing_member_and_bad_rows_are_located() -> None:
    bad_times = (
        (SAMPLE / "stop_times.txt")
        .read_text(encoding="utf-8")
        .replace("AB1,8:10:00,8:15:00,BULLFROG", "AB1,8:61:00,8:15:00,NOWHERE")
    )
    data = feed_bytes(replace={"stops.txt": None, "stop_times.txt": bad_times})
    errors, _ = check_gtfs(data, name="f.zip")
    assert [str(p) for p in errors] == ["f.zip: the feed has no stops.txt"]
    errors, _ = check_gtfs(feed_bytes(replace={"stop_times.txt": bad_times}), name="f.zip")
    located = {(p.file, p.row, p.column) for p in errors}
    assert ("f.zip/stop_times.txt", 15, "arrival_time") in located
    assert ("f.zip/stop_times.txt", 15, "stop_id") in located
    with pytest.raises(InputError):
        parse_gtfs_trips(feed_bytes(replace={"stop_times.txt": bad_times}), name="f.zip")


def test_not_a_zip_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "feed.zip"
    p.write_text("<html><body>Not found</body></html>")
    with pytest.raises(InputError, match="HTML"):
        read_gtfs_trips(p)


# -- chaining ------------------------------------------------------------------------------------


def test_chain_hand_computed() -> None:
    """GIVEN four trips A(0-10) B(5-15) C(12-20) D(16-30) between two stops, deadhead 0 at the
    same stop and 3 between WHEN chained THEN 2 vehicles: A->C? A ends at stop 1, C starts at
    stop 1 (wait 2) and B->D (B ends stop 0, D starts stop 0, wait 1)."""
    dep = np.array([0, 5, 12, 16.0])
    arr = np.array([10, 15, 20, 30.0])
    start_stop = np.array([0, 1, 1, 0])
    end_stop = np.array([1, 0, 0, 1])
    dh = np.where(end_stop[:, None] == start_stop[None, :], 0.0, 3.0)
    veh, info = chain_vehicles(dep, arr, dh)
    assert info["vehicles"] == 2
    assert veh[0] == veh[2]
    assert veh[1] == veh[3]
    assert veh[0] != veh[1]
    assert info["deadhead_s"] == 0.0


def test_chain_prefers_less_deadhead_at_equal_vehicle_count() -> None:
    """GIVEN one trip that can be followed by either of two trips (deadhead 50 or 5) and a
    third vehicle needed anyway WHEN chained THEN the 5 s link is used."""
    dep = np.array([0, 100, 100.0])
    arr = np.array([10, 200, 200.0])
    dh = np.array([[np.inf, 50, 5], [np.inf, np.inf, np.inf], [np.inf, np.inf, np.inf]])
    veh, info = chain_vehicles(dep, arr, dh)
    assert info["vehicles"] == 2
    assert veh[0] == veh[2]
    assert info["deadhead_s"] == 5.0


def test_chain_depot_pull_out_breaks_ties() -> None:
    dep = np.array([0, 100.0])
    arr = np.array([10, 200.0])
    dh = np.array([[np.inf, 500.0], [np.inf, np.inf]])  # infeasible link (wait 90 < 500)
    _veh, info = chain_vehicles(
        dep, arr, dh, pull_out_s=np.array([60, 70.0]), pull_in_s=np.array([5, 6.0])
    )
    assert info["vehicles"] == 2
    assert info["pull_s"] == 60 + 70 + 5 + 6


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=18), st.integers(min_value=0, max_value=10_000))
def test_chain_uses_the_minimum_number_of_vehicles(n: int, seed: int) -> None:
    """GIVEN random trips WHEN chained THEN the vehicle count equals n minus a maximum
    bipartite matching (minimum path cover, computed independently with scipy), and the
    deadhead total equals the assignment optimum for that many links."""
    rng = np.random.default_rng(seed)
    dep = np.sort(rng.uniform(0, 3600 * 6, n)).round()
    arr = dep + rng.uniform(600, 3600, n).round()
    stops = rng.integers(0, 4, size=(n, 2))
    pos = rng.uniform(0, 3000, size=(4,))
    dh = np.abs(pos[stops[:, 1]][:, None] - pos[stops[:, 0]][None, :]).round()
    veh, info = chain_vehicles(dep, arr, dh)
    ok = dep[None, :] - arr[:, None] >= dh
    np.fill_diagonal(ok, False)
    match = maximum_bipartite_matching(csr_matrix(ok.astype(np.int8)), perm_type="column")
    links = int((match >= 0).sum())
    assert info["vehicles"] == n - links
    # chains are consistent: each vehicle's trips are feasible in sequence
    for v in np.unique(veh):
        idx = np.flatnonzero(veh == v)
        idx = idx[np.argsort(dep[idx])]
        for a, b in itertools.pairwise(idx):
            assert ok[a, b]
    # total deadhead is minimal among chainings with the minimum vehicle count
    if links:
        big = 1e9
        cost = np.where(ok, dh, big)
        # add n - links dummy "no successor" columns of cost 0: exactly `links` real links
        pad = np.hstack([cost, np.full((n, n - links), 0.0)])
        pad = np.vstack(
            [pad, np.hstack([np.full((n - links, n), 0.0), np.full((n - links, n - links), big)])]
        )
        r, c = linear_sum_assignment(pad)
        best = pad[r, c].sum()
        assert best < big
        assert info["deadhead_s"] == pytest.approx(best)


def test_generated_line10_feed_chains_into_three_buses_on_the_road_graph() -> None:
    """GIVEN line 10's timetable (3 buses, 45 min trips, 10 min layover, up to 3 trips under
    way at once) as GTFS without block_id WHEN chained on the beijing-central-2024 graph with
    a depot at 南菜园 THEN exactly 3 vehicles with zero deadhead between trips (each bus
    continues from the terminal it reached), the chains start at the depot."""
    import pandas as pd

    from fleetopt.inputs.road_graph import haversine_m, load_network

    net = load_network("beijing-central-2024")
    depots = pd.DataFrame({"id": ["南菜园场站"], "lon": [116.3533634], "lat": [39.875288]})
    data = feed_bytes(SAMPLE.parent / "generated_gtfs_line10")
    df = parse_gtfs_trips(data, name="line10.zip", network=net, depots=depots, powertrain="bev")
    info = df.attrs["gtfs"]
    assert info["service_date"] == "2024-01-01"
    assert len(df) == 62
    assert info["vehicles"] == 3
    assert info["chain"]["deadhead_s"] == 0.0
    assert info["chain"]["pull_s"] > 0  # pull-in from 航天桥东 costs road time
    assert set(df["depot"]) == {"南菜园场站"}
    assert set(df["powertrain"]) == {"bev"}
    straight_km = float(haversine_m(116.3533634, 39.875288, 116.3065202, 39.9312346)) / 1000
    assert (df["distance_km"] > straight_km).all()
    # the shape (shortest road path) is close to the line length Beijing Public Transport
    # publishes for line 10: 11.0 km (bjbus_lines_2024.csv)
    assert df["distance_km"].between(0.9 * 11.0, 1.1 * 11.0).all()
    # trips in the published blocks share a vehicle (bus k ran trips 10-k-NN)
    df["bus"] = df["trip_id"].str.split("-").str[1]
    assert df.groupby("bus")["vehicle_id"].nunique().eq(1).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=25), st.integers(min_value=0, max_value=10_000))
def test_windowed_links_give_the_same_chaining_as_the_full_matrix(n: int, seed: int) -> None:
    """GIVEN random trips between 5 stops, some of zero duration at the same instant WHEN
    links are built by binary search (chain_arcs) THEN the same vehicle count and deadhead
    as the n x n matrix, and never a cycle."""
    rng = np.random.default_rng(seed)
    dep = np.sort(rng.integers(0, 8, n) * 900.0)
    arr = dep + rng.integers(0, 3, n) * 900.0  # zero-duration trips included
    start, end = rng.integers(0, 5, n), rng.integers(0, 5, n)
    pos = rng.uniform(0, 4000, 5)
    stop_dh = np.abs(pos[:, None] - pos[None, :]).round()
    full, info_full = chain_vehicles(dep, arr, stop_dh[end][:, start], max_layover_s=3600)
    ii, jj, dh = chain_arcs(dep, arr, end, start, stop_dh, max_layover_s=3600)
    win, info_win = solve_chain(dep, ii, jj, dh, None, None)
    assert info_win["vehicles"] == info_full["vehicles"]
    assert info_win["deadhead_s"] == pytest.approx(info_full["deadhead_s"])
    assert (win >= 0).all()
    assert (full >= 0).all()


def test_chain_scope_route_keeps_lines_apart() -> None:
    by_route = parse_gtfs_trips(feed_bytes(), name="s.zip", service_date="2007-01-06")
    whole = parse_gtfs_trips(
        feed_bytes(), name="s.zip", service_date="2007-01-06", chain_scope="feed"
    )
    assert by_route.attrs["gtfs"]["chain"]["groups"] == 3  # STBA, CITY, AAMV have no block_id
    for vid, g in by_route[by_route["vehicle_id"].str.startswith("chain-")].groupby("vehicle_id"):
        assert g["trip_id"].str.extract(r"^([A-Z]+?)\d*(?:@|$)")[0].nunique() == 1, vid
    # interlining can only save vehicles
    assert whole.attrs["gtfs"]["chained_vehicles"] <= by_route.attrs["gtfs"]["chained_vehicles"]


def test_unreadable_calendar_dates_are_located_not_a_crash() -> None:
    """Found by the fuzz job: a bad date in calendar_dates.txt became NaT (a datetime subclass)
    and crashed the busiest-day choice. It must be a located error."""
    bad = "service_id,date,exception_type\nFULLW,2007O604,2\n"
    errors, _ = check_gtfs(feed_bytes(replace={"calendar_dates.txt": bad}), name="f.zip")
    assert [(p.file, p.row, p.column) for p in errors] == [("f.zip/calendar_dates.txt", 2, "date")]
    assert errors[0].message == "'2007O604' is not a date; GTFS dates are YYYYMMDD"


@pytest.mark.parametrize(
    ("headway", "row_problem"),
    [
        ("0", "headway_secs is 0; it must be >= 1"),
        ("0.001", "headway_secs is 0.001; it must be >= 1"),
        (
            "1",
            ("headway_secs 1 from 21600 s to 79200 s gives 57,600 trips; at most 2,880 per row "
             "(gtfs_blocking.csv max_trips_per_frequency_row)"),
        ),
    ],
)
def test_absurd_headways_are_located_not_a_crash(headway: str, row_problem: str) -> None:
    """Found by the fuzz job: a zero or tiny headway crashed the frequency expansion (division
    by zero, or an array too large to allocate)."""
    freq = "trip_id,start_time,end_time,headway_secs\nSTBA,6:00:00,22:00:00," + headway + "\n"
    errors, _ = check_gtfs(feed_bytes(replace={"frequencies.txt": freq}), name="f.zip")
    assert [(p.file, p.row, p.column, p.message) for p in errors] == [
        ("f.zip/frequencies.txt", 2, "headway_secs", row_problem)
    ]


def test_too_many_links_is_a_located_feed_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a lowered link limit (the real chaining runs; only the table value is lowered)
    WHEN a frequency-expanded route exceeds it THEN a located feed-level InputError."""
    from fleetopt import defaults

    real = defaults.value

    def lowered(table: str, name: str, **keys: str) -> float:
        return 1000.0 if name == "max_arcs" else real(table, name, **keys)

    monkeypatch.setattr(defaults, "value", lowered)
    freq = "trip_id,start_time,end_time,headway_secs\nSTBA,0:00:00,24:00:00,30\n"
    with pytest.raises(InputError) as info:
        parse_gtfs_trips(
            feed_bytes(replace={"frequencies.txt": freq}), name="f.zip", service_date="20070102"
        )
    (p,) = info.value.problems
    assert p.file == "f.zip"
    assert p.message.startswith("chaining 2,880 trips would consider")
    assert p.message.endswith("(route 'STBA')")


def test_chaining_lives_in_the_domain_and_the_reader_only_calls_what_it_is_given() -> None:
    """The reader does not chain by itself (issue 13: chaining is domain logic, the reader sits
    below the domain): without ``chain`` every trip without a block_id is its own vehicle; the
    domain's reader passes :func:`fleetopt.domain.blocks.chain_trips` and gets fewer vehicles."""
    assert not hasattr(gtfs, "chain_vehicles")
    data = feed_bytes()
    plain = gtfs.parse_gtfs_trips(data, name="f.zip", service_date="20070102")
    chained = parse_gtfs_trips(data, name="f.zip", service_date="20070102")
    assert len(plain) == len(chained)
    free = ~plain["vehicle_id"].isin(chained["vehicle_id"])
    assert plain.loc[free, "vehicle_id"].str.startswith("trip-").all()
    assert plain["vehicle_id"].nunique() > chained["vehicle_id"].nunique()


def test_block_clashes_flag_overlapping_trips_of_one_vehicle_only() -> None:
    """GIVEN trips sorted by vehicle and departure THEN a trip departing before the previous
    trip of the same vehicle arrives is flagged; the same times on another vehicle are not."""
    v = np.array(["a", "a", "a", "b"], dtype=object)
    dep = np.array([0.0, 100.0, 300.0, 50.0])
    arr = np.array([200.0, 250.0, 400.0, 60.0])
    assert block_clashes(v, dep, arr).tolist() == [False, True, False, False]
