"""Render a table as CSV bytes in chunks, byte for byte what pandas' ``to_csv`` writes.

``pandas.DataFrame.to_csv(index=False)`` formats every float with numpy's shortest repr and
runs every cell through Python's ``csv`` writer: about a microsecond per cell, and a whole
copy of the text in memory. A simulated city day has tens of millions of cells. Here a
table of plain columns (float64, integers, bool and text) is rendered column-wise with Arrow
compute, a bounded block of rows at a time, into exactly the bytes pandas writes:

* floats: Arrow's shortest round-trip digits, laid out as numpy does (``1.0``, ``0.0001``,
  ``1e-05``, ``1e+16``): Arrow's text is used where both lay the same digits out the same
  way (``1e-4 <= |x| < 1e10``; ``.0`` added to whole numbers), numpy's own formatting
  everywhere else; NaN as an empty cell;
* integers as ``str(int)``, bools as ``True`` / ``False``, text as it is, missing as empty.

A table this cannot render identically is left to pandas (:func:`csv_blocks` returns None):
another dtype, a column name or text cell that needs quoting (``,``, ``"``, a line break) or
escaping against formula injection (:func:`fleetopt.results.export.escape_cell`; ``-inf``
too), or a single column (where the writer quotes an empty cell).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["csv_blocks", "format_floats"]

#: Cells per block of rows rendered at once (bounds the memory of a large table).
_BLOCK_CELLS = 1_000_000
#: Characters that make a cell formula-like when it starts with one, and that make a cell
#: need quoting anywhere in it (one definition: the patterns and the byte lookups below).
_TRIGGER_CHARS = "=+-@\t\r\n"
_QUOTE_CHARS = ',"\r\n'
_TRIGGER_RE = f"^[{re.escape(_TRIGGER_CHARS)}]"
_QUOTE_RE = f"[{re.escape(_QUOTE_CHARS)}]"
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


#: Arrow writes a float positionally below this magnitude (and from 1e-6 up): its formatter
#: is double-conversion's shortest form with ``decimal_in_shortest_low = -6`` and
#: ``decimal_in_shortest_high = 10``; from 1e10 on it writes an exponent (``1e+10``).
_ARROW_POSITIONAL_BELOW = 1e10


def format_floats(values: np.ndarray) -> pa.StringArray:
    """Return each float64 as numpy's ``astype(str)`` writes it, NaN as an empty string.

    Arrow's shortest digits are used where Arrow and numpy both write them positionally
    (``1e-4 <= |x| < 1e10``) and the value is not whole; whole numbers there are written as
    the integers they are with ``.0`` added (Arrow's digits of 3.0 are those of 3); numpy's
    own text everywhere else (zeros, NaN, tiny and large values). Each value is formatted in
    one of the three ways only, and the texts are put in row order with one ``take``.

    Parameters
    ----------
    values : numpy.ndarray
        float64 values.

    Returns
    -------
    pyarrow.StringArray
        The text of each value.
    """
    v = np.ascontiguousarray(values, dtype=np.float64)
    a = np.abs(v)
    with np.errstate(invalid="ignore"):
        same = (a >= 1e-4) & (a < _ARROW_POSITIONAL_BELOW)  # NaN: False
        whole = same & (v == np.trunc(v))
    if not same.any():  # all zeros, NaN, tiny or large (a fuel column nobody burns)
        return _own_text(v)
    rows = [np.flatnonzero(same & ~whole), np.flatnonzero(whole), np.flatnonzero(~same)]
    parts: list[pa.Array] = []
    if rows[0].size:
        parts.append(pc.cast(pa.array(v[rows[0]]), pa.string()))
    if rows[1].size:  # |x| < 1e10: exact as an int64
        ints = pc.cast(pa.array(v[rows[1]].astype(np.int64)), pa.string())
        parts.append(pc.binary_join_element_wise(ints, ".0", ""))
    if rows[2].size:
        parts.append(_own_text(v[rows[2]]))
    if len(parts) == 1:
        return parts[0]
    # row i's text is at place[i] of the parts laid end to end
    place = np.empty(v.size, dtype=np.int64)
    start = 0
    for at in rows:
        place[at] = np.arange(start, start + at.size)
        start += at.size
    return pc.take(pa.concat_arrays(parts), pa.array(place))


#: Bit patterns of +0.0 and -0.0 (the commonest values numpy writes itself).
_ZERO_BITS = np.array([0.0, -0.0]).view(np.int64)


def _own_text(v: np.ndarray) -> pa.StringArray:
    """Return numpy's text of each float (NaN empty), formatting each distinct value once.

    Zeros and NaN, which fill whole columns of a result table, are looked up without
    sorting; the other values are formatted once per distinct bit pattern.
    """
    bits = v.view(np.int64)
    nan = np.isnan(v)
    # codes into ["0.0", "-0.0", "", distinct others...]
    codes = np.where(bits == _ZERO_BITS[0], 0, np.where(bits == _ZERO_BITS[1], 1, 2))
    rest = (codes == 2) & ~nan
    words: list[str] = ["0.0", "-0.0", ""]
    if rest.any():
        u, inv = np.unique(bits[rest], return_inverse=True)
        codes[rest] = 3 + inv.ravel()
        words += u.view(np.float64).astype(str).tolist()
    return pc.take(pa.array(words, type=pa.string()), pa.array(codes.astype(np.int32)))


def _byte_set(chars: str) -> np.ndarray:
    """Return a 256-entry lookup: True at the bytes of ``chars`` (ASCII)."""
    lut = np.zeros(256, dtype=bool)
    lut[np.frombuffer(chars.encode("ascii"), dtype=np.uint8)] = True
    return lut


#: Bytes that make a cell need quoting (``_QUOTE_RE``), and that make a cell formula-like
#: when it starts with one (``_TRIGGER_RE``). UTF-8 never uses ASCII bytes inside another
#: character, so looking at the bytes finds exactly the cells the patterns find.
_QUOTE_BYTES = _byte_set(_QUOTE_CHARS)
_TRIGGER_BYTES = _byte_set(_TRIGGER_CHARS)
#: The bytes of ``_QUOTE_CHARS``, each searched for on its own in a text column's bytes.
_QUOTE_SEEK = tuple(bytes([b]) for b in np.flatnonzero(_QUOTE_BYTES).tolist())


def _needs_pandas(text: pa.Array) -> bool:
    """Return True when a text column has a cell the fast path must not write as it is.

    ``text`` is a string array without nulls (:func:`_text_column`). Its bytes are searched
    for each byte of ``_QUOTE_RE``, then the first byte of each non-empty cell is looked up
    against ``_TRIGGER_RE`` (only those cells are then read as text).
    """
    if text.null_count:  # pragma: no cover - _text_column fills nulls
        text = pc.fill_null(text, "")
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[
        text.offset : text.offset + len(text) + 1
    ]
    raw = text.buffers()[2]
    if raw is None or offsets[-1] == offsets[0]:  # every cell empty
        return False
    blob = raw.slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()
    if any(ch in blob for ch in _QUOTE_SEEK):  # a search per byte value (memchr), not a lookup
        return True
    data = np.frombuffer(blob, dtype=np.uint8)
    starts = offsets[:-1]
    lead = np.zeros(len(text), dtype=bool)
    full = np.flatnonzero(starts < offsets[1:])
    lead[full] = _TRIGGER_BYTES[data[starts[full] - offsets[0]]]
    if not lead.any():
        return False
    # a formula-like cell is escaped (pandas' path); a plain number such as -3.5 is not
    return any(not _NUMBER_RE.match(s) for s in text.filter(pa.array(lead)).to_pylist())


def _text_column(col: pd.Series) -> pa.Array | None:
    """Return a text column as Arrow strings (missing as ""), or None when not plain text."""
    if isinstance(col.dtype, pd.StringDtype):
        arr = pa.array(col, from_pandas=True, type=pa.string())
    elif col.dtype == object:
        if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty"):
            return None
        arr = pa.array(col.to_numpy(object), from_pandas=True, type=pa.string())
    else:
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.fill_null(arr, "")


def _render(col: np.ndarray | pa.Array) -> pa.Array:
    """Return one block of a column prepared by :func:`_prepared` as CSV cell text."""
    if isinstance(col, pa.Array):  # text
        return col
    if col.dtype == np.float64:
        return format_floats(col)
    if col.dtype == np.bool_:
        return pc.if_else(pa.array(col), "True", "False")
    return pc.cast(pa.array(col), pa.string())  # integers


def _header_ok(frame: pd.DataFrame) -> bool:
    names = [str(c) for c in frame.columns]
    if len(names) < 2 or not frame.columns.is_unique or isinstance(frame.columns, pd.MultiIndex):
        return False
    return not any(
        re.search(_QUOTE_RE, n) or (re.match(_TRIGGER_RE, n) and not _NUMBER_RE.match(n))
        for n in names
    )


def _block(
    frame: pd.DataFrame, cols: list[np.ndarray | pa.Array] | None, a: int, b: int
) -> bytes:
    """Return the CSV lines of rows ``a:b`` of the table.

    Made of ``cols`` (:func:`_prepared`), or, for a table of floats only (``cols`` None), of
    its values row by row.
    """
    if cols is None:  # a wide table of numbers (load_kw)
        flat = format_floats(frame.iloc[a:b].to_numpy(np.float64).ravel())  # row by row
        ncols = len(frame.columns)
        starts = pa.array(np.arange(0, (b - a) * ncols + 1, ncols, dtype=np.int32))
        line = pc.binary_join(pa.ListArray.from_arrays(starts, flat), ",")
        line = pc.binary_join_element_wise(line, "", "\n")  # "row" + "\n" + ""
    else:
        cells = [_render(c[a:b]) for c in cols]
        # the line end goes on the last cell (a pass over one column, not over every line)
        cells[-1] = pc.binary_join_element_wise(cells[-1], "", "\n")
        line = pc.binary_join_element_wise(*cells, ",")
    if isinstance(line, pa.ChunkedArray):
        line = line.combine_chunks()
    # the lines' bytes are read where they are, through their own offsets (not cast first)
    wide = pa.types.is_large_string(line.type)
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int64 if wide else np.int32)[
        line.offset : line.offset + len(line) + 1
    ]
    data = line.buffers()[2]
    if data is None:
        return b""
    out: bytes = data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()
    return out


def csv_blocks(frame: pd.DataFrame) -> Iterator[bytes] | None:
    """Return the bytes of ``frame.to_csv(index=False)`` as blocks, or None (pandas' job).

    The first block is the header. Every column is checked before the first block is
    made, so a table either renders whole here or is left to pandas.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.

    Returns
    -------
    iterator of bytes or None
        UTF-8 blocks whose concatenation equals ``frame.to_csv(index=False).encode()``;
        None when the table has a column or cell this module does not render.
    """
    if not _header_ok(frame) or len(frame) == 0:
        return None
    rows = max(1, _BLOCK_CELLS // len(frame.columns))
    blocks = [(a, min(a + rows, len(frame))) for a in range(0, len(frame), rows)]
    cols: list[np.ndarray | pa.Array] | None = None
    if all(dt == np.float64 for dt in frame.dtypes):  # rendered row by row (_block)
        if bool(np.isneginf(frame.to_numpy(np.float64)).any()):  # as _prepared checks floats
            return None
    else:
        # every column is checked whole before the first block (a bad cell late in the
        # table), and taken once: the blocks are slices of it
        cols = []
        for name in frame.columns:
            col = _prepared(frame[name])
            if col is None:
                return None
            cols.append(col)

    def gen() -> Iterator[bytes]:
        yield (",".join(str(c) for c in frame.columns) + "\n").encode("utf-8")
        for a, b in blocks:
            yield _block(frame, cols, a, b)

    return gen()


def _prepared(col: pd.Series) -> np.ndarray | pa.Array | None:
    """Return a column's values for :func:`_render`, or None when it is not for the fast path.

    Numbers as numpy arrays, text as Arrow strings without nulls; the whole column is checked.
    """
    dt = col.dtype
    if dt == np.float64:
        values = col.to_numpy()
        return None if bool(np.isneginf(values).any()) else values
    if dt == np.bool_ or (isinstance(dt, np.dtype) and dt.kind in "iu"):
        return col.to_numpy()
    text = _text_column(col)
    return None if text is None or _needs_pandas(text) else text


#: A signed number at a cell start, up to the cell's end (ASCII digits; bytes).
_SIGNED_NUMBER = re.compile(rb"[+-](?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?=,|\n|\Z)")
_CELL_TRIGGERS = np.frombuffer(b'=+-@\t"', dtype=np.uint8)
_SCAN_BYTES = 1 << 24


def may_need_escape(raw: bytes) -> bool:
    """Return True when a cell of a CSV text (no BOM, no carriage return) may be formula-like.

    A cell starts at the text's start or after a comma or a newline; it may need the
    apostrophe of :func:`fleetopt.results.export.escape_cell` when it starts with ``=``,
    ``@``, a tab, a quote followed by any trigger, or a sign not followed by a plain number
    running to the cell's end. Positions inside quoted cells are looked at too, so this may
    say True for a file that needs nothing, never False for one that does. Scanned with
    numpy in blocks, so a large file costs a fraction of parsing it.

    Parameters
    ----------
    raw : bytes
        The CSV bytes after any BOM.

    Returns
    -------
    bool
    """
    buf = np.frombuffer(raw, dtype=np.uint8)
    starts = [np.zeros(1, dtype=np.int64)] if len(buf) else []
    for a in range(0, len(buf), _SCAN_BYTES):
        seg = buf[a : a + _SCAN_BYTES + 1]
        sep = (seg[:-1] == ord(",")) | (seg[:-1] == ord("\n"))
        hit = sep & np.isin(seg[1:], _CELL_TRIGGERS)
        starts.append(np.flatnonzero(hit) + a + 1)
    for p in np.concatenate(starts).tolist() if starts else []:
        c = raw[p : p + 1]
        if c in (b"=", b"@", b"\t"):
            return True
        if c == b'"':
            if raw[p + 1 : p + 2] in (b"=", b"+", b"-", b"@", b"\t", b"\r", b"\n"):
                return True
        elif c in (b"+", b"-") and not _SIGNED_NUMBER.match(raw, p):
            return True
    return False
