"""Call fleetopt's API for the app, with Streamlit caching; nothing else caches.

The app reaches fleetopt only through :mod:`fleetopt.api` (and the foundation modules
``settings`` and ``_json``): an import-linter contract in ``pyproject.toml``. Pages call
these functions; a component may use the api for a pure helper (CSV bytes, key lists).
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
import json
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

import fleetopt
from apps.components.scenario_levers import Levers, apply_levers
from fleetopt import api, settings
from fleetopt._json import dumps

logger = logging.getLogger(__name__)

#: Library modules each app feature needs (feature -> modules).
FEATURES: dict[str, tuple[str, ...]] = {
    "targets": ("fleetopt.results.targets",),
    "validate": ("fleetopt.inputs.validate",),
    "simulation": (
        "fleetopt.inputs.scenario",
        "fleetopt.simulation.engine",
        "fleetopt.inputs.default_demand",
        "fleetopt.demand",
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
    names = api.network_names()
    names.remove(settings.DEFAULT_NETWORK)
    return [settings.DEFAULT_NETWORK, *names]


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def network(name: str) -> Any:
    """Return the :class:`~fleetopt.inputs.road_graph.RoadNetwork` of a built-in name (cached)."""
    return api.load_network(name)


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
    return pd.DataFrame(
        {
            "lon0": net.lon[u],
            "lat0": net.lat[u],
            "lon1": net.lon[v],
            "lat1": net.lat[v],
            "highway": net.edge_highway[first],
        }
    )


# --------------------------------------------------------------------------- targets
#: Library files whose content decides the default targets (the disk cache key).
TARGET_SOURCES = (
    "results/targets/__init__.py", "results/targets/_common.py", "results/targets/co2.py",
    "results/targets/evaluate.py", "results/targets/infrastructure.py", "results/targets/pv.py",
    "results/targets/annual.py",
    "domain/transition.py", "domain/mode_share.py",
)


def _library_key() -> str:
    """Hash of fleetopt's version, parameter tables and target models (changes when any does)."""
    h = hashlib.sha256(str(getattr(fleetopt, "__version__", "")).encode())
    root = Path(fleetopt.__file__).resolve().parent
    for path in sorted(settings.DATA_DIR.glob("*.csv")) + [root / name for name in TARGET_SOURCES]:
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:20]


def _disk_json(name: str, compute: Callable[[], Any]) -> Any:
    """Return ``compute()``, kept as JSON under ``settings.CACHE_DIR/app`` (never pickled).

    The file name carries :func:`_library_key`, so a new version, table or model is
    recomputed. An unreadable or unwritable cache is not an error.
    """
    path = settings.CACHE_DIR / "app" / f"{name}-{_library_key()}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{time.monotonic_ns()}")
        tmp.write_text(dumps(value), encoding="utf-8")
        tmp.replace(path)
        for stale in path.parent.glob(f"{name}-*.json"):  # earlier library versions
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        logger.info("app cache not written: %s", exc)
    return value


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def targets(scenario_path: str | None = None) -> list[dict[str, Any]]:
    """Return the plan's targets (``targets --json`` rows) for a scenario file or the default.

    The default's rows are also kept on disk (JSON), so a restarted app renders at once.
    """
    if scenario_path:
        return api.targets(Path(scenario_path))
    rows: list[dict[str, Any]] = _disk_json("targets", lambda: api.targets(None))
    return rows


def targets_report(rows: list[dict[str, Any]], kind: str) -> bytes:
    """Return the one-click report (``pdf`` or ``html``) of the rows the page shows.

    Made by the api (``fleetopt targets --report``'s report), never by a second
    implementation in the app.
    """
    return api.targets_report(rows, kind)


#: Years of the trajectories drawn on the targets dashboard.
TRAJECTORY_YEARS = range(2015, 2031)


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def target_trajectories() -> pd.DataFrame | None:
    """Return :func:`compute_target_trajectories`, kept on disk as JSON between app restarts."""
    if missing("targets") is not None:
        return None
    records = _disk_json("trajectories", lambda: _trajectory_records())
    return (
        pd.DataFrame(records, columns=["id", "year", "value", "kind", "low", "high"])
        if records is not None
        else None
    )


