"""stop_times.txt read two ways: Arrow's streamed fast path and the general table reader.

The fast path (issue 17: memory <= 2x a plain pandas read) must give the same trips and
vehicle blocks as the general reader, and hand every unusual file to the general reader,
which locates its problems.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from fleetopt.domain.blocks import parse_gtfs_trips
from fleetopt.errors import InputError
from fleetopt.inputs._gtfs_feed import load_feed
from fleetopt.inputs.gtfs import stop_positions
from tests.fleetopt.inputs.test_gtfs import SAMPLE, feed_bytes

STOP_TIMES = (SAMPLE / "stop_times.txt").read_text(encoding="utf-8")


def _padded(text: str) -> str:
    """Google's sample has short rows (ragged: the general reader's case); pad them."""
    lines = text.split("\n")
    width = lines[0].count(",")
    return "\n".join(ln + "," * (width - ln.count(",")) if ln else ln for ln in lines)


PADDED = _padded(STOP_TIMES)

FAST: dict[str, Callable[[str], str]] = {
    "plain": lambda t: t,
    "byte-order mark": lambda t: "\ufeff" + t,
    "CRLF": lambda t: t.replace("\n", "\r\n"),
    "spaces around ids": lambda t: t.replace(",STAGECOACH", ", STAGECOACH "),
    "quoted ids": lambda t: t.replace("STBA,", '"STBA",'),
    "columns reordered": lambda t: "\n".join(
        ",".join([ln.split(",")[3], *ln.split(",")[:3], *ln.split(",")[4:]]) if ln else ln
        for ln in t.split("\n")
    ),
}
GENERAL: dict[str, Callable[[str], str]] = {
    "short rows": lambda t: STOP_TIMES,
    "blank lines at the end": lambda t: t + "\n\n",
    "blank line inside": lambda t: t.replace("\n", "\n\n", 3),
    "semicolons": lambda t: t.replace(",", ";"),
}


def _read(text: str) -> tuple[str, bool]:
    data = feed_bytes(replace={"stop_times.txt": text})
    feed = load_feed(data, "f.zip")
    assert feed.stop_times is not None
    fast = feed.stop_times.pending is None  # the general reader leaves its report pending
    df = parse_gtfs_trips(data, name="f.zip", service_date="2007-01-06")
    return df.to_csv(index=False) + repr(sorted(df.attrs["gtfs"].items())), fast


REFERENCE, _ = _read(STOP_TIMES)


@pytest.mark.parametrize("case", list(FAST))
def test_fast_path_reads_ordinary_files_with_the_general_readers_answer(case: str) -> None:
    """GIVEN a well-formed stop_times.txt (BOM, CRLF, padded ids, quotes, any column order)
    THEN Arrow's fast path reads it and the trips, blocks and counts equal the general
    reader's on the original file."""
    out, fast = _read(FAST[case](PADDED))
    assert fast, case
    assert out == REFERENCE


@pytest.mark.parametrize("case", list(GENERAL))
def test_unusual_files_go_to_the_general_reader_with_the_same_answer(case: str) -> None:
    out, fast = _read(GENERAL[case](PADDED))
    assert not fast, case
    assert out == REFERENCE


@pytest.mark.parametrize(
    ("edit", "row", "column", "text"),
    [
        (lambda t: t.replace("6:20:00,6:20:00", "6:20:00,six", 1), 3, "departure_time",
         "'six' is not a time"),
        (lambda t: t.replace("BEATTY_AIRPORT,2", "BEATTY_AIRPORT,-2", 1), 3, "stop_sequence",
         "must be >= 0"),
        (lambda t: t.replace("BEATTY_AIRPORT,2", "NOWHERE,2", 1), 3, "stop_id",
         "'NOWHERE' is not in stops.txt"),
    ],
)
def test_bad_values_are_located_whichever_path_reads_them(
    edit: Callable[[str], str], row: int, column: str, text: str
) -> None:
    """A bad value in a padded (fast-path shaped) file is located by row and column."""
    data = feed_bytes(replace={"stop_times.txt": edit(PADDED)})
    with pytest.raises(InputError) as err:
        parse_gtfs_trips(data, name="f.zip")
    hits = [p for p in err.value.problems if p.column == column and text in p.message]
    assert hits, err.value.problems
    assert hits[0].row == row
    assert hits[0].file == "f.zip/stop_times.txt"


def test_stop_positions_count_first_and_last_stops_of_each_trip(tmp_path: Path) -> None:
    """GIVEN the sample (fast path) THEN trips ending/starting per stop match a hand count
    from the file: each trip counts once at its first and once at its last stop."""
    path = tmp_path / "f.zip"
    path.write_bytes(feed_bytes(replace={"stop_times.txt": PADDED}))
    _, counts = stop_positions(path)
    recs = list(csv.DictReader(io.StringIO(STOP_TIMES)))
    by_trip: dict[str, list[tuple[int, str]]] = {}
    for r in recs:
        by_trip.setdefault(r["trip_id"], []).append((int(r["stop_sequence"]), r["stop_id"]))
    expected: dict[str, int] = {}
    for seq in by_trip.values():
        seq.sort()
        for s in (seq[0][1], seq[-1][1]):
            expected[s] = expected.get(s, 0) + 1
    assert counts == expected
