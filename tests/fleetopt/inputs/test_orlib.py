"""OR-Library readers: Beasley's formats exactly, located errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import floyd_warshall

from fleetopt.errors import InputError
from fleetopt.inputs.orlib import parse_cap, parse_pmed, read_cap, read_pmed


def test_pmed1_header_and_matrix(data_dir: Path) -> None:
    """GIVEN pmed1 WHEN read THEN n=100, p=5, a symmetric shortest-path matrix, zero diagonal."""
    inst = read_pmed(data_dir / "siting" / "pmed1.txt")
    assert (inst.n, inst.p) == (100, 5)
    assert inst.cost.shape == (100, 100)
    assert np.array_equal(inst.cost, inst.cost.T)
    assert np.all(np.diag(inst.cost) == 0)
    # independent check: Floyd-Warshall on the file's edges read here by hand, last wins
    lines = (data_dir / "siting" / "pmed1.txt").read_text().split("\n")
    w = np.full((100, 100), np.inf)
    for line in lines[1:]:
        parts = line.split()
        if len(parts) == 3:
            i, j, k = int(parts[0]) - 1, int(parts[1]) - 1, float(parts[2])
            w[i, j] = w[j, i] = k
    np.fill_diagonal(w, 0)
    assert np.array_equal(floyd_warshall(w, directed=False), inst.cost)


def test_repeated_edge_last_one_wins() -> None:
    """GIVEN edge 1-2 listed as 5 then 2 WHEN parsed THEN c(1,2)=2 (Beasley: last wins, not min)."""
    inst = parse_pmed("3 3 1\n1 2 5\n2 3 1\n1 2 2\n")
    assert inst.cost[0, 1] == 2
    assert inst.cost[0, 2] == 3
    inst = parse_pmed("3 3 1\n1 2 2\n2 3 1\n2 1 5\n")
    assert inst.cost[0, 1] == 5  # the later, larger cost wins
    assert inst.cost[0, 2] == 6


def test_pmed_errors_are_located() -> None:
    """GIVEN malformed p-median text WHEN parsed THEN InputError names the line."""
    with pytest.raises(InputError) as e:
        parse_pmed("3 2 1\n1 2 5\n2 x 1\n", file="bad.txt")
    assert e.value.problems[0].row == 3
    assert e.value.problems[0].file == "bad.txt"
    with pytest.raises(InputError) as e:
        parse_pmed("3 2 1\n1 2 5\n2 4 1\n", file="bad.txt")
    assert e.value.problems[0].row == 3
    assert "1..3" in e.value.problems[0].message
    with pytest.raises(InputError) as e:
        parse_pmed("3 3 1\n1 2 5\n", file="short.txt")
    assert "ends early" in e.value.problems[0].message
    with pytest.raises(InputError) as e:
        parse_pmed("3 1 1\n1 2 5\n", file="cut.txt")
    assert "not connected" in str(e.value)
    with pytest.raises(InputError) as e:
        parse_pmed("3 1 4\n1 2 5\n")
    assert e.value.problems[0].column == "p (medians)"


def test_cap41(data_dir: Path) -> None:
    """GIVEN cap41 WHEN read THEN 16 sites of capacity 5000, 50 customers, one zero fixed cost."""
    inst = read_cap(data_dir / "siting" / "cap41.txt")
    assert (inst.m, inst.n) == (16, 50)
    assert np.all(inst.capacity == 5000)
    assert inst.demand.sum() == 58268
    assert inst.fixed_cost[0] == 7500
    assert int((inst.fixed_cost == 0).sum()) == 1
    assert inst.cost.shape == (16, 50)
    assert inst.cost[0, 0] == pytest.approx(6739.725)
    assert inst.cost[15, 0] == pytest.approx(6051.7)  # values wrap over lines


def test_cap_capacity_word() -> None:
    """GIVEN the word 'capacity' WHEN read with and without a value THEN filled or NaN."""
    text = "2 1\ncapacity 10.\ncapacity 20.\n5\n1.0 2.0\n"
    assert np.all(np.isnan(parse_cap(text).capacity))
    assert np.all(parse_cap(text, capacity=8000).capacity == 8000)


def test_capa_from_shared_data(shared_data: Path) -> None:
    inst = read_cap(shared_data / "orlib" / "cap" / "capa.txt", capacity=8000)
    assert (inst.m, inst.n) == (100, 1000)
    assert np.all(inst.capacity == 8000)


def test_cap_errors_are_located() -> None:
    with pytest.raises(InputError) as e:
        parse_cap("2 1\n10 5\n10 5\n5\n1.0 oops\n", file="c.txt")
    p = e.value.problems[0]
    assert (p.row, p.file) == (5, "c.txt")
    with pytest.raises(InputError) as e:
        parse_cap("2 1\n10 5\n10 5\n5\n1.0\n", file="c.txt")
    assert "ends early" in e.value.problems[0].message
    with pytest.raises(InputError):
        parse_cap("2 1\n-10 5\n10 5\n5\n1.0 2.0\n")
