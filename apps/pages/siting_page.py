"""Lay out station siting: demand, model, limits, solve, map on the road graph, sites, GeoJSON."""

from __future__ import annotations

import streamlit as st

from apps import services
from apps.components.language import t
from apps.components.run_registry import session_runs
from apps.components.siting_form import USES, siting_form
from apps.components.siting_view import siting_view

KEY_RESULT = "siting.result"

st.title(t("siting_title"))

reason = services.missing("siting") or services.missing("simulation")
runs = session_runs()
last_run = runs[-1] if runs else None
models = [m for m in services.siting_models() if m in USES] or ["p-median"]
with st.sidebar, st.expander(t("model"), expanded=True):
    form = siting_form(
        "siting",
        networks=services.network_names(),
        models=models,
        has_simulation=last_run is not None,
    )

if reason is not None:
    st.warning(t("not_available", what="fleetopt.siting", detail=reason))
else:
    if form.demand == "default":
        st.caption(t("demand_default_note", pct=services.SITING_DEFAULT_SIZE_PCT))
    if st.button(t("solve"), type="primary", key="siting.solve_button"):
        with st.spinner(t("solving")):
            try:
                run = last_run if form.demand == "simulation" else None
                st.session_state[KEY_RESULT] = services.solve_siting(form, run)
            except Exception as exc:  # noqa: BLE001 - bad input or a solver failure: report, keep the app alive
                st.error(
                    t("error_internal", what=t("solve"), detail=getattr(exc, "message", str(exc)))
                )

answer = st.session_state.get(KEY_RESULT)
siting_view(
    answer,
    roads=services.road_segments(form.network if answer is None else answer["network"]),
    existing=services.existing_stations(form.network) if answer is None else None,
)
