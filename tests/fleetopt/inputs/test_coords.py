"""Coordinate conversions against published reference pairs and round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetopt.inputs import coords
from fleetopt.inputs.road_graph import haversine_m

# Published pairs (lon, lat). Sources:
# - wandergis/coordtransform test/app.js (input 116.404, 39.915, near Tiananmen / Forbidden City)
# - googollee/eviltransform python tests (Beijing, Shanghai, Shenzhen rows, WGS84 -> GCJ-02)
# - caijun/geoChina R tests: Tiananmen WGS84 39.90734 N 116.39089 E -> GCJ-02
# - a Rust port's constants (WGS84 121.0917077, 30.6107779 -> GCJ-02 -> BD-09)
WGS_TO_GCJ = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # coordtransform
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # eviltransform Beijing
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # eviltransform Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # eviltransform Shenzhen
    ((116.39089, 39.90734), (116.39713094, 39.90874107)),  # geoChina Tiananmen
    ((121.0917077, 30.6107779), (121.09626927850977, 30.608604368560773)),  # Rust port
]
BD_TO_GCJ = [((116.404, 39.915), (116.39762729119315, 39.90865673957631))]  # coordtransform
GCJ_TO_BD = [
    ((116.404, 39.915), (116.41036949371029, 39.92133699351021)),  # coordtransform
    ((121.09626927850977, 30.608604368560773), (121.10271724622564, 30.61484575976839)),  # Rust
]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_wgs84_to_gcj02_matches_published_pairs(wgs: tuple, gcj: tuple) -> None:
    """GIVEN a published WGS84/GCJ-02 pair WHEN converted THEN within 1e-7 deg (~1 cm)."""
    lon, lat = coords.wgs84_to_gcj02(*wgs)
    assert lon == pytest.approx(gcj[0], abs=1e-7)
    assert lat == pytest.approx(gcj[1], abs=1e-7)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_gcj02_to_wgs84_inverts_published_pairs(wgs: tuple, gcj: tuple) -> None:
    """GIVEN the GCJ-02 side of a pair WHEN inverted THEN the WGS84 side within 1e-7 deg."""
    lon, lat = coords.gcj02_to_wgs84(*gcj)
    assert lon == pytest.approx(wgs[0], abs=1e-7)
    assert lat == pytest.approx(wgs[1], abs=1e-7)


def test_iterative_inverse_beats_one_step_approximation() -> None:
    """coordtransform's one-step gcj02towgs84(116.404, 39.915) is ~cm-accurate; ours exact."""
    lon, lat = coords.gcj02_to_wgs84(116.404, 39.915)
    assert lon == pytest.approx(116.39775550083061, abs=1e-6)  # published one-step value
    assert lat == pytest.approx(39.91359571849836, abs=1e-6)
    back = coords.wgs84_to_gcj02(lon, lat)
    assert back[0] == pytest.approx(116.404, abs=1e-9)
    assert back[1] == pytest.approx(39.915, abs=1e-9)


@pytest.mark.parametrize(("bd", "gcj"), BD_TO_GCJ)
def test_bd09_to_gcj02_matches_published(bd: tuple, gcj: tuple) -> None:
    lon, lat = coords.bd09_to_gcj02(*bd)
    assert (lon, lat) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("gcj", "bd"), GCJ_TO_BD)
def test_gcj02_to_bd09_matches_published(gcj: tuple, bd: tuple) -> None:
    lon, lat = coords.gcj02_to_bd09(*gcj)
    assert (lon, lat) == pytest.approx(bd, abs=1e-9)


def test_bd09_to_wgs84_chains_both_steps() -> None:
    """Rust port constants: BD-09 (121.1027172, 30.6148458) is WGS84 (121.0917077, 30.6107779)."""
    lon, lat = coords.bd09_to_wgs84(121.10271724622564, 30.61484575976839)
    # BD-09 -> GCJ-02 is itself an approximate inverse (~1e-6 deg, sub-metre)
    assert haversine_m(lon, lat, 121.0917077, 30.6107779) < 1.0


def test_offset_size_in_beijing_is_hundreds_of_metres() -> None:
    """GCJ-02 moves Beijing points by a few hundred metres (PROVENANCE: 100-700 m)."""
    lon = np.linspace(116.2, 116.6, 9)
    lat = np.linspace(39.8, 40.1, 9)
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    d = haversine_m(lon, lat, glon, glat)
    assert np.all((d > 100) & (d < 700))


def test_vectorised_equals_scalar() -> None:
    lon = np.array([116.3, 116.4, 116.5])
    lat = np.array([39.85, 39.9, 39.95])
    vlon, vlat = coords.gcj02_to_wgs84(lon, lat)
    assert isinstance(vlon, np.ndarray)
    assert vlon.shape == (3,)
    for i in range(3):
        slon, slat = coords.gcj02_to_wgs84(float(lon[i]), float(lat[i]))
        assert isinstance(slon, float)
        assert slon == pytest.approx(vlon[i], abs=1e-12)
        assert slat == pytest.approx(vlat[i], abs=1e-12)


def test_outside_china_is_unchanged() -> None:
    lon, lat = coords.wgs84_to_gcj02([2.35, -74.0], [48.85, 40.7])
    np.testing.assert_array_equal(lon, [2.35, -74.0])
    np.testing.assert_array_equal(lat, [48.85, 40.7])
    assert coords.out_of_china(2.35, 48.85)
    assert not coords.out_of_china(116.4, 39.9)


@settings(max_examples=200, deadline=None)
@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0))
def test_round_trip_error_below_a_millimetre(lon: float, lat: float) -> None:
    """GIVEN any point in China WHEN WGS84 -> GCJ-02 -> WGS84 THEN back within 1 mm."""
    glon, glat = coords.wgs84_to_gcj02(lon, lat)
    wlon, wlat = coords.gcj02_to_wgs84(glon, glat)
    assert float(haversine_m(lon, lat, wlon, wlat)) < 1e-3


@settings(max_examples=100, deadline=None)
@given(st.floats(115.5, 117.5), st.floats(39.4, 41.0))
def test_bd09_round_trip_beijing(lon: float, lat: float) -> None:
    """GIVEN a Beijing point WHEN WGS84 -> BD-09 -> WGS84 THEN back within 1 m."""
    blon, blat = coords.wgs84_to_bd09(lon, lat)
    wlon, wlat = coords.bd09_to_wgs84(blon, blat)
    assert float(haversine_m(lon, lat, wlon, wlat)) < 1.0
