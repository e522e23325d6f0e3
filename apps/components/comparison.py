"""Put several runs side by side: simulation keys and plan targets, with differences (no state).

:func:`summary_table` and :func:`targets_table` are pure and tested without a page.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from apps.components.language import t
from apps.components.target_view import STATUS_COLOURS, target_name
from fleetopt.api import TYPE_KEYS

#: Summary keys compared, in order: the per-type keys of ``simulate --json``.
SUMMARY_KEYS = TYPE_KEYS

__all__ = ["SUMMARY_KEYS", "comparison", "summary_table", "targets_table"]


def summary_table(summaries: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Return the simulation keys of several runs side by side, with differences to the first.

    Parameters
    ----------
    summaries : dict
        Run label -> ``simulate --json`` summary (insertion order = column order).

    Returns
    -------
    pandas.DataFrame
        Index: summary keys; one column per run, then ``Δ <label>`` columns holding
        ``run - first run`` for every run after the first.
    """
    labels = list(summaries)
    frame = pd.DataFrame(
        {lab: [summaries[lab].get(k, np.nan) for k in SUMMARY_KEYS] for lab in labels},
        index=list(SUMMARY_KEYS),
        dtype=float,
    )
    for lab in labels[1:]:
        frame[f"Δ {lab}"] = frame[lab] - frame[labels[0]]
    return frame


def targets_table(targets: dict[str, list[dict[str, Any]]]) -> pd.DataFrame:
    """Return each target's value and status per run, with differences to the first run.

    Parameters
    ----------
    targets : dict
        Run label -> ``targets --json`` rows.

    Returns
    -------
    pandas.DataFrame
        One row per target id: ``target``, ``unit``, ``year``, then ``<label>`` value and
        ``<label> status`` per run, and ``Δ <label>`` (value - first run's value).
    """
    labels = list(targets)
    ids: list[str] = []
    meta: dict[str, dict[str, Any]] = {}
    for rows in targets.values():
        for row in rows:
            rid = str(row["id"])
            if rid not in meta:
                ids.append(rid)
                meta[rid] = row
    out = pd.DataFrame(
        {
            "target": [meta[i].get("target") for i in ids],
            "unit": [meta[i].get("unit") for i in ids],
            "year": [meta[i].get("year") for i in ids],
        },
        index=ids,
    )
    for lab in labels:
        by_id = {str(r["id"]): r for r in targets[lab]}
        out[lab] = pd.to_numeric(
            pd.Series([by_id.get(i, {}).get("value") for i in ids], index=ids), errors="coerce"
        )
        out[f"{lab} status"] = [by_id.get(i, {}).get("status", "no_data") for i in ids]
    for lab in labels[1:]:
        out[f"Δ {lab}"] = out[lab] - out[labels[0]]
    return out


def _number(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "—"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "—" if np.isnan(float(value)) else f"{float(value):,.2f}"
    return str(value)


def _status_style(value: object) -> str:
    colour = STATUS_COLOURS.get(str(value))
    return f"color: {colour}; font-weight: 600" if colour else ""


def comparison(
    summaries: dict[str, dict[str, Any]], targets: dict[str, list[dict[str, Any]]] | None
) -> None:
    """Draw the side-by-side tables of several runs."""
    st.subheader(t("summary_diff"))
    st.dataframe(
        summary_table(summaries).style.format("{:,.2f}", na_rep="—"), key="comparison.summary"
    )
    if targets:
        st.subheader(t("targets_diff"))
        table = targets_table(targets)
        names = {str(r["id"]): target_name(r) for rows in targets.values() for r in rows}
        table.index = [names[i] for i in table.index]
        status_cols = [c for c in table.columns if str(c).endswith(" status")]
        styled = table.style.map(_status_style, subset=status_cols).format(
            {
                c: _number
                for c in table.columns
                if c not in status_cols and c not in ("unit", "year")
            }
        )
        st.dataframe(styled, key="comparison.targets")
