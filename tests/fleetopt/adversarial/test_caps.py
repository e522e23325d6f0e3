"""Memory bombs from tiny files: every cap is checked before the work, and the message
names the cap and the environment variable that raises it."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl

from fleetopt.inputs import _tabular
from tests.fleetopt.adversarial._cli import assert_rejected, assert_within_budget, fleetopt

DATA = Path(__file__).resolve().parents[2] / "data"
GOOGLE = DATA / "inputs" / "gtfs_google_sample"
HEADER = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,"
    "origin_lon,origin_lat,destination_lon,destination_lat"
)
ROW = "b1,bus,bev,t1,06:00,07:00,116.40,39.90,116.41,39.91"


def _xlsx_with_far_cell(path: Path, *, keep_dimension: bool) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(ROW.split(","))
    ws["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    if keep_dimension:
        path.write_bytes(buf.getvalue())
        return path
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            dst.writestr(name, data)
    return path


def test_xlsx_cell_at_xfd1048576_hits_the_column_cap(tmp_path: Path) -> None:
    """GIVEN a ~5 KB workbook with one cell at XFD1048576 THEN exit 2, no padding (GBs)."""
    path = _xlsx_with_far_cell(tmp_path / "far.xlsx", keep_dimension=True)
    assert path.stat().st_size < 20_000
    out = fleetopt("validate", str(path), isolated=True)
    assert_rejected(out, "far.xlsx", "XFD1048576", "MAX_COLUMNS", "FLEETOPT_MAX_COLUMNS")


def test_xlsx_without_dimension_is_checked_by_its_cells(tmp_path: Path) -> None:
    path = _xlsx_with_far_cell(tmp_path / "nodim.xlsx", keep_dimension=False)
    out = fleetopt("validate", str(path), "--kind", "trips")
    assert_rejected(out, "nodim.xlsx", "XFD1048576", "MAX_COLUMNS")


def test_xlsx_with_one_cell_at_row_1048576_is_answered_without_walking_the_rows(
    tmp_path: Path,
) -> None:
    """GIVEN a few-KB workbook whose only far cell is A1048576 THEN the reader visits the 3
    stored rows (not a million empty ones: 1.5 s quiet, 12 s under load before) and
    `validate` rejects the row at its own number, within the budget."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(ROW.split(","))
    ws["A1048576"] = "x"
    path = tmp_path / "far_row.xlsx"
    wb.save(path)
    assert path.stat().st_size < 20_000
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        visited = [n for n, _ in _tabular._sheet_cells(book, book.worksheets[0])]
    finally:
        book.close()
    assert visited == [1, 2, 1_048_576]
    out = fleetopt("validate", str(path), "--kind", "trips", isolated=True)
    assert_rejected(out, "far_row.xlsx", "row 1048576, column 'trip_id'", "trip_id is empty")


def test_xlsx_rows_after_a_gap_keep_their_sheet_row_numbers(tmp_path: Path) -> None:
    """Rows are numbered as the sheet numbers them, gaps included (messages point there)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(ROW.split(","))
    bad = ROW.replace("07:00", "later").replace("06:00", "08:00").replace("t1", "t2").split(",")
    for col, value in enumerate(bad, start=1):
        ws.cell(row=40, column=col, value=value)
    path = tmp_path / "gap.xlsx"
    wb.save(path)
    out = fleetopt("validate", str(path), "--kind", "trips", "--json")
    assert out.code == 2, out.stderr
    errors = json.loads(out.stdout)["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(40, "arrival")], errors


def test_xlsx_declaring_a_huge_dimension_with_few_cells_is_read(tmp_path: Path) -> None:
    """A declared A1:XFD1048576 with ordinary cells is legitimate: read, not padded."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(ROW.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "declared.xlsx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
            dst.writestr(name, data)
    out = fleetopt("validate", str(path), "--json")
    assert out.code == 0, out.stderr
    assert json.loads(out.stdout)["valid"] is True


def test_csv_with_300k_columns_hits_the_column_cap(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    extra = ",".join(f"c{i}" for i in range(300_000))
    path.write_text(f"{HEADER},{extra}\n{ROW}\n", encoding="utf-8")
    out = fleetopt("validate", str(path), isolated=True)
    assert_rejected(out, "wide.csv", "row 1", "300,010 columns", "MAX_COLUMNS")
    assert out.stderr.count("\n") < 10  # one problem, not 300,000 warnings


def test_gtfs_frequencies_multiplying_to_millions_hits_the_trip_cap(tmp_path: Path) -> None:
    """400 rows of 2,880 trips each stay under the per-row cap but make 1,152,000 trips."""
    path = tmp_path / "freq.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for member in sorted(GOOGLE.glob("*.txt")):
            if member.name == "frequencies.txt":
                continue
            zf.write(member, member.name)
        rows = ["trip_id,start_time,end_time,headway_secs"] + ["STBA,0:00:00,24:00:00,30"] * 400
        zf.writestr("frequencies.txt", "\n".join(rows) + "\n")
    out = fleetopt("validate", str(path), "--json", isolated=True)
    assert out.code == 2
    assert_within_budget(out)
    errors = json.loads(out.stdout)["errors"]
    assert any(
        "1,152,000 trips" in e["message"] and "MAX_GENERATED_TRIPS" in e["message"] for e in errors
    ), errors


def test_stations_file_row_cap(tmp_path: Path) -> None:
    path = tmp_path / "st.csv"
    lines = ["id,kind,lon,lat,plugs,plug_kw"] + [f"s{i},public,116.4,39.9,1,60" for i in range(60)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\nstations = "st.csv"\n', encoding="utf-8")
    out = fleetopt("simulate", str(scen), env={"FLEETOPT_MAX_STATIONS": "50"})
    assert_rejected(out, "st.csv", "MAX_STATIONS", "FLEETOPT_MAX_STATIONS")


def test_requests_spread_over_centuries_hit_the_horizon_cap(tmp_path: Path) -> None:
    path = tmp_path / "req.csv"
    path.write_text(
        "request_id,departure,origin_lon,origin_lat,destination_lon,destination_lat\n"
        "r1,1900-01-01T08:00:00,116.40,39.91,116.45,39.93\n"
        "r2,2100-01-01T08:00:00,116.40,39.91,116.45,39.93\n"
        "r3,0001-01-01T08:00:00,116.40,39.91,116.45,39.93\n"
        "r4,9999-12-31T08:00:00,116.40,39.91,116.45,39.93\n",
        encoding="utf-8",
    )
    scen = tmp_path / "s.toml"
    scen.write_text(
        'name = "x"\n[[fleets]]\ntype = "taxi"\nrequests = "req.csv"\nsize = 3\n', encoding="utf-8"
    )
    out = fleetopt("simulate", str(scen), isolated=True)
    assert_rejected(out, "req.csv", "row 3", "column 'departure'", "MAX_HORIZON_DAYS")
    doc = fleetopt("validate", str(path), "--json")
    rows = [e["row"] for e in json.loads(doc.stdout)["errors"]]
    assert rows == [2, 3, 5]  # 0001 is the earliest; every later request is beyond 7 days
