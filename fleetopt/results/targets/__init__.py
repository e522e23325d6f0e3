"""Compare a scenario's projections with the Carbon Peak Plan's targets (``plan_targets.csv``).

One module per family of rows: :mod:`._common` (status rule, inputs, traces, rows),
:mod:`.co2` (operating CO2 intensity), :mod:`.infrastructure` (charging, hydrogen, peak
shaving, simulated shares), :mod:`.pv` (PV on transport infrastructure, pvlib),
:mod:`.evaluate` (all rows) and :mod:`.report` (the one-click PDF/HTML report).
"""

from __future__ import annotations

from fleetopt.results.targets._common import (
    CLEAN_ENERGY,
    FLEET_TYPES,
    NEV,
    NEV_POWERTRAINS,
    ROW_KEYS,
    STATUSES,
    target_status,
)
from fleetopt.results.targets.co2 import (
    CO2_SEGMENTS,
    operating_co2_intensity_change_pct,
    operating_co2_intensity_kg_per_tkm,
    pandemic_load_factors,
)
from fleetopt.results.targets.evaluate import (
    calibration_tables,
    evaluate_targets,
    targets_for_path,
)
from fleetopt.results.targets.infrastructure import (
    coverage_pct,
    simulated_nev_share_pct,
    simulated_shiftable_kw_per_vehicle,
)

__all__ = [
    "CLEAN_ENERGY",
    "CO2_SEGMENTS",
    "FLEET_TYPES",
    "NEV",
    "NEV_POWERTRAINS",
    "ROW_KEYS",
    "STATUSES",
    "calibration_tables",
    "coverage_pct",
    "evaluate_targets",
    "operating_co2_intensity_change_pct",
    "operating_co2_intensity_kg_per_tkm",
    "pandemic_load_factors",
    "simulated_nev_share_pct",
    "simulated_shiftable_kw_per_vehicle",
    "target_status",
    "targets_for_path",
]
