"""A charging station fed by Poisson arrivals behaves as M/M/c (FCFS), checked two ways.

1. Exactly, on one sample path: the waits equal the Kiefer-Wolfowitz FCFS multi-server
   recursion computed on the same arrival and service times.
2. In distribution: the mean wait over independent replications is within tolerance of
   the Erlang-C formula.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
from simkit import BASE, HEADER, LAT, LON

from fleetopt.case import load_case
from fleetopt.inputs.scenario import scenario_from_dict
from fleetopt.simulation.engine import simulate
from fleetopt.units import format_clock

PLUG_KW = 60.0


def erlang_c_wait_s(lam_per_s: float, mu_per_s: float, c: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C): C(c, a) / (c mu - lambda)."""
    a = lam_per_s / mu_per_s
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu_per_s - lam_per_s)


def fcfs_waits(arrive_s: np.ndarray, service_s: np.ndarray, c: int) -> np.ndarray:
    """Kiefer-Wolfowitz recursion: exact FCFS waits of a c-server queue."""
    work = np.zeros(c)
    waits = np.empty(arrive_s.size)
    for i in range(arrive_s.size):
        if i:
            work = np.maximum(work - (arrive_s[i] - arrive_s[i - 1]), 0.0)
        waits[i] = work[0]
        work[0] += service_s[i]
        work.sort()
    return waits


def _sample(
    seed: int, n: int, mean_gap_s: float, mean_service_s: float
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # whole seconds in the file
    arrive = np.round(3600.0 + np.cumsum(rng.exponential(mean_gap_s, n)))
    energy_kwh = rng.exponential(mean_service_s * PLUG_KW / 3600.0, n)  # service = energy / power
    return arrive, energy_kwh


def _simulate(tmp_path: Path, central, arrive: np.ndarray, energy_kwh: np.ndarray, c: int):
    lines = [HEADER]
    for i in range(arrive.size):
        lines.append(
            f"v{i:05d},bus,bev,t{i:05d},{format_clock(arrive[i] - 60)},{format_clock(arrive[i])},"
            f"{LON},{LAT},{LON},{LAT},{energy_kwh[i]:.12f}"
        )
    (tmp_path / "trips.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = copy.deepcopy(BASE)
    d["vehicle_types"]["bus"]["bev"].update({"battery_kwh": 1000, "max_charge_kw": PLUG_KW})
    d["stations"][0].update({"plugs": c, "plug_kw": PLUG_KW})
    d["horizon"] = {"start": "00:00", "end": "47:59:59"}
    r = simulate(load_case(scenario_from_dict(d, base_dir=tmp_path), central))
    ses = r.sessions.sort_values("vehicle_id")
    assert (ses["action"] == "charge").all(), "nobody may give up: the deadline is the horizon end"
    assert len(ses) == arrive.size
    return ses


def test_waits_equal_the_fcfs_recursion_on_the_same_sample_path(tmp_path: Path, central) -> None:
    """GIVEN 1,500 Poisson arrivals and exponential charges on 2 plugs WHEN simulated THEN every
    vehicle's wait equals the Kiefer-Wolfowitz FCFS recursion (to 1e-6 s)."""
    arrive, energy = _sample(3, 1500, 40.0, 70.0)
    ses = _simulate(tmp_path, central, arrive, energy, c=2)
    service = energy / PLUG_KW * 3600.0
    assert ses["end_s"].to_numpy() - ses["plug_s"].to_numpy() == pytest.approx(service, abs=1e-6)
    assert ses["wait_s"].to_numpy() == pytest.approx(fcfs_waits(arrive, service, 2), abs=1e-6)


def test_mmc_mean_wait_matches_erlang_c(tmp_path: Path, central) -> None:
    """GIVEN Poisson arrivals every 40 s, exponential charging of mean 72 s, 3 plugs (utilisation
    0.6) WHEN 3 independent replications of 4,000 vehicles are simulated THEN the pooled mean wait
    is within 15 % of Erlang C (about 22 s; replication spread is about 10 % each, 6 % pooled)."""
    waits, expects = [], []
    for seed in (21, 22, 23):
        arrive, energy = _sample(seed, 4000, 40.0, 72.0)
        folder = tmp_path / str(seed)
        folder.mkdir()
        ses = _simulate(folder, central, arrive, energy, c=3)
        waits.append(float(ses["wait_s"].mean()))
        expects.append(erlang_c_wait_s(1 / 40.0, 1 / 72.0, 3))
    wait, expect = float(np.mean(waits)), float(np.mean(expects))
    assert 18.0 < expect < 26.0
    assert abs(wait - expect) / expect < 0.15, (waits, expect)
