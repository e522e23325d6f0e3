"""Columns and rows of the charging LP, and the plug windows that realise its answer.

Also the vehicles' parts (:func:`parts`: vehicles that share no station are solved apart)
and the stations a driving vehicle must have a plug at (:func:`sole_stations`).

The plan's charging schedule must hold minute by minute in the simulator
(:mod:`fleetopt.simulation.scheduled`), which plugs a vehicle into one plug for an interval
of time and charges it along its charging curve. So the LP is built on what a plug can do:

* **Elementary intervals.** At each station, time on the cyclic day is cut at every start
  and end of a charging stay there, at the clock hours where the price changes (the tariff's
  price is hourly, so a piece has one price; every hour unless told otherwise) and,
  when a grid limit or a demand charge needs per-step rows, at every step. Inside one such
  interval the stays present at the station are present for all of it, so "plug time of the
  vehicles <= plugs x the interval's length" is exactly the condition for a preemptive
  schedule on the plugs (McNaughton's wrap-around rule, :func:`plug_windows`: every vehicle
  gets at most two windows, on two plugs, never at the same time). Each (stay, interval) is
  one charge column ``q`` [kWh, battery side] with a plug-time column ``t`` [h].
* **Charging curve.** The time a curve needs to charge from ``E0`` to ``E1`` is
  ``T(E1) - T(E0)``, where ``T`` (hours from empty) is convex and piecewise linear when the
  curve's power fractions do not rise with the state of charge (``taper``:
  ``T(E) = max_i (A_i + E / (f_i kW))``). The state of charge after each column is a
  column ``c`` of a per-stay chain, and the rows ``A_i + c_k / (f_i kW) - L_j(c_{k-1}) <= t_k``
  (one per band ``i``) with ``L_j`` the line of band ``j`` (a tangent of ``T``, so
  ``L_j <= T``) guarantee ``T(c_k) - T(c_{k-1}) <= t_k``: whatever the LP plans, the real
  curve delivers in the plug time. They are exact when ``c_{k-1}`` lies in band ``j``; the
  planner starts with the bands of the chord relaxation's answer (``chord`` in
  :meth:`Model.curve_rows`: ``T(c_{k-1})`` replaced by its chord, which lies above it, a
  relaxation that also gives the honest bound) and moves ``j`` to the band of the
  solution's ``c_{k-1}`` (:meth:`Model.tangents_of`), which keeps the previous solution
  feasible.
  A ``constant`` curve has the one row ``q_k <= kW t_k``.
* **Reserve.** The solver meets the reserve to its feasibility tolerance (1e-7); the start
  charge handed to the simulator (:meth:`Model.soc_at`) is raised by whatever the planned
  day, added up in floating point as the simulator does, dips below the reserve, plus
  :data:`SOC_MARGIN_KWH`, so rounding never makes the simulator's trip check fail.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from fleetopt.domain import charging as chg
from fleetopt.planning.block_check import Segment, charge_span, usable_bands
from fleetopt.planning.problem import DAY_S

__all__ = [
    "SOC_MARGIN_KWH",
    "Model",
    "VehicleDay",
    "parts",
    "plug_windows",
    "sim_times",
    "sole_stations",
]

#: The simulator starts this far above the planned charge where the battery has room
#: [kWh]: covers floating-point rounding of the day's sums (the simulator's trip check
#: allows 1e-12 of the battery).
SOC_MARGIN_KWH = 1.0e-6

_EPS_S = 1.0e-6


@dataclass
class VehicleDay:
    """One vehicle's day as the LP sees it.

    Attributes
    ----------
    vehicle_id : str
        Block id.
    vehicle_type : str
        Its type.
    segments : list of Segment
        Drives and stays from pull-out to the next pull-out (off-plug idle draw of a layover
        is a zero-length drive with ``trip = -1`` and ``km = 0`` at the layover's start).
    rate_kw : numpy.ndarray
        Battery-side full charging power per station [kW].
    efficiency : float
        Charge efficiency (grid energy = battery energy / efficiency) [-].
    cap_kwh, min_kwh : float
        Battery size and reserve [kWh].
    curve_knees, curve_fracs : tuple of float
        The charging curve (:class:`fleetopt.domain.charging.Curve`); constant by default.

    Charging uses each stay's :func:`~fleetopt.planning.block_check.charge_span` (all of
    it between whole-second times).
    """

    vehicle_id: str
    vehicle_type: str
    segments: list[Segment]
    rate_kw: np.ndarray
    efficiency: float
    cap_kwh: float
    min_kwh: float
    curve_knees: tuple[float, ...] = (1.0,)
    curve_fracs: tuple[float, ...] = (1.0,)

    def bands(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the curve's usable bands: upper knees [-] and power fractions [-].

        The same reading as the re-blocking's check (:func:`usable_bands`).
        """
        return usable_bands(self.curve_knees, self.curve_fracs)

    def curve(self) -> chg.Curve:
        """Return the charging curve as the kernel uses it."""
        return chg.Curve(tuple(self.curve_knees), tuple(self.curve_fracs))


