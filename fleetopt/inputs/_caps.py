"""Hold every input cap in one place and check it before the work it guards.

A cap bounds what a small file can make fleetopt do (decompress, allocate, generate).
Each cap is a module constant read once from an environment variable, so a user with a
bigger machine raises it without editing code; every message names the cap and the
variable. The byte and row caps of whole files live in :mod:`fleetopt.settings`
(``MAX_INPUT_BYTES``, ``MAX_INPUT_ROWS``) and are re-exported here.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fleetopt import settings
from fleetopt.errors import InputError, Problem
from fleetopt.inputs._encoding import check_regular, read_limited


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return max(1, int(float(raw)))
    except ValueError:
        return default


#: Largest decompressed size of a ``.gz`` graph or OSM file [bytes] (512 MiB;
#: ``FLEETOPT_MAX_DECOMPRESSED_BYTES``). The largest shipped graph unpacks to ~40 MB.
MAX_DECOMPRESSED_BYTES: int = _env_int("FLEETOPT_MAX_DECOMPRESSED_BYTES", 512 * 1024 * 1024)

#: Most columns of a CSV/Excel table (``FLEETOPT_MAX_COLUMNS``); the widest format has ~20.
MAX_COLUMNS: int = _env_int("FLEETOPT_MAX_COLUMNS", 1000)

#: Most trips a GTFS ``frequencies.txt`` may expand to (``FLEETOPT_MAX_GENERATED_TRIPS``);
#: a large city's whole bus network runs ~40,000 trips a day.
MAX_GENERATED_TRIPS: int = _env_int("FLEETOPT_MAX_GENERATED_TRIPS", 1_000_000)

#: Most variants a sweep grid may expand to (``FLEETOPT_MAX_GRID_VARIANTS``).
MAX_GRID_VARIANTS: int = _env_int("FLEETOPT_MAX_GRID_VARIANTS", 10_000)

#: Most stations in a stations file or a scenario (``FLEETOPT_MAX_STATIONS``); Beijing has
#: ~700 public DC stations.
MAX_STATIONS: int = _env_int("FLEETOPT_MAX_STATIONS", 100_000)

#: Largest siting problem JSON [bytes] (``FLEETOPT_MAX_JSON_BYTES``; 64 MiB).
MAX_JSON_BYTES: int = _env_int("FLEETOPT_MAX_JSON_BYTES", 64 * 1024 * 1024)

#: Most candidate sites x demand points of a siting problem (``FLEETOPT_MAX_SITING_PAIRS``).
MAX_SITING_PAIRS: int = _env_int("FLEETOPT_MAX_SITING_PAIRS", 25_000_000)

#: Deepest nesting of TOML/JSON tables and arrays (``FLEETOPT_MAX_NESTING``).
MAX_NESTING: int = _env_int("FLEETOPT_MAX_NESTING", 32)

#: Most digits of an integer in TOML/JSON (``FLEETOPT_MAX_INT_DIGITS``); 18 fits int64.
MAX_INT_DIGITS: int = _env_int("FLEETOPT_MAX_INT_DIGITS", 18)

#: Longest time span of one simulated horizon [days] (``FLEETOPT_MAX_HORIZON_DAYS``):
#: the simulation is day-based; a request file spread over years is a mistake.
MAX_HORIZON_DAYS: int = _env_int("FLEETOPT_MAX_HORIZON_DAYS", 7)

#: Most vehicles of one generated or dispatched fleet (``FLEETOPT_MAX_FLEET_SIZE``);
#: Beijing has ~70,000 taxis.
MAX_FLEET_SIZE: int = _env_int("FLEETOPT_MAX_FLEET_SIZE", 200_000)

#: Most points of an OR-Library instance (``FLEETOPT_MAX_ORLIB_POINTS``): the largest
#: published instances have 5,000 (pmed: 900); the distance matrix is n x n float64.
MAX_ORLIB_POINTS: int = _env_int("FLEETOPT_MAX_ORLIB_POINTS", 10_000)

#: Most data rows / bytes: see :mod:`fleetopt.settings`.
MAX_INPUT_ROWS: int = settings.MAX_INPUT_ROWS
MAX_INPUT_BYTES: int = settings.MAX_INPUT_BYTES

_ENV = {
    "MAX_DECOMPRESSED_BYTES": "FLEETOPT_MAX_DECOMPRESSED_BYTES",
    "MAX_COLUMNS": "FLEETOPT_MAX_COLUMNS",
    "MAX_GENERATED_TRIPS": "FLEETOPT_MAX_GENERATED_TRIPS",
    "MAX_GRID_VARIANTS": "FLEETOPT_MAX_GRID_VARIANTS",
    "MAX_STATIONS": "FLEETOPT_MAX_STATIONS",
    "MAX_JSON_BYTES": "FLEETOPT_MAX_JSON_BYTES",
    "MAX_SITING_PAIRS": "FLEETOPT_MAX_SITING_PAIRS",
    "MAX_NESTING": "FLEETOPT_MAX_NESTING",
    "MAX_INT_DIGITS": "FLEETOPT_MAX_INT_DIGITS",
    "MAX_HORIZON_DAYS": "FLEETOPT_MAX_HORIZON_DAYS",
    "MAX_FLEET_SIZE": "FLEETOPT_MAX_FLEET_SIZE",
    "MAX_ORLIB_POINTS": "FLEETOPT_MAX_ORLIB_POINTS",
    "MAX_INPUT_ROWS": "FLEETOPT_MAX_INPUT_ROWS",
    "MAX_INPUT_BYTES": "FLEETOPT_MAX_INPUT_BYTES",
}


def how_to_raise(cap: str) -> str:
    """Return the clause naming a cap and how to raise it, for messages."""
    return f"(cap {cap}; raise it with the environment variable {_ENV[cap]})"


def over_cap(
    what: str,
    cap: str,
    limit: float,
    *,
    file: str | None = None,
    row: int | None = None,
    column: str | None = None,
) -> InputError:
    """Return the located InputError of an exceeded cap.

    Parameters
    ----------
    what : str
        What exceeds the cap, e.g. ``"frequencies.txt expands to 3,000,000 trips"``.
    cap : str
        Name of the cap constant (a key of this module's caps).
    limit : float
        Its value.
    """
    msg = f"{what}; the limit is {limit:,.0f} {how_to_raise(cap)}"
    return InputError(msg, [Problem(msg, row=row, column=column, file=file)])


def gunzip_limited(data: bytes, *, file: str, limit: int | None = None) -> bytes:
    """Decompress gzip ``data``, refusing output beyond ``MAX_DECOMPRESSED_BYTES``.

    Raises
    ------
    InputError
        Output over the cap, or not a valid gzip stream.
    """
    cap = MAX_DECOMPRESSED_BYTES if limit is None else limit
    if len(data) >= 18:  # the trailer's size (mod 2**32) rejects most bombs before any work
        isize = int.from_bytes(data[-4:], "little")
        if isize > cap:
            msg = f"decompresses to {isize:,} bytes (gzip trailer)"
            raise over_cap(msg, "MAX_DECOMPRESSED_BYTES", cap, file=file)
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    total = 0
    view = memoryview(data)
    step = 1 << 16
    try:
        for start in range(0, len(view), step):
            piece: bytes | memoryview = view[start : start + step]
            while piece:
                out = d.decompress(piece, cap + 1 - total)
                total += len(out)
                chunks.append(out)
                if total > cap:
                    msg = f"decompresses to more than {cap:,} bytes"
                    raise over_cap(msg, "MAX_DECOMPRESSED_BYTES", cap, file=file)
                piece = d.unconsumed_tail
                if d.eof:
                    break
            if d.eof:
                break
    except zlib.error as exc:
        msg = f"{file}: not a valid gzip file ({exc})"
        raise InputError(msg, [Problem(f"not a valid gzip file ({exc})", file=file)]) from None
    if not d.eof:
        msg = f"{file}: the gzip stream is truncated"
        raise InputError(msg, [Problem("the gzip stream is truncated", file=file)])
    return b"".join(chunks)


def read_maybe_gz(path: Path) -> bytes:
    """Read a file whole, decompressing gzip content under the decompression cap."""
    data = read_limited(path)
    if data[:2] == b"\x1f\x8b":
        return gunzip_limited(data, file=str(path))
    return data



def check_structure(doc: Any, *, file: str | None) -> None:
    """Refuse nesting deeper than ``MAX_NESTING`` and integers longer than ``MAX_INT_DIGITS``.

    Walks without recursion, so a hostile document cannot exhaust the stack. Used for
    scenario TOML and siting JSON alike; the dotted key locates the value.
    """
    limit = 10**MAX_INT_DIGITS
    stack: list[tuple[str, Any, int]] = [("", doc, 0)]
    while stack:
        key, value, depth = stack.pop()
        if depth > MAX_NESTING:
            msg = f"{key or 'the document'} is nested deeper than {MAX_NESTING} levels"
            raise over_cap(msg, "MAX_NESTING", MAX_NESTING, file=file,
                                 column=key or None)
        if isinstance(value, Mapping):
            stack.extend((f"{key}.{k}" if key else str(k), v, depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(
                (f"{key}.{i}" if key else str(i), v, depth + 1) for i, v in enumerate(value)
            )
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= limit:
            msg = f"{key} is an integer of more than {MAX_INT_DIGITS} digits"
            raise over_cap(msg, "MAX_INT_DIGITS", MAX_INT_DIGITS, file=file,
                                 column=key or None)


def load_json_limited(path: Path) -> Any:
    """Read a JSON document under ``MAX_JSON_BYTES``, ``MAX_NESTING`` and ``MAX_INT_DIGITS``.

    A siting problem's ``candidates`` x ``demand`` must also stay within
    ``MAX_SITING_PAIRS``. Raises ``json.JSONDecodeError`` / ``UnicodeDecodeError`` for the
    caller to locate, InputError for every cap.
    """
    file = str(path)
    if not path.is_file():
        msg = "file not found"
        raise InputError(f"{file}: {msg}", [Problem(msg, file=file)])
    check_regular(path, file)
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise over_cap(f"the JSON file has {size:,} bytes", "MAX_JSON_BYTES", MAX_JSON_BYTES,
                       file=file)
    text = path.read_bytes()[: MAX_JSON_BYTES + 1].decode("utf-8-sig")
    try:
        doc = json.loads(text)
    except RecursionError:
        msg = f"arrays or objects nested deeper than {MAX_NESTING}"
        raise over_cap(msg, "MAX_NESTING", MAX_NESTING, file=file) from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
        msg = "an integer of more than 4,300 digits"
        raise over_cap(msg, "MAX_INT_DIGITS", MAX_INT_DIGITS, file=file) from None
    check_structure(doc, file=file)
    if isinstance(doc, dict):
        n_cand = len(doc.get("candidates") or []) if isinstance(doc.get("candidates"), list) else 0
        n_dem = len(doc.get("demand") or []) if isinstance(doc.get("demand"), list) else 0
        if n_cand * n_dem > MAX_SITING_PAIRS:
            what = f"{n_cand:,} candidates x {n_dem:,} demand points"
            raise over_cap(what, "MAX_SITING_PAIRS", MAX_SITING_PAIRS, file=file,
                           column="candidates")
    return doc
