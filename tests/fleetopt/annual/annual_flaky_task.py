"""A task that fails on its first attempt (a marker file remembers it), for the retry test.

Importable by the Dask worker processes (they start with the test process's ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def fail_once(task: Mapping[str, Any]) -> dict[str, Any]:
    """Raise the first time a task runs, return its value the second time."""
    marker = Path(task["marker_dir"]) / f"{task['name']}.tried"
    if not marker.exists():
        marker.write_text("1", encoding="utf-8")
        msg = f"first attempt of {task['name']} fails on purpose"
        raise RuntimeError(msg)
    return {"name": task["name"], "value": task["value"]}


def die_once(task: Mapping[str, Any]) -> dict[str, Any]:
    """Kill the worker process the first time a task runs (a lost worker), succeed after."""
    import os

    marker = Path(task["marker_dir"]) / f"{task['name']}.died"
    if not marker.exists():
        marker.write_text("1", encoding="utf-8")
        os._exit(1)
    return {"name": task["name"], "value": task["value"]}


def held(seconds: float) -> float:
    """Sleep (a task the days wait for, like the route rows), return the seconds."""
    import time

    time.sleep(seconds)
    return seconds


def started(task: Mapping[str, Any]) -> dict[str, Any]:
    """Return the task's label and the moment it started (a day that only says when it ran)."""
    import time

    return {"label": task["label"], "t": time.time()}
