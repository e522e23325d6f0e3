"""Messages never print what they should not: a system file named as an input is refused
by path, its content never read; a non-table's header is not echoed; a FIFO never blocks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fleetopt.adversarial._cli import assert_rejected, fleetopt


@pytest.mark.parametrize(
    ("key", "target"),
    [
        ("stations", "/etc/os-release"),
        ("stations", "/proc/self/environ"),
        ("fleets", "/etc/passwd"),
    ],
)
@pytest.mark.parametrize("command", ["simulate", "validate"])
def test_system_files_are_named_never_read(
    tmp_path: Path, key: str, target: str, command: str
) -> None:
    if not Path(target).exists():
        pytest.skip(f"{target} does not exist here")
    body = (
        f'name = "x"\nstations = "{target}"\n'
        if key == "stations"
        else f'name = "x"\n[[fleets]]\ntrips = "{target}"\n'
    )
    scen = tmp_path / "s.toml"
    scen.write_text(body, encoding="utf-8")
    out = fleetopt(command, str(scen))
    assert_rejected(out, target, "system file")
    for secret in ("PRETTY_NAME", "root:", "PATH=", "HOME="):
        assert secret not in out.stderr


def test_a_non_table_named_csv_is_not_echoed(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text('SECRET_TOKEN="abc123"\nline two\n', encoding="utf-8")
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\nstations = "notes.csv"\n', encoding="utf-8")
    out = fleetopt("simulate", str(scen))
    assert_rejected(out, "notes.csv", "not a stations table")
    assert "SECRET" not in out.stderr
    assert "abc123" not in out.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_validate_on_a_fifo_exits_2_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    out = fleetopt("validate", str(fifo), isolated=True)
    assert_rejected(out, "pipe.csv", "not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("key", ["trips", "stations"])
def test_a_fifo_named_in_a_scenario_is_called_what_it_is(tmp_path: Path, key: str) -> None:
    """GIVEN a scenario whose trips (or stations) file is a FIFO WHEN simulated THEN exit 2 at
    once, naming the key and saying it is not a regular file (it used to say 'not found')."""
    os.mkfifo(tmp_path / "pipe.csv")
    body = ('name = "x"\nstations = "pipe.csv"\n' if key == "stations"
            else 'name = "x"\n[[fleets]]\ntrips = "pipe.csv"\n')
    (tmp_path / "s.toml").write_text(body, encoding="utf-8")
    out = fleetopt("simulate", str(tmp_path / "s.toml"), isolated=True)
    assert_rejected(out, "not a regular file", "pipe.csv")
    assert "not found" not in out.stderr
