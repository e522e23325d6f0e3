"""Show a simulation run: KPIs, state-of-charge and station-load charts, missed trips (no state).

The table helpers (:func:`soc_frame`, :func:`load_frame`, :func:`missed_trips`) only
select and reshape the :class:`SimulationResult` tables for plotting; every number comes
from the library.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from apps.components.language import t
from apps.components.scenario_levers import type_name

#: Vehicles drawn in the state-of-charge chart.
SOC_VEHICLES = 12

__all__ = ["kpis", "load_frame", "missed_trips", "sim_results", "soc_frame"]


def _table(result: Any, name: str) -> pd.DataFrame | None:
    table = getattr(result, name, None)
    if callable(table):
        table = table()
    return table if isinstance(table, pd.DataFrame) else None


def soc_frame(result: Any, vehicles: int = SOC_VEHICLES) -> pd.DataFrame:
    """Return ``hour, vehicle_id, soc`` of the first battery vehicles in the event log.

    Parameters
    ----------
    result : SimulationResult
        A run.
    vehicles : int
        How many vehicles (those with the most state-of-charge records).

    Returns
    -------
    pandas.DataFrame
        Time [h after service-day start], vehicle id, state of charge [-].
    """
    events = _table(result, "events")
    if events is None or events.empty or "soc" not in events:
        return pd.DataFrame(columns=["hour", "vehicle_id", "soc"])
    ev = events.loc[events["soc"].notna(), ["t_s", "vehicle_id", "soc"]]
    counts = ev.groupby("vehicle_id", sort=True).size()
    keep = counts.sort_values(ascending=False, kind="stable").index[:vehicles]
    ev = ev[ev["vehicle_id"].isin(keep)].sort_values(["vehicle_id", "t_s"], kind="stable")
    return pd.DataFrame(
        {
            "hour": ev["t_s"].to_numpy() / 3600.0,
            "vehicle_id": ev["vehicle_id"].astype(str).to_numpy(),
            "soc": ev["soc"].to_numpy(),
        }
    )


def load_frame(result: Any) -> pd.DataFrame:
    """Return the station load in long form ``hour, station_id, kw``.

    Parameters
    ----------
    result : SimulationResult
        A run; its ``load_kw`` table is per station per minute, long
        (``station_id``, ``minute`` or ``t_s``, ``kw``) or wide (one column per station,
        index ``minute_start_s`` [s] or minutes).

    Returns
    -------
    pandas.DataFrame
        Time [h], station id, load [kW].
    """
    load = _table(result, "load_kw")
    if load is None or load.empty:
        return pd.DataFrame(columns=["hour", "station_id", "kw"])
    if {"station_id", "kw"} <= set(load.columns):
        if "minute" in load:
            hour = load["minute"].to_numpy(dtype=float) / 60.0
        elif "t_s" in load:
            hour = load["t_s"].to_numpy(dtype=float) / 3600.0
        else:
            hour = np.asarray(load.index, dtype=float) / 60.0
        return pd.DataFrame(
            {
                "hour": hour,
                "station_id": load["station_id"].astype(str).to_numpy(),
                "kw": load["kw"].to_numpy(dtype=float),
            }
        )
    wide = load.copy()
    index_name = wide.index.name or "minute"
    per_hour = 3600.0 if index_name.endswith("_s") else 60.0  # index in seconds or in minutes
    long = wide.reset_index(names=index_name).melt(
        id_vars=index_name, var_name="station_id", value_name="kw"
    )
    return pd.DataFrame(
        {
            "hour": long[index_name].to_numpy(dtype=float) / per_hour,
            "station_id": long["station_id"].astype(str),
            "kw": long["kw"].to_numpy(dtype=float),
        }
    )


def missed_trips(result: Any) -> pd.DataFrame:
    """Return the trips the fleet could not run, with the reason when the library gives one."""
    trips = _table(result, "trips")
    if trips is None or trips.empty:
        return pd.DataFrame()
    if "served" in trips:
        mask = ~trips["served"].astype(bool)
    elif "missed" in trips:
        mask = trips["missed"].astype(bool)
    elif "status" in trips:
        mask = trips["status"].astype(str) != "served"
    else:
        return pd.DataFrame()
    return trips.loc[mask].reset_index(drop=True)


def kpis(summary: dict[str, Any]) -> None:
    """Draw the headline numbers of a ``simulate --json`` summary."""
    row1 = st.columns(4)
    row1[0].metric(t("kpi_vehicles"), f"{summary.get('vehicles', 0):,}")
    row1[1].metric(
        t("kpi_served"), f"{summary.get('trips_served', 0):,} / {summary.get('trips_total', 0):,}"
    )
    row1[2].metric(t("kpi_missed"), f"{summary.get('trips_missed', 0):,}")
    row1[3].metric(t("kpi_distance"), f"{summary.get('distance_km', 0.0):,.0f}")
    row2 = st.columns(4)
    row2[0].metric(t("kpi_grid"), f"{summary.get('grid_energy_kwh', 0.0):,.0f}")
    row2[1].metric(t("kpi_co2"), f"{summary.get('co2_kg', 0.0) / 1000.0:,.2f}")
    row2[2].metric(t("kpi_peak"), f"{summary.get('peak_grid_kw', 0.0):,.0f}")
    row2[3].metric(t("kpi_wait"), f"{summary.get('charge_wait_mean_min', 0.0):,.1f}")


def sim_results(run: dict[str, Any]) -> None:
    """Draw a run: KPIs, per-type table, SoC chart, station load chart, missed trips."""
    result = run["result"]
    summary = result.summary()
    st.subheader(t("results"))
    st.caption(f"{summary.get('scenario', '')} · {t('wall', s=float(summary.get('wall_s', 0.0)))}")
    kpis(summary)
    by_type = summary.get("by_type") or {}
    if by_type:
        frame = pd.DataFrame(by_type).T
        frame.index = [type_name(str(i)) for i in frame.index]
        with st.expander(t("by_type")):
            st.dataframe(frame, key="results.by_type")
    soc = soc_frame(result)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('soc_chart')}**")
        if soc.empty:
            st.caption(t("no_value"))
        else:
            fig = px.line(soc, x="hour", y="soc", color="vehicle_id", line_shape="hv", height=320)
            fig.update_layout(
                margin={"l": 10, "r": 10, "t": 10, "b": 10},
                yaxis={"range": [0, 1.02]},
                showlegend=False,
            )
            st.plotly_chart(fig, key="results.soc")
    with right:
        st.markdown(f"**{t('load_chart')}**")
        load = load_frame(result)
        if load.empty:
            st.caption(t("no_value"))
        else:
            total = load.groupby("hour", sort=True)["kw"].sum().reset_index()
            fig = px.area(total, x="hour", y="kw", height=320)
            fig.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10})
            st.plotly_chart(fig, key="results.load")
    missed = missed_trips(result)
    st.markdown(f"**{t('missed_trips')}** ({len(missed):,})")
    if missed.empty:
        st.caption(t("none_missed"))
    else:
        st.dataframe(missed, hide_index=True, key="results.missed")
