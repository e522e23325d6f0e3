"""PV on transport infrastructure (plan §(16)): technical potential on depots and yards.

Irradiation: pvlib's Ineichen-Perez clear sky with the bundled Linke turbidity climatology,
summed per month (``generated_pv_clearsky_beijing.csv``, made by
:mod:`fleetopt.results.targets._pv_generate`), times a monthly all-sky / clear-sky ratio
from Beijing's sunshine hours by Angstrom-Prescott with the FAO-56 coefficients:
``k = (a + b n/N) / (a + b)`` with ``n`` the month's sunshine hours and ``N`` its
astronomical day length (FAO-56 eq. 34). Modules lie flat (no tilt gain: a low estimate
for tilted roofs).

Potential capacity = sum over site classes of sites x roof area x PV coverage x module
efficiency x 1 kW/m2; energy = capacity x annual irradiation x performance ratio. Every
input is a row of ``pv_transport.csv`` with a low/high range; the band puts all inputs at
their low and at their high ends together.

The plan gives no quantity for this target ("build"), and no figure of the PV already
built on Beijing's transport infrastructure was found, so the row stays ``no_data`` with
the potential in its trace and reason (compared with the plan's §(13) solar and wind goals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from fleetopt import defaults
from fleetopt.results.targets._common import _trace

#: Site classes of ``pv_transport.csv``.
SITE_CLASSES = ("metro_depot", "bus_yard", "service_area")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@cache
def _params() -> dict[tuple[str, str, str], float]:
    t = defaults.load_table("pv_transport")
    return {
        (str(r.site), str(r.name), col): float(getattr(r, col))
        for r in t.itertuples(index=False)
        for col in ("value", "low", "high")
    }


def _p(site: str, name: str, col: str = "value") -> float:
    try:
        return _params()[(site, name, col)]
    except KeyError:
        msg = f"pv_transport.csv has no row {site}/{name}"
        raise KeyError(msg) from None


def day_length_h(lat_deg: float, day_of_year: np.ndarray) -> np.ndarray:
    """Return the astronomical day length [h] (FAO-56 eqs. 24, 25 and 34).

    Parameters
    ----------
    lat_deg : float
        Latitude [deg].
    day_of_year : numpy.ndarray
        Day of the year, 1-365.
    """
    phi = math.radians(lat_deg)
    delta = 0.409 * np.sin(2 * np.pi * np.asarray(day_of_year, float) / 365.0 - 1.39)
    ws = np.arccos(np.clip(-np.tan(phi) * np.tan(delta), -1.0, 1.0))
    return np.asarray(24.0 / np.pi * ws, float)


def monthly_clearness(col: str = "value") -> np.ndarray:
    """Return the all-sky / clear-sky irradiation ratio per month, Jan-Dec [-]."""
    a, b = _p("all", "angstrom_a", col), _p("all", "angstrom_b", col)
    lat = _p("all", "latitude_deg")
    doy = np.arange(1, 366)
    dl = day_length_h(lat, doy)
    month_end = np.cumsum(_DAYS_IN_MONTH)
    starts = np.concatenate([[0], month_end[:-1]])
    n_max = np.array([dl[s:e].sum() for s, e in zip(starts, month_end, strict=True)])
    sun = np.array([_p(f"month_{m:02d}", "sunshine_hours", col) for m in range(1, 13)])
    return np.asarray((a + b * np.clip(sun / n_max, 0.0, 1.0)) / (a + b), float)


def clearsky_kwh_per_m2() -> np.ndarray:
    """Return the clear-sky horizontal irradiation per month, Jan-Dec [kWh/m2] (pvlib table)."""
    t = defaults.load_table("generated_pv_clearsky_beijing").sort_values("month")
    return np.asarray(t["value"].to_numpy(float))


@dataclass(frozen=True)
class PvPotential:
    """PV potential of transport infrastructure at one end of the input ranges."""

    capacity_mw: float
    irradiation_kwh_per_m2_yr: float
    yield_kwh_per_kwp_yr: float
    energy_gwh_yr: float
    capacity_by_site_mw: dict[str, float]


def pv_potential(col: str = "value") -> PvPotential:
    """Return the PV potential with every input at ``col`` (value, low or high) of its range."""
    area_share = _p("all", "pv_coverage_frac", col) * _p("all", "module_efficiency", col)
    by_site = {
        s: _p(s, "sites", col) * _p(s, "roof_area_m2", col) * area_share / 1000.0  # kW/m2 -> MW
        for s in SITE_CLASSES
    }
    irr = float((clearsky_kwh_per_m2() * monthly_clearness(col)).sum())
    yld = irr * _p("all", "performance_ratio", col)
    cap = sum(by_site.values())
    return PvPotential(cap, irr, yld, cap * yld / 1000.0, by_site)


def pv_trace_and_reason() -> tuple[list[dict[str, Any]], str]:
    """Return the PV row's trace and its ``no_data`` reason (with the potential's numbers)."""
    mid, lo, hi = (pv_potential(c) for c in ("value", "low", "high"))
    g25, g30 = _p("all", "solar_wind_goal_2025_mw"), _p("all", "solar_wind_goal_2030_mw")
    trace = [
        _trace(
            "pv_potential_mw",
            mid.capacity_mw,
            "MW",
            f"fleetopt.results.targets.pv (band {lo.capacity_mw:.0f}-{hi.capacity_mw:.0f} MW)",
        ),
        _trace(
            "pv_energy_gwh_per_yr",
            mid.energy_gwh_yr,
            "GWh/yr",
            f"capacity x yield (band {lo.energy_gwh_yr:.0f}-{hi.energy_gwh_yr:.0f} GWh/yr)",
        ),
        _trace(
            "horizontal_irradiation_kwh_per_m2_yr",
            mid.irradiation_kwh_per_m2_yr,
            "kWh/m2/yr",
            "pvlib Ineichen clear sky (generated_pv_clearsky_beijing.csv) x Angstrom-Prescott "
            f"clearness from sunshine hours (band {lo.irradiation_kwh_per_m2_yr:.0f}-"
            f"{hi.irradiation_kwh_per_m2_yr:.0f})",
        ),
        _trace(
            "yield_kwh_per_kwp_yr",
            mid.yield_kwh_per_kwp_yr,
            "kWh/kWp/yr",
            "irradiation x performance ratio, flat modules",
        ),
        _trace(
            "share_of_solar_wind_goal_2025",
            100.0 * mid.capacity_mw / g25,
            "percent",
            f"potential / {g25:.0f} MW (plan §(13), 2025)",
        ),
        _trace(
            "share_of_solar_wind_goal_2030",
            100.0 * mid.capacity_mw / g30,
            "percent",
            f"potential / {g30:.0f} MW (plan §(13), 2030)",
        ),
    ]
    t = defaults.load_table("pv_transport")
    for r in t[~t.site.str.startswith("month_")].itertuples(index=False):
        if str(r.name).startswith("solar_wind_goal"):
            continue
        rng = f" (range {r.low:g}-{r.high:g})" if r.low != r.high else ""
        trace.append(_trace(f"{r.site}.{r.name}", float(r.value), str(r.unit), f"{r.source}{rng}"))
    for s in SITE_CLASSES:
        trace.append(
            _trace(
                f"{s}.pv_potential_mw",
                mid.capacity_by_site_mw[s],
                "MW",
                "sites x area x coverage x efficiency",
            )
        )
    sun = t[t.site.str.startswith("month_")]
    trace.append(
        _trace(
            "sunshine_hours_per_yr",
            float(sun.value.sum()),
            "h",
            f"{sun.iloc[0].source} (range {sun.low.sum():.0f}-{sun.high.sum():.0f})",
        )
    )
    reason = (
        "the plan gives no quantity for PV on transport infrastructure ('build' on qualifying "
        "depots, bus yards, parking, service areas) and no figure of what is built was found, so "
        f"no status can be judged; the technical potential is {mid.capacity_mw:.0f} MW "
        f"(band {lo.capacity_mw:.0f}-{hi.capacity_mw:.0f}), {mid.energy_gwh_yr:.0f} GWh/yr, "
        f"{100 * mid.capacity_mw / g25:.1f} % of the plan's 2025 solar and wind goal of "
        f"{g25:.0f} MW (§(13)); see the trace"
    )
    return trace, reason
