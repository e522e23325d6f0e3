"""Offer a run's results for download: CSV, Parquet, JSON and a one-page HTML report.

Owns ``st.session_state["downloads.table"]`` (the table chosen for CSV/Parquet). Files
are produced only when a button is clicked (deferred callables), in memory, never
pickled. CSV cells that a spreadsheet would run as a formula are escaped by the library
(:func:`fleetopt.results.export.to_csv_bytes`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from apps.components.language import t
from apps.components.sim_results import load_frame, missed_trips
from apps.report import html_report
from fleetopt import api
from fleetopt._json import dumps

logger = logging.getLogger(__name__)

#: session_state key of the table chooser (owned here).
KEY_TABLE = "downloads.table"

#: Result tables offered, in order.
TABLES = ("trips", "vehicles", "stations", "events", "load_kw")

__all__ = ["KEY_TABLE", "TABLES", "csv_bytes", "downloads", "parquet_bytes", "summary_json"]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return a table as UTF-8 CSV with a BOM, formula-like cells escaped by the library."""
    return api.to_csv_bytes(frame, bom=True)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Return a table as Parquet bytes (pyarrow)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def summary_json(result: Any) -> bytes:
    """Return the run's ``simulate --json`` summary as strict JSON bytes."""
    return dumps(result.summary()).encode("utf-8")


def _table(result: Any, name: str) -> pd.DataFrame:
    table = getattr(result, name, None)
    if callable(table):
        table = table()
    return table if isinstance(table, pd.DataFrame) else pd.DataFrame()


def _report(
    run: dict[str, Any],
    targets: Callable[[dict[str, Any]], list[dict[str, Any]]] | None,
) -> Callable[[], str]:
    def make() -> str:
        result = run["result"]
        rows = None
        if targets is not None:
            try:
                rows = targets(run)
            except Exception:  # the report is still useful without the targets table
                logger.exception("targets for the report failed")
        load = load_frame(result)
        curve = None
        if not load.empty:
            total = load.groupby("hour", sort=True)["kw"].sum()
            curve = (total.index.to_numpy(dtype=float), total.to_numpy(dtype=float))
        return html_report(
            result.summary(),
            title=str(run.get("label") or result.summary().get("scenario", "fleetopt run")),
            scenario=run.get("levers"),
            targets=rows,
            load_curve=curve,
            missed=missed_trips(result),
        )

    return make


def downloads(
    run: dict[str, Any], *, targets: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
) -> None:
    """Draw the download buttons of a run.

    Parameters
    ----------
    run : dict
        A run (:func:`apps.services.run_scenario` plus label and levers).
    targets : callable, optional
        Returns the run's targets rows; called only when the report is downloaded.
    """
    result = run["result"]
    stem = (
        str(result.summary().get("scenario", "fleetopt")).replace("/", "_").replace("\\", "_")[:60]
        or "fleetopt"
    )
    st.subheader(t("downloads"))
    name = st.selectbox(t("downloads"), TABLES, key=KEY_TABLE, label_visibility="collapsed")
    cols = st.columns(4)
    cols[0].download_button(
        "CSV",
        data=lambda: csv_bytes(_table(result, name)),
        file_name=f"{stem}-{name}.csv",
        mime="text/csv",
        key="downloads.csv",
        on_click="ignore",
    )
    cols[1].download_button(
        "Parquet",
        data=lambda: parquet_bytes(_table(result, name)),
        file_name=f"{stem}-{name}.parquet",
        mime="application/vnd.apache.parquet",
        key="downloads.parquet",
        on_click="ignore",
    )
    cols[2].download_button(
        "JSON",
        data=lambda: summary_json(result),
        file_name=f"{stem}-summary.json",
        mime="application/json",
        key="downloads.json",
        on_click="ignore",
    )
    cols[3].download_button(
        t("report"),
        data=_report(run, targets),
        file_name=f"{stem}-report.html",
        mime="text/html",
        key="downloads.html",
        on_click="ignore",
    )
