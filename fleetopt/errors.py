"""Define fleetopt's exception classes and the located `Problem` record they carry.

Infeasibility (a siting model with no solution, a trip a vehicle cannot run) is a
*result*, never an exception. Exceptions are for bad input and broken solvers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One located problem found in an input.

    Attributes
    ----------
    message : str
        What is wrong and, where it helps, what is accepted.
    row : int or None
        Line number as a spreadsheet shows it (header = line 1); None when the
        problem is not tied to a row.
    column : str or None
        Column name, or the dotted key path for TOML/JSON inputs.
    file : str or None
        Path (or upload name) of the file the problem is in.
    """

    message: str
    row: int | None = None
    column: str | None = None
    file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the CONTRACT §2 `validate --json` form (row, column, message)."""
        d = asdict(self)
        d.pop("file")
        return {"row": d["row"], "column": d["column"], "message": d["message"]}

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class FleetoptError(Exception):
    """Base class of every error fleetopt raises on purpose."""


class InputError(FleetoptError, ValueError):
    """Bad user input: a file, a key or a value that fleetopt cannot accept.

    Parameters
    ----------
    message : str
        Summary sentence.
    problems : list of Problem, optional
        Every located problem found (all at once, not just the first).
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)


class SolverError(FleetoptError, RuntimeError):
    """A solver failed to run (not: found the model infeasible)."""
