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
