"""Fixtures of the siting tests: published OR-Library optima, brute-force references."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest


def read_optima(path: Path) -> dict[str, float]:
    """Read ``optima.csv`` (its ``problem`` column holds unquoted commas).

    Keys: instance name for p-median and capacitated rows (``capa8000`` …), and
    ``<name>U`` for the uncapacitated table.
    """
    out: dict[str, float] = {}
    for line in path.read_text().splitlines():
        if line.startswith(("#", "instance,")) or not line.strip():
            continue
        parts = line.split(",")
        key = parts[0] + ("U" if "UFLP" in line else "")
        out[key] = float(parts[-2])
    return out


@pytest.fixture(scope="session")
def optima(shared_data: Path) -> dict[str, float]:
    """Published OR-Library optima from ../shared/data/orlib/optima.csv."""
    return read_optima(shared_data / "orlib" / "optima.csv")


#: The optima of the files copied into tests/data/siting (from the same tables).
LOCAL_OPTIMA = {"pmed1": 5819.0, "pmed2": 4093.0, "cap41": 1040444.375, "cap71": 932615.750,
                "cap71U": 932615.750}


def brute_force_pmedian(dist: np.ndarray, weight: np.ndarray, p: int,
                        fixed: tuple[int, ...] = ()) -> float:
    """Enumerate every open set (fixed sites plus p others) and return the least cost."""
    others = [j for j in range(dist.shape[1]) if j not in fixed]
    best = np.inf
    for combo in itertools.combinations(others, p):
        cols = list(fixed) + list(combo)
        best = min(best, float(weight @ dist[:, cols].min(axis=1)))
    return best
