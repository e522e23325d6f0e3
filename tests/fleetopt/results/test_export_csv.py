"""The column-wise CSV writer gives pandas' bytes exactly, and leaves what it cannot to pandas."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from fleetopt.results import export_csv
from fleetopt.results.export import _escaped_csv_bytes, write_result
from fleetopt.results.export_csv import csv_blocks, format_floats, may_need_escape

EDGE_FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.5, 1e-4, -1e-4, 9.999999999999999e-05, 1e-5, 2.5e-7, 1e15, 1e15 + 0.5,
    9999999999999998.0, 1e16, -1e16, 1.2345678901234568e17, 0.1 + 0.2, 123456.0, 5e-324,
    1.7976931348623157e308, np.inf, np.nan, 86400.0, 18543.464202093295, 3e10, 12345678901.5,
]


def _numpy_text(values: np.ndarray) -> list[str]:
    out = values.astype(str).astype(object)
    out[np.isnan(values)] = ""
    return list(out)


def test_format_floats_equals_numpy_text_over_all_magnitudes() -> None:
    """GIVEN 400k floats from 1e-15 to 1e22 (both signs, whole numbers, tiny, huge, edge
    values) WHEN formatted THEN each is numpy's astype(str) text exactly (NaN empty)."""
    rng = np.random.default_rng(7)
    vals = np.concatenate([
        rng.normal(0.0, 1.0, 200_000) * 10.0 ** rng.integers(-15, 22, 200_000),
        rng.integers(-10**6, 10**6, 100_000).astype(float),
        rng.random(50_000) * 2e-4,
        np.round(rng.random(50_000) * 1e5, 3),
        EDGE_FLOATS,
    ])
    assert format_floats(vals).to_pylist() == _numpy_text(vals)


@pytest.mark.parametrize(
    "vals",
    [
        np.zeros(1000),  # a fuel column nobody burns
        np.array([0.0, -0.0, np.nan] * 300),
        np.array([np.nan] * 10),
        np.array([0.0, -0.0, 5e-324, -1e-5, 1e16, -1e300, np.inf, np.nan, 2.5e-7] * 50),
        np.array([0.0, 1.0, -0.0, np.nan, 0.25, -3.0, 1e-5, 7e20, 0.0, -0.0] * 100),
        np.array([1.0, -2.0, 9999999999.0, -9999999999.0, 86400.0, 1e9] * 20),  # whole only
        np.array([0.25, -1e-4, 9999999999.5, 3.5e-4, 0.1 + 0.2] * 20),  # fractions only
        np.array([1.0, 0.5, 2.0, 0.0, 1.5, 3e-5]),  # the three kinds interleaved
    ],
)
def test_format_floats_zeros_nan_and_only_own_text_columns(vals: np.ndarray) -> None:
    """GIVEN columns of only zeros (both signs), NaN, tiny and huge values, or these mixed with
    plain numbers WHEN formatted THEN each is numpy's astype(str) text exactly (NaN empty,
    -0.0 kept as "-0.0")."""
    assert format_floats(vals).to_pylist() == _numpy_text(vals)


def test_csv_blocks_of_a_results_like_table_equal_pandas() -> None:
    """GIVEN a trips-like table: unicode ids, all-zero and all-NaN float columns, negative
    zeros, large and tiny floats, bools WHEN rendered THEN pandas' to_csv bytes exactly."""
    rng = np.random.default_rng(11)
    n = 3000
    df = pd.DataFrame({
        "trip_id": [f"出租-{i:05d}-é" for i in range(n)],
        "served": rng.random(n) < 0.9,
        "start_s": rng.random(n) * 86400.0,
        "diesel_l": np.zeros(n),
        "soc_start": np.full(n, np.nan),
        "delay_s": np.where(rng.random(n) < 0.5, -0.0, rng.random(n) * 1e-6),
        "big": rng.random(n) * 1e18,
        "row": np.arange(n),
    })
    assert b"".join(csv_blocks(df)) == df.to_csv(index=False).encode("utf-8")