def _band_offsets(knees: np.ndarray, fracs: np.ndarray) -> np.ndarray:
    """``a_i`` with ``T(E) = max_i (C/kW) a_i + E / (f_i kW)`` (``a_1 = 0``) [-]."""
    a = np.zeros(fracs.size)
    for i in range(1, fracs.size):
        a[i] = a[i - 1] + knees[i - 1] * (1.0 / fracs[i - 1] - 1.0 / fracs[i])
    return a


def _breakpoints(
    starts: np.ndarray,
    ends: np.ndarray,
    t0_s: float,
    step_s: float,
    steps: bool,
    cut_hours: np.ndarray,
) -> np.ndarray:
    """Cut points of a station's cyclic day [t0, t0 + 24 h), sorted."""
    hours = np.asarray(cut_hours, float)
    cuts = t0_s + np.mod(hours * 3600.0 - t0_s, DAY_S)
    pts = [np.array([t0_s]), cuts]
    if steps:
        pts.append(t0_s + step_s * np.arange(round(DAY_S / step_s)))
    pts += [t0_s + np.mod(starts - t0_s, DAY_S), t0_s + np.mod(ends - t0_s, DAY_S)]
    b = np.unique(np.concatenate(pts))
    b = b[(b >= t0_s) & (b < t0_s + DAY_S - _EPS_S)]
    keep = np.r_[True, np.diff(b) > _EPS_S]
    return b[keep]


