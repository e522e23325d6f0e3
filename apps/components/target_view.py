"""Draw one plan target: value against target, progress, status colour, trajectory and source.

Pure helpers (:func:`progress_fraction`, :func:`trajectory_figure`) are separate from the
drawing function so they can be tested without a page. This component keeps no state.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from apps.components.language import current, t

#: Status -> colour (hex) used by badges, bars and charts.
STATUS_COLOURS: dict[str, str] = {
    "met": "#1a9850",
    "on_track": "#4575b4",
    "at_risk": "#f39c12",
    "off_track": "#d73027",
    "no_data": "#8c8c8c",
}

#: Status -> Streamlit badge colour.
STATUS_BADGE: dict[str, str] = {
    "met": "green",
    "on_track": "blue",
    "at_risk": "orange",
    "off_track": "red",
    "no_data": "gray",
}

#: Chinese names of the CONTRACT target ids (the library's description is English).
TARGET_NAMES_ZH: dict[str, str] = {
    "green_travel_share_2025": "中心城区绿色出行比例（2025年）",
    "green_travel_share_2030": "中心城区绿色出行比例（2030年，力争）",
    "nev_stock_2025": "新能源汽车保有量（2025年，力争）",
    "new_vehicle_nev_share_2030": "当年新增新能源、清洁能源动力交通工具比例（2030年）",
    "operating_co2_intensity_2030": "营运交通工具单位换算周转量碳排放强度较2020年变化（2030年）",
    "bus_nev_share_2025": "公交车新能源比例（2025年）",
    "taxi_nev_share_2025": "巡游出租车新能源比例（2025年）",
    "sanitation_new_nev_share_2025": "新增轻型环卫车新能源比例（2025年）",
    "light_logistics_nev_share_2025": "持证轻型（<4.5吨）货车新能源比例（2025年）",
}

__all__ = [
    "STATUS_BADGE", "STATUS_COLOURS", "TARGET_NAMES_ZH", "format_number", "progress_fraction",
    "target_card", "target_name", "trajectory_figure",
]


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))


def progress_fraction(value: object, target: object) -> float | None:
    """Return how far ``value`` has come toward ``target`` as a fraction in [0, 1].

    Parameters
    ----------
    value, target : float or None
        The current or projected value and the target, in the same unit. A reduction
        target is negative (such as -10 % vs 2020).

    Returns
    -------
    float or None
        ``value / target`` clipped to [0, 1]; None when either is missing or the target
        is zero.
    """
    if not (_is_number(value) and _is_number(target)) or float(target) == 0.0:  # type: ignore[arg-type]
        return None
    return min(1.0, max(0.0, float(value) / float(target)))  # type: ignore[arg-type]


def format_number(x: object, unit: str = "") -> str:
    """Format a target value for display, with a thousands separator and its unit."""
    if not _is_number(x):
        return "—"
    v = float(x)  # type: ignore[arg-type]
    text = f"{v:,.0f}" if abs(v) >= 1000 or v == int(v) else f"{v:,.2f}".rstrip("0").rstrip(".")
    if unit in ("percent", "%"):
        return f"{text} %"
    return f"{text} {unit}".strip()


def target_name(row: dict[str, Any]) -> str:
    """Return the target's name in the chosen language."""
    if current() == "zh" and row.get("id") in TARGET_NAMES_ZH:
        return TARGET_NAMES_ZH[str(row["id"])]
    return str(row.get("description") or row.get("id"))


def trajectory_figure(row: dict[str, Any], points: pd.DataFrame | None) -> go.Figure | None:
    """Return a plotly figure of a target's yearly values with the target marked, or None.

    Parameters
    ----------
    row : dict
        A ``targets --json`` row.
    points : pandas.DataFrame or None
        This target's yearly points: ``year, value, kind`` (``observed``/``projected``).

    Returns
    -------
    plotly.graph_objects.Figure or None
        None when there are no points.
    """
    if points is None or points.empty:
        return None
    status = str(row.get("status", "no_data"))
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS["no_data"])
    fig = go.Figure()
    proj = points[points["kind"] == "projected"].sort_values("year")
    if {"low", "high"} <= set(proj.columns) and proj["low"].notna().any():
        band = proj[proj["low"].notna()]
        fig.add_trace(go.Scatter(
            x=pd.concat([band["year"], band["year"][::-1]]), y=pd.concat([band["high"], band["low"][::-1]]),
            fill="toself", fillcolor=colour, opacity=0.15, line={"width": 0}, hoverinfo="skip",
            name=t("band"),
        ))
    for kind, dash, mode in (("projected", "dash", "lines"), ("observed", "solid", "markers")):
        part = points[points["kind"] == kind].sort_values("year")
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["year"], y=part["value"], mode=mode, name=t(kind),
            line={"color": colour, "dash": dash}, marker={"size": 8, "color": "#222222"},
        ))
    if _is_number(row.get("target")) and _is_number(row.get("year")):
        fig.add_trace(go.Scatter(
            x=[row["year"]], y=[row["target"]], mode="markers", name=t("target"),
            marker={"symbol": "star", "size": 14, "color": "#222222"},
        ))
    fig.update_layout(
        height=220, margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"range": [2014.5, 2030.8], "dtick": 5}, legend={"orientation": "h", "y": -0.25},
    )
    return fig


def target_card(row: dict[str, Any], points: pd.DataFrame | None) -> None:
    """Draw one target: name, status badge, value vs target, progress, trajectory, source."""
    status = str(row.get("status", "no_data"))
    unit = str(row.get("unit", ""))
    with st.container(border=True):
        left, right = st.columns([2, 3])
        with left:
            st.markdown(f"**{target_name(row)}**")
            st.badge(t(f"status_{status}"), color=STATUS_BADGE.get(status, "gray"))  # type: ignore[arg-type]
            st.metric(
                f"{t('value')} / {t('target')} ({row.get('year', '')})",
                format_number(row.get("value"), unit),
                delta=f"{t('target')}: {format_number(row.get('target'), unit)}",
                delta_color="off",
                help=f"{t('source')}: {row.get('source', '')}",
            )
            frac = progress_fraction(row.get("value"), row.get("target"))
            if frac is None:
                st.caption(t("no_value"))
            else:
                st.progress(frac, text=f"{t('progress')}: {frac:.0%}")
        with right:
            fig = trajectory_figure(row, points)
            if fig is None:
                st.caption(t("no_trajectory"))
            else:
                st.plotly_chart(fig, config={"displayModeBar": False}, key=f"traj-{row.get('id')}")
        with st.expander(t("details")):
            st.write({k: row.get(k) for k in ("id", "target", "unit", "year", "value", "status")})
            st.markdown(f"**{t('source')}:** {row.get('source', '')}")
