"""The multi-year fleet transition: survival, cohorts, calibration to Beijing figures, checks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from fleetopt.domain.transition import (
    SEGMENTS,
    check_transition_dict,
    logistic_share,
    project_transition,
    run_cohorts,
    weibull_survival,
)
from fleetopt.errors import InputError


@pytest.fixture(scope="module")
def default() -> object:
    return project_transition()


def test_weibull_shape_one_is_exponential() -> None:
    """GIVEN shape 1 THEN survival is exp(-age/mean) (Gamma(2) = 1), by hand."""
    ages = np.array([0.0, 1.0, 5.0, 10.0])
    got = weibull_survival(ages, 5.0, 1.0)
    assert got == pytest.approx(np.exp(-ages / 5.0))


def test_weibull_mean_life_is_the_mean() -> None:
    """GIVEN mean 9 y, shape 8 THEN the integral of survival (the mean life) is 9 y."""
    ages = np.linspace(0, 40, 40001)
    assert np.trapezoid(weibull_survival(ages, 9.0, 8.0), ages) == pytest.approx(9.0, rel=1e-4)


def test_logistic_half_at_mid_year() -> None:
    assert logistic_share(np.array([2025.0]), 2025.0, 3.0, 1.0)[0] == pytest.approx(0.5)
    assert logistic_share(np.array([2060.0]), 2025.0, 3.0, 0.8)[0] == pytest.approx(0.8, abs=1e-4)


def test_cohorts_two_year_life_by_hand() -> None:
    """GIVEN vehicles that live exactly two years and a stock of 100
    WHEN every addition from year 1 on is NEV
    THEN half the stock is replaced each year: NEV stock 50 after one year, 100 after two."""
    surv = np.zeros(61)
    surv[:2] = 1.0
    out = run_cohorts(np.arange(4), np.full(4, 100.0), surv, np.array([0.0, 1.0, 1.0, 1.0]))
    assert out["stock"] == pytest.approx([100, 100, 100, 100])
    assert out["new"][1:] == pytest.approx([50, 50, 50])
    assert out["nev_stock"] == pytest.approx([0, 50, 100, 100])


def test_cohorts_growth_is_added() -> None:
    """GIVEN vehicles that survive to the oldest tracked age (60) and a stock growing by 10 a year
    THEN additions are the growth plus the oldest cohort (100/61 of the steady-state stock)."""
    out = run_cohorts(np.arange(3), np.array([100.0, 110.0, 120.0]), np.ones(61), np.full(3, 0.5))
    assert out["new"][1:] == pytest.approx([10 + 100 / 61, 10 + 100 / 61])
    assert out["nev_stock"][-1] == pytest.approx(10 + 100 / 61)


def test_calibration_reproduces_observed_points(default: object) -> None:
    """Stated tolerances: city NEV stock within 2 %, taxis within 1 %, buses within 10 %.

    Buses went from ~54 % to 94 % electric in 2020-2023, faster than natural turnover
    (9-year mean life) allows, so the bus fit keeps an error of about -9 % in 2023.
    """
    cal = default.calibration  # type: ignore[attr-defined]
    tol = {"all": 2.0, "taxi": 1.0, "bus": 10.0}
    for row in cal.itertuples(index=False):
        assert abs(row.error_pct) <= tol[row.segment], row
    assert set(cal.segment) == {"all", "bus", "taxi"}
    # the observed figures are the real ones, not copies of the model
    obs = dict(
        zip(cal.time_year[cal.segment == "all"], cal.observed[cal.segment == "all"], strict=True)
    )
    assert obs[2022.0] == 507000
    assert obs[2024.5] == 870000


def test_projection_is_monotone_and_plausible(default: object) -> None:
    tr = default  # type: ignore[assignment]
    stocks = [tr.nev_stock_total(y) for y in range(2020, 2036)]
    assert all(b >= a for a, b in itertools.pairwise(stocks))
    assert 870_000 < tr.nev_stock_total(2025) < 2_000_000
    assert 0 <= tr.nev_share_of_eligible_pct("bus", 2025) <= 100
    # sanitation and light logistics have no data: no path, no value
    assert math.isnan(tr.nev_share_of_eligible_pct("light_logistics", 2025))
    assert math.isnan(tr.new_nev_share_pct("sanitation", 2021, 2025))


def test_scenario_path_and_exemption() -> None:
    """GIVEN every new sanitation vehicle NEV from 2021 THEN the 2021-2025 new share is 100 %;
    GIVEN 10 % of taxis exempt THEN the eligible share is the stock share / 0.9."""
    tr = project_transition(
        {
            "new_nev_share_pct": {"sanitation": {"2021": 100}, "bus": {"2025": 100}},
            "exempt_pct": {"taxi": 10.0},
        }
    )
    assert tr.new_nev_share_pct("sanitation", 2021, 2025) == pytest.approx(100.0)
    base = project_transition()
    i = list(tr.years).index(2024)
    taxi = tr.segments["taxi"]
    raw = 100 * taxi.nev_stock[i] / taxi.stock[i]
    assert tr.nev_share_of_eligible_pct("taxi", 2024) == pytest.approx(min(100.0, raw / 0.9))
    assert tr.segments["bus"].new_nev_frac[list(tr.years).index(2025)] == pytest.approx(1.0)
    assert base.fitted["taxi"] == pytest.approx(tr.fitted["taxi"])


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ({"foo": 1}, "transition.foo"),
        ({"new_nev_share_pct": {"bus": {"2025": 120}}}, "transition.new_nev_share_pct.bus.2025"),
        ({"new_nev_share_pct": {"bus": {"1990": 50}}}, "transition.new_nev_share_pct.bus.1990"),
        ({"new_nev_share_pct": {"tram": {"2025": 50}}}, "transition.new_nev_share_pct.tram"),
        ({"new_nev_share_pct": {"bus": {"2025": "all"}}}, "transition.new_nev_share_pct.bus.2025"),
        (
            {"stock_vehicles": {"sanitation": {"2025": 9000}}},
            "transition.stock_vehicles.sanitation",
        ),
        ({"exempt_pct": {"bus": 100}}, "transition.exempt_pct.bus"),
        (
            {"survival": {"taxi": {"mean_life_years": -1}}},
            "transition.survival.taxi.mean_life_years",
        ),
        ({"survival": {"taxi": {"halflife": 3}}}, "transition.survival.taxi.halflife"),
    ],
)
def test_check_locates_bad_values(table: dict, column: str) -> None:
    problems = check_transition_dict(table, "transition")
    assert column in [p.column for p in problems]
    with pytest.raises(InputError):
        project_transition(table)


def test_check_accepts_valid_table() -> None:
    table = {"new_nev_share_pct": {s: {"2030": 80} for s in SEGMENTS},
             "stock_vehicles": {"taxi": {"2030": 60000}}, "exempt_pct": {"bus": 3.0},
             "survival": {"bus": {"mean_life_years": 8, "weibull_shape": 6}}}
    assert check_transition_dict(table) == []
    tr = project_transition(table)
    assert tr.segments["taxi"].stock[list(tr.years).index(2030)] == pytest.approx(60000)


def test_validate_scenario_reports_transition_keys(tmp_path: object) -> None:
    """`fleetopt validate --kind scenario` lists the [transition] problems with their key paths."""
    from pathlib import Path

    from fleetopt.inputs.validate import validate_file

    p = Path(str(tmp_path)) / "s.toml"
    p.write_text('name = "x"\n[transition.exempt_pct]\ntram = 5\nbus = 120\n', encoding="utf-8")
    doc = validate_file(p, kind="scenario")
    assert not doc["valid"]
    cols = {e["column"] for e in doc["errors"]}
    assert {"transition.exempt_pct.tram", "transition.exempt_pct.bus"} <= cols


def test_life_sensitivity_tables_scale_every_mean_life() -> None:
    """GIVEN a scenario override of the taxi life THEN the band tables scale it by 0.8 and 1.2;
    other segments get the table's mean life scaled."""
    short, long_ = __import__("fleetopt.domain.transition", fromlist=["x"]).life_sensitivity_tables(
        {"survival": {"taxi": {"mean_life_years": 6.0, "weibull_shape": 5.0}}})
    assert short["survival"]["taxi"] == {
        "mean_life_years": pytest.approx(4.8),
        "weibull_shape": 5.0,
    }
    assert long_["survival"]["taxi"]["mean_life_years"] == pytest.approx(7.2)
    assert short["survival"]["other"]["mean_life_years"] == pytest.approx(14.5 * 0.8)
    assert check_transition_dict(short) == []
    assert check_transition_dict(long_) == []
