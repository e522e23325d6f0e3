"""The ``site --json`` document's rules without pandas: status and gap, numbers, units, size line.

:class:`~fleetopt.siting.result.SitingResult` applies these rules to every model; the
OR-Library p-median path of ``fleetopt site`` (:mod:`fleetopt.siting.pmedian_orlib`) applies
the same ones without building the result's tables, so that command does not import
pandas (issue 16: forty whole processes in 60 s).
"""

from __future__ import annotations

import math
from typing import Any

from fleetopt.siting.answer import Status

__all__ = ["OBJECTIVE_UNITS", "OPTIMAL_GAP_TOL", "STATUSES", "document", "json_number",
           "relative_gap", "settle", "size_line"]

STATUSES = (Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE, Status.TIME_LIMIT_NO_SOLUTION)
#: Largest relative gap still reported as ``optimal`` (solver round-off) [-].
OPTIMAL_GAP_TOL = 1e-6

#: Unit of each model's objective (docs/siting.md, "Models") for human output (the
#: ``site --json`` keys stay those of CONTRACT §2); OR-Library input is in the file's units.
OBJECTIVE_UNITS: dict[str, str] = {
    "p-median": "s x weight",  # demand-weighted travel time to the nearest open site
    "p-center": "s",  # worst travel time
    "set-cover": "CNY",  # opening cost (the number of sites without fixed_cost_cny)
    "max-coverage": "weight covered",
    "uflp": "CNY",  # opening cost + value of travel time
    "cflp": "CNY",
    "service-level": "CNY",
    "flow-refuelling": "flow refuelled",
    "rollout": "weight x years covered",
}


def relative_gap(objective: float, bound: float, *, maximize: bool = False) -> float | None:
    """Return ``|objective - bound| / max(|objective|, 1e-9)`` (None without both numbers).

    Parameters
    ----------
    objective : float
        Value of the best solution found.
    bound : float
        Proven bound (lower for minimisation, upper for maximisation).
    maximize : bool
        True for maximisation problems.
    """
    if objective is None or bound is None or not (math.isfinite(objective)
                                                  and math.isfinite(bound)):
        return None
    diff = (bound - objective) if maximize else (objective - bound)
    return max(0.0, diff) / max(abs(objective), 1e-9)


def settle(status: str, objective: float | None, bound: float | None, gap: float | None, *,
           maximize: bool = False) -> tuple[str, float | None, float | None]:
    """Return the status, bound and gap a result reports.

    A solver that stopped at a requested relative gap (e.g. 1e-4) and called it optimal is
    reported as ``feasible`` with its true gap (above :data:`OPTIMAL_GAP_TOL`): what is
    proven, not more. An optimal result has gap 0 and its objective as bound.

    Raises
    ------
    ValueError
        ``status`` is not one of :data:`STATUSES`.
    """
    if status not in STATUSES:
        msg = f"status {status!r} is not one of {STATUSES}"
        raise ValueError(msg)
    if (status == Status.OPTIMAL and objective is not None
            and bound is not None and math.isfinite(bound)):
        true_gap = relative_gap(objective, bound, maximize=maximize)
        if true_gap is not None and true_gap > OPTIMAL_GAP_TOL:
            status = Status.FEASIBLE
            gap = true_gap
    if status == Status.OPTIMAL:
        gap = 0.0
        if objective is not None:
            bound = objective
    elif gap is None and objective is not None and bound is not None:
        gap = relative_gap(objective, bound, maximize=maximize)
    return status, bound, gap


def json_number(x: float | None) -> float | None:
    """Return a number for JSON: None when missing or not finite, an int when whole."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return int(x) if x == int(x) and abs(x) < 2**53 else x


def document(*, model: str, status: str, objective: float | None, bound: float | None,
             gap: float | None, open_sites: list[Any],
             assignments: list[dict[str, Any]] | None, wall_s: float, reason: str = "",
             extra_json: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the ``site --json`` document (CONTRACT §2) of a settled result.

    ``assignments`` (``demand``, ``site``, ``share`` rows) is left out when None.
    """
    out: dict[str, Any] = {
        "model": model,
        "status": status,
        "objective": json_number(objective),
        "bound": json_number(bound),
        "gap": json_number(gap),
        "open_sites": list(open_sites),
    }
    if assignments is not None:
        out["assignments"] = assignments
    out["wall_s"] = round(float(wall_s), 3)
    if reason and status in (Status.INFEASIBLE, Status.TIME_LIMIT_NO_SOLUTION):
        out["reason"] = reason
    for k, v in (extra_json or {}).items():
        out.setdefault(k, v)
    return out


def size_line(model_size: dict[str, Any]) -> str:
    """One line ``model size: R rows, C columns, N non-zeros``."""
    s = model_size
    if not s:
        return "model size: (no MIP built)"
    return (f"model size: {s.get('rows', 0):,} rows, {s.get('columns', 0):,} columns, "
            f"{s.get('nonzeros', 0):,} non-zeros")
