"""Keep the runs of this browser session for comparison; owns ``st.session_state["runs.session"]``.

A run is the dict :func:`apps.services.run_scenario` returns plus a label and the
levers that made it. Runs live in memory only (no pickle, no disk).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

#: The session_state key this component owns.
KEY = "runs.session"

#: Most runs kept per session (oldest dropped first).
MAX_RUNS = 12

__all__ = ["KEY", "MAX_RUNS", "add_run", "session_runs"]


def session_runs() -> list[dict[str, Any]]:
    """Return this session's runs, oldest first."""
    runs: list[dict[str, Any]] = st.session_state.setdefault(KEY, [])
    return runs


def add_run(label: str, run: dict[str, Any], levers: dict[str, Any]) -> dict[str, Any]:
    """Record a run (replacing an earlier run of the same scenario key); return the record."""
    runs = [r for r in session_runs() if r["key"] != run["key"]]
    record = {**run, "label": label, "levers": levers}
    runs.append(record)
    st.session_state[KEY] = runs[-MAX_RUNS:]
    return record
