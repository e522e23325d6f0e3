"""CSV/Excel export: formula-looking text is escaped, numbers and Chinese text survive."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fleetopt.results.export import (
    escape_cell,
    to_csv_bytes,
    write_csv,
    write_excel,
    write_result,
)

ATTACKS = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    '=HYPERLINK("http://x")',
    "\t=1+1",
    "\r=1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_is_escaped(text: str) -> None:
    assert escape_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-3.5", "+7", "-1e-3", "京B·10路01", "", "a=b", 5, -3.0, None])
def test_numbers_and_plain_text_are_kept(value: object) -> None:
    assert escape_cell(value) == value


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vehicle_id": ["京B·10路01", "=cmd|'/C calc'!A0", "@evil"],
            "energy_kwh": [12.5, -3.0, np.nan],
            "note": ["+1", "-x", "ok"],
            "=col": [1, 2, 3],
        }
    )


def test_csv_export_escapes_and_keeps_chinese(tmp_path: Path) -> None:
    p = write_csv(frame(), tmp_path / "out" / "r.csv")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(p, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns) == ["vehicle_id", "energy_kwh", "note", "'=col"]
    assert back["vehicle_id"].tolist() == ["京B·10路01", "'=cmd|'/C calc'!A0", "'@evil"]
    assert back["note"].tolist() == ["+1", "'-x", "ok"]  # a plain number stays a number
    assert back["energy_kwh"].tolist() == ["12.5", "-3.0", ""]
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_excel_export_has_no_formula_cells(tmp_path: Path) -> None:
    p = write_excel({"trips": frame(), "x/y?": frame().head(1)}, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["trips", "x_y_"]
    ws = wb["trips"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["vehicle_id", "energy_kwh", "note", "'=col"]
    assert values[2] == ["'=cmd|'/C calc'!A0", -3.0, "'-x", 2]
    assert values[3][1] is None  # NaN -> empty cell


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8))
@example(["\r="])  # a lone carriage return once went out unquoted: a new row "=" on reading
def test_no_exported_csv_cell_starts_a_formula(texts: list[str]) -> None:
    df = pd.DataFrame({"t": texts})
    back = pd.read_csv(
        io.BytesIO(to_csv_bytes(df)), encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    for cell in back["t"]:
        if cell and cell[0] in "=+-@\t\r":
            assert escape_cell(cell) == cell  # only plain numbers may start with + or -


def _rows(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8))
@example(["a\rb", "\r=cmd", ""])
@example([""])
def test_csv_bytes_read_back_cell_for_cell(texts: list[str]) -> None:
    # every cell comes back as it was escaped, in its own row: no line break inside a cell
    # (a lone carriage return included) splits a row, and no empty cell is dropped
    assert _rows(to_csv_bytes(pd.DataFrame({"t": texts}))) == [["t"]] + [
        [escape_cell(t)] for t in texts
    ]


@pytest.mark.parametrize("column", [["a\rb", "\r=cmd", "y"], ["", "=x", "z,\r"]])
def test_written_result_keeps_rows_with_carriage_returns(tmp_path: Path, column: list[str]) -> None:
    # the result writer's path for tables that need quoting or escaping: one row per row
    write_result({"x": pd.DataFrame({"t": column, "u": [1.5, np.nan, -2.0]}),
                  "one": pd.DataFrame({"t": column})}, tmp_path, summary={})
    assert _rows((tmp_path / "x.csv").read_bytes()) == [["t", "u"]] + [
        [escape_cell(t), u] for t, u in zip(column, ["1.5", "", "-2.0"], strict=True)
    ]
    one = [[escape_cell(t)] for t in column]
    assert _rows((tmp_path / "one.csv").read_bytes()) == [["t"], *one]
