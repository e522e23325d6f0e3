"""Show a siting answer: status, objective, bound and gap; the map; the sites table; GeoJSON.

An answer is the dict :func:`apps.services.solve_siting` returns. This component keeps
no state.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import streamlit as st

from apps.components.language import t
from apps.components.station_map import station_deck

__all__ = ["sites_geojson", "siting_view"]


def sites_geojson(sites: pd.DataFrame) -> dict[str, Any]:
    """Return sites (``id, lon, lat`` and more columns) as a GeoJSON FeatureCollection (WGS84)."""
    features = []
    for rec in sites.to_dict(orient="records"):
        lon, lat = float(rec.pop("lon")), float(rec.pop("lat"))
        props = {
            k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()
        }  # NaN -> null
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def siting_view(
    answer: dict[str, Any] | None, *, roads: pd.DataFrame, existing: pd.DataFrame | None = None
) -> None:
    """Draw the answer (or, before a solve, the road graph with the existing stations)."""
    if answer is None:
        st.info(t("no_siting"))
        st.markdown(f"**{t('map')}**")
        st.pydeck_chart(station_deck(roads, existing=existing), key="siting.map")
        return
    summary = answer["summary"]
    cols = st.columns(4)
    cols[0].metric(t("status"), str(summary.get("status")))
    cols[1].metric(t("objective"), f"{summary.get('objective', float('nan')):,.1f}")
    cols[2].metric(t("bound"), f"{summary.get('bound', float('nan')):,.1f}")
    cols[3].metric(t("gap"), f"{100.0 * float(summary.get('gap', float('nan'))):.3f} %")
    st.caption(
        f"{summary.get('model', '')} · {summary.get('wall_s', 0.0):.2f} s · "
        f"{answer.get('model_size', '')}"
    )
    if answer.get("reason"):
        st.warning(str(answer["reason"]))
    st.markdown(f"**{t('map')}**")
    st.caption(t("map_legend"))
    st.pydeck_chart(
        station_deck(
            roads,
            chosen=answer.get("sites"),
            existing=answer.get("existing"),
            demand=answer.get("demand"),
            size_column=answer.get("size_column", "plugs"),
        ),
        key="siting.map",
    )
    existing = answer.get("existing")
    if existing is not None and len(existing):
        st.caption(f"{t('open_existing')}: {len(existing):,}")
    sites = answer.get("sites")
    if sites is not None:
        st.markdown(f"**{t('chosen_sites')}** ({len(sites):,})")
        st.dataframe(sites, hide_index=True, key="siting.table")
        doc = answer.get("geojson") or sites_geojson(sites)
        st.download_button(
            t("geojson"),
            data=json.dumps(doc, ensure_ascii=False).encode("utf-8"),
            file_name="fleetopt-sites.geojson",
            mime="application/geo+json",
            key="siting.geojson",
            on_click="ignore",
        )
