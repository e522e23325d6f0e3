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
    """Stated tolerances: city NEV stock within 2 %, taxis within 1 %, buses within 2 %
    (the NEV-only count of Aug 2020 and the new- and clean-energy shares of 2023 and 2024
    compared with NEV + the clean fossil share of the rest), sanitation and delivery
    (one figure each, mid-year fitted) within 0.5 %."""
    cal = default.calibration  # type: ignore[attr-defined]
    tol = {"all": 2.0, "taxi": 1.0, "bus": 2.0, "sanitation": 0.5, "light_logistics": 0.5}
    for row in cal.itertuples(index=False):
        assert abs(row.error_pct) <= tol[row.segment], row
    assert set(cal.segment) == {"all", "bus", "taxi", "sanitation", "light_logistics"}
    bus = cal[cal.segment == "bus"]
    assert set(bus.metric) == {"nev_stock_vehicles", "clean_share_pct"}
    assert sorted(bus.observed[bus.metric == "clean_share_pct"]) == [94.0, 94.7]
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
    # sanitation, light logistics and airport: sourced (or ranged ASSUMPTION) stocks, real paths
    assert 0 < tr.nev_share_of_eligible_pct("light_logistics", 2025) <= 100
    assert 0 < tr.new_nev_share_pct("sanitation", 2021, 2025) <= 100
    assert 0 < tr.nev_share_of_eligible_pct("airport", 2030) <= 100
    # clean share >= NEV share (NEV is a subset of clean energy)
    i = list(tr.years).index(2025)
    bus = tr.segments["bus"]
    assert tr.clean_share_pct("bus", 2025) >= 100 * bus.nev_stock[i] / bus.stock[i]
    assert tr.new_clean_share_pct(2030) >= tr.new_vehicle_nev_share_pct(2030)
    assert not math.isnan(tr.nev_share_of_eligible_pct("bus", 2025))


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
            {"stock_vehicles": {"sanitation": {"2025": -9000}}},
            "transition.stock_vehicles.sanitation.2025",
        ),
        ({"exempt_pct": {"bus": 100.5}}, "transition.exempt_pct.bus"),
        ({"exempt_pct": {"bus": -1}}, "transition.exempt_pct.bus"),
        ({"exempt_pct": {"taxi": {"individually_owned": 140}}},
         "transition.exempt_pct.taxi.individually_owned"),
        ({"exempt_pct": {"taxi": {"robotaxi": 5}}}, "transition.exempt_pct.taxi.robotaxi"),
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


def test_exemptions_come_from_the_class_table() -> None:
    """GIVEN no override THEN a segment's exempt share is the sum of its classes in
    target_exemptions.csv (bus: mountain lines 3 + emergency 1 = 4 %); the low/high ends sum
    the class ranges; a number overrides the total; a class table overrides that class only."""
    from fleetopt.domain.transition import exempt_frac

    assert exempt_frac("bus") == pytest.approx(0.04)
    assert exempt_frac("bus", bound="low") == pytest.approx(0.015)
    assert exempt_frac("bus", bound="high") == pytest.approx(0.09)
    assert exempt_frac("bus", 10) == pytest.approx(0.10)
    assert exempt_frac("bus", {"mountain_lines": 5}) == pytest.approx(0.06)
    assert exempt_frac("light_logistics") == pytest.approx(0.115)
    assert exempt_frac("other") == 0.0


def test_eligible_share_uses_the_exemption_by_hand() -> None:
    """GIVEN 4 % of buses exempt THEN the eligible share is NEV stock / (0.96 x stock), capped."""
    tr = project_transition()
    i = list(tr.years).index(2024)
    bus = tr.segments["bus"]
    raw = 100 * bus.nev_stock[i] / bus.stock[i]
    assert tr.nev_share_of_eligible_pct("bus", 2024) == pytest.approx(min(100.0, raw / 0.96))
    assert tr.nev_share_of_eligible_pct("bus", 2024, 0.0) == pytest.approx(raw)


def test_powertrain_split_is_data_and_sums_to_one() -> None:
    """GIVEN segment_powertrains.csv THEN each segment's NEV and fossil splits sum to 1, NEV
    splits hold only bev/phev/fcev, and the low/high bounds move the clean fossil share."""
    from fleetopt.domain.transition import CLEAN_ENERGY, NEV, powertrain_split

    for seg in SEGMENTS:
        split = powertrain_split(seg)
        assert sum(split["nev"].values()) == pytest.approx(1.0), seg
        assert sum(split["fossil"].values()) == pytest.approx(1.0), seg
        assert set(split["nev"]) <= NEV
    lo = sum(v for p, v in powertrain_split("bus", "low")["fossil"].items() if p in CLEAN_ENERGY)
    hi = sum(v for p, v in powertrain_split("bus", "high")["fossil"].items() if p in CLEAN_ENERGY)
    mid = sum(v for p, v in powertrain_split("bus")["fossil"].items() if p in CLEAN_ENERGY)
    assert lo < mid < hi
    assert mid == pytest.approx(0.7)  # cng 0.4 + lng 0.1 + hev 0.2


