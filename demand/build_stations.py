"""Build the packaged public DC fast-charging stations: 711 real Beijing stations in WGS84.

Input: ``../shared/data/beijing/charging/dc_fast_charging_stations_beijing_711.csv``
(liu-kx-ev/ev-charging-policy-map @ 92e3e8f, Dec 2025; no licence file - cite the repo
and its paper). The file states no coordinate system. fleetopt treats it as **GCJ-02**
(evidence in ``demand/PROVENANCE.md``): the stations are operator data (Star Charge,
TELD), whose apps use GCJ-02 map bases, and the map they come from draws them, with no
conversion code, on the same canvas as its AMap metro layer, which is GCJ-02 (its Line 1
stations sit 1-9 m from Chang'an Avenue in OSM only after GCJ-02 -> WGS84). A direct test
against OSM roads cannot decide it (stations stand off the roads, in parking lots).

Columns written (CONTRACT §3 stations file): ``id, kind, lon, lat, plugs, plug_kw,
existing, name``. The data has no plug counts or powers: ``plugs`` comes from
``demand_params.csv`` (public_dc_plugs_per_station) and ``plug_kw`` from ``chargers.csv``
(public plug_kw); both rows are marked ASSUMPTION.

Writes ``fleetopt/data/demand/public_dc_stations_wgs84.csv`` (+ ``.meta.json``).

Run: ``.venv/bin/python demand/build_stations.py``
"""

# ruff: noqa: E501  (metadata sentences and the TOML template are kept on one line each)

from __future__ import annotations

import numpy as np
import pandas as pd
from _buildlib import BEIJING, source_entry, write_csv

from fleetopt.defaults import value
from fleetopt.inputs.coords import gcj02_to_wgs84
from fleetopt.inputs.default_demand import demand_param

STATIONS = BEIJING / "charging" / "dc_fast_charging_stations_beijing_711.csv"
OPERATORS = {"star": "Star Charge", "teld": "TELD", "yyc_parsed": "yyc"}


def main() -> None:
    src = pd.read_csv(STATIONS)
    lon, lat = gcj02_to_wgs84(src["lon"].to_numpy(), src["lat"].to_numpy())
    plugs = int(demand_param("public_dc_plugs_per_station"))
    plug_kw = float(value("chargers", "plug_kw", kind="public"))
    out = pd.DataFrame(
        {
            "id": src["station_id"].astype(str),
            "kind": "public",
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "plugs": plugs,
            "plug_kw": plug_kw,
            "existing": True,
            "name": [
                f"{OPERATORS.get(o, o)} DC station, {a}"
                for o, a in zip(src["operator_prefix"], src["area_name"], strict=True)
            ],
        }
    )
    out = out.sort_values("id").reset_index(drop=True)
    write_csv(
        out,
        "public_dc_stations_wgs84.csv",
        {
            "generated_by": "demand/build_stations.py",
            "sources": [source_entry(STATIONS)],
            "what": "711 real public DC fast-charging stations of Beijing; positions converted "
            "GCJ-02 -> WGS84; plugs and plug_kw are ASSUMPTIONS (not in the data)",
            "crs": "WGS84 (EPSG:4326); source treated as GCJ-02 (see demand/PROVENANCE.md)",
            "assumptions": {
                "plugs": f"{plugs} (demand_params.csv public_dc_plugs_per_station)",
                "plug_kw": f"{plug_kw:g} (chargers.csv public plug_kw)",
            },
            "licence": "liu-kx-ev/ev-charging-policy-map has no licence file: cite the repository and "
            "its paper",
        },
        float_format="%.7f",
    )


if __name__ == "__main__":
    main()
