"""Write result tables as CSV and Excel that are safe to open in a spreadsheet.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, or a tab/carriage return before one of them — OWASP "CSV injection") are escaped
with a leading apostrophe. Plain numbers such as ``-3.5`` are left alone. Files are
written to a temporary name in the same folder and renamed, so a reader never sees half
a file. Excel output never contains formulas: every text cell is stored as text.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from fleetopt._csv_text import csv_line, frame_csv_text
from fleetopt._json import to_jsonable
from fleetopt.results.export_csv import csv_blocks, may_need_escape

logger = logging.getLogger(__name__)

__all__ = [
    "escape_cell",
    "escape_csv_file",
    "escape_csv_tree",
    "escape_frame",
    "to_csv_bytes",
    "to_excel_bytes",
    "write_csv",
    "write_excel",
    "write_result",
]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_cell(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe if a spreadsheet would read it as a formula.

    Parameters
    ----------
    value : object
        A cell value; only ``str`` values can be changed.

    Returns
    -------
    object
        The value, escaped when it is text starting with ``=``, ``+``, ``-``, ``@``, tab
        or carriage return and is not a plain number.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_TRIGGERS) and not _NUMBER_RE.match(value):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell and column name escaped.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table to export.

    Returns
    -------
    pandas.DataFrame
        Same shape; numeric columns untouched.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(escape_cell)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[str]:
    """Yield a temporary name beside ``path``; on success sync it and rename it to ``path``.

    The folder is created when missing; on any error the temporary file is removed and
    ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write(path: Path, data: bytes | Iterable[bytes]) -> Path:
    """Write ``data`` (bytes, or blocks of bytes) to a temporary name and rename it."""
    path = Path(path)
    with _replacing(path) as tmp, open(tmp, "wb") as fh:
        fh.writelines([data] if isinstance(data, bytes) else data)
    return path


def to_csv_bytes(frame: pd.DataFrame, *, bom: bool = True) -> bytes:
    """Render a table as escaped CSV bytes (UTF-8; with a BOM so Excel shows Chinese text).

    Parameters
    ----------
    frame : pandas.DataFrame
        Table to export.
    bom : bool
        Start with the UTF-8 byte-order mark (Excel needs it to read UTF-8).

    Returns
    -------
    bytes
    """
    text = frame_csv_text(escape_frame(frame))
    return ("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8")




