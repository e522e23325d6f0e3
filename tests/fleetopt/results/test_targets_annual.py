"""A year of operation feeds the CO2-intensity row (issue 14 item 2), on hand-made results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.domain.transition import project_transition
from fleetopt.errors import InputError
from fleetopt.inputs.vehicles import resolve_spec
from fleetopt.results.targets import (
    evaluate_targets,
    operating_co2_intensity_change_pct,
    operating_co2_intensity_kg_per_tkm,
    pandemic_load_factors,
    targets_for_path,
)
from fleetopt.results.targets.annual import check_annual, climate_factors, read_annual


def _day(
    temp: float, weight: int, bus: tuple[float, float, float], taxi: tuple[float, float]
) -> dict:
    """bus = (km, grid kWh, diesel L); taxi = (km, gasoline L)."""
    return {
        "label": f"{temp}",
        "weight_days": weight,
        "ambient_temperature_c": temp,
        "by_type": {
            "bus": {"distance_km": bus[0], "grid_energy_kwh": bus[1], "diesel_l": bus[2],
                    "co2_kg": 0.0},
            "taxi": {"distance_km": taxi[0], "gasoline_l": taxi[1], "grid_energy_kwh": 0.0},
        },
    }


def _annual(days: list[dict]) -> dict:
    """Yearly totals = weighted sums of the days (as simulate --annual combines them)."""
    by_type: dict[str, dict[str, float]] = {}
    for d in days:
        for vtype, vals in d["by_type"].items():
            tot = by_type.setdefault(vtype, {})
            for k, v in vals.items():
                tot[k] = tot.get(k, 0.0) + d["weight_days"] * v
    return {"scenario": "hand", "year": 2030, "by_type": by_type, "days": days}


#: 100 winter days at 0 degC (bus 1.5 kWh/km) and 265 days at 20 degC (1.0 kWh/km).
WINTER = _annual([
    _day(0.0, 100, (1000.0, 1500.0, 300.0), (500.0, 40.0)),
    _day(20.0, 265, (1000.0, 1000.0, 300.0), (500.0, 40.0)),
])


def test_climate_factors_by_hand() -> None:
    """Bus electricity: (100 x 1500 + 265 x 1000) / (365 x 1000) = 1.136986 kWh/km over the
    year vs 1.0 at 20 degC; diesel and taxi gasoline per km do not change: factor 1."""
    f = climate_factors(WINTER)
    assert f["bus"]["electricity"] == pytest.approx(415_000 / 365_000, rel=1e-12)
    assert f["bus"]["fossil"] == pytest.approx(1.0, rel=1e-12)
    assert f["taxi"]["fossil"] == pytest.approx(1.0, rel=1e-12)
    assert "electricity" not in f["taxi"]  # no grid energy: no factor


def test_reference_interpolated_between_days() -> None:
    """Days at 19.8 and 20.3 degC with 1.10 and 1.00 kWh/km: the 20 degC reference is
    1.10 - 0.2/0.5 x 0.10 = 1.06; the year (equal weights) is 1.05, so the factor 1.05/1.06."""
    doc = _annual([
        _day(19.8, 180, (100.0, 110.0, 0.0), (1.0, 0.1)),
        _day(20.3, 180, (100.0, 100.0, 0.0), (1.0, 0.1)),
    ])
    assert climate_factors(doc)["bus"]["electricity"] == pytest.approx(1.05 / 1.06, rel=1e-12)


def test_annual_feeds_the_co2_row() -> None:
    """GIVEN the winter annual result THEN the CO2 row equals the library's change with the
    hand-made turnover weights (yearly km x (passengers x 0.1 + payload)) and climate factors,
    differs from the row without it, and its trace names the annual result."""
    rows = {r["id"]: r for r in evaluate_targets(annual=WINTER)}
    base = {r["id"]: r for r in evaluate_targets()}
    row = rows["operating_co2_intensity_2030"]
    tr = project_transition()
    w = {}
    for seg, vtype, fossil in (("bus", "bus", "diesel"), ("taxi", "taxi", "gasoline"),
                               ("light_logistics", "delivery", "diesel")):
        spec = resolve_spec(vtype, fossil, {})
        km = WINTER["by_type"].get(vtype, {}).get("distance_km", 0.0)
        w[seg] = km * (spec.passengers * 0.1 + spec.payload_t)
    bus = resolve_spec("bus", "diesel", {})
    assert w["bus"] == pytest.approx(365_000 * (bus.passengers * 0.1 + bus.payload_t))
    assert w["light_logistics"] == 0.0  # no delivery vans in this year
    expected = operating_co2_intensity_change_pct(
        tr, 2030, reference_year=2020, turnover_weights=w,
        energy_factors={"bus": {"electricity": 415_000 / 365_000, "fossil": 1.0},
                        "taxi": {"fossil": 1.0}},
        reference_load_factors=pandemic_load_factors(),
    )
    assert row["value"] == pytest.approx(expected, abs=1e-4)
    assert row["value"] != pytest.approx(base["operating_co2_intensity_2030"]["value"], abs=1e-3)
    trace = {t["input"]: t for t in row["trace"]}
    assert trace["turnover_weights"]["value"] == "annual result"
    assert trace["bus.climate_factor.electricity"]["value"] == pytest.approx(1.136986, abs=1e-6)
    assert "365 days" in trace["annual_result"]["value"]
    # the rows that do not depend on fleet energy are unchanged
    assert rows["nev_stock_2025"] == base["nev_stock_2025"]


def test_winter_raises_the_2030_intensity_vs_20c() -> None:
    """Colder year, more electricity per bus-km: with the same weights, the 2030 intensity
    (more battery buses than in 2020) is higher with the climate factor than without."""
    tr = project_transition()
    w = {"bus": 1.0}
    ef = {"grid_kg_per_kwh": 0.6, "diesel_kg_per_l": 2.68}
    cold = operating_co2_intensity_kg_per_tkm(tr, 2030, turnover_weights=w, emission_factors=ef,
                     energy_factors={"bus": {"electricity": 1.2}})
    mild = operating_co2_intensity_kg_per_tkm(tr, 2030, turnover_weights=w, emission_factors=ef)
    i = list(tr.years).index(2030)
    frac = tr.segments["bus"].nev_stock[i] / tr.segments["bus"].stock[i]
    bev = resolve_spec("bus", "bev", {})
    extra = frac * bev.kwh_per_km / bev.charge_efficiency * 0.6 * 0.2 / 1.5  # 15 pax x 0.1 t
    assert cold - mild == pytest.approx(extra, rel=1e-9)


def test_cli_annual_from_file_and_folder(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps(WINTER), encoding="utf-8")
    for arg in (run, run / "summary.json"):
        res = CliRunner().invoke(app, ["targets", "--annual-from", str(arg), "--json"])
        assert res.exit_code == 0, res.output
        rows = {r["id"]: r for r in json.loads(res.stdout)}
        t = {x["input"]: x for x in rows["operating_co2_intensity_2030"]["trace"]}
        assert t["turnover_weights"]["value"] == "annual result"
    assert targets_for_path(annual=run) == targets_for_path(annual=WINTER)


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        ({"by_type": {}}, "days"),
        ({"days": [{"weight_days": 1, "ambient_temperature_c": 1, "by_type": {}}]}, "by_type"),
        ({"by_type": {}, "days": [{"weight_days": "x", "ambient_temperature_c": 1, "by_type": {}}]},
         "days.0.weight_days"),
        ({"by_type": {},
          "days": [{"weight_days": 3, "ambient_temperature_c": None, "by_type": {}}]},
         "days.0.ambient_temperature_c"),
        ({"by_type": {}, "days": [{"weight_days": 3, "ambient_temperature_c": 2,
                                   "by_type": {"bus": {"distance_km": -5}}}]},
         "days.0.by_type.bus.distance_km"),
    ],
)
def test_bad_annual_result_exit_2_with_key(tmp_path: Path, doc: dict, key: str) -> None:
    p = tmp_path / "summary.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as err:
        check_annual(doc, str(p))
    assert err.value.problems[0].column == key
    res = CliRunner().invoke(app, ["targets", "--annual-from", str(p), "--json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert key in res.stderr
    assert str(p) in res.stderr
    assert "Traceback" not in res.stderr


def test_not_json_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not a JSON document"):
        read_annual(p)
    with pytest.raises(InputError, match="not found"):
        read_annual(tmp_path / "nowhere")
