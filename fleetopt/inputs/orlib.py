"""Read J. E. Beasley's OR-Library location files (p-median and warehouse location).

Two formats, exactly as OR-Library defines them (``pmedinfo.html``, ``capinfo.html``):

``pmedN.txt``
    First line ``n m p`` (vertices, edges, medians), then ``m`` lines ``i j cost`` with
    vertices numbered from 1. The graph is undirected; when a vertex pair appears more
    than once **the last line wins** (Beasley: "set c(i,j)=c(j,i)=k" in turn). The cost
    matrix is the all-pairs shortest paths of that graph (Floyd). Every vertex is both a
    client and a candidate median, each with weight 1.

``capNN.txt``, ``capa/b/c.txt``
    ``m n`` (warehouses, customers); ``m`` pairs ``capacity fixed_cost``; then for each
    customer its ``demand`` followed by ``m`` allocation costs, where an allocation cost
    is the cost of serving **all** of that customer's demand from the warehouse. The file
    is a token stream (values wrap over lines). In capa/capb/capc the capacity is the
    literal word ``capacity``; pass ``capacity=`` to fill it (Beasley 1988, Table 1).

Malformed files raise :class:`~fleetopt.errors.InputError` naming the file, the line
(``row``) and the field (``column``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps
from fleetopt.inputs._encoding import read_limited

logger = logging.getLogger(__name__)

__all__ = ["CapInstance", "PMedInstance", "parse_cap", "parse_pmed", "read_cap", "read_pmed"]


@dataclass(frozen=True)
class PMedInstance:
    """One OR-Library p-median instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"pmed1"``.
    n : int
        Number of vertices (clients = candidate sites).
    p : int
        Number of medians from the header.
    cost : numpy.ndarray
        ``n x n`` all-pairs shortest-path costs (file units; integers for OR-Library).
    """

    name: str
    n: int
    p: int
    cost: np.ndarray


@dataclass(frozen=True)
class CapInstance:
    """One OR-Library capacitated warehouse location instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"cap41"``.
    capacity : numpy.ndarray
        Capacity of each of the ``m`` warehouses (demand units); NaN when the file
        says ``capacity`` and no value was given.
    fixed_cost : numpy.ndarray
        Opening cost of each warehouse (file units).
    demand : numpy.ndarray
        Demand of each of the ``n`` customers (demand units).
    cost : numpy.ndarray
        ``m x n`` cost of serving all of customer j's demand from warehouse i.
    """

    name: str
    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    cost: np.ndarray

    @property
    def m(self) -> int:
        """Number of warehouses."""
        return int(self.fixed_cost.size)

    @property
    def n(self) -> int:
        """Number of customers."""
        return int(self.demand.size)


class _Tokens:
    """Whitespace token stream that remembers each token's line number."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        toks: list[str] = []
        lines: list[int] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            parts = line.split()
            toks.extend(parts)
            lines.extend([lineno] * len(parts))
        self.toks = toks
        self.lines = lines
        self.pos = 0

    def remaining(self) -> int:
        return len(self.toks) - self.pos

    def _line(self, pos: int) -> int | None:
        if pos < len(self.lines):
            return self.lines[pos]
        return self.lines[-1] if self.lines else 1

    def fail(self, message: str, column: str, pos: int | None = None) -> InputError:
        line = self._line(self.pos if pos is None else pos)
        return InputError(
            f"{self.file}: not a valid OR-Library file",
            [Problem(message, row=line, column=column, file=self.file)],
        )

    def number(self, column: str, *, integer: bool = False, words: dict[str, float] | None = None
               ) -> float:
        if self.pos >= len(self.toks):
            msg = f"file ends early: expected {column}"
            raise self.fail(msg, column)
        tok = self.toks[self.pos]
        if words and tok.lower() in words:
            self.pos += 1
            return words[tok.lower()]
        try:
            val = float(tok)
        except ValueError:
            msg = f"{tok!r} is not a number (expected {column})"
            raise self.fail(msg, column) from None
        if not np.isfinite(val) or (integer and val != int(val)):
            kind = "an integer" if integer else "a finite number"
            msg = f"{tok!r} is not {kind} (expected {column})"
            raise self.fail(msg, column)
        self.pos += 1
        return val

    def numbers(self, count: int, column: str) -> np.ndarray:
        """Read ``count`` plain numbers at once (fast path, falls back to locate errors)."""
        end = self.pos + count
        if end > len(self.toks):
            msg = f"file ends early: expected {count} values of {column}, found {self.remaining()}"
            raise self.fail(msg, column, len(self.toks))
        try:
            arr = np.asarray(self.toks[self.pos:end], dtype=float)
        except ValueError:
            for _ in range(count):
                self.number(column)
            raise AssertionError from None  # pragma: no cover - number() raised
        if not np.all(np.isfinite(arr)):
            bad = int(np.flatnonzero(~np.isfinite(arr))[0])
            msg = f"{self.toks[self.pos + bad]!r} is not a finite number (expected {column})"
            raise self.fail(msg, column, self.pos + bad)
        self.pos = end
        return arr


def _read_text(path: str | os.PathLike[str]) -> tuple[str, str]:
    p = Path(path)
    try:
        text = read_limited(p).decode("ascii", errors="strict")
    except UnicodeDecodeError as exc:
        msg = f"{p}: not a text OR-Library file ({exc.reason} at byte {exc.start})"
        raise InputError(msg, [Problem(msg, file=str(p))]) from None
    return text, str(p)


def read_pmed(path: str | os.PathLike[str]) -> PMedInstance:
    """Read an OR-Library ``pmedN.txt`` file and compute its shortest-path cost matrix.

    Parameters
    ----------
    path : path
        The file.

    Returns
    -------
    PMedInstance

    Raises
    ------
    InputError
        Malformed header or edge line, vertex out of range, negative cost,
        disconnected graph; located by line.
    """
    text, name = _read_text(path)
    return parse_pmed(text, file=name, name=Path(path).stem)


def parse_pmed(text: str, *, file: str = "<pmed>", name: str = "pmed") -> PMedInstance:
    """Parse the text of a p-median file (see :func:`read_pmed`)."""
    tk = _Tokens(text, file)
    n = int(tk.number("n (vertices)", integer=True))
    m = int(tk.number("m (edges)", integer=True))
    p = int(tk.number("p (medians)", integer=True))
    if n < 1:
        raise tk.fail(f"n must be at least 1, got {n}", "n (vertices)", 0)
    if m < 0:
        raise tk.fail(f"m must be non-negative, got {m}", "m (edges)", 1)
    if not 1 <= p <= n:
        raise tk.fail(f"p must be between 1 and n={n}, got {p}", "p (medians)", 2)
    if n > _caps.MAX_ORLIB_POINTS:  # the distance matrix is n x n: check before any work
        raise _caps.over_cap(f"n = {n:,} vertices", "MAX_ORLIB_POINTS", _caps.MAX_ORLIB_POINTS,
                             file=file, row=tk.lines[0], column="n (vertices)")
    start = tk.pos
    vals = tk.numbers(3 * m, "edge i j cost").reshape(m, 3)
    ij = vals[:, :2]
    bad_int = np.flatnonzero(np.any(ij != np.round(ij), axis=1))
    bad_range = np.flatnonzero(np.any((ij < 1) | (ij > n), axis=1))
    bad_cost = np.flatnonzero(vals[:, 2] < 0)
    problems = []
    for rows, what in ((bad_int, "vertex numbers must be integers"),
                       (bad_range, f"vertex numbers must be in 1..{n}"),
                       (bad_cost, "edge cost must be non-negative")):
        for r in rows[:20]:
            line = tk.lines[start + 3 * int(r)]
            problems.append(Problem(f"edge {int(r) + 1}: {what}", row=line,
                                    column="edge i j cost", file=file))
    if problems:
        msg = f"{file}: not a valid OR-Library p-median file"
        raise InputError(msg, problems)
    if tk.remaining():
        logger.warning("%s: %d tokens after the last edge ignored", file, tk.remaining())
    i = ij[:, 0].astype(np.int64) - 1
    j = ij[:, 1].astype(np.int64) - 1
    c = vals[:, 2]
    # undirected, last occurrence of a pair wins (Beasley's pmedinfo note)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo * n + hi
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep = m - 1 - last_rev
    lo, hi, c = lo[keep], hi[keep], c[keep]
    off = lo != hi  # self-loops never shorten a path
    lo, hi, c = lo[off], hi[off], c[off]
    # csgraph drops explicit zeros; a zero-cost edge is kept as a tiny positive weight
    w = np.where(c == 0, 1e-12, c)
    adj = sparse.coo_matrix((np.r_[w, w], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n)).tocsr()
    cost = csgraph.shortest_path(adj, method="D", directed=False)
    if not np.all(np.isfinite(cost)):
        cut = int(np.flatnonzero(~np.isfinite(cost[0]))[0]) + 1
        msg = f"{file}: the graph is not connected (vertex {cut} cannot be reached from vertex 1)"
        raise InputError(msg, [Problem(msg, file=file)])
    if np.all(c == np.round(c)):
        cost = np.round(cost)
    return PMedInstance(name=name, n=n, p=p, cost=cost)


