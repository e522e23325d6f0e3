"""Simulate one Case: prepare inputs, run the SimPy day, and assemble a SimulationResult.

``simulate(case)`` is the one entry point (used by :func:`fleetopt.api.run_scenario`, which
builds the Case with :func:`fleetopt.case.load_case`); it reads no file. Battery and
fuel-cell vehicles run on the clock (:mod:`fleetopt.simulation.kernel`; a plug-in hybrid
is a battery vehicle that also burns gasoline), taxis serving ride requests are dispatched
by :mod:`fleetopt.simulation.taxi`, and the result tables are built by
:mod:`fleetopt.simulation.tables` (fuel vehicles that never queue in closed form there).
"""

from __future__ import annotations

import gc
import logging
import math
import time
from typing import Any

from fleetopt.case import Case
from fleetopt.inputs.scenario import Scenario
from fleetopt.simulation.kernel import Model
from fleetopt.simulation.prepare import Prepared, prepare
from fleetopt.simulation.progress import clock_ticker
from fleetopt.simulation.result import SimulationResult
from fleetopt.simulation.router import Router
from fleetopt.simulation.tables import assemble, fuel_timeline
from fleetopt.simulation.taxi import TaxiDispatch

logger = logging.getLogger(__name__)

#: ``fuel_timeline`` and ``assemble`` live in :mod:`fleetopt.simulation.tables`; importable
#: from here as before.
__all__ = ["assemble", "fuel_timeline", "simulate"]


def _horizon(scenario: Scenario, prep: Prepared) -> tuple[float, float]:
    start = scenario.options.horizon_start_s
    end = scenario.options.horizon_end_s
    if math.isnan(end):
        end = start + 86400.0
        if len(prep.trips):
            end = max(
                end, float(prep.trips["arrival_s"].max()) + float(prep.vehicles["pullin_s"].max())
            )
        for _, req in prep.requests:
            if len(req):
                end = max(end, float(req["departure_s"].max()) + 3600.0)
    return float(start), float(end)


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
    scenario = case.scenario
    prep = prepare(case)
    assert case.network is not None, "a simulation needs the Case's road network"
    router = Router(case.network)
    horizon = _horizon(scenario, prep)
    model = Model(scenario, prep, router, horizon)
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
        log = model.run()
    finally:
        if gc_was_on:
            gc.enable()
    t_sim = time.perf_counter() - t_wall
    result = assemble(scenario, prep, model, log, taxis)
    result.wall_s = time.perf_counter() - t_wall
    logger.info("simulated %s in %.2f s (clock %.2f s)", scenario.name, result.wall_s, t_sim)
    return result
