"""``fleetopt site``: CONTRACT §2 keys, exit codes, located messages, output files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fleetopt.cli import app

CONTRACT_KEYS = ["model", "status", "objective", "bound", "gap", "open_sites", "wall_s"]

runner = CliRunner()


class _Out:
    def __init__(self, res: Any) -> None:
        self.returncode = res.exit_code
        self.stdout = res.stdout
        self.stderr = res.stderr


def _site(*args: str) -> _Out:
    return _Out(runner.invoke(app, ["site", *args]))


def test_orlib_pmed_json_real_process(data_dir: Path) -> None:
    """GIVEN pmed1 WHEN `python -m fleetopt site --orlib-pmed --json` THEN only JSON on stdout,
    exactly the contract keys, 1-based ids, the optimum; the model-size line on stderr."""
    r = subprocess.run([sys.executable, "-m", "fleetopt", "site", "--orlib-pmed",
                        str(data_dir / "siting" / "pmed1.txt"), "--json"],
                       capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == CONTRACT_KEYS  # no assignments for OR-Library without --assignments
    assert doc["status"] == "optimal"
    assert doc["objective"] == 5819
    assert doc["gap"] == 0
    assert all(1 <= s <= 100 for s in doc["open_sites"])
    assert "model size:" in r.stderr


def test_orlib_pmed_p_override_and_assignments(data_dir: Path) -> None:
    r = _site("--orlib-pmed", str(data_dir / "siting" / "pmed1.txt"), "--p", "1", "--json",
              "--assignments")
    doc = json.loads(r.stdout)
    assert len(doc["open_sites"]) == 1
    assert len(doc["assignments"]) == 100
    assert {a["site"] for a in doc["assignments"]} == set(doc["open_sites"])


def test_orlib_cap_needs_capacity_word_value(shared_data: Path) -> None:
    """GIVEN capa without --capacity WHEN site THEN exit 2 and a message naming file and field."""
    r = _site("--orlib-cap", str(shared_data / "orlib" / "cap" / "capa.txt"), "--json")
    assert r.returncode == 2
    assert r.stdout == ""
    assert "capa.txt" in r.stderr
    assert "--capacity" in r.stderr
    assert "Traceback" not in r.stderr


def test_orlib_cap_json(data_dir: Path) -> None:
    r = _site("--orlib-cap", str(data_dir / "siting" / "cap41.txt"), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["model"] == "cflp"
    assert doc["objective"] == pytest.approx(1040444.375, abs=0.002)


def test_malformed_file_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "pmedX.txt"
    bad.write_text("3 2 1\n1 2 5\n2 z 1\n")
    r = _site("--orlib-pmed", str(bad), "--json")
    assert r.returncode == 2
    assert "row 3" in r.stderr
    assert str(bad) in r.stderr
    assert "Traceback" not in r.stderr


def _exits_2_naming(doc: dict, tmp_path: Path, value: str, named: str) -> None:
    """Write ``doc`` with its placeholder 12345.5 replaced by ``value`` (JSON text such as
    NaN, which json.dumps cannot write); site --problem must exit 2 naming ``named``."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc).replace("12345.5", value), encoding="utf-8")
    r = _site("--problem", str(bad), "--json")
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert named in r.stderr
    assert "internal error" not in r.stderr


@pytest.mark.parametrize(("key", "value"), [("p", "NaN"), ("p", "Infinity"),
                                            ("radius_s", "NaN")])
def test_problem_json_nan_or_infinite_limit_exit_2(data_dir: Path, tmp_path: Path, key: str,
                                                     value: str) -> None:
    """GIVEN the tiny problem with p / radius_s NaN or Infinity (JSON extensions Python reads)
    WHEN site --problem THEN exit 2 naming the key, no internal error."""
    doc = json.loads((data_dir / "siting" / "tiny_problem.json").read_text(encoding="utf-8"))
    doc[key] = 12345.5
    _exits_2_naming(doc, tmp_path, value, key)


@pytest.mark.parametrize(("where", "value"), [("service.max_plugs", "NaN"),
                                              ("service.max_plugs", "2.5"),
                                              ("service.max_plugs", "0"),
                                              ("service.service_time_min", "Infinity"),
                                              ("demand.0.weight", "Infinity"),
                                              ("demand.0.weight", "NaN"),
                                              ("demand.0.node", "1.5")])
