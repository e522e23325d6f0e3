"""Fixtures of the simulation tests: the default network, a runner writing files under tmp_path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from simkit import BASE, HEADER

from fleetopt.case import load_case
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.simulation.engine import simulate
from fleetopt.simulation.result import SimulationResult


@pytest.fixture(scope="session")
def central() -> Any:
    """The default road network (array form, cached)."""
    return load_network("beijing-central-2024")


@pytest.fixture
def run(tmp_path: Path, central: Any):
    """Return ``run(lines, **overrides) -> SimulationResult`` writing files under tmp_path."""

    def _run(
        lines: list[str], *, scenario: dict[str, Any] | None = None, **top: Any
    ) -> SimulationResult:
        (tmp_path / "trips.csv").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
        d = copy.deepcopy(BASE) if scenario is None else scenario
        d.update(top)
        sc = scenario_from_dict(d, base_dir=tmp_path, file=str(tmp_path / "s.toml"))
        return simulate(load_case(sc, central))

    return _run
