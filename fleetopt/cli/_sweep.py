"""Run ``fleetopt sweep SWEEP.toml``: run many scenario variants, one result row each.

``--executor local`` runs a process pool; ``--executor dask`` a ``distributed.LocalCluster``
on 127.0.0.1 (2 worker processes) or the cluster at ``--scheduler ADDRESS``. Results go to
``--out`` (``results.csv``, ``results.parquet``, one stored record per finished variant, so a
rerun resumes). ``--json`` prints the rows as a list; the progress bar is on stderr. Its
options are in :mod:`fleetopt.cli._commands`; :func:`sweep` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from fleetopt import api
from fleetopt.cli._common import run
from fleetopt.simulation.result import SUMMARY_KEYS

#: Summary columns shown in the human-readable table.
SHOWN = (
    "trips_served",
    "trips_missed",
    "grid_energy_kwh",
    "co2_kg",
    "peak_grid_kw",
    "charge_wait_mean_min",
)


def _rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            k: (None if pd.isna(v) else v) if not isinstance(v, (list, dict)) else v
            for k, v in row.items()
        }
        for row in table.to_dict(orient="records")
    ]


def render(table: pd.DataFrame) -> None:
    """Print the sweep's result table for a person to read."""
    swept = [
        c
        for c in table.columns
        if c != "variant"
        and c not in SHOWN
        and not c.startswith(("by_type.", "targets."))
        and c not in _SUMMARY_KEYS
    ]
    shown = [c for c in SHOWN if c in table.columns]
    if not shown:  # a targets-only sweep: show the statuses
        shown = [c for c in table.columns if c.startswith("targets.") and c.endswith(".status")]
    cols = ["variant", *swept, *shown]

    def fmt(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    out = Table(title=f"sweep: {len(table)} variants (all columns in results.csv)")
    if len(cols) <= 8:
        for c in cols:
            out.add_column(c)
        for _, r in table[cols].iterrows():
            out.add_row(*(fmt(v) for v in r))
    else:  # many columns: one row per column, one column per variant (first 8)
        head = table.head(8)
        out.add_column("column")
        for v in head.variant:
            out.add_column(str(v))
        for c in cols[1:]:
            out.add_row(
                c.removeprefix("targets.").removesuffix(".status"), *(fmt(v) for v in head[c])
            )
    Console().print(out)


_SUMMARY_KEYS = frozenset(SUMMARY_KEYS) - {"by_type"}


def sweep(*, sweep_file: Path, executor: str, scheduler: str | None, out: Path | None,
          workers: int | None, no_progress: bool, as_json: bool) -> None:
    """Run every variant of a sweep file (``fleetopt sweep``)."""

    def go() -> Any:
        table = api.run_sweep(
            sweep_file,
            executor=executor,
            scheduler=scheduler,
            out_dir=out,
            progress=not no_progress,
            workers=workers,
        )
        return _rows(table) if as_json else table

    run(go, as_json=as_json, render=render)
