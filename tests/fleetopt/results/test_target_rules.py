"""Target rules on constructed inputs: peak shaving, charging points, hydrogen, exemptions."""
# ruff: noqa: E501, N812, PT018

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.domain.transition import project_transition
from fleetopt.results import targets as T


@pytest.fixture(scope="module")
def rows() -> dict[str, dict]:
    return {r["id"]: r for r in T.evaluate_targets()}


def test_peak_shaving_by_hand(rows: dict[str, dict]) -> None:
    """GIVEN the 2025 battery NEV stock per fleet segment x its shiftable kW (target_inputs.csv)
    THEN the row is that sum over Beijing's peak load (26,000 MW) in percent."""
    tr = project_transition()
    i = tr._index(2025)
    kw = {"bus": 10.0, "taxi": 3.0, "sanitation": 5.0, "light_logistics": 3.0}
    total_kw = 0.0
    for seg, k in kw.items():
        s = tr.segments[seg]
        total_kw += s.nev_stock[i] * (s.split["nev"].get("bev", 0) + s.split["nev"].get("phev", 0)) * k
    expected = 100 * total_kw / 1000 / 26000
    assert rows["grid_peak_shaving_2025"]["value"] == pytest.approx(expected, abs=1e-3)


def test_simulated_load_in_the_peak_window_replaces_the_assumed_kw() -> None:
    """GIVEN 4 battery buses (and 1 diesel) charging at 100 kW from 18:00 to 20:00 and at 50 kW
    from 20:30 to 23:00 THEN the 19-21 h window holds 100 kWh + 25 kWh = 125 kWh over 2 h,
    62.5 kW, i.e. 15.625 kW per battery bus; a summary dict alone gives nothing."""
    from types import SimpleNamespace

    import pandas as pd

    segments = pd.DataFrame({
        "station_id": ["d", "d"], "vehicle_type": ["bus", "bus"],
        "start_s": [18 * 3600.0, 20.5 * 3600], "end_s": [20 * 3600.0, 23 * 3600], "grid_kw": [100.0, 50.0],
    })
    vehicles = pd.DataFrame({"vehicle_type": ["bus"] * 5, "powertrain": ["bev"] * 4 + ["diesel"]})
    sim = SimpleNamespace(segments=segments, vehicles=vehicles)
    assert T.simulated_shiftable_kw_per_vehicle(sim) == {"bus": pytest.approx(15.625)}
    # the band's afternoon window (15-17 h) holds nothing
    assert T.simulated_shiftable_kw_per_vehicle(sim, (15.0, 17.0)) == {"bus": pytest.approx(0.0)}
    assert T.simulated_shiftable_kw_per_vehicle({"by_type": {}}) == {}


def test_charging_points_by_hand(rows: dict[str, dict]) -> None:
    """GIVEN 200,900 piles at end-2019 and the modelled NEV stock then THEN 2025 points are the
    2025 NEV stock x that ratio; the band spans the 2018 ratio too."""
    tr = project_transition()
    total = sum(tr.segments[s].nev_stock for s in ("other", "bus", "taxi"))
    ratio = 200900 / tr.at(total, 2020.0)
    row = rows["charging_hydrogen_network"]
    assert row["value"] == pytest.approx(tr.nev_stock_total(2025) * ratio, rel=1e-6)
    ratio_2018 = 127000 / tr.at(total, 2018.33)
    other = tr.nev_stock_total(2025) * ratio_2018
    assert row["low"] <= min(other, row["value"]) + 1e-6
    assert row["high"] >= max(other, row["value"]) - 1e-6


def test_fcev_stock_is_the_nev_split(rows: dict[str, dict]) -> None:
    """GIVEN the fcev shares of segment_powertrains.csv THEN the row equals the split stock."""
    tr = project_transition()
    assert rows["hydrogen_vehicles_scaled"]["value"] == pytest.approx(
        tr.powertrain_stock_total("fcev", 2025), rel=1e-6
    )


