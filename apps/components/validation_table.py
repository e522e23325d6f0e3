"""Show a ``validate --json`` document as tables of located errors and warnings (no state)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from apps.components.language import t

__all__ = ["problems_frame", "validation_table"]


def problems_frame(problems: list[dict[str, Any]]) -> pd.DataFrame:
    """Return problems (``row``, ``column``, ``message``) as a table with labelled columns.

    Parameters
    ----------
    problems : list of dict
        ``validate --json`` ``errors`` or ``warnings``.

    Returns
    -------
    pandas.DataFrame
        Columns row (nullable integer, spreadsheet line), column, message; in file order.
    """
    frame = pd.DataFrame(problems, columns=["row", "column", "message"])
    frame["row"] = pd.array(frame["row"], dtype="Int64")
    frame["column"] = frame["column"].astype("string")
    return frame.sort_values("row", kind="stable", na_position="first").reset_index(drop=True)


def validation_table(doc: dict[str, Any], *, key: str = "file") -> bool:
    """Draw the validation result; return whether the file is valid.

    Parameters
    ----------
    doc : dict
        ``validate --json`` document.
    key : str
        Distinguishes several tables on one page (``validation.<key>.*`` element keys).
    """
    errors = doc.get("errors", [])
    warnings = doc.get("warnings", [])
    labels = {"row": t("row"), "column": t("column"), "message": t("message")}
    if doc.get("valid"):
        st.success(t("valid_ok", warnings=len(warnings)))
    else:
        st.error(t("valid_bad", errors=len(errors)))
        st.markdown(f"**{t('errors')}**")
        st.dataframe(
            problems_frame(errors).rename(columns=labels),
            hide_index=True,
            key=f"validation.{key}.errors",
        )
    if warnings:
        with st.expander(f"{t('warnings')} ({len(warnings)})", expanded=not errors):
            st.dataframe(
                problems_frame(warnings).rename(columns=labels),
                hide_index=True,
                key=f"validation.{key}.warnings",
            )
    return bool(doc.get("valid"))