def test_problem_json_non_finite_service_or_weight_exit_2(data_dir: Path, tmp_path: Path,
                                                          where: str, value: str) -> None:
    """GIVEN a service-level problem with a NaN / Infinity service value or demand weight, or
    a plug limit that is not a whole number >= 1 (2.5 was silently truncated to 2)
    WHEN site --problem THEN exit 2 naming the key (these crashed in sizing / the heuristic)."""
    doc = json.loads((data_dir / "siting" / "tiny_problem.json").read_text(encoding="utf-8"))
    doc["model"] = "service-level"
    doc["service"] = {"service_time_min": 30, "max_plugs": 4}
    part, *rest = where.split(".")
    if part == "service":
        doc["service"][rest[0]] = 12345.5
    else:
        doc["demand"][int(rest[0])][rest[1]] = 12345.5
    _exits_2_naming(doc, tmp_path, value, where)


@pytest.mark.parametrize(("where", "value"), [("candidates.1.fixed_cost_cny", "NaN"),
                                              ("candidates.1.fixed_cost_cny", "Infinity"),
                                              ("candidates.1.module_capacity", "NaN"),
                                              ("candidates.1.capacity", "Infinity"),
                                              ("candidates.1.max_modules", "Infinity"),
                                              ("candidates.1.max_modules", "2.5"),
                                              ("candidates.1.max_modules", "0"),
                                              ("candidates.1.node", "1.5")])
def test_problem_json_bad_candidate_number_exit_2(data_dir: Path, tmp_path: Path,
                                                  where: str, value: str) -> None:
    """GIVEN a cflp problem whose candidate has a NaN / Infinity cost or capacity, or a module
    count / node that is not a whole number (these reached HiGHS as an invalid model, an
    internal error, or were truncated) WHEN site --problem THEN exit 2 naming the key."""
    doc = json.loads((data_dir / "siting" / "tiny_problem.json").read_text(encoding="utf-8"))
    doc["model"] = "cflp"
    _, i, key = where.split(".")
    doc["candidates"][int(i)][key] = 12345.5
    _exits_2_naming(doc, tmp_path, value, where)


def test_problem_json_capacitated_and_uncapacitated_candidates_mix(data_dir: Path,
                                                                   tmp_path: Path) -> None:
    """GIVEN the tiny problem as cflp, A and C capacitated at 12 (fixed 100), B and D with no
    capacity (fixed 150), value of time 3,600 CNY/h (pair cost = weight x seconds) WHEN site
    THEN the hand optimum: open A, C, D = 350 + d1->A 0 + d2->A 100 + d3->C 0 + d4 (C or D)
    500 + d5->D 0 = 950 (A carries 11 <= 12). Next by hand: all four 1,050, A+C 1,200,
    A+D 1,750, B alone 6,750. (Mixing capacitated and uncapacitated
    candidates gave 'highs failed: MODEL_INVALID' before: no capacity reached the model as
    1e30.)"""
    doc = json.loads((data_dir / "siting" / "tiny_problem.json").read_text(encoding="utf-8"))
    doc.update(model="cflp", value_of_time_cny_per_h=3600.0)
    del doc["p"], doc["radius_s"]
    for c in doc["candidates"]:
        if c["id"] in ("A", "C"):
            c["capacity"] = 12
        else:
            c["fixed_cost_cny"] = 150
    f = tmp_path / "mix.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    r = _site("--problem", str(f), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(950.0, rel=1e-9)
    assert sorted(out["open_sites"]) == ["A", "C", "D"]


def test_bad_option_combination_exit_2(data_dir: Path) -> None:
    r = _site("--orlib-pmed", str(data_dir / "siting" / "pmed1.txt"), "--capacity", "5")
    assert r.returncode == 2
    r = _site("--json")
    assert r.returncode == 2
    assert "exactly one" in r.stderr


def test_problem_json_writes_outputs(data_dir: Path, tmp_path: Path) -> None:
    """GIVEN the tiny problem WHEN site --problem --out THEN GeoJSON, CSV, summary are written."""
    out = tmp_path / "o"
    r = _site("--problem", str(data_dir / "siting" / "tiny_problem.json"), "--json",
              "--out", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == [*CONTRACT_KEYS[:6], "assignments", "wall_s"]
    assert doc["open_sites"] == ["A", "C"]
    gj = json.loads((out / "sites.geojson").read_text())
    assert gj["type"] == "FeatureCollection"
    assert [f["properties"]["id"] for f in gj["features"]] == ["A", "C"]
    assert gj["features"][0]["geometry"]["coordinates"] == [116.30, 39.90]
    assert (out / "assignments.csv").read_text().splitlines()[0].startswith("demand_id,site_id")


def test_infeasible_problem_is_exit_0(data_dir: Path, tmp_path: Path) -> None:
    doc = json.loads((data_dir / "siting" / "tiny_problem.json").read_text())
    doc["radius_s"] = 10
    doc["model"] = "set-cover"
    f = tmp_path / "inf.json"
    f.write_text(json.dumps(doc))
    r = _site("--problem", str(f), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "infeasible"
    assert out["reason"]
