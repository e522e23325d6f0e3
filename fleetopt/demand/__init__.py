"""Generate the embedded Beijing default demand (bus, taxi, sanitation, delivery) on a road network.

One module per fleet type (:mod:`~fleetopt.demand.bus`, :mod:`~fleetopt.demand.taxi`,
:mod:`~fleetopt.demand.sanitation`, :mod:`~fleetopt.demand.delivery`) and the shared parts in
:mod:`~fleetopt.demand._common`. The packaged real inputs (``fleetopt/data/demand/``, see
``demand/PROVENANCE.md``; build scripts in the top-level ``demand/`` folder) and the
parameters of ``demand_params.csv`` are read by :mod:`fleetopt.inputs.default_demand`.

:func:`generate` turns them into canonical trips (bus, sanitation, delivery) or ride
requests (taxi) on a given road network. Everything is a pure function of its arguments:
randomness comes only from ``numpy.random.default_rng([seed, kind])``.

Layer: inputs -> demand -> case (only :func:`fleetopt.case.load_case` calls :func:`generate`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fleetopt.demand._common import (
    assign_powertrains,
    empty_trips,
    finish_trips,
    resolve_network,
    resolve_size,
)
from fleetopt.demand.bus import generate_bus
from fleetopt.demand.delivery import generate_delivery
from fleetopt.demand.sanitation import generate_sanitation
from fleetopt.demand.taxi import generate_taxi
from fleetopt.errors import InputError
from fleetopt.inputs.default_demand import KINDS, REQUEST_COLUMNS, TRIP_COLUMNS
from fleetopt.inputs.road_graph import RoadNetwork

logger = logging.getLogger(__name__)

__all__ = ["KINDS", "REQUEST_COLUMNS", "TRIP_COLUMNS", "generate"]


def generate(
    kind: str,
    network: RoadNetwork | str | os.PathLike[str],
    *,
    seed: int,
    size: int | None = None,
    scale: float | None = None,
    powertrain: str | Mapping[str, float] = "bev",
) -> pd.DataFrame:
    """Generate the embedded Beijing default demand of one fleet on a road network.

    Parameters
    ----------
    kind : {"beijing-bus", "beijing-taxi", "beijing-sanitation", "beijing-delivery"}
        Which fleet.
    network : RoadNetwork or str or path
        The road network (or a built-in name / graph path) the demand is placed on.
    seed : int
        Seed of the ``numpy.random.Generator``; the same arguments give the same table.
    size : int, optional
        Number of vehicles (taxis for ``beijing-taxi``) [vehicles].
    scale : float, optional
        Fraction of the city's fleet (``demand_params.csv``: buses_in_service_city,
        taxis_city, sanitation_vehicles_city, delivery_vehicles_city) [-]. With neither
        ``size`` nor ``scale`` the full city (scale 1.0) is generated. Buses are capped
        by the routes that lie on the network (a warning says so).
    powertrain : str or mapping, default "bev"
        One powertrain, or shares such as ``{"bev": 0.8, "diesel": 0.2}`` (assigned by
        largest remainder, then shuffled with the seed). Ignored for taxi requests.

    Returns
    -------
    pandas.DataFrame
        Canonical trips columns (:data:`TRIP_COLUMNS`) for bus, sanitation and delivery;
        canonical requests columns (:data:`REQUEST_COLUMNS`) for ``beijing-taxi``.
        ``df.attrs`` holds ``kind``, ``seed``, ``vehicles`` and ``requested_vehicles``.

    Raises
    ------
    InputError
        Unknown kind or powertrain, bad size or scale.
    """
    if kind not in KINDS:
        msg = f"unknown generator {kind!r}; allowed: {', '.join(KINDS)}"
        raise InputError(msg)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        msg = f"seed must be a whole number >= 0, got {seed!r}"
        raise InputError(msg)
    n = resolve_size(kind, size, scale)
    if kind != "beijing-taxi":
        assign_powertrains(1, powertrain, np.random.default_rng(0))  # validate early
    net = resolve_network(network)
    # one independent stream per kind, so fleets of one scenario seed do not share draws
    rng = np.random.default_rng([int(seed), KINDS.index(kind)])
    if kind == "beijing-taxi":
        df = generate_taxi(net, n, rng)
        df.attrs.update(kind=kind, seed=seed, vehicles=n, requested_vehicles=n)
        return df
    vtype = kind.split("-", 1)[1]
    # bus: one dict per trip; sanitation and delivery: one list or array per column
    rows: list[dict[str, Any]] | dict[str, Any]
    if kind == "beijing-bus":
        rows, n_made = generate_bus(net, n, rng)
        if n_made < n:
            logger.warning(
                "network %s carries only %d bus blocks of the %d asked for", net.name, n_made, n
            )
    elif kind == "beijing-sanitation":
        rows, n_made = generate_sanitation(net, n, rng), n
    else:
        rows, n_made = generate_delivery(net, n, rng), n
    if not (len(rows["vehicle_id"]) if isinstance(rows, dict) else len(rows)):
        df = empty_trips()
    else:
        df = pd.DataFrame(rows)
        vids = sorted(df["vehicle_id"].unique())
        pts = dict(zip(vids, assign_powertrains(len(vids), powertrain, rng), strict=True))
        df["powertrain"] = df["vehicle_id"].map(pts)
        df["vehicle_type"] = vtype
        df["exempt"] = False
        df["row"] = 0
        df = finish_trips(df)
    df.attrs.update(
        kind=kind,
        seed=seed,
        vehicles=int(df["vehicle_id"].nunique()) if len(df) else 0,
        requested_vehicles=n,
    )
    return df
