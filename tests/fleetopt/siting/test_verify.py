"""Closed loop (`site --verify`): the new sites are simulated and the service level measured."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fleetopt.api import siting_problem as problem_from_scenario
from fleetopt.api import verify_siting
from fleetopt.case import load_case
from fleetopt.cli import app
from fleetopt.inputs.scenario import read_scenario, scenario_from_dict
from fleetopt.simulation.engine import simulate
from fleetopt.siting.solve import solve
from fleetopt.siting.verify import new_station_records, share_waiting_longer


@pytest.fixture(scope="module")
def no_depot(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand scenario without its depot: one BEV bus (100 kWh, 1 kWh/km) with trips of
    50, 30 and 90 km back to back, so without a charger the 90 km trip is missed (20 kWh
    left)."""
    d = tmp_path_factory.mktemp("verify")
    shutil.copy(data_dir / "simulation" / "hand_trips.csv", d / "hand_trips.csv")
    text = (data_dir / "simulation" / "hand.toml").read_text()
    text = text[:text.index("[[stations]]")] + text[text.index("[horizon]"):]
    (d / "nodepot.toml").write_text(text)
    return d / "nodepot.toml"


def test_verify_adds_the_new_site_and_recovers_the_missed_trip(no_depot: Path) -> None:
    """GIVEN the depot-less scenario WHEN sited with p=1 and verified THEN the base run misses
    1 trip, the run with the new public station misses none (adding stations never misses
    more), and the reported share equals the share recounted from the sessions table of
    the same simulation (no visit waited: one bus, 4 plugs -> 0)."""
    scen = read_scenario(no_depot)
    prob = problem_from_scenario(no_depot, p=1)
    res = solve(prob, time_limit_s=30)
    assert res.status == "optimal"
    base = simulate(load_case(scen, prob.network)).summary()
    assert base["trips_missed"] == 1
    v = verify_siting(scen, res, network=prob.network)
    assert v["stations_added"] == 1
    assert v["trips_missed"] == 0 <= base["trips_missed"]
    assert v["service_level_min"] == 10.0  # siting_params.csv
    assert v["target_share"] == 0.2
    # recount from the simulation's own sessions table
    raw = dict(scen.raw)
    raw["stations"] = new_station_records(res)
    assert raw["stations"][0]["plugs"] == 4  # verify_plugs_per_site
    assert raw["stations"][0]["plug_kw"] == 60.0
    sim = simulate(load_case(scenario_from_dict(raw, base_dir=scen.base_dir, file=scen.file),
                             prob.network))
    ses = sim.sessions
    assert len(ses) >= 1
    assert set(ses["station_id"]) == {raw["stations"][0]["id"]}
    longer = ((ses["action"] == "gave_up") | (ses["wait_s"] > 600.0)).sum()
    assert v["share_waiting_longer"] == longer / len(ses) == 0.0
    assert v["met"] is True
    assert v["charge_wait_max_min"] == sim.summary()["charge_wait_max_min"]
    # a threshold below every wait (W < 0) makes every visit "longer": share 1, not met
    strict = verify_siting(scen, res, network=prob.network, max_wait_min=-1.0)
    assert strict["share_waiting_longer"] == 1.0
    assert strict["met"] is False


def test_share_waiting_longer_by_hand() -> None:
    """GIVEN waits of 0, 5, 10, 11 min and one give-up WHEN W = 10 min THEN 2 of 5 (11 min and
    the give-up; exactly 10 min is not longer)."""
    ses = pd.DataFrame({"action": ["charge"] * 4 + ["gave_up"],
                        "wait_s": [0.0, 300.0, 600.0, 660.0, float("nan")]})
    assert share_waiting_longer(ses, 10.0) == pytest.approx(0.4)
    assert share_waiting_longer(ses.iloc[:0], 10.0) == 0.0


def test_cli_verify_json_and_bad_combination(no_depot: Path, data_dir: Path) -> None:
    """GIVEN `site SCENARIO --p 1 --verify --json` THEN a `verify` key with the contract
    fields; `--verify` with an OR-Library file THEN exit 2 with a located message."""
    runner = CliRunner()
    r = runner.invoke(app, ["site", str(no_depot), "--p", "1", "--verify", "--json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc["verify"]) == {"service_level_min", "share_waiting_longer", "target_share",
                                  "met", "charge_wait_mean_min", "charge_wait_max_min",
                                  "trips_missed", "stations_added"}
    assert doc["verify"]["trips_missed"] == 0
    r = runner.invoke(app, ["site", "--orlib-pmed", str(data_dir / "siting" / "pmed1.txt"),
                            "--verify", "--json"])
    assert r.exit_code == 2
    assert "--verify" in r.stderr
