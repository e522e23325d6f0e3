"""List the siting models by name (``site --model``); each model module declares its own.

A :class:`~fleetopt.siting.model.SitingModel` says what the model needs (``p``,
``radius_s``, a ``rollout`` block, every demand point in reach of some candidate) and
how it solves a problem (``solve(problem, deadline, options) -> SitingResult``); it is
declared next to its solver in :mod:`~fleetopt.siting.pmedian_model`,
:mod:`~fleetopt.siting.coverage`, :mod:`~fleetopt.siting.cflp`,
:mod:`~fleetopt.siting.flows` and :mod:`~fleetopt.siting.rollout`. Adding a model is its
module plus one line here (docs/INTERFACES.md).
"""

from __future__ import annotations

from fleetopt.siting import cflp, coverage, flows, pmedian_model, rollout
from fleetopt.siting.model import SitingModel, SolveOptions

__all__ = ["MODELS", "SitingModel", "SolveOptions"]

#: Every model ``fleetopt site --model`` accepts, in the order of
#: :data:`fleetopt.siting.problem.MODELS`.
MODELS: dict[str, SitingModel] = {
    m.name: m
    for m in (
        pmedian_model.MODEL,
        coverage.P_CENTER,
        coverage.SET_COVER,
        coverage.MAX_COVERAGE,
        cflp.UFLP,
        cflp.CFLP,
        cflp.SERVICE_LEVEL,
        flows.MODEL,
        rollout.MODEL,
    )
}
