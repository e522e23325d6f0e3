"""Fuzz the container formats: xlsx workbooks, GTFS zips and GraphML road graphs.

Invariant: the reader returns, or raises ``InputError`` carrying at least one problem that
names its file; never another exception, never a hang (each example is small). Set
``FLEETOPT_FUZZ_EXAMPLES=N`` for N examples per test (see test_fuzz_readers.py).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import networkx as nx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetopt.domain.blocks import parse_gtfs_trips
from fleetopt.errors import InputError
from fleetopt.inputs.gtfs import check_gtfs
from fleetopt.inputs.road_graph import load_network
from fleetopt.inputs.schedules import parse_trips

ENV = os.environ.get("FLEETOPT_FUZZ_EXAMPLES")
FEED = Path(__file__).resolve().parents[2] / "data" / "inputs" / "gtfs_google_sample"
HEADER = [
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
]
ROW = ["b1", "bus", "bev", "t1", "06:00", "07:00", 116.40, 39.90, 116.41, 39.91]


def fuzz(default: int) -> settings:
    return settings(
        max_examples=int(ENV) if ENV else default,
        deadline=None,
        database=None,
        derandomize=ENV is None,
        suppress_health_check=list(HealthCheck),
    )


def _ok_or_located(fn, label: str) -> None:
    caught: InputError | None = None
    try:
        fn()
    except InputError as exc:
        caught = exc
    if caught is not None:
        assert caught.problems, caught
        assert all(p.file is None or label in str(p.file) for p in caught.problems), caught


cells = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12).filter(lambda s: not any(ord(c) < 32 for c in s)),
    st.sampled_from(["=1+1", "-3", "25:61", "京A1", "1e308"]),
)


@fuzz(40)
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=12), max_size=6),
    far=st.one_of(st.none(), st.tuples(st.integers(1, 16384), st.integers(1, 2000))),
)
def test_xlsx_never_crashes_nor_pads(rows: list[list[object]], far: tuple[int, int] | None) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(ROW)
    for r in rows:
        ws.append(r)
    if far is not None:
        ws.cell(row=far[1], column=far[0], value="x")
    buf = io.BytesIO()
    wb.save(buf)
    _ok_or_located(lambda: parse_trips(buf.getvalue(), name="f.xlsx"), "f.xlsx")


MEMBERS = sorted(p.name for p in FEED.glob("*.txt"))


@fuzz(25)
@given(
    member=st.sampled_from(MEMBERS),
    action=st.sampled_from(["truncate", "garbage", "drop", "dup_header", "huge_freq", "nul"]),
    cut=st.integers(0, 400),
)
def test_gtfs_zip_mutations(member: str, action: str, cut: int) -> None:
    files = {m: (FEED / m).read_bytes() for m in MEMBERS}
    data = files[member]
    if action == "truncate":
        files[member] = data[:cut]
    elif action == "garbage":
        files[member] = data[:cut] + b'\xff\xfe,,"\n' * 3 + data[cut:]
    elif action == "drop":
        del files[member]
    elif action == "dup_header":
        files[member] = data.split(b"\n", 1)[0] + b"\n" + data
    elif action == "huge_freq":
        files["frequencies.txt"] = b"trip_id,start_time,end_time,headway_secs\n" + (
            b"STBA,0:00:00,24:00:00,30\n" * (400 if cut % 2 else 2)  # over the cap, or small
        )
    else:
        files[member] = data[:cut] + b"\x00" + data[cut:]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    errors, warnings = check_gtfs(buf.getvalue(), name="f.zip")
    assert all(isinstance(p.message, str) for p in errors + warnings)
    _ok_or_located(lambda: parse_gtfs_trips(buf.getvalue(), name="f.zip"), "f.zip")


def _graphml_text(tmp: Path) -> str:
    g = nx.MultiDiGraph(crs="epsg:4326")
    pts = {1: (116.40, 39.90), 2: (116.41, 39.90), 3: (116.41, 39.91), 4: (116.40, 39.91)}
    for n, (x, y) in pts.items():
        g.add_node(n, x=x, y=y)
    for u, v in [(1, 2), (2, 3), (3, 4), (4, 1), (2, 1), (3, 2), (4, 3), (1, 4)]:
        g.add_edge(u, v, length=900.0, highway="residential")
    nx.write_graphml(g, tmp / "base.graphml")
    return (tmp / "base.graphml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def graphml_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _graphml_text(tmp_path_factory.mktemp("g"))


@fuzz(40)
@given(
    target=st.sampled_from(
        [">900.0<", ">116.41<", ">39.9<", '"1"', "</graphml>", 'attr.type="double"']
    ),
    value=st.sampled_from(
        [
            ">nan<",
            ">-1<",
            ">inf<",
            ">1e308<",
            ">abc<",
            '"1e23"',
            '"a"',
            "",
            'attr.type="long"',
            ">1e-300<",
        ]
    ),
    cut=st.integers(0, 3000),
    truncate=st.booleans(),
)
def test_graphml_mutations(
    tmp_path_factory: pytest.TempPathFactory,
    graphml_text: str,
    target: str,
    value: str,
    cut: int,
    truncate: bool,
) -> None:
    text = graphml_text.replace(target, value, 1)
    if truncate:
        text = text[: min(cut, len(text))]
    path = tmp_path_factory.mktemp("m") / "f.graphml"
    path.write_text(text, encoding="utf-8")
    _ok_or_located(lambda: load_network(path), "f.graphml")
