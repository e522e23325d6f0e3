"""Lay out fleet upload and simulation: trips source, validation, levers, run, results, downloads."""

from __future__ import annotations

import time

import streamlit as st

from apps import services
from apps.components.downloads import downloads
from apps.components.language import t
from apps.components.run_registry import add_run
from apps.components.scenario_levers import VEHICLE_TYPES, apply_levers, scenario_levers
from apps.components.sim_results import sim_results
from apps.components.upload import trips_uploader
from apps.components.validation_table import validation_table

KEY_SOURCE = "fleet.source"
KEY_RUN = "fleet.run"

st.title(t("fleet_title"))

source = st.radio(t("input_source"), ["default", "upload"], horizontal=True, key=KEY_SOURCE,
                  format_func=lambda s: t("source_default") if s == "default" else t("source_upload"))

upload = None
valid = source == "default"
if source == "upload":
    upload = trips_uploader()
    if upload is not None:
        reason = services.missing("validate")
        if reason is not None:
            st.warning(t("not_available", what="fleetopt.inputs.validate", detail=reason))
        else:
            st.markdown(f"**{t('validation')}**")
            try:
                doc = services.validate(upload.path, upload.kind)
            except Exception as exc:  # a broken reader must not take the page down
                doc = {"valid": False, "errors": [{"row": None, "column": None,
                                                   "message": f"{type(exc).__name__}: {exc}"}], "warnings": []}
            valid = validation_table(doc)

reason = services.missing("simulation")
if reason is not None:
    st.warning(t("not_available", what="fleetopt.simulation", detail=reason))
    st.stop()

with st.sidebar, st.expander(t("levers"), expanded=True):
    levers = scenario_levers("fleet", networks=services.network_names(), types=VEHICLE_TYPES,
                             with_scale=source == "default")

run_clicked = st.button(t("run"), type="primary", disabled=not valid or (source == "upload" and upload is None),
                        key="fleet.run_button")
if run_clicked:
    raw = services.default_scenario_dict()
    if upload is not None:
        raw["fleets"] = [{"name": upload.name, upload.kind if upload.kind == "gtfs" else "trips": upload.path}]
        raw["name"] = f"upload {upload.name}"
    raw = apply_levers(raw, levers)
    bar = st.progress(0.0, text=t("running"))

    def _progress(done: float, total: float | None = None, *_: object) -> None:
        frac = float(done) / float(total) if total else float(done)
        bar.progress(min(1.0, max(0.0, frac)), text=t("running"))

    t0 = time.perf_counter()
    try:
        run = services.run_scenario(raw, progress=_progress)
    except Exception as exc:  # bad input or a library failure: report, keep the app alive
        bar.empty()
        problems = getattr(exc, "problems", None)
        st.error(t("error_internal", what=t("run"), detail=getattr(exc, "message", str(exc))))
        if problems:
            validation_table({"valid": False, "errors": [p.to_dict() for p in problems], "warnings": []})
    else:
        bar.progress(1.0, text=t("done_in", s=time.perf_counter() - t0))
        label = raw.get("name", "scenario")
        st.session_state[KEY_RUN] = add_run(str(label), run, {"source": source, **levers.to_dict()})

record = st.session_state.get(KEY_RUN)
if record is None:
    st.info(t("no_result"))
else:
    sim_results(record)
    targets = None
    if services.missing("targets") is None:
        try:
            targets = services.run_targets(record)
        except Exception:  # targets are optional in the report
            targets = None
    downloads(record, targets=targets)

