"""`fleetopt simulate`: CONTRACT keys with --json, tables under --out, exit 2 on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.simulation.result import SUMMARY_KEYS, TYPE_KEYS

DATA = Path(__file__).resolve().parents[2] / "data" / "simulation"
runner = CliRunner()


def test_simulate_json_and_tables(tmp_path: Path) -> None:
    """GIVEN the CONTRACT §4 example scenario WHEN `simulate --json --out` THEN exactly the CONTRACT
    keys, the hand-computed totals, and CSV + Parquet tables plus summary.json in the folder."""
    out = tmp_path / "out"
    res = runner.invoke(app, ["simulate", str(DATA / "hand.toml"), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert list(doc) == list(SUMMARY_KEYS)
    assert list(doc["by_type"]) == ["bus"]
    assert list(doc["by_type"]["bus"]) == list(TYPE_KEYS)
    assert doc["grid_energy_kwh"] == pytest.approx(170.0)
    assert doc["co2_kg"] == pytest.approx(170 * 0.6361 + 30 * 2.68)
    for name in ("trips", "vehicles", "sessions", "stations", "events", "segments", "load_kw"):
        assert (out / f"{name}.csv").is_file()
        assert (out / f"{name}.parquet").is_file()
    assert pd.read_parquet(out / "trips.parquet")["served"].all()
    assert json.loads((out / "summary.json").read_text())["summary"]["trips_total"] == 4


def test_simulate_without_out_stores_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --out the tables go into a new run folder under runs/ (atomic store)."""
    from fleetopt import settings

    monkeypatch.setattr(settings, "RUNS_DIR", tmp_path / "runs")
    res = runner.invoke(app, ["simulate", str(DATA / "hand.toml"), "--json"])
    assert res.exit_code == 0, res.output
    runs = [p for p in (tmp_path / "runs").iterdir() if not p.name.startswith(".")]
    assert len(runs) == 1
    assert (runs[0] / "trips.parquet").is_file()


@pytest.mark.parametrize(("edit", "where"), [
    (("plugs = 1", "plugs = 1\nvoltage = 400"), "stations.0.voltage"),
    (('name = "hand"', 'name = "hand"\ncolour = "red"'), "colour"),
    (("lon = 116.40", "lon = 121.47"), "stations.0.lon"),
])
def test_bad_scenario_exits_2_with_a_located_message(
    tmp_path: Path, edit: tuple[str, str], where: str
) -> None:
    """Unknown keys and a station off the graph exit 2 naming the key path, never a traceback."""
    shutil.copy(DATA / "hand_trips.csv", tmp_path / "hand_trips.csv")
    text = (DATA / "hand.toml").read_text(encoding="utf-8").replace(*edit)
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(tmp_path / "s.toml"), "--json"])
    assert res.exit_code == 2
    assert where in res.stderr
    assert "Traceback" not in res.stderr
    assert res.stdout == ""


def test_unknown_powertrain_in_trips_exits_2_with_row(tmp_path: Path) -> None:
    """A trips row with an unknown powertrain exits 2 naming file, row and column."""
    shutil.copy(DATA / "hand.toml", tmp_path / "hand.toml")
    text = (
        (DATA / "hand_trips.csv")
        .read_text(encoding="utf-8")
        .replace("d1,bus,diesel", "d1,bus,steam")
    )
    (tmp_path / "hand_trips.csv").write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["simulate", str(tmp_path / "hand.toml")])
    assert res.exit_code == 2
    assert "row 5" in res.stderr
    assert "powertrain" in res.stderr


def test_gtfs_fleet_is_simulated_from_the_feed(tmp_path: Path) -> None:
    """GIVEN a GTFS feed (the inputs part's generated line-10 feed, zipped here) electrified to BEV
    with a depot station THEN every feed trip is simulated as a bus trip and the depot charges the
    buses."""
    import zipfile

    feed = Path(__file__).resolve().parents[2] / "data" / "inputs" / "generated_gtfs_line10"
    with zipfile.ZipFile(tmp_path / "feed.zip", "w") as zf:
        for f in sorted(feed.glob("*.txt")):
            zf.write(f, f.name)
    (tmp_path / "s.toml").write_text(
        'name = "gtfs"\nnetwork = "beijing-central-2024"\n'
        '[[fleets]]\ngtfs = "feed.zip"\npowertrain = "bev"\n'
        '[[stations]]\nid = "D1"\nkind = "depot"\nlon = 116.3533634\nlat = 39.875288\nplugs = 20\n'
        "plug_kw = 150\n",
        encoding="utf-8",
    )
    res = runner.invoke(
        app, ["simulate", str(tmp_path / "s.toml"), "--out", str(tmp_path / "o"), "--json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    trips = pd.read_parquet(tmp_path / "o" / "trips.parquet")
    assert doc["trips_total"] == len(trips) > 0
    assert set(trips["powertrain"]) == {"bev"}
    assert set(trips["vehicle_type"]) == {"bus"}
    assert doc["grid_energy_kwh"] > 0
