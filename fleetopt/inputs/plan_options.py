"""Check and read a scenario's ``[plan]`` table: battery sizes and fleet replacement (CONTRACT §9).

Keys (all optional)::

    [plan]
    battery_kwh = [250, 324, 350, 422]      # battery sizes to compare [kWh]; [] = no comparison
                                            # default: battery_options.csv (buses: Chinese 12 m
                                            # e-bus packs; other types: spec x (1 +/- steps))
    [plan.replacement]                      # fleet replacement over years (only when given)
    years = [2025, 2026, 2027]              # consecutive calendar years (required, not empty)
    budget_cny_per_year = 30000000          # purchase budget per year [CNY] (number, or a table
                                            # {year = budget} naming every year); required
    target_nev_share = {2025 = 1.0}         # NEV share of the fleet (stock) per year, 0..1, from
                                            # that year on; default: the plan's targets by type
    new_nev_share = {2026 = 1.0}            # NEV share of the vehicles bought per year, 0..1
    fleet = "fleet.csv"                     # vehicle_id, vehicle_type, powertrain and age_years
                                            # or purchase_year (optional exempt); default: those
                                            # columns in the trips files, else even ages
    replace_with = "bev"                    # the NEV powertrain bought (bev | fcev | phev)

Every problem names its dotted key (``plan.replacement.budget_cny_per_year``).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import powertrains as pts
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _encoding, _tabular, schedules
from fleetopt.inputs.vehicles import POWERTRAINS, VEHICLE_TYPES

logger = logging.getLogger(__name__)

__all__ = [
    "PLAN_KEYS",
    "REPLACEMENT_KEYS",
    "ReplacementOptions",
    "battery_sizes_of",
    "check_plan_dict",
    "read_fleet_ages",
    "replacement_options",
]

#: Keys of ``[plan]``.
PLAN_KEYS = ("battery_kwh", "replacement")

#: Keys of ``[plan.replacement]``.
REPLACEMENT_KEYS = (
    "years",
    "budget_cny_per_year",
    "target_nev_share",
    "new_nev_share",
    "fleet",
    "replace_with",
)

#: Calendar years a replacement plan may cover.
YEAR_RANGE = (2000, 2100)

#: Most years one replacement plan may cover (checked before the MIP is built).
MAX_YEARS = 30

#: Most battery sizes one plan compares (each is a blocking and a charging solve).
MAX_BATTERY_SIZES = 12

#: Fleet file columns (normalised header -> canonical name): the trips file's names and
#: aliases (Chinese headers included) plus the age columns.
_FLEET_COLUMNS = schedules.COLUMN_MAP | {
    _tabular.normalise_header(src): canon
    for canon, srcs in {
        "age_years": ("age_years", "age", "车龄", "车龄(年)", "使用年限"),
        "purchase_year": ("purchase_year", "year_bought", "购置年份", "购买年份", "购车年份"),
    }.items()
    for src in srcs
}


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _year_key(k: Any) -> int | None:
    try:
        y = int(str(k))
    except ValueError:
        return None
    return y if YEAR_RANGE[0] <= y <= YEAR_RANGE[1] else None


def _check_share_table(v: Any, col: str) -> list[Problem]:
    if not isinstance(v, Mapping) or not v:
        return [Problem("must be a non-empty table {year = share 0..1}", None, col)]
    out = []
    for k, s in v.items():
        if _year_key(k) is None:
            out.append(Problem(f"{k!r} is not a year {YEAR_RANGE[0]}..{YEAR_RANGE[1]}", None,
                               f"{col}.{k}"))
        elif not _is_num(s) or not 0 <= s <= 1:
            out.append(Problem(f"a share must be a number within 0..1, got {s!r}", None,
                               f"{col}.{k}"))
    return out


def _check_replacement(r: Any, col: str) -> list[Problem]:
    if not isinstance(r, Mapping):
        return [Problem("[plan.replacement] must be a table", None, col)]
    out = [
        Problem(f"unknown key {k!r}; allowed: {', '.join(REPLACEMENT_KEYS)}", None, f"{col}.{k}")
        for k in r
        if k not in REPLACEMENT_KEYS
    ]
    years = r.get("years")
    ycol = f"{col}.years"
    good_years: list[int] = []
    if years is None:
        out.append(Problem("years is required: a list of consecutive calendar years", None, ycol))
    elif not isinstance(years, list) or not years:
        out.append(Problem(f"years must be a non-empty list of calendar years, got {years!r}",
                           None, ycol))
    elif not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
        out.append(Problem("years must be whole calendar years", None, ycol))
    elif any(not YEAR_RANGE[0] <= y <= YEAR_RANGE[1] for y in years):
        out.append(Problem(f"years must lie within {YEAR_RANGE[0]}..{YEAR_RANGE[1]}", None, ycol))
    elif any(b != a + 1 for a, b in itertools.pairwise(years)):
        out.append(Problem(f"years must be consecutive and increasing, got {years}", None, ycol))
    elif len(years) > MAX_YEARS:
        out.append(Problem(f"at most {MAX_YEARS} years, got {len(years)}", None, ycol))
    else:
        good_years = list(years)
    b = r.get("budget_cny_per_year")
    bcol = f"{col}.budget_cny_per_year"
    if b is None:
        out.append(Problem("budget_cny_per_year is required [CNY per year]", None, bcol))
    elif isinstance(b, Mapping):
        for k, v in b.items():
            if _year_key(k) is None:
                out.append(Problem(f"{k!r} is not a year", None, f"{bcol}.{k}"))
            elif not _is_num(v) or v < 0:
                out.append(Problem(f"a budget must be a number >= 0 [CNY], got {v!r}", None,
                                   f"{bcol}.{k}"))
        missing = [y for y in good_years if str(y) not in {str(k) for k in b}]
        if missing:
            out.append(Problem(f"no budget for year(s) {missing}", None, bcol))
    elif not _is_num(b) or b < 0:
        out.append(Problem(f"budget_cny_per_year must be a number >= 0 [CNY], got {b!r}", None,
                           bcol))
    for key in ("target_nev_share", "new_nev_share"):
        if key in r:
            out.extend(_check_share_table(r[key], f"{col}.{key}"))
    f = r.get("fleet")
    if f is not None and (not isinstance(f, str) or not f.strip()):
        out.append(Problem(f"fleet must be a file path, got {f!r}", None, f"{col}.fleet"))
    w = r.get("replace_with")
    if w is not None and (w not in POWERTRAINS or w not in pts.NEV):
        out.append(Problem(f"replace_with must be an NEV powertrain ({', '.join(sorted(pts.NEV))}),"
                           f" got {w!r}", None, f"{col}.replace_with"))
    return out


def check_plan_dict(table: Any, prefix: str = "plan") -> list[Problem]:
    """Check ``[plan]`` (module keys).

    Parameters
    ----------
    table : Any
        The ``[plan]`` table.
    prefix : str
        Its dotted key.

    Returns
    -------
    list of Problem
        Empty when valid; ``column`` is the dotted key, e.g. ``plan.battery_kwh``.
    """
    if not isinstance(table, Mapping):
        return [Problem("[plan] must be a table", None, prefix)]
    out = [
        Problem(f"unknown [plan] key {k!r}; allowed: {', '.join(PLAN_KEYS)}", None,
                f"{prefix}.{k}")
        for k in table
        if k not in PLAN_KEYS
    ]
    if "battery_kwh" in table:
        b = table["battery_kwh"]
        col = f"{prefix}.battery_kwh"
        if not isinstance(b, list):
            out.append(Problem(f"battery_kwh must be a list of sizes [kWh], got {b!r}", None, col))
        elif len(b) > MAX_BATTERY_SIZES:
            out.append(Problem(f"at most {MAX_BATTERY_SIZES} battery sizes, got {len(b)}", None,
                               col))
        else:
            for i, v in enumerate(b):
                if not _is_num(v) or v <= 0:
                    out.append(Problem(f"a battery size must be a number > 0 [kWh], got {v!r}",
                                       None, f"{col}.{i}"))
    if "replacement" in table:
        out.extend(_check_replacement(table["replacement"], f"{prefix}.replacement"))
    return out


def battery_sizes_of(raw: Mapping[str, Any]) -> list[float] | None:
    """Return the scenario's ``plan.battery_kwh`` (sorted, unique), or None when not given."""
    b = raw.get("plan", {}).get("battery_kwh")
    if b is None:
        return None
    return sorted({float(v) for v in b})


