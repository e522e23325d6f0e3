"""Formula injection: ids and names starting with = + - @ or a tab, written by the CLI
(simulate --out, the run store, site --out), get the app downloads' leading apostrophe;
numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from fleetopt.results.export import escape_cell, escape_csv_file
from tests.fleetopt.adversarial._cli import fleetopt

SITING = Path(__file__).resolve().parents[2] / "data" / "siting"
HOSTILE = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1"]


def _scenario(folder: Path) -> Path:
    rows = [
        (
            "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
            "destination_lon,destination_lat,distance_km"
        )
    ]
    for k, bad in enumerate(HOSTILE):
        vid = bad.replace('"', "").replace(",", ";")
        rows.append(
            f'"{vid}",bus,diesel,"{vid}#{k}",{6 + k:02d}:00,{6 + k:02d}:30,'
            "116.40,39.90,116.41,39.91,12.5"
        )
    (folder / "trips.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    path = folder / "s.toml"
    path.write_text('name = "=evil"\n[[fleets]]\ntrips = "trips.csv"\n', encoding="utf-8")
    return path


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [c for rec in csv.reader(fh) for c in rec]


def _assert_escaped(folder: Path) -> None:
    files = sorted(folder.rglob("*.csv"))
    assert files
    cells = [c for f in files for c in _cells(f)]
    assert not [c for c in cells if escape_cell(c) != c], "an unescaped formula-like cell"
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert any(c.startswith("'@SUM") for c in cells)
    trips = pd.read_csv(folder.rglob("trips.csv").__next__())
    assert pd.api.types.is_numeric_dtype(trips["distance_km"])


def test_simulate_out_escapes(tmp_path: Path) -> None:
    out = fleetopt("simulate", str(_scenario(tmp_path)), "--out", str(tmp_path / "o"), "--json")
    assert out.code == 0, out.stderr
    _assert_escaped(tmp_path / "o")


def test_run_store_escapes(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    out = fleetopt(
        "simulate", str(_scenario(tmp_path)), "--json", env={"FLEETOPT_RUNS_DIR": str(runs)}
    )
    assert out.code == 0, out.stderr
    (run,) = [p for p in runs.iterdir() if not p.name.startswith(".")]
    _assert_escaped(run)
    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    trips = next(f for f in manifest["files"] if f["path"].endswith("trips.csv"))
    import hashlib

    digest = hashlib.sha256((run / trips["path"]).read_bytes()).hexdigest()
    assert digest == trips["sha256"]  # hashed after escaping


def test_site_out_escapes(tmp_path: Path) -> None:
    doc = json.loads((SITING / "tiny_problem.json").read_text(encoding="utf-8"))
    doc["candidates"][0]["id"] = "=1+1"
    doc["demand"][0]["id"] = "@evil"
    (tmp_path / "p.json").write_text(json.dumps(doc), encoding="utf-8")
    out = fleetopt(
        "site", "--problem", str(tmp_path / "p.json"), "--out", str(tmp_path / "o"), "--json"
    )
    assert out.code == 0, out.stderr
    cells = _cells(tmp_path / "o" / "assignments.csv")
    assert "'@evil" in cells
    assert not [c for c in cells if escape_cell(c) != c]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        ("-1e-3", "-1e-3"),
        ("007", "007"),
        ("-A", "'-A"),
        ("=1", "'=1"),
        ("\t=1", "'\t=1"),
        ("\r@x", "'\r@x"),
        ("a=b", "a=b"),
    ],
)
def test_escape_csv_file_keeps_numbers_and_text(tmp_path: Path, cell: str, expected: str) -> None:
    path = tmp_path / "t.csv"
    quoted = '"' + cell + '"' if "\r" in cell else cell
    path.write_bytes(f"id,x\n{quoted},-2.50\n".encode())
    escape_csv_file(path)
    assert _cells(path) == ["id", "x", expected, "-2.50"]
