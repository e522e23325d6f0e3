"""Run ``fleetopt targets [SCENARIO.toml]``: the plan's targets with projected values.

Without a scenario the calibrated defaults are projected; with one, its ``[transition]``
and ``[mode_share]`` levers. ``--json`` prints the rows (CONTRACT §2) and nothing else.
Its options are in :mod:`fleetopt.cli._commands`; :func:`targets` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from fleetopt import api
from fleetopt.cli._common import run


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.1f}"
    return str(v)


def _band(r: dict[str, Any]) -> str:
    low, high = r.get("low"), r.get("high")
    if low is None or high is None or low == high:
        return ""
    return f"{_fmt(low)} to {_fmt(high)}"


def render(rows: list[dict[str, Any]]) -> None:
    """Print the targets as a table for a person to read: value, its band, status and reason."""
    table = Table(title="Beijing Carbon Peak Plan targets (band: low to high)")
    for col in ("id", "target", "unit", "year", "value", "band", "status"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["id"],
            _fmt(r["target"]),
            str(r["unit"]),
            _fmt(r["year"]),
            _fmt(r["value"]),
            _band(r),
            r["status"],
        )
    console = Console()
    console.print(table)
    for r in rows:
        if r.get("reason"):
            console.print(f"[dim]{r['id']}: {r['status']} — {r['reason']}[/dim]")


def render_calibration(doc: dict[str, list[dict[str, Any]]]) -> None:
    """Print the calibration of both models against the published figures."""
    console = Console()
    t = Table(title="Fleet transition vs published figures")
    for col in ("segment", "metric", "time", "observed", "modelled", "error %"):
        t.add_column(col)
    for r in doc["transition"]:
        t.add_row(
            r["segment"],
            r["metric"],
            f"{r['time_year']:.2f}",
            _fmt(r["observed"]),
            _fmt(r["modelled"]),
            f"{r['error_pct']:+.1f}",
        )
    console.print(t)
    m = Table(title="Mode shares vs published figures [%]")
    for col in ("mode", "year", "observed", "modelled", "error (points)"):
        m.add_column(col)
    for r in doc["mode_share"]:
        m.add_row(
            r["mode"],
            str(r["year"]),
            f"{r['observed']:.1f}",
            f"{r['modelled']:.2f}",
            f"{r['error_points']:+.2f}",
        )
    console.print(m)


def targets(*, scenario: Path | None, calibration: bool, annual_from: Path | None,
            report: Path | None, as_json: bool) -> None:
    """Show the plan's targets, or ``calibration`` the models' error (``fleetopt targets``)."""
    if calibration:
        run(lambda: api.calibration(scenario), as_json=as_json, render=render_calibration)
        return
    run(
        lambda: api.targets(scenario, annual=annual_from, report=report),
        as_json=as_json,
        render=render,
    )
