"""`fleetopt targets` for a person: every row with its band, and the reason of each no_data row."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fleetopt.cli import app

runner = CliRunner()


def test_human_table_shows_band_and_reasons() -> None:
    """GIVEN the default targets WHEN printed for a person (wide terminal) THEN each row whose
    band is wider than its value shows 'low to high' as in --json, and every no_data row's
    reason is printed."""
    rows = json.loads(runner.invoke(app, ["targets", "--json"]).stdout)
    res = runner.invoke(app, ["targets"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    banded = [r for r in rows if r["low"] is not None and r["low"] != r["high"]]
    assert banded
    assert res.stdout.count(" to ") >= len(banded)
    no_data = [r for r in rows if r["status"] == "no_data"]
    for r in no_data:
        assert r["reason"]
        assert f"{r['id']}: no_data" in res.stdout.replace("\n", " ")
