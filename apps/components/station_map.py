"""Build the offline pydeck map: the road graph itself as base layer, stations and demand on top.

No web tiles are used (a background-only map style), so the map works with no internet. This
component keeps no state; :func:`station_deck` is pure and tested without a page.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk

#: Layer colours [R, G, B, A].
ROAD_COLOUR = [150, 150, 150, 140]
MAJOR_ROAD_COLOUR = [90, 90, 90, 200]
CHOSEN_COLOUR = [215, 48, 39, 220]
EXISTING_COLOUR = [69, 117, 180, 200]
DEMAND_COLOUR = [253, 174, 97, 150]

#: A map style with nothing but a background colour (no tiles, glyphs or sprites), as a
#: ``data:`` URL so nothing is fetched. ``map_style=None`` makes Streamlit fill in a Carto
#: basemap loaded from the web, and a dict style breaks Streamlit's frontend; the browser
#: test checks that no request leaves the app server.
OFFLINE_MAP_STYLE: str = "data:application/json;charset=utf-8," + urllib.parse.quote(
    json.dumps(
        {
            "version": 8,
            "sources": {},
            "layers": [
                {"id": "background", "type": "background", "paint": {"background-color": "#f7f7f5"}}
            ],
        }
    )
)

#: OSM highway classes drawn thicker.
MAJOR_ROADS = frozenset(
    {"motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link"}
)

#: Marker radius range of sites and demand points [m].
SITE_RADIUS_M = (60.0, 400.0)
DEMAND_RADIUS_M = (20.0, 200.0)

__all__ = ["radius_m", "station_deck", "view_of"]


def radius_m(size: pd.Series | np.ndarray, lo_hi: tuple[float, float]) -> np.ndarray:
    """Scale sizes to marker radii [m] by square root (area proportional to size).

    Parameters
    ----------
    size : array_like
        Non-negative sizes (plugs, kWh, …); NaN counts as 0.
    lo_hi : tuple of float
        Smallest and largest radius [m].

    Returns
    -------
    numpy.ndarray
        Radii [m]; all ``lo`` when every size is equal.
    """
    s = np.nan_to_num(np.asarray(size, dtype=float), nan=0.0).clip(min=0.0)
    lo, hi = lo_hi
    if s.size == 0 or float(s.max()) == float(s.min()):
        return np.full(s.shape, lo)
    r = np.sqrt(s)
    scaled: np.ndarray = lo + (r - r.min()) / (r.max() - r.min()) * (hi - lo)
    return scaled


def view_of(lon: np.ndarray, lat: np.ndarray) -> pdk.ViewState:
    """Return a view that frames the points (zoom from the larger extent)."""
    lon_span = float(np.nanmax(lon) - np.nanmin(lon)) if len(lon) else 0.1
    lat_span = float(np.nanmax(lat) - np.nanmin(lat)) if len(lat) else 0.1
    span = max(lon_span, lat_span * 1.3, 1e-3)
    zoom = max(3.0, min(16.0, math.log2(360.0 / span) + 0.5))  # the extent fills ~500 px
    return pdk.ViewState(
        longitude=float(np.nanmean(lon)) if len(lon) else 116.4,
        latitude=float(np.nanmean(lat)) if len(lat) else 39.9,
        zoom=zoom,
        pitch=0,
    )


def station_deck(
    roads: pd.DataFrame,
    *,
    chosen: pd.DataFrame | None = None,
    existing: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    size_column: str = "plugs",
) -> pdk.Deck:
    """Return a pydeck map of the road graph with chosen and existing stations and demand.

    Parameters
    ----------
    roads : pandas.DataFrame
        ``lon0, lat0, lon1, lat1, highway`` segments [deg WGS84].
    chosen, existing : pandas.DataFrame, optional
        Sites with ``lon, lat`` [deg], ``id`` and a size column.
    demand : pandas.DataFrame, optional
        ``lon, lat`` [deg] and ``weight`` (energy or count) of demand points.
    size_column : str
        Column of ``chosen``/``existing`` that sizes the markers.

    Returns
    -------
    pydeck.Deck
        With :data:`OFFLINE_MAP_STYLE` (no web tiles).
    """
    roads = roads.assign(
        width=np.where(roads["highway"].isin(MAJOR_ROADS), 3.0, 1.0),
        colour=[MAJOR_ROAD_COLOUR if h in MAJOR_ROADS else ROAD_COLOUR for h in roads["highway"]],
    )
    layers: list[pdk.Layer] = [
        pdk.Layer(
            "LineLayer",
            data=roads,
            id="roads",
            get_source_position=["lon0", "lat0"],
            get_target_position=["lon1", "lat1"],
            get_color="colour",
            get_width="width",
            pickable=False,  # widths in pixels (the layer default)
        )
    ]
    if demand is not None and not demand.empty:
        dem = demand.assign(radius=radius_m(demand["weight"], DEMAND_RADIUS_M))
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=dem,
                id="demand",
                get_position=["lon", "lat"],
                get_radius="radius",
                get_fill_color=DEMAND_COLOUR,
                radius_min_pixels=2,
                pickable=True,
            )
        )
    for frame, colour, layer_id in (
        (existing, EXISTING_COLOUR, "existing"),
        (chosen, CHOSEN_COLOUR, "chosen"),
    ):
        if frame is None or frame.empty:
            continue
        size = frame[size_column] if size_column in frame else pd.Series(np.ones(len(frame)))
        sites = frame.assign(radius=radius_m(size.to_numpy(), SITE_RADIUS_M), layer=layer_id)
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=sites,
                id=layer_id,
                get_position=["lon", "lat"],
                get_radius="radius",
                get_fill_color=colour,
                get_line_color=[255, 255, 255],
                line_width_min_pixels=1,
                radius_min_pixels=4,
                stroked=True,
                pickable=True,
            )
        )
    lon = np.concatenate([roads["lon0"].to_numpy(), roads["lon1"].to_numpy()])
    lat = np.concatenate([roads["lat0"].to_numpy(), roads["lat1"].to_numpy()])
    tooltip: Any = {"text": "{layer} {id}\n" + size_column + ": {" + size_column + "}"}
    return pdk.Deck(
        layers=layers,
        initial_view_state=view_of(lon, lat),
        map_style=OFFLINE_MAP_STYLE,
        tooltip=tooltip,
    )
