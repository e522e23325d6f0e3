"""Report fleetopt's import graph: cycles, back-arrows, function-local imports, big modules.

Run from the repository root (no install needed; reads the source with :mod:`ast`)::

    python docs/import_graph.py            # summary
    python docs/import_graph.py --verbose  # every cycle, back-arrow and local import

Layers (STYLE.md): foundation (errors, units, settings, defaults, _json, _csv_text, deadline) may be
imported from anywhere; otherwise a module may import only from layers to its left:
inputs -> domain -> simulation | siting | planning -> results -> sweeps -> demo -> api
-> cli | apps. ``simulation``, ``siting`` and ``planning`` must not import each other.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
FOUNDATION = {"errors", "units", "settings", "defaults", "_json", "deadline", "powertrains",
              "_mathopt", "_csv_text",
              "executors", "__init__",
              "__main__"}
RANK = {
    "inputs": 1,
    "demand": 2,  # the embedded demand generators; beside domain, neither imports the other
    "domain": 2,
    "case": 2.5,  # load_case: reads and generates a scenario's inputs once (fleetopt/case.py)
    "simulation": 3,
    "siting": 3,
    "planning": 3.5,  # the operator planner runs the simulation's preparation; never siting
    "results": 4,
    "sweeps": 5,
    "demo": 6,
    "api": 7,
    "cli": 8,
    "apps": 8,
}
PEERS = {"simulation", "siting"}
#: Optional heavy dependencies: a function-local import of these is allowed.
OPTIONAL = ("dask", "distributed", "streamlit", "playwright", "plotly", "pydeck")
BIG_LINES = 700


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "apps":
        return "apps"
    if parts[0] != "fleetopt" or len(parts) == 1:
        return None
    if parts[1] in FOUNDATION:
        return None
    return parts[1]


def _resolve(module: str, is_pkg: bool, node: ast.ImportFrom) -> list[str]:
    if node.level:
        base = module.split(".")
        base = base if is_pkg else base[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base)
        target = f"{prefix}.{node.module}" if node.module else prefix
    else:
        target = node.module or ""
    names = [f"{target}.{a.name}" for a in node.names]
    return [target, *names]


def scan() -> tuple[nx.DiGraph, list[tuple[str, str, int]], dict[str, int]]:
    """Return the module graph, the function-local imports and the line counts."""
    files = sorted((ROOT / "fleetopt").rglob("*.py")) + sorted((ROOT / "apps").rglob("*.py"))
    modules = {_module_name(p): p for p in files}
    graph: nx.DiGraph = nx.DiGraph()
    local: list[tuple[str, str, int]] = []
    lines: dict[str, int] = {}
    for mod, path in modules.items():
        text = path.read_text(encoding="utf-8")
        lines[mod] = text.count("\n")
        tree = ast.parse(text)
        graph.add_node(mod)
        is_pkg = path.name == "__init__.py"
        funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        in_func = {id(n) for f in funcs for n in ast.walk(f) if n is not f}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = _resolve(mod, is_pkg, node)
            else:
                continue
            own = [t for t in targets if t in modules]
            if not own:
                if id(node) in in_func and not any(
                    t.split(".")[0] in OPTIONAL for t in targets
                ) and any(t.split(".")[0] in {"fleetopt", "apps"} for t in targets):
                    local.append((mod, targets[0], node.lineno))
                continue
            type_only = _under_type_checking(tree, node)
            for t in own:
                if t != mod and not type_only:
                    graph.add_edge(mod, t)
            if id(node) in in_func:
                local.append((mod, own[0], node.lineno))
    return graph, local, lines


def _under_type_checking(tree: ast.Module, node: ast.AST) -> bool:
    for stmt in ast.walk(tree):
        if (isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test)
                and any(n is node for b in stmt.body for n in ast.walk(b))):
            return True
    return False


def back_arrows(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """Return the edges that point rightwards in the layer order (or between peers)."""
    out = []
    for a, b in graph.edges:
        la, lb = _layer(a), _layer(b)
        if la is None or lb is None or la == lb:
            continue
        if la == "apps" and lb != "api" and not b.startswith("fleetopt."):
            continue
        if RANK[la] < RANK[lb] or (la in PEERS and lb in PEERS):
            out.append((a, b))
    return sorted(out)


def main() -> int:
    """Print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    graph, local, lines = scan()
    sccs = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    arrows = back_arrows(graph)
    big = sorted((n, m) for m, n in lines.items() if n > BIG_LINES)
    print(f"modules: {graph.number_of_nodes()}  internal import edges: {graph.number_of_edges()}")
    print(f"import cycles (strongly connected groups): {len(sccs)}")
    for c in sccs:
        print("  cycle group:", " <-> ".join(c))
    print(f"back-arrows (layer order broken, or simulation/siting/planning peers): {len(arrows)}")
    for a, b in arrows if args.verbose else arrows[:40]:
        print(f"  {a} -> {b}")
    print(f"function-local imports of fleetopt/apps modules: {len(local)}")
    if args.verbose:
        for mod, target, line in local:
            print(f"  {mod}:{line} -> {target}")
    print(f"modules over {BIG_LINES} lines: {len(big)}")
    for n, m in reversed(big):
        print(f"  {n:5d} {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
