"""Define the one answer every siting model returns, and its status values.

Each model (:mod:`~fleetopt.siting.pmedian`, :mod:`~fleetopt.siting.coverage`,
:mod:`~fleetopt.siting.cflp`, :mod:`~fleetopt.siting.rollout`) returns an
:class:`Answer`; the fields a model does not produce keep their defaults. The statuses
are a :class:`Status` string enum, so JSON keeps the plain strings of CONTRACT §2
(``optimal``, ``feasible``, ``infeasible``, ``time_limit_no_solution``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

__all__ = ["SOLVED", "Answer", "Status"]


class Status(StrEnum):
    """Outcome of a siting model or a solver call (the ``status`` of ``site --json``)."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    UNBOUNDED = "unbounded"  # only from the solver back-end, never a model's answer


#: Statuses that come with a solution.
SOLVED = frozenset({Status.OPTIMAL, Status.FEASIBLE})


def _no_idx() -> np.ndarray:
    return np.array([], np.int64)


def _no_bool() -> np.ndarray:
    return np.array([], bool)


def _no_float() -> np.ndarray:
    return np.array([], float)


@dataclass
class Answer:
    """What a siting model found (indices are 0-based into the model's candidates).

    Attributes
    ----------
    status : Status
        ``optimal``, ``feasible``, ``infeasible`` or ``time_limit_no_solution``.
    objective, bound : float
        Value of the best solution and its proven bound (lower for minimising models,
        upper for maximising ones) [model units]; NaN when none.
    model_size : dict
        Rows, columns and non-zeros of the (last) MIP.
    reason : str
        Why there is no solution, when there is none.
    open_idx : numpy.ndarray
        Open candidate indices (point models: p-median, p-center, set cover, max coverage).
    option_open : numpy.ndarray
        Boolean per size option (facility models; empty otherwise).
    flow : numpy.ndarray
        Served fraction per allowed pair (facility models; empty otherwise).
    open_year : numpy.ndarray
        Year index each candidate opens in, ``-1`` = never (rollout; empty otherwise).
    covered_by_year, demand_by_year : numpy.ndarray
        Covered and total demand of each year (rollout) [demand units].
    iterations : int
        Row-generation rounds (p-median).
    heuristic_objective : float
        Objective of the heuristic alone (p-median).
    """

    status: Status
    objective: float
    bound: float
    model_size: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    open_idx: np.ndarray = field(default_factory=_no_idx)
    option_open: np.ndarray = field(default_factory=_no_bool)
    flow: np.ndarray = field(default_factory=_no_float)
    open_year: np.ndarray = field(default_factory=_no_idx)
    covered_by_year: np.ndarray = field(default_factory=_no_float)
    demand_by_year: np.ndarray = field(default_factory=_no_float)
    iterations: int = 0
    heuristic_objective: float = math.nan

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def solved(self) -> bool:
        """True when the answer carries a solution (optimal or feasible)."""
        return self.status in SOLVED
