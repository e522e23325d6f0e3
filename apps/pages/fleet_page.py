"""Lay out fleet upload and simulation: source, validation, levers, run, results, downloads."""

from __future__ import annotations

import time

import streamlit as st

from apps import services
from apps.components.downloads import downloads
from apps.components.language import t
from apps.components.run_registry import add_run
from apps.components.scenario_levers import VEHICLE_TYPES, Levers, apply_levers, scenario_levers
from apps.components.sim_results import sim_results
from apps.components.upload import checked_upload, stations_uploader, trips_uploader
from apps.components.validation_table import validation_table

KEY_SOURCE = "fleet.source"
KEY_RUN = "fleet.run"

st.title(t("fleet_title"))

source = st.radio(
    t("input_source"),
    ["default", "upload"],
    horizontal=True,
    key=KEY_SOURCE,
    format_func=lambda s: t("source_default") if s == "default" else t("source_upload"),
)


upload = None
stations = None
valid = True
if source == "upload":
    upload = trips_uploader()
    valid = checked_upload(upload)
with st.expander(t("stations_choice")):
    stations = stations_uploader()
    valid = checked_upload(stations) and valid

reason = services.missing("simulation")
if reason is not None:
    st.warning(t("not_available", what="fleetopt.simulation", detail=reason))
    st.stop()

base = services.default_scenario_dict()
with st.sidebar, st.expander(t("levers"), expanded=True):
    levers = scenario_levers(
        "fleet",
        networks=services.network_names(),
        types=VEHICLE_TYPES,
        with_scale=source == "default",
        defaults=Levers(
            bev_share_pct=dict.fromkeys(VEHICLE_TYPES, 100.0),
            size_pct=20.0,
            seed=int(base.get("seed", 0)),
        ),
    )

run_clicked = st.button(
    t("run"),
    type="primary",
    disabled=not valid or (source == "upload" and upload is None),
    key="fleet.run_button",
)
if run_clicked:
    raw = apply_levers(services.scenario_with_uploads(base, upload, stations), levers)
    t0 = time.perf_counter()
    # the engine reports no intermediate progress, so the indicator is a running status
    status = st.status(t("running"), expanded=False)
    try:
        run = services.run_scenario(raw)
    except Exception as exc:  # noqa: BLE001 - bad input or a library failure: report, keep the app alive
        status.update(label=t("run"), state="error")
        problems = getattr(exc, "problems", None)
        st.error(t("error_internal", what=t("run"), detail=getattr(exc, "message", str(exc))))
        if problems:
            validation_table(
                {"valid": False, "errors": [p.to_dict() for p in problems], "warnings": []}
            )
    else:
        status.update(label=t("done_in", s=time.perf_counter() - t0), state="complete")
        label = raw.get("name", "scenario")
        st.session_state[KEY_RUN] = add_run(str(label), run, {"source": source, **levers.to_dict()})

record = st.session_state.get(KEY_RUN)
if record is None:
    st.info(t("no_result"))
else:
    sim_results(record)
    if st.button(t("save_run"), key="fleet.save_button"):
        try:
            st.success(t("saved_as", run=services.store_run(record)))
        except Exception as exc:  # noqa: BLE001 - a full disk must not take the page down
            st.error(t("error_internal", what=t("save_run"), detail=str(exc)))
    downloads(record, targets=services.run_targets if services.missing("targets") is None else None)
