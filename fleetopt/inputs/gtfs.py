"""Read a GTFS feed (zip) into fleetopt trips, with vehicle blocks from ``block_id`` or chaining.

The feed's members are read and checked by :mod:`fleetopt.inputs._gtfs_feed`. Trips of
one service day become rows of the canonical trips table (CONTRACT §3). A trip with a
``block_id`` runs on the vehicle of that block; the others are chained into the fewest
vehicles that can run them by the ``chain`` function the caller passes
(:func:`fleetopt.domain.blocks.chain_trips`: a minimum-cost flow, vehicles first, then the
least deadhead time; :func:`fleetopt.domain.blocks.read_gtfs_trips` reads and chains). The
reader never imports the domain (the layers point one way). This module supplies the
deadheads: on the road graph when a network is given, else the straight line x
``detour_factor``, with pull-out and pull-in from the nearest depot when depots are given.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import defaults
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _checks, _encoding, _tabular
from fleetopt.inputs._gtfs_feed import (
    REQUIRED_MEMBERS,
    Feed,
    calendar_span,
    expand_frequencies,
    haversine_m,
    load_feed,
    outside_calendar,
    parse_date,
    service_ids,
    shape_lengths_km,
    trip_times,
)
from fleetopt.inputs.schedules import TRIP_COLUMNS, VEHICLE_TYPES
from fleetopt.powertrains import POWERTRAINS
from fleetopt.units import KPH_TO_MPS

logger = logging.getLogger(__name__)

__all__ = [
    "REQUIRED_MEMBERS",
    "calendar_span",
    "check_gtfs",
    "parse_gtfs_trips",
    "peak_in_service",
    "read_gtfs_trips",
    "service_day_problem",
    "stop_positions",
]


#: The chaining of trips without a ``block_id`` (:func:`fleetopt.domain.blocks.chain_trips`),
#: passed in by the caller: reading a feed is input work, chaining it is domain logic.
Chainer = Callable[..., tuple[np.ndarray, np.ndarray | None, dict[str, Any]]]


def peak_in_service(vehicle: np.ndarray, dep_s: np.ndarray, arr_s: np.ndarray) -> int:
    """Return the most vehicles in service at once.

    A vehicle is out from its first departure to its last arrival of the day; blocks
    never all run at the same time, so this is at most the number of blocks.

    Parameters
    ----------
    vehicle : numpy.ndarray
        Vehicle (block) of each trip.
    dep_s, arr_s : numpy.ndarray
        Departure and arrival of each trip [s].

    Returns
    -------
    int
        Peak number of vehicles between their first departure and last arrival; a
        pull-in at the same second as another's pull-out does not overlap it.
    """
    if len(vehicle) == 0:
        return 0
    frame = pd.DataFrame({"v": vehicle, "d": dep_s, "a": arr_s})
    span = frame.groupby("v").agg(d=("d", "min"), a=("a", "max"))
    times = np.concatenate([span["d"].to_numpy(), span["a"].to_numpy()])
    delta = np.concatenate([np.ones(len(span)), -np.ones(len(span))])
    order = np.lexsort((delta, times))  # at equal times, a pull-in comes before a pull-out
    return int(np.max(np.cumsum(delta[order])))


def block_clashes(vehicle: np.ndarray, dep_s: np.ndarray, arr_s: np.ndarray) -> np.ndarray:
    """Flag trips that start before the previous trip of the same block has ended.

    Parameters
    ----------
    vehicle, dep_s, arr_s : numpy.ndarray
        Trips sorted by vehicle, then departure [s].

    Returns
    -------
    numpy.ndarray of bool
        True for trip ``k`` when trip ``k - 1`` is on the same vehicle and arrives after
        trip ``k`` departs.
    """
    clash = np.zeros(len(vehicle), dtype=bool)
    clash[1:] = (vehicle[1:] == vehicle[:-1]) & (dep_s[1:] < arr_s[:-1])
    return clash



def _network_box(network: Any) -> tuple[float, float, float, float] | None:
    """Return the road network's (lon_min, lat_min, lon_max, lat_max) [deg], 0.05 deg margin."""
    if network is None or not hasattr(network, "lon") or len(network.lon) == 0:
        return None
    m = 0.05
    return (float(np.min(network.lon)) - m, float(np.min(network.lat)) - m,
            float(np.max(network.lon)) + m, float(np.max(network.lat)) + m)