@dataclass(frozen=True)
class ReplacementOptions:
    """The checked ``[plan.replacement]`` table.

    Attributes
    ----------
    years : list of int
        Consecutive calendar years.
    budget_cny : dict of int to float
        Purchase budget per year [CNY].
    target_nev_share : dict of int to float or None
        Fleet NEV share from each listed year on (None: the plan's targets by type).
    new_nev_share : dict of int to float
        NEV share of the vehicles bought, from each listed year on.
    fleet : Path or None
        Fleet file with ages (resolved against the scenario's folder).
    replace_with : str
        NEV powertrain bought.
    """

    years: list[int]
    budget_cny: dict[int, float]
    target_nev_share: dict[int, float] | None
    new_nev_share: dict[int, float] = field(default_factory=dict)
    fleet: Path | None = None
    replace_with: str = "bev"


def replacement_options(
    raw: Mapping[str, Any], base_dir: Path | None
) -> ReplacementOptions | None:
    """Return the checked ``[plan.replacement]`` options, or None when the table is absent.

    Parameters
    ----------
    raw : mapping
        The scenario's merged (checked) dictionary.
    base_dir : Path or None
        Folder that relative paths are resolved against.
    """
    r = raw.get("plan", {}).get("replacement")
    if r is None:
        return None
    years = [int(y) for y in r["years"]]
    b = r["budget_cny_per_year"]
    if isinstance(b, Mapping):
        budget = {int(str(k)): float(v) for k, v in b.items()}
    else:
        budget = {y: float(b) for y in years}

    def shares(key: str) -> dict[int, float] | None:
        t = r.get(key)
        return None if t is None else {int(str(k)): float(v) for k, v in t.items()}

    fleet = r.get("fleet")
    path = None
    if fleet is not None:
        path = Path(fleet)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
    return ReplacementOptions(
        years=years,
        budget_cny={y: budget[y] for y in years},
        target_nev_share=shares("target_nev_share"),
        new_nev_share=shares("new_nev_share") or {},
        fleet=path,
        replace_with=str(r.get("replace_with", "bev")),
    )


