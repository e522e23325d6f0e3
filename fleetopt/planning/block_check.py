"""One block's day and its exact energy check (the rules of :mod:`fleetopt.planning.blocking`).

A block is a time-ordered chain of trips; :func:`timeline` lays out its day as segments
(pull-out, trips, deadheads, stands, pull-in, the night) and :func:`check_block` decides
exactly whether it runs on one vehicle under CONTRACT §9's rules: the smallest feasible
starting charge follows from a backward pass; charging as much as possible from there gives
the largest charge at the end of the day, and the block is feasible if and only if that is
at least the starting charge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fleetopt.planning.problem import DAY_S, GroupProblem

__all__ = ["EPS", "BlockCheck", "Segment", "check_block", "timeline"]

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


def _can(gp: GroupProblem, st: int) -> bool:
    return st >= 0 and gp.rate_kw[st] > 0


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
            need = max(lo, need - _charge_kwh(gp, sg))
    start = need
    soc = start
    for sg in segs:
        if sg.kind == "drive":
            soc -= sg.kwh
        else:
            soc = min(cap, soc + _charge_kwh(gp, sg))
    if soc < start - _EPS:
        return BlockCheck(
            False,
            f"the day ends with {soc:.1f} kWh, below the {start:.1f} kWh it must start with "
            "(not enough charging time at stations and the depot)",
            math.nan,
        )
    return BlockCheck(True, "", start)


def _charge_kwh(gp: GroupProblem, sg: Segment) -> float:
    if sg.station < 0:
        return 0.0
    return float(gp.rate_kw[sg.station]) * (sg.end_s - sg.start_s) / 3600.0
