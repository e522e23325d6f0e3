"""Build the full-city scenario: all four embedded fleets at ``scale = 1.0`` and its stations.

Writes ``fleetopt/data/scenarios/beijing-full-city.toml`` and
``fleetopt/data/scenarios/generated_beijing_full_city_stations.csv`` (+ ``.meta.json``):
the same recipe as :mod:`build_default_scenario` (the real public DC stations within
``snap_max_m`` of the network, plus one GENERATED depot station per depot, one plug per
vehicle at the ``chargers.csv`` depot power), but for the whole city: every bus in
service, the whole cruising taxi fleet, every sanitation vehicle and every delivery van
of ``demand_params.csv`` (``*_city`` rows), seed 2024, all battery-electric.

Run: ``.venv/bin/python demand/build_full_city_scenario.py``
"""

# ruff: noqa: E501  (metadata sentences and the TOML template are kept on one line each)

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from _buildlib import REPO
from build_default_scenario import NETWORK, SEED, STATION_COLUMNS

from fleetopt.inputs.default_demand import (
    CITY_SIZE_PARAM,
    demand_param,
    depot_stations,
    generate,
    public_dc_stations,
)
from fleetopt.inputs.road_graph import load_network

OUT = REPO / "fleetopt" / "data" / "scenarios"
GENERATORS = ("beijing-bus", "beijing-taxi", "beijing-sanitation", "beijing-delivery")
STATIONS = "generated_beijing_full_city_stations.csv"

TOML_HEAD = """# The whole city: Beijing's four embedded fleets at full scale (scale = 1.0), one day.
# Built by demand/build_full_city_scenario.py - edit that script, not this file.
# Fleets come from the embedded generators (fleetopt.inputs.default_demand), sized by the
# *_city rows of demand_params.csv: every bus in service, the whole cruising taxi fleet,
# every sanitation vehicle and every delivery van, all battery-electric (the plan's 2025
# goal). Stations: the real public DC stations near the network plus one GENERATED depot
# per depot of these fleets (generated_beijing_full_city_stations.csv).
# One day:  fleetopt simulate fleetopt/data/scenarios/beijing-full-city.toml
# Its year: fleetopt simulate fleetopt/data/scenarios/beijing-full-city.toml --annual --executor dask
name = "beijing-full-city"
description = "Beijing's bus, taxi, sanitation and delivery fleets at full scale, all battery-electric, on central Beijing inside the 3rd Ring"
seed = {seed}
ambient_temperature_c = 20
network = "{network}"
stations = "{stations}"
"""

FLEET_TMPL = """
[[fleets]]
name = "{name}"
generator = "{generator}"
scale = 1.0
powertrain = "bev"
"""


def main() -> None:
    net = load_network(NETWORK)
    public = pd.read_csv(REPO / "fleetopt" / "data" / "demand" / "public_dc_stations_wgs84.csv")
    assert len(public) == len(public_dc_stations())
    _, dist = net.nearest_nodes(public["lon"].to_numpy(), public["lat"].to_numpy())
    public = public[dist <= demand_param("snap_max_m")].copy()
    frames = [public[STATION_COLUMNS]]
    sizes = {}
    for generator in GENERATORS:
        sizes[generator] = round(demand_param(CITY_SIZE_PARAM[generator]))
        if generator == "beijing-taxi":
            continue
        trips = generate(generator, net, seed=SEED, scale=1.0)
        depots = depot_stations(trips)
        depots["existing"] = False
        depots["name"] = f"GENERATED depot of the full-city {generator} fleet"
        frames.append(depots[STATION_COLUMNS])
    stations = pd.concat(frames, ignore_index=True)
    stations["plugs"] = stations["plugs"].astype(int)
    stations["lon"] = np.round(stations["lon"].astype(float), 7)
    stations["lat"] = np.round(stations["lat"].astype(float), 7)
    stations["plug_kw"] = stations["plug_kw"].astype(float).round(3)
    OUT.mkdir(parents=True, exist_ok=True)
    csv = OUT / STATIONS
    stations.to_csv(csv, index=False, lineterminator="\n", float_format="%.7f")
    (OUT / f"{STATIONS}.meta.json").write_text(
        json.dumps(
            {
                "file": csv.name,
                "rows": len(stations),
                "generated_by": "demand/build_full_city_scenario.py",
                "what": f"{len(public)} real public DC stations (public_dc_stations_wgs84.csv) within "
                f"{demand_param('snap_max_m'):g} m of {NETWORK}'s routable nodes, plus "
                f"{len(stations) - len(public)} GENERATED depot stations (kind=depot, "
                "existing=false) where the full-city fleets' vehicles start",
                "network": NETWORK,
                "seed": SEED,
                "fleets": sizes,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    text = TOML_HEAD.format(seed=SEED, network=NETWORK, stations=STATIONS)
    for generator in GENERATORS:
        text += FLEET_TMPL.format(name=generator.split("-", 1)[1], generator=generator)
    (OUT / "beijing-full-city.toml").write_text(text, encoding="utf-8")
    print(
        f"wrote {OUT / 'beijing-full-city.toml'} and {csv.name}: {len(public)} public + "
        f"{len(stations) - len(public)} depot stations"
    )


if __name__ == "__main__":
    main()
