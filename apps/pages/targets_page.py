"""Lay out the targets dashboard: every section (16) target with value, status and trajectory."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from apps import services
from apps.components.language import t
from apps.components.target_view import STATUS_COLOURS, target_card, target_name, trajectory_figure

st.title(t("targets_title"))
st.caption(t("targets_intro"))

reason = services.missing("targets")
if reason is not None:
    st.warning(t("not_available", what="fleetopt.results.targets", detail=reason))
    st.stop()

try:
    rows = services.targets(None)
    trajectories = services.target_trajectories()
except Exception as exc:  # noqa: BLE001 - the page reports and the app keeps working
    st.error(t("error_internal", what=t("targets_title"), detail=f"{type(exc).__name__}: {exc}"))
    st.stop()

# One-click report of every target with its band and trace, made by the api (the same
# report as `fleetopt targets --report`); built when clicked (the PDF takes about a second).
pdf_col, html_col, _ = st.columns([1, 1, 2])
with pdf_col:
    st.download_button(
        t("targets_report_pdf"),
        data=lambda: services.targets_report(rows, "pdf"),
        file_name="fleetopt-targets.pdf",
        mime="application/pdf",
        key="targets.report.pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )
with html_col:
    st.download_button(
        t("targets_report_html"),
        data=lambda: services.targets_report(rows, "html"),
        file_name="fleetopt-targets.html",
        mime="text/html",
        key="targets.report.html",
        icon=":material/description:",
        on_click="ignore",
    )
st.caption(t("targets_report_help"))

counts = {s: sum(1 for r in rows if r.get("status") == s) for s in STATUS_COLOURS}
for col, (status, n) in zip(st.columns(len(counts)), counts.items(), strict=True):
    col.metric(t(f"status_{status}"), n)

numeric = [r for r in rows if isinstance(r.get("target"), (int, float))]

# The cards carry light static SVG sparklines; the interactive (plotly) chart of one target
# is drawn on request, because loading plotly.js alone costs the browser seconds.
with_points = [
    r for r in numeric if trajectories is not None and (trajectories["id"] == r["id"]).any()
]
if with_points and st.toggle(t("interactive_chart"), key="targets.interactive"):
    st.subheader(t("trajectory"))
    chosen = st.selectbox(
        t("target"),
        [r["id"] for r in with_points],
        key="targets.chart",
        format_func=lambda i: target_name(next(r for r in with_points if r["id"] == i)),
    )
    row = next(r for r in with_points if r["id"] == chosen)
    assert trajectories is not None  # with_points is empty without trajectories
    fig = trajectory_figure(row, trajectories[trajectories["id"] == chosen])
    if fig is not None:
        fig.update_layout(height=320)
        st.plotly_chart(fig, key="targets.figure")

qualitative = [r for r in rows if not isinstance(r.get("target"), (int, float))]
for row in numeric:
    points = None
    if trajectories is not None and not trajectories.empty:
        points = trajectories[trajectories["id"] == row.get("id")]
    target_card(row, points)

if qualitative:
    with st.expander(f"{t('qualitative')} ({len(qualitative)})"):
        st.table(
            pd.DataFrame(
                {
                    t("target"): [target_name(r) for r in qualitative],
                    t("status"): [t(f"status_{r.get('status', 'no_data')}") for r in qualitative],
                    t("reason"): [r.get("reason", "") for r in qualitative],
                    t("source"): [r.get("source", "") for r in qualitative],
                }
            ).set_index(t("target")),
        )