def _trajectory_records() -> list[dict[str, Any]] | None:
    table = compute_target_trajectories()
    return (
        None
        if table is None
        else table.astype(object).where(table.notna(), None).to_dict(orient="records")
    )


def compute_target_trajectories() -> pd.DataFrame | None:
    """Return yearly observed and projected values per target id (the calibrated defaults).

    See :func:`fleetopt.api.target_trajectories` (columns ``id, year, value, kind, low,
    high``) over :data:`TRAJECTORY_YEARS`.
    """
    return api.target_trajectories(TRAJECTORY_YEARS)


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_RUNS)
def _run_targets(key: str, _scenario: Any, _simulation: Any) -> list[dict[str, Any]]:
    return api.evaluate_targets(scenario=_scenario, simulation=_simulation)


def run_targets(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the targets rows of a run from :func:`run_scenario` (cached by its scenario key)."""
    return _run_targets(run["key"], run["scenario"], run["result"])


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
    return api.validate(Path(path), kind=kind)


# --------------------------------------------------------------------------- scenarios
def default_scenario_path() -> Path:
    """Return the embedded default scenario file."""
    return Path(api.default_scenario_path())


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def _default_scenario_dict() -> dict[str, Any]:
    return api.default_scenario_dict()


def default_scenario_dict() -> dict[str, Any]:
    """Return a fresh copy of the embedded default scenario as a dict (TOML keys)."""
    return copy.deepcopy(_default_scenario_dict())


def scenario_from_dict(raw: dict[str, Any]) -> Any:
    """Build a :class:`~fleetopt.inputs.scenario.Scenario`; relative paths as in the default."""
    base = default_scenario_path().parent
    return api.scenario_from_dict(raw, base_dir=base, file="app scenario")


def scenario_with_uploads(
    raw: dict[str, Any], trips: Any = None, stations: Any = None
) -> dict[str, Any]:
    """Return a copy of scenario dict ``raw`` whose fleets and stations come from uploads.

    Parameters
    ----------
    raw : dict
        Scenario in TOML keys (the embedded default).
    trips : apps.components.upload.Upload, optional
        A trips file or GTFS feed: becomes the only fleet (``trips = …`` or ``gtfs = …``).
    stations : apps.components.upload.Upload, optional
        A stations CSV: replaces the scenario's stations (``stations = …``).

    Returns
    -------
    dict
    """
    d = copy.deepcopy(raw)
    if trips is not None:
        d["fleets"] = [
            {"name": trips.name, "gtfs" if trips.kind == "gtfs" else "trips": trips.path}
        ]
        d["name"] = f"upload {trips.name}"
    if stations is not None:
        d["stations"] = stations.path
    return d


def _key(raw: dict[str, Any]) -> str:
    return hashlib.sha256(dumps(raw).encode()).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_RUNS)
def _run(key: str, _raw: dict[str, Any], _progress: Callable[..., Any] | None) -> dict[str, Any]:
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


# --------------------------------------------------------------------------- siting
def siting_models() -> list[str]:
    """Return the siting models the library offers (:func:`fleetopt.api.siting_models`)."""
    return api.siting_models()


#: Size of the embedded default fleets simulated for siting demand [% of the sample].
SITING_DEFAULT_SIZE_PCT = 20.0


def default_demand_run() -> dict[str, Any]:
    """Return the cached run of the embedded default fleets used as siting demand."""
    raw = apply_levers(
        default_scenario_dict(),
        Levers(size_pct=SITING_DEFAULT_SIZE_PCT, seed=int(default_scenario_dict().get("seed", 0))),
    )
    return run_scenario(raw)


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_RUNS)
def _solve_siting(
    key: str, _network_name: str, _demand_points: pd.DataFrame, form: dict[str, Any]
) -> dict[str, Any]:
    net = network(_network_name)
    radius_s = None if form["radius_min"] is None else 60.0 * float(form["radius_min"])
    result = api.site_for_demo(
        net,
        _demand_points,
        model=form["model"],
        p_new=int(form["p"]),
        radius_s=radius_s,
        existing_df="public",
        time_limit_s=float(form["time_limit_s"]),
        n_candidates=int(form["n_candidates"]),
    )
    sites = (
        result.sites.copy()
        if not result.sites.empty
        else pd.DataFrame(columns=["id", "lon", "lat", "existing"])
    )
    is_existing = (
        sites["existing"].astype(bool)
        if "existing" in sites
        else pd.Series(False, index=sites.index)
    )
    return {
        "network": _network_name,
        "summary": result.summary(assignments=False),
        "model_size": result.model_size_line(),
        "reason": result.reason,
        "sites": sites.loc[~is_existing].reset_index(drop=True),
        "existing": sites.loc[is_existing].reset_index(drop=True),
        "demand": api.aggregate_demand(net, _demand_points),
        "geojson": result.to_geojson(),
        "size_column": "load" if "load" in sites else "size",
    }


def solve_siting(form: Any, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """Site stations where a run needed energy (cached by run and settings).

    Parameters
    ----------
    form : apps.components.siting_form.SitingForm
        Model and limits.
    run : dict, optional
        A run from :func:`run_scenario`; default :func:`default_demand_run`.

    Returns
    -------
    dict
        ``network`` (name), ``summary`` (``site --json`` keys), ``model_size``, ``reason``,
        ``sites`` (new open
        sites), ``existing`` (existing stations the answer uses), ``demand`` (per node,
        ``weight`` = energy [kWh]), ``geojson`` and ``size_column``.
    """
    run = run if run is not None else default_demand_run()
    network_name = str(run["scenario"].network)
    settings_doc = {**form.to_dict(), "network": network_name}
    key = hashlib.sha256(
        (run["key"] + json.dumps(settings_doc, sort_keys=True)).encode()
    ).hexdigest()
    return _solve_siting(key, network_name, run["result"].charge_demand(), settings_doc)


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRIES_SMALL)
def existing_stations(network_name: str) -> pd.DataFrame | None:
    """Return the real public DC stations inside the network's extent (None without them).

    Returns
    -------
    pandas.DataFrame or None
        Stations columns (``id, kind, lon, lat, plugs, …``) of the stations within the
        bounding box of the network's nodes.
    """
    stations = api.existing_stations()
    net = network(network_name)
    inside = stations["lon"].between(net.lon.min(), net.lon.max()) & stations["lat"].between(
        net.lat.min(), net.lat.max()
    )
    return stations.loc[inside].reset_index(drop=True)


# --------------------------------------------------------------------------- stored runs
def saved_runs() -> list[dict[str, Any]]:
    """Return the runs stored under ``runs/`` (``store.list_runs``), newest last."""
    return api.list_runs()


def saved_summary(run_id: str) -> dict[str, Any] | None:
    """Return the ``simulate --json`` summary a stored run holds, or None when it has none.

    Looks for ``summary.json`` of a simulation (``simulation/summary.json`` of a demo run,
    or ``summary.json`` at the top) and falls back to the ``simulation`` key of ``demo.json``.
    """
    run = api.load_run(run_id)
    for name in ("summary.json", "simulation/summary.json"):
        path = run.file(name)
        if path.is_file():
            doc = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and isinstance(doc.get("summary"), dict):
                doc = doc["summary"]  # SimulationResult.write nests the keys under "summary"
            if isinstance(doc, dict) and "trips_total" in doc:
                return doc
    demo = run.file("demo.json")
    if demo.is_file():
        doc = json.loads(demo.read_text(encoding="utf-8")).get("simulation")
        return doc if isinstance(doc, dict) else None
    return None


def store_run(run: dict[str, Any]) -> str:
    """Store a run of this session under ``runs/`` with the run store; return its id.

    The scenario (as a dict), the hashes of its input files, the levers and the label are
    recorded; the tables are written by ``SimulationResult.write``.
    """
    raw = dict(getattr(run["scenario"], "raw", {}) or {})
    inputs = [
        Path(f[k])
        for f in raw.get("fleets", [])
        for k in ("trips", "gtfs", "requests")
        if k in f and Path(str(f[k])).is_file()
    ]
    stations = raw.get("stations")
    if isinstance(stations, str) and Path(stations).is_file():
        inputs.append(Path(stations))
    meta = {"label": run.get("label"), "levers": run.get("levers"), "source": "app"}
    with api.new_run("app", scenario=raw, inputs=inputs, meta=meta) as folder:
        run["result"].write(Path(folder))
    runs = saved_runs()
    return str(runs[-1]["id"]) if runs else ""
