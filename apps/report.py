"""Render a simulation run as a one-page, self-contained HTML report (no scripts, no web assets).

The report holds the summary keys, the per-type table, the plan targets, the station
load curve as inline SVG and the missed trips. Every text is HTML-escaped. The report of
all targets is the api's (:func:`targets_report`).
"""

# SVG/HTML markup lines and Chinese full-width punctuation are kept whole on purpose.
# ruff: noqa: RUF001, E501

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import api

__all__ = ["html_report", "svg_polyline_chart", "targets_report"]

#: Summary keys shown in the report, in order, with their unit.
SUMMARY_ROWS: tuple[tuple[str, str], ...] = (
    ("vehicles", ""),
    ("trips_total", ""),
    ("trips_served", ""),
    ("trips_missed", ""),
    ("distance_km", "km"),
    ("battery_energy_kwh", "kWh"),
    ("grid_energy_kwh", "kWh"),
    ("hydrogen_kg", "kg"),
    ("diesel_l", "L"),
    ("gasoline_l", "L"),
    ("co2_kg", "kg"),
    ("peak_grid_kw", "kW"),
    ("charge_wait_mean_min", "min"),
    ("charge_wait_max_min", "min"),
    ("wall_s", "s"),
)

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:60rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}.muted{color:#777;font-size:.8rem}
"""


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return html.escape(str(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(float(v)):
            return "—"
        return f"{float(v):,.0f}" if float(v).is_integer() else f"{float(v):,.2f}"
    return html.escape(str(v))


def _table(frame: pd.DataFrame, *, max_rows: int = 50) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>"
        for row in frame.head(max_rows).itertuples(index=False)
    )
    more = (
        f'<p class="muted">{len(frame) - max_rows:,} more rows in the CSV download.</p>'
        if len(frame) > max_rows
        else ""
    )
    return f'<div style="overflow-x:auto"><table><tr>{head}</tr>{body}</table></div>{more}'


def svg_polyline_chart(
    x: np.ndarray,
    y: np.ndarray,
    *,
    width: int = 720,
    height: int = 200,
    x_label: str = "",
    y_label: str = "",
) -> str:
    """Return an inline SVG line chart of ``y`` over ``x`` with min/max axis labels.

    Parameters
    ----------
    x, y : numpy.ndarray
        Points of the line (same length, finite).
    width, height : int
        Size of the drawing [px].
    x_label, y_label : str
        Axis captions.

    Returns
    -------
    str
        An ``<svg>`` element; empty string when there are fewer than two points.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 2:
        return ""
    pad = 40
    x0, x1 = float(x.min()), float(x.max())
    y0, y1 = min(0.0, float(y.min())), float(y.max())
    sx = (width - 2 * pad) / ((x1 - x0) or 1.0)
    sy = (height - 2 * pad) / ((y1 - y0) or 1.0)
    pts = " ".join(
        f"{pad + (a - x0) * sx:.1f},{height - pad - (b - y0) * sy:.1f}"
        for a, b in zip(x, y, strict=True)
    )
    e = html.escape
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">'
        f'<rect x="{pad}" y="{pad}" width="{width - 2 * pad}" height="{height - 2 * pad}" fill="none" stroke="#ccc"/>'
        f'<polyline fill="none" stroke="#d73027" stroke-width="1.5" points="{pts}"/>'
        f'<text x="{pad}" y="{height - 8}" font-size="11">{e(f"{x0:,.1f}")}</text>'
        f'<text x="{width - pad}" y="{height - 8}" font-size="11" text-anchor="end">{e(f"{x1:,.1f} {x_label}")}</text>'
        f'<text x="4" y="{pad + 4}" font-size="11">{e(f"{y1:,.0f} {y_label}")}</text>'
        f'<text x="4" y="{height - pad}" font-size="11">{e(f"{y0:,.0f}")}</text></svg>'
    )


def html_report(
    summary: dict[str, Any],
    *,
    title: str,
    scenario: dict[str, Any] | None = None,
    targets: list[dict[str, Any]] | None = None,
    load_curve: tuple[np.ndarray, np.ndarray] | None = None,
    missed: pd.DataFrame | None = None,
) -> str:
    """Return the one-page HTML report of a run.

    Parameters
    ----------
    summary : dict
        ``simulate --json`` keys.
    title : str
        Heading (scenario name).
    scenario : dict, optional
        Levers or scenario keys shown as a table.
    targets : list of dict, optional
        ``targets --json`` rows.
    load_curve : tuple of numpy.ndarray, optional
        Time [h] and total grid load [kW].
    missed : pandas.DataFrame, optional
        Missed trips.

    Returns
    -------
    str
        A complete HTML document with no external references.
    """
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        (
            f'<p class="muted">fleetopt report, generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. '
            "Beijing Carbon Peak Implementation Plan (京政发〔2022〕31号) section (16).</p>"
        ),
        "<h2>Summary</h2>",
        _table(
            pd.DataFrame(
                [(k, summary.get(k), u) for k, u in SUMMARY_ROWS if k in summary],
                columns=["key", "value", "unit"],
            )
        ),
    ]
    by_type = summary.get("by_type") or {}
    if by_type:
        frame = pd.DataFrame(by_type).T.reset_index(names="type")
        cols = ["type", *[k for k, _ in SUMMARY_ROWS if k in frame.columns and k != "wall_s"]]
        parts += ["<h2>By vehicle type</h2>", _table(frame[cols])]
    if scenario:
        parts += [
            "<h2>Scenario</h2>",
            _table(
                pd.DataFrame(
                    [
                        (
                            k,
                            v
                            if not isinstance(v, dict)
                            else ", ".join(f"{a}={b}" for a, b in v.items()),
                        )
                        for k, v in scenario.items()
                    ],
                    columns=["key", "value"],
                )
            ),
        ]
    if load_curve is not None:
        svg = svg_polyline_chart(*load_curve, x_label="h", y_label="kW")
        if svg:
            parts += ["<h2>Grid load of all stations</h2>", svg]
    if targets:
        cols = ["id", "target", "unit", "year", "value", "low", "high", "status"]
        parts += ["<h2>Plan targets</h2>", _table(pd.DataFrame(targets).reindex(columns=cols))]
    if missed is not None:
        parts += [
            f"<h2>Missed trips ({len(missed):,})</h2>",
            _table(missed) if len(missed) else "<p>No trip was missed.</p>",
        ]
    parts.append("</body></html>")
    return "".join(parts)


def targets_report(rows: list[dict[str, Any]]) -> str:
    """Return the HTML report of every target (value, band, status, trace) as text.

    The api's report (:func:`fleetopt.api.targets_report`, the one ``fleetopt targets
    --report`` writes); the app has no report of its own.

    Parameters
    ----------
    rows : list of dict
        ``targets --json`` rows (with ``low``, ``high``, ``trace`` and ``reason``).

    Returns
    -------
    str
        A complete HTML document with no external references; every text is escaped.
    """
    return api.targets_report(rows, "html").decode("utf-8")
