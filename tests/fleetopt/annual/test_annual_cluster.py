"""The Dask year's cluster and order (issue 16): fleetopt's LocalCluster settings, days started
longest first, fleets made while the cluster starts; none of it changes the answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_annual import BUS, HEADER, _no_wall, _write
from typer.testing import CliRunner

from fleetopt import api
from fleetopt.cli import app
from fleetopt.executors import LOCAL_CLUSTER_CONFIG, dask_client
from fleetopt.simulation import annual
from fleetopt.simulation.annual_days import longest_first

runner = CliRunner()

GENERATED = """name = "two-levels"
seed = 3
year = 2025
network = "beijing-central-2024"

[options]
weekend_demand_factor = 0.5

[[fleets]]
name = "bus"
generator = "beijing-bus"
size = 4
powertrain = "bev"
"""


def test_longest_first_starts_the_most_demand_first_and_keeps_the_calendar_within() -> None:
    """GIVEN a year whose weekend days run half the demand WHEN ordered for a cluster THEN the
    12 weekdays come first, then the 12 weekend days, each group in calendar order, and no day
    is lost or repeated."""
    days = annual.representative_days(2025, weekend_demand_factor=0.5)
    order = longest_first(days)
    assert sorted(d.label for d in order) == sorted(d.label for d in days)
    assert [d.day_type for d in order] == ["weekday"] * 12 + ["weekend"] * 12
    assert [d.month for d in order] == list(range(1, 13)) * 2
    even = annual.representative_days(2025)  # one demand level: the calendar order stays
    assert longest_first(even) == even


@pytest.mark.dask
def test_local_cluster_workers_run_without_the_background_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN fleetopt's LocalCluster WHEN its workers are asked THEN they run without
    distributed's statistical profiler, with the 1 s event-loop tick, and without
    distributed's MALLOC_TRIM_THRESHOLD_ (glibc's own trimming, as in the local run)."""
    import dask

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert LOCAL_CLUSTER_CONFIG["distributed.worker.profile.enabled"] is False

    def settings() -> tuple[object, object, object]:
        return (
            dask.config.get("distributed.worker.profile.enabled"),
            dask.config.get("distributed.admin.tick.interval"),
            os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        )

    with dask_client(None, 2) as client:
        got = client.run(settings)
    assert len(got) == 2
    assert set(got.values()) == {(False, "1s", None)}


@pytest.mark.dask
def test_two_demand_levels_on_dask_equal_local_and_progress_stays_on_stderr(
    tmp_path: Path,
) -> None:
    """GIVEN a generated fleet with weekend demand x0.5 (24 distinct days, started weekdays
    first on Dask) WHEN `simulate --annual --executor dask --json` runs THEN stdout is the
    JSON document only, equal to the local run's (wall times aside), and the progress lines
    (24 of them) are on stderr."""
    p = tmp_path / "gen.toml"
    p.write_text(GENERATED, encoding="utf-8")
    local = api.simulate_annual(p, out_dir=tmp_path / "local")
    res = runner.invoke(
        app,
        ["simulate", str(p), "--annual", "--executor", "dask", "--json",
         "--out", str(tmp_path / "dask")],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert _no_wall(doc) == _no_wall(local)
    assert {d["demand_factor"] for d in doc["days"]} == {1.0, 0.5}
    weekday, weekend = (
        next(d for d in doc["days"] if d["day_type"] == kind) for kind in ("weekday", "weekend")
    )
    assert weekend["trips_total"] < weekday["trips_total"]  # the two levels differ
    assert "annual two-levels 2025: 24/24 done" in res.stderr
    assert res.stderr.count(" done (") == 24
    assert "done" not in res.stdout


@pytest.mark.dask
def test_bad_fleet_input_on_dask_exits_2_naming_the_file(tmp_path: Path) -> None:
    """GIVEN a trips file with a departure that is not a time WHEN the Dask year runs (the
    client reads the fleets while its cluster starts) THEN exit 2 naming the file, no
    traceback, and no day is stored."""
    p = _write(tmp_path, 2025, BUS.replace("06:00", "6 o'clock"))
    assert (tmp_path / "trips.csv").read_text(encoding="utf-8").startswith(HEADER)
    res = runner.invoke(
        app,
        ["simulate", str(p), "--annual", "--executor", "dask", "--json",
         "--out", str(tmp_path / "o")],
    )
    assert res.exit_code == 2, res.output
    assert "trips.csv" in res.stderr
    assert "Traceback" not in res.stderr
    assert not list((tmp_path / "o" / "days").glob("*.json"))
