"""Turn the bytes of a CSV or Excel table into string columns with spreadsheet row numbers.

This is the shared border of every tabular reader (trips, requests, stations): it
recognises the content, decodes it, splits it into records, renames headers through a
``COLUMN_MAP`` and numbers each record as a spreadsheet shows it (header = line 1).
It never interprets values; the format readers do that.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fleetopt import settings
from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps, _encoding

logger = logging.getLogger(__name__)

ROW = "row"


@dataclass
class RawTable:
    """A table read at the border, before any value is interpreted.

    Attributes
    ----------
    frame : pandas.DataFrame
        One string column per header (canonical name when mapped; "" for empty cells)
        plus ``row``, the spreadsheet line number of each record.
    original : dict
        Canonical column name -> header text as written in the file.
    label : str or None
        File name used in messages.
    encoding : str
        Text encoding found (``"xlsx"`` for workbooks).
    warnings : list of Problem
        Problems that do not stop reading (ignored columns, skipped sheets).
    """

    frame: pd.DataFrame
    original: dict[str, str]
    label: str | None
    encoding: str
    warnings: list[Problem] = field(default_factory=list)


def normalise_header(text: str) -> str:
    """Normalise a header for lookup: NFKC (full-width to ASCII), trim, lower, ``_`` for spaces.

    Parameters
    ----------
    text : str
        Header cell as written.

    Returns
    -------
    str
        Lookup key.
    """
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = t.replace("\ufeff", "")
    return "_".join(t.split())


def _sep_of(first_line: str) -> str:
    if first_line.count(",") == 0:
        if first_line.count("\t") > 0:
            return "\t"
        if first_line.count(";") > 0:
            return ";"
    return ","


def _too_many_rows(label: str | None) -> InputError:
    limit = settings.MAX_INPUT_ROWS
    msg = (
        f"the table has more than {limit:,} data rows; the limit is {limit:,} "
        "(settings.MAX_INPUT_ROWS, environment variable FLEETOPT_MAX_INPUT_ROWS)"
    )
    return InputError(msg, [Problem(msg, file=label)])


def _records_csv(text: str, utf8: bytes, label: str | None) -> pd.DataFrame:
    """Split CSV text into string records (no header handling), numbered from 1.

    The fast path is Arrow's multi-threaded CSV reader; files with ragged rows go through
    pandas and, if that fails too, the standard library, which locates every bad row.
    """
    nul = utf8.find(b"\x00")
    if nul >= 0:
        line = utf8.count(b"\n", 0, nul) + 1
        msg = "the text contains a NUL character (binary data?)"
        raise InputError(msg, [Problem(msg, row=line, file=label)])
    first_line = text.split("\n", 1)[0]
    sep = _sep_of(first_line)
    check_width(text, sep, label)
    max_rows = settings.MAX_INPUT_ROWS + 2  # header + limit + one to detect overflow
    frame = _records_arrow(utf8, sep)
    if frame is None:
        try:
            frame = pd.read_csv(
                io.BytesIO(utf8),
                encoding="utf-8",
                header=None,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                sep=sep,
                engine="c",
                nrows=max_rows,
            )
            frame = frame.fillna("")
            frame.columns = range(frame.shape[1])
        except pd.errors.EmptyDataError:
            return pd.DataFrame()
        except (pd.errors.ParserError, ValueError, csv.Error, UnicodeDecodeError):
            frame = _records_csv_slow(text, sep, label, max_rows)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def check_width(text: str, sep: str, label: str | None) -> None:
    """Refuse a table wider than ``MAX_COLUMNS`` before splitting it (300k columns: GBs).

    Only lines longer than the cap can hold more fields than the cap; the regular
    expression finds them in C, then each is split exactly (quotes respected).
    """
    limit = _caps.MAX_COLUMNS
    for m in re.finditer(rf"[^\n]{{{limit + 1},}}", text):
        line = m.group(0)
        if line.count(sep) < limit:
            continue
        fields = _count_fields(line, sep)
        if fields > limit:
            line_no = text.count("\n", 0, m.start()) + 1
            raise _caps.over_cap(f"line {line_no:,} has {fields:,} columns", "MAX_COLUMNS",
                                 limit, file=label, row=line_no)


def excerpt(text: str, limit: int = 40) -> str:
    """Return a short, printable excerpt of user text for messages (controls replaced)."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in str(text)[: limit + 1])
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _count_fields(line: str, sep: str) -> int:
    try:
        return max((len(r) for r in csv.reader([line], delimiter=sep)), default=0)
    except csv.Error:
        return line.count(sep) + 1


