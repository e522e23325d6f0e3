"""End to end on a real multi-route public GTFS feed: Google's GTFS reference example
("Demo Transit Authority", CC BY 4.0; tests/data/inputs/gtfs_google_sample/SOURCE.md) on a
generated 1 km grid road graph written by plain networkx (typed GraphML, CONTRACT §10).

No PyPI package available here ships a GTFS feed inside its wheel (gtfs-kit 13.0.1,
partridge 1.1.2 and gtfs-segments 2.1.7 were checked: code only), so the feed is the
Google example already in tests/data.

Hand count for Monday 2008-06-02 (calendar.txt FULLW runs every day; the WE service only
at weekends): AB1, AB2, BFC1, BFC2 (4) + STBA every 30 min 06:00-22:00 (32) + CITY1 and
CITY2 each 4 + 12 + 12 + 18 + 6 = 52 from frequencies.txt -> 140 trips. block_id 1 and 2
give 2 vehicles; routes STBA and CITY (no block_id) are chained per route.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from fleetopt.domain.blocks import parse_gtfs_trips
from fleetopt.inputs.road_graph import haversine_m
from tests.fleetopt.adversarial._cli import fleetopt

FEED = Path(__file__).resolve().parents[2] / "data" / "inputs" / "gtfs_google_sample"


def generated_grid(path: Path, step_deg: float = 0.01) -> Path:
    """A two-way grid of 'primary' roads over the feed's stops (generated, not OSM)."""
    xs = np.arange(-117.20, -116.35 + 1e-9, step_deg)
    ys = np.arange(36.38, 36.97 + 1e-9, step_deg)
    g = nx.MultiDiGraph(crs="epsg:4326")
    nid = {(i, j): i * len(ys) + j + 1 for i in range(len(xs)) for j in range(len(ys))}
    for (i, j), n in nid.items():
        g.add_node(n, x=round(float(xs[i]), 5), y=round(float(ys[j]), 5))
    for (i, j), n in nid.items():
        for di, dj in ((1, 0), (0, 1)):
            other = nid.get((i + di, j + dj))
            if other is None:
                continue
            length = float(haversine_m(xs[i], ys[j], xs[i + di], ys[j + dj]))
            g.add_edge(n, other, length=length, highway="primary")
            g.add_edge(other, n, length=length, highway="primary")
    nx.write_graphml(g, path)
    return path


def test_google_sample_feed_end_to_end(tmp_path: Path) -> None:
    generated_grid(tmp_path / "generated_grid.graphml")
    with zipfile.ZipFile(tmp_path / "dta.zip", "w") as zf:
        for member in sorted(FEED.glob("*.txt")):
            zf.write(member, member.name)
    (tmp_path / "s.toml").write_text(
        'name = "dta"\nnetwork = "generated_grid.graphml"\n'
        '[[fleets]]\ngtfs = "dta.zip"\ndate = "2008-06-02"\n',
        encoding="utf-8",
    )
    out = fleetopt("simulate", str(tmp_path / "s.toml"), "--json", "--out", str(tmp_path / "o"))
    assert out.code == 0, out.stderr
    doc = json.loads(out.stdout)
    # the service day and what 'vehicles' counts are said
    note = re.search(
        r"service day 2008-06-02 \(given\), ([\d,]+) trips; ([\d,]+) vehicles = distinct "
        r"blocks \(2 from block_id, ([\d,]+) chained\), at most ([\d,]+) in service",
        out.stderr,
    )
    assert note, out.stderr
    trips_n, vehicles, chained, peak = (int(x.replace(",", "")) for x in note.groups())
    assert doc["trips_total"] == trips_n == 140
    assert doc["vehicles"] == vehicles == 2 + chained
    trips = pd.read_csv(tmp_path / "o" / "trips.csv")
    assert len(trips) == 140
    assert trips["vehicle_id"].nunique() == vehicles
    # peak in service, recomputed from the written trips: first departure to last arrival
    span = trips.groupby("vehicle_id").agg(d=("departure_s", "min"), a=("arrival_s", "max"))
    grid = np.arange(span["d"].min(), span["a"].max() + 1, 60.0)
    busy = (span["d"].to_numpy()[:, None] <= grid) & (grid < span["a"].to_numpy()[:, None])
    assert peak == int(busy.sum(axis=0).max())
    assert 1 <= peak <= vehicles
    # deadhead share: positive exactly when a block's next trip starts away from its last stop
    canon = parse_gtfs_trips((tmp_path / "dta.zip").read_bytes(), service_date="2008-06-02")
    dest = canon.set_index("trip_id")[["destination_lon", "destination_lat"]]
    trips = trips.sort_values(["vehicle_id", "departure_s"]).join(dest, on="trip_id")
    same = trips["vehicle_id"].to_numpy()[1:] == trips["vehicle_id"].to_numpy()[:-1]
    gap_m = haversine_m(
        trips["destination_lon"].to_numpy()[:-1],
        trips["destination_lat"].to_numpy()[:-1],
        trips["origin_lon"].to_numpy()[1:],
        trips["origin_lat"].to_numpy()[1:],
    )
    dead_km = float(trips["deadhead_km"].sum())
    share = dead_km / (dead_km + float(trips["distance_km"].sum()))
    assert 0.0 <= share < 0.5
    assert (share > 0) == bool((same & (gap_m > 100)).any())
    assert doc["trips_missed"] == 0
    # the files say the same: service day, blocks and peak in service in summary.json
    files = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    gtfs = next(iter(files["extras"]["gtfs"].values()))
    assert gtfs["service_date"] == "2008-06-02"
    assert gtfs["vehicles"] == vehicles
    assert gtfs["peak_vehicles_in_service"] == peak
    # ... and so does stdout: an extra key after the contract's, the same numbers
    assert list(doc)[-1] == "gtfs"
    said = doc["gtfs"]["fleet0"]
    assert said["service_date"] == "2008-06-02"
    assert said["service_date_chosen"] == "given"
    assert said["vehicles"] == doc["vehicles"] == vehicles
    assert said["peak_vehicles_in_service"] == peak
    assert said["blocks_from_block_id"] == 2
    assert "distinct blocks" in said["vehicles_are"]
    # the human output says it too
    text = fleetopt("simulate", str(tmp_path / "s.toml"), "--out", str(tmp_path / "o2"))
    assert text.code == 0, text.stderr
    flat = " ".join(text.stdout.split())
    assert (
        f"GTFS fleet0: service day 2008-06-02 (given); {vehicles} vehicles = distinct blocks "
        f"(2 from block_id, {chained} chained); at most {peak} in service at once"
    ) in flat, text.stdout
