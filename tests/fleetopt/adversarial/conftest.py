"""Small scenario builders shared by the adversarial corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

TRIPS_HEADER = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,"
    "origin_lon,origin_lat,destination_lon,destination_lat,distance_km"
)


def write_scenario(
    folder: Path, body: str, *, trips: str | None = None, name: str = "s.toml"
) -> Path:
    """Write a scenario (and a one-trip trips file unless ``trips`` is given)."""
    (folder / "trips.csv").write_text(
        trips
        if trips is not None
        else TRIPS_HEADER + "\nb1,bus,bev,t1,06:00,07:00,116.40,39.90,116.41,39.91,\n",
        encoding="utf-8",
    )
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def tiny_scenario(tmp_path: Path):
    """Factory: scenario text with ``trips.csv`` beside it."""

    def make(body: str, **kw: object) -> Path:
        return write_scenario(tmp_path, body, **kw)  # type: ignore[arg-type]

    return make
