"""Solve an OR-Library ``pmedN.txt`` file as p-median, with the solver's imports only.

:func:`solve_pmed_file` reads the file and solves it;
:func:`fleetopt.siting.solve.solve_orlib_pmed` turns the answer into a
:class:`~fleetopt.siting.result.SitingResult` (with its pandas tables), and
:func:`pmed_document` into the ``site --json`` document directly, by the same rules
(:mod:`fleetopt.siting.summary`), for ``fleetopt site --orlib-pmed FILE``: that command
then imports numpy, SciPy's shortest paths and the solver, not pandas nor the road graph
(issue 16: all forty pmed files, each a whole process, in 60 s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fleetopt import settings
from fleetopt.deadline import Deadline
from fleetopt.errors import InputError, Problem
from fleetopt.inputs.orlib import PMedInstance, read_pmed
from fleetopt.siting.answer import SOLVED, Answer
from fleetopt.siting.pmedian import solve_pmedian
from fleetopt.siting.summary import document, settle

__all__ = ["PmedFileAnswer", "pmed_document", "read_pmed_p", "solve_pmed_file"]


@dataclass
class PmedFileAnswer:
    """A solved OR-Library p-median file.

    Attributes
    ----------
    instance : PMedInstance
        The file's instance.
    p : int
        Medians used.
    answer : Answer
        The solver's answer (0-based indices).
    deadline : Deadline
        The run's deadline (its ``start_s`` is when the run began).
    """

    instance: PMedInstance
    p: int
    answer: Answer
    deadline: Deadline

    @property
    def solved(self) -> bool:
        """True when the answer has a solution."""
        return self.answer.status in SOLVED

    def open_idx(self) -> np.ndarray:
        """Open vertices (0-based, sorted)."""
        return np.sort(np.asarray(self.answer.open_idx, dtype=np.int64))

    def nearest(self) -> np.ndarray:
        """Return the open vertex (0-based) nearest each vertex."""
        idx = self.open_idx()
        near: np.ndarray = idx[np.argmin(self.instance.cost[:, idx], axis=1)]
        return near


def read_pmed_p(path: str | Path, p: int | None) -> tuple[PMedInstance, int]:
    """Read a ``pmedN.txt`` file and the number of medians to use (``p`` or the header's).

    Raises
    ------
    InputError
        A malformed file, or ``p`` outside ``1..n``.
    """
    inst = read_pmed(path)
    p_use = inst.p if p is None else int(p)
    if not 1 <= p_use <= inst.n:
        msg = f"--p must be between 1 and n={inst.n}, got {p_use}"
        raise InputError(msg, [Problem(msg, column="p", file=str(path))])
    return inst, p_use


def solve_pmed_file(path: str | Path, *, p: int | None = None, time_limit_s: float | None = None,
                    solver: str = "highs") -> PmedFileAnswer:
    """Read ``pmedN.txt`` and solve it as p-median.

    Parameters
    ----------
    path : path
        The file.
    p : int, optional
        Medians (default: the file's header).
    time_limit_s : float, optional
        Wall-clock limit [s] (default ``settings.SITING_TIME_LIMIT_S``), from before the read.
    solver : {"highs", "scip"}
        MIP back-end.

    Returns
    -------
    PmedFileAnswer
    """
    limit = settings.SITING_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
    deadline = Deadline.after(limit)
    inst, p_use = read_pmed_p(path, p)
    ans = solve_pmedian(inst.cost, None, p_use, deadline=deadline, solver=solver)
    return PmedFileAnswer(instance=inst, p=p_use, answer=ans, deadline=deadline)


def pmed_document(res: PmedFileAnswer, *, assignments: bool) -> dict[str, Any]:
    """Return the ``site --json`` document of a solved file (1-based vertex numbers).

    The same document as ``solve_orlib_pmed(...).summary(assignments=...)``.
    """
    ans = res.answer
    rows: list[dict[str, Any]] | None = None
    if not res.solved:
        status, bound, gap = settle(ans.status, None, None, None)
        open_sites: list[int] = []
        objective = None
        rows = [] if assignments else None
    else:
        objective = float(ans.objective)
        status, bound, gap = settle(ans.status, objective, float(ans.bound), None)
        open_sites = [int(i) + 1 for i in res.open_idx()]
        if assignments:
            rows = [{"demand": i + 1, "site": int(s) + 1, "share": 1.0}
                    for i, s in enumerate(res.nearest())]
    return document(model="p-median", status=status, objective=objective, bound=bound, gap=gap,
                    open_sites=open_sites, assignments=rows,
                    wall_s=time.perf_counter() - res.deadline.start_s)
