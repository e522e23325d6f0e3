"""Simulate one Case: prepare inputs, run the SimPy day, and assemble a SimulationResult.

``simulate(case)`` is the one entry point (used by :func:`fleetopt.api.run_scenario`, which
builds the Case with :func:`fleetopt.case.load_case`); it reads no file. Battery and
fuel-cell vehicles run on the clock (:mod:`fleetopt.simulation.kernel`; a plug-in hybrid
is a battery vehicle that also burns gasoline), taxis serving ride requests are dispatched
by :mod:`fleetopt.simulation.taxi`, and the result tables are built by
:mod:`fleetopt.simulation.tables` (fuel vehicles that never queue in closed form there).
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import math
import operator
import time
from typing import Any

from fleetopt.case import Case
from fleetopt.inputs.scenario import Scenario
from fleetopt.simulation.kernel import Log, Model
from fleetopt.simulation.log_frames import ClockEnd
from fleetopt.simulation.prepare import Prepared, prepare
from fleetopt.simulation.progress import clock_ticker
from fleetopt.simulation.result import SimulationResult
from fleetopt.simulation.router import Router
from fleetopt.simulation.tables import assemble, fuel_timeline
from fleetopt.simulation.taxi import TaxiDispatch
from fleetopt.simulation.taxi_tables import TaxiTables

logger = logging.getLogger(__name__)

#: ``fuel_timeline`` and ``assemble`` live in :mod:`fleetopt.simulation.tables`; importable
#: from here as before.
__all__ = [
    "assemble",
    "canonical_log",
    "finish_clock",
    "fuel_timeline",
    "horizon_facts",
    "horizon_of",
    "run_clock",
    "run_prepared",
    "simulate",
]


#: A day's horizon facts: latest trip arrival, longest pull-in, latest ride request [s]
#: (-inf where there is none); see :func:`horizon_facts`.
HorizonFacts = tuple[float, float, float]


def horizon_facts(prep: Prepared) -> HorizonFacts:
    """Return what the horizon's end depends on: latest arrival, longest pull-in, latest request.

    The facts of parts of a day combine by their maxima (:func:`horizon_of`), so a day split
    into independent partitions (:mod:`fleetopt.simulation.partition`) runs every part on
    the whole day's horizon.
    """
    arr = pin = req_max = -math.inf
    if len(prep.trips):
        arr = float(prep.trips["arrival_s"].max())
        pin = float(prep.vehicles["pullin_s"].max())
    for _, req in prep.requests:
        if len(req):
            req_max = max(req_max, float(req["departure_s"].max()))
    return arr, pin, req_max


def horizon_of(scenario: Scenario, facts: list[HorizonFacts]) -> tuple[float, float]:
    """Return the horizon ``(start, end)`` [s] of a day from its parts' :func:`horizon_facts`.

    ``horizon_end_s`` when the scenario sets it, else the later of one day after the start,
    the latest arrival plus the longest pull-in, and the latest ride request plus an hour.
    """
    start = scenario.options.horizon_start_s
    end = scenario.options.horizon_end_s
    if math.isnan(end):
        end = start + 86400.0
        arr = max((f[0] for f in facts), default=-math.inf)
        if arr > -math.inf:
            end = max(end, arr + max(f[1] for f in facts if f[0] > -math.inf))
        req_max = max((f[2] for f in facts), default=-math.inf)
        if req_max > -math.inf:
            end = max(end, req_max + 3600.0)
    return float(start), float(end)


def _horizon(scenario: Scenario, prep: Prepared) -> tuple[float, float]:
    return horizon_of(scenario, [horizon_facts(prep)])


def canonical_log(log: Log) -> Log:
    """Put the kernel's log into its documented order (in place) and return it.

    Sessions and grid segments by station (the stations' order), events by time and
    vehicle id; rows equal in that key keep the order the clock made them in (a stable
    sort). One station's or one vehicle's rows all come from one independent partition of
    the day, so a day run in partitions and merged (:mod:`fleetopt.simulation.partition`)
    gives the same tables, row for row, as the day run whole.
    """
    log.sessions.sort(key=operator.itemgetter(2))
    log.segments.sort(key=operator.itemgetter(0))
    log.events.sort(key=operator.itemgetter(0, 1))
    return log


def simulate(case: Case, *, progress: Any = None, routes: Any = None) -> SimulationResult:
    """Simulate a Case.

    Parameters
    ----------
    case : Case
        The inputs as data: ``simulate(load_case(scenario, network))``
        (:func:`fleetopt.case.load_case` reads the files; this reads none).
    progress : callable, optional
        ``progress(clock_s, horizon_s)``, called as the simulated clock advances
        (:mod:`fleetopt.simulation.progress`); anything not callable is ignored.
    routes : fleetopt.simulation.routes.RouteCache, optional
        Shortest-path rows of the network to reuse for the taxi dispatch (days of a year).

    Returns
    -------
    SimulationResult

    Raises
    ------
    TypeError
        ``case`` is not a Case (a ``Scenario`` or a path is turned into one by ``load_case``).
    InputError
        Road distances are needed but the Case has no road network.
    """
    t_wall = time.perf_counter()
    if not isinstance(case, Case):
        msg = (
            f"simulate takes a Case, not {type(case).__name__}: "
            "simulate(load_case(scenario, network))"
        )
        raise TypeError(msg)
    prep = prepare(case)
    horizon = _horizon(case.scenario, prep)
    # the fleets' tables are in ``prep`` now: the clock and the tables read only the Case's
    # scenario and network, so a Case nobody else holds frees its trips before the clock runs
    case = dataclasses.replace(case, fleets=(), fleet_trips=case.fleet_trips.iloc[:0])
    return run_prepared(case, prep, horizon, progress=progress, routes=routes, t_wall=t_wall)


def run_prepared(
    case: Case,
    prep: Prepared,
    horizon: tuple[float, float],
    *,
    progress: Any = None,
    routes: Any = None,
    t_wall: float | None = None,
) -> SimulationResult:
    """Run the clock of prepared inputs over ``horizon`` and assemble the result.

    :func:`simulate` is ``run_prepared(case, prepare(case), its horizon)``; a partition of
    a day (:mod:`fleetopt.simulation.partition`) runs its own prepared inputs on the whole
    day's horizon (:func:`horizon_of`).
    """
    if t_wall is None:
        t_wall = time.perf_counter()
    model, log, taxis = run_clock(case, prep, horizon, progress=progress, routes=routes)
    t_sim = time.perf_counter() - t_wall
    clock, taxi_tables = finish_clock(model, taxis)
    # the model, its environment, its processes and the dispatcher refer to one another:
    # collected here, before the tables are built (the full city's dispatcher holds ~1 GB)
    del model, taxis
    gc.collect()
    result = assemble(case.scenario, prep, clock, log, taxi_tables)
    result.wall_s = time.perf_counter() - t_wall
    logger.info("simulated %s in %.2f s (clock %.2f s)", case.name, result.wall_s, t_sim)
    return result


def finish_clock(
    model: Model, taxis: TaxiDispatch | None
) -> tuple[ClockEnd, TaxiTables | None]:
    """Return what the result's tables read of a finished clock and of its taxi dispatch.

    The dispatch's trips and vehicles tables are built here (the vehicles table records the
    taxis' totals in the model's log, as :func:`~fleetopt.simulation.tables.assemble` would),
    so that the caller can drop the model and the dispatcher before the other tables are
    built: ``assemble(scenario, prep, *finish_clock(model, taxis)...)`` gives the same
    result as ``assemble`` of the model and the dispatcher.
    """
    return ClockEnd.of(model), (TaxiTables.of(taxis) if taxis is not None else None)


def run_clock(
    case: Case,
    prep: Prepared,
    horizon: tuple[float, float],
    *,
    progress: Any = None,
    routes: Any = None,
) -> tuple[Model, Log, TaxiDispatch | None]:
    """Run the SimPy clock of prepared inputs; return the model, its canonical log, the taxis.

    The part of :func:`run_prepared` before the tables are built
    (:func:`fleetopt.simulation.tables.assemble` turns the three into the result).
    """
    assert case.network is not None, "a simulation needs the Case's road network"
    router = Router(case.network)
    model = Model(case.scenario, prep, router, horizon)
    taxis = None
    if prep.requests:
        taxis = TaxiDispatch(model, prep.requests, routes=routes)
        model.extra_processes = taxis.processes()  # type: ignore[attr-defined]
    if callable(progress):
        model.extra_processes = [  # type: ignore[attr-defined]
            *getattr(model, "extra_processes", []),
            clock_ticker(model.env, *horizon, progress),
        ]
    # millions of short-lived tuples: pause the cyclic garbage collector while the clock runs
    # (it rescans the growing heap otherwise); reference counting still frees memory
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        log = canonical_log(model.run())
    finally:
        if gc_was_on:
            gc.enable()
    if taxis is not None:
        taxis.release_rows()  # this run's route rows (1.1 GB for the full city) before the tables
    return model, log, taxis
