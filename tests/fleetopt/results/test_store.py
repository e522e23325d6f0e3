"""Run store: whole runs or none, manifests with hashes, safe ids, SIGKILL at random moments."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.errors import InputError
from fleetopt.results.store import MANIFEST, clean_stale, list_runs, load_run, new_run


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_a_clean_run_is_committed_with_hashes(tmp_path: Path) -> None:
    """GIVEN a scenario and an input WHEN a run exits cleanly THEN runs/<id>/ holds everything."""
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\nseed = 7\n', encoding="utf-8")
    trips = tmp_path / "trips.csv"
    trips.write_bytes("vehicle_id\n京B1\n".encode())
    root = tmp_path / "runs"
    with new_run(
        "simulate",
        scenario_path=scen,
        inputs=[trips, ("upload ../../etc.csv", b"abc")],
        root=root,
        meta={"seed": 7},
    ) as d:
        (d / "summary.json").write_text('{"co2_kg": 1.5}', encoding="utf-8")
        (d / "tables").mkdir()
        (d / "tables" / "trips.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        assert d.name.startswith(".tmp-")
        assert list_runs(root) == []  # not visible before commit
    runs = list_runs(root)
    assert len(runs) == 1
    r = load_run(runs[0]["id"], root, verify=True)
    assert r.meta["command"] == "simulate"
    assert r.meta["scenario"]["sha256"] == sha(scen)
    assert (r.path / "scenario.toml").read_text(encoding="utf-8") == scen.read_text(
        encoding="utf-8"
    )
    assert r.meta["inputs"][0]["sha256"] == sha(trips)
    assert r.meta["inputs"][1] == {
        "name": "upload ../../etc.csv",
        "bytes": 3,
        "sha256": hashlib.sha256(b"abc").hexdigest(),
    }
    assert {f["path"] for f in r.meta["files"]} == {
        "summary.json",
        "tables/trips.csv",
        "scenario.toml",
    }
    assert r.meta["meta"] == {"seed": 7}
    assert r.meta["fleetopt_version"]
    assert not list((tmp_path / "runs").glob(".tmp-*"))
    # the upload name never became a path
    assert not (tmp_path / "etc.csv").exists()


def _fail_halfway(root: Path) -> None:
    """Write half a run, then fail inside the ``new_run`` block."""
    with new_run("simulate", root=root) as d:
        (d / "half.csv").write_text("x")
        raise RuntimeError("boom")


def test_a_failed_run_leaves_nothing(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    with pytest.raises(RuntimeError):
        _fail_halfway(root)
    assert list(root.iterdir()) == []


def test_verify_detects_a_changed_file(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    with new_run("demo", root=root) as d:
        (d / "a.txt").write_text("1")
    rid = list_runs(root)[0]["id"]
    (root / rid / "a.txt").write_text("2")
    with pytest.raises(InputError, match="does not match"):
        load_run(rid, root, verify=True)


@pytest.mark.parametrize("bad", ["../x", ".tmp-1", "a/b", "", "..", "x" * 200])
def test_bad_run_ids_are_input_errors(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InputError):
        load_run(bad, tmp_path)


def test_runs_cli_list_and_show(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    with new_run("sweep", root=root) as d:
        (d / "results.csv").write_text("variant\n0\n")
    rid = list_runs(root)[0]["id"]
    runner = CliRunner()
    res = runner.invoke(app, ["runs", "list", "--root", str(root), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["id"] == rid
    res = runner.invoke(app, ["runs", "show", rid, "--root", str(root), "--json", "--verify"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["files"][0]["path"] == "results.csv"
    res = runner.invoke(app, ["runs", "show", "nope", "--root", str(root)])
    assert res.exit_code == 2


def test_stale_temporary_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    root.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = root / f".tmp-20260101T000000Z-x-abc-{dead.stdout.strip()}"
    stale.mkdir()
    mine = root / f".tmp-20260101T000000Z-y-abc-{os.getpid()}"
    mine.mkdir()
    assert clean_stale(root) == [stale]
    assert mine.exists()


WRITER = r"""
import sys, os
from pathlib import Path
from fleetopt.results.store import new_run
root = Path(sys.argv[1])
print("ready", flush=True)  # imports done: the kill window starts at the first write
i = 0
while True:
    with new_run("simulate", root=root, meta={"i": i}) as d:
        for k in range(6):
            (d / f"part{k}.csv").write_bytes(os.urandom(40_000))
    i += 1
"""


def test_sigkill_at_random_moments_never_leaves_a_partial_run(tmp_path: Path) -> None:
    """GIVEN a process committing runs in a loop WHEN SIGKILLed at random moments
    THEN every visible run is whole (manifest present, every file matches its hash)."""
    root = tmp_path / "runs"
    rng = random.Random(20261125)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    kills = inside = 0
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        # under load the interpreter's start-up alone can take over a second: wait for the
        # writer to be ready so every kill lands while it is writing, not while it imports
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.1 + rng.random() * 0.6)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        kills += 1
        inside += bool(list(root.glob(".tmp-*")))  # the next writer cleans it up
    assert kills == 12
    runs = [d for d in root.iterdir() if not d.name.startswith(".")]
    assert runs, "the writer never committed a run; the test proves nothing"
    for d in runs:
        meta = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        assert len(meta["files"]) == 6
        for f in meta["files"]:
            assert sha(d / f["path"]) == f["sha256"]
        assert sorted(p.name for p in d.iterdir()) == sorted(
            [MANIFEST, *(f"part{k}.csv" for k in range(6))]
        )
    assert len(list_runs(root)) == len(runs)
    print(f"{len(runs)} whole runs; {inside} of {kills} kills landed inside a run")
    assert inside >= 3, "too few kills landed inside a run; the test proves little"
    clean_stale(root)
    assert not list(root.glob(".tmp-*"))


def test_runs_are_listed_oldest_first_with_paths_and_referenced_inputs_hashed(
    tmp_path: Path,
) -> None:
    """GIVEN two runs, the second with a scenario naming a trips file WHEN listed THEN the
    newest is last, each entry has its path, and the trips file's hash is recorded."""
    root = tmp_path / "runs"
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\n[[fleets]]\ntrips = "trips.csv"\n', encoding="utf-8")
    trips = tmp_path / "trips.csv"
    trips.write_text("vehicle_id\nb1\n", encoding="utf-8")
    with new_run("demo", root=root) as d:
        (d / "a.txt").write_text("1")
    scenario = {"name": "x", "fleets": [{"trips": "trips.csv"}, {"gtfs": "missing.zip"}]}
    with new_run("simulate", scenario_path=scen, scenario=scenario, inputs=[scen], root=root) as d:
        (d / "b.txt").write_text("2")
    runs = list_runs(root)
    assert [r["command"] for r in runs] == ["demo", "simulate"]
    assert Path(runs[-1]["path"]) == root / runs[-1]["id"]
    inputs = load_run(runs[-1]["id"], root).meta["inputs"]
    assert [i["name"] for i in inputs] == [str(scen), str(tmp_path / "trips.csv")]
    assert inputs[1]["sha256"] == sha(trips)


def test_run_files_cannot_leave_the_run_folder(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    with new_run("demo", root=root) as d:
        (d / "a.txt").write_text("1")
    r = load_run(list_runs(root)[0]["id"], root)
    assert r.file("a.txt").read_text() == "1"
    for bad in ("../../etc/passwd", "/etc/passwd", "../" + r.id + "/a.txt/../../x"):
        with pytest.raises(InputError):
            r.file(bad)
