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

from fleetopt.cli._commands import COMMANDS  # noqa: E402

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


#: Modules that may still import fleetopt's own modules inside a function: only those other
#: issue-13 branches are restructuring. One line per module; delete a line once its branch is
#: merged and the module has no local import left (the list should end empty).
LOCAL_IMPORTS_PENDING: frozenset[str] = frozenset()

#: Modules over ``import_graph.BIG_LINES`` lines allowed without a reason in their docstring:
#: only those other issue-13 branches are splitting. Delete a line once its module is split.
BIG_MODULES_PENDING: frozenset[str] = frozenset()

#: The phrase a module's docstring uses to say why it is over the size limit.
BIG_MODULE_REASON = "Longer than the size limit because"


def test_no_function_local_imports_of_fleetopt(scanned: tuple) -> None:
    """GIVEN fleetopt and apps WHEN function-local imports of fleetopt's own modules are listed
    THEN there are none outside the modules other branches are still moving (optional heavy
    dependencies such as dask and streamlit are not fleetopt's own and are not listed)."""
    _, local, _ = scanned
    bad = [x for x in local if x[0] not in LOCAL_IMPORTS_PENDING]
    assert bad == []


#: The one import of a module by name allowed in fleetopt and apps: the CLI's command table
#: (pip's pattern; docs/INTERFACES.md, CLI). Not a blanket allowance: exactly this function.
DYNAMIC_IMPORT_ALLOWED = frozenset({("fleetopt.cli._commands", "dispatch")})


def _dynamic_imports(root: Path) -> list[tuple[str, str, int]]:
    """Every call of ``importlib.import_module``, ``import_module`` or ``__import__`` under
    fleetopt/ and apps/: (module, enclosing function or "<module>", line)."""
    found = []
    for path in sorted((root / "fleetopt").rglob("*.py")) + sorted((root / "apps").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts = list(path.relative_to(root).with_suffix("").parts)
        mod = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        owner: dict[int, str] = {}
        for f in ast.walk(tree):
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef):
                for n in ast.walk(f):
                    owner.setdefault(id(n), f.name)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            if name in ("import_module", "__import__"):
                found.append((mod, owner.get(id(node), "<module>"), node.lineno))
    return found


def test_the_only_import_by_name_is_the_cli_command_table() -> None:
    """GIVEN fleetopt and apps WHEN calls that import a module by name are listed THEN the only
    one is :func:`fleetopt.cli._commands.dispatch` (import-linter and the scan above cannot see
    such imports, so each one would be a hole in the layer checks)."""
    found = _dynamic_imports(ROOT)
    assert {(m, f) for m, f, _ in found} == set(DYNAMIC_IMPORT_ALLOWED)
    assert len(found) == 1


def test_the_dynamic_import_check_can_fail(tmp_path: Path) -> None:
    """GIVEN a package with an ``importlib.import_module`` call outside the table WHEN scanned
    THEN it is listed (so the test above can fail)."""
    pkg = tmp_path / "fleetopt"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("import importlib\n\n\ndef f(n):\n"
                              "    return importlib.import_module(n)\n")
    (tmp_path / "apps").mkdir()
    assert _dynamic_imports(tmp_path) == [("fleetopt.a", "f", 5)]


def test_every_command_module_imports_and_keeps_the_layers(scanned: tuple) -> None:
    """GIVEN the CLI's command table WHEN each module is imported THEN it has the function the
    table names; and with the table's imports added to the graph as edges (from the table's
    module) there is still no cycle and no back-arrow: every command module sits in the CLI
    layer, above the api."""
    graph, _, _ = scanned
    g = graph.copy()
    for name, spec in COMMANDS.items():
        mod = importlib.import_module(spec.module)
        assert callable(getattr(mod, spec.function)), name
        assert spec.module in graph, name  # a module of the source tree, scanned above
        assert spec.module.startswith("fleetopt.cli."), name
        g.add_edge("fleetopt.cli._commands", spec.module)
    assert [c for c in import_graph.nx.strongly_connected_components(g) if len(c) > 1] == []
    assert set(import_graph.back_arrows(g)) <= KNOWN_BACK_ARROWS


def test_the_scan_reports_a_local_import_and_a_big_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a small package with one function-local import of its own module, one of dask,
    one module-level import and one long module WHEN scanned THEN only the first is a local
    import and only the long module is over the limit (so the tests above can fail)."""
    pkg = tmp_path / "fleetopt"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "units.py").write_text("X = 1\n")
    (pkg / "a.py").write_text(
        "from fleetopt import units\n\n\ndef f():\n    from fleetopt import units as u\n"
        "    import dask\n    return u, dask\n"
    )
    (pkg / "big.py").write_text("x = 1\n" * (import_graph.BIG_LINES + 1))
    (tmp_path / "apps").mkdir()
    monkeypatch.setattr(import_graph, "ROOT", tmp_path)
    _, local, lines = import_graph.scan()
    assert local == [("fleetopt.a", "fleetopt", 5)]
    assert [m for m, n in lines.items() if n > import_graph.BIG_LINES] == ["fleetopt.big"]


def test_big_modules_give_a_reason(scanned: tuple) -> None:
    """GIVEN every module WHEN one is over the size limit THEN its docstring says why (the
    phrase BIG_MODULE_REASON), unless another branch is splitting it."""
    _, _, lines = scanned
    big = {m for m, n in lines.items() if n > import_graph.BIG_LINES}
    unexplained = []
    for mod in sorted(big - BIG_MODULES_PENDING):
        path = ROOT.joinpath(*mod.split(".")).with_suffix(".py")
        if not path.exists():
            path = ROOT.joinpath(*mod.split("."), "__init__.py")
        doc = import_graph.ast.get_docstring(import_graph.ast.parse(path.read_text("utf-8"))) or ""
        if BIG_MODULE_REASON not in doc:
            unexplained.append((mod, lines[mod]))
    assert unexplained == []


def test_pending_lists_name_real_modules(scanned: tuple) -> None:
    """GIVEN the two allow-lists WHEN compared with the source THEN every entry is a module that
    still needs it (a stale entry would hide a regression)."""
    _, local, lines = scanned
    still_local = {m for m, _, _ in local}
    still_big = {m for m, n in lines.items() if n > import_graph.BIG_LINES}
    assert set(lines) >= LOCAL_IMPORTS_PENDING
    assert set(lines) >= BIG_MODULES_PENDING
    stale_local = LOCAL_IMPORTS_PENDING - still_local
    stale_big = BIG_MODULES_PENDING - still_big
    assert not stale_local, f"no local import left: delete from LOCAL_IMPORTS_PENDING {stale_local}"
    assert not stale_big, f"split already: delete from BIG_MODULES_PENDING {stale_big}"


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
    requests, GTFS or network file, generates demand, builds a Case or resolves a vehicle spec:
    that is load_case's (fleetopt.case), called by the api, planning and the annual run."""
    readers = {"read_trips", "read_requests", "read_gtfs_trips", "load_network", "load_graph",
               "read_scenario", "read_stations", "generate", "load_case", "build_case",
               "resolve_spec", "default_spec"}
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
    assert bad == []  # simulate takes a Case: the simulation never builds one


@pytest.mark.skipif(importlib.util.find_spec("importlinter") is None,
                    reason="import-linter (dev extra) not installed")
def test_import_linter_contracts_are_kept() -> None:
    """GIVEN the contracts in pyproject.toml WHEN lint-imports runs THEN all are kept."""
    code = ("import sys; from importlinter.cli import lint_imports_command; "
            "sys.argv = ['lint-imports', '--no-cache']; sys.exit(lint_imports_command())")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
