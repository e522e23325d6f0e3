"""`fleetopt network build`: a real OSM export to GraphML; bad input exits 2, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fleetopt.cli import app
from fleetopt.inputs.road_graph import load_graph, load_network

OSM_GZ = Path(__file__).resolve().parents[2] / "data" / "beijing_region7_2015.osm.gz"

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, ["network", "build", *args])


@pytest.mark.parametrize("out_name", ["r7.graphml", "r7.graphml.gz"])
def test_build_from_osm_writes_a_loadable_graph(tmp_path: Path, out_name: str) -> None:
    """GIVEN a real OSM export WHEN built with --json THEN a loadable GraphML the JSON describes."""
    out = tmp_path / out_name
    res = _invoke("--osm", str(OSM_GZ), "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["out"] == str(out)
    assert out.is_file()
    g = load_graph(out)
    assert doc["nodes"] == g.number_of_nodes()
    assert doc["edges"] == g.number_of_edges()
    assert 0 < doc["largest_scc_nodes"] <= doc["nodes"]
    road_km = sum(d["length"] for *_, d in g.edges(data=True)) / 1000
    assert doc["road_km"] == pytest.approx(road_km, abs=1e-3)
    net = load_network(out)
    assert net.routable.sum() == doc["largest_scc_nodes"]
    assert all("travel_time" in d for *_, d in g.edges(data=True))


def test_human_output_names_the_file(tmp_path: Path) -> None:
    out = tmp_path / "r7.graphml"
    res = _invoke("--osm", str(OSM_GZ), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "r7.graphml" in res.stdout
    assert "nodes" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "X/g.graphml"], "give exactly one of --osm FILE or --place NAME"),
        (["--osm", "OSM", "--place", "Beijing", "--out", "X/g.graphml"], "give exactly one"),
        (["--osm", "X/missing.osm", "--out", "X/g.graphml"], "does not exist"),
        (["--osm", "OSM", "--out", "X/g.txt"], "expected a file name ending in .graphml"),
        (["--osm", "OSM", "--out", "X/nofolder/g.graphml"], "does not exist"),
        (["--osm", "X/bad.osm", "--out", "X/g.graphml"], "not a readable graph file"),
        (["--osm", "X/notosm.csv", "--out", "X/g.graphml"], "expected an OSM XML file"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.osm").write_text("this is not XML", encoding="utf-8")
    (tmp_path / "notosm.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    shutil.copy(OSM_GZ, tmp_path / "r7.osm.gz")
    real = [
        a.replace("X/", f"{tmp_path}/").replace("OSM", str(tmp_path / "r7.osm.gz")) for a in args
    ]
    res = _invoke(*real, "--json")
    assert res.exit_code == 2, res.output
    assert message in res.stderr
    assert "Traceback" not in res.output
    assert res.stdout == ""


def test_missing_out_is_a_usage_error() -> None:
    res = _invoke("--osm", str(OSM_GZ))
    assert res.exit_code == 2
    assert "Traceback" not in res.output


@pytest.mark.network
def test_build_from_place_downloads_a_graph(tmp_path: Path) -> None:
    """Needs the internet (run with --run-network): Overpass via osmnx."""
    out = tmp_path / "bupt.graphml.gz"
    res = _invoke(
        "--place",
        "Beijing University of Posts and Telecommunications, Beijing, China",
        "--out",
        str(out),
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert load_graph(out).number_of_edges() > 0