def test_exemption_widens_the_band_and_scenario_overrides(tmp_path: Path) -> None:
    """GIVEN 0 % exempt buses in a scenario THEN the bus value is the raw stock share and the
    trace says the scenario set it."""
    p = tmp_path / "s.toml"
    p.write_text('name = "x"\n[transition.exempt_pct]\nbus = 0\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["targets", str(p), "--json"])
    assert res.exit_code == 0, res.stderr
    row = {r["id"]: r for r in json.loads(res.stdout)}["bus_nev_share_2025"]
    tr = project_transition()
    i = tr._index(2025)
    bus = tr.segments["bus"]
    assert row["value"] == pytest.approx(100 * bus.nev_stock[i] / bus.stock[i], abs=1e-3)
    ex = [t for t in row["trace"] if t["input"] == "bus.exempt_pct"]
    assert ex and ex[0]["source"].startswith("scenario")


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[transition.exempt_pct]\nbus = 120\n", "transition.exempt_pct.bus"),
        ("[transition.exempt_pct]\ntaxi = -3\n", "transition.exempt_pct.taxi"),
        ("[transition.exempt_pct.light_logistics]\ncold_chain = 101\n",
         "transition.exempt_pct.light_logistics.cold_chain"),
    ],
)
def test_exemption_outside_0_100_exits_2_with_the_dotted_key(
    tmp_path: Path, toml: str, key: str
) -> None:
    p = tmp_path / "s.toml"
    p.write_text('name = "x"\n' + toml, encoding="utf-8")
    res = CliRunner().invoke(app, ["targets", str(p), "--json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert key in res.stderr
    assert "Traceback" not in res.stderr


def test_targets_report_holds_every_target_band_and_trace(rows: dict[str, dict]) -> None:
    from apps.report import targets_report

    doc = targets_report(list(rows.values()))
    assert doc.startswith("<!DOCTYPE html>")
    for tid, r in rows.items():
        assert tid in doc
        if r.get("reason"):
            assert r["reason"][:40].replace("'", "&#x27;") in doc
    assert "peak_load_mw" in doc
    assert "<script" not in doc


def test_coverage_by_hand() -> None:
    """GIVEN a site at (116.4, 39.9) and demand 10 at 0.5 km north, 30 at 2 km north and 60 at
    5 km north THEN 10 % is within 0.9 km and 40 % within 3 km (1 deg lat = 111.195 km)."""
    import numpy as np

    dlat = np.array([0.5, 2.0, 5.0]) / 111.195
    lat = 39.9 + dlat
    lon = np.full(3, 116.4)
    w = np.array([10.0, 30.0, 60.0])
    assert T.coverage_pct(lon, lat, w, np.array([116.4]), np.array([39.9]), 0.9) == pytest.approx(10.0)
    assert T.coverage_pct(lon, lat, w, np.array([116.4]), np.array([39.9]), 3.0) == pytest.approx(40.0)
    assert np.isnan(T.coverage_pct(lon, lat, w, np.array([]), np.array([]), 3.0))


def test_simulation_adds_network_coverage_to_the_trace(data_dir: Path) -> None:
    """GIVEN a simulation THEN the network row's trace carries the share of its charging energy
    within 0.9 km and 3 km of its stations."""
    from fleetopt.api import run_scenario

    sim = run_scenario(data_dir / "targets" / "scenario.toml")
    row = {r["id"]: r for r in T.evaluate_targets(simulation=sim)}["charging_hydrogen_network"]
    names = {t["input"] for t in row["trace"]}
    assert {"charging_energy_within_0.9_km", "charging_energy_within_3_km"} <= names


def test_every_bus_exempt_gives_no_data_with_a_reason(tmp_path: Path) -> None:
    """GIVEN 100 % of buses exempt (allowed: 0-100) THEN there is no eligible bus: no value, no
    band, status no_data with a reason."""
    p = tmp_path / "s.toml"
    p.write_text('name = "x"\n[transition.exempt_pct]\nbus = 100\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["targets", str(p), "--json"])
    assert res.exit_code == 0, res.stderr
    row = {r["id"]: r for r in json.loads(res.stdout)}["bus_nev_share_2025"]
    assert row["value"] is None
    assert row["low"] is None
    assert row["status"] == "no_data"
    assert row["reason"]
