"""Declare what a siting model is: a name, what it needs from a problem, and how it solves.

Each model module (:mod:`~fleetopt.siting.pmedian`, :mod:`~fleetopt.siting.coverage`,
:mod:`~fleetopt.siting.cflp`, :mod:`~fleetopt.siting.rollout`, :mod:`~fleetopt.siting.flows`)
declares its :class:`SitingModel` objects next to its solver; :mod:`fleetopt.siting.registry`
collects them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fleetopt.deadline import Deadline
from fleetopt.siting.problem import SitingProblem
from fleetopt.siting.result import SitingResult

__all__ = ["SitingModel", "Solve", "SolveOptions"]


@dataclass(frozen=True)
class SolveOptions:
    """What every model is solved with, resolved once by :func:`fleetopt.siting.solve.solve`.

    Attributes
    ----------
    solver : str
        MIP back-end (``highs`` or ``scip``).
    rel_gap : float
        Relative gap at which to stop.
    cost : numpy.ndarray
        Travel cost matrix with ``inf`` replaced by a large penalty [s].
    reach : numpy.ndarray
        Boolean matrix: the demand point reaches the candidate.
    """

    solver: str
    rel_gap: float
    cost: np.ndarray
    reach: np.ndarray


Solve = Callable[[SitingProblem, Deadline, SolveOptions], SitingResult]


@dataclass(frozen=True)
class SitingModel:
    """One siting model and what it needs.

    Attributes
    ----------
    name : str
        ``site --model`` name.
    solve : callable
        ``solve(problem, deadline, options) -> SitingResult``.
    needs_p : bool
        Needs ``p`` (the number of new sites).
    needs_p_without_budget : bool
        Needs ``p`` unless the problem has a budget.
    needs_radius : bool
        Needs ``radius_s``.
    needs_rollout : bool
        Needs a ``rollout`` block with ``years`` and a budget or site count.
    needs_full_reach : bool
        Every demand point must reach a candidate (else the answer is infeasible).
    p_within_candidates : bool
        ``p`` larger than the candidates not yet open is infeasible.
    """

    name: str
    solve: Solve
    needs_p: bool = False
    needs_p_without_budget: bool = False
    needs_radius: bool = False
    needs_rollout: bool = False
    needs_full_reach: bool = True
    p_within_candidates: bool = False
