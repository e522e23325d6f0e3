"""Prepare and judge the closed-loop check of a siting answer (the simulation runs in the api).

:func:`fleetopt.api.verify_siting` adds the new sites as stations
(:func:`scenario_with_sites`), simulates, and judges the queues
(:func:`service_level_verdict`); siting never imports simulation. This is the closed loop
of issue 4 (``fleetopt site SCENARIO.toml --verify``): the new
sites a :class:`~fleetopt.siting.result.SitingResult` opened become public charging
stations of the scenario (plugs from the service-level sizing, else the
``verify_plugs_per_site`` default; ``verify_plug_kw`` per plug), the scenario is
simulated with them, and the share of station visits that waited longer than ``W``
minutes is compared with the target share ``q`` of the service level
(``max_wait_min`` / ``max_wait_prob`` in ``siting_params.csv`` or the problem's
``service`` block).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.defaults import value
from fleetopt.siting.result import SitingResult

logger = logging.getLogger(__name__)

__all__ = ["new_station_records", "scenario_with_sites", "service_level_verdict",
           "share_waiting_longer"]


def _param(name: str) -> float:
    return value("siting_params", name)


def new_station_records(result: SitingResult, *, plug_kw: float | None = None,
                        plugs: int | None = None) -> list[dict[str, Any]]:
    """Return ``[[stations]]`` records (kind public) for the new sites of a siting result.

    Parameters
    ----------
    result : SitingResult
        A solved siting result with a ``sites`` table (``id``, ``lon``, ``lat``,
        ``existing``, ``size``).
    plug_kw : float, optional
        Power of each plug (default ``verify_plug_kw``) [kW].
    plugs : int, optional
        Plugs of each new site; default: the site's ``size`` for the ``service-level``
        model (its plug count), else ``verify_plugs_per_site`` [count].

    Returns
    -------
    list of dict
        One record per new site, id ``site-<candidate id>``.
    """
    sites = result.sites
    if sites is None or len(sites) == 0:
        return []
    new = sites[~sites["existing"].to_numpy(bool)] if "existing" in sites else sites
    kw = float(_param("verify_plug_kw")) if plug_kw is None else float(plug_kw)
    default_plugs = int(_param("verify_plugs_per_site"))
    out = []
    for row in new.itertuples(index=False):
        if plugs is not None:
            n = int(plugs)
        elif result.model == "service-level":
            n = int(row.size)
        else:
            n = default_plugs
        out.append({"id": f"site-{row.id}", "kind": "public", "lon": float(row.lon),
                    "lat": float(row.lat), "plugs": max(n, 1), "plug_kw": kw})
    return out


def share_waiting_longer(sessions: pd.DataFrame, max_wait_min: float) -> float:
    """Return the share of station visits that waited longer than ``max_wait_min``.

    A visit that gave up (``action == "gave_up"``) counts as waiting longer.

    Parameters
    ----------
    sessions : pandas.DataFrame
        The simulation's sessions table (``action``, ``wait_s`` [s]).
    max_wait_min : float
        Threshold W [min].

    Returns
    -------
    float
        Share in [0, 1]; 0 when there were no visits.
    """
    if sessions is None or len(sessions) == 0:
        return 0.0
    gave_up = sessions["action"].to_numpy() == "gave_up"
    wait = sessions["wait_s"].to_numpy(float)
    longer = gave_up | (np.nan_to_num(wait, nan=0.0) > 60.0 * float(max_wait_min))
    return float(longer.mean())


def scenario_with_sites(scenario: Any, result: SitingResult) -> tuple[dict[str, Any], int]:
    """Return the scenario's merged dictionary with the new sites added as public stations.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario the siting was done for (its ``raw`` dictionary is reused).
    result : SitingResult
        The siting answer.

    Returns
    -------
    tuple of (dict, int)
        The scenario dictionary to simulate and the number of stations added.
    """
    added = new_station_records(result)
    raw = dict(scenario.raw)
    st = raw.get("stations")
    # a stations file or none: start from the canonical table
    records = [dict(r) for r in st] if isinstance(st, list) else _records(scenario.stations)
    taken = {str(r.get("id")) for r in records}
    raw["stations"] = records + [r for r in added if r["id"] not in taken]
    return raw, len(added)


def service_level_verdict(summary: dict[str, Any], sessions: pd.DataFrame, n_added: int, *,
                          max_wait_min: float | None = None,
                          max_wait_prob: float | None = None) -> dict[str, Any]:
    """Compare a simulation of :func:`scenario_with_sites` with the service level.

    Parameters
    ----------
    summary : dict
        The simulation's summary (``simulate --json`` keys).
    sessions : pandas.DataFrame
        The simulation's sessions table.
    n_added : int
        Stations added [count].
    max_wait_min : float, optional
        W (default ``max_wait_min`` of ``siting_params.csv``) [min].
    max_wait_prob : float, optional
        q (default ``max_wait_prob``) [-].

    Returns
    -------
    dict
        ``service_level_min`` (W), ``share_waiting_longer`` (measured), ``target_share``
        (q), ``met`` (measured <= q and no trip missed), ``charge_wait_mean_min``,
        ``charge_wait_max_min``,
        ``trips_missed``, ``stations_added``.
    """
    w_min = float(_param("max_wait_min")) if max_wait_min is None else float(max_wait_min)
    q = float(_param("max_wait_prob")) if max_wait_prob is None else float(max_wait_prob)
    share = share_waiting_longer(sessions, w_min)
    logger.info("verify: %d stations added, %.3f of visits waited > %g min (target %g)",
                n_added, share, w_min, q)
    return {"service_level_min": w_min, "share_waiting_longer": share, "target_share": q,
            # met only when the service level holds AND every trip still runs
            "met": bool(share <= q) and int(summary["trips_missed"]) == 0,
            "charge_wait_mean_min": summary["charge_wait_mean_min"],
            "charge_wait_max_min": summary["charge_wait_max_min"],
            "trips_missed": int(summary["trips_missed"]), "stations_added": n_added}


def _records(stations: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Turn a canonical stations table into plain ``[[stations]]`` records."""
    if stations is None or len(stations) == 0:
        return []
    out = []
    for rec in stations.to_dict("records"):
        clean: dict[str, Any] = {}
        for k, v in rec.items():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            clean[k] = v.item() if hasattr(v, "item") else v
        out.append(clean)
    return out
