"""Call fleetopt's API and input readers for the app, with Streamlit caching; nothing else caches.

Pages and components never import ``fleetopt`` directly: they call these functions.
Every cache is ``st.cache_resource`` (the object is kept in memory and shared), never
``st.cache_data``, because ``cache_data`` pickles its values and fleetopt uses no pickle.
Cached values are shared between sessions: callers must treat them as read-only.

Library parts that a build may lack are reported by :func:`missing`, so a page can say
"not available in this build" instead of failing.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from fleetopt import settings

logger = logging.getLogger(__name__)

#: Library modules each app feature needs (feature -> modules).
FEATURES: dict[str, tuple[str, ...]] = {
    "targets": ("fleetopt.results.targets",),
    "validate": ("fleetopt.inputs.validate",),
    "simulation": (
        "fleetopt.inputs.scenario",
        "fleetopt.simulation.engine",
        "fleetopt.inputs.default_demand",
    ),
    "siting": ("fleetopt.siting.solve", "fleetopt.siting.problem"),
}

#: Folder where uploads are stored under a content hash (names never become paths).
UPLOAD_DIR: Path = Path(tempfile.gettempdir()) / "fleetopt-app-uploads"

#: Cache sizes: number of entries each cached function keeps.
MAX_ENTRIES_SMALL = 8
MAX_ENTRIES_RUNS = 16


def missing(feature: str) -> str | None:
    """Return why ``feature`` is unavailable in this build, or None when it is available.

    Parameters
    ----------
    feature : str
        A key of :data:`FEATURES`.

    Returns
    -------
    str or None
        The first missing module's name, or None.
    """
    for module in FEATURES[feature]:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return module
    return None


# --------------------------------------------------------------------------- networks
def network_names() -> list[str]:
    """Return the built-in road network names, the default first."""
    from fleetopt.inputs.road_graph import BUILTIN_NETWORKS

    names = list(BUILTIN_NETWORKS)
    names.remove(settings.DEFAULT_NETWORK)
    return [settings.DEFAULT_NETWORK, *names]


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def network(name: str) -> Any:  # noqa: ANN401
    """Return the :class:`~fleetopt.inputs.road_graph.RoadNetwork` of a built-in name (cached)."""
    from fleetopt.inputs.road_graph import load_network

    return load_network(name)


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def road_segments(name: str) -> pd.DataFrame:
    """Return the road graph's undirected segments for a map base layer (cached).

    Parameters
    ----------
    name : str
        Built-in network name.

    Returns
    -------
    pandas.DataFrame
        Columns ``lon0, lat0, lon1, lat1`` [deg WGS84] and ``highway``, one row per
        node pair (both directions of a two-way road collapse into one).
    """
    net = network(name)
    lo = np.minimum(net.edge_u, net.edge_v)
    hi = np.maximum(net.edge_u, net.edge_v)
    _, first = np.unique(lo * net.n_nodes + hi, return_index=True)
    u, v = lo[first], hi[first]
    return pd.DataFrame({
        "lon0": net.lon[u], "lat0": net.lat[u], "lon1": net.lon[v], "lat1": net.lat[v],
        "highway": net.edge_highway[first],
    })


# --------------------------------------------------------------------------- targets
@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def targets(scenario_path: str | None = None) -> list[dict[str, Any]]:
    """Return the plan's targets (``targets --json`` rows) for a scenario file or the default."""
    from fleetopt import api

    return api.targets(Path(scenario_path) if scenario_path else None)


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def target_trajectories() -> pd.DataFrame | None:
    """Return yearly observed/projected values per target id, or None when the build has none.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``id, year, value, kind`` (``observed`` | ``projected``), or None.
    """
    try:
        module = importlib.import_module("fleetopt.results.targets")
    except ModuleNotFoundError:
        return None
    fn = getattr(module, "target_trajectories", None)
    if fn is None:
        return None
    table = fn()
    return table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)


def evaluate_targets(scenario: Any, simulation: Any) -> list[dict[str, Any]]:  # noqa: ANN401
    """Return the targets rows for an in-memory scenario and its simulation (not cached)."""
    from fleetopt.results.targets import evaluate_targets as _evaluate

    return _evaluate(scenario=scenario, simulation=simulation)


# --------------------------------------------------------------------------- uploads
def store_upload(data: bytes, suffix: str) -> Path:
    """Write upload bytes to a file named by their hash and return its path.

    The uploaded file's own name is never used as a path (path traversal, odd names).

    Parameters
    ----------
    data : bytes
        The uploaded content.
    suffix : str
        Extension chosen from the detected content (``.csv``, ``.xlsx``, ``.zip``).

    Returns
    -------
    Path
        ``UPLOAD_DIR / <sha256[:24]><suffix>`` (written once, atomically).
    """
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:24]
    path = UPLOAD_DIR / f"{digest}{suffix}"
    if not path.is_file():
        tmp = path.with_name(f".{path.name}.{time.monotonic_ns()}")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def validate(path: str, kind: str | None) -> dict[str, Any]:
    """Validate a stored upload (``validate --json`` document), cached by path (a content hash)."""
    from fleetopt import api

    return api.validate(Path(path), kind=kind)


# --------------------------------------------------------------------------- scenarios
def default_scenario_path() -> Path:
    """Return the embedded default scenario file."""
    from fleetopt.inputs.default_demand import default_scenario_path as _path

    return Path(_path())


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def _default_scenario_dict() -> dict[str, Any]:
    from fleetopt.inputs.scenario import load_scenario_dict

    return load_scenario_dict(default_scenario_path())


def default_scenario_dict() -> dict[str, Any]:
    """Return a fresh copy of the embedded default scenario as a dict (TOML keys)."""
    return copy.deepcopy(_default_scenario_dict())


def scenario_from_dict(raw: dict[str, Any]) -> Any:  # noqa: ANN401
    """Build a :class:`~fleetopt.inputs.scenario.Scenario`; relative paths as in the default."""
    from fleetopt.inputs.scenario import scenario_from_dict as _from_dict

    base = default_scenario_path().parent
    return _from_dict(raw, base_dir=base, file="app scenario")


def _key(raw: dict[str, Any]) -> str:
    from fleetopt._json import dumps

    return hashlib.sha256(dumps(raw).encode()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_RUNS)
def _run(key: str, _raw: dict[str, Any], _progress: Callable[..., Any] | None) -> dict[str, Any]:
    from fleetopt import api

    scenario = scenario_from_dict(_raw)
    t0 = time.perf_counter()
    result = api.run_scenario(scenario, network=network(scenario.network), progress=_progress)
    wall = time.perf_counter() - t0
    return {"key": key, "scenario": scenario, "result": result, "app_wall_s": wall}


def run_scenario(raw: dict[str, Any], progress: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Simulate a scenario dict (cached by its content).

    Parameters
    ----------
    raw : dict
        Scenario in TOML keys (CONTRACT §4).
    progress : callable, optional
        Passed to :func:`fleetopt.api.run_scenario` on a cache miss.

    Returns
    -------
    dict
        ``{"key", "scenario", "result", "app_wall_s"}``; ``result`` is the
        :class:`SimulationResult` (shared; read-only).
    """
    return _run(_key(raw), copy.deepcopy(raw), progress)
