"""Run the whole chain on the embedded Beijing default: graph, fleets, simulate, site, targets.

This is the orchestration behind ``fleetopt demo`` and :func:`fleetopt.api.demo`. Every
number it shows comes from the real steps (no step is skipped or faked): the OSM road
graph, the embedded demand built from real data, the SimPy simulation, the OR-Tools
siting model and the plan's targets.
"""

from __future__ import annotations

import copy
import logging
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

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


def run_demo(
    *, out_dir: Path | None = None, scale: float | None = None, progress: Any = None
) -> dict[str, Any]:
    """Run the demo chain and return the ``demo --json`` document.

    Parameters
    ----------
    out_dir : Path, optional
        Folder for the result tables; default a new run under ``runs/``.
    scale : float, optional
        Fleet scale over the full city (1.0 = the whole city); default the sample of the
        embedded scenario.
    progress : bool, optional
        Show progress on stderr.

    Returns
    -------
    dict
        ``{"network", "simulation", "siting", "targets"}`` as CONTRACT §2 ``demo --json``.
    """
    from fleetopt.inputs.default_demand import default_scenario_path
    from fleetopt.inputs.road_graph import load_network
    from fleetopt.inputs.scenario import load_scenario_dict, scenario_from_dict
    from fleetopt.results.targets import evaluate_targets
    from fleetopt.simulation.engine import simulate
    from fleetopt.siting.solve import site_for_demo

    t0 = time.perf_counter()
    path = default_scenario_path()
    raw = _scaled_dict(load_scenario_dict(path), scale)
    scenario = scenario_from_dict(raw, base_dir=path.parent, file=str(path))
    network = load_network(scenario.network, base_dir=path.parent)
    logger.info("network %s loaded in %.2f s", network.name, time.perf_counter() - t0)

    sim = simulate(scenario, network=network, progress=progress)
    siting = site_for_demo(
        network, sim, p_new=DEMO_NEW_SITES, time_limit_s=DEMO_SITING_TIME_LIMIT_S
    )
    targets = evaluate_targets(scenario=scenario, simulation=sim)
    doc: dict[str, Any] = {
        "network": {"name": network.name, "nodes": network.n_nodes, "edges": network.n_edges},
        "simulation": sim.summary(),
        "siting": siting.summary(assignments=False),
        "targets": targets,
    }
    written = _write(doc, sim, siting, scenario_path=path, out_dir=out_dir)
    doc_out = dict(doc)
    if written is not None:
        doc_out["out_dir"] = str(written)
    return doc_out


def _write(
    doc: dict[str, Any], sim: Any, siting: Any, *, scenario_path: Path, out_dir: Path | None
) -> Path | None:
    from fleetopt._json import dumps

    def write_into(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        sim.write(folder / "simulation")
        if hasattr(siting, "write"):
            siting.write(folder / "siting")
        (folder / "demo.json").write_text(dumps(doc), encoding="utf-8")

    if out_dir is not None:
        write_into(Path(out_dir))
        return Path(out_dir)
    try:
        from fleetopt.results.store import new_run
    except ModuleNotFoundError:
        from fleetopt import settings

        folder = settings.RUNS_DIR / time.strftime("demo-%Y%m%dT%H%M%S")
        write_into(folder)
        return folder
    with new_run("demo", scenario_path=scenario_path, inputs=[scenario_path]) as tmp:
        write_into(Path(tmp))
    return _last_run_dir()


def _last_run_dir() -> Path | None:
    from fleetopt.results.store import list_runs

    runs = list_runs()
    if not runs:
        return None
    last = runs[-1]
    return Path(last["path"]) if isinstance(last, dict) and "path" in last else None
