"""Write the generated_* trip fixtures (deterministic; run from this folder).

Line 10 of Beijing Public Transport (南菜园 - 航天桥东, 11.0 km, service 5:00-24:00) is taken
from ../shared/data/beijing/bus/bjbus_lines_2024.csv; the terminal positions are the
nearest OSM nodes of the beijing-central-2024 graph to approximate terminal locations
(node 7517 at 116.3065202 E 39.9312346 N, node 3012 at 116.3533634 E 39.875288 N);
the timetable (3 buses, 45 min per trip, 10 min layover) is invented, hence generated_.
"""

import csv

A = ("南菜园", 116.3533634, 39.875288)
B = ("航天桥东", 116.3065202, 39.9312346)
rows = []
for bus in range(3):
    t = 5 * 3600 + bus * 20 * 60
    here, there = (A, B) if bus % 2 == 0 else (B, A)
    n = 0
    while t < 24 * 3600:
        dep, arr = t, t + 45 * 60
        n += 1
        rows.append(
            [
                f"京B·10路{bus + 1:02d}",
                "bus",
                "bev",
                f"10-{bus + 1}-{n:02d}",
                f"{dep // 3600:02d}:{dep % 3600 // 60:02d}",
                f"{arr // 3600:02d}:{arr % 3600 // 60:02d}",
                here[1],
                here[2],
                there[1],
                there[2],
                "11.0",
                "南菜园场站",
                "",
                "",
                "",
            ]
        )
        here, there = there, here
        t = arr + 10 * 60
header = [
    "vehicle_id",
    "vehicle_type",
    "powertrain",
    "trip_id",
    "departure",
    "arrival",
    "origin_lon",
    "origin_lat",
    "destination_lon",
    "destination_lat",
    "distance_km",
    "depot",
    "passengers",
    "payload_t",
    "exempt",
]
with open("generated_trips_line10.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)


def write_gtfs() -> None:
    """Write generated_gtfs_line10/: the same timetable as a GTFS feed without block_id.

    The shape is the shortest road path between the two terminal nodes on the
    beijing-central-2024 graph (needs fleetopt installed).
    """
    from pathlib import Path

    import numpy as np
    from scipy.sparse.csgraph import dijkstra

    from fleetopt.inputs.road_graph import load_network

    net = load_network("beijing-central-2024")
    out = Path("generated_gtfs_line10")
    out.mkdir(exist_ok=True)
    a, b = 3012, 7517  # node indices of 南菜园 and 航天桥东 (see the module docstring)
    shapes = []
    for sid, (s, t) in (("s10-0", (a, b)), ("s10-1", (b, a))):
        _, pred = dijkstra(net.csr_time, directed=True, indices=s, return_predecessors=True)
        path = [t]
        while path[-1] != s:
            path.append(int(pred[path[-1]]))
        path.reverse()
        for k, n in enumerate(path):
            shapes.append(f"{sid},{net.lat[n]:.7f},{net.lon[n]:.7f},{k + 1}")
    (out / "shapes.txt").write_text("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
                                    + "\n".join(shapes) + "\n", encoding="utf-8")
    (out / "stops.txt").write_text(
        "stop_id,stop_name,stop_lat,stop_lon\n"
        f"NCY,{A[0]},{A[2]},{A[1]}\nHTQD,{B[0]},{B[2]},{B[1]}\n", encoding="utf-8")
    (out / "routes.txt").write_text("route_id,route_short_name,route_long_name,route_type\n"
                                    "10,10,南菜园-航天桥东,3\n", encoding="utf-8")
    (out / "calendar.txt").write_text(
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20240101,20241231\n", encoding="utf-8")
    trips, times = [], []
    for r in rows:
        tid = r[3]
        from_a = r[6] == A[1]
        trips.append(f"10,WK,{tid},{'s10-0' if from_a else 's10-1'}")
        times.append(f"{tid},{r[4]}:00,{r[4]}:00,{'NCY' if from_a else 'HTQD'},1")
        times.append(f"{tid},{r[5]}:00,{r[5]}:00,{'HTQD' if from_a else 'NCY'},2")
    (out / "trips.txt").write_text(
        "route_id,service_id,trip_id,shape_id\n" + "\n".join(trips) + "\n", encoding="utf-8"
    )
    (out / "stop_times.txt").write_text(
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "\n".join(times) + "\n",
        encoding="utf-8",
    )
    del np


if __name__ == "__main__":
    write_gtfs()
