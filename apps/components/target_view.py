"""Draw one plan target: value against target, progress, status colour, trajectory and source.

Pure helpers (:func:`progress_fraction`, :func:`trajectory_figure`) are separate from the
drawing function so they can be tested without a page. This component keeps no state.
"""

# SVG/HTML markup lines and Chinese full-width punctuation are kept whole on purpose.
# ruff: noqa: RUF001, E501

from __future__ import annotations

import html
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
    "STATUS_BADGE",
    "STATUS_COLOURS",
    "TARGET_NAMES_ZH",
    "band_text",
    "format_number",
    "progress_fraction",
    "target_card",
    "target_name",
    "trace_frame",
    "trajectory_figure",
    "trajectory_svg",
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


def band_text(row: dict[str, Any]) -> str:
    """Return the row's band as ``low - high unit`` (a dash without a value)."""
    unit = str(row.get("unit", ""))
    if not _is_number(row.get("value")):
        return "—"
    lo, hi = row.get("low"), row.get("high")
    if not (_is_number(lo) and _is_number(hi)):
        return format_number(row.get("value"), unit)
    return f"{format_number(lo, unit)} – {format_number(hi, unit)}"


def trace_frame(row: dict[str, Any]) -> pd.DataFrame:
    """Return the row's trace (inputs with value, unit and source) as a table."""
    trace = row.get("trace") or []
    frame = pd.DataFrame(trace, columns=["input", "value", "unit", "source"])
    frame["value"] = frame["value"].map(lambda v: f"{v:,.4g}" if _is_number(v) else str(v))
    return frame


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
        fig.add_trace(
            go.Scatter(
                x=pd.concat([band["year"], band["year"][::-1]]),
                y=pd.concat([band["high"], band["low"][::-1]]),
                fill="toself",
                fillcolor=colour,
                opacity=0.15,
                line={"width": 0},
                hoverinfo="skip",
                name=t("band"),
            )
        )
    for kind, dash, mode in (("projected", "dash", "lines"), ("observed", "solid", "markers")):
        part = points[points["kind"] == kind].sort_values("year")
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["year"],
                y=part["value"],
                mode=mode,
                name=t(kind),
                line={"color": colour, "dash": dash},
                marker={"size": 8, "color": "#222222"},
            )
        )
    if _is_number(row.get("target")) and _is_number(row.get("year")):
        fig.add_trace(
            go.Scatter(
                x=[row["year"]],
                y=[row["target"]],
                mode="markers",
                name=t("target"),
                marker={"symbol": "star", "size": 14, "color": "#222222"},
            )
        )
    fig.update_layout(
        height=220,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"range": [2014.5, 2030.8], "dtick": 5},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


#: Size of the trajectory sparkline [px] and its year range.
SPARK_W, SPARK_H, SPARK_PAD, SPARK_LEFT = 460, 150, 30, 70
SPARK_YEARS = (2015.0, 2030.0)


