"""Fuzz every reader with malformed files: no traceback ever, every error located.

The normal test run uses a few hundred generated files in total (deterministic). The fuzz
job sets ``FLEETOPT_FUZZ_EXAMPLES=N`` to run N examples *per test* with fresh randomness,
e.g. ``FLEETOPT_FUZZ_EXAMPLES=2500 pytest tests/fleetopt/fuzz -q -s`` (5 tests, 12,500
files); the last test prints how many files were checked and how they ended.

Invariant for every generated file: the reader returns canonical columns or raises
``InputError`` carrying at least one problem; every problem names its file, and a problem
without a row is a whole-file problem (empty, binary, too large, missing member, ...).
``validate_file`` never raises at all.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from fleetopt.domain.blocks import parse_gtfs_trips
from fleetopt.errors import InputError, Problem
from fleetopt.inputs.gtfs import check_gtfs
from fleetopt.inputs.schedules import REQUEST_COLUMNS, TRIP_COLUMNS, parse_requests, parse_trips
from fleetopt.inputs.validate import validate_file

ENV = os.environ.get("FLEETOPT_FUZZ_EXAMPLES")
BIG = ENV is not None


def n_examples(default: int) -> int:
    return int(ENV) if ENV else default


def fuzz_settings(default: int) -> settings:
    return settings(
        max_examples=n_examples(default),
        deadline=None,
        database=None,
        derandomize=not BIG,
        suppress_health_check=list(HealthCheck),
    )


DATA = Path(__file__).resolve().parents[2] / "data" / "inputs"
TRIPS_TEMPLATE = (DATA / "generated_trips_line10.csv").read_text(encoding="utf-8").splitlines()[:8]
REQUESTS_TEMPLATE = [
    "request_id,departure,origin_lon,origin_lat,destination_lon,destination_lat,passengers,max_wait_min",
    "r1,2008-02-02T08:00:00,116.40,39.91,116.45,39.93,1,5",
    "r2,08:05,116.3065202,39.9312346,116.3533634,39.875288,2,",
    "r3,2008-02-02T08:10:00+08:00,116.35,39.88,116.30,39.93,,10",
]
GTFS_DIR = DATA / "gtfs_google_sample"
GTFS_FILES = {p.name: p.read_text(encoding="utf-8") for p in sorted(GTFS_DIR.glob("*.txt"))}

# whole-file problems legitimately have no row
FILE_LEVEL = (
    "chaining ",
    "the file is",
    "file is too large",
    "the table has more than",
    "the feed has no",
    "not a readable zip",
    "the archive expands",
    "cannot read the Excel workbook",
    "the file has no table",
    "the CSV table",
    "cannot decode",
    "the file starts with a UTF-16",
    "the file has",
    "no trip runs",
    "cannot read ",
    "file not found",
    "the header line",
)

OUTCOMES: Counter[str] = Counter()

CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "inf",
            "-1",
            "1e400",
            "24:00",
            "47:59:59",
            "48:00",
            "9:7",
            "05:30:60",
            "=1+1",
            '"',
            '""',
            ",",
            "\n",
            "\r\n",
            "\t",
            "公交",
            "纯电动",
            "京A·12345",
            "\x00",
            "\ufeff",
            "116.4",
            "39.9",
            "200",
            "-95",
            "2008-02-30T25:00",
            "1" * 400,
            "true",
            "是",
        ]
    ),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "latin-1", "cp1252"])


def check_problems(problems: list[Problem], label: str) -> None:
    assert problems, "an InputError must carry at least one problem"
    for p in problems:
        assert isinstance(p, Problem)
        assert p.message
        assert p.file is not None, p
        assert p.file.startswith(label), p
        if p.row is None and p.column is None:
            assert p.message.startswith(FILE_LEVEL), f"unlocated problem: {p}"
        if p.row is not None:
            assert isinstance(p.row, int), p
            assert p.row >= 1, p


@st.composite
def mutated_table(draw: st.DrawFn, template: list[str]) -> bytes:
    rows = [line.split(",") for line in template]
    for _ in range(draw(st.integers(0, 6))):
        op = draw(
            st.sampled_from(
                [
                    "cell",
                    "cell",
                    "cell",
                    "drop_row",
                    "dup_row",
                    "drop_col",
                    "header",
                    "add_col",
                    "ragged",
                    "blank",
                ]
            )
        )
        if op == "cell" and len(rows) > 1:
            r = draw(st.integers(1, len(rows) - 1))
            if rows[r]:
                c = draw(st.integers(0, len(rows[r]) - 1))
                rows[r][c] = draw(CELLS)
        elif op == "drop_row" and len(rows) > 1:
            rows.pop(draw(st.integers(0, len(rows) - 1)))
        elif op == "dup_row" and len(rows) > 1:
            rows.append(list(rows[draw(st.integers(1, len(rows) - 1))]))
        elif op == "drop_col" and rows and rows[0]:
            c = draw(st.integers(0, len(rows[0]) - 1))
            rows = [r[:c] + r[c + 1 :] for r in rows]
        elif op == "header" and rows and rows[0]:
            c = draw(st.integers(0, len(rows[0]) - 1))
            rows[0][c] = draw(
                st.sampled_from(
                    [
                        "",
                        "车辆编号",
                        "trip_id",
                        "ＶＥＨＩＣＬＥ_ＩＤ",  # noqa: RUF001 - full-width header on purpose (NFKC)
                        "row",
                        "发车时间",
                        "vehicle_id",
                        "x",
                    ]
                )
            )
        elif op == "add_col":
            rows = [[*r, draw(CELLS)] for r in rows]
        elif op == "ragged" and len(rows) > 1:
            r = draw(st.integers(1, len(rows) - 1))
            rows[r] = rows[r][: draw(st.integers(0, len(rows[r])))] + draw(
                st.lists(CELLS, max_size=3)
            )
        elif op == "blank":
            rows.insert(draw(st.integers(0, len(rows))), [])
    sep = draw(st.sampled_from([",", ",", ",", "\t", ";"]))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = eol.join(sep.join(r) for r in rows) + draw(st.sampled_from(["", eol]))
    data = text.encode(draw(ENCODINGS), errors="replace")
    tail = draw(st.sampled_from(["none", "none", "truncate", "flip"]))
    if tail == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif tail == "flip" and data:
        pos = draw(st.integers(0, len(data) - 1))
        data = data[:pos] + bytes([draw(st.integers(0, 255))]) + data[pos + 1 :]
    return data


def run_reader(fn, data: bytes, label: str, columns: tuple[str, ...], kind: str) -> None:
    try:
        df = fn(data, name=label)
    except InputError as exc:
        check_problems(exc.problems, label)
        OUTCOMES[f"{kind}: located InputError"] += 1
        return
    assert list(df.columns) == [*columns, "row"]
    OUTCOMES[f"{kind}: read"] += 1


@fuzz_settings(150)
@given(mutated_table(TRIPS_TEMPLATE))
def test_fuzz_trips_csv(data: bytes) -> None:
    run_reader(parse_trips, data, "upload.csv", TRIP_COLUMNS, "trips csv")


@fuzz_settings(60)
@given(mutated_table(REQUESTS_TEMPLATE))
def test_fuzz_requests_csv(data: bytes) -> None:
    run_reader(parse_requests, data, "requests.csv", REQUEST_COLUMNS, "requests csv")


@fuzz_settings(50)
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.sampled_from(
            [
                b"<!doctype html><p>x",
                b"PK\x03\x04garbage",
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                b"\xff\xfe\x00",
                b"\xef\xbb\xbf",
                b" \n\t",
            ]
        ),
    )
)
def test_fuzz_random_bytes(data: bytes) -> None:
    run_reader(parse_trips, data, "blob.csv", TRIP_COLUMNS, "random bytes")


@st.composite
def mutated_xlsx(draw: st.DrawFn) -> bytes:
    rows: list[list[object]] = [line.split(",") for line in TRIPS_TEMPLATE[:4]]
    for r in rows[1:]:
        for c in (6, 7, 8, 9):
            r[c] = float(r[c])
    for _ in range(draw(st.integers(0, 4))):
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = draw(
            st.one_of(
                CELLS,
                st.floats(allow_nan=False, allow_infinity=False),
                st.booleans(),
                st.times(),
                st.datetimes(),
                st.timedeltas(max_value=pd.Timedelta(days=3)),
            )
        )
    wb = openpyxl.Workbook()
    ws = wb.active
    for _ in range(draw(st.integers(0, 2))):
        ws.append([])
    for r in rows:  # a real workbook cannot hold control characters
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if draw(st.booleans()) and draw(st.booleans()):
        # the workbook's length varies with its timestamp: draw the position independently of it
        pos = draw(st.integers(0, 10**6)) % len(data)
        data = data[:pos] + bytes([draw(st.integers(0, 255))]) + data[pos + 1 :]
    return data


@fuzz_settings(30)
@given(mutated_xlsx())
def test_fuzz_trips_xlsx(data: bytes) -> None:
    run_reader(parse_trips, data, "plan.xlsx", TRIP_COLUMNS, "trips xlsx")


@st.composite
def mutated_gtfs(draw: st.DrawFn) -> bytes:
    files = dict(GTFS_FILES)
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from([*sorted(files), "shapes.txt"]))
        op = draw(st.sampled_from(["drop", "cell", "cell", "bytes", "header"]))
        if op == "drop":
            files.pop(name, None)
            continue
        text = files.get(
            name,
            "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\ns1,36.9,-116.7,1\n"
            "s1,36.8,-116.8,2\n",
        )
        lines = [ln.split(",") for ln in text.splitlines()]
        if op == "cell" and len(lines) > 1:
            r = draw(st.integers(1, len(lines) - 1))
            c = draw(st.integers(0, len(lines[r]) - 1))
            lines[r][c] = draw(CELLS)
        elif op == "header" and lines:
            c = draw(st.integers(0, len(lines[0]) - 1))
            lines[0][c] = draw(st.sampled_from(["", "x", "trip_id", "stop_id"]))
        files[name] = "\n".join(",".join(ln) for ln in lines) + "\n"
        if op == "bytes":
            files[name] = draw(st.binary(max_size=200)).decode("latin-1")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in files.items():
            zf.writestr(k, v.encode("utf-8", errors="replace"))
    return buf.getvalue()


@fuzz_settings(40)
@given(mutated_gtfs(), st.sampled_from([None, "2007-01-06", "20070604", "2007-01-02"]))
def test_fuzz_gtfs(data: bytes, day: str | None) -> None:
    label = "feed.zip"
    errors, _warnings = check_gtfs(data, name=label)
    if errors:
        check_problems(errors, label)
    try:
        df = parse_gtfs_trips(data, name=label, service_date=day)
    except InputError as exc:
        check_problems(exc.problems, label)
        OUTCOMES["gtfs: located InputError"] += 1
        return
    assert list(df.columns) == [*TRIP_COLUMNS, "row"]
    for _, g in df.groupby("vehicle_id"):
        g = g.sort_values("departure_s")
        assert (g["departure_s"].to_numpy()[1:] >= g["arrival_s"].to_numpy()[:-1]).all()
    OUTCOMES["gtfs: read"] += 1


@fuzz_settings(30)
@given(
    st.one_of(
        mutated_table(TRIPS_TEMPLATE),
        mutated_table(REQUESTS_TEMPLATE),
        mutated_gtfs(),
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    ),
    st.sampled_from([None, "trips", "requests", "stations", "gtfs", "scenario"]),
)
def test_fuzz_validate_never_raises(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, kind: str | None
) -> None:
    p = tmp_path_factory.mktemp("v") / "upload.bin"
    p.write_bytes(data)
    doc = validate_file(p, kind=kind)
    assert set(doc) == {"valid", "errors", "warnings"}
    assert doc["valid"] == (not doc["errors"])
    json.dumps(doc, allow_nan=False)
    for e in doc["errors"]:
        assert e["message"]
    OUTCOMES[f"validate({kind}): {'valid' if doc['valid'] else 'errors'}"] += 1


def test_zz_report_fuzz_counts() -> None:
    """Print how many generated files passed the invariant (run last; the fuzz job reads this line).

    Only files whose outcome was checked are counted; whether any file broke the invariant
    is pytest's verdict on the tests above (a failure there is a traceback or an unlocated
    error, shown with the file that caused it).
    """
    total = sum(OUTCOMES.values())
    if total == 0:
        pytest.skip("run with the fuzz tests of this module")
    line = json.dumps(
        {"fuzz_files_checked": total, "outcomes": dict(sorted(OUTCOMES.items()))},
        ensure_ascii=False,
    )
    print("\n" + line)
    out = os.environ.get("FLEETOPT_FUZZ_REPORT")
    if out:
        Path(out).write_text(line + "\n", encoding="utf-8")
