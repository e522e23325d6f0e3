"""Lay out scenario comparison: what-if variants side by side and the difference in each target."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from apps import services
from apps.components.comparison import comparison
from apps.components.language import t
from apps.components.run_registry import add_run, session_runs
from apps.components.scenario_levers import VEHICLE_TYPES, Levers, apply_levers, scenario_levers

KEY_RUNS = "compare.runs"
KEY_COUNT = "compare.count"
KEY_SAVED = "compare.saved"
KEY_STORED = "compare.stored"

#: Starting levers of the variants: today's mild day, then a Beijing winter day, then a mixed fleet.
STARTS = (
    Levers(
        ambient_temperature_c=20, bev_share_pct=dict.fromkeys(VEHICLE_TYPES, 100.0), size_pct=10.0
    ),
    Levers(
        ambient_temperature_c=-10, bev_share_pct=dict.fromkeys(VEHICLE_TYPES, 100.0), size_pct=10.0
    ),
    Levers(
        ambient_temperature_c=-10, bev_share_pct=dict.fromkeys(VEHICLE_TYPES, 50.0), size_pct=10.0
    ),
    Levers(
        ambient_temperature_c=20, bev_share_pct=dict.fromkeys(VEHICLE_TYPES, 0.0), size_pct=10.0
    ),
)

st.title(t("compare_title"))
st.caption(t("compare_intro"))

reason = services.missing("simulation")
if reason is not None:
    st.warning(t("not_available", what="fleetopt.simulation", detail=reason))
    st.stop()

count = int(
    st.number_input(
        t("variant_count"), min_value=2, max_value=len(STARTS), value=2, step=1, key=KEY_COUNT
    )
)
networks = services.network_names()
seed = int(services.default_scenario_dict().get("seed", 0))  # the scenario's seed
variants: list[Levers] = []
for i, col in enumerate(st.columns(count)):
    with col, st.expander(t("variant", n=i + 1), expanded=True):
        start = replace(STARTS[i], seed=seed)
        variants.append(scenario_levers(f"cmp{i}", networks=networks, defaults=start))

earlier = list(session_runs())
labels = [r["label"] for r in earlier]
chosen = st.multiselect(t("saved_runs"), labels, key=KEY_SAVED) if labels else []
stored = {r["id"]: r for r in services.saved_runs()}
stored_chosen = (
    st.multiselect(
        t("stored_runs"),
        list(stored)[::-1],
        key=KEY_STORED,
        format_func=lambda i: (
            f"{i} · {stored[i].get('command')} · {stored[i].get('scenario') or ''}"
        ),
    )
    if stored
    else []
)

if st.button(t("compare_run"), type="primary", key="compare.run_button"):
    runs = []
    bar = st.progress(0.0, text=t("running"))
    try:
        for i, levers in enumerate(variants):
            raw = apply_levers(services.default_scenario_dict(), levers)
            raw["name"] = t("variant", n=i + 1)
            run = services.run_scenario(raw)
            runs.append(add_run(raw["name"], run, levers.to_dict()))
            bar.progress((i + 1) / len(variants), text=t("running"))
    except Exception as exc:  # noqa: BLE001 - report and keep the app alive
        st.error(
            t("error_internal", what=t("compare_run"), detail=getattr(exc, "message", str(exc)))
        )
        runs = []
    bar.empty()
    st.session_state[KEY_RUNS] = runs

runs = list(st.session_state.get(KEY_RUNS, []))
runs += [r for r in earlier if r["label"] in chosen and r not in runs]
stored_summaries: dict[str, dict[str, Any]] = {}
for run_id in stored_chosen:
    try:
        doc = services.saved_summary(run_id)
    except Exception as exc:  # noqa: BLE001 - a damaged run folder must not take the page down
        st.warning(f"{run_id}: {exc}")
        continue
    if doc is None:
        st.warning(t("no_summary", run=run_id))
    else:
        stored_summaries[f"runs/{run_id}"] = doc
if len(runs) + len(stored_summaries) >= 2:
    summaries: dict[str, dict[str, Any]] = {}
    has_targets = services.missing("targets") is None
    targets: dict[str, list[dict[str, Any]]] | None = {} if has_targets else None
    for r in runs:
        label = r["label"]
        while label in summaries:
            label += "'"
        summaries[label] = r["result"].summary()
        if targets is not None:
            try:
                targets[label] = services.run_targets(r)
            except Exception as exc:  # noqa: BLE001 - targets are optional here; say why they are missing
                st.warning(t("error_internal", what=t("targets_diff"), detail=str(exc)))
                targets = None
    summaries.update(stored_summaries)
    comparison(summaries, targets)