def _mixed(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 100, n)
    x[rng.random(n) < 0.1] = np.nan
    ids = np.array([f"bus-{i % 97}" for i in range(n)], dtype=object)
    ids[rng.random(n) < 0.05] = None
    return pd.DataFrame({
        "trip_id": [f"t{i}" for i in range(n)],
        "vehicle_id": ids,
        "served": rng.random(n) < 0.7,
        "row": rng.integers(-5, 10**9, n),
        "x": x,
        "zero": np.zeros(n),
        "reason": np.where(rng.random(n) < 0.5, "", "energy: would end at 9.0% < 15%"),
        "soc": rng.random(n),
        "neg": -rng.random(n) * 1e-6,
        "chinese": "北京",
    })


@pytest.mark.parametrize("n", [1, 7, 2003])
def test_csv_blocks_equal_pandas_to_csv(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a table of text (missing cells, Chinese), bools, ints and floats (NaN, negative,
    tiny, zero) of 1, 7 and more rows than one block WHEN rendered THEN the blocks joined are
    pandas' to_csv(index=False) bytes exactly."""
    monkeypatch.setattr(export_csv, "_BLOCK_CELLS", 5000)  # 500 rows of 10 columns a block
    df = _mixed(n)
    blocks = csv_blocks(df)
    assert blocks is not None
    parts = list(blocks)
    assert len(parts) == 1 + -(-n // 500)
    assert b"".join(parts) == df.to_csv(index=False).encode("utf-8")


def test_large_string_text_and_wide_floats_over_blocks_equal_pandas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN text held by Arrow as large strings (missing cells), ints and bools, and a table of
    floats only, each of more rows than one block WHEN rendered THEN pandas' bytes."""
    monkeypatch.setattr(export_csv, "_BLOCK_CELLS", 90)
    n = 101
    text = pd.array(
        pa.array([f"车-{i}" if i % 9 else None for i in range(n)], type=pa.large_string()),
        dtype="str",
    )
    df = pd.DataFrame(
        {"id": text, "k": np.arange(n) - 50, "ok": np.arange(n) % 3 == 0, "x": np.arange(n) / 7}
    )
    assert b"".join(csv_blocks(df)) == df.to_csv(index=False).encode("utf-8")
    wide = pd.DataFrame(np.arange(n * 4).reshape(n, 4) / 3.0, columns=list("abcd"))
    assert b"".join(csv_blocks(wide)) == wide.to_csv(index=False).encode("utf-8")


def test_wide_numeric_table_equals_pandas() -> None:
    """GIVEN a load-profile-like table (a minute column and 300 station columns) WHEN rendered
    THEN pandas' bytes."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.random((500, 300)) * 150.0, columns=[f"st{i}" for i in range(300)])
    df.iloc[::7, 3] = 0.0
    df.insert(0, "minute_start_s", np.arange(500) * 60.0)
    assert b"".join(csv_blocks(df)) == df.to_csv(index=False).encode()


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": ["x,y", "z"], "b": [1.0, 2.0]}),  # needs quoting
        pd.DataFrame({"a": ['say "hi"', "z"], "b": [1.0, 2.0]}),
        pd.DataFrame({"a": ["line\nbreak", "z"], "b": [1.0, 2.0]}),
        pd.DataFrame({"a": ["=HYPERLINK(1)", "z"], "b": [1.0, 2.0]}),  # formula-like
        pd.DataFrame({"a": ["-x", "z"], "b": [1.0, 2.0]}),
        pd.DataFrame({"a": ["z", "z"], "b": [1.0, -np.inf]}),  # "-inf" is escaped
        pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, -np.inf]}),  # in a table of floats only
        pd.DataFrame({"a": [1.0, 2.0]}),  # one column: the writer quotes an empty cell
        pd.DataFrame({"a": pd.Categorical(["x", "y"]), "b": [1.0, 2.0]}),  # another dtype
        pd.DataFrame({"a": [1, "x"], "b": [1.0, 2.0]}),  # mixed objects
        pd.DataFrame({"=a": [1.0], "b": [2.0]}),  # formula-like header
        pd.DataFrame({"a": np.array([1.0], dtype=np.float32), "b": [2.0]}),
    ],
)
def test_tables_it_cannot_render_are_left_to_pandas(frame: pd.DataFrame) -> None:
    """GIVEN a table with a cell that needs quoting or escaping, or a dtype it does not render
    WHEN asked THEN None (pandas writes it), never different bytes."""
    assert csv_blocks(frame) is None


def test_plain_numbers_with_signs_stay_on_the_fast_path() -> None:
    """GIVEN text cells that are plain signed numbers ("-3.5", "+2") WHEN rendered THEN the fast
    path takes them (they are not escaped) with pandas' bytes."""
    df = pd.DataFrame({"a": ["-3.5", "+2", "x"], "b": [1.0, 2.0, 3.0]})
    assert b"".join(csv_blocks(df)) == df.to_csv(index=False).encode()


def test_write_result_matches_pandas_then_escape(tmp_path) -> None:
    """GIVEN one table the fast path renders and one it leaves to pandas (a formula-like id)
    WHEN written by write_result THEN each CSV is pandas' bytes passed through the escaper."""
    fast = _mixed(50)
    slow = fast.assign(vehicle_id="=cmd|' /C calc'!A0")
    out = write_result({"fast": fast, "slow": slow}, tmp_path, summary={"a": 1})
    for name, df in (("fast", fast), ("slow", slow)):
        raw = df.to_csv(index=False).encode()
        assert (out / f"{name}.csv").read_bytes() == (_escaped_csv_bytes(raw, name) or raw)
    assert "'=cmd" in (out / "slow.csv").read_text()


CELLS = ["a", "-3.5", "+2", "-", "+", "-x", "=1+1", "@x", "\tx", "", "1e-05", "-1e-05", "-.5",
         "5.", "-5.", "x-1", '"q"', "a,b", "-inf", "+-1", "--1", "-1e", "\nx", "\"=x\""]


def _csv_text(rows: list[list[str]]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False, header=False).encode()


def test_may_need_escape_never_misses_a_cell_the_parser_escapes() -> None:
    """GIVEN rows of 1 and 2 cells (all pairs) and 3 cells (3,000 random) of tricky cells
    (signs, numbers, formulas, quotes, commas, line breaks) WHEN pre-checked THEN whenever
    the full parse would escape a cell the pre-check says so (it may say so needlessly,
    never the other way round), and plain tables of signed numbers are not parsed at all."""
    needless = 0
    rng = np.random.default_rng(5)
    triples = [tuple(str(c) for c in rng.choice(CELLS, 3)) for _ in range(3000)]
    for combo in itertools.chain(
        itertools.product(CELLS, repeat=1), itertools.product(CELLS, repeat=2), triples
    ):
        k = len(combo)
        raw = _csv_text([list(combo), ["z"] * k])
        if b"\r" in raw:
            continue
        changed = _escaped_csv_bytes(raw, "t") is not None
        flagged = may_need_escape(raw)
        assert flagged or not changed, combo
        needless += flagged and not changed
    assert not may_need_escape(b"a,b\n-1.5,+2\n-3,4e-05\n")
    assert may_need_escape(b"a,b\n-1.5,-x\n")
    assert needless < 2000  # quoted cells and the like; the parse settles them


def test_needs_pandas_by_bytes_finds_what_the_patterns_find() -> None:
    """GIVEN text columns of random cells (ASCII, Chinese, signs, quotes, commas, tabs and
    line breaks anywhere, empty cells, a sliced array) WHEN checked byte-wise THEN the answer
    is the one the quote and trigger patterns give cell by cell."""
    import re

    from fleetopt.results.export_csv import _NUMBER_RE, _QUOTE_RE, _TRIGGER_RE, _needs_pandas

    def by_patterns(cells: list[str]) -> bool:
        if any(re.search(_QUOTE_RE, c) for c in cells):
            return True
        return any(re.match(_TRIGGER_RE, c) and not _NUMBER_RE.match(c) for c in cells)

    rng = np.random.default_rng(3)
    alphabet = list("ab09._ 北京站") + list(',"\r\n=+-@\t')
    answers = set()
    for trial in range(400):
        n = int(rng.integers(1, 40))
        rare = rng.random() < 0.5  # mostly plain cells, a special character now and then
        cells = []
        for _ in range(n):
            k = int(rng.integers(0, 6))
            pick = rng.integers(0, 12 if rare and rng.random() < 0.95 else len(alphabet), k)
            cells.append("".join(alphabet[int(i)] for i in pick))
        if trial % 5 == 0:
            cells = [f"{rng.normal():+.3f}" for _ in range(n)]  # signed numbers: plain
        arr = pa.array(["x,y", *cells, "=z"], type=pa.string()).slice(1, n)  # an offset
        got = _needs_pandas(arr)
        assert got == by_patterns(cells), cells
        answers.add(got)
    assert answers == {True, False}
