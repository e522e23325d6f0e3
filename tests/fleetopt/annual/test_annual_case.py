"""Annual days share one read of the fleets per demand factor (a Case per day, same tables)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from fleetopt.case import load_case
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.simulation import annual, engine

LINE10 = Path(__file__).resolve().parents[2] / "data" / "inputs" / "generated_gtfs_line10"


def _no_wall(s: dict) -> dict:
    return {k: v for k, v in s.items() if k != "wall_s"}


def test_days_of_one_demand_read_the_fleets_once(tmp_path: Path, monkeypatch) -> None:
    """GIVEN a GTFS fleet and a generator fleet, weekdays at demand 1.0 and weekend days at 0.5
    WHEN four days run with one shared inputs memo THEN load_case runs once per demand factor
    (2, not 4) and every day equals a fresh simulate(load_case(day_scenario))."""
    feed = tmp_path / "line10.zip"
    with zipfile.ZipFile(feed, "w") as z:
        for f in sorted(LINE10.iterdir()):
            z.write(f, f.name)
    d = {"name": "a", "seed": 5, "network": "beijing-central-2024",
         "fleets": [{"name": "line10", "gtfs": "line10.zip", "date": "2024-03-04"},
                    {"name": "san", "generator": "beijing-sanitation", "size": 4,
                     "powertrain": {"bev": 0.5, "diesel": 0.5}}]}
    sc = scenario_from_dict(d, base_dir=tmp_path)
    net = load_network("beijing-central-2024")
    days = annual.representative_days(2025, weekend_demand_factor=0.5)
    pick = [days[0], days[1], days[12], days[13]]
    assert sorted({x.demand_factor for x in pick}) == [0.5, 1.0]
    calls = []
    real = annual.load_case

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(annual, "load_case", counted)
    inputs: dict = {}
    got = [annual.simulate_day(sc, day, net, inputs) for day in pick]
    assert len(calls) == 2
    assert sorted(inputs) == [0.5, 1.0]
    monkeypatch.undo()
    for day, summary in zip(pick, got, strict=True):
        fresh = engine.simulate(load_case(annual.day_scenario(sc, day), net)).summary()
        assert _no_wall(summary) == _no_wall(json.loads(json.dumps(fresh)))
    assert got[0]["vehicles"] > got[1]["vehicles"]  # the weekend runs half the generated fleet
