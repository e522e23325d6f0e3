"""Inputs that used to end in exit 1 (RecursionError, MemoryError, overflow, a simulation
error) are the user's mistake: exit 2 with a located message naming the cap."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.fleetopt.adversarial._cli import assert_rejected, fleetopt

SIM = Path(__file__).resolve().parents[2] / "data" / "simulation"
SITING = Path(__file__).resolve().parents[2] / "data" / "siting"
BASE = 'name = "x"\n[[fleets]]\ntrips = "trips.csv"\n'


def scenario(folder: Path, text: str, name: str = "s.toml") -> Path:
    (folder / "trips.csv").write_bytes((SIM / "hand_trips.csv").read_bytes())
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["simulate", "validate"])
@pytest.mark.parametrize(
    ("body", "needles"),
    [
        (BASE + "x = " + "[" * 5000 + "]" * 5000 + "\n", ["MAX_NESTING", "FLEETOPT_MAX_NESTING"]),
        (
            BASE + "[options]\nq = " + "{a=" * 40 + "1" + "}" * 40 + "\n",
            ["MAX_NESTING", "options.q"],
        ),
        ("seed = " + "9" * 5000 + "\n" + BASE, ["5,000 digits", "MAX_INT_DIGITS", "row 1"]),
        ("seed = " + "9" * 30 + "\n" + BASE, ["seed", "MAX_INT_DIGITS"]),
        (BASE + '[horizon]\nstart = "20:00"\nend = "06:00"\n', ["horizon.end", "after its start"]),
        (
            'name="x"\n[[fleets]]\ntype="taxi"\ngenerator="beijing-taxi"\nsize=1000000000\n',
            ["fleets.0.size", "MAX_FLEET_SIZE"],
        ),
        (
            'name="x"\n[[fleets]]\ntype="taxi"\ngenerator="beijing-taxi"\nscale=1e5\n',
            ["fleets.0.scale", "MAX_FLEET_SIZE"],
        ),
        ("ambient_temperature_c = 1e308\n" + BASE, ["ambient_temperature_c", "-50..50"]),
    ],
    ids=[
        "deep-array",
        "deep-table",
        "5000-digits",
        "30-digits",
        "start-after-end",
        "taxi-1e9",
        "scale-1e5",
        "1e308",
    ],
)
def test_scenario_mistakes_exit_2(
    tmp_path: Path, command: str, body: str, needles: list[str]
) -> None:
    out = fleetopt(command, str(scenario(tmp_path, body)))
    assert_rejected(out, "s.toml", *needles)


def test_validate_json_locates_the_horizon(tmp_path: Path) -> None:
    path = scenario(tmp_path, BASE + '[horizon]\nstart = "20:00"\nend = "06:00"\n')
    out = fleetopt("validate", str(path), "--json")
    assert out.code == 2
    doc = json.loads(out.stdout)
    assert doc["valid"] is False
    assert [e["column"] for e in doc["errors"]] == ["horizon.end"]


def test_toml_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = scenario(tmp_path, "")
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    out = fleetopt("validate", str(path), "--json")
    assert out.code == 0, out.stderr
    assert json.loads(out.stdout)["valid"] is True


def test_base_file_errors_name_the_base_file(tmp_path: Path) -> None:
    scenario(tmp_path, "ambient_temperature_c = 999\n" + BASE, name="base.toml")
    top = tmp_path / "top.toml"
    top.write_text('base = "base.toml"\nname = "top"\n', encoding="utf-8")
    out = fleetopt("validate", str(top), "--json")
    assert out.code == 2
    errors = json.loads(out.stdout)["errors"]
    assert errors[0]["column"] == "ambient_temperature_c"
    assert "base.toml" in errors[0]["message"]


def _big_int_json(path: Path, **changes: object) -> Path:
    doc = json.loads((SITING / "tiny_problem.json").read_text(encoding="utf-8"))
    doc.update(changes)
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        path.write_text(json.dumps(doc), encoding="utf-8")
    finally:
        sys.set_int_max_str_digits(old)
    return path


@pytest.mark.parametrize(
    ("changes", "needles"),
    [
        ({"p": 0}, ["column 'p'", "p = 0"]),
        ({"p": 1e308}, ["column 'p'", "exceeds the 4 candidates"]),
        ({"p": 10**5000 - 1}, ["MAX_INT_DIGITS"]),
    ],
    ids=["p0", "p1e308", "p-5000-digits"],
)
def test_siting_json_mistakes_exit_2(tmp_path: Path, changes: dict, needles: list[str]) -> None:
    out = fleetopt("site", "--problem", str(_big_int_json(tmp_path / "p.json", **changes)))
    assert_rejected(out, "p.json", *needles)


def test_deep_siting_json_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert_rejected(fleetopt("site", "--problem", str(path)), "deep.json", "MAX_NESTING")


@pytest.mark.parametrize(
    ("flag", "text", "needles"),
    [
        (
            "--orlib-pmed",
            " 1000000000000 3 5\n1 2 3\n2 3 4\n3 1 5\n",
            ["MAX_ORLIB_POINTS", "row 1", "n (vertices)"],
        ),
        ("--orlib-pmed", " 100000 3 5\n1 2 3\n2 3 4\n3 1 5\n", ["MAX_ORLIB_POINTS"]),
        ("--orlib-cap", " 1000000 1000000\n" + "10 5\n" * 10, ["MAX_SITING_PAIRS", "row 1"]),
        ("--orlib-cap", " 3000 3000\n" + "10 5\n" * 10, ["file ends early", "n (customers)"]),
    ],
    ids=["pmed-1e12", "pmed-1e5", "cap-1e6", "cap-short"],
)
def test_orlib_huge_headers_are_checked_before_allocation(
    tmp_path: Path, flag: str, text: str, needles: list[str]
) -> None:
    path = tmp_path / "orlib.txt"
    path.write_text(text, encoding="ascii")
    assert_rejected(fleetopt("site", flag, str(path)), "orlib.txt", *needles)
