"""Speed factor of energy per km: the table's points by hand, interpolation, the reference speed."""

from __future__ import annotations

import math

import pytest

from fleetopt.domain.energy import speed_factor


def test_speed_factor_is_one_at_the_reference_speed_and_interpolates_by_hand() -> None:
    """GIVEN the speed_factors.csv points (10 -> 1.20, 20 -> 1.05, 30 -> 1.00, 90 -> 1.20,
    110 -> 1.40) THEN 30 km/h gives exactly 1.0, 15 km/h halfway 1.125, 100 km/h 1.30,
    and the ends are held (2 km/h -> 1.45, 200 km/h -> 1.40)."""
    got = speed_factor([30.0, 15.0, 100.0, 2.0, 200.0, 10.0])
    assert got[0] == 1.0
    assert list(got[1:]) == pytest.approx([(1.2 + 1.05) / 2, (1.2 + 1.4) / 2, 1.45, 1.4, 1.2])


def test_speed_factor_without_a_speed_is_one() -> None:
    """GIVEN no usable speed (0, negative, NaN, inf) THEN the factor is 1.0 (no scaling)."""
    assert list(speed_factor([0.0, -5.0, math.nan, math.inf])) == [1.0, 1.0, 1.0, 1.0]
