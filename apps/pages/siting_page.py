"""Lay out station siting: model and limits, solve, map on the road graph, sites table, GeoJSON."""

from __future__ import annotations

import streamlit as st

from apps import services
from apps.components.language import t
from apps.components.siting_form import siting_form
from apps.components.siting_view import siting_view

KEY_RESULT = "siting.result"

st.title(t("siting_title"))

networks = services.network_names()
with st.sidebar, st.expander(t("model"), expanded=True):
    form = siting_form("siting", networks=networks, models=services.siting_models())

reason = services.missing("siting")
if reason is not None:
    st.warning(t("not_available", what="fleetopt.siting", detail=reason))
else:
    if st.button(t("solve"), type="primary", key="siting.solve_button"):
        with st.spinner(t("solving")):
            try:
                st.session_state[KEY_RESULT] = services.solve_siting(form)
            except Exception as exc:  # bad input or a solver failure: report, keep the app alive
                st.error(t("error_internal", what=t("solve"), detail=getattr(exc, "message", str(exc))))

answer = st.session_state.get(KEY_RESULT)
siting_view(answer, roads=services.road_segments(form.network),
            existing=services.existing_stations(form.network) if answer is None else None)
