"""Wrong answers with exit 0 become located rejections or warnings: physically impossible
station values (with the plausible range), and files mixing UTF-8 and GBK lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleetopt.inputs.schedules import read_trips
from tests.fleetopt.adversarial._cli import assert_rejected, fleetopt

SIM = Path(__file__).resolve().parents[2] / "data" / "simulation"
HEADER = (
    "vehicle_id,vehicle_type,powertrain,trip_id,departure,arrival,"
    "origin_lon,origin_lat,destination_lon,destination_lat\n"
)


@pytest.mark.parametrize(
    ("key", "value", "needles"),
    [
        ("plug_kw", "1e20", ["stations.0.plug_kw", "0..3750 kW"]),
        ("plug_kw", "1e308", ["stations.0.plug_kw", "0..3750 kW"]),
        ("plugs", "1000000", ["stations.0.plugs", "0..1000"]),
    ],
)
@pytest.mark.parametrize("command", ["simulate", "validate"])
def test_impossible_station_values_exit_2_with_the_range(
    tmp_path: Path, command: str, key: str, value: str, needles: list[str]
) -> None:
    (tmp_path / "trips.csv").write_bytes((SIM / "hand_trips.csv").read_bytes())
    station = {"plugs": "1", "plug_kw": "100"} | {key: value}
    body = (
        'name = "x"\n[[fleets]]\ntrips = "trips.csv"\n[[stations]]\nid = "d"\nkind = "depot"\n'
        "lon = 116.40\nlat = 39.91\n" + "".join(f"{k} = {v}\n" for k, v in station.items())
    )
    (tmp_path / "s.toml").write_text(body, encoding="utf-8")
    out = fleetopt(command, str(tmp_path / "s.toml"))
    assert_rejected(out, "s.toml", *needles)


def test_stations_file_impossible_value_is_located_by_row(tmp_path: Path) -> None:
    (tmp_path / "st.csv").write_text(
        "id,kind,lon,lat,plugs,plug_kw\na,depot,116.4,39.9,2,120\nb,public,116.41,39.9,2,1e20\n",
        encoding="utf-8",
    )
    out = fleetopt("validate", str(tmp_path / "st.csv"), "--kind", "stations")
    assert_rejected(out, "st.csv", "row 3", "plug_kw", "0..3750")


def test_mixed_utf8_and_gbk_lines_warn_and_decode_each_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    body = HEADER.encode() + "京A1,bus,bev,t1,06:00,07:00,116.40,39.90,116.41,39.91\n".encode()
    for k in (2, 3):
        row = f"京A{k},bus,bev,t{k},06:00,07:00,116.40,39.90,116.41,39.91\n"
        body += row.encode("gbk")
    path.write_bytes(body)
    trips = read_trips(path)
    assert list(trips["vehicle_id"]) == ["京A1", "京A2", "京A3"]  # no mojibake
    out = fleetopt("validate", str(path), "--json")
    assert out.code == 0, out.stderr
    warnings = json.loads(out.stdout)["warnings"]
    assert any(w["row"] == 2 and "mixes encodings" in w["message"] for w in warnings), warnings


def test_pure_gbk_file_gives_no_mixed_warning(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    rows = "".join(
        f"京A{k},bus,bev,t{k},06:00,07:00,116.40,39.90,116.41,39.91\n" for k in range(1, 4)
    )
    path.write_bytes((HEADER + rows).encode("gbk"))
    out = fleetopt("validate", str(path), "--json")
    assert out.code == 0, out.stderr
    assert not [w for w in json.loads(out.stdout)["warnings"] if "mixes" in w["message"]]