def _records_arrow(utf8: bytes, sep: str) -> pd.DataFrame | None:
    """Read with Arrow; None when a row has a wrong number of fields (the slow path locates it)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    ragged: list[int] = []

    def on_invalid(row: object) -> str:
        ragged.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=sep,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                auto_dict_encode=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError):
        return None
    if ragged:
        return None
    if any(
        not pa.types.is_string(t) and not pa.types.is_large_string(t) for t in table.schema.types
    ):
        table = table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))
    dtype = pd.StringDtype(storage="pyarrow", na_value=np.nan)
    frame = table.to_pandas(types_mapper=lambda t: dtype)
    frame.columns = range(frame.shape[1])
    return frame


def _records_csv_slow(text: str, sep: str, label: str | None, max_rows: int) -> pd.DataFrame:
    """Split CSV text with the standard library, locating rows with too many fields."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records: list[list[str]] = []
    problems: list[Problem] = []
    width: int | None = None
    header_row = 0
    try:
        for rec in reader:
            records.append(rec)
            n = len(records)
            if n > max_rows:
                break
            if width is None:
                if any(c.strip() for c in rec):
                    width, header_row = len(rec), n
                continue
            extra = [c for c in rec[width:] if c.strip()]
            if extra:
                msg = (
                    f"the row has {len(rec)} fields but the header (line {header_row}) "
                    f"has {width}; "
                    "a comma inside a value must be quoted"
                )
                problems.append(Problem(msg, row=n, file=label))
                if len(problems) >= 100:
                    problems.append(
                        Problem(
                            "more rows have too many fields (listing stopped at 100)", file=label
                        )
                    )
                    break
    except csv.Error as exc:
        msg = f"the CSV cannot be split into fields near line {reader.line_num}: {exc}"
        problems.append(Problem(msg, row=len(records) + 1, file=label))
    if problems:
        msg = "the CSV table has malformed rows"
        raise InputError(msg, problems)
    w = width or 0
    padded = [(r + [""] * w)[:w] if len(r) != w else r for r in records]
    return pd.DataFrame(padded, dtype=str) if padded else pd.DataFrame()


def _cell_text(value: object) -> str:
    """Render one Excel cell as the text a CSV export would contain."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.date() in (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1)):
            # a time-of-day cell stored on Excel's epoch day
            base = 0 if value.date() != dt.date(1900, 1, 1) else 86400
            secs = base + value.hour * 3600 + value.minute * 60 + value.second
            return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
        return value.isoformat()
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if isinstance(value, dt.timedelta):
        secs = round(value.total_seconds())
        sign = "-" if secs < 0 else ""
        secs = abs(secs)
        return f"{sign}{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _records_xlsx(
    data: bytes,
    label: str | None,
    column_map: Mapping[str, str],
    required: tuple[str, ...],
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the sheet that holds the table (the first whose header has the required columns)."""
    import openpyxl  # local: only Excel uploads need it
    from openpyxl.utils import get_column_letter

    _encoding.check_zip(data, label).close()
    notes: list[Problem] = []
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of a third-party parser on user bytes
        msg = f"cannot read the Excel workbook ({type(exc).__name__}: {exc})"
        raise InputError(msg, [Problem(msg, file=label)]) from None
    try:
        # each sheet read as (rows of cell texts, row number of each in the sheet)
        chosen: tuple[list[list[str]], list[int]] | None = None
        first: tuple[list[list[str]], list[int]] | None = None
        limit = settings.MAX_INPUT_ROWS + 2
        for ws in wb.worksheets:
            rows: list[list[str]] = []
            numbers: list[int] = []
            # never pad to the declared <dimension> (a few-KB file can declare XFD1048576)
            # and never walk the empty rows before a far cell (A1048576: a million rows):
            # read the cells that exist, with their row numbers, width capped
            for number, cells in _sheet_cells(wb, ws):
                end = max((c for c, v in cells if v is not None), default=0)
                if end > _caps.MAX_COLUMNS:
                    raise _caps.over_cap(
                        f"sheet {ws.title!r} has a cell at {get_column_letter(end)}{number}"
                        f" (column {end:,})",
                        "MAX_COLUMNS", _caps.MAX_COLUMNS, file=label, row=number,
                    )
                values: list[object] = [None] * end
                for c, v in cells:
                    if 1 <= c <= end:
                        values[c - 1] = v
                rows.append([_cell_text(v) for v in values])
                numbers.append(number)
                if len(rows) > limit + 50:
                    break
            if first is None:
                first = (rows, numbers)
            header = next((r for r in rows if any(c.strip() for c in r)), None)
            if header is None:
                continue
            names = {column_map.get(normalise_header(h), normalise_header(h)) for h in header}
            if all(c in names for c in required):
                chosen = (rows, numbers)
                if ws is not wb.worksheets[0]:
                    notes.append(
                        Problem(
                            f"read sheet {ws.title!r} (the first sheet with the required columns)",
                            file=label,
                        )
                    )
                break
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed sheets raise many kinds of errors
        msg = f"cannot read the Excel workbook ({type(exc).__name__}: {exc})"
        raise InputError(msg, [Problem(msg, file=label)]) from None
    finally:
        wb.close()
    rows, numbers = chosen or first or ([], [])
    width = max((len(r) for r in rows), default=0)
    padded = [r + [""] * (width - len(r)) for r in rows]
    frame = pd.DataFrame(padded, dtype=str) if padded else pd.DataFrame()
    # the index is each row's number in the sheet (rows without cells are not made)
    frame.index = pd.Index(numbers, dtype="int64")
    return frame, notes


def _sheet_cells(wb: Any, ws: Any) -> Iterator[tuple[int, list[tuple[int, object]]]]:
    """Yield (row number, [(column number, value), ...]) for the rows of a sheet that exist.

    openpyxl's ``iter_rows`` makes an empty row for every row number it skips (a cell at
    A1048576 walks a million rows, ~1.5 s); its worksheet parser yields the stored rows
    with their numbers, so gaps cost nothing. Falls back to ``iter_rows`` if that
    internal parser is not there (another openpyxl version).
    """
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        source = ws._get_source()
        parser = WorkSheetParser(
            source, ws._shared_strings, data_only=wb.data_only, epoch=wb.epoch,
            date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats,
        )
    except (ImportError, AttributeError, TypeError):
        ws.reset_dimensions()
        for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            yield number, [(c, v) for c, v in enumerate(values, start=1) if v is not None]
        return
    with source:
        for number, cells in parser.parse():
            yield int(number), [(int(c["column"]), c["value"]) for c in cells]


def read_table(
    data: bytes,
    *,
    label: str | None,
    column_map: Mapping[str, str],
    required: tuple[str, ...],
    expected: str,
) -> RawTable:
    """Read a CSV or xlsx table into string columns named by ``column_map``.

    Parameters
    ----------
    data : bytes
        File content.
    label : str or None
        File name for messages.
    column_map : mapping of str to str
        Normalised source header (see :func:`normalise_header`) -> canonical name.
    required : tuple of str
        Canonical columns the table must have (used to choose the Excel sheet).
    expected : str
        Description of the expected content for messages, e.g. ``"a trips table"``.

    Returns
    -------
    RawTable

    Raises
    ------
    InputError
        Empty, binary, HTML or otherwise unreadable content; too many rows;
        duplicate or empty headers; no data rows.
    """
    _encoding.check_size(len(data), label)
    kind = _encoding.sniff(data)
    notes: list[Problem] = []
    if kind == "xlsx":
        records, notes = _records_xlsx(data, label, column_map, required)
        encoding = "xlsx"
    elif kind == "text":
        text, encoding, notes = _encoding.decode_text_checked(data, label)
        if encoding == "utf-8":
            utf8 = data
        elif encoding == "utf-8-sig":
            utf8 = data[3:]
        else:
            utf8 = text.encode("utf-8")
        records = _records_csv(text, utf8, label)
        del text, utf8  # the records hold the table now (memory: one copy at a time)
    else:
        p = _encoding.kind_problem(kind, label, expected)
        raise InputError(p.message, [p])

    if records.shape[1] == 0 or records.shape[0] == 0:
        msg = "the file has no table (no header line)"
        raise InputError(msg, [Problem(msg, file=label)])
    nonempty = np.asarray((records != "").to_numpy().any(axis=1), dtype=bool)
    if not nonempty.any():
        msg = "the file is empty (only blank lines)"
        raise InputError(msg, [Problem(msg, file=label)])
    header_pos = int(nonempty.argmax())
    header_row = header_pos + 1
    header_cells = [str(c) for c in records.iloc[header_pos].tolist()]
    body = records.iloc[header_pos + 1 :]
    if not nonempty[header_pos + 1 :].all():  # boolean indexing copies: only when needed
        body = body[nonempty[header_pos + 1 :]]
    if len(body) > settings.MAX_INPUT_ROWS:
        raise _too_many_rows(label)

    problems: list[Problem] = []
    keep: list[int] = []
    names: list[str] = []
    original: dict[str, str] = {}
    for pos, cell in enumerate(header_cells):
        raw = cell.strip().lstrip("\ufeff")
        if not raw:
            col_has_data = bool((body[pos] != "").any()) if pos in body.columns else False
            if col_has_data:
                msg = f"column {pos + 1} has values but no header"
                problems.append(Problem(msg, row=header_row, column=f"#{pos + 1}", file=label))
            continue
        key = normalise_header(raw)
        name = column_map.get(key, key)
        if name in original:
            msg = f"two columns mean {name!r}: {original[name]!r} and {raw!r}; keep one"
            problems.append(Problem(msg, row=header_row, column=raw, file=label))
            continue
        if name == ROW:
            continue  # a 'row' column of the user's own would clash with ours
        original[name] = raw
        keep.append(pos)
        names.append(name)
    if problems:
        msg = "the header line has problems"
        raise InputError(msg, problems)
    frame = body[keep]  # a new frame (lazy under copy-on-write); no explicit deep copy
    frame.columns = names
    frame[ROW] = body.index.to_numpy(dtype="int64")
    frame = frame.reset_index(drop=True)
    return RawTable(frame=frame, original=original, label=label, encoding=encoding, warnings=notes)
