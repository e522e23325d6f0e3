"""Convert results to strict JSON: numpy scalars, paths, dataclasses; NaN becomes null."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars, paths, dataclasses and NaN to plain JSON values."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if type(obj).__name__ in ("NAType", "NaTType"):  # pandas missing values
        return None
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(asdict(obj))
    if getattr(obj, "ndim", 0):  # numpy arrays, pandas series
        return to_jsonable(obj.tolist())
    item = getattr(obj, "item", None)  # numpy scalars
    if callable(item):
        return to_jsonable(item())
    return str(obj)


def dumps(obj: Any) -> str:
    """Serialise to strict JSON (no NaN), keeping Chinese text readable."""
    return json.dumps(to_jsonable(obj), ensure_ascii=False, allow_nan=False, indent=2)