@dataclass
class Model:
    """The vehicles' part of the LP (COO), with the charge pieces it is built on.

    Column layout: state of charge at segment boundaries, then ``q`` (one per piece), ``t``
    (one per piece), then the chain ``c`` (one per piece of a vehicle with a tapering curve).
    """

    n_cols: int
    col_lb: np.ndarray
    col_ub: np.ndarray
    n_rows: int
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    # per piece
    q_col: np.ndarray
    t_col: np.ndarray
    q_station: np.ndarray
    q_elem: np.ndarray  # elementary interval id (global over stations)
    q_slot: np.ndarray  # step of the piece's start on the cyclic day
    q_rate: np.ndarray
    q_eff: np.ndarray
    q_start: np.ndarray  # start on the vehicle's own day [s]
    q_over: np.ndarray  # length [s]
    q_vehicle: np.ndarray
    q_prev: np.ndarray  # column of the state of charge before the piece
    q_chain: np.ndarray  # column of the state of charge after it (-1: constant curve)
    q_seg: np.ndarray  # segment of the piece (index over all vehicles' segments)
    q_night: np.ndarray  # the piece is in the night stay
    soc_first: np.ndarray  # per vehicle: its first state-of-charge column
    seg_first: np.ndarray  # per vehicle: the index of its first segment
    cyclic_row0: int  # the first vehicle's cyclic-day row (one per vehicle, in order)
    # tapering pieces: their band table
    taper: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    bands: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    cap: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # per piece: the most charge the vehicle can hold after it [kWh] (:func:`_soc_ceiling`)
    q_ceiling: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # per piece: the most charge the vehicle can hold before it [kWh]
    q_ceiling_before: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def build(
        cls,
        vehicles: list[VehicleDay],
        t0_s: float,
        step_s: float,
        steps: bool,
        cut_hours: np.ndarray | None = None,
    ) -> Model:
        """Build the pieces, the state-of-charge rows and the chain (module docstring).

        ``cut_hours`` are the clock hours where the day is cut (default: all 24; the
        planner passes the hours where the tariff's price changes).
        """
        hours = np.arange(24) if cut_hours is None else np.asarray(cut_hours, np.int64)
        nv = len(vehicles)
        n_seg = np.array([len(v.segments) for v in vehicles], dtype=np.int64)
        soc0 = np.r_[0, np.cumsum(n_seg + 1)][:nv]
        n_soc = int((n_seg + 1).sum())
        segs = [sg for v in vehicles for sg in v.segments]
        veh = np.repeat(np.arange(nv), n_seg)
        pos = np.arange(len(segs)) - np.repeat(np.r_[0, np.cumsum(n_seg)][:nv], n_seg)
        drive = np.array([sg.kind == "drive" for sg in segs], dtype=bool)
        kwh = np.array([sg.kwh for sg in segs], dtype=float)
        start = np.array([sg.start_s for sg in segs], dtype=float)
        end = np.array([sg.end_s for sg in segs], dtype=float)
        station = np.array([sg.station for sg in segs], dtype=np.int64)
        cap = np.array([v.cap_kwh for v in vehicles], dtype=float)
        lo = np.array([v.min_kwh for v in vehicles], dtype=float)
        effv = np.array([v.efficiency for v in vehicles], dtype=float)
        start_c, end_c = charge_span(start, end)
        rate_seg = np.zeros(len(segs))
        has_st = (~drive) & (station >= 0)
        for v in np.unique(veh[has_st]):
            sel = has_st & (veh == v)
            rate_seg[sel] = vehicles[int(v)].rate_kw[station[sel]]
        lo_m = lo
        a_col = soc0[veh] + pos
        chg_seg = np.flatnonzero(has_st & (rate_seg > 0) & (end_c > start_c))
        # pieces: each charging stay cut at its station's breakpoints
        p_seg: list[np.ndarray] = []
        p_a: list[np.ndarray] = []
        p_b: list[np.ndarray] = []
        p_key: list[np.ndarray] = []
        n_key = 0
        for s in np.unique(station[chg_seg]):
            mine = chg_seg[station[chg_seg] == s]
            bp = _breakpoints(start_c[mine], end_c[mine], t0_s, step_s, steps, hours)
            ext = np.concatenate([bp + m * DAY_S for m in (-1.0, 0.0, 1.0, 2.0)])
            for g in mine:
                s0, s1 = start_c[g], end_c[g]
                i0 = np.searchsorted(ext, s0 + _EPS_S, "right")
                i1 = np.searchsorted(ext, s1 - _EPS_S, "left")
                cuts = ext[i0:i1]
                a = np.r_[s0, cuts]
                b = np.r_[cuts, s1]
                k = np.searchsorted(ext, a + _EPS_S, "right") - 1
                ok = b - a > 1e-9
                p_seg.append(np.full(int(ok.sum()), g))
                p_a.append(a[ok])
                p_b.append(b[ok])
                p_key.append(n_key + np.mod(k[ok], bp.size))
            n_key += bp.size
        seg_of = np.concatenate(p_seg) if p_seg else np.zeros(0, np.int64)
        pa = np.concatenate(p_a) if p_a else np.zeros(0)
        pb = np.concatenate(p_b) if p_b else np.zeros(0)
        key = np.concatenate(p_key) if p_key else np.zeros(0, np.int64)
        nq = seg_of.size
        over = pb - pa
        q_rate = rate_seg[seg_of]
        q_veh = veh[seg_of]
        q_col = n_soc + np.arange(nq)
        t_col = n_soc + nq + np.arange(nq)
        # chain columns for vehicles whose curve tapers
        n_bands = np.array([v.bands()[1].size for v in vehicles], dtype=np.int64)
        taper = np.flatnonzero(n_bands[q_veh] > 1) if nq else np.zeros(0, np.int64)
        c_col = np.full(nq, -1, np.int64)
        c_col[taper] = n_soc + 2 * nq + np.arange(taper.size)
        first = np.r_[True, seg_of[1:] != seg_of[:-1]] if nq else np.zeros(0, bool)
        prev = np.where(first, a_col[seg_of], np.r_[-1, c_col[:-1]])
        n_cols = n_soc + 2 * nq + taper.size
        ceiling, ceiling_before = _soc_ceiling(
            n_seg, drive, kwh, cap, seg_of, q_rate * over / 3600.0
        )
        # a hair above the ceiling: never below the reserve by rounding
        cv = q_veh[taper]
        ceil_col = np.minimum(cap[cv], np.maximum(ceiling[taper] + 1e-7, lo[cv]))
        # rows: segments, cyclic day, chain
        n_seg_all = len(segs)
        r_seg = np.arange(n_seg_all)
        rhs = np.where(drive, -kwh, 0.0)
        cyc_row = n_seg_all + np.arange(nv)
        last_col = soc0 + n_seg
        ch_row = n_seg_all + nv + np.arange(taper.size)
        rows = np.concatenate([r_seg, r_seg, seg_of, cyc_row, cyc_row, ch_row, ch_row, ch_row])
        cols = np.concatenate(
            [a_col + 1, a_col, q_col, last_col, soc0, c_col[taper], prev[taper], q_col[taper]]
        )
        vals = np.concatenate(
            [
                np.ones(n_seg_all),
                -np.ones(n_seg_all),
                -np.ones(nq),
                np.ones(nv),
                -np.ones(nv),
                np.ones(taper.size),
                -np.ones(taper.size),
                -np.ones(taper.size),
            ]
        )
        ub_q = q_rate * over / 3600.0
        col_lb = np.r_[np.repeat(lo_m, n_seg + 1), np.zeros(2 * nq), lo_m[q_veh[taper]]]
        col_ub = np.r_[np.repeat(cap, n_seg + 1), ub_q, over / 3600.0, ceil_col]
        bands = {int(v): (*vehicles[int(v)].bands(),) for v in np.unique(q_veh[taper])}
        bands_full = {
            v: (kn, fr, _band_offsets(kn, fr)) for v, (kn, fr) in bands.items()
        }
        return cls(
            n_cols=n_cols,
            col_lb=col_lb,
            col_ub=col_ub,
            n_rows=n_seg_all + nv + taper.size,
            rows=rows,
            cols=cols,
            vals=vals,
            row_lb=np.r_[rhs, np.zeros(nv), np.zeros(taper.size)],
            row_ub=np.r_[rhs, np.full(nv, math.inf), np.zeros(taper.size)],
            q_col=q_col,
            t_col=t_col,
            q_station=station[seg_of],
            q_elem=key,
            q_slot=(np.floor(np.mod(pa - t0_s, DAY_S) / step_s).astype(np.int64)),
            q_rate=q_rate,
            q_eff=effv[q_veh],
            q_start=pa,
            q_over=over,
            q_vehicle=q_veh,
            q_prev=prev,
            q_chain=c_col,
            q_seg=seg_of,
            q_night=np.array([segs[int(g)].night for g in seg_of], dtype=bool),
            soc_first=soc0,
            seg_first=np.r_[0, np.cumsum(n_seg)][:nv],
            cyclic_row0=n_seg_all,
            taper=taper,
            bands=bands_full,
            cap=cap,
            q_ceiling=ceiling,
            q_ceiling_before=ceiling_before,
        )

    def soc_at(self, vehicles: list[VehicleDay], x: np.ndarray, t0_s: float) -> dict[str, float]:
        """Return each vehicle's planned charge where a simulation from ``t0_s`` starts [kWh].

        The simulation runs a vehicle's day from the clock time ``t0_s``: its night stay's
        charges after ``t0_s``, then its trips. That is the planned cyclic day from the
        clock time ``t0_s`` in the night stay, or from the night stay's start when the
        vehicle is still in service at ``t0_s`` (its trips past midnight run at the end of
        the simulated day, see :func:`sim_times`). Inside a stay: the charge at its start
        (idle draw taken) plus the pieces before that time; inside a drive: before it.
        """
        out: dict[str, float] = {}
        q = x[self.q_col] if self.q_col.size else np.zeros(0)
        n_all = sum(len(d.segments) for d in vehicles)
        q_of_seg = np.bincount(self.q_seg, weights=q, minlength=n_all) if q.size else np.zeros(0)
        q_of_seg = q_of_seg if q.size else np.zeros(n_all)
        for v, day in enumerate(vehicles):
            segs = day.segments
            if not segs:
                continue
            # the day added up from the planned start as the simulator does
            g0 = int(self.seg_first[v])
            step = np.array(
                [
                    -sg.kwh if sg.kind == "drive" else q_of_seg[g0 + k]
                    for k, sg in enumerate(segs)
                ]
            )
            traj = float(x[self.soc_first[v]]) + np.cumsum(step)
            lift = max(0.0, day.min_kwh - float(traj.min())) + SOC_MARGIN_KWH
            t = segs[0].start_s + float(np.mod(t0_s - segs[0].start_s, DAY_S))
            if segs[-1].night and segs[-1].start_s > t:
                t = segs[-1].start_s  # in service past midnight: from its night stay on
            i = next((k for k, sg in enumerate(segs) if sg.end_s > t), len(segs) - 1)
            soc = float(x[self.soc_first[v] + i])
            if segs[i].kind == "stay":
                g = self.seg_first[v] + i
                sel = (self.q_seg == g) & (self.q_start < t - 1e-6)
                soc += float(q[sel].sum())
            out[day.vehicle_id] = min(day.cap_kwh, soc + lift)
        return out

    def initial_tangents(self) -> np.ndarray:
        """Band 1 for every tapering piece."""
        return np.zeros(self.taper.size, np.int64)

    def _curve_groups(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Tapering pieces grouped by curve: (positions in ``taper``, knees, fracs, offsets)."""
        if self.taper.size == 0:
            return []
        veh = self.q_vehicle[self.taper]
        keys: dict[tuple[tuple[float, ...], tuple[float, ...]], list[int]] = {}
        for v in np.unique(veh):
            b = self.bands[int(v)]
            keys.setdefault((tuple(b[0].tolist()), tuple(b[1].tolist())), []).append(int(v))
        out = []
        for (k_t, f_t), vs in keys.items():
            knees, fracs = np.array(k_t), np.array(f_t)
            out.append(
                (np.flatnonzero(np.isin(veh, vs)), knees, fracs, _band_offsets(knees, fracs))
            )
        return out

    def tangents_of(self, x: np.ndarray) -> np.ndarray:
        """Return the band of the state of charge before each tapering piece in ``x``."""
        out = np.zeros(self.taper.size, np.int64)
        for k, knees, fracs, _ in self._curve_groups():
            p = self.taper[k]
            soc = x[self.q_prev[p]] / self.cap[self.q_vehicle[p]]
            out[k] = np.minimum(np.searchsorted(knees, soc + 1e-9, "right"), fracs.size - 1)
        return out

    def curve_rows(
        self,
        tangent: np.ndarray,
        row0: int,
        *,
        full_power: bool = False,
        chord: bool = False,
        slack0: int = -1,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """Rows tying plug time to energy along the curve (module docstring), from ``row0``.

        With ``full_power`` only ``q <= kW t`` (a relaxation: the curve's first band
        everywhere). With ``chord`` the rows of every band with ``T(c_{k-1})`` replaced by
        its chord over the range the charge before the piece can take (the reserve to the
        piece's ceiling, :func:`_soc_ceiling`): the chord lies above the convex ``T`` on
        that range, so every schedule the real curve delivers meets these rows (a
        relaxation, tighter than full power, and exact for a piece whose range lies in one
        band) with ``q <= kW t`` added; its answer says where the tapering pieces start
        before any tangent row.
        With ``slack0`` >= 0 each tapering piece's rows get a slack column (plug time the
        curve rows lack at the current bands [h]), column ``slack0`` + its place in
        ``taper``.
        Returns rows, cols, vals, row upper bounds (lower bounds are -inf) and the count.
        """
        nq = self.q_col.size
        is_taper = np.zeros(nq, bool)
        is_taper[self.taper] = True
        # q <= kW t: the constant curve's row; with ``chord`` also for the tapering pieces
        # (no curve is faster than full power: the chord alone is not that tight) whose
        # chord range passes the first knee (below it the chord is the first band's line,
        # whose row already says q <= f_1 kW t)
        full = ~is_taper
        if chord:
            full[self.taper[~self._chord_in_first_band()]] = True
        const = np.flatnonzero(full)
        rows = [row0 + np.arange(const.size)] * 2
        cols = [self.q_col[const], self.t_col[const]]
        vals = [1.0 / self.q_rate[const], -np.ones(const.size)]
        ub = [np.zeros(const.size)]
        r = row0 + const.size
        for k, knees, fracs_all, a_all in self._curve_groups():
            p = self.taper[k]
            fracs, a_off = (fracs_all[:1], a_all[:1]) if full_power else (fracs_all, a_all)
            nb = fracs.size
            kw = self.q_rate[p]
            cap_p = self.cap[self.q_vehicle[p]]
            unit = cap_p / kw  # [h]
            j = np.zeros(p.size, np.int64) if (full_power or chord) else tangent[k]
            # band i's row binds only where the charge after the piece can pass knee i - 1:
            # below it the tangent of band 1 lies above the others' (T is convex)
            need = np.ones((p.size, nb), bool)
            if nb > 1:
                lower = np.r_[0.0, knees[: nb - 1]]
                need[:, 1:] = self.q_ceiling[p][:, None] > (cap_p[:, None] * lower[None, 1:]) + 1e-9
            n_r = int(need.sum())
            rr = np.full((p.size, nb), -1, np.int64)
            rr[need] = r + np.arange(n_r)
            pi, bi = np.nonzero(need)
            jj = j[pi]
            rows += [rr[need]] * 3
            cols += [self.q_chain[p][pi], self.q_prev[p][pi], self.t_col[p][pi]]
            if chord:
                slope, icept = self._chord(p, unit, kw, fracs_all, a_all)
                vals += [1.0 / (kw[pi] * fracs[bi]), -slope[pi], -np.ones(n_r)]
                ub.append(icept[pi] - unit[pi] * a_off[bi])
            else:
                vals += [
                    1.0 / (kw[pi] * fracs[bi]),
                    -1.0 / (fracs[jj] * kw[pi]),
                    -np.ones(n_r),
                ]
                ub.append(unit[pi] * (a_off[jj] - a_off[bi]))
            if slack0 >= 0:
                rows.append(rr[need])
                cols.append(slack0 + k[pi])
                vals.append(-np.ones(n_r))
            r += n_r
        return (
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(vals),
            np.concatenate(ub),
            r - row0,
        )


    def _chord_in_first_band(self) -> np.ndarray:
        """Mask of the tapering pieces whose chord range (:meth:`_chord`) is in band 1."""
        out = np.zeros(self.taper.size, bool)
        for k, knees, _, _ in self._curve_groups():
            p = self.taper[k]
            cap = self.cap[self.q_vehicle[p]]
            lo = self.col_lb[self.q_prev[p]]
            hi = np.minimum(cap, np.maximum(self.q_ceiling_before[p] + 1e-7, lo))
            out[k] = hi <= knees[0] * cap
        return out

    def _chord(
        self,
        p: np.ndarray,
        unit: np.ndarray,
        kw: np.ndarray,
        fracs: np.ndarray,
        a_off: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Chord ``U(c) = icept + slope c`` of ``T`` [h] over each piece's range of ``c_{k-1}``.

        The range is the reserve (the column's lower bound) to the most the vehicle can hold
        before the piece (:func:`_soc_ceiling`), within the battery.
        """
        lo = self.col_lb[self.q_prev[p]]
        top = np.maximum(self.q_ceiling_before[p] + 1e-7, lo)
        hi = np.minimum(self.cap[self.q_vehicle[p]], top)

        def t_h(e: np.ndarray) -> np.ndarray:
            lines = unit[:, None] * a_off[None, :] + e[:, None] / (kw[:, None] * fracs)
            return np.asarray(lines.max(axis=1), float)

        width = hi - lo
        wide = width > 1e-9
        slope = np.where(
            wide, (t_h(hi) - t_h(lo)) / np.where(wide, width, 1.0), 1.0 / (fracs[0] * kw)
        )
        return slope, t_h(lo) - slope * lo


def _soc_ceiling(
    n_seg: np.ndarray,
    drive: np.ndarray,
    kwh: np.ndarray,
    cap: np.ndarray,
    seg_of: np.ndarray,
    q_max: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the most charge each vehicle can hold after and before each charge piece [kWh].

    Its day starts with at most a full battery, every drive takes its energy and every
    piece gives at most ``q_max`` (full power for the whole piece), capped at the battery:
    an upper bound on the state-of-charge column after the piece in every feasible answer
    (the state of charge is a monotone function of the start). Only pieces whose ceiling
    passes a knee of the curve need that band's row (:meth:`Model.curve_rows`).
    """
    out = np.zeros(seg_of.size)
    before = np.zeros(seg_of.size)
    order = np.argsort(seg_of, kind="stable")
    first = np.searchsorted(seg_of[order], np.arange(int(n_seg.sum()) + 1))
    g0 = 0
    for v, ns in enumerate(n_seg.tolist()):
        top = float(cap[v])
        u = top
        for g in range(g0, g0 + ns):
            if drive[g]:
                u -= float(kwh[g])
                continue
            for i in order[first[g] : first[g + 1]].tolist():
                before[i] = max(u, 0.0)
                u = min(top, u + float(q_max[i]))
                out[i] = u
        g0 += ns
    return out, before


def sole_stations(vehicles: list[VehicleDay], m: Model) -> set[int]:
    """Stations that are the only place some driving vehicle can charge."""
    if m.q_vehicle.size == 0:
        return set()
    pairs = np.unique(np.stack([m.q_vehicle, m.q_station]), axis=1)
    veh, cnt = np.unique(pairs[0], return_counts=True)
    out: set[int] = set()
    for v in veh[cnt == 1]:
        drive = sum(sg.kwh for sg in vehicles[int(v)].segments if sg.kind == "drive")
        if drive > 0:
            out.add(int(pairs[1][pairs[0] == v][0]))
    return out


def parts(vehicles: list[VehicleDay], n_st: int) -> list[list[int]]:
    """Vehicles grouped by the connected parts of the vehicle-station charging graph."""
    nv = len(vehicles)
    vi: list[int] = []
    si: list[int] = []
    for k, v in enumerate(vehicles):
        for sg in v.segments:
            if sg.kind == "stay" and sg.station >= 0 and v.rate_kw[sg.station] > 0:
                vi.append(k)
                si.append(nv + sg.station)
    g = sparse.coo_matrix((np.ones(len(vi)), (vi, si)), shape=(nv + n_st, nv + n_st))
    _, label = connected_components(g, directed=False)
    lab = label[:nv]
    # vehicles that charge nowhere share one part (they only need their own rows)
    alone = np.ones(nv, bool)
    alone[np.asarray(vi, dtype=np.int64)] = False
    lab = np.where(alone, -1, lab)
    return [np.flatnonzero(lab == u).tolist() for u in np.unique(lab)]


def sim_times(u_s: np.ndarray, night: np.ndarray, t0_s: float) -> np.ndarray:
    """Clock times of a simulated day from ``t0_s`` for times ``u_s`` of the planned day.

    A night stay's charges after ``t0_s`` + 24 h come at the start of the simulated day
    (before the pull-out), the others where they are: a layover charge past midnight
    stays there (the simulation runs those trips past 24 h), and nothing starts before
    ``t0_s``.
    """
    wrap = (night & (u_s >= t0_s + DAY_S - 1e-6)) | (u_s < t0_s - 1e-6)
    return np.where(wrap, t0_s + np.mod(u_s - t0_s, DAY_S), u_s)


def plug_windows(
    m: Model, q: np.ndarray, t_h: np.ndarray, x: np.ndarray, plugs: dict[int, int],
    vehicles: list[VehicleDay],
) -> list[tuple[int, float, float, float]]:
    """Lay each station's plug time out on its plugs, interval by interval (McNaughton).

    In an elementary interval of length ``L`` every present vehicle is there for all of it
    and the plug times add up to at most ``plugs x L``: filling plug 1 from the start, then
    wrapping onto plug 2, ... gives every vehicle at most two windows that do not overlap
    in time (the wrapped part comes first), and never more than ``plugs`` windows at once.
    The energy of a piece is split between its windows as the curve delivers it from the
    planned state of charge (the first window gets what the curve gives in it).

    Returns
    -------
    list of (piece, start_s, end_s, battery_kwh)
        Windows on the vehicles' own days [s], [kWh].
    """
    out: list[tuple[int, float, float, float]] = []
    use = np.flatnonzero(q > 1e-9)
    if use.size == 0:
        return out
    order = use[np.lexsort((m.q_vehicle[use], m.q_elem[use]))]
    elem = m.q_elem[order]
    bounds = np.flatnonzero(np.r_[True, elem[1:] != elem[:-1], True])
    for g0, g1 in itertools.pairwise(bounds):
        grp = order[g0:g1]
        length = float(m.q_over[grp[0]])
        n_plugs = plugs.get(int(m.q_station[grp[0]]), 0)
        plug, pos = 0, 0.0
        for p in grp:
            d = min(float(t_h[p]) * 3600.0, length)
            a = float(m.q_start[p])
            if plug >= n_plugs or d <= 1e-9:
                continue  # beyond the plugs by rounding only (rows hold sum t <= P L)
            if pos + d <= length + 1e-9:
                wins = [(a + pos, a + min(pos + d, length))]
                pos += d
            else:
                rest = d - (length - pos)
                wins = [(a, a + rest)] if plug + 1 < n_plugs else []
                wins.append((a + pos, a + length))
                plug += 1
                pos = rest
            if pos >= length - 1e-9:
                plug, pos = plug + 1, 0.0
            left = float(q[p])
            v = vehicles[int(m.q_vehicle[p])]
            soc = float(x[m.q_prev[p]]) / v.cap_kwh if m.q_chain[p] >= 0 else 0.0
            for k, (w0, w1) in enumerate(wins):
                if k + 1 == len(wins):
                    e = left
                elif m.q_chain[p] < 0:
                    e = min(left, float(m.q_rate[p]) * (w1 - w0) / 3600.0)
                else:
                    target = min(1.0, soc + left / v.cap_kwh)
                    _, st = chg.charge_steps(
                        soc, target, w1 - w0, float(m.q_rate[p]), v.cap_kwh, v.curve()
                    )
                    e = min(left, sum(dd * kw for dd, kw in st) / 3600.0)
                    soc += e / v.cap_kwh
                if e > 1e-12 and w1 > w0:
                    out.append((int(p), w0, w1, e))
                left -= e
    return out
