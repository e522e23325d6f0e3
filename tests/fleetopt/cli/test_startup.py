"""The CLI's start-up (issue 16): each command imports what it needs, through the command table.

Each case runs ``python -m fleetopt ...`` as a whole process and lists the modules it had
imported when it exited; ``--version`` and ``--help`` load neither the api nor numpy, and
``site --orlib-pmed FILE`` loads the p-median solver but not the api, pandas or the road graph.
The document of that light path is the api's, key for key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt import api
from fleetopt.cli import app
from fleetopt.cli._commands import COMMANDS

ROOT = Path(__file__).resolve().parents[3]
PMED = ROOT / "tests" / "data" / "siting"

#: Print the imported modules on stderr when the process exits (after Typer's SystemExit).
_PROBE = ("import atexit, runpy, sys\n"
          "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules))"
          " + '\\n'))\n"
          "sys.argv = ['fleetopt', *sys.argv[1:]]\n"
          "runpy.run_module('fleetopt', run_name='__main__', alter_sys=True)\n")

#: Loaded by every command that does work through the api; never by the cases below.
HEAVY = ("fleetopt.api", "pandas", "networkx", "osmnx", "fleetopt.simulation", "fleetopt.case",
         "fleetopt.siting.problem", "fleetopt.siting.result", "simpy")


def _modules(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, check=False)
    line = [x for x in proc.stderr.splitlines() if x.startswith("MODULES ")][-1]
    return proc, set(line.split()[1:])


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["site", "--help"],
                                  ["plan", "--help"], ["network", "build", "--help"]])
def test_version_and_help_load_no_command(args: list[str]) -> None:
    """GIVEN --version or a --help WHEN run as a process THEN it exits 0 having loaded none of
    the command modules, the api, numpy or pandas."""
    proc, mods = _modules(*args)
    assert proc.returncode == 0, proc.stderr
    assert "fleetopt.cli._commands" in mods  # the probe sees the CLI's own modules
    loaded = {m for m in mods if m.split(".")[0] in ("numpy", "scipy")
              or m.startswith(HEAVY)
              or m in {spec.module for spec in COMMANDS.values()}}
    assert loaded == set()


def test_site_orlib_pmed_loads_the_solver_only() -> None:
    """GIVEN an OR-Library p-median file WHEN ``site --orlib-pmed FILE --json`` runs as a
    process THEN it is solved (the optimum of tests/data/siting/pmed1.txt, 5819) having loaded
    the p-median solver but not the api, pandas, the road graph or the simulation."""
    proc, mods = _modules("site", "--orlib-pmed", str(PMED / "pmed1.txt"), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["status"], doc["objective"]) == ("optimal", 5819)
    assert "fleetopt.siting.pmedian" in mods
    assert "fleetopt.cli._site_pmed" in mods
    assert sorted(m for m in mods if m.startswith(HEAVY)) == []


@pytest.mark.parametrize("name", ["pmed1", "pmed2"])
@pytest.mark.parametrize("extra", [[], ["--assignments"], ["--p", "3"]])
def test_the_light_path_prints_the_api_document(name: str, extra: list[str]) -> None:
    """GIVEN a p-median file WHEN ``site --orlib-pmed`` runs (the light path) THEN its JSON is
    the api's ``site`` document but for the wall time, and the size line is on stderr."""
    path = PMED / f"{name}.txt"
    res = CliRunner().invoke(app, ["site", "--orlib-pmed", str(path), "--json", *extra])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    p = int(extra[1]) if extra[:1] == ["--p"] else None
    ref = json.loads(json.dumps(api.site(orlib_pmed=path, p=p,
                                         assignments="--assignments" in extra)))
    assert doc.pop("wall_s") >= 0
    ref.pop("wall_s")
    assert doc == ref
    assert "model size:" in res.stderr


@pytest.mark.parametrize("args", [
    ["site", "--orlib-pmed", "no/such/pmed.txt"],
    ["site", "--orlib-pmed", str(PMED / "pmed1.txt"), "--p", "0"],
    ["site", "--orlib-pmed", str(PMED / "pmed1.txt"), "--solver", "cplex"],
    ["site", "--orlib-pmed", str(PMED / "pmed1.txt"), "--time-limit", "-1"],
    ["site", "--orlib-pmed", str(PMED / "cap41.txt")],
])
def test_the_light_path_refuses_bad_input_with_exit_2(args: list[str]) -> None:
    """GIVEN a missing file, p out of range, an unknown solver, a negative limit or a file that
    is no p-median file WHEN ``site --orlib-pmed`` runs THEN exit 2 with a message, as the api
    path does (no traceback)."""
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ")
    assert "Traceback" not in res.output


def test_every_command_of_the_table_is_on_the_command_line() -> None:
    """GIVEN the command table WHEN ``--help`` of each listed command is asked for THEN it
    exits 0 and shows the table's summary (internal entries, summary "", excepted)."""
    for name, spec in COMMANDS.items():
        if not spec.summary:
            continue
        res = CliRunner().invoke(app, [*name.split(), "--help"], env={"COLUMNS": "400"})
        assert res.exit_code == 0, (name, res.output)
        assert spec.summary in res.stdout, name


def test_simulate_loads_neither_the_api_nor_the_planner_or_siting(tmp_path: Path) -> None:
    """GIVEN a scenario WHEN ``simulate FILE --json --out DIR`` runs as a process THEN it
    simulates (the trips of the hand scenario, tables written) having loaded the simulation,
    but not the api, the planner, siting, sweeps or OR-Tools."""
    scenario = ROOT / "tests" / "data" / "simulation" / "hand.toml"
    proc, mods = _modules("simulate", str(scenario), "--json", "--no-progress",
                          "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["trips_total"] > 0
    assert (tmp_path / "out" / "summary.json").is_file()
    assert "fleetopt.simulation.engine" in mods
    assert sorted(m for m in mods if m.startswith(
        ("fleetopt.api", "fleetopt.planning", "fleetopt.siting", "fleetopt.sweeps",
         "fleetopt.demo", "ortools"))) == []
