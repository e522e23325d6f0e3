"""The Beijing grid option (issue 14 item 3): factors by year, projection band, targets, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt import api, defaults
from fleetopt.cli import app
from fleetopt.inputs import emission_factors as ef
from fleetopt.inputs.scenario import read_scenario, scenario_from_dict

runner = CliRunner()


def test_beijing_is_a_grid_region_with_a_sourced_band() -> None:
    """beijing is listed next to national and north_china; every row has unit, a source and a
    band with low <= value <= high; the recalled figure says it was not re-verified."""
    assert {"beijing", "national", "north_china"} <= set(ef.grid_regions())
    df = defaults.load_table("grid_emission_factors")
    bj = df[df["grid"] == "beijing"]
    assert list(bj["year"]) == [2021, 2025, 2030, 2035]
    assert (bj["unit"] == "kg/kWh").all()
    assert ((bj["low"] <= bj["value"]) & (bj["value"] <= bj["high"])).all()
    assert "not re-verified offline" in str(bj.iloc[0]["source"])
    assert all(str(s).startswith("PROJECTION") for s in bj["source"].iloc[1:])


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2015, 0.604),  # before the first year: the 2021 value held
        (2021, 0.604),
        (2023, 0.604 + (0.5571 - 0.604) * 2 / 4),  # linear between 2021 and 2025
        (2025, 0.5571),
        (2028, 0.5571 + (0.5036 - 0.5571) * 3 / 5),
        (2030, 0.5036),
        (2040, 0.4552),  # held after 2035
    ],
)
def test_beijing_factor_interpolates_by_year_by_hand(year: int, expected: float) -> None:
    """Value by year for beijing: linear between listed years, held outside, as the others."""
    assert ef.grid_factor(year, "beijing") == pytest.approx(expected, abs=1e-9)


def test_beijing_projection_follows_the_stated_rule_and_band() -> None:
    """Central: 2021 value x 0.98^(y-2021); low: 2021 low x 0.96^(y-2021); high flat."""
    for year in (2025, 2030, 2035):
        n = year - 2021
        assert ef.grid_factor(year, "beijing") == pytest.approx(0.604 * 0.98**n, abs=5e-5)
        assert ef.grid_factor(year, "beijing", "low") == pytest.approx(0.5568 * 0.96**n, abs=5e-5)
        assert ef.grid_factor(year, "beijing", "high") == 0.6776
    sc = scenario_from_dict({"year": 2023, "options": {"grid_region": "beijing"}}, base_dir=".")
    assert sc.emission_factors["grid_kg_per_kwh"] == pytest.approx((0.604 + 0.5571) / 2, abs=1e-9)


def _scenario(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(
        f'name = "{name}"\nnetwork = "beijing-central-2024"\nyear = 2030\n{text}', encoding="utf-8"
    )
    return p


def test_targets_use_the_beijing_factor_when_selected(tmp_path: Path) -> None:
    """GIVEN grid_region = "beijing" THEN the CO2-intensity target equals the one computed with
    the Beijing 2030 factor (0.5036) given explicitly, and differs from the North China one."""
    bj = _scenario(tmp_path, "bj.toml", '[options]\ngrid_region = "beijing"\n')
    explicit = _scenario(tmp_path, "ex.toml", "[emission_factors]\ngrid_kg_per_kwh = 0.5036\n")
    nc = _scenario(tmp_path, "nc.toml", '[options]\ngrid_region = "north_china"\n')
    key = "operating_co2_intensity_2030"
    rows = {name: {r["id"]: r for r in api.targets(p)}[key] for name, p in
            (("bj", bj), ("ex", explicit), ("nc", nc))}
    assert rows["bj"]["value"] == pytest.approx(rows["ex"]["value"], abs=1e-9)
    assert rows["bj"]["value"] != pytest.approx(rows["nc"]["value"], abs=1e-3)


def test_unknown_grid_region_exits_2_naming_the_dotted_key(tmp_path: Path) -> None:
    """An unknown grid_region: exit 2, the dotted key and the allowed regions (beijing among
    them) in the message, no traceback."""
    p = _scenario(tmp_path, "bad.toml", '[options]\ngrid_region = "shanghai"\n')
    res = runner.invoke(app, ["targets", str(p), "--json"])
    text = res.stdout + res.stderr
    assert res.exit_code == 2, text
    assert "options.grid_region" in text
    assert "beijing" in text
    assert "Traceback" not in text
    res = runner.invoke(app, ["validate", "--kind", "scenario", str(p), "--json"])
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert [e["column"] for e in doc["errors"]] == ["options.grid_region"]


def test_co2_trace_names_the_grid_factor_region_and_year(tmp_path: Path) -> None:
    """The CO2-intensity trace gives the grid factor it used for 2030 and 2020, with the
    region and year it came from, or says it is the scenario's own override."""
    bj = _scenario(tmp_path, "bj.toml", '[options]\ngrid_region = "beijing"\n')
    nc = _scenario(tmp_path, "nc.toml", '[options]\ngrid_region = "north_china"\n')
    explicit = _scenario(tmp_path, "ex.toml", "[emission_factors]\ngrid_kg_per_kwh = 0.5036\n")
    key = "operating_co2_intensity_2030"
    for path, region in ((bj, "beijing"), (nc, "north_china")):
        row = {r["id"]: r for r in api.targets(path)}[key]
        t = {x["input"]: x for x in row["trace"]}
        want = read_scenario(path).emission_factors["grid_kg_per_kwh"]
        for y in (2030, 2020):
            assert t[f"grid_kg_per_kwh_{y}"]["value"] == pytest.approx(want, abs=1e-6)
            assert f"grid_region {region}" in t[f"grid_kg_per_kwh_{y}"]["source"]
            assert "scenario year 2030" in t[f"grid_kg_per_kwh_{y}"]["source"]
    row = {r["id"]: r for r in api.targets(explicit)}[key]
    t = {x["input"]: x for x in row["trace"]}
    assert t["grid_kg_per_kwh_2030"]["value"] == pytest.approx(0.5036)
    assert "[emission_factors]" in t["grid_kg_per_kwh_2030"]["source"]