def write_csv(frame: pd.DataFrame, path: str | Path, *, bom: bool = True) -> Path:
    """Write a table as escaped CSV, atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table to export.
    path : str or pathlib.Path
        Destination file.
    bom : bool
        Start with the UTF-8 byte-order mark.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    return _atomic_write(Path(path), to_csv_bytes(frame, bom=bom))


def _excel_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    item = getattr(value, "item", None)
    if callable(item):
        value = item()
    if isinstance(value, str):
        return _EXCEL_BAD_CHARS.sub("", escape_cell(value))
    if isinstance(value, (bool, int, float)):
        return value
    return _EXCEL_BAD_CHARS.sub("", escape_cell(str(value)))


def to_excel_bytes(sheets: pd.DataFrame | Mapping[str, pd.DataFrame]) -> bytes:
    """Render one table or named tables as an .xlsx workbook with escaped text cells.

    Parameters
    ----------
    sheets : pandas.DataFrame or mapping of str to pandas.DataFrame
        One table (sheet "results") or sheet name -> table.

    Returns
    -------
    bytes
        The workbook.

    Raises
    ------
    ValueError
        When a table has more rows than an Excel sheet holds (1,048,576 with the header).
    """
    from openpyxl import Workbook

    named = {"results": sheets} if isinstance(sheets, pd.DataFrame) else dict(sheets)
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for i, (name, frame) in enumerate(named.items()):
        if len(frame) + 1 > _EXCEL_MAX_ROWS:
            msg = (
                f"table {name!r} has {len(frame):,} rows; "
                f"an Excel sheet holds {_EXCEL_MAX_ROWS - 1:,}"
            )
            raise ValueError(msg)
        title = re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or f"sheet{i + 1}"
        while title in used:
            title = f"{title[:28]}_{i}"
        used.add(title)
        ws = wb.create_sheet(title=title)
        ws.append([_excel_value(str(c)) for c in frame.columns])
        for rec in frame.itertuples(index=False, name=None):
            ws.append([_excel_value(v) for v in rec])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_excel(sheets: pd.DataFrame | Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write one table or named tables as an .xlsx workbook, atomically.

    Parameters
    ----------
    sheets : pandas.DataFrame or mapping of str to pandas.DataFrame
        One table or sheet name -> table.
    path : str or pathlib.Path
        Destination ``.xlsx`` file.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    return _atomic_write(Path(path), to_excel_bytes(sheets))


def escape_csv_file(path: str | Path) -> bool:
    """Escape the formula-like cells of a CSV file in place, atomically; text otherwise kept.

    Cells are read as text and written back as text, so numbers (``-3.5``), leading zeros
    and the number format are exactly as they were; only cells :func:`escape_cell`
    changes get a leading apostrophe. The file is rewritten only when a cell changed.

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV file (UTF-8, with or without BOM) written by one of fleetopt's writers.

    Returns
    -------
    bool
        True when the file was rewritten.
    """
    path = Path(path)
    new = _escaped_csv_bytes(path.read_bytes(), str(path))
    if new is None:
        return False
    _atomic_write(path, new)
    return True


def _escaped_csv_bytes(raw: bytes, label: str) -> bytes | None:
    """Return CSV bytes with formula-like cells escaped, or None when nothing changes."""
    bom = raw.startswith(b"\xef\xbb\xbf")
    content = raw[3:] if bom else raw
    if b"\r" not in content and not may_need_escape(content):  # no cell to escape: not parsed
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # not a text table fleetopt wrote: left as it is
        logger.info("%s: not UTF-8; not escaped", label)
        return None
    if not any(t in text for t in _TRIGGERS if t not in ("\n", "\r")) and "\r" not in text:
        return None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        logger.info("%s: not a CSV table; not escaped", label)
        return None
    changed = False
    out_rows = []
    for rec in rows:
        new = [escape_cell(c) for c in rec]
        changed = changed or new != rec
        out_rows.append(new)
    if not changed:
        return None
    body = "".join(csv_line(rec) for rec in out_rows)
    return ("\ufeff" if bom else "").encode("utf-8") + body.encode("utf-8")


def write_result(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, *, summary: Mapping[str, Any]
) -> Path:
    """Write a result's tables (CSV and Parquet) and ``summary.json``, each file atomically.

    The CSV is pandas' plain ``to_csv`` (no BOM, the form ``simulate --out`` has always had)
    with formula-like cells escaped as :func:`escape_csv_file` does; the Parquet keeps the
    raw values; ``summary.json`` is indented UTF-8 JSON without NaN. Each file is written to
    a temporary name and renamed, so a reader never sees half a file.

    Parameters
    ----------
    tables : mapping
        ``name -> DataFrame`` (for a simulation, ``SimulationResult.tables()``).
    out_dir : str or pathlib.Path
        Target folder (created).
    summary : mapping
        The JSON document (for a simulation, ``SimulationResult.summary_doc()``).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        target = out / f"{name}.csv"
        blocks = csv_blocks(df)  # pandas' bytes, column-wise in blocks of rows (no escaping due)
        if blocks is not None:
            _atomic_write(target, blocks)
        else:
            raw = frame_csv_text(df).encode("utf-8")
            _atomic_write(target, _escaped_csv_bytes(raw, str(target)) or raw)
        _atomic_parquet(df, out / f"{name}.parquet")
    text = json.dumps(to_jsonable(dict(summary)), indent=2, ensure_ascii=False, allow_nan=False)
    _atomic_write(out / "summary.json", (text + "\n").encode("utf-8"))
    return out


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as Parquet to a temporary name in the folder and rename it."""
    with _replacing(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def escape_csv_tree(folder: str | Path) -> list[Path]:
    """Escape every ``*.csv`` under ``folder`` (see :func:`escape_csv_file`).

    The result writers of the simulation, siting and sweep layers write plain CSV; the run
    store and the CLI pass their folders through this one function before anyone opens
    them, so every CSV fleetopt writes is escaped the same way as the app's downloads.

    Returns
    -------
    list of pathlib.Path
        The files that were rewritten.
    """
    return [p for p in sorted(Path(folder).rglob("*.csv")) if p.is_file() and escape_csv_file(p)]
