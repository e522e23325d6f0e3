"""CSV text of a table that every reader splits into the same rows (no layer: all may use it).

Python's csv writer, and so pandas' ``to_csv``, quotes a field holding a comma, a quote or
the line terminator's characters; with lines ending in a newline it leaves a lone carriage
return bare, which every reader (pandas, Excel, the csv module) takes as a line break. The
result writers (:mod:`fleetopt.results.export`), the planner's files and its internal round
trip, and the siting assignments write their tables through :func:`frame_csv_text`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

__all__ = ["csv_field", "csv_line", "frame_csv_text", "write_frame_csv"]


def frame_csv_text(frame: pd.DataFrame) -> str:
    """Return pandas' ``to_csv(index=False)`` text, with a lone carriage return quoted too.

    A table holding a carriage return is written with every field quoted, read back field
    for field (nothing is lost inside quotes) and written again with pandas' minimal
    quoting plus the carriage return (:func:`csv_line`). Other tables are pandas' text
    unchanged (lines end in a newline).
    """
    text = str(frame.to_csv(index=False, lineterminator="\n"))
    if "\r" not in text:
        return text
    quoted = str(frame.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL))
    return "".join(csv_line(rec) for rec in csv.reader(io.StringIO(quoted, newline="")))


def write_frame_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`frame_csv_text` of ``frame`` to ``path`` as UTF-8 (no BOM); return it."""
    path = Path(path)
    path.write_bytes(frame_csv_text(frame).encode("utf-8"))
    return path


def csv_line(rec: list[str]) -> str:
    """Return one CSV line (newline-terminated) of text fields, quoted as :func:`csv_field`.

    A line of one empty field is written ``""`` (as the csv module does), so it is not
    read as a blank line and skipped.
    """
    if len(rec) == 1 and not rec[0]:
        return '""\n'
    return ",".join(csv_field(c) for c in rec) + "\n"


def csv_field(cell: str) -> str:
    """Quote a field that holds a comma, a quote or any line break (a lone CR included)."""
    if any(ch in cell for ch in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell
