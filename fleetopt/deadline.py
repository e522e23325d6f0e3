"""Carry one wall-clock deadline down a chain of solver calls (a foundation module).

A :class:`Deadline` is made once, at the entry point that resolves the time limit
(``settings.SITING_TIME_LIMIT_S`` unless the caller gives one), and passed down; every
step asks it how much time is left instead of carrying ``time_limit_s``, ``t0`` and a
``deadline`` float of its own. Clock: :func:`time.perf_counter` [s].
"""

from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["Deadline"]


@dataclass(frozen=True)
class Deadline:
    """A point in :func:`time.perf_counter` time to stop at.

    Attributes
    ----------
    start_s : float
        ``perf_counter()`` when the deadline was made [s].
    end_s : float
        ``perf_counter()`` value to stop at [s]; ``inf`` = no limit.
    """

    start_s: float
    end_s: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """Return a deadline ``seconds`` from now [s]."""
        now = time.perf_counter()
        return cls(start_s=now, end_s=now + float(seconds))

    @property
    def limit_s(self) -> float:
        """Length of the whole allowance [s]."""
        return self.end_s - self.start_s

    def left_s(self, floor: float = 0.0) -> float:
        """Seconds left, at least ``floor`` [s]."""
        return max(floor, self.end_s - time.perf_counter())

    def elapsed_s(self) -> float:
        """Seconds since the deadline was made [s]."""
        return time.perf_counter() - self.start_s

    def expired(self) -> bool:
        """Return True once the deadline has passed."""
        return time.perf_counter() >= self.end_s

    def at_least(self, seconds: float) -> Deadline:
        """Return this deadline, moved later when fewer than ``seconds`` are left [s]."""
        floor = time.perf_counter() + float(seconds)
        return self if self.end_s >= floor else Deadline(start_s=self.start_s, end_s=floor)

    def share(self, fraction: float, floor: float = 0.0) -> Deadline:
        """Return a deadline ``fraction`` of the time left from now (never later than this one)."""
        now = time.perf_counter()
        left = max(0.0, self.end_s - now)
        return Deadline(start_s=now, end_s=now + max(floor, fraction * left))
