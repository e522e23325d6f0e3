"""Model energy stations as SimPy resources: plugs, swap bays with a battery stock, H2 dispensers.

Each station validates its arguments and serves vehicles first come, first served
(``simpy.Resource`` queues in request order). Swap stations keep a
``simpy.Container`` of full batteries that a background process refills; hydrogen
stations keep a ``simpy.Container`` of the day's remaining kilograms.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

logger = logging.getLogger(__name__)


@dataclass
class Station:
    """One station in the running simulation.

    Attributes
    ----------
    index : int
        Row of the station in the stations table.
    id : str
        Station id.
    kind : str
        depot, public, swap or hydrogen.
    plugs : simpy.Resource or None
        Plugs (charging), bays (swap) or dispensers (hydrogen); None when it has none.
    plug_kw : float
        Power per plug, grid side [kW] (charging stations).
    grid_cap_kw : float
        Per-plug share of the site's grid limit [kW] (inf = no limit).
    swap_s : float
        Swap duration [s].
    stock : simpy.Container or None
        Full batteries ready to swap [batteries].
    kg_per_min : float
        Dispensing rate [kg/min].
    h2_left : simpy.Container or None
        Hydrogen left today [kg].
    """

    index: int
    id: str
    kind: str
    plugs: simpy.Resource | None
    plug_kw: float = 0.0
    grid_cap_kw: float = math.inf
    swap_s: float = 0.0
    stock: simpy.Container | None = None
    kg_per_min: float = 0.0
    h2_left: simpy.Container | None = None
    queue_len: list[int] = field(default_factory=lambda: [0])


def make_station(
    env: simpy.Environment,
    index: int,
    row: dict[str, Any],
    *,
    grid_limit_kw: float,
    default_swap_min: float,
) -> Station:
    """Create the SimPy objects of one station row (canonical stations columns).

    Parameters
    ----------
    env : simpy.Environment
        The simulation environment.
    index : int
        Row index of the station.
    row : dict
        Station record (``id, kind, plugs, plug_kw, swap_min, batteries, dispensers,
        kg_per_min, kg_per_day``).
    grid_limit_kw : float
        Site grid limit [kW] (inf = none); shared equally between plugs.
    default_swap_min : float
        Swap time when the row has none [min].

    Returns
    -------
    Station

    Raises
    ------
    ValueError
        If counts or rates are negative.
    """
    kind = str(row["kind"])
    plugs_n = int(row.get("plugs", 0) or 0)
    if plugs_n < 0 or float(row.get("plug_kw", 0) or 0) < 0:
        msg = f"station {row['id']!r}: plugs and plug_kw must be >= 0"
        raise ValueError(msg)
    if kind in ("depot", "public"):
        res = simpy.Resource(env, capacity=plugs_n) if plugs_n > 0 else None
        cap = grid_limit_kw / plugs_n if plugs_n > 0 and math.isfinite(grid_limit_kw) else math.inf
        return Station(
            index, str(row["id"]), kind, res, plug_kw=float(row["plug_kw"]), grid_cap_kw=cap
        )
    if kind == "swap":
        bays = max(plugs_n, 1)
        batteries = int(row.get("batteries", 0) or 0)
        stock = (
            simpy.Container(env, capacity=max(batteries, 1), init=batteries)
            if batteries > 0
            else None
        )
        swap_min = float(row.get("swap_min", 0) or 0) or default_swap_min
        return Station(
            index,
            str(row["id"]),
            kind,
            simpy.Resource(env, capacity=bays),
            swap_s=swap_min * 60.0,
            stock=stock,
            plug_kw=float(row.get("plug_kw", 0) or 0),
        )
    disp = int(row.get("dispensers", 0) or 0)
    kg_day = float(row.get("kg_per_day", math.inf))
    left = simpy.Container(env, capacity=kg_day, init=kg_day) if disp > 0 else None
    return Station(
        index,
        str(row["id"]),
        kind,
        simpy.Resource(env, capacity=disp) if disp > 0 else None,
        kg_per_min=float(row.get("kg_per_min", 0) or 0),
        h2_left=left,
    )


def refill_daily(
    env: simpy.Environment, station: Station, kg_per_day: float, start_s: float
) -> Generator[simpy.Event, Any, None]:
    """Process: top the station's hydrogen back up to ``kg_per_day`` every 24 h after ``start_s``.

    Parameters
    ----------
    env : simpy.Environment
        The simulation environment.
    station : Station
        A hydrogen station with ``h2_left``.
    kg_per_day : float
        Daily limit [kg].
    start_s : float
        Start of the first day [s].

    Yields
    ------
    simpy.Event
    """
    assert station.h2_left is not None
    day = 1
    while True:
        yield env.timeout(start_s + day * 86400.0 - env.now)
        missing = kg_per_day - station.h2_left.level
        if missing > 0:
            yield station.h2_left.put(missing)
        day += 1
