"""Lay out the operator plan: input, run, vehicles, plugs on the map, charging, TCO, downloads.

Everything is computed by :func:`fleetopt.api.plan_details` (CONTRACT §9 plus the battery
trade-off and replacement of issue 15); the page only lays it out. Owns
``st.session_state["plan.result"]``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from apps import services
from apps.components.downloads import csv_bytes
from apps.components.language import t
from apps.components.station_map import station_deck
from apps.components.upload import checked_upload, stations_uploader, trips_uploader
from apps.components.validation_table import validation_table
from fleetopt import api
from fleetopt._json import dumps

KEY_SOURCE = "plan.source"
KEY_RESULT = "plan.result"

st.title(t("plan_title"))
st.caption(t("plan_intro"))

source = st.radio(
    t("input_source"),
    ["example", "upload"],
    horizontal=True,
    key=KEY_SOURCE,
    format_func=lambda s: t("source_example") if s == "example" else t("source_upload"),
)


upload = None
stations = None
valid = True
if source == "upload":
    upload = trips_uploader()
    valid = checked_upload(upload, prefix="plan.")
    with st.expander(t("stations_choice")):
        stations = stations_uploader()
        valid = checked_upload(stations, prefix="plan.") and valid

cols = st.columns(2)
time_limit = cols[0].number_input(
    t("plan_time_limit"), min_value=1.0, max_value=600.0, value=20.0, step=5.0,
    key="plan.time_limit",
)
with_battery = cols[1].checkbox(t("plan_battery_options"), value=True, key="plan.battery")

run_clicked = st.button(
    t("plan_run"),
    type="primary",
    disabled=not valid or (source == "upload" and upload is None),
    key="plan.run_button",
)
if run_clicked:
    t0 = time.perf_counter()
    status = st.status(t("plan_running"), expanded=False)
    try:
        if source == "example":
            details = api.plan_details(
                api.plan_example_path(), time_limit_s=float(time_limit),
                battery_options=with_battery,
            )
        else:
            raw = services.scenario_with_uploads(services.default_scenario_dict(), upload, stations)
            details = api.plan_details(
                raw=raw,
                base_dir=services.default_scenario_path().parent,
                time_limit_s=float(time_limit),
                battery_options=with_battery,
            )
    except Exception as exc:  # noqa: BLE001 - bad input or a solver failure: report, keep the app alive
        status.update(label=t("plan_run"), state="error")
        st.error(t("error_internal", what=t("plan_run"), detail=getattr(exc, "message", str(exc))))
        problems = getattr(exc, "problems", None)
        if problems:
            validation_table(
                {"valid": False, "errors": [p.to_dict() for p in problems], "warnings": []},
                key="plan.errors",
            )
    else:
        status.update(label=t("done_in", s=time.perf_counter() - t0), state="complete")
        st.session_state[KEY_RESULT] = details


def _num(v: Any, fmt: str) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "—"
    return format(x, fmt) if math.isfinite(x) else "—"


def _vehicles(s: dict[str, Any]) -> None:
    st.subheader(t("plan_vehicles"))
    types = list(s["vehicles_needed"])
    for col, vt in zip(st.columns(max(1, len(types))), types, strict=False):
        col.metric(t("plan_vehicles_needed", vt=vt), str(s["vehicles_needed"][vt]))
        col.caption(t("plan_vehicles_input", n=s["vehicles_input"].get(vt, 0)))
    st.dataframe(
        pd.DataFrame(
            {
                t("plan_type"): types,
                t("plan_input"): [s["vehicles_input"].get(vt, 0) for vt in types],
                t("plan_needed"): [s["vehicles_needed"][vt] for vt in types],
                t("plan_bound"): [s["vehicles_bound"].get(vt, 0) for vt in types],
            }
        ),
        hide_index=True,
    )


def _plugs(s: dict[str, Any], tables: dict[str, pd.DataFrame], network: str) -> None:
    st.subheader(t("plan_plugs"))
    plugs = s["plugs_needed"]
    used = {sid: n for sid, n in plugs.items() if n > 0}
    for col, (sid, n) in zip(st.columns(max(1, min(4, len(used)))), used.items(), strict=False):
        col.metric(t("plan_plugs_at", sid=sid), str(n))
    st_table = tables["stations"]
    chosen = st_table[st_table["plugs"] > 0]
    try:
        roads = services.road_segments(network)
    except Exception:  # noqa: BLE001 - a network that is a file path: show the table only
        roads = None
    if not chosen.empty:
        st.dataframe(
            chosen.rename(columns={"id": t("plan_station"), "plugs": t("plan_plugs")}),
            hide_index=True, key="plan.plugs_table",
        )
    if roads is not None and not chosen.empty:
        st.pydeck_chart(station_deck(roads, chosen=chosen, size_column="plugs"), key="plan.map")


def _charging(s: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
    st.subheader(t("plan_schedule"))
    prof = tables["charging_profile"]
    names = {
        "plan": t("plan_policy_plan"),
        "immediate": t("plan_policy_immediate"),
        "smart": t("plan_policy_smart"),
    }
    long = prof.melt(id_vars="hour", var_name="policy", value_name="kw")
    long["policy"] = long["policy"].map(names)
    fig = px.line(
        long, x="hour", y="kw", color="policy", line_shape="hv",
        labels={"hour": t("plan_hour"), "kw": t("plan_grid_kw"), "policy": t("plan_policy")},
    )
    st.plotly_chart(fig, key="plan.profile")
    cmp = s.get("comparison") or {}
    if cmp:
        st.markdown(f"**{t('plan_compare')}**")
        st.dataframe(
            pd.DataFrame(
                {
                    t("plan_policy"): [names.get(k, k) for k in cmp],
                    t("plan_missed"): [int(v["trips_missed"]) for v in cmp.values()],
                    t("plan_cost"): [_num(v["cost_cny"], ",.2f") for v in cmp.values()],
                    t("plan_peak"): [_num(v["peak_grid_kw"], ",.1f") for v in cmp.values()],
                }
            ),
            hide_index=True,
        )


def _tco(s: dict[str, Any]) -> None:
    st.subheader(t("plan_tco"))
    rows = [
        {
            t("plan_type"): vt,
            t("plan_powertrain"): pt,
            t("plan_needed"): d["vehicles"],
            t("plan_npv"): round(float(d["npv_cny"])),
            t("plan_per_km"): round(float(d["cny_per_km"]), 2),
        }
        for vt, per in s["tco_detail"].items()
        for pt, d in per.items()
    ]
    frame = pd.DataFrame(rows)
    st.dataframe(frame, hide_index=True, key="plan.tco_table")
    if not frame.empty:
        fig = px.bar(
            frame, x=t("plan_powertrain"), y=t("plan_npv"), color=t("plan_type"), barmode="group"
        )
        st.plotly_chart(fig, key="plan.tco_chart")


def _battery(s: dict[str, Any]) -> None:
    opts = s.get("battery_options") or {}
    if not opts:
        return
    st.subheader(t("plan_battery"))
    rows = [
        {
            t("plan_type"): vt,
            t("plan_battery_kwh"): o["battery_kwh"],
            t("plan_needed"): o["vehicles"],
            t("plan_plugs"): o["plugs"],
            t("plan_cost_day"): _num(o["charging_cost_cny"], ",.2f"),
            t("plan_npv"): _num(o["npv_cny"], ",.0f"),
            t("plan_cheapest"): "✓" if o["cheapest"] else "",
        }
        for vt, per in opts.items()
        for o in per
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="plan.battery_table")


def _downloads(s: dict[str, Any], tables: dict[str, pd.DataFrame]) -> None:
    st.subheader(t("plan_downloads"))
    c = st.columns(4)
    blocks = tables["planned_trips"]
    c[0].download_button(
        t("plan_dl_blocks_csv"), data=lambda: csv_bytes(blocks),
        file_name="planned_trips.csv", mime="text/csv", key="plan.dl_csv", on_click="ignore",
    )
    c[1].download_button(
        t("plan_dl_blocks_xlsx"), data=lambda: api.to_excel_bytes({"planned_trips": blocks}),
        file_name="planned_trips.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="plan.dl_xlsx", on_click="ignore",
    )
    c[2].download_button(
        t("plan_dl_schedule"),
        data=lambda: csv_bytes(tables["charging_schedule"]),
        file_name="charging_schedule.csv", mime="text/csv", key="plan.dl_schedule",
        on_click="ignore",
    )
    c[3].download_button(
        t("plan_dl_json"), data=lambda: dumps(s).encode("utf-8"), file_name="plan.json",
        mime="application/json", key="plan.dl_json", on_click="ignore",
    )


details = st.session_state.get(KEY_RESULT)
if details is None:
    st.info(t("plan_none"))
else:
    s = details["summary"]
    tables = details["tables"]
    m = st.columns(4)
    m[0].metric(t("plan_status"), str(s["status"]))
    m[1].metric(t("plan_gap"), f"{100.0 * float(s['gap']):.2f} %")
    m[2].metric(t("plan_cost_day"), _num(s["charging_cost_cny"], ",.2f"))
    m[3].metric(t("plan_cost_bound"), _num(s["charging_cost_bound_cny"], ",.2f"))
    _vehicles(s)
    if s["infeasible_trips"] or s["broken_blocks"]:
        with st.expander(t("plan_problems")):
            st.dataframe(pd.DataFrame(s["infeasible_trips"] + s["broken_blocks"]), hide_index=True)
    _plugs(s, tables, details["network"])
    _charging(s, tables)
    _tco(s)
    _battery(s)
    rep = s.get("replacement")
    if rep:
        st.subheader(t("plan_replacement"))
        st.caption(f"{rep['status']} · NPV {_num(rep['npv_cny'], ',.0f')} CNY")
        st.dataframe(tables["replacement_schedule"], hide_index=True)
    _downloads(s, tables)
