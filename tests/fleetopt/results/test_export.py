"""CSV/Excel export: formula-looking text is escaped, numbers and Chinese text survive."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetopt.results.export import escape_cell, to_csv_bytes, write_csv, write_excel

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
def test_no_exported_csv_cell_starts_a_formula(texts: list[str]) -> None:
    df = pd.DataFrame({"t": texts})
    back = pd.read_csv(
        io.BytesIO(to_csv_bytes(df)), encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    for cell in back["t"]:
        if cell and cell[0] in "=+-@\t\r":
            assert escape_cell(cell) == cell  # only plain numbers may start with + or -
