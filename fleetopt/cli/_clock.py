"""Show a running day's simulated clock on stderr (``fleetopt simulate`` without ``--annual``).

The engine calls the bar as ``bar(clock_s, horizon_s)``
(:mod:`fleetopt.simulation.progress`). On a terminal a rich bar redraws in place; when
stderr is a file or a pipe one line is written per tenth of the horizon, e.g.
``simulate beijing-default: 40% of the horizon simulated (clock 09:36 of 24:00)``.
stdout is never touched, so ``--json`` keeps it for the document.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn


def _clock(s: float) -> str:
    m = round(s / 60.0)
    return f"{m // 60:02d}:{m % 60:02d}"


class ClockBar:
    """Progress of one simulated day on stderr; call it with ``(clock_s, horizon_s)``.

    Parameters
    ----------
    label : str
        What runs, e.g. ``simulate beijing-default``.
    enabled : bool
        Show anything at all.
    """

    def __init__(self, label: str, *, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self._last_tenth = -1

    def __call__(self, clock_s: float, horizon_s: float) -> None:
        """Report ``clock_s`` of ``horizon_s`` simulated seconds done."""
        if not self.enabled:
            return
        share = clock_s / horizon_s if horizon_s > 0 else 1.0
        if sys.stderr.isatty():
            if self._bar is None:
                self._bar = Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    TaskProgressColumn(),
                    TextColumn("clock {task.fields[clock]}"),
                    TimeElapsedColumn(),
                    console=Console(file=sys.stderr),
                    transient=False,
                )
                self._bar.start()
                self._task = self._bar.add_task(self.label, total=1.0, clock="00:00")
            self._bar.update(self._task, completed=share, clock=_clock(clock_s))
            return
        tenth = int(share * 10 + 1e-9)
        if tenth > self._last_tenth:
            self._last_tenth = tenth
            sys.stderr.write(
                f"{self.label}: {10 * tenth}% of the horizon simulated "
                f"(clock {_clock(clock_s)} of {_clock(horizon_s)})\n"
            )
            sys.stderr.flush()

    def close(self) -> None:
        """Stop the bar (a no-op without a terminal)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
