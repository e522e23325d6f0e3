"""Trips and requests readers: canonical columns, encodings, times, located problems."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fleetopt.errors import InputError
from fleetopt.inputs.schedules import TRIP_COLUMNS, read_requests, read_trips, sort_trips

HEADER = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,"
    "origin_lon,origin_lat,destination_lon,destination_lat"
)


def write(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_line10_fixture_reads_in_canonical_columns(data_dir: Path) -> None:
    """GIVEN the generated line-10 timetable WHEN read THEN canonical columns, sorted, rows kept."""
    df = read_trips(data_dir / "inputs" / "generated_trips_line10.csv")
    assert list(df.columns) == [*TRIP_COLUMNS, "row"]
    assert len(df) == 62
    assert set(df["vehicle_id"]) == {"京B·10路01", "京B·10路02", "京B·10路03"}
    first = df.iloc[0]
    assert first["trip_id"] == "10-1-01"
    assert first["departure_s"] == 5 * 3600
    assert first["arrival_s"] == 5 * 3600 + 45 * 60
    assert first["row"] == 2
    assert first["depot"] == "南菜园场站"
    assert np.isnan(first["passengers"])
    assert not first["exempt"]
    late = df[df["trip_id"] == "10-1-21"].iloc[0]
    assert late["arrival_s"] == 24 * 3600 + 5 * 60  # 24:05 is after midnight, allowed
    # sorted by vehicle then departure
    for _, g in df.groupby("vehicle_id"):
        assert g["departure_s"].is_monotonic_increasing


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_chinese_ids_round_trip_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    """GIVEN the same Chinese ids in several encodings WHEN read THEN the ids come back exactly."""
    ids = ["京A·D12345", "环卫-朝阳-007", "顺丰快递车３号"]
    lines = [HEADER + ",depot"]
    for i, vid in enumerate(ids):
        lines.append(
            f"{vid},公交,纯电动,行程{i},05:00,05:40,116.40,39.91,116.45,39.93,北京公交场站"
        )
    df = read_trips(write(tmp_path, "\n".join(lines) + "\n", encoding=encoding))
    assert sorted(df["vehicle_id"]) == sorted(ids)
    assert sorted(df["trip_id"]) == ["行程0", "行程1", "行程2"]
    assert set(df["depot"]) == {"北京公交场站"}
    assert set(df["vehicle_type"]) == {"bus"}
    assert set(df["powertrain"]) == {"bev"}


def test_chinese_headers_are_mapped(tmp_path: Path) -> None:
    """GIVEN a GBK file with Chinese headers WHEN read THEN canonical names come out."""
    # the full-width brackets around 公里 are the real header spelling, on purpose
    text = (
        "车辆编号,车辆类型,动力类型,车次,发车时间,到达时间,"
        "起点经度,起点纬度,终点经度,终点纬度,里程（公里）\n"  # noqa: RUF001
        "京B0001,出租车,汽油,T1,7:05,7:35:30,116.3,39.9,116.4,39.95,8.2\n"
    )
    df = read_trips(write(tmp_path, text, encoding="gbk"))
    row = df.iloc[0]
    assert (row["vehicle_id"], row["vehicle_type"], row["powertrain"]) == (
        "京B0001",
        "taxi",
        "gasoline",
    )
    assert row["departure_s"] == 7 * 3600 + 5 * 60
    assert row["arrival_s"] == 7 * 3600 + 35 * 60 + 30
    assert row["distance_km"] == pytest.approx(8.2)


def test_every_problem_is_reported_at_once_with_row_and_column(tmp_path: Path) -> None:
    """GIVEN a file with six different mistakes WHEN read THEN one InputError lists all six."""
    text = (
        HEADER + ",distance_km\n"
        "b1,bus,bev,t1,05:30,06:10,116.40,39.91,116.45,39.93,12\n"
        "b1,boat,bev,t2,06:00,05:00,116.4,39.9,116.4,39.9,-3\n"
        "b2,bus,bev,t1,6:61,07:00,abc,39.91,116.40,39.91,\n"
    )
    with pytest.raises(InputError) as info:
        read_trips(write(tmp_path, text))
    got = {(p.row, p.column) for p in info.value.problems}
    assert got == {
        (3, "vehicle_type"),
        (3, "arrival"),
        (3, "distance_km"),
        (3, "departure"),  # overlap with t1
        (4, "trip_id"),
        (4, "departure"),
        (4, "origin_lon"),
    }
    assert all(p.file == str(tmp_path / "t.csv") for p in info.value.problems)


def test_upload_name_replaces_the_path_in_messages(tmp_path: Path) -> None:
    text = HEADER + "\nb1,bus,bev,t1,05:30,xx,116.40,39.91,116.45,39.93\n"
    with pytest.raises(InputError) as info:
        read_trips(write(tmp_path, text), name="operator upload.csv")
    assert info.value.problems[0].file == "operator upload.csv"


def test_requests_clock_and_iso_departures(tmp_path: Path) -> None:
    """GIVEN ISO datetimes over two days WHEN read THEN seconds count from the first midnight."""
    text = (
        "request_id,departure,origin_lon,origin_lat,destination_lon,destination_lat,max_wait_min\n"
        "r1,2008-02-02T23:50:00,116.40,39.91,116.45,39.93,5\n"
        "r2,2008-02-03 00:10:00,116.40,39.91,116.45,39.93,\n"
        "r3,2008-02-02T15:00:00Z,116.40,39.91,116.45,39.93,\n"
    )
    df = read_requests(write(tmp_path, text)).set_index("request_id")
    assert df.loc["r1", "departure_s"] == 23 * 3600 + 50 * 60
    assert df.loc["r2", "departure_s"] == 24 * 3600 + 10 * 60
    assert df.loc["r3", "departure_s"] == 23 * 3600  # 15:00 UTC is 23:00 Beijing time
    assert df.loc["r1", "passengers"] == 1.0
    assert df.loc["r1", "max_wait_min"] == 5.0
    assert np.isnan(df.loc["r2", "max_wait_min"])
    assert df.loc["r2", "row"] == 3


def test_requests_clock_times(tmp_path: Path) -> None:
    text = (
        "request_id,departure,origin_lon,origin_lat,destination_lon,destination_lat,passengers\n"
        "r1,07:00,116.40,39.91,116.45,39.93,2\n"
    )
    df = read_requests(write(tmp_path, text))
    assert df.loc[0, "departure_s"] == 7 * 3600
    assert df.loc[0, "passengers"] == 2.0


def test_column_names_doc_lists_every_alias() -> None:
    """GIVEN docs/column_names.md WHEN compared to COLUMN_MAP/VALUE_MAP THEN nothing is missing."""
    from fleetopt.inputs.schedules import _SOURCE_NAMES, VALUE_MAP

    doc = (Path(__file__).resolve().parents[3] / "docs" / "column_names.md").read_text(
        encoding="utf-8"
    )
    for canon, aliases in _SOURCE_NAMES.items():
        assert f"`{canon}`" in doc
        for a in aliases:
            assert f"`{a}`" in doc, a
    for values in VALUE_MAP.values():
        for k, v in values.items():
            assert f"| `{k}` | `{v}` |" in doc


def test_full_width_and_spaced_headers(tmp_path: Path) -> None:
    # a full-width VEHICLE_ID header on purpose: NFKC must map it to vehicle_id
    text = (
        "ＶＥＨＩＣＬＥ_ＩＤ, Vehicle Type ,动力类型,车次,发车时间,"  # noqa: RUF001
        "到达时间,起点经度,起点纬度,终点经度,终点纬度\n"
        "b1,Bus,BEV,T1,07:00,07:30,116.3,39.9,116.4,39.95\n"
    )
    df = read_trips(write(tmp_path, text))
    assert (df.loc[0, "vehicle_id"], df.loc[0, "vehicle_type"], df.loc[0, "powertrain"]) == (
        "b1",
        "bus",
        "bev",
    )


def test_sort_trips_is_the_sort_by_vehicle_departure_and_trip_id() -> None:
    """GIVEN trips in random order without ties, with a vehicle's two trips leaving at one time,
    and with a missing departure WHEN sorted with sort_trips THEN the order (index) equals the
    stable sort by vehicle_id, departure_s and trip_id."""
    rng = np.random.default_rng(1)
    n = 500
    base = pd.DataFrame({
        "vehicle_id": [f"v{i}" for i in rng.integers(0, 40, n)],
        "departure_s": rng.permutation(n).astype(float),
        "trip_id": [f"t{i:04d}" for i in rng.permutation(n)],
    })
    tied = base.copy()
    tied.loc[7, ["vehicle_id", "departure_s"]] = tied.loc[3, ["vehicle_id", "departure_s"]]
    tied.loc[3, "trip_id"], tied.loc[7, "trip_id"] = "t9999", "t0000"
    missing = base.copy()
    missing.loc[5, "departure_s"] = np.nan
    for df in (base, tied, missing):
        want = df.sort_values(["vehicle_id", "departure_s", "trip_id"], kind="stable")
        assert sort_trips(df).index.tolist() == want.index.tolist()
    # the tie is ordered by trip id, which the sort by vehicle and departure alone does not do
    head = tied.sort_values(["vehicle_id", "departure_s"], kind="stable")
    assert sort_trips(tied).index.tolist() != head.index.tolist()