def stop_positions(path: str | Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return the feed's stops (stop_id, lon, lat, row) and, per stop, the trips ending there.

    Reads stops.txt and stop_times.txt only; a trip counts once at its first and once at
    its last stop.
    """
    data = _encoding.read_limited(path)
    feed = load_feed(data, str(path), only=("stops.txt", "stop_times.txt"))
    stops = feed.tables.get("stops.txt")
    if stops is None:
        return pd.DataFrame(columns=["stop_id", "lon", "lat", "row"]), {}
    out = pd.DataFrame({
        "stop_id": stops["stop_id"].str.strip(),
        "lon": pd.to_numeric(stops["stop_lon"], errors="coerce"),
        "lat": pd.to_numeric(stops["stop_lat"], errors="coerce"),
        "row": stops[_tabular.ROW].astype(int),
    }).dropna(subset=["lon", "lat"])
    counts: dict[str, int] = {}
    st = feed.stop_times
    if st is not None and st.rows.size:
        keep = np.isfinite(st.seq)
        trip, stop, seq = st.trip[keep], st.stop[keep], st.seq[keep]
        order = np.lexsort((seq, trip))
        trip, stop = trip[order], stop[order]
        is_first = np.ones(trip.size, dtype=bool)
        is_first[1:] = trip[1:] != trip[:-1]
        is_last = np.ones(trip.size, dtype=bool)
        is_last[:-1] = trip[1:] != trip[:-1]
        ends = np.concatenate([stop[is_first], stop[is_last]])
        n_end = np.bincount(ends, minlength=len(st.stop_names))
        counts = {str(st.stop_names[k]): int(n_end[k]) for k in np.flatnonzero(n_end)}
    return out.reset_index(drop=True), counts


def service_day_problem(path: str | Path, service_date: dt.date | str) -> str | None:
    """Return why no trip of a feed runs on ``service_date`` (None when some does).

    Reads only ``calendar.txt``, ``calendar_dates.txt`` and the service ids of
    ``trips.txt``, so a scenario check stays fast on a million-row feed.
    """
    day = parse_date(service_date)
    assert day is not None
    data = _encoding.read_limited(path)
    feed = load_feed(data, str(path), only=("calendar.txt", "calendar_dates.txt", "trips.txt"))
    if feed.errors or ("calendar.txt" not in feed.tables
                       and "calendar_dates.txt" not in feed.tables):
        return None  # the feed's own check reports what is wrong with it
    active, _ = service_ids(feed, day)
    if active is None:
        return None
    trips = feed.tables.get("trips.txt")
    ids = set(trips["service_id"].str.strip()) if trips is not None else set()
    if active & ids or not outside_calendar(feed, day):
        return None  # inside the calendar: a day without service is the reader's warning
    return f"{day} ({day:%A}) is outside the feed's calendar; {calendar_span(feed)}"


def _stop_deadheads(
    lon: np.ndarray,
    lat: np.ndarray,
    ends: np.ndarray,
    starts: np.ndarray,
    network: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Travel times [s] between distinct end and start stops (road graph or estimate).

    Returns the matrix over distinct stops and, per trip, its row (end) and column (start).
    """
    u_end, inv_end = np.unique(ends, return_inverse=True)
    u_start, inv_start = np.unique(starts, return_inverse=True)
    if network is not None:
        node_end, _ = network.nearest_nodes(lon[u_end], lat[u_end])
        node_start, _ = network.nearest_nodes(lon[u_start], lat[u_start])
        small = network.shortest(node_end, node_start, weight="time")
    else:
        detour = defaults.value("gtfs_blocking", "detour_factor")
        speed_mps = defaults.value("road_speeds", "fallback") * KPH_TO_MPS
        dist = haversine_m(
            lon[u_end][:, None], lat[u_end][:, None], lon[u_start][None, :], lat[u_start][None, :]
        )
        small = dist * detour / speed_mps
    small = np.where(u_end[:, None] == u_start[None, :], 0.0, small)
    return small, inv_end, inv_start


def _depot_times(
    lon: np.ndarray,
    lat: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    depots: pd.DataFrame,
    network: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pull-out/pull-in times to the nearest depot [s] and that depot's position per trip."""
    dlon = depots["lon"].to_numpy(dtype=float)
    dlat = depots["lat"].to_numpy(dtype=float)
    if network is not None:
        dn, _ = network.nearest_nodes(dlon, dlat)
        sn, _ = network.nearest_nodes(lon[first], lat[first])
        en, _ = network.nearest_nodes(lon[last], lat[last])
        out_m = network.shortest(dn, sn, weight="time").T  # trips x depots
        in_m = network.shortest(en, dn, weight="time")
    else:
        detour = defaults.value("gtfs_blocking", "detour_factor")
        speed_mps = defaults.value("road_speeds", "fallback") * KPH_TO_MPS
        out_m = haversine_m(lon[first][:, None], lat[first][:, None], dlon[None, :], dlat[None, :])
        in_m = haversine_m(lon[last][:, None], lat[last][:, None], dlon[None, :], dlat[None, :])
        out_m, in_m = out_m * detour / speed_mps, in_m * detour / speed_mps
    best = np.argmin(out_m, axis=1)
    return out_m.min(axis=1), in_m.min(axis=1), best


def _gtfs(
    data: bytes,
    label: str,
    *,
    network: Any = None,
    service_date: dt.date | str | None = None,
    vehicle_type: str = "bus",
    powertrain: str = "diesel",
    depots: pd.DataFrame | None = None,
    chain: Chainer | None = None,
    chain_scope: str = "route",
) -> tuple[pd.DataFrame, Feed, dict[str, Any]]:
    if vehicle_type not in VEHICLE_TYPES:
        msg = f"unknown vehicle_type {vehicle_type!r}; valid values: {', '.join(VEHICLE_TYPES)}"
        raise InputError(msg, [Problem(msg, column="vehicle_type")])
    if powertrain not in POWERTRAINS:
        msg = f"unknown powertrain {powertrain!r}; valid values: {', '.join(POWERTRAINS)}"
        raise InputError(msg, [Problem(msg, column="powertrain")])
    if chain_scope not in ("route", "feed"):
        msg = f"unknown chain_scope {chain_scope!r}; valid values: route, feed"
        raise InputError(msg, [Problem(msg, column="chain_scope")])
    day = parse_date(service_date)
    feed = load_feed(data, label)
    empty = pd.DataFrame(columns=[*TRIP_COLUMNS, "row"])
    info: dict[str, Any] = {
        "service_date": None,
        "vehicles": 0,
        "blocks_from_block_id": 0,
        "chained_vehicles": 0,
    }
    if not all(feed.has(m) for m in REQUIRED_MEMBERS):
        return empty, feed, info

    stops = feed.tables["stops.txt"]
    rep = feed.report("stops.txt")
    srows = stops[_tabular.ROW].to_numpy()
    slat = _checks.parse_number(stops["stop_lat"], srows, "stop_lat", rep, required=False)
    slon = _checks.parse_number(stops["stop_lon"], srows, "stop_lon", rep, required=False)
    region = _network_box(network)
    _checks.check_coordinates(
        slon, slat, srows, "stop_lon", "stop_lat", rep,
        region=region, region_name="the road network" if region else "Beijing",
    )
    sids = stops["stop_id"].str.strip()
    _checks.check_unique(sids, srows, "stop_id", rep)
    feed.absorb(rep)
    stop_pos = {s: i for i, s in enumerate(sids.to_numpy()) if s not in ("",)}

    trips_raw = feed.tables["trips.txt"]
    rep = feed.report("trips.txt")
    trows = trips_raw[_tabular.ROW].to_numpy()
    tids = _checks.parse_text(trips_raw["trip_id"], trows, "trip_id", rep, required=True)
    _checks.check_unique(tids, trows, "trip_id", rep)
    feed.absorb(rep)
    times = trip_times(feed, stop_pos)

    trips = pd.DataFrame(
        {
            "trip_id": tids.to_numpy(),
            "service_id": trips_raw["service_id"].str.strip().to_numpy(),
            "route_id": trips_raw["route_id"].str.strip().to_numpy(),
            "block_id": (
                trips_raw["block_id"].str.strip().to_numpy()
                if "block_id" in trips_raw.columns
                else np.full(len(trips_raw), "", dtype=object)
            ),
            "shape_id": (
                trips_raw["shape_id"].str.strip().to_numpy()
                if "shape_id" in trips_raw.columns
                else np.full(len(trips_raw), "", dtype=object)
            ),
            "row": trows,
        }
    ).drop_duplicates("trip_id", keep="first")
    no_times = ~trips["trip_id"].isin(times.index).to_numpy()
    rep = feed.report("trips.txt")
    rep.rows(
        no_times,
        trips["row"].to_numpy(),
        "trip_id",
        "the trip has no stop_times; it is skipped",
        warning=True,
    )
    feed.absorb(rep)
    trips = trips[~no_times].join(times, on="trip_id")
    incomplete = ~(
        np.isfinite(trips["departure_s"].to_numpy()) & np.isfinite(trips["arrival_s"].to_numpy())
    )
    rep = feed.report("stop_times.txt")
    rep.rows(
        incomplete,
        trips["first_row"].to_numpy(),
        "departure_time",
        "the first stop needs a departure time and the last stop an arrival time",
    )
    feed.absorb(rep)
    trips = trips[~incomplete]

    active, used_day = service_ids(feed, day)
    info["service_date"] = used_day.isoformat() if used_day else None
    info["service_date_chosen"] = "given" if day is not None else "busiest of the first 7 days"
    if active is not None:
        trips = trips[trips["service_id"].isin(active)]
        if trips.empty and not feed.errors:
            msg = f"no trip runs on {used_day} ({used_day:%A}); {calendar_span(feed)}"
            if day is not None and outside_calendar(feed, day):
                # a day outside the feed: a located error, never 0 trips with exit 0
                feed.errors.append(Problem(msg, column="date", file=f"{label}/calendar.txt"))
            else:
                feed.warnings.append(Problem(msg, file=f"{label}/calendar.txt"))
    trips = expand_frequencies(feed, trips.reset_index(drop=True))
    if feed.errors or trips.empty:
        return empty, feed, info

    lon = np.where(np.isfinite(slon), slon, np.nan)
    lat = np.where(np.isfinite(slat), slat, np.nan)
    first = trips["first_stop"].to_numpy(dtype=np.int64)
    last = trips["last_stop"].to_numpy(dtype=np.int64)
    lengths = shape_lengths_km(feed)
    dist = np.array([lengths.get(s, np.nan) for s in trips["shape_id"]], dtype=float)

    vehicle = trips["block_id"].astype(str).to_numpy(dtype=object)
    free = vehicle == ""
    info["blocks_from_block_id"] = len(set(vehicle[~free]))
    depot_name = np.full(len(trips), "", dtype=object)
    pull_out = pull_in = None
    if depots is not None and len(depots):
        pull_out, pull_in, best = _depot_times(lon, lat, first, last, depots, network)
        depot_name = depots["id"].astype(str).to_numpy()[best]
    if free.any() and chain is not None:
        sub = np.flatnonzero(free)

        def deadheads(
            ends: np.ndarray, starts: np.ndarray
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            return _stop_deadheads(lon, lat, ends, starts, network)

        try:
            names, depot_sub, totals = chain(
                trips["departure_s"].to_numpy()[sub],
                trips["arrival_s"].to_numpy()[sub],
                first[sub],
                last[sub],
                trips["route_id"].to_numpy()[sub] if chain_scope == "route" else None,
                deadheads,
                pull_out_s=None if pull_out is None else pull_out[sub],
                pull_in_s=None if pull_in is None else pull_in[sub],
                depot=depot_name[sub] if pull_out is not None else None,
                taken=set(vehicle[~free]),
            )
        except InputError as exc:
            problems = [Problem(p.message, file=label) for p in exc.problems or []]
            raise InputError(exc.message, problems) from None
        vehicle[sub] = names
        if depot_sub is not None:
            depot_name[sub] = depot_sub
        info["chained_vehicles"] = totals["vehicles"]
        info["chain"] = totals
    elif free.any():
        vehicle[free] = [f"trip-{t}" for t in trips["trip_id"].to_numpy()[free]]
    out = pd.DataFrame(
        {
            "vehicle_id": vehicle.astype(str),
            "vehicle_type": vehicle_type,
            "powertrain": powertrain,
            "trip_id": trips["trip_id"].astype(str).to_numpy(),
            "departure_s": trips["departure_s"].to_numpy(dtype=float),
            "arrival_s": trips["arrival_s"].to_numpy(dtype=float),
            "origin_lon": lon[first],
            "origin_lat": lat[first],
            "destination_lon": lon[last],
            "destination_lat": lat[last],
            "distance_km": dist,
            "depot": depot_name.astype(str),
            "passengers": np.nan,
            "payload_t": np.nan,
            "exempt": False,
            "row": trips["row"].to_numpy(dtype=np.int64),
        }
    )
    out = out.sort_values(["vehicle_id", "departure_s", "trip_id"], kind="stable").reset_index(
        drop=True
    )
    # a block (given or built) must not run two trips at once
    v = out["vehicle_id"].to_numpy()
    d = out["departure_s"].to_numpy()
    a = out["arrival_s"].to_numpy()
    clash = block_clashes(v, d, a)
    rep = feed.report("trips.txt")
    tid = out["trip_id"].to_numpy()
    rep.rows(
        clash,
        out["row"].to_numpy(),
        "block_id",
        lambda i: (
            f"trip {tid[i]!r} starts before trip {tid[i - 1]!r} of the same block {v[i]!r} ends"
        ),
    )
    feed.absorb(rep)
    info["vehicles"] = int(out["vehicle_id"].nunique())
    info["peak_vehicles_in_service"] = peak_in_service(
        out["vehicle_id"].to_numpy(), out["departure_s"].to_numpy(), out["arrival_s"].to_numpy()
    )
    return out[[*TRIP_COLUMNS, "row"]], feed, info


def parse_gtfs_trips(data: bytes, *, name: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Parse the bytes of a GTFS zip; see :func:`read_gtfs_trips` for the keywords."""
    label = name or "feed.zip"
    frame, feed, info = _gtfs(data, label, **kwargs)
    for w in feed.warnings:
        logger.warning("%s", w)
    if feed.errors:
        n = len(feed.errors)
        msg = f"the GTFS feed has {n} problem{'s' if n != 1 else ''}"
        raise InputError(msg, feed.errors)
    frame.attrs["gtfs"] = info
    if info.get("service_date"):
        # the chosen day is always said (stderr), with what 'vehicles' counts
        sys.stderr.write(
            f"note: GTFS {label}: service day {info['service_date']} "
            f"({info.get('service_date_chosen', 'given')}), {len(frame):,} trips; "
            f"{info['vehicles']:,} vehicles = distinct blocks ({info['blocks_from_block_id']:,} "
            f"from block_id, {info['chained_vehicles']:,} chained), at most "
            f"{info.get('peak_vehicles_in_service', 0):,} in service at once\n"
        )
    logger.info(
        "GTFS %s: %d trips on %s, %d vehicles (%d blocks from block_id, %d chained)",
        label,
        len(frame),
        info["service_date"],
        info["vehicles"],
        info["blocks_from_block_id"],
        info["chained_vehicles"],
    )
    return frame


def read_gtfs_trips(
    path: str | Path,
    *,
    network: Any = None,
    service_date: dt.date | str | None = None,
    vehicle_type: str = "bus",
    powertrain: str = "diesel",
    depots: pd.DataFrame | None = None,
    chain_scope: str = "route",
    name: str | None = None,
    chain: Chainer | None = None,
) -> pd.DataFrame:
    """Read a GTFS feed into canonical trips (CONTRACT §3), one service day, with vehicle blocks.

    Parameters
    ----------
    path : str or pathlib.Path
        GTFS zip archive.
    network : fleetopt.inputs.road_graph.RoadNetwork, optional
        Road network for deadhead times between trips (and to depots); without it
        deadheads are straight-line distance x ``detour_factor`` at the fallback road speed.
    service_date : datetime.date or str, optional
        Day to read (``YYYY-MM-DD`` or ``YYYYMMDD``); default: the day with the most trips
        among the first seven days of the feed's calendar.
    vehicle_type : str
        Vehicle type of every trip (``bus`` by default).
    powertrain : str
        Powertrain of every trip (``diesel`` by default: today's fleet before conversion).
    depots : pandas.DataFrame, optional
        Depots (columns ``id``, ``lon``, ``lat``); each chained vehicle starts at the depot
        nearest its first trip, and pull-out/pull-in times enter the chaining cost.
    chain_scope : {"route", "feed"}
        Chain trips without ``block_id`` within each ``route_id`` (default: a Beijing bus
        belongs to one line) or across the whole feed (interlining allowed).
    name : str, optional
        Name shown in messages instead of ``path``.
    chain : callable, optional
        How trips without a ``block_id`` become vehicles: :func:`fleetopt.domain.blocks.chain_trips`
        (what :func:`fleetopt.domain.blocks.read_gtfs_trips` passes). Without it each such trip
        is its own vehicle ``trip-<trip_id>``.

    Returns
    -------
    pandas.DataFrame
        Canonical trips; ``vehicle_id`` is the ``block_id`` where the feed has one, else
        ``chain-<route_id>-NNN`` (``chain-NNN`` with ``chain_scope="feed"``) from the
        minimum-vehicle chaining. ``distance_km`` is the length of
        the trip's shape when ``shapes.txt`` has it (else NaN: the road distance is used).
        ``attrs["gtfs"]`` holds the service date and the vehicle counts.

    Raises
    ------
    InputError
        Listing every problem found, each with file (``feed.zip/member.txt``), row and column.
    """
    label = name or str(path)
    data = _encoding.read_limited(path, name=label)
    return parse_gtfs_trips(
        data,
        name=label,
        network=network,
        service_date=service_date,
        vehicle_type=vehicle_type,
        powertrain=powertrain,
        depots=depots,
        chain_scope=chain_scope,
        chain=chain,
    )


def check_gtfs(
    data: bytes, *, name: str | None = None, network: Any = None
) -> tuple[list[Problem], list[Problem]]:
    """Check a GTFS feed's bytes; return (errors, warnings) without building vehicle blocks.

    Parameters
    ----------
    data : bytes
        Archive content.
    name : str, optional
        Name shown in messages.
    network : RoadNetwork, optional
        The scenario's network: stops are checked against its box instead of Beijing's.

    Returns
    -------
    tuple of (list of Problem, list of Problem)
    """
    label = name or "feed.zip"
    try:
        _, feed, _ = _gtfs(data, label, chain=None, network=network)
    except InputError as exc:
        return exc.problems or [Problem(exc.message, file=label)], []
    return feed.errors, feed.warnings
