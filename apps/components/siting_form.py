"""Draw the siting model's settings and return them as a plain value; owns ``siting.<prefix>.*`` keys."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import streamlit as st

from apps.components.language import t

#: Settings each model uses (the others are hidden): p, budget, service level.
USES: dict[str, tuple[str, ...]] = {
    "p-median": ("p",), "pmedian": ("p",), "p-center": ("p",), "pcenter": ("p",),
    "max-coverage": ("p", "budget"), "maxcover": ("p", "budget"), "set-cover": ("service",),
    "fixed-charge": ("budget",), "ufl": ("budget",), "cfl": ("budget", "service"),
    "capacitated": ("budget", "service"), "service-level": ("service",),
}

#: Ranges: p, time limit [s], service level [%].
P_RANGE = (1, 200)
TIME_LIMIT_RANGE_S = (1, 600)
SERVICE_RANGE_PCT = (50, 100)

__all__ = ["SitingForm", "siting_form"]


@dataclass(frozen=True)
class SitingForm:
    """Settings of one siting solve.

    Attributes
    ----------
    network : str
        Built-in road network name.
    model : str
        Siting model name (as the library names it).
    p : int
        Number of new sites.
    budget_cny : float or None
        Budget [CNY]; None when the model has none.
    service_level_pct : float or None
        Share of demand to cover or serve within the wait target [%].
    time_limit_s : float
        Solver time limit [s].
    """

    network: str
    model: str
    p: int = 10
    budget_cny: float | None = None
    service_level_pct: float | None = None
    time_limit_s: float = 20.0

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-able dict."""
        return asdict(self)


def siting_form(prefix: str, *, networks: list[str], models: list[str]) -> SitingForm:
    """Draw the settings; return them.

    Parameters
    ----------
    prefix : str
        Namespace of the session_state keys (``siting.<prefix>.*``).
    networks : list of str
        Road networks offered (first = default).
    models : list of str
        Models the library offers (first = default).

    Returns
    -------
    SitingForm
    """
    key = f"siting.{prefix}"
    network = st.selectbox(t("network"), networks, key=f"{key}.network")
    model = st.selectbox(t("model"), models, key=f"{key}.model")
    uses = USES.get(str(model), ("p", "budget", "service"))
    p = int(st.number_input(t("p_sites"), *P_RANGE, value=10, step=1, key=f"{key}.p")) if "p" in uses else 10
    budget = None
    if "budget" in uses:
        budget = float(st.number_input(t("budget"), min_value=0.0, value=50_000_000.0, step=1_000_000.0,
                                       format="%.0f", key=f"{key}.budget"))
    service = None
    if "service" in uses:
        service = float(st.slider(t("service_level"), *SERVICE_RANGE_PCT, value=95, key=f"{key}.service"))
    limit = float(st.slider(t("time_limit"), *TIME_LIMIT_RANGE_S, value=20, key=f"{key}.time_limit"))
    return SitingForm(network=str(network), model=str(model), p=p, budget_cny=budget,
                      service_level_pct=service, time_limit_s=limit)
