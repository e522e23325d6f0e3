"""A GTFS feed tried as a new user would: the service day is said (and a day outside the
feed's calendar is a located error at fleets.N.date), 'vehicles' is explained next to the
peak number in service, and a feed of another region is warned about once."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from fleetopt.domain.blocks import parse_gtfs_trips, peak_in_service
from tests.fleetopt.adversarial._cli import assert_rejected, fleetopt

INPUTS = Path(__file__).resolve().parents[2] / "data" / "inputs"


def _zip(folder: Path, target: Path, **replace: str) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for member in sorted(folder.glob("*.txt")):
            zf.writestr(member.name, replace.get(member.stem, member.read_text(encoding="utf-8")))
    return target


def _scenario(tmp_path: Path, date: str) -> Path:
    _zip(INPUTS / "generated_gtfs_line10", tmp_path / "line10.zip")
    path = tmp_path / "g.toml"
    path.write_text(
        f'name = "g"\n[[fleets]]\ngtfs = "line10.zip"\ndate = {date}\n', encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("command", ["simulate", "validate"])
@pytest.mark.parametrize(
    ("date", "needles"),
    [
        ('"2030-05-01"', ["2030-05-01", "outside the feed's calendar", "2024-01-01 to 2024-12-31"]),
        ("2030-05-01", ["outside the feed's calendar"]),  # a TOML date
        ('"05/01/2024"', ["is not a date", "YYYY-MM-DD"]),
    ],
    ids=["string", "toml-date", "bad-format"],
)
def test_service_day_mistakes_are_located_at_fleets_n_date(
    tmp_path: Path, command: str, date: str, needles: list[str]
) -> None:
    out = fleetopt(command, str(_scenario(tmp_path, date)))
    assert_rejected(out, "column 'fleets.0.date'", *needles)
    assert "service_date" not in out.stderr


def test_service_day_is_reported_with_vehicles_and_peak(tmp_path: Path) -> None:
    out = fleetopt("simulate", str(_scenario(tmp_path, '"2024-05-01"')), "--json")
    assert out.code == 0, out.stderr
    assert "service day 2024-05-01 (given)" in out.stderr
    assert "vehicles = distinct blocks" in out.stderr
    assert "in service at once" in out.stderr
    assert json.loads(out.stdout)["trips_total"] == 62


def test_day_inside_the_calendar_without_service_warns(tmp_path: Path) -> None:
    data = _zip(INPUTS / "generated_gtfs_line10", tmp_path / "f.zip").read_bytes()
    frame = parse_gtfs_trips(data, name="f.zip", service_date="2024-05-04")  # a Saturday
    assert frame.empty


def test_peak_in_service_counts_overlapping_blocks_only() -> None:
    veh = np.array(["a", "a", "b", "c"])
    dep = np.array([0.0, 3600.0, 1800.0, 7200.0])
    arr = np.array([1000.0, 5000.0, 2000.0, 9000.0])
    # a: 0-5000, b: 1800-2000, c: 7200-9000 -> at most 2 at once
    assert peak_in_service(veh, dep, arr) == 2
    # back to back: a pull-in at t and a pull-out at t are not two vehicles at once
    assert peak_in_service(np.array(["x", "y"]), np.array([0.0, 10.0]), np.array([10.0, 20.0])) == 1


def test_a_feed_of_another_region_is_warned_about_once(tmp_path: Path) -> None:
    stops = ["stop_id,stop_name,stop_lat,stop_lon"] + [
        f"S{i},s{i},{40.70 + i / 1000:.4f},{-74.00 - i / 1000:.4f}" for i in range(120)
    ]
    src = INPUTS / "generated_gtfs_line10"
    stop_ids = [ln.split(",")[0] for ln in (src / "stops.txt").read_text().splitlines()[1:]]
    st = (src / "stop_times.txt").read_text(encoding="utf-8")
    for k, sid in enumerate(stop_ids):
        st = st.replace(f",{sid},", f",S{k},")
    path = _zip(src, tmp_path / "nyc.zip", stops="\n".join(stops) + "\n", stop_times=st)
    out = fleetopt("validate", str(path), "--json")
    doc = json.loads(out.stdout)
    outside = [w for w in doc["warnings"] if "outside" in w["message"]]
    assert len(outside) == 1, outside
    assert "120 of 120 points" in outside[0]["message"]
    buf = io.StringIO(out.stderr)
    assert buf.getvalue().count("outside") <= 1


def test_validate_scenario_counts_and_names_every_stop_off_the_graph(tmp_path: Path) -> None:
    """Google's example feed (Nevada) against the Beijing default graph: all 9 stops are off
    it, named with their stops.txt rows, with the trips that start or end there."""
    _zip(INPUTS / "gtfs_google_sample", tmp_path / "dta.zip")
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "x"\n[[fleets]]\ngtfs = "dta.zip"\ndate = "2008-06-02"\n', encoding="utf-8"
    )
    out = fleetopt("validate", str(path), "--kind", "scenario", "--json")
    doc = json.loads(out.stdout)
    off = [w for w in doc["warnings"] if "from the road network" in w["message"]]
    assert len(off) == 1, doc
    msg = off[0]["message"]
    assert off[0]["column"] == "fleets.0.gtfs"
    assert "9 of 9 stops" in msg
    assert "FUR_CREEK_RES (stops.txt row 2" in msg
    assert "trips (trips.txt)" in msg


def test_region_follows_the_scenario_network(tmp_path: Path) -> None:
    """Google's example feed (Nevada) on a graph around it: no 'outside Beijing' warning."""
    from tests.fleetopt.adversarial.test_gtfs_e2e import generated_grid

    generated_grid(tmp_path / "generated_grid.graphml", step_deg=0.05)
    _zip(INPUTS / "gtfs_google_sample", tmp_path / "dta.zip")
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "x"\nnetwork = "generated_grid.graphml"\n[[fleets]]\ngtfs = "dta.zip"\n',
        encoding="utf-8",
    )
    out = fleetopt("validate", str(path), "--kind", "scenario", "--json")
    doc = json.loads(out.stdout)
    assert doc["valid"] is True, doc
    assert not [w for w in doc["warnings"] if "Beijing" in w["message"]], doc["warnings"]
