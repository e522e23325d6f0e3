"""Hold the demo's settings and its input and output steps; :func:`fleetopt.api.demo` runs it.

The demo (``fleetopt demo``) is the whole chain on the embedded Beijing default: the OSM
road graph, the embedded demand built from real data, the SimPy simulation, the
OR-Tools siting model and the plan's targets. The orchestration lives in the api (the
one orchestrator); this module only builds the demo's scenario and writes its results,
so it imports neither simulation nor siting.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

from fleetopt._json import dumps
from fleetopt.inputs.default_demand import default_scenario_path
from fleetopt.inputs.scenario import Scenario, load_scenario_dict, scenario_from_dict
from fleetopt.results.export import write_result
from fleetopt.results.store import list_runs, new_run

logger = logging.getLogger(__name__)

__all__ = ["DEMO_NEW_SITES", "DEMO_SITING_TIME_LIMIT_S", "demo_scenario", "write_demo"]

#: Number of new fast-charging hubs the demo sites (p of the p-median model).
DEMO_NEW_SITES = 10
#: Time limit of the demo's siting model [s].
DEMO_SITING_TIME_LIMIT_S = 20.0


def _scaled_dict(raw: dict[str, Any], scale: float | None) -> dict[str, Any]:
    d = copy.deepcopy(raw)
    if scale is None:
        return d
    for fleet in d.get("fleets", []):
        if "generator" in fleet:
            fleet.pop("size", None)
            fleet["scale"] = float(scale)
    return d


def demo_scenario(scale: float | None = None) -> tuple[Path, Scenario]:
    """Return the embedded default scenario's path and the scenario, scaled when asked.

    Parameters
    ----------
    scale : float, optional
        Fleet scale over the full city (1.0 = the whole city); default the sample of the
        embedded scenario.
    """
    path = default_scenario_path()
    raw = _scaled_dict(load_scenario_dict(path), scale)
    return path, scenario_from_dict(raw, base_dir=path.parent, file=str(path))


def write_demo(
    doc: dict[str, Any], sim: Any, siting: Any, *, scenario_path: Path, out_dir: Path | None
) -> Path | None:
    """Write the demo's tables and ``demo.json``; return the folder (a new run by default).

    Parameters
    ----------
    doc : dict
        The ``demo --json`` document.
    sim : SimulationResult
        Written to ``simulation/``.
    siting : SitingResult
        Written to ``siting/``.
    scenario_path : Path
        The scenario the run used (recorded in the run's manifest).
    out_dir : Path, optional
        Folder to write into; default a new run under ``runs/``.
    """

    def write_into(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        write_result(sim.tables(), folder / "simulation", summary=sim.summary_doc())
        if hasattr(siting, "write"):
            siting.write(folder / "siting")
        (folder / "demo.json").write_text(dumps(doc), encoding="utf-8")

    if out_dir is not None:
        write_into(Path(out_dir))
        return Path(out_dir)
    with new_run("demo", scenario_path=scenario_path, inputs=[scenario_path]) as tmp:
        write_into(Path(tmp))
    return _last_run_dir()


def _last_run_dir() -> Path | None:
    runs = list_runs()
    if not runs:
        return None
    last = runs[-1]
    return Path(last["path"]) if isinstance(last, dict) and "path" in last else None

