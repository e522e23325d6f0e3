"""Draw the scenario levers and apply them to a scenario dict; owns ``levers.<prefix>.*`` keys.

:func:`scenario_levers` draws the widgets and returns a plain :class:`Levers` value;
:func:`apply_levers` turns it into scenario keys (CONTRACT §4) without touching the
caller's dict. The physics and the meaning of each key stay in the library.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

import streamlit as st

from apps.components.language import current, t

#: Vehicle types of the plan, in display order.
VEHICLE_TYPES = ("bus", "taxi", "sanitation", "delivery")

#: Chinese names of the vehicle types.
TYPE_NAMES_ZH = {
    "bus": "公交车",
    "taxi": "出租车",
    "sanitation": "环卫车",
    "delivery": "物流配送车",
}

#: Conventional powertrain of each type that the battery-electric share replaces.
CONVENTIONAL = {"bus": "diesel", "taxi": "gasoline", "sanitation": "diesel", "delivery": "diesel"}

#: Generator of the embedded default demand per vehicle type.
GENERATOR_TYPE = {
    "beijing-bus": "bus",
    "beijing-taxi": "taxi",
    "beijing-sanitation": "sanitation",
    "beijing-delivery": "delivery",
}

#: Charging strategies (``[options] charging``).
CHARGING = ("immediate", "smart")

#: Lever ranges: winter temperature [°C] and fleet size relative to the embedded sample [%].
TEMPERATURE_RANGE_C = (-20, 40)
SIZE_RANGE_PCT = (5, 400)

__all__ = ["Levers", "apply_levers", "scenario_levers", "type_name"]


@dataclass(frozen=True)
class Levers:
    """The what-if levers of one scenario.

    Attributes
    ----------
    network : str or None
        Built-in road network name; None keeps the scenario's.
    ambient_temperature_c : float
        Outdoor temperature of the day [°C].
    bev_share_pct : dict
        Battery-electric share per vehicle type [%]; a type left out keeps its powertrains.
    charging : str
        ``immediate`` or ``smart``.
    size_pct : float or None
        Size of each generated fleet relative to the scenario's ``size`` [%] (100 = the
        embedded sample); None keeps the sizes.
    seed : int or None
        Seed of every random choice; None keeps the scenario's.
    """

    network: str | None = None
    ambient_temperature_c: float = 20.0
    bev_share_pct: dict[str, float] = field(default_factory=dict)
    charging: str = "immediate"
    size_pct: float | None = None
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the levers as a JSON-able dict."""
        return asdict(self)


def type_name(vehicle_type: str) -> str:
    """Return a vehicle type's name in the chosen language."""
    return TYPE_NAMES_ZH.get(vehicle_type, vehicle_type) if current() == "zh" else vehicle_type


def _fleet_type(fleet: dict[str, Any]) -> str | None:
    if "generator" in fleet:
        return GENERATOR_TYPE.get(str(fleet["generator"]))
    return fleet.get("type")


def apply_levers(raw: dict[str, Any], levers: Levers) -> dict[str, Any]:
    """Return a copy of scenario dict ``raw`` with ``levers`` applied.

    Parameters
    ----------
    raw : dict
        Scenario in TOML keys.
    levers : Levers
        The levers.

    Returns
    -------
    dict
        The new scenario dict. Each fleet whose type has a battery-electric share gets
        ``powertrain = {"bev": s, <conventional>: 1 - s}`` (the library re-assigns every
        non-exempt vehicle); a fleet of a trips file with several types gets the share of
        the first type listed; generator fleets with a ``size`` get ``size x size_pct / 100``
        vehicles (at least 1) when ``size_pct`` is set.
    """
    d = copy.deepcopy(raw)
    if levers.network:
        d["network"] = levers.network
    d["ambient_temperature_c"] = float(levers.ambient_temperature_c)
    if levers.seed is not None:
        d["seed"] = int(levers.seed)
    d.setdefault("options", {})["charging"] = levers.charging
    for fleet in d.get("fleets", []):
        vtype = _fleet_type(fleet)
        if vtype is None and levers.bev_share_pct:
            vtype = next(iter(levers.bev_share_pct))
        if vtype in levers.bev_share_pct:
            share = min(100.0, max(0.0, float(levers.bev_share_pct[vtype]))) / 100.0
            if share >= 1.0:
                fleet["powertrain"] = "bev"
            elif share <= 0.0:
                fleet["powertrain"] = CONVENTIONAL[vtype]
            else:
                fleet["powertrain"] = {
                    "bev": round(share, 4),
                    CONVENTIONAL[vtype]: round(1.0 - share, 4),
                }
        if levers.size_pct is not None and "generator" in fleet and "size" in fleet:
            fleet["size"] = max(1, round(int(fleet["size"]) * float(levers.size_pct) / 100.0))
    return d


def scenario_levers(
    prefix: str,
    *,
    networks: list[str],
    types: tuple[str, ...] = VEHICLE_TYPES,
    with_scale: bool = True,
    defaults: Levers | None = None,
) -> Levers:
    """Draw the levers and return their values.

    Parameters
    ----------
    prefix : str
        Namespace of this component's session_state keys (``levers.<prefix>.*``), so
        several lever sets can live on one page.
    networks : list of str
        Road network names offered (the first is the default).
    types : tuple of str
        Vehicle types that get a battery-electric share slider.
    with_scale : bool
        Offer the fleet-size slider (embedded default fleets only).
    defaults : Levers, optional
        Initial values.

    Returns
    -------
    Levers
    """
    d = defaults or Levers(
        bev_share_pct=dict.fromkeys(types, 100.0), size_pct=20.0 if with_scale else None
    )
    key = f"levers.{prefix}"
    network = st.selectbox(
        t("network"),
        networks,
        index=networks.index(d.network) if d.network in networks else 0,
        key=f"{key}.network",
    )
    temp = st.slider(
        t("temperature"),
        *TEMPERATURE_RANGE_C,
        value=int(d.ambient_temperature_c),
        step=1,
        key=f"{key}.temperature",
    )
    shares: dict[str, float] = {}
    for vtype in types:
        shares[vtype] = float(
            st.slider(
                t("bev_share", type=type_name(vtype)),
                0,
                100,
                value=int(d.bev_share_pct.get(vtype, 100.0)),
                step=5,
                key=f"{key}.bev.{vtype}",
            )
        )
    charging = st.selectbox(
        t("charging_strategy"), CHARGING, index=CHARGING.index(d.charging), key=f"{key}.charging"
    )
    scale = None
    if with_scale:
        scale = float(
            st.slider(
                t("fleet_scale"),
                *SIZE_RANGE_PCT,
                value=int(d.size_pct or 20),
                step=5,
                key=f"{key}.size",
            )
        )
    seed = int(
        st.number_input(
            t("seed"),
            min_value=0,
            max_value=2**31 - 1,
            value=int(d.seed or 0),
            step=1,
            key=f"{key}.seed",
        )
    )
    return Levers(
        network=network,
        ambient_temperature_c=float(temp),
        bev_share_pct=shares,
        charging=str(charging),
        size_pct=scale,
        seed=seed,
    )
