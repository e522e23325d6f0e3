"""Draw the siting settings and return them as a plain value; owns ``siting.<prefix>.*`` keys."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import streamlit as st

from apps.components.language import t

#: Settings each model uses: p (new sites) and the coverage radius (service level).
USES: dict[str, tuple[str, ...]] = {
    "p-median": ("p",),
    "p-center": ("p",),
    "max-coverage": ("p", "radius"),
    "set-cover": ("radius",),
}

#: Demand sources: the session's last fleet simulation, or the embedded default fleets.
DEMAND_SOURCES = ("simulation", "default")

#: Ranges: p, coverage radius [min], time limit [s], candidate count.
P_RANGE = (1, 100)
RADIUS_RANGE_MIN = (1, 30)
TIME_LIMIT_RANGE_S = (1, 300)
CANDIDATES_RANGE = (50, 2000)

__all__ = ["DEMAND_SOURCES", "USES", "SitingForm", "siting_form"]


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
    radius_min : float or None
        Coverage radius, travel time on the road graph [min]; None when the model has none.
    time_limit_s : float
        Solver time limit [s].
    n_candidates : int
        Number of candidate sites drawn from the road graph.
    demand : str
        ``simulation`` (the last fleet run of this session) or ``default``.
    """

    network: str
    model: str
    p: int = 10
    radius_min: float | None = None
    time_limit_s: float = 20.0
    n_candidates: int = 300
    demand: str = "default"

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-able dict."""
        return asdict(self)


def siting_form(
    prefix: str, *, networks: list[str], models: list[str], has_simulation: bool
) -> SitingForm:
    """Draw the settings; return them.

    Parameters
    ----------
    prefix : str
        Namespace of the session_state keys (``siting.<prefix>.*``).
    networks : list of str
        Road networks offered (first = default).
    models : list of str
        Models offered (first = default).
    has_simulation : bool
        Whether this session has a fleet run to take the demand from.

    Returns
    -------
    SitingForm
    """
    key = f"siting.{prefix}"
    sources = DEMAND_SOURCES if has_simulation else DEMAND_SOURCES[1:]
    demand = st.radio(
        t("demand"),
        sources,
        key=f"{key}.demand",
        format_func=lambda s: t("demand_simulation") if s == "simulation" else t("source_default"),
    )
    network = st.selectbox(
        t("network"), networks, key=f"{key}.network", disabled=demand == "simulation"
    )
    model = st.selectbox(t("model"), models, key=f"{key}.model")
    uses = USES.get(str(model), ("p", "radius"))
    p = (
        int(st.number_input(t("p_sites"), *P_RANGE, value=10, step=1, key=f"{key}.p"))
        if "p" in uses
        else 10
    )
    radius = None
    if "radius" in uses:
        radius = float(st.slider(t("radius"), *RADIUS_RANGE_MIN, value=5, key=f"{key}.radius"))
    n_cand = int(
        st.slider(t("candidates"), *CANDIDATES_RANGE, value=300, step=50, key=f"{key}.candidates")
    )
    limit = float(
        st.slider(t("time_limit"), *TIME_LIMIT_RANGE_S, value=20, key=f"{key}.time_limit")
    )
    return SitingForm(
        network=str(network),
        model=str(model),
        p=p,
        radius_min=radius,
        time_limit_s=limit,
        n_candidates=n_cand,
        demand=str(demand),
    )
