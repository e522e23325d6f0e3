"""The app's table helpers on a real small simulation, and its pure builders checked by hand."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from apps.components.comparison import summary_table, targets_table
from apps.components.downloads import csv_bytes, parquet_bytes, summary_json
from apps.components.scenario_levers import CHARGING, Levers, apply_levers
from apps.components.sim_results import load_frame, missed_trips, soc_frame
from apps.components.siting_view import sites_geojson
from apps.components.station_map import OFFLINE_MAP_STYLE, radius_m, station_deck, view_of
from apps.report import html_report, svg_polyline_chart

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "apps"


@pytest.fixture(scope="module")
def line10_run() -> Any:
    """Bus line 10 (3 buses, 62 trips) on the default stations and network: a real run."""
    from fleetopt import api
    from fleetopt.inputs.default_demand import default_scenario_path
    from fleetopt.inputs.scenario import load_scenario_dict, scenario_from_dict

    path = default_scenario_path()
    raw = load_scenario_dict(path)
    raw["fleets"] = [{"name": "line10", "trips": str(DATA / "generated_trips_line10.csv")}]
    return api.run_scenario(scenario_from_dict(raw, base_dir=path.parent))


@pytest.fixture(scope="module")
def small_default_run() -> Any:
    """The embedded default fleets at 5 % of the sample (about 15 vehicles) with charging."""
    from fleetopt import api
    from fleetopt.inputs.default_demand import default_scenario_path
    from fleetopt.inputs.scenario import load_scenario_dict, scenario_from_dict

    path = default_scenario_path()
    raw = apply_levers(load_scenario_dict(path), Levers(size_pct=5.0))
    return api.run_scenario(scenario_from_dict(raw, base_dir=path.parent))


def test_charging_choices_are_the_library_s() -> None:
    from fleetopt.inputs.scenario import CHARGING_STRATEGIES

    assert tuple(CHARGING) == tuple(CHARGING_STRATEGIES)


def test_apply_levers_sets_keys_and_leaves_the_input_alone() -> None:
    raw = {
        "name": "x",
        "seed": 1,
        "fleets": [
            {"generator": "beijing-bus", "size": 150, "powertrain": "bev"},
            {"generator": "beijing-taxi", "size": 100},
            {"trips": "t.csv"},
        ],
    }
    levers = Levers(
        network="haidian-cau",
        ambient_temperature_c=-10,
        charging="smart",
        size_pct=10.0,
        seed=5,
        bev_share_pct={"bus": 60.0, "taxi": 100.0},
    )
    out = apply_levers(raw, levers)
    assert raw["fleets"][0] == {
        "generator": "beijing-bus",
        "size": 150,
        "powertrain": "bev",
    }  # untouched
    assert out["network"] == "haidian-cau"
    assert out["ambient_temperature_c"] == -10.0
    assert out["seed"] == 5
    assert out["options"] == {"charging": "smart"}
    assert out["fleets"][0] == {
        "generator": "beijing-bus",
        "size": 15,
        "powertrain": {"bev": 0.6, "diesel": 0.4},
    }
    assert out["fleets"][1] == {"generator": "beijing-taxi", "size": 10, "powertrain": "bev"}
    # a trips file of unknown type takes the first listed type's share; its size is the file's
    assert out["fleets"][2] == {"trips": "t.csv", "powertrain": {"bev": 0.6, "diesel": 0.4}}
    assert (
        apply_levers(raw, Levers(bev_share_pct={"bus": 0.0}))["fleets"][0]["powertrain"] == "diesel"
    )
    assert apply_levers(raw, Levers())["seed"] == 1  # seed None keeps the scenario's


def test_apply_levers_output_is_a_valid_scenario() -> None:
    from fleetopt.inputs.default_demand import default_scenario_path
    from fleetopt.inputs.scenario import check_scenario_dict, load_scenario_dict

    raw = load_scenario_dict(default_scenario_path())
    out = apply_levers(
        raw,
        Levers(
            ambient_temperature_c=-15,
            charging="smart",
            size_pct=50.0,
            seed=3,
            bev_share_pct={"bus": 70.0, "taxi": 30.0, "sanitation": 0.0, "delivery": 100.0},
        ),
    )
    assert check_scenario_dict(out, file="levers") == []


@pytest.mark.parametrize("run_name", ["line10_run", "small_default_run"])
def test_result_tables_for_charts(run_name: str, request: pytest.FixtureRequest) -> None:
    run = request.getfixturevalue(run_name)
    summary = run.summary()
    soc = soc_frame(run)
    assert not soc.empty
    assert set(soc["vehicle_id"]) <= set(run.events["vehicle_id"].astype(str))
    assert soc["soc"].between(0.0, 1.0).all()
    assert soc["hour"].min() >= 0.0
    load = load_frame(run)
    assert list(load.columns) == ["hour", "station_id", "kw"]
    # minute means of power integrate to the grid energy [kWh] = sum(kW) x 1/60 h
    assert load["kw"].sum() / 60.0 == pytest.approx(summary["grid_energy_kwh"], rel=1e-6, abs=1e-6)
    if run_name == "small_default_run":
        assert summary["grid_energy_kwh"] > 0
        # a minute's mean never exceeds the instantaneous peak
        assert 0 < load.groupby("hour")["kw"].sum().max() <= summary["peak_grid_kw"] * (1 + 1e-9)
    missed = missed_trips(run)
    assert len(missed) == summary["trips_missed"]
    assert (~missed["served"]).all()


def test_downloads_round_trip(line10_run: Any) -> None:
    trips = line10_run.trips
    back = pd.read_parquet(io.BytesIO(parquet_bytes(trips)))
    pd.testing.assert_frame_equal(back, trips.reset_index(drop=True), check_dtype=False)
    text = csv_bytes(trips).decode("utf-8-sig")
    assert pd.read_csv(io.StringIO(text)).shape == trips.shape
    assert json.loads(summary_json(line10_run)) == json.loads(json.dumps(line10_run.summary()))


def test_csv_escapes_spreadsheet_formulas_but_not_numbers() -> None:
    frame = pd.DataFrame(
        {"a": ["=1+2", "+cmd", "@SUM(A1)", "-x", "-5", "plain"], "b": [1, -2, 3, 4, 5, 6]}
    )
    back = pd.read_csv(io.StringIO(csv_bytes(frame).decode("utf-8-sig")), dtype=str)
    assert list(back["a"]) == ["'=1+2", "'+cmd", "'@SUM(A1)", "'-x", "-5", "plain"]
    assert list(back["b"]) == ["1", "-2", "3", "4", "5", "6"]


def test_html_report_is_self_contained_and_escaped(line10_run: Any) -> None:
    missed = pd.DataFrame({"trip_id": ["<script>alert(1)</script>"], "reason": ["soc"]})
    doc = html_report(
        line10_run.summary(),
        title="line <10>",
        scenario={"ambient_temperature_c": -10},
        targets=[
            {
                "id": "bus_nev_share_2025",
                "target": 100,
                "unit": "percent",
                "year": 2025,
                "value": 98.0,
                "status": "at_risk",
            }
        ],
        load_curve=(np.array([0.0, 1.0, 2.0]), np.array([0.0, 50.0, 10.0])),
        missed=missed,
    )
    assert doc.startswith("<!DOCTYPE html>")
    assert "<script" not in doc
    assert "&lt;script&gt;" in doc
    assert "line &lt;10&gt;" in doc
    assert "http://" not in doc.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in doc
    assert "<svg" in doc
    assert "bus_nev_share_2025" in doc
    assert f"{line10_run.summary()['trips_total']:,}" in doc


def test_svg_chart_maps_extremes_to_the_frame() -> None:
    svg = svg_polyline_chart(np.array([0.0, 10.0]), np.array([0.0, 100.0]), width=200, height=100)
    # pad 40: x 0 -> 40, x 10 -> 160; y 0 -> 60 (bottom), y 100 -> 40 (top)
    assert 'points="40.0,60.0 160.0,40.0"' in svg
    assert svg_polyline_chart(np.array([1.0]), np.array([1.0])) == ""


def test_summary_table_differences() -> None:
    table = summary_table(
        {"A": {"co2_kg": 100.0, "trips_missed": 2}, "B": {"co2_kg": 80.0, "trips_missed": 5}}
    )
    assert table.loc["co2_kg", "Δ B"] == -20.0
    assert table.loc["trips_missed", "Δ B"] == 3.0
    assert np.isnan(table.loc["hydrogen_kg", "A"])


def test_targets_table_differences_and_statuses() -> None:
    a = [
        {
            "id": "t1",
            "target": 100,
            "unit": "percent",
            "year": 2025,
            "value": 90.0,
            "status": "off_track",
        },
        {
            "id": "t2",
            "target": "text",
            "unit": "text",
            "year": None,
            "value": None,
            "status": "no_data",
        },
    ]
    b = [
        {
            "id": "t1",
            "target": 100,
            "unit": "percent",
            "year": 2025,
            "value": 97.5,
            "status": "at_risk",
        }
    ]
    table = targets_table({"A": a, "B": b})
    assert table.loc["t1", "Δ B"] == 7.5
    assert table.loc["t1", "B status"] == "at_risk"
    assert table.loc["t2", "B status"] == "no_data"
    assert np.isnan(table.loc["t2", "Δ B"])


def test_radius_scales_area_with_size() -> None:
    r = radius_m(np.array([0.0, 25.0, 100.0, np.nan]), (10.0, 110.0))
    assert list(r) == [10.0, 60.0, 110.0, 10.0]
    assert list(radius_m(np.array([3.0, 3.0]), (10.0, 110.0))) == [10.0, 10.0]


def test_station_deck_uses_no_web_tiles() -> None:
    roads = pd.DataFrame(
        {
            "lon0": [116.30, 116.31],
            "lat0": [39.90, 39.91],
            "lon1": [116.31, 116.32],
            "lat1": [39.91, 39.92],
            "highway": ["primary", "residential"],
        }
    )
    chosen = pd.DataFrame({"id": ["n1"], "lon": [116.305], "lat": [39.905], "load": [10.0]})
    demand = pd.DataFrame({"lon": [116.31], "lat": [39.91], "weight": [3.0]})
    deck = station_deck(roads, chosen=chosen, demand=demand, size_column="load")
    doc = json.loads(deck.to_json())
    assert doc["mapStyle"] == OFFLINE_MAP_STYLE
    assert OFFLINE_MAP_STYLE.startswith("data:application/json")
    style = json.loads(__import__("urllib.parse").parse.unquote(OFFLINE_MAP_STYLE.split(",", 1)[1]))
    assert style["sources"] == {}
    assert [lyr["type"] for lyr in style["layers"]] == ["background"]
    assert [layer["id"] for layer in doc["layers"]] == ["roads", "demand", "chosen"]
    view = view_of(np.array([116.30, 116.32]), np.array([39.90, 39.92]))
    assert view.longitude == pytest.approx(116.31)
    assert view.latitude == pytest.approx(39.91)


def test_sites_geojson() -> None:
    sites = pd.DataFrame({"id": ["a"], "lon": [116.3], "lat": [39.9], "load": [float("nan")]})
    doc = sites_geojson(sites)
    assert doc["features"][0]["geometry"] == {"type": "Point", "coordinates": [116.3, 39.9]}
    assert doc["features"][0]["properties"] == {"id": "a", "load": None}


def test_trajectory_svg_places_points_by_hand() -> None:
    """GIVEN a 2015-2030 series from 0 to 100
    WHEN drawn THEN the ends sit on the frame and the target is marked.
    """
    from apps.components import target_view as tv

    row = {"id": "x", "status": "on_track", "unit": "percent", "target": 50.0, "year": 2025}
    points = pd.DataFrame(
        {
            "year": [2015, 2030, 2020],
            "value": [0.0, 100.0, 40.0],
            "kind": ["projected", "projected", "observed"],
        }
    )
    svg = tv.trajectory_svg(row, points)
    assert svg is not None
    # values 0..100 padded by 8 %: y(0) and y(100) are 8 % of the plot height inside the frame
    h, p, left, w = tv.SPARK_H, tv.SPARK_PAD, tv.SPARK_LEFT, tv.SPARK_W
    span = 116.0
    y0 = h - p - 8.0 / span * (h - 2 * p)
    y100 = h - p - 108.0 / span * (h - 2 * p)
    assert f'points="{left:.1f},{y0:.1f} {w - p:.1f},{y100:.1f}"' in svg
    assert "observed 2020: 40 %" in svg
    assert "Target 2025: 50 %" in svg
    assert tv.trajectory_svg(row, pd.DataFrame(columns=["year", "value", "kind"])) is None


def test_disk_cache_is_json_keyed_by_library_and_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps import services
    from fleetopt import settings

    monkeypatch.setattr(settings, "CACHE_DIR", tmp_path)
    calls = []

    def compute() -> list[dict[str, Any]]:
        calls.append(1)
        return [{"id": "a", "value": 1.5}]

    assert services._disk_json("t", compute) == [{"id": "a", "value": 1.5}]
    assert services._disk_json("t", compute) == [{"id": "a", "value": 1.5}]
    assert len(calls) == 1  # the second call reads the JSON file
    (files,) = list((tmp_path / "app").glob("t-*.json"))
    assert json.loads(files.read_text(encoding="utf-8")) == [{"id": "a", "value": 1.5}]
    monkeypatch.setattr(services, "_library_key", lambda: "new-version")
    services._disk_json("t", compute)
    assert len(calls) == 2
    assert [p.name for p in (tmp_path / "app").glob("t-*.json")] == ["t-new-version.json"]
