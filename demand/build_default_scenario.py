"""Build the embedded default scenario: fleets on beijing-central-2024 and its stations file.

Writes ``fleetopt/data/scenarios/beijing-default.toml`` (the scenario ``fleetopt demo``
runs) and ``fleetopt/data/scenarios/generated_beijing_default_stations.csv``:

* the real public DC fast-charging stations (``public_dc_stations_wgs84.csv``) within
  ``snap_max_m`` of the network's routable nodes, and
* one GENERATED depot station per depot of the default sample (bus terminals where the
  sample's buses start, generated sanitation and delivery depots), placed where the
  vehicles start, one plug per vehicle at the ``chargers.csv`` depot power.

The sample (150 buses, 100 taxis, 20 sanitation vehicles, 30 delivery vans, seed 2024)
simulates in seconds; the full city is ``scale = 1.0`` (``fleetopt demo --scale 1``).
The depots depend on the generator and the seed, so rerun this script whenever either
changes (a test checks every depot of the sample has its station).

Run: ``.venv/bin/python demand/build_default_scenario.py``
"""

# ruff: noqa: E501  (metadata sentences and the TOML template are kept on one line each)

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from _buildlib import REPO

from fleetopt.demand import generate
from fleetopt.inputs.default_demand import (
    demand_param,
    depot_stations,
    public_dc_stations,
)
from fleetopt.inputs.road_graph import load_network

OUT = REPO / "fleetopt" / "data" / "scenarios"
NETWORK = "beijing-central-2024"
SEED = 2024
FLEETS = (  # (generator, size): a sample that simulates in seconds
    ("beijing-bus", 150),
    ("beijing-taxi", 100),
    ("beijing-sanitation", 20),
    ("beijing-delivery", 30),
)
STATION_COLUMNS = ["id", "kind", "lon", "lat", "plugs", "plug_kw", "existing", "name"]

TOML_HEAD = """# fleetopt's embedded Beijing default scenario (what `fleetopt demo` runs).
# Built by demand/build_default_scenario.py - edit that script, not this file.
# Fleets come from the embedded generators (fleetopt.inputs.default_demand): real bus route
# shapes with generated timetables, taxi requests from T-Drive activity, generated
# sanitation shifts and delivery tours; see demand/README.md and demand/PROVENANCE.md.
# A sample that simulates in seconds; set `scale = 1.0` instead of `size` for the full city.
name = "beijing-default"
description = "Sample of Beijing's bus, taxi, sanitation and delivery fleets, all battery-electric (the plan's 2025 goal), on central Beijing inside the 3rd Ring"
seed = {seed}
ambient_temperature_c = 20
network = "{network}"
stations = "generated_beijing_default_stations.csv"
"""

FLEET_TMPL = """
[[fleets]]
name = "{name}"
generator = "{generator}"
size = {size}
powertrain = "bev"
"""


def main() -> None:
    net = load_network(NETWORK)
    public = pd.read_csv(REPO / "fleetopt" / "data" / "demand" / "public_dc_stations_wgs84.csv")
    assert len(public) == len(public_dc_stations())
    _, dist = net.nearest_nodes(public["lon"].to_numpy(), public["lat"].to_numpy())
    public = public[dist <= demand_param("snap_max_m")].copy()
    frames = [public[STATION_COLUMNS]]
    for generator, size in FLEETS:
        if generator == "beijing-taxi":
            continue
        trips = generate(generator, net, seed=SEED, size=size)
        depots = depot_stations(trips)
        depots["existing"] = False
        depots["name"] = f"GENERATED depot of the default {generator} sample"
        frames.append(depots[STATION_COLUMNS])
    stations = pd.concat(frames, ignore_index=True)
    stations["plugs"] = stations["plugs"].astype(int)
    stations["lon"] = np.round(stations["lon"].astype(float), 7)
    stations["lat"] = np.round(stations["lat"].astype(float), 7)
    stations["plug_kw"] = stations["plug_kw"].astype(float).round(3)
    OUT.mkdir(parents=True, exist_ok=True)
    csv = OUT / "generated_beijing_default_stations.csv"
    stations.to_csv(csv, index=False, lineterminator="\n", float_format="%.7f")
    (OUT / "generated_beijing_default_stations.csv.meta.json").write_text(
        json.dumps(
            {
                "file": csv.name,
                "rows": len(stations),
                "generated_by": "demand/build_default_scenario.py",
                "what": f"{len(public)} real public DC stations (public_dc_stations_wgs84.csv) within "
                f"{demand_param('snap_max_m'):g} m of {NETWORK}'s routable nodes, plus "
                f"{len(stations) - len(public)} GENERATED depot stations (kind=depot, "
                "existing=false) where the default sample's vehicles start",
                "network": NETWORK,
                "seed": SEED,
                "fleets": dict(FLEETS),
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    text = TOML_HEAD.format(seed=SEED, network=NETWORK)
    for generator, size in FLEETS:
        text += FLEET_TMPL.format(name=generator.split("-", 1)[1], generator=generator, size=size)
    (OUT / "beijing-default.toml").write_text(text, encoding="utf-8")
    print(
        f"wrote {OUT / 'beijing-default.toml'} and {csv.name}: {len(public)} public + "
        f"{len(stations) - len(public)} depot stations"
    )


if __name__ == "__main__":
    main()
