"""Simulation results are written through results.export.write_result (atomic, escaped)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
from simkit import trip_line

from fleetopt.results.export import escape_csv_tree, write_result


def test_write_result_equals_plain_write_then_escape(tmp_path: Path, run) -> None:
    """GIVEN a result whose vehicle id is formula-like WHEN written by write_result and by the
    plain writer followed by escape_csv_tree THEN every file is byte-identical, the id starts
    with an apostrophe in the CSV (raw in the Parquet), and no temporary file is left."""
    res = run([trip_line("=HYPERLINK(1)", "t1", "08:00", "09:00", 30.0)])
    plain = res.write(tmp_path / "plain")
    escape_csv_tree(plain)
    new = write_result(res.tables(), tmp_path / "new", summary=res.summary_doc())
    names = sorted(p.name for p in plain.iterdir())
    assert names == sorted(p.name for p in new.iterdir())  # no .tmp left behind
    assert len(names) == 15
    for name in names:
        assert filecmp.cmp(plain / name, new / name, shallow=False), name
    assert "'=HYPERLINK(1)" in (new / "trips.csv").read_text(encoding="utf-8")
    assert pd.read_parquet(new / "trips.parquet")["vehicle_id"].iat[0] == "=HYPERLINK(1)"
