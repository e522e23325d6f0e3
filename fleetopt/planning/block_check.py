"""One block's day and its exact energy check (the rules of :mod:`fleetopt.planning.blocking`).

A block is a time-ordered chain of trips; :func:`timeline` lays out its day as segments
(pull-out, trips, deadheads, stands, pull-in, the night) and :func:`check_block` decides
exactly whether it runs on one vehicle under CONTRACT §9's rules: the smallest feasible
starting charge follows from a backward pass; charging as much as possible from there gives
the largest charge at the end of the day, and the block is feasible if and only if that is
at least the starting charge.

The check sees the day as the charging LP (:mod:`fleetopt.planning.charging_model`)
does, so that every block it accepts can close its day there: the layovers' idle draw
(:func:`with_idle`, the one definition the LP also uses), charging along the vehicle's
curve (:func:`usable_bands`, the LP's reading of it) and the part of each stay where
charging is planned (:func:`charge_span`: all of it when its ends are whole seconds).
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass

import numpy as np

from fleetopt.domain import charging as chg
from fleetopt.planning.problem import DAY_S, GroupProblem

__all__ = [
    "EPS",
    "WHOLE_S_TOL",
    "BlockCheck",
    "Segment",
    "charge_span",
    "check_block",
    "idle_kw",
    "idle_span",
    "timeline",
    "usable_bands",
    "with_idle",
]

#: A stay's end within this of a whole second is that whole second [s]: the float noise of
#: sums such as a departure less a deadhead (:func:`charge_span`). At 1,000 kW it is worth
#: 3e-8 kWh, below the simulator start's margin
#: (:data:`fleetopt.planning.charging_model.SOC_MARGIN_KWH`).
WHOLE_S_TOL = 1e-7

#: Tolerance of the time and energy comparisons [s or kWh].
EPS = 1e-6
_EPS = EPS


@dataclass(frozen=True)
class Segment:
    """One piece of a block's day.

    Attributes
    ----------
    kind : str
        ``drive`` (a trip, ``trip`` >= 0, or a deadhead, ``trip`` = -1) or ``stay``.
    start_s, end_s : float
        Time span [s] (a night stay may end after 24 h: the next day's pull-out).
    kwh : float
        Battery energy of a drive [kWh] (0 for a stay).
    km : float
        Distance of a drive [km].
    station : int
        Station index of a stay where the vehicle can charge (-1 otherwise).
    trip : int
        Trip index of a revenue drive, -1 otherwise.
    night : bool
        True for the stay that closes the cyclic day.
    """

    kind: str
    start_s: float
    end_s: float
    kwh: float = 0.0
    km: float = 0.0
    station: int = -1
    trip: int = -1
    night: bool = False


@dataclass(frozen=True)
class BlockCheck:
    """The verdict on one block.

    Attributes
    ----------
    feasible : bool
        True when the block runs under the plan's rules.
    reason : str
        Why not (empty when feasible).
    start_kwh : float
        Smallest feasible charge at pull-out [kWh] (NaN when infeasible).
    """

    feasible: bool
    reason: str
    start_kwh: float


def _dh(gp: GroupProblem, a_place: int, b_place: int) -> tuple[float, float]:
    return float(gp.dh_s[a_place, b_place]), float(gp.dh_km[a_place, b_place])


def timeline(gp: GroupProblem, trips: list[int], depot: int) -> list[Segment] | str:
    """Return a block's day as segments, or the reason it cannot be timed.

    Parameters
    ----------
    gp : GroupProblem
        The group.
    trips : list of int
        Trip indices in time order.
    depot : int
        Depot station index (-1: none).

    Returns
    -------
    list of Segment or str
        The segments from pull-out to the next pull-out, or a reason.
    """
    if not trips:
        return []
    segs: list[Segment] = []
    kpk = gp.kwh_per_km_dh
    first, last = trips[0], trips[-1]
    tid = gp.trip_ids
    t_out = gp.dep_s[first]
    if depot >= 0:
        s, km = _dh(gp, int(gp.station_place[depot]), int(gp.start_place[first]))
        if not math.isfinite(s):
            return f"no road from depot {gp.station_ids[depot]} to trip {tid[first]}"
        t_out = gp.dep_s[first] - s
        if km > 0 or s > 0:
            segs.append(Segment("drive", t_out, gp.dep_s[first], kwh=km * kpk, km=km))
    for k, i in enumerate(trips):
        segs.append(
            Segment(
                "drive", gp.dep_s[i], gp.arr_s[i], kwh=float(gp.drive_kwh[i]), km=gp.km[i], trip=i
            )
        )
        if k + 1 == len(trips):
            break
        j = trips[k + 1]
        s, km = _dh(gp, int(gp.end_place[i]), int(gp.start_place[j]))
        leave = gp.dep_s[j] - s
        if not math.isfinite(s) or leave < gp.arr_s[i] - _EPS:
            return f"trip {tid[j]} departs before the vehicle can reach it after trip {tid[i]}"
        st = int(gp.end_station[i])
        if leave > gp.arr_s[i]:
            segs.append(Segment("stay", gp.arr_s[i], leave, station=st if _can(gp, st) else -1))
        if km > 0 or s > 0:
            segs.append(Segment("drive", leave, gp.dep_s[j], kwh=km * kpk, km=km))
    t_in = gp.arr_s[last]
    night_st = int(gp.end_station[last])
    if depot >= 0:
        s, km = _dh(gp, int(gp.end_place[last]), int(gp.station_place[depot]))
        if not math.isfinite(s):
            return f"no road from trip {tid[last]} to depot {gp.station_ids[depot]}"
        if km > 0 or s > 0:
            segs.append(Segment("drive", t_in, t_in + s, kwh=km * kpk, km=km))
        t_in += s
        night_st = depot
    end = t_out + DAY_S
    if end > t_in:
        segs.append(
            Segment("stay", t_in, end, station=night_st if _can(gp, night_st) else -1, night=True)
        )
    return segs


def _whole(t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Return the nearest whole second of ``t`` and whether ``t`` is that second [s]."""
    r = np.round(np.asarray(t, float))
    return r, np.abs(np.asarray(t, float) - r) <= WHOLE_S_TOL


def charge_span(
    start_s: np.ndarray | float, end_s: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the part of stays where the plan charges: (start, end) [s].

    CONTRACT §9: a stay at a station can be used for charging in any part of it. The
    simulator check replays the planned blocks from a trips file, whose times are whole
    seconds (``HH:MM[:SS]``, :func:`fleetopt.units.format_clock`), and its own deadhead
    times, equal to the plan's up to float rounding. So an end that is a whole second (a
    trip's arrival or departure from the input) is kept as it is, and only a fractional
    end (after or before a deadhead of the road graph) is rounded inward to the whole
    second (start up, end down): the simulator's stay always covers the planned part, and
    a stay between whole-second times is used over its whole span. An empty part (a stay
    shorter than its rounding) has end = start.
    """
    a_r, a_w = _whole(start_s)
    b_r, b_w = _whole(end_s)
    a = np.where(a_w, a_r, np.ceil(np.asarray(start_s, float)))
    b = np.where(b_w, b_r, np.floor(np.asarray(end_s, float)))
    return a, np.maximum(a, b)


def idle_span(start_s: float, end_s: float) -> float:
    """Return the length of a layover as the idle draw counts it [s].

    The part of :func:`charge_span` turned outward (start down, end up, whole-second ends
    as they are): never shorter than the simulator's layover, and exactly the layover
    between whole-second times.
    """
    a_r, a_w = _whole(start_s)
    b_r, b_w = _whole(end_s)
    a = float(a_r) if bool(a_w) else math.floor(start_s)
    b = float(b_r) if bool(b_w) else math.ceil(end_s)
    return max(0.0, b - a)


def _can(gp: GroupProblem, st: int) -> bool:
    return st >= 0 and gp.rate_kw[st] > 0


def idle_kw(gp: GroupProblem) -> float:
    """Off-plug draw of a layover as the simulator counts it (0 for the constant model) [kW]."""
    spec = gp.spec
    if not gp.battery or spec.energy_model == "constant" or spec.kwh_per_km <= 0:
        return 0.0
    return float(spec.idle_kw) * gp.kwh_per_km_dh / spec.kwh_per_km  # x temperature factor


def with_idle(segs: list[Segment], kw: float) -> list[Segment]:
    """Put each layover's idle draw as a zero-length drive at its end.

    The simulator draws ``idle_kw`` from the end of a layover's last charge to its end,
    booked when the vehicle leaves (:meth:`fleetopt.simulation.kernel.Model.vehicle`); the
    plan draws it for the whole layover (:func:`idle_span`: a fractional end rounded
    outward to the whole second), at the same moment: never less, so a vehicle following
    the schedule holds at least the planned charge at every trip (a charge from a higher
    state of charge ends higher, whatever the curve). Where a layover charges, the plan's
    idle energy is high by the time plugged; the simulator then charges up to that much
    less (replay keys ``idle_kwh`` and ``simulator_idle_kwh``). The charging LP and
    :func:`check_block` both use this.
    """
    if kw <= 0:
        return segs
    out: list[Segment] = []
    for sg in segs:
        out.append(sg)
        if sg.kind == "stay" and not sg.night and sg.end_s > sg.start_s:
            kwh = kw * idle_span(sg.start_s, sg.end_s) / 3600.0
            out.append(Segment("drive", sg.end_s, sg.end_s, kwh=kwh))
    return out


def usable_bands(
    knees_soc: tuple[float, ...], fracs: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Return a charging curve's usable bands: upper knees [-] and power fractions [-].

    Bands after the first zero fraction are dropped (the battery cannot get past it).
    Fractions that rise with the state of charge would make the charging time non-convex;
    such a curve is read as constant at its smallest fraction (slower, so still
    deliverable).
    """
    knees = np.asarray(knees_soc, float)
    fr = np.asarray(fracs, float)
    pos = np.flatnonzero(fr <= 0)
    if pos.size:
        knees, fr = knees[: pos[0]], fr[: pos[0]]
    if fr.size == 0:
        return np.array([0.0]), np.array([0.0])
    if np.any(np.diff(fr) > 0):
        return np.array([knees[-1]]), np.array([float(fr.min())])
    return knees, fr


class _Charger:
    """Charging along the usable bands of a curve, for a battery of ``cap_kwh``.

    ``T(E)`` is the time from empty to ``E`` kWh, in kWh at full power (hours x full kW);
    a stay that gives ``x`` kWh at full power takes the charge from ``E`` to
    ``T^-1(T(E) + x)``.
    """

    def __init__(self, curve: str, cap_kwh: float) -> None:
        crv = chg.curve(curve)
        knees, fr = usable_bands(crv.knees_soc, crv.fracs)
        self.top = float(knees[-1]) * cap_kwh if fr[-1] > 0 else 0.0
        e = np.r_[0.0, knees * cap_kwh]
        t = np.r_[0.0, np.cumsum(np.diff(e) / np.where(fr > 0, fr, np.inf))]
        self.e: list[float] = e.tolist()
        self.t: list[float] = t.tolist()
        self.fr: list[float] = fr.tolist()
        self.f0: float = self.fr[0]
        self.flat = fr.size == 1

    def time(self, e: float) -> float:
        i = min(max(bisect.bisect_right(self.e, e) - 1, 0), len(self.fr) - 1)
        return self.t[i] + (e - self.e[i]) / self.fr[i]

    def energy(self, t: float) -> float:
        if t <= 0:
            return 0.0
        if t >= self.t[-1]:
            return self.top
        i = min(bisect.bisect_right(self.t, t) - 1, len(self.fr) - 1)
        return self.e[i] + (t - self.t[i]) * self.fr[i]

    def forward(self, e: float, kwh_full: float) -> float:
        """Charge after a stay that would give ``kwh_full`` at full power, from ``e``."""
        if kwh_full <= 0 or e >= self.top:
            return e
        if self.flat:
            return min(self.top, e + kwh_full * self.f0)
        return self.energy(self.time(e) + kwh_full)

    def backward(self, e: float, kwh_full: float) -> float:
        """Smallest charge before such a stay that ends it with at least ``e``."""
        if kwh_full <= 0:
            return e
        if e > self.top:
            return e
        if self.flat:
            return e - kwh_full * self.f0
        return self.energy(self.time(e) - kwh_full)


@functools.lru_cache(maxsize=64)
def _charger_of(curve: str, cap_kwh: float) -> _Charger:
    return _Charger(curve, cap_kwh)


def charger(gp: GroupProblem) -> _Charger:
    """Return the group's charger (its curve and battery), built once per curve and size."""
    return _charger_of(gp.spec.charging_curve, float(gp.cap_kwh))


def check_block(gp: GroupProblem, trips: list[int], depot: int) -> BlockCheck:
    """Decide exactly whether a block runs (energy, reserve, cyclic day).

    Parameters
    ----------
    gp : GroupProblem
        The group.
    trips : list of int
        Trip indices in time order.
    depot : int
        Depot station index (-1: none).

    Returns
    -------
    BlockCheck
    """
    segs = timeline(gp, trips, depot)
    if isinstance(segs, str):
        return BlockCheck(False, segs, math.nan)
    if not gp.battery:
        return BlockCheck(True, "", 0.0)
    segs = with_idle(segs, idle_kw(gp))
    ch = charger(gp)
    cap, lo = gp.cap_kwh, gp.min_kwh
    tid = gp.trip_ids
    # backward: smallest charge needed before each segment
    need = lo
    for sg in reversed(segs):
        if sg.kind == "drive":
            need += sg.kwh
            if need > cap + _EPS:
                what = f"trip {tid[sg.trip]}" if sg.trip >= 0 else "a deadhead"
                return BlockCheck(
                    False,
                    f"{what} and what follows until the next charge need {need:.1f} kWh, more "
                    f"than the battery's {cap:.1f} kWh",
                    math.nan,
                )
        elif sg.night:
            continue
        else:
            need = max(lo, ch.backward(need, _charge_kwh(gp, sg)))
    start = need
    soc = start
    for sg in segs:
        if sg.kind == "drive":
            soc -= sg.kwh
        else:
            soc = min(cap, ch.forward(soc, _charge_kwh(gp, sg)))
    if soc < start - _EPS:
        return BlockCheck(
            False,
            f"the day ends with {soc:.1f} kWh, below the {start:.1f} kWh it must start with "
            "(not enough charging time at stations and the depot)",
            math.nan,
        )
    return BlockCheck(True, "", start)


def _charge_kwh(gp: GroupProblem, sg: Segment) -> float:
    """Energy a stay gives at full power over its :func:`charge_span` [kWh]."""
    if sg.station < 0:
        return 0.0
    a, b = charge_span(sg.start_s, sg.end_s)
    return float(gp.rate_kw[sg.station]) * float(b - a) / 3600.0
