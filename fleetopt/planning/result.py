"""Hold an operator's plan and turn it into the ``plan --json`` keys and output files (CONTRACT §9).

``summary()`` gives ``status``, ``gap``, ``vehicles_needed``, ``vehicles_input``,
``plugs_needed``, ``charging_cost_cny``, ``charging_cost_bound_cny``, ``tco``, ``wall_s``
(plus ``infeasible_trips``, ``broken_blocks``, ``vehicles_bound``, ``comparison``,
``tco_detail`` and ``replay`` for the reader). ``gap`` is the largest relative gap of the
plan's parts:
(vehicles - bound) / vehicles of each type, (plugs - bound) / plugs in total, and
(cost - bound) / cost of the charging (for the plugs chosen).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fleetopt._csv_text import write_frame_csv
from fleetopt._json import dumps
from fleetopt.inputs.schedules import TRIP_FILE_COLUMNS
from fleetopt.planning.battery_sizes import BatteryOption
from fleetopt.planning.blocking import BlockingResult
from fleetopt.planning.charging_lp import ChargingPlan
from fleetopt.planning.problem import GroupProblem
from fleetopt.planning.replacement import ReplacementResult
from fleetopt.units import format_clock

logger = logging.getLogger(__name__)

__all__ = ["PLAN_KEYS", "PlanResult", "TypePlan"]

#: Columns of the planned trips file (CONTRACT §3, clock times as HH:MM:SS).
TRIPS_FILE_COLUMNS = TRIP_FILE_COLUMNS

#: Keys of ``plan --json`` in CONTRACT order.
PLAN_KEYS = (
    "status",
    "gap",
    "vehicles_needed",
    "vehicles_input",
    "plugs_needed",
    "charging_cost_cny",
    "charging_cost_bound_cny",
    "tco",
    "wall_s",
)


@dataclass
class TypePlan:
    """The plan of one vehicle type.

    Attributes
    ----------
    vehicle_type, powertrain : str
        The type and the scenario's powertrain for it.
    group : GroupProblem
        Its trips.
    blocking : BlockingResult
        Its blocks.
    tco : dict
        ``{powertrain: {npv_cny, cny_per_km, vehicles, ...}}``.
    """

    vehicle_type: str
    powertrain: str
    group: GroupProblem
    blocking: BlockingResult
    tco: dict[str, dict[str, Any]]


@dataclass
class PlanResult:
    """An operator's plan.

    Attributes
    ----------
    scenario : str
        Scenario name.
    types : list of TypePlan
        One per (type, powertrain) of the trips.
    charging : ChargingPlan or None
        Plugs and charging of the battery types (None without any).
    step_s : float
        Time step of the charging LP [s].
    comparison : dict
        Simulator runs of the plan (``immediate``, ``smart``) next to the LP (``plan``).
    wall_s : float
        Wall time [s].
    battery_options : dict
        ``{vehicle type: [BatteryOption]}`` (issue 15 item 5; empty when not asked).
    replacement : ReplacementResult or None
        Replacement over years (issue 15 item 6; None without ``[plan.replacement]``).
    load_profiles : dict
        ``{policy: grid kW of all stations per minute}`` of the simulator runs.
    replay : dict
        The schedule replayed on the planned days (see :mod:`fleetopt.planning.replay`).
    """

    scenario: str
    types: list[TypePlan]
    charging: ChargingPlan | None
    step_s: float = 900.0
    comparison: dict[str, dict[str, float]] = field(default_factory=dict)
    wall_s: float = 0.0
    battery_options: dict[str, list[BatteryOption]] = field(default_factory=dict)
    replacement: ReplacementResult | None = None
    load_profiles: dict[str, pd.Series] = field(default_factory=dict)
    replay: dict[str, Any] = field(default_factory=dict)

    def status(self) -> str:
        """``optimal`` when every part is proven optimal, ``infeasible`` when charging is."""
        if self.charging is not None and self.charging.status in (
            "infeasible",
            "time_limit_no_solution",
        ):
            return self.charging.status
        parts = [t.blocking.status for t in self.types]
        if self.charging is not None:
            parts.append(self.charging.status)
        return "optimal" if all(p == "optimal" for p in parts) else "feasible"

    def gap(self) -> float:
        """Largest relative gap of the parts (0 when all are proven optimal)."""
        g = [t.blocking.gap for t in self.types]
        ch = self.charging
        if ch is not None and ch.plugs:
            n = sum(ch.plugs.values())
            if n > 0:
                g.append(max(0.0, (n - ch.plugs_bound) / n))
        if ch is not None and math.isfinite(ch.cost_cny):
            if ch.cost_cny > 1e-9:
                g.append(max(0.0, (ch.cost_cny - ch.bound_cny) / ch.cost_cny))
            elif not math.isfinite(ch.bound_cny):
                g.append(math.inf)
        return float(max(g)) if g else 0.0

    def summary(self) -> dict[str, Any]:
        """Return the ``plan --json`` document."""
        ch = self.charging
        vneed: dict[str, int] = {}
        vin: dict[str, int] = {}
        vbound: dict[str, int] = {}
        tco: dict[str, dict[str, dict[str, float]]] = {}
        detail: dict[str, dict[str, dict[str, Any]]] = {}
        for t in self.types:
            vt = t.vehicle_type
            vneed[vt] = vneed.get(vt, 0) + t.blocking.vehicles
            vin[vt] = vin.get(vt, 0) + t.blocking.input_blocks
            vbound[vt] = vbound.get(vt, 0) + t.blocking.lower_bound
            tco.setdefault(vt, {})
            detail.setdefault(vt, {})
            for pt, d in t.tco.items():
                tco[vt][pt] = {"npv_cny": d["npv_cny"], "cny_per_km": d["cny_per_km"]}
                detail[vt][pt] = d
        plugs: dict[str, int] = {}
        if ch is not None:
            plugs = {sid: int(n) for sid, n in sorted(ch.plugs.items())}
        bad = [
            {"trip_id": str(t.group.trips["trip_id"].iat[j]), "reason": r}
            for t in self.types
            for j, r in t.blocking.unrunnable
        ]
        broken = [
            {"vehicle_id": v, "reason": r} for t in self.types for v, r in t.blocking.broken_blocks
        ]
        return {
            "status": self.status(),
            "gap": self.gap(),
            "vehicles_needed": vneed,
            "vehicles_input": vin,
            "plugs_needed": plugs,
            "charging_cost_cny": float(ch.cost_cny) if ch is not None else 0.0,
            "charging_cost_bound_cny": float(ch.bound_cny) if ch is not None else 0.0,
            "tco": tco,
            "wall_s": self.wall_s,
            "vehicles_bound": vbound,
            "infeasible_trips": bad,
            "broken_blocks": broken,
            "kept_input_blocks": {t.vehicle_type: t.blocking.kept_input for t in self.types},
            "charging_status": ch.status if ch is not None else "none",
            "peak_grid_kw": dict(ch.peak_kw) if ch is not None else {},
            "plugs_bound": ch.plugs_bound if ch is not None else 0,
            "comparison": self.comparison,
            "tco_detail": detail,
            "battery_options": {
                vt: [o.as_dict() for o in opts] for vt, opts in self.battery_options.items()
            },
            "replacement": self.replacement.summary() if self.replacement is not None else None,
            "replay": self.replay,
        }

    def trips_table(self) -> pd.DataFrame:
        """Return the planned blocks as a canonical trips table (CONTRACT §3 columns).

        ``vehicle_id`` is the new block (``<type>-<powertrain>-00001``), ``depot`` its depot.
        """
        rows = []
        for tp in self.types:
            gp, br = tp.group, tp.blocking
            t = gp.trips
            for k, (b, d) in enumerate(zip(br.blocks, br.depots, strict=True)):
                vid = f"{tp.vehicle_type}-{tp.powertrain}-{k + 1:05d}"
                for i in b:
                    rows.append(
                        {
                            "vehicle_id": vid,
                            "vehicle_type": tp.vehicle_type,
                            "powertrain": tp.powertrain,
                            "trip_id": str(t["trip_id"].iat[i]),
                            "departure": format_clock(float(t["departure_s"].iat[i])),
                            "arrival": format_clock(float(t["arrival_s"].iat[i])),
                            "origin_lon": float(t["origin_lon"].iat[i]),
                            "origin_lat": float(t["origin_lat"].iat[i]),
                            "destination_lon": float(t["destination_lon"].iat[i]),
                            "destination_lat": float(t["destination_lat"].iat[i]),
                            "distance_km": float(t["distance_km"].iat[i]),
                            "depot": str(gp.station_ids[d]) if d >= 0 else "",
                            "passengers": t["passengers"].iat[i],
                            "payload_t": t["payload_t"].iat[i],
                        }
                    )
        return pd.DataFrame(rows, columns=TRIPS_FILE_COLUMNS)

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``planned_trips.csv`` (new blocks), ``charging_schedule.csv``, ``plan.json``.

        Returns
        -------
        list of Path
            The files written.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = [out / "planned_trips.csv", out / "charging_schedule.csv", out / "plan.json"]
        write_frame_csv(self.trips_table(), files[0])
        if self.charging is not None:
            write_frame_csv(self.charging.schedule, files[1])
        else:
            files[1].write_text("vehicle_id,station_id,start_s,end_s,battery_kwh,grid_kwh\n")
        files[2].write_text(dumps(self.summary()) + "\n", encoding="utf-8")
        return files
