"""``validate``'s human output names the ``base =`` file a problem is in (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fleetopt.cli import app

runner = CliRunner()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _errors(res_stderr: str) -> list[str]:
    return [ln for ln in res_stderr.splitlines() if ln.startswith("error: ")]


def test_a_bad_key_in_a_base_file_is_reported_under_the_base_files_name(tmp_path: Path) -> None:
    """GIVEN top.toml -> sub/mid.toml -> sub/base.toml with a bad key in base.toml and another in
    top.toml WHEN validated THEN each human error line names the file holding the key, with the
    dotted key; JSON keeps the CONTRACT §2 keys and names the base file in its message."""
    _write(tmp_path / "sub" / "base.toml",
           'name = "b"\n[options]\ngrid_region = "mars"\n')
    _write(tmp_path / "sub" / "mid.toml", 'base = "base.toml"\nname = "m"\n')
    top = _write(tmp_path / "top.toml", 'base = "sub/mid.toml"\nname = "t"\nyear = 1999\n')
    res = runner.invoke(app, ["validate", str(top)])
    assert res.exit_code == 2, res.stderr
    lines = _errors(res.stderr)
    base_line = next(ln for ln in lines if "grid_region" in ln)
    assert base_line.startswith(
        f"error: {tmp_path / 'sub' / 'base.toml'}, column 'options.grid_region': "
    ), base_line
    assert "top.toml" not in base_line
    year_line = next(ln for ln in lines if "'year'" in ln)
    assert year_line.startswith(f"error: {top}, column 'year': "), year_line
    assert f"{top}: NOT valid: 2 errors" in res.stderr

    doc = json.loads(runner.invoke(app, ["validate", str(top), "--json"]).stdout)
    assert all(set(e) == {"row", "column", "message"} for e in doc["errors"])
    grid = next(e for e in doc["errors"] if e["column"] == "options.grid_region")
    assert grid["message"].startswith("in base.toml (base file): ")


def test_a_syntax_error_in_a_base_file_names_it_and_its_line(tmp_path: Path) -> None:
    """A base file that is not TOML: the error line names the base file and its row, in the
    human output and in the JSON message (it named neither)."""
    _write(tmp_path / "broken.toml", 'name = "b"\nyear = = 3\n')
    top = _write(tmp_path / "top.toml", 'base = "broken.toml"\nname = "t"\n')
    res = runner.invoke(app, ["validate", str(top)])
    assert res.exit_code == 2
    (line,) = _errors(res.stderr)
    assert line.startswith(f"error: {tmp_path / 'broken.toml'}, row 2: "), line
    doc = json.loads(runner.invoke(app, ["validate", str(top), "--json"]).stdout)
    (err,) = doc["errors"]
    assert err["row"] == 2
    assert err["message"].startswith("in broken.toml (base file): not valid TOML")


def test_a_top_file_without_base_keeps_its_own_name(tmp_path: Path) -> None:
    top = _write(tmp_path / "s.toml", 'name = "t"\n[options]\ngrid_region = "mars"\n')
    res = runner.invoke(app, ["validate", str(top)])
    (line,) = _errors(res.stderr)
    assert line.startswith(f"error: {top}, column 'options.grid_region': unknown grid_region")


def test_a_file_the_scenario_names_is_reported_under_its_own_path(tmp_path: Path) -> None:
    """GIVEN s.toml naming data/trips.csv (relative to s.toml) with a negative distance in
    row 2 THEN the human line names tmp/data/trips.csv, row 2 and the column, not s.toml."""
    _write(
        tmp_path / "data" / "trips.csv",
        "trip_id,vehicle_id,departure,arrival,distance_km\nt1,v1,08:00,09:00,-5\n",
    )
    top = _write(
        tmp_path / "s.toml", 'name = "x"\n[[fleets]]\ntype = "bus"\ntrips = "data/trips.csv"\n'
    )
    res = runner.invoke(app, ["validate", str(top)])
    assert res.exit_code == 2
    line = next(ln for ln in _errors(res.stderr) if "distance_km is -5" in ln)
    assert line.startswith(
        f"error: {tmp_path / 'data' / 'trips.csv'}, row 2, column 'distance_km': "
    ), line
