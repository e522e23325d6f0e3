"""The architecture of issue 13 as tests: one-way layers, no cycles, the app only via the api.

``docs/import_graph.py`` reads the source with :mod:`ast` (no import-linter needed); when
import-linter is installed (the dev extra) its contracts in ``pyproject.toml`` run too.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs"))
import import_graph  # noqa: E402

#: Back-arrows still allowed: none (simulation.result took to_jsonable from cli._common; it
#: now imports it from the foundation module fleetopt._json).
KNOWN_BACK_ARROWS: set[tuple[str, str]] = set()


@pytest.fixture(scope="module")
def scanned() -> tuple:
    return import_graph.scan()


def test_no_import_cycles(scanned: tuple) -> None:
    """GIVEN fleetopt and apps WHEN the import graph is built THEN it has no cycle."""
    graph, _, _ = scanned
    cycles = [c for c in import_graph.nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == []


def test_layers_point_one_way(scanned: tuple) -> None:
    """GIVEN the layer order of STYLE.md WHEN every import is checked THEN none points back
    (and simulation and siting never import each other)."""
    graph, _, _ = scanned
    assert set(import_graph.back_arrows(graph)) <= KNOWN_BACK_ARROWS


def test_siting_and_simulation_are_independent(scanned: tuple) -> None:
    """GIVEN the import graph WHEN edges between siting and simulation are listed THEN none."""
    graph, _, _ = scanned
    pkg = {"fleetopt.siting", "fleetopt.simulation"}
    crossing = [(a, b) for a, b in graph.edges
                if {".".join(a.split(".")[:2]), ".".join(b.split(".")[:2])} == pkg]
    assert crossing == []


def test_app_imports_only_the_api_and_foundation(scanned: tuple) -> None:
    """GIVEN apps/ WHEN its imports of fleetopt are listed THEN each is the api or foundation."""
    graph, _, _ = scanned
    allowed = {"fleetopt", "fleetopt.api", "fleetopt.settings", "fleetopt._json",
               "fleetopt.errors", "fleetopt.units"}
    bad = [(a, b) for a, b in graph.edges
           if a.startswith("apps") and b.startswith("fleetopt") and b not in allowed]
    assert bad == []


def test_no_local_imports_in_the_restructured_modules(scanned: tuple) -> None:
    """GIVEN siting, api, demo, sweeps, simulation, the demand generators and the Case WHEN
    function-local imports of fleetopt are listed THEN there are none (the CLI's lazy api
    import is documented in cli/__init__.py)."""
    _, local, _ = scanned
    ours = [x for x in local if x[0].startswith(("fleetopt.siting", "fleetopt.api",
                                                 "fleetopt.demo", "fleetopt.sweeps",
                                                 "fleetopt.simulation", "fleetopt.demand",
                                                 "fleetopt.case",
                                                 "fleetopt.inputs.default_demand"))]
    assert ours == []


def test_simulation_demand_and_case_modules_stay_under_700_lines(scanned: tuple) -> None:
    """GIVEN the simulation, the demand generators and the Case WHEN their modules are measured
    THEN none is over 700 lines (issue 13: engine.assemble became simulation/tables.py)."""
    _, _, lines = scanned
    big = {m: n for m, n in lines.items()
           if m.startswith(("fleetopt.simulation", "fleetopt.demand", "fleetopt.case"))
           and n > 700}
    assert big == {}


def test_the_simulation_reads_no_scenario_file() -> None:
    """GIVEN the day's simulation modules (all of simulation/ but annual, which builds a Case
    per representative day) WHEN the names they import are listed THEN none reads a trips,
    requests, GTFS or network file or generates demand: that is load_case's (fleetopt.case)."""
    readers = {"read_trips", "read_requests", "read_gtfs_trips", "load_network", "load_graph",
               "read_scenario", "read_stations", "generate", "load_case"}
    bad = []
    for path in sorted((ROOT / "fleetopt" / "simulation").glob("*.py")):
        if path.name == "annual.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                    "fleetopt"):
                bad += [(path.name, a.name) for a in node.names if a.name in readers]
            if isinstance(node, ast.ImportFrom) and node.module in ("fleetopt", "fleetopt.inputs"):
                bad += [(path.name, a.name) for a in node.names
                        if a.name in ("demand", "schedules", "gtfs", "road_graph")]
    assert bad == [("engine.py", "load_case")]  # only to accept an old-style Scenario


@pytest.mark.skipif(importlib.util.find_spec("importlinter") is None,
                    reason="import-linter (dev extra) not installed")
def test_import_linter_contracts_are_kept() -> None:
    """GIVEN the contracts in pyproject.toml WHEN lint-imports runs THEN all are kept."""
    code = ("import sys; from importlinter.cli import lint_imports_command; "
            "sys.argv = ['lint-imports', '--no-cache']; sys.exit(lint_imports_command())")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