def test_powertrain_stock_adds_up_to_the_nev_stock() -> None:
    """GIVEN the default projection THEN bev + phev + fcev stock equals the NEV stock."""
    tr = project_transition()
    total = sum(tr.powertrain_stock_total(p, 2025) for p in ("bev", "phev", "fcev"))
    assert total == pytest.approx(tr.nev_stock_total(2025), rel=1e-9)


def test_bounds_move_the_calibration_inputs() -> None:
    """GIVEN bound="low" THEN the larger sanitation fleet with the same NEV count lowers the
    2020 NEV share; the projection still reproduces the (low-end) delivery NEV figure."""
    lo, hi = project_transition(bound="low"), project_transition(bound="high")
    i = list(lo.years).index(2020)
    s_lo, s_hi = lo.segments["sanitation"], hi.segments["sanitation"]
    assert s_lo.stock[i] == pytest.approx(16000)
    assert s_hi.stock[i] == pytest.approx(8000)
    cal = lo.calibration[lo.calibration.segment == "light_logistics"]
    assert cal.observed.iloc[0] == 15000
    assert abs(cal.error_pct.iloc[0]) <= 0.5


def _cohorts_by_ageing(years, stock, survival, frac):  # type: ignore[no-untyped-def]
    """Reference: age every cohort one year at a time with conditional survival."""
    cond = np.ones(len(survival))
    cond[1:] = np.divide(
        survival[1:], survival[:-1], out=np.zeros(len(survival) - 1), where=survival[:-1] > 0
    )
    cohorts = stock[0] * survival / survival.sum()
    nev = np.zeros_like(cohorts)
    out = {k: np.zeros(len(years)) for k in ("stock", "nev_stock", "new", "new_nev")}
    out["stock"][0] = cohorts.sum()
    for i in range(1, len(years)):
        cohorts = np.concatenate(([0.0], cohorts[:-1])) * cond
        nev = np.concatenate(([0.0], nev[:-1])) * cond
        new = max(stock[i] - cohorts.sum(), 0.0)
        cohorts[0] = new
        nev[0] = new * frac[i]
        out["stock"][i], out["nev_stock"][i] = cohorts.sum(), nev.sum()
        out["new"][i], out["new_nev"][i] = new, nev[0]
    return out


@pytest.mark.parametrize(("life", "shape"), [(5.0, 8.0), (14.5, 4.0), (40.0, 1.0)])
def test_cohort_convolution_equals_year_by_year_ageing(life: float, shape: float) -> None:
    """GIVEN a growing, then shrinking stock and a rising NEV share THEN the convolution form of
    run_cohorts gives the same series as ageing every cohort year by year (to 1e-9)."""
    years = np.arange(2000, 2080)
    stock = 1000.0 + 30.0 * np.minimum(years - 2000, 40) - 50.0 * np.maximum(years - 2050, 0)
    frac = logistic_share(years, 2025.0, 3.0, 1.0)
    surv = weibull_survival(np.arange(61), life, shape)
    got = run_cohorts(years, stock, surv, frac)
    ref = _cohorts_by_ageing(years, stock, surv, frac)
    for key in ref:
        assert got[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-9), key


def test_least_squares_finds_a_known_minimum() -> None:
    """GIVEN residuals of a logistic curve with mid-year 2021.3 and width 2.4 THEN the bounded
    fit recovers them; a bound below the optimum stops the fit on the bound."""
    from fleetopt.domain.transition import fit_least_squares

    t = np.arange(2010, 2031, dtype=float)
    data = logistic_share(t, 2021.3, 2.4, 1.0)

    def resid(p: np.ndarray) -> np.ndarray:
        return logistic_share(t, p[0], p[1], 1.0) - data

    x = fit_least_squares(resid, np.array([2025.0, 3.0]), np.array([2005, 0.5]),
                          np.array([2070, 25.0]))
    assert x == pytest.approx([2021.3, 2.4], abs=1e-6)
    capped = fit_least_squares(resid, np.array([2025.0, 3.0]), np.array([2005, 0.5]),
                               np.array([2070, 2.0]))
    assert capped[1] == pytest.approx(2.0)
