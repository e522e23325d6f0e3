"""Report the simulated clock of a running day to a progress callback.

``engine.simulate(..., progress=callback)`` calls ``callback(clock_s, horizon_s)`` as the
simulated clock advances: ``clock_s`` seconds of the ``horizon_s``-second horizon are done
(:data:`TICKS` times per run, the last one at the horizon end). The ticks are SimPy events
of their own; they change no result (the other events keep their order).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

#: Progress reports per simulated horizon.
TICKS = 100

ProgressCallback = Callable[[float, float], Any]


def clock_ticker(
    env: simpy.Environment, t0: float, t_end: float, progress: ProgressCallback
) -> Generator[simpy.Event, Any, None]:
    """Call ``progress(clock_s, horizon_s)`` :data:`TICKS` times from ``t0`` to ``t_end`` [s]."""
    span = max(t_end - t0, 0.0)
    progress(0.0, span)
    for k in range(1, TICKS + 1):
        at = t0 + span * k / TICKS
        if at > env.now:
            yield env.timeout(at - env.now)
        progress(span * k / TICKS, span)
