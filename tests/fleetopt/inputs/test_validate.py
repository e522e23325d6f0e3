"""validate_file and `fleetopt validate`: golden messages per kind of problem, kinds, limits."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from fleetopt import settings
from fleetopt.cli import app
from fleetopt.inputs.schedules import read_trips
from fleetopt.inputs.validate import detect_kind, validate_file

H = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,origin_lon,origin_lat,"
    "destination_lon,destination_lat,distance_km\n"
)
OK = "b1,bus,bev,t1,05:30,06:10,116.40,39.91,116.45,39.93,12\n"
CLOCK = "expected HH:MM or HH:MM:SS (hours may pass 24 for after-midnight service, up to 47)"
BOX = "(115.4-117.52 E, 39.43-41.07 N)"

# (file content, expected errors [(row, column, message)], expected warnings)
GOLDEN: dict[
    str,
    tuple[str, list[tuple[int | None, str | None, str]], list[tuple[int | None, str | None, str]]],
] = {
    "missing_columns": (
        (
            "vehicle_id,trip_id,departure,arrival,origin_lon,origin_lat,destination_lon,destination_lat\n"
            "b1,t1,05:30,06:10,116.40,39.91,116.45,39.93\n"
        ),
        [
            (
                1,
                "vehicle_type",
                (
                    "missing required column 'vehicle_type' (accepted headers include: "
                    "vehicle_type, type, 车辆类型, 车型, 车辆类别, 车种)"
                ),
            ),
            (
                1,
                "powertrain",
                (
                    "missing required column 'powertrain' (accepted headers include: "
                    "powertrain, fuel, fuel_type, energy_type, 动力类型, 能源类型)"
                ),
            ),
        ],
        [],
    ),
    "wrong_types": (
        H + "b1,bus,bev,t1,05:30,06:10,东经116,39.91,116.45,39.93,12km\n",
        [
            (2, "origin_lon", "'东经116' is not a number"),
            (2, "distance_km", "'12km' is not a number"),
        ],
        [],
    ),
    "bad_times": (
        H + "b1,bus,bev,t1,5.30,48:00,116.40,39.91,116.45,39.93,\n",
        [
            (2, "departure", f"'5.30' is not a time; {CLOCK}"),
            (2, "arrival", f"'48:00' is not a time; {CLOCK}"),
        ],
        [],
    ),
    "arrival_before_departure": (
        H + "b1,bus,bev,t1,06:30,06:10,116.40,39.91,116.45,39.93,\n",
        [
            (
                2,
                "arrival",
                (
                    "arrival 06:10:00 is before departure 06:30:00 (times after midnight are "
                    "written 24:00 and later)"
                ),
            )
        ],
        [],
    ),
    "after_midnight_is_fine": (
        H + "b1,bus,bev,t1,23:50,24:20,116.40,39.91,116.45,39.93,\n",
        [],
        [],
    ),
    "overlapping_trips": (
        H + OK + "b1,bus,bev,t2,06:00,06:40,116.45,39.93,116.40,39.91,\n",
        [
            (
                3,
                "departure",
                (
                    "trip 't2' of vehicle 'b1' departs at 06:00:00, before the vehicle's previous "
                    "trip 't1' (row 2) arrives at 06:10:00"
                ),
            )
        ],
        [],
    ),
    "one_type_per_vehicle": (
        H + OK + "b1,taxi,bev,t2,07:00,07:40,116.45,39.93,116.40,39.91,\n",
        [
            (
                3,
                "vehicle_type",
                (
                    "vehicle 'b1' is 'bus' on row 2 but 'taxi' here; one vehicle has one "
                    "vehicle_type"
                ),
            )
        ],
        [],
    ),
    "duplicate_ids": (
        H + OK + "b2,bus,bev,t1,07:00,07:40,116.45,39.93,116.40,39.91,\n",
        [(3, "trip_id", "duplicate trip_id 't1'; first on row 2")],
        [],
    ),
    "unknown_type_and_powertrain": (
        H + "b1,boat,steam,t1,05:30,06:10,116.40,39.91,116.45,39.93,\n",
        [
            (
                2,
                "vehicle_type",
                "unknown vehicle_type 'boat'; valid values: bus, taxi, sanitation, delivery",
            ),
            (
                2,
                "powertrain",
                (
                    "unknown powertrain 'steam'; valid values: "
                    "diesel, gasoline, cng, lng, hev, phev, bev, fcev"
                ),
            ),
        ],
        [],
    ),
    "negative_distance": (
        H + "b1,bus,bev,t1,05:30,06:10,116.40,39.91,116.45,39.93,-1.5\n",
        [(2, "distance_km", "distance_km is -1.5 km; it must be >= 0 km")],
        [],
    ),
    "coordinates": (
        H
        + "b1,bus,bev,t1,05:30,06:10,121.47,31.23,116.45,95,\n"
        + "b2,bus,bev,t2,05:30,06:10,39.91,116.40,116.45,39.93,\n"
        + "b3,bus,bev,t3,05:30,06:10,39.91,116.40e0,116.45,39.93,\n".replace("116.40e0", "6.4"),
        [
            (2, "destination_lat", "latitude 95 is off the globe (valid: -90 to 90)"),
            (
                3,
                "origin_lat",
                (
                    "latitude 116.4 is off the globe (valid: -90 to 90); longitude and latitude "
                    "look swapped"
                ),
            ),
        ],
        [
            (2, "origin_lon", f"(121.47, 31.23) is outside Beijing {BOX}"),
            (4, "origin_lon", f"(39.91, 6.4) is outside Beijing {BOX}"),
        ],
    ),
    "unknown_column": (
        H.rstrip("\n") + ",remark\n" + OK.rstrip("\n") + ",ok\n",
        [],
        [(1, "remark", "column 'remark' is not a fleetopt column and is ignored")],
    ),
    "header_only": (H, [(2, None, "the table has a header but no data rows")], []),
    "too_many_fields": (
        H
        + OK
        + "b1,bus,bev,t2,07:00,07:40,116.45,39.93,116.40,39.91,12,extra,more\n"
        + "b1,bus,bev,t3\n",
        [
            (
                3,
                None,
                (
                    "the row has 13 fields but the header (line 1) has 11; "
                    "a comma inside a value must be quoted"
                ),
            )
        ],
        [],
    ),
    "empty": ("", [(None, None, "the file is empty")], []),
    "blank_lines_only": ("\n\n  \n", [(None, None, "the file is empty")], []),
    "html": (
        "<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n",
        [
            (
                None,
                None,
                (
                    "the file is an HTML/XML page (a download error page or a web page?), not a "
                    "trips table (CSV or .xlsx)"
                ),
            )
        ],
        [],
    ),
    "bad_bool": (
        H.rstrip("\n") + ",exempt\n" + OK.rstrip("\n") + ",maybe\n",
        [(2, "exempt", "'maybe' is not yes/no; use true/false, 1/0, yes/no or 是/否")],
        [],
    ),
}


def as_tuples(problems: list[dict]) -> list[tuple]:
    return [(p["row"], p["column"], p["message"]) for p in problems]


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_golden_messages(tmp_path: Path, case: str) -> None:
    """GIVEN a file with one kind of mistake WHEN validated THEN exactly the stored messages."""
    text, errors, warnings = GOLDEN[case]
    p = tmp_path / f"{case}.csv"
    p.write_text(text, encoding="utf-8")
    doc = validate_file(p, kind="trips")
    assert as_tuples(doc["errors"]) == errors
    assert as_tuples(doc["warnings"]) == warnings
    assert doc["valid"] == (not errors)
    assert set(doc) == {"valid", "errors", "warnings"}


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        H + OK + "\n\n" + "b2,bus,bev,t2,07:00,xx,116.45,39.93,116.40,39.91,\n", encoding="utf-8"
    )
    doc = validate_file(p)
    assert as_tuples(doc["errors"]) == [(5, "arrival", f"'xx' is not a time; {CLOCK}")]


def test_quoted_newline_is_one_spreadsheet_row(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        H.rstrip("\n")
        + ",depot\n"
        + OK.rstrip("\n")
        + ',"Depot\nNorth"\n'
        + "b2,bus,bev,t2,07:00,xx,116.45,39.93,116.40,39.91,,\n",
        encoding="utf-8",
    )
    doc = validate_file(p)
    assert as_tuples(doc["errors"]) == [(3, "arrival", f"'xx' is not a time; {CLOCK}")]


def test_binary_content_is_recognised_whatever_the_name(tmp_path: Path) -> None:
    p = tmp_path / "trips.csv"
    p.write_bytes(bytes(range(256)) * 8)
    doc = validate_file(p)
    assert as_tuples(doc["errors"]) == [
        (None, None, "the file is binary data, not a trips table (CSV or .xlsx)")
    ]


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MAX_INPUT_BYTES", 100)
    p = tmp_path / "t.csv"
    p.write_text(H + OK * 3, encoding="utf-8")
    doc = validate_file(p)
    size = p.stat().st_size
    assert as_tuples(doc["errors"]) == [
        (
            None,
            None,
            (f"file is too large: {size:,} bytes; the limit is 100 bytes "
             "(settings.MAX_INPUT_BYTES, environment variable FLEETOPT_MAX_INPUT_BYTES)"),
        )
    ]


def test_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "MAX_INPUT_ROWS", 2)
    p = tmp_path / "t.csv"
    p.write_text(
        H + "".join(OK.replace("t1", f"t{k}").replace("b1", f"b{k}") for k in range(3)),
        encoding="utf-8",
    )
    doc = validate_file(p)
    assert as_tuples(doc["errors"]) == [
        (
            None,
            None,
            ("the table has more than 2 data rows; the limit is 2 "
             "(settings.MAX_INPUT_ROWS, environment variable FLEETOPT_MAX_INPUT_ROWS)"),
        )
    ]


def test_gb18030_is_detected_not_guessed(tmp_path: Path) -> None:
    """GIVEN GB18030 bytes that are invalid UTF-8 WHEN validated THEN the Chinese text is read."""
    text = (
        H
        + OK.replace("b1", "京B·环卫车")
        + "京B·环卫车2号,环卫,柴油,t2,07:00,xx,116.45,39.93,116.40,39.91,\n"
    )
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode("gb18030"))
    doc = validate_file(p)
    assert as_tuples(doc["errors"]) == [(3, "arrival", f"'xx' is not a time; {CLOCK}")]


def test_undecodable_text_is_located(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(
        b"\xef\xbb\xbf"
        + H.encode()
        + b"b1,bus,bev,t1,05:30,06:10,116.40,39.91,116.45,39.93,\xff\xfe\n"
    )
    doc = validate_file(p)
    assert [(e["row"], e["column"]) for e in doc["errors"]] == [(2, None)]
    assert "invalid UTF-8" in doc["errors"][0]["message"]


def xlsx_bytes(rows: list[list[object]], title_rows: int = 0, sheets_before: int = 0) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for k in range(sheets_before):
        ws.title = f"说明{k}"
        ws.append(["本表为车辆运营计划"])
        ws = wb.create_sheet("排班")
    for _ in range(title_rows):
        ws.append([])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_with_chinese_headers_and_time_cells(tmp_path: Path) -> None:
    """GIVEN an .xlsx with Chinese headers, Excel time cells and a notes sheet first WHEN read
    THEN canonical trips and problems located at the Excel row numbers."""
    import datetime as dt

    header = [
        "车辆编号",
        "车辆类型",
        "动力类型",
        "车次",
        "发车时间",
        "到达时间",
        "起点经度",
        "起点纬度",
        "终点经度",
        "终点纬度",
        "里程(公里)",
    ]
    rows = [
        header,
        [
            "京B·10路01",
            "公交",
            "纯电动",
            "10-1-01",
            dt.time(5, 0),
            dt.time(5, 45),
            116.3533634,
            39.875288,
            116.3065202,
            39.9312346,
            11,
        ],
        [
            "京B·10路01",
            "公交",
            "纯电动",
            "10-1-02",
            "05:55",
            "06:40",
            116.3065202,
            39.9312346,
            116.3533634,
            39.875288,
            11.0,
        ],
    ]
    p = tmp_path / "排班.xlsx"
    p.write_bytes(xlsx_bytes(rows, sheets_before=1))
    df = read_trips(p)
    assert df["departure_s"].tolist() == [5 * 3600, 5 * 3600 + 55 * 60]
    assert df["vehicle_id"].tolist() == ["京B·10路01"] * 2
    assert df["row"].tolist() == [2, 3]
    bad = [
        *rows,
        [
            "京B·10路01",
            "公交",
            "纯电动",
            "10-1-03",
            "06:50",
            "晚点",
            116.35,
            39.87,
            116.30,
            39.93,
            11,
        ],
    ]
    p.write_bytes(xlsx_bytes(bad, title_rows=2))
    doc = validate_file(p)
    assert as_tuples(doc["errors"]) == [(6, "到达时间", f"'晚点' is not a time; {CLOCK}")]


def test_requests_golden(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text(
        "request_id,departure,origin_lon,origin_lat,destination_lon,destination_lat,max_wait_min\n"
        "r1,2008-02-02T08:00:00,116.40,39.91,116.45,39.93,5\n"
        "r1,soon,116.40,39.91,116.45,39.93,-2\n",
        encoding="utf-8",
    )
    doc = validate_file(p)
    assert as_tuples(doc["errors"]) == [
        (3, "request_id", "duplicate request_id 'r1'; first on row 2"),
        (
            3,
            "departure",
            f"'soon' is not a time; {CLOCK}, or an ISO datetime such as 2024-05-01T07:30:00",
        ),
        (3, "max_wait_min", "max_wait_min is -2 min; it must be >= 0 min"),
    ]


def test_kind_is_recognised_from_content(tmp_path: Path) -> None:
    assert detect_kind(b"request_id,departure\n") == "requests"
    assert detect_kind("车辆编号,车次\n".encode("gb18030")) == "trips"
    assert detect_kind(b"id,kind,lon,lat,plugs,plug_kw\n") == "stations"
    assert detect_kind(b'name = "x"\nseed = 7\n') == "scenario"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("stops.txt", "stop_id\n")
    assert detect_kind(buf.getvalue()) == "gtfs"


def test_scenario_and_stations_problems_are_located(tmp_path: Path) -> None:
    s = tmp_path / "s.toml"
    s.write_text('name = "x"\nseed = \n', encoding="utf-8")
    doc = validate_file(s, kind="scenario")
    assert not doc["valid"]
    assert doc["errors"][0]["row"] == 2
    st = tmp_path / "st.csv"
    st.write_text(
        "id,kind,lon,lat,plugs,plug_kw\nd1,depot,116.4,39.9,2,60\nd2,garage,116.4,39.9,2,60\n",
        encoding="utf-8",
    )
    doc = validate_file(st)
    assert not doc["valid"]
    assert [(e["row"], e["column"]) for e in doc["errors"]] == [(3, "kind")]


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    good = tmp_path / "good.csv"
    good.write_text(H + OK, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(H + OK.replace("06:10", "6h10"), encoding="utf-8")
    res = runner.invoke(app, ["validate", str(good), "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == {"valid": True, "errors": [], "warnings": []}
    res = runner.invoke(app, ["validate", str(bad), "--json", "--kind", "trips"])
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert as_tuples(doc["errors"]) == [(2, "arrival", f"'6h10' is not a time; {CLOCK}")]
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    assert f"error: {bad}, row 2, column 'arrival': '6h10' is not a time" in res.stderr
    res = runner.invoke(app, ["validate", str(tmp_path / "missing.csv"), "--json"])
    assert res.exit_code == 2
    assert json.loads(res.stdout)["errors"][0]["message"] == "file not found"


def test_scenario_check_includes_the_files_it_names(tmp_path: Path) -> None:
    """GIVEN a scenario naming a bad trips file and a missing GTFS feed WHEN validated THEN the
    trips file's located problems and the missing file appear in the scenario's report."""
    (tmp_path / "trips.csv").write_text(H + OK.replace("06:10", "6h10"), encoding="utf-8")
    s = tmp_path / "s.toml"
    s.write_text(
        'name = "x"\nseed = 1\n[[fleets]]\ntrips = "trips.csv"\n[[fleets]]\ngtfs = "feed.zip"\n',
        encoding="utf-8",
    )
    doc = validate_file(s)
    got = as_tuples(doc["errors"])
    assert (2, "arrival", f"in trips.csv: '6h10' is not a time; {CLOCK}") in got
    assert (
        None,
        "fleets.1.gtfs",
        ("fleets.1.gtfs names 'feed.zip', which does not exist (paths are "
         "relative to the scenario file)"),
    ) in got


def test_gtfs_problems_name_the_member(tmp_path: Path) -> None:
    folder = Path(__file__).resolve().parents[2] / "data" / "inputs" / "gtfs_google_sample"
    p = tmp_path / "feed.zip"
    with zipfile.ZipFile(p, "w") as zf:
        for f in sorted(folder.glob("*.txt")):
            text = f.read_text(encoding="utf-8")
            if f.name == "stop_times.txt":
                text = text.replace("AB2,12:05:00,12:05:00", "AB2,12:05:00,12h05")
            zf.writestr(f.name, text)
    doc = validate_file(p)
    assert as_tuples(doc["errors"]) == [
        (
            16,
            "departure_time",
            "in stop_times.txt: '12h05' is not a time; GTFS times are H:MM:SS (may pass 24:00:00)",
        )
    ]
    assert doc["warnings"][0]["message"].startswith(
        "in stops.txt: (-117.133, 36.4253) is outside Beijing"
    )


def test_real_files_of_other_kinds_get_located_messages(shared_data: Path) -> None:
    """GIVEN real Beijing files that are not trips tables WHEN validated as trips THEN every
    missing column is named at row 1 and their own (Chinese) headers are reported as unused."""
    mot = (
        shared_data / "beijing" / "bus" / "mot_bus_route_stops_2020.csv"
    )  # UTF-8 BOM, Chinese header
    doc = validate_file(mot, kind="trips")
    assert [(e["row"], e["column"]) for e in doc["errors"]] == [
        (1, c)
        for c in (
            "vehicle_id",
            "vehicle_type",
            "powertrain",
            "trip_id",
            "departure",
            "arrival",
            "origin_lon",
            "origin_lat",
            "destination_lon",
            "destination_lat",
        )
    ]
    assert [w["column"] for w in doc["warnings"]] == ["线路名称", "方向", "站点序号", "站点名称"]
    tdrive = (
        shared_data / "beijing" / "taxi" / "tdrive_format_sample_taxi1-2.txt"
    )  # raw GPS, no header
    doc = validate_file(tdrive, kind="requests")
    assert not doc["valid"]
    assert all(e["row"] == 1 for e in doc["errors"])


def test_real_trips_fixture_passes_as_gb18030_excel_and_csv(tmp_path: Path, data_dir: Path) -> None:
    src = data_dir / "inputs" / "generated_trips_line10.csv"
    gb = tmp_path / "line10_gb.csv"
    gb.write_bytes(src.read_text(encoding="utf-8").encode("gb18030"))
    assert validate_file(gb) == {"valid": True, "errors": [], "warnings": []}
    assert read_trips(gb).equals(read_trips(src))
