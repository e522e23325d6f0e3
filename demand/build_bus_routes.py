"""Build the packaged bus inputs: real route shapes (WGS84) and their generated service plans.

Inputs (../shared/data/beijing, see its PROVENANCE.md):

* ``bus/echarts_lines_bus_beijing_bd09.json`` - 1,543 real Beijing bus route polylines
  (Apache ECharts example data). Decoding (checked here): each route is a flat int array;
  the first pair is lon x 1e4, lat x 1e4, every next pair a delta x 1e4 (cumulative sum).
  **Coordinate system: the file name says BD-09, but the shapes are GCJ-02.** Evidence
  (see ``demand/PROVENANCE.md``): converted as GCJ-02 -> WGS84, 99 % of the vertices
  inside the beijing-central-2024 OSM graph lie within 30 m of an OSM road (median
  2.5 m); converted as BD-09 -> WGS84 only 43 % do (median 38 m, no better than the
  raw, unconverted points).
* ``bus/bjbus_lines_2024.csv`` - 2,780 real line-directions with service hours and
  lengths; ``bus/bjbus_line_stops_2024.csv`` - their stop sequences.

The shapes carry no line names, so each shape is *assigned* (not identified) the regular
daytime line whose published ``lineLength`` is nearest to the shape's length; the line's
service windows then drive a generated timetable. Headways are calibrated so that the
whole city (every shape, both directions) runs the published 147,000 trips per day
(``targets_and_stats.csv``: bus_trips_per_day 2024), with peak headways shorter by the
ratio in ``demand_params.csv``.

Writes ``fleetopt/data/demand/bus_route_shapes_wgs84.csv.gz`` (real shapes, converted)
and ``fleetopt/data/demand/generated_bus_lines.csv`` (assignment + service plan), each
with a ``.meta.json`` sidecar. Deterministic: no randomness here at all.

Run: ``.venv/bin/python demand/build_bus_routes.py``
"""

# ruff: noqa: E501  (metadata sentences and the TOML template are kept on one line each)

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
from _buildlib import BEIJING, source_entry, write_csv

from fleetopt.inputs.coords import gcj02_to_wgs84
from fleetopt.inputs.default_demand import demand_param, peak_windows_s
from fleetopt.inputs.road_graph import haversine_m

SHAPES = BEIJING / "bus" / "echarts_lines_bus_beijing_bd09.json"
LINES = BEIJING / "bus" / "bjbus_lines_2024.csv"
STOPS = BEIJING / "bus" / "bjbus_line_stops_2024.csv"
MIN_SHAPE_KM = 1.0

# full-width colon/dash/tilde are used in the Chinese service-time cells on purpose
_WINDOW = re.compile(r"(\d{1,2})[:：](\d{2})\s*[-－—~～]\s*(\d{1,2})[:：](\d{2})")  # noqa: RUF001


def parse_service_windows(text: str) -> list[tuple[int, int]]:
    """Parse a ``serviceTime`` cell into weekday windows [(start_s, end_s)].

    ``"5:00-24:00"`` -> [(18000, 86400)]; a window ending before it starts runs past
    midnight (end + 24 h); text like ``"平日6:00-9:30、16:00-19:30,节假日停驶"`` keeps the
    weekday (平日) part. Cells listing single departures return [].
    """
    t = str(text)
    if "平日" in t:
        t = t.split("平日", 1)[1]
        t = re.split("节假日|周末|休息日|双休日", t)[0]
    out = []
    for h1, m1, h2, m2 in _WINDOW.findall(t):
        s = int(h1) * 3600 + int(m1) * 60
        e = int(h2) * 3600 + int(m2) * 60
        if e <= s:
            e += 86400
        out.append((s, e))
    return out


def decode_shapes() -> list[np.ndarray]:
    """Decode the ECharts route arrays to (n, 2) GCJ-02 lon/lat arrays [deg]."""
    raw = json.loads(SHAPES.read_text(encoding="utf-8"))
    shapes = []
    for route in raw:
        a = np.asarray(route, dtype=np.int64)
        if a.size % 2:
            msg = "odd number of values in an ECharts route"
            raise ValueError(msg)
        pts = np.cumsum(a.reshape(-1, 2), axis=0) / 1e4
        keep = np.ones(len(pts), dtype=bool)
        keep[1:] = np.any(np.diff(pts, axis=0) != 0, axis=1)
        shapes.append(pts[keep])
    return shapes


