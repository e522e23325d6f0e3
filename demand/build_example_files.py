"""Write the default sample as CONTRACT trips/requests files under ``demand/beijing/``.

The embedded default scenario generates its fleets at run time; these CSV files are the
same fleets written out as an operator would upload them (CONTRACT §3: ``departure`` and
``arrival`` as ``HH:MM:SS``, hours past 24 for after-midnight service), so users can read,
edit and upload them (``fleetopt validate``, the app's upload page) and tests can check the
generators against the real readers. All four are GENERATED (named ``generated_*``).

Run: ``.venv/bin/python demand/build_example_files.py``
"""



from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from _buildlib import REPO

from fleetopt.demand import generate
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import read_scenario
from fleetopt.inputs.schedules import TRIP_FILE_COLUMNS as TRIP_FILE_COLUMNS_CONTRACT
from fleetopt.units import format_clock

OUT = REPO / "demand" / "beijing"
TRIP_FILE_COLUMNS = list(TRIP_FILE_COLUMNS_CONTRACT)
REQUEST_FILE_COLUMNS = [
    "request_id",
    "departure",
    "origin_lon",
    "origin_lat",
    "destination_lon",
    "destination_lat",
    "passengers",
]


def to_trips_file(trips: pd.DataFrame) -> pd.DataFrame:
    """Canonical trips -> CONTRACT trips-file columns (clock times to the second)."""
    out = trips.copy()
    out["departure"] = out["departure_s"].map(format_clock)
    out["arrival"] = out["arrival_s"].map(format_clock)
    return out[TRIP_FILE_COLUMNS]


def to_requests_file(requests: pd.DataFrame) -> pd.DataFrame:
    """Canonical requests -> CONTRACT requests-file columns."""
    out = requests.copy()
    out["departure"] = out["departure_s"].map(format_clock)
    return out[REQUEST_FILE_COLUMNS]


def main(out_dir: Path = OUT) -> list[Path]:
    from fleetopt.inputs.default_demand import default_scenario_path

    scenario = read_scenario(default_scenario_path())
    net = load_network(scenario.network)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fleet in scenario.fleets:
        df = generate(
            fleet.generator,
            net,
            seed=scenario.seed,
            size=fleet.size,
            powertrain=fleet.powertrain or "bev",
        )
        kind = fleet.generator.split("-", 1)[1]
        if fleet.generator == "beijing-taxi":
            name, table = f"generated_default_{kind}_requests.csv", to_requests_file(df)
        else:
            name, table = f"generated_default_{kind}_trips.csv", to_trips_file(df)
        path = out_dir / name
        table.to_csv(path, index=False, lineterminator="\n", float_format="%.7f")
        (out_dir / f"{name}.meta.json").write_text(
            json.dumps(
                {
                    "file": name,
                    "rows": len(table),
                    "generated_by": "demand/build_example_files.py",
                    "what": f"GENERATED: the {kind} fleet of the embedded default scenario "
                    f"(fleetopt.demand.generate({fleet.generator!r}, {scenario.network!r}, "
                    f"seed={scenario.seed}, size={fleet.size})) written as a CONTRACT §3 file",
                    "see": "demand/README.md, demand/PROVENANCE.md",
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"wrote {path} ({len(table):,} rows)")
        written.append(path)
    return written


if __name__ == "__main__":
    main()
