"""Render command results for a terminal of 80 columns: metrics as rows, units, rounding.

Wide tables with one column per metric cut every number to ``8,…`` at 80 columns; here a
summary has one row per metric (unit in the label) and one column per vehicle type, so it
stays readable on a narrow terminal. Numbers are rounded for reading; ``--json`` keeps
the full values.
"""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

__all__ = ["format_number", "format_objective", "summary_table", "targets_table"]

#: Summary rows: (key, label with unit, decimals when below 10 / 1000).
_ROWS: tuple[tuple[str, str], ...] = (
    ("vehicles", "vehicles (blocks)"),
    ("peak_vehicles_in_service", "peak in service"),
    ("trips_total", "trips"),
    ("trips_served", "  served"),
    ("trips_missed", "  missed"),
    ("distance_km", "distance [km]"),
    ("battery_energy_kwh", "battery energy [kWh]"),
    ("grid_energy_kwh", "grid energy [kWh]"),
    ("diesel_l", "diesel [L]"),
    ("gasoline_l", "gasoline [L]"),
    ("hydrogen_kg", "hydrogen [kg]"),
    ("co2_kg", "CO2 [kg]"),
    ("peak_grid_kw", "grid peak [kW]"),
    ("charge_wait_mean_min", "charge wait mean [min]"),
    ("charge_wait_max_min", "charge wait max [min]"),
)

_INTEGER_KEYS = frozenset(
    {"vehicles", "peak_vehicles_in_service", "trips_total", "trips_served", "trips_missed"}
)


def format_number(value: Any, *, integer: bool = False) -> str:
    """Round a number for reading: thousands separators, 0-2 decimals by magnitude.

    Parameters
    ----------
    value : object
        A number (or None / NaN, shown as an em dash).
    integer : bool
        Show as a whole number.

    Returns
    -------
    str
    """
    if value is None or isinstance(value, bool):
        return "—" if value is None else str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if integer or abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    if x == 0:
        return "0"
    return f"{x:.2f}"


def format_objective(value: Any, unit: str | None) -> str:
    """Return an objective with its unit and readable rounding (``3,355,389 s·demand``)."""
    text = format_number(value)
    return f"{text} {unit}" if unit and text != "—" else text


def summary_table(s: dict[str, Any], *, title: str) -> Table:
    """Return a ``simulate --json`` summary as a table that fits 80 columns.

    One row per metric (unit in the label), one column per vehicle type and ``all``.
    ``vehicles`` counts the distinct vehicle ids (GTFS: block_ids); the peak number in
    service is shown next to it when the summary has it.
    """
    by_type = s.get("by_type") or {}
    names = sorted(by_type)
    cols = [*names, "all"] if len(names) != 1 else ["all"]
    data = {**{n: by_type[n] for n in names}, "all": s}
    table = Table(
        title=escape(title), title_justify="left", pad_edge=False, box=box.SIMPLE_HEAD,
        padding=(0, 1), collapse_padding=True,
    )
    table.add_column("metric", no_wrap=True)
    for c in cols:
        table.add_column(c, justify="right", no_wrap=True)
    for key, label in _ROWS:
        if not any(key in data[c] for c in cols):
            continue
        table.add_row(
            escape(label),
            *(format_number(data[c].get(key), integer=key in _INTEGER_KEYS) for c in cols),
        )
    return table


def targets_table(rows: list[dict[str, Any]], *, title: str) -> Table:
    """Return the plan's targets as a table whose description wraps within 80 columns."""
    colours = {"met": "green", "on_track": "green", "at_risk": "yellow", "off_track": "red"}
    table = Table(title=escape(title), title_justify="left", pad_edge=False, box=box.SIMPLE_HEAD)
    table.add_column("target", ratio=1, overflow="fold")
    table.add_column("goal", justify="right", max_width=14, overflow="fold")
    table.add_column("year", justify="right", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for row in rows:
        status = str(row.get("status"))
        target = row.get("target")
        unit = row.get("unit") or ""
        if unit == "text" or not isinstance(target, (int, float)):
            goal = f"{target} {unit}".strip() if unit != "text" else str(target)
        else:
            goal = f"{format_number(target)} {unit}".strip()
        table.add_row(
            escape(str(row.get("description", row.get("id", "")))),
            escape(goal),
            str(row.get("year") or ""),
            format_number(row.get("value")),
            f"[{colours.get(status, 'white')}]{status}[/]",
        )
    return table
