"""Build the packaged taxi activity: hourly T-Drive GPS counts per road link, in WGS84.

Inputs (../shared/data/beijing, see its PROVENANCE.md):

* ``taxi/tdrive_link_point_counts_feb2008.csv`` - per link of the north-west Beijing road
  network, counts of Microsoft Research T-Drive taxi GPS points (weekdays Feb 4-8 2008,
  per hour; Feb 6-8 was the Spring Festival holiday). A *relative* activity index only
  (the source project used part of the T-Drive files).
* ``roadnet/beijing_nw_roadnet_gcj02_links.csv`` - the links' geometries in **GCJ-02**
  (the source project converted the taxi GPS to GCJ-02 to match this network).

Each link becomes one point: the middle of its polyline (by length), converted GCJ-02 ->
WGS84 with ``fleetopt.inputs.coords.gcj02_to_wgs84``. Links with no weekday activity are
dropped. Weekend columns are not used. Deterministic (no randomness).

Writes ``fleetopt/data/demand/taxi_link_activity_wgs84.csv.gz`` (+ ``.meta.json``).

Run: ``.venv/bin/python demand/build_taxi_activity.py``
"""

# ruff: noqa: E501  (metadata sentences and the TOML template are kept on one line each)

from __future__ import annotations

import numpy as np
import pandas as pd
from _buildlib import BEIJING, source_entry, write_csv

from fleetopt.inputs.coords import gcj02_to_wgs84
from fleetopt.inputs.road_graph import haversine_m

COUNTS = BEIJING / "taxi" / "tdrive_link_point_counts_feb2008.csv"
LINKS = BEIJING / "roadnet" / "beijing_nw_roadnet_gcj02_links.csv"


def midpoint(geometry: str) -> tuple[float, float]:
    """Point halfway along a ``lon:lat;lon:lat;...`` polyline [deg] (same CRS as the input)."""
    pts = np.array([[float(x) for x in p.split(":")] for p in geometry.split(";")])
    if len(pts) == 1:
        return float(pts[0, 0]), float(pts[0, 1])
    seg = haversine_m(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    half = cum[-1] / 2.0
    i = int(np.clip(np.searchsorted(cum, half) - 1, 0, len(seg) - 1))
    f = 0.0 if seg[i] == 0 else (half - cum[i]) / seg[i]
    lon = pts[i, 0] + f * (pts[i + 1, 0] - pts[i, 0])
    lat = pts[i, 1] + f * (pts[i + 1, 1] - pts[i, 1])
    return float(lon), float(lat)


def main() -> None:
    counts = pd.read_csv(COUNTS)
    links = pd.read_csv(LINKS, usecols=["link_id", "road_class", "length_m", "geometry_gcj02"])
    weekday = [c for c in counts.columns if c.startswith("weekday_")]
    if len(weekday) != 24:
        msg = f"expected 24 weekday hour columns, found {len(weekday)}"
        raise ValueError(msg)
    hours = counts[["link_id", *weekday]].rename(
        columns={c: f"h{i:02d}" for i, c in enumerate(weekday)}
    )
    df = links.merge(hours, on="link_id", how="inner", validate="one_to_one")
    hcols = [f"h{i:02d}" for i in range(24)]
    df = df[df[hcols].sum(axis=1) > 0].copy()
    mids = np.array([midpoint(g) for g in df["geometry_gcj02"]])
    lon, lat = gcj02_to_wgs84(mids[:, 0], mids[:, 1])
    out = pd.DataFrame(
        {
            "link_id": df["link_id"].to_numpy(),
            "road_class": df["road_class"].to_numpy(),
            "lon": np.round(lon, 6),
            "lat": np.round(lat, 6),
        }
    )
    for c in hcols:
        out[c] = df[c].to_numpy().astype(np.int64)
    out = out.sort_values("link_id").reset_index(drop=True)
    print(
        f"{len(out)} of {len(links)} links have weekday activity; "
        f"hourly totals {out[hcols].sum().min():,}-{out[hcols].sum().max():,} points"
    )
    write_csv(
        out,
        "taxi_link_activity_wgs84.csv.gz",
        {
            "generated_by": "demand/build_taxi_activity.py",
            "sources": [source_entry(COUNTS), source_entry(LINKS)],
            "what": "Microsoft Research T-Drive taxi GPS point counts per road link and weekday hour "
            "(Feb 4-8 2008, summed over the 5 days; Feb 6-8 = Spring Festival), as a relative "
            "activity index; one point per link = the middle of its polyline, converted "
            "GCJ-02 -> WGS84; links without weekday activity dropped",
            "crs": "WGS84 (EPSG:4326)",
            "extent_note": "the links cover north-west Beijing only (about 116.15-116.41 E, "
            "39.885-40.04 N): Haidian, Xicheng, Shijingshan, western Dongcheng",
            "licence": "derived from T-Drive (Microsoft Research terms; cite Yuan et al. KDD'11 and "
            "GIS'10) via AN-Xiang-yu/Beijing_traffic_analysis_ver2 (no licence stated)",
        },
        float_format="%.6f",
    )


if __name__ == "__main__":
    main()