def read_cap(path: str | os.PathLike[str], capacity: float | None = None) -> CapInstance:
    """Read an OR-Library capacitated warehouse location file.

    Parameters
    ----------
    path : path
        ``capNN.txt`` or ``capa/capb/capc.txt``.
    capacity : float, optional
        Value that replaces the word ``capacity`` (capa/b/c) [demand units]; when the
        word appears and no value is given, capacities are NaN (use only uncapacitated).

    Returns
    -------
    CapInstance

    Raises
    ------
    InputError
        Malformed or truncated file, negative values; located by line and field.
    """
    text, name = _read_text(path)
    return parse_cap(text, capacity=capacity, file=name, name=Path(path).stem)


def parse_cap(text: str, *, capacity: float | None = None, file: str = "<cap>",
              name: str = "cap") -> CapInstance:
    """Parse the text of a warehouse location file (see :func:`read_cap`)."""
    tk = _Tokens(text, file)
    m = int(tk.number("m (warehouses)", integer=True))
    n = int(tk.number("n (customers)", integer=True))
    if m < 1:
        raise tk.fail(f"m must be at least 1, got {m}", "m (warehouses)", 0)
    if n < 1:
        raise tk.fail(f"n must be at least 1, got {n}", "n (customers)", 1)
    if m * n > _caps.MAX_SITING_PAIRS or max(m, n) > _caps.MAX_ORLIB_POINTS * 10:
        raise _caps.over_cap(f"m x n = {m:,} x {n:,} allocation costs", "MAX_SITING_PAIRS",
                             _caps.MAX_SITING_PAIRS, file=file, row=tk.lines[0],
                             column="m (warehouses)")
    need = 2 * m + n * (m + 1)
    if need > tk.remaining():
        raise tk.fail(f"file ends early: the header's m = {m:,}, n = {n:,} need {need:,} "
                      f"values; the file holds {tk.remaining():,}", "n (customers)", 1)
    word = {"capacity": float("nan") if capacity is None else float(capacity)}
    cap = np.empty(m)
    fixed = np.empty(m)
    for i in range(m):
        cap[i] = tk.number(f"capacity of warehouse {i + 1}", words=word)
        fixed[i] = tk.number(f"fixed cost of warehouse {i + 1}")
    demand = np.empty(n)
    cost = np.empty((m, n))
    for j in range(n):
        demand[j] = tk.number(f"demand of customer {j + 1}")
        cost[:, j] = tk.numbers(m, f"allocation costs of customer {j + 1}")
    problems = []
    for arr, what in ((cap, "capacity"), (fixed, "fixed cost"), (demand, "demand")):
        neg = np.flatnonzero(arr < 0)
        if neg.size:
            problems.append(Problem(f"{neg.size} negative {what} values (first: #{neg[0] + 1})",
                                    column=what, file=file))
    if np.any(cost < 0):
        problems.append(Problem("negative allocation costs", column="allocation cost", file=file))
    if problems:
        msg = f"{file}: not a valid OR-Library warehouse location file"
        raise InputError(msg, problems)
    if tk.remaining():
        logger.warning("%s: %d tokens after the last customer ignored", file, tk.remaining())
    return CapInstance(name=name, capacity=cap, fixed_cost=fixed, demand=demand, cost=cost)