def read_fleet_ages(
    path: str | Path, first_year: int, *, require_type: bool = True
) -> pd.DataFrame:
    """Read vehicles with their ages from a fleet or trips file (CSV or Excel).

    Parameters
    ----------
    path : str or Path
        The file; ``vehicle_id`` and ``age_years`` or ``purchase_year`` columns (a trips
        file may carry them on every row: the first row of each vehicle counts).
    first_year : int
        The plan's first year: ``age_years = first_year - purchase_year``.
    require_type : bool
        Also require ``vehicle_type`` and ``powertrain`` (a fleet file).

    Returns
    -------
    pandas.DataFrame
        ``vehicle_id``, ``age_years`` (at the start of ``first_year``), ``exempt`` (bool),
        and ``vehicle_type``, ``powertrain`` when the file has them; empty when the file
        has neither age column.

    Raises
    ------
    InputError
        Naming file, row and column of every bad cell.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"fleet file not found: {p}"
        raise InputError(msg, [Problem("file not found", None, None, str(p))])
    table = _tabular.read_table(
        _encoding.read_limited(p),
        label=str(p),
        column_map=_FLEET_COLUMNS,
        required=("vehicle_id",),
        expected="a fleet table (vehicle_id, age_years or purchase_year)",
    )
    f = table.frame
    cols = ["vehicle_id", "age_years", "exempt", "vehicle_type", "powertrain"]
    if "age_years" not in f and "purchase_year" not in f:
        if require_type:
            msg = f"{p}: the fleet file needs an age_years or a purchase_year column"
            raise InputError(msg, [Problem(msg, 1, "age_years", str(p))])
        return pd.DataFrame(columns=cols)
    need = ["vehicle_id"] + (["vehicle_type", "powertrain"] if require_type else [])
    problems = [Problem(f"missing column {c!r}", 1, c, str(p)) for c in need if c not in f]
    if problems:
        raise InputError(f"{p}: missing columns", problems)
    f = f.drop_duplicates("vehicle_id", keep="first").copy()
    for col in ("vehicle_type", "powertrain"):
        if col in f:
            names = schedules.VALUE_MAP.get(col, {})
            f[col] = [names.get(str(v).strip(), str(v).strip().lower()) for v in f[col]]
    ages = np.full(len(f), np.nan)
    for i, (rec, row) in enumerate(zip(f.to_dict(orient="records"), f["row"], strict=True)):
        vid = str(rec["vehicle_id"]).strip()
        if not vid:
            problems.append(Problem("empty vehicle_id", int(row), "vehicle_id", str(p)))
        col = "age_years" if str(rec.get("age_years", "")).strip() else "purchase_year"
        text = str(rec.get(col, "")).strip()
        try:
            v = float(text)
        except ValueError:
            problems.append(Problem(f"{col} must be a number, got {text!r}", int(row), col,
                                    str(p)))
            continue
        age = v if col == "age_years" else first_year - v
        if not math.isfinite(age) or age < 0 or age > 60:
            problems.append(Problem(f"age must be within 0..60 years (got {age:g} from {col})",
                                    int(row), col, str(p)))
            continue
        ages[i] = age
        if require_type:
            if rec["vehicle_type"] not in VEHICLE_TYPES:
                problems.append(Problem(f"unknown vehicle_type {rec['vehicle_type']!r}",
                                        int(row), "vehicle_type", str(p)))
            if rec["powertrain"] not in POWERTRAINS:
                problems.append(Problem(f"unknown powertrain {rec['powertrain']!r}", int(row),
                                        "powertrain", str(p)))
    if problems:
        raise InputError(f"{p}: {len(problems)} bad fleet cell(s)", problems)
    exempt = (
        f["exempt"].str.strip().str.lower().isin(("1", "true", "yes", "y", "是"))
        if "exempt" in f
        else pd.Series(False, index=f.index)
    )
    out = pd.DataFrame(
        {
            "vehicle_id": f["vehicle_id"].astype(str).str.strip().to_numpy(),
            "age_years": ages,
            "exempt": exempt.to_numpy(bool),
        }
    )
    if "vehicle_type" in f:
        out["vehicle_type"] = f["vehicle_type"].to_numpy()
    if "powertrain" in f:
        out["powertrain"] = f["powertrain"].to_numpy()
    return out