def _fmt_windows(windows: list[tuple[int, int]]) -> str:
    def clock(s: int) -> str:
        return f"{s // 3600:02d}:{(s % 3600) // 60:02d}"

    return ";".join(f"{clock(s)}-{clock(e)}" for s, e in windows)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def main() -> None:
    shapes_gcj = decode_shapes()
    rows = []
    shape_rows = []
    for i, pts in enumerate(shapes_gcj):
        lon, lat = gcj02_to_wgs84(pts[:, 0], pts[:, 1])
        seg = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
        length_km = float(np.sum(seg)) / 1000.0
        if len(pts) < 2 or length_km < MIN_SHAPE_KM:
            continue
        rid = f"echarts-{i:04d}"
        rows.append({"route_id": rid, "n_points": len(pts), "shape_km": round(length_km, 3)})
        shape_rows.append(
            pd.DataFrame(
                {
                    "route_id": rid,
                    "seq": np.arange(len(pts)),
                    "lon": np.round(lon, 6),
                    "lat": np.round(lat, 6),
                }
            )
        )
    routes = pd.DataFrame(rows)
    shapes = pd.concat(shape_rows, ignore_index=True)

    lines = pd.read_csv(LINES, dtype=str)
    lines["length_km"] = pd.to_numeric(lines["lineLength"], errors="coerce")
    lines["windows"] = lines["serviceTime"].map(parse_service_windows)
    lines["span_s"] = lines["windows"].map(lambda w: sum(e - s for s, e in w))
    stops = pd.read_csv(STOPS, dtype=str)
    n_stops = stops.groupby("lineId").size()
    lines["n_stops"] = lines["lineId"].map(n_stops).fillna(0).astype(int)
    regular = lines[
        (lines["isNight"] == "0") & (lines["length_km"] > 0) & (lines["span_s"] >= 4 * 3600)
    ].copy()
    first = regular.sort_values(["lineName", "direction", "lineId"]).groupby("lineName").head(1)
    first = first.sort_values(["length_km", "lineName"]).reset_index(drop=True)
    by_name = {
        name: g.sort_values(["direction", "lineId"]) for name, g in regular.groupby("lineName")
    }

    cand = first["length_km"].to_numpy()
    out = []
    for r in routes.itertuples(index=False):
        j = int(np.argmin(np.abs(cand - r.shape_km)))  # ties: the first (shortest name order)
        line = first.iloc[j]
        dirs = by_name[line["lineName"]]
        d0 = dirs.iloc[0]
        d1 = dirs.iloc[1] if len(dirs) > 1 else d0
        out.append(
            {
                "route_id": r.route_id,
                "n_points": r.n_points,
                "shape_km": r.shape_km,
                "line_name": line["lineName"],
                "line_km": float(line["length_km"]),
                "line_id_ab": d0["lineId"],
                "line_id_ba": d1["lineId"],
                "terminal_a": d0["firstStationName"],
                "terminal_b": d0["lastStationName"],
                "service_ab": _fmt_windows(d0["windows"]),
                "service_ba": _fmt_windows(d1["windows"]),
                "n_stops_ab": int(d0["n_stops"]),
                "n_stops_ba": int(d1["n_stops"]),
                "_w_ab": d0["windows"],
                "_w_ba": d1["windows"],
            }
        )
    plan = pd.DataFrame(out)

    # headway calibration: expected N = sum over route-directions of offpeak_s/h_off + peak_s/h_peak
    trips_per_day = demand_param("bus_trips_per_day_city")
    ratio = demand_param("bus_offpeak_to_peak_headway_ratio")
    peaks = peak_windows_s()
    off_s = peak_s = 0.0
    for col in ("_w_ab", "_w_ba"):
        for windows in plan[col]:
            for w in windows:
                p = sum(
                    _overlap(w, pk) + _overlap(w, (pk[0] + 86400, pk[1] + 86400)) for pk in peaks
                )
                peak_s += p
                off_s += (w[1] - w[0]) - p
    h_off = (off_s + ratio * peak_s) / trips_per_day
    h_peak = h_off / ratio
    plan["headway_offpeak_s"] = round(h_off, 1)
    plan["headway_peak_s"] = round(h_peak, 1)
    plan = plan.drop(columns=["_w_ab", "_w_ba"]).sort_values("route_id").reset_index(drop=True)
    print(
        f"{len(plan)} routes; calibrated headways: off-peak {h_off / 60:.1f} min, "
        f"peak {h_peak / 60:.1f} min for {trips_per_day:,.0f} trips/day"
    )

    common = {
        "generated_by": "demand/build_bus_routes.py",
        "sources": [source_entry(SHAPES), source_entry(LINES), source_entry(STOPS)],
    }
    write_csv(
        shapes,
        "bus_route_shapes_wgs84.csv.gz",
        {
            **common,
            "what": "real Beijing bus route shapes (ECharts example data), decoded and converted "
            "GCJ-02 -> WGS84 (fleetopt.inputs.coords.gcj02_to_wgs84); consecutive duplicate "
            f"vertices removed; shapes shorter than {MIN_SHAPE_KM} km dropped",
            "crs": "WGS84 (EPSG:4326)",
            "crs_evidence": "see demand/PROVENANCE.md: the file is named bd09 but its shapes fit the "
            "OSM road graph only when read as GCJ-02",
            "licence": "ECharts example data (Apache-2.0 project); original map-data origin undocumented",
        },
    )
    write_csv(
        plan,
        "generated_bus_lines.csv",
        {
            **common,
            "what": "GENERATED service plan per real route shape: the shape is ASSIGNED the regular "
            "daytime bjbus line (isNight=0, weekday windows >= 4 h) of nearest published "
            "lineLength - an assignment, not an identification (the shapes carry no names); "
            "that line's weekday service windows (both directions) and stop counts; headways "
            "calibrated to the city's trips per day",
            "headway_calibration": {
                "trips_per_day_city": trips_per_day,
                "offpeak_to_peak_ratio": ratio,
                "peak_windows_s": peaks,
                "headway_offpeak_s": round(h_off, 1),
                "headway_peak_s": round(h_peak, 1),
                "formula": "expected trips = sum over route-directions and windows of offpeak_s/h_off + "
                "peak_s/h_peak (departures at phase + k of the cumulative frequency, "
                "fleetopt.demand.bus._departures); h_peak = h_off / ratio",
            },
        },
        float_format="%.3f",
    )


if __name__ == "__main__":
    main()