def trajectory_svg(row: dict[str, Any], points: pd.DataFrame | None) -> str | None:
    """Return a small static SVG of a target's trajectory (band, projection, observed, target).

    Cheap for the browser (a dashboard of plotly charts takes seconds to draw); every
    point carries a ``<title>`` so hovering shows year and value.

    Parameters
    ----------
    row : dict
        A ``targets --json`` row.
    points : pandas.DataFrame or None
        ``year, value, kind`` and optionally ``low, high``.

    Returns
    -------
    str or None
        The ``<svg>`` element, None without points.
    """
    if points is None or points.empty:
        return None
    colour = STATUS_COLOURS.get(str(row.get("status", "no_data")), STATUS_COLOURS["no_data"])
    unit = str(row.get("unit", ""))
    pts = points[points["year"].between(*SPARK_YEARS)]
    values = [pts["value"].astype(float)]
    for col in ("low", "high"):
        if col in pts:
            values.append(pd.to_numeric(pts[col], errors="coerce"))
    if _is_number(row.get("target")):
        values.append(pd.Series([float(row["target"])]))
    allv = pd.concat(values).dropna()
    if allv.empty:
        return None
    lo, hi = float(allv.min()), float(allv.max())
    if hi == lo:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.08 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    w, h, p = SPARK_W, SPARK_H, SPARK_PAD

    def x(year: float) -> float:
        return SPARK_LEFT + (year - SPARK_YEARS[0]) / (SPARK_YEARS[1] - SPARK_YEARS[0]) * (
            w - SPARK_LEFT - p
        )

    def y(v: float) -> float:
        return h - p + (lo - v) / (hi - lo) * (h - 2 * p)

    e = html.escape
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {w} {h}" role="img" '
            f'style="max-width:{w}px">'
        )
    ]
    for year in (2015, 2020, 2025, 2030):
        parts.append(
            f'<line x1="{x(year):.1f}" y1="{p - 6}" x2="{x(year):.1f}" y2="{h - p}" stroke="#eee"/>'
            f'<text x="{x(year):.1f}" y="{h - p + 16}" font-size="11" text-anchor="middle" '
            f'fill="#777">{year}</text>'
        )
    top, bottom = hi - pad, lo + pad
    parts.append(
        f'<text x="{SPARK_LEFT - 6}" y="{y(top) + 4:.1f}" font-size="11" fill="#777" text-anchor="end">'
        f"{e(format_number(top, unit))}</text>"
        f'<text x="{SPARK_LEFT - 6}" y="{y(bottom) + 4:.1f}" font-size="11" fill="#777" text-anchor="end">'
        f"{e(format_number(bottom, unit))}</text>"
    )
    proj = pts[pts["kind"] == "projected"].sort_values("year")
    if {"low", "high"} <= set(proj.columns):
        band = proj[pd.to_numeric(proj["low"], errors="coerce").notna()]
        if len(band) > 1:
            upper = " ".join(
                f"{x(a):.1f},{y(float(b)):.1f}"
                for a, b in zip(band["year"], band["high"], strict=True)
            )
            lower = " ".join(
                f"{x(a):.1f},{y(float(b)):.1f}"
                for a, b in zip(band["year"][::-1], band["low"][::-1], strict=True)
            )
            parts.append(
                f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.15" stroke="none">'
                f"<title>{e(t('band'))}</title></polygon>"
            )
    if len(proj) > 1:
        line = " ".join(
            f"{x(a):.1f},{y(float(b)):.1f}"
            for a, b in zip(proj["year"], proj["value"], strict=True)
        )
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2" '
            f'stroke-dasharray="5,3"><title>{e(t("projected"))}</title></polyline>'
        )
        for a, b in zip(proj["year"], proj["value"], strict=True):
            parts.append(
                f'<circle cx="{x(a):.1f}" cy="{y(float(b)):.1f}" r="5" fill-opacity="0">'
                f"<title>{e(t('projected'))} {int(a)}: {e(format_number(b, unit))}</title></circle>"
            )
    obs = pts[pts["kind"] == "observed"]
    for a, b in zip(obs["year"], obs["value"], strict=True):
        parts.append(
            f'<circle cx="{x(float(a)):.1f}" cy="{y(float(b)):.1f}" r="3.5" fill="#222">'
            f"<title>{e(t('observed'))} {float(a):g}: {e(format_number(b, unit))}</title></circle>"
        )
    if _is_number(row.get("target")) and _is_number(row.get("year")):
        tx, ty = x(float(row["year"])), y(float(row["target"]))
        parts.append(
            f'<path d="M{tx:.1f},{ty - 7:.1f} L{tx + 6:.1f},{ty + 5:.1f} L{tx - 6:.1f},{ty + 5:.1f} Z" '
            f'fill="#222"><title>{e(t("target"))} {row["year"]}: '
            f"{e(format_number(row['target'], unit))}</title></path>"
        )
    parts.append("</svg>")
    return "".join(parts)


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
                delta_arrow="off",
                help=f"{t('source')}: {row.get('source', '')}",
            )
            st.caption(f"{t('band')}: {band_text(row)}")
            frac = progress_fraction(row.get("value"), row.get("target"))
            if frac is None:
                st.caption(t("no_value"))
            else:
                st.progress(frac, text=f"{t('progress')}: {frac:.0%}")
        with right:
            svg = trajectory_svg(row, points)
            if svg is None:
                st.caption(t("no_trajectory"))
            else:
                st.markdown(svg, unsafe_allow_html=True)
        with st.expander(t("details")):
            st.markdown(
                f"`{row.get('id')}` · {t('target')}: {format_number(row.get('target'), unit)} ({row.get('year')}) · "
                f"{t('value')}: {format_number(row.get('value'), unit)} · {t('status')}: {t(f'status_{status}')}\n\n"
                f"**{t('source')}:** {row.get('source', '')}"
            )
            if row.get("reason"):
                st.markdown(f"**{t('reason')}:** {row['reason']}")
            if row.get("trace"):
                st.markdown(f"**{t('trace')}**")
                st.dataframe(trace_frame(row), hide_index=True)
