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
        rows.append([f"京B·10路{bus + 1:02d}", "bus", "bev", f"10-{bus + 1}-{n:02d}",
                     f"{dep // 3600:02d}:{dep % 3600 // 60:02d}", f"{arr // 3600:02d}:{arr % 3600 // 60:02d}",
                     here[1], here[2], there[1], there[2], "11.0", "南菜园场站", "", "", ""])
        here, there = there, here
        t = arr + 10 * 60
header = ["vehicle_id", "vehicle_type", "powertrain", "trip_id", "departure", "arrival", "origin_lon",
          "origin_lat", "destination_lon", "destination_lat", "distance_km", "depot", "passengers",
          "payload_t", "exempt"]
with open("generated_trips_line10.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
