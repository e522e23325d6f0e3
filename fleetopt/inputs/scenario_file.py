"""Read a scenario TOML file and the ``base = "other.toml"`` files it inherits (deep merge).

Split from :mod:`fleetopt.inputs.scenario` (issue 13): reading and merging the files;
the checks of the merged dictionary and the :class:`~fleetopt.inputs.scenario.Scenario`
built from it stay there.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fleetopt.errors import InputError, Problem
from fleetopt.inputs import _caps
from fleetopt.inputs._encoding import read_limited


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(dict(out[k]), v)
        else:
            out[k] = v
    return out


def read_toml_file(path: Path) -> dict[str, Any]:
    """Read one TOML file as a scenario (BOM, size and nesting caps, located syntax errors).

    Parameters
    ----------
    path : Path
        The TOML file; ``base`` is not followed.

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    InputError
        When the file is missing, too big, not UTF-8 or not TOML.
    """
    if not path.is_file():
        msg = f"scenario file not found: {path}"
        raise InputError(msg, [Problem("file not found", None, None, str(path))])
    data = read_limited(path)  # a regular data file under the size cap (never a FIFO)
    if data.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte-order mark (Windows editors)
        data = data[3:]
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        if line is None:  # Python 3.11: the line is only in the message "(at line N, column M)"
            found = re.search(r"at line (\d+)", str(exc))
            line = int(found.group(1)) if found else None
        msg = f"{path}: not valid TOML ({exc})"
        raise InputError(msg, [Problem(f"not valid TOML: {exc}", line, None, str(path))]) from None
    except UnicodeDecodeError as exc:
        msg = f"{path}: not UTF-8 text"
        raise InputError(msg, [Problem(f"not UTF-8 text: {exc}", None, None, str(path))]) from None
    except RecursionError:
        msg = f"tables or arrays nested deeper than {_caps.MAX_NESTING}"
        raise _caps.over_cap(msg, "MAX_NESTING", _caps.MAX_NESTING, file=str(path)) from None
    except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
        text = data.decode("utf-8", errors="replace")
        found = re.search(r"\d{4300,}", text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
        digits = len(found.group(0)) if found else 4300
        msg = f"an integer of {digits:,} digits"
        raise _caps.over_cap(
            msg, "MAX_INT_DIGITS", _caps.MAX_INT_DIGITS, file=str(path), row=line
        ) from None
    _caps.check_structure(doc, file=str(path))
    return doc


def _rebase_paths(d: dict[str, Any], from_dir: Path, to_dir: Path) -> dict[str, Any]:
    """Make relative file paths of an inherited file relative to the inheriting file."""
    if from_dir == to_dir:
        return d
    out = dict(d)

    def fix(p: Any) -> Any:
        if isinstance(p, str) and not Path(p).is_absolute() and (from_dir / p).exists():
            return str((from_dir / p).resolve())
        return p

    if "fleets" in out and isinstance(out["fleets"], list):
        out["fleets"] = [
            {k: (fix(v) if k in ("trips", "gtfs", "requests") else v) for k, v in f.items()}
            if isinstance(f, Mapping)
            else f
            for f in out["fleets"]
        ]
    if isinstance(out.get("stations"), str):
        out["stations"] = fix(out["stations"])
    if isinstance(out.get("network"), str):
        out["network"] = fix(out["network"])
    return out


def load_scenario_dict(path: str | Path, *, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario TOML file, following ``base = "other.toml"`` (deep merge).

    Values of the file override those of its base; tables merge key by key, lists
    (fleets, stations) are replaced whole. Relative paths in a base file are made
    absolute so they keep pointing at the same files.

    Parameters
    ----------
    path : str or Path
        The scenario file.

    Returns
    -------
    dict
        The merged dictionary (without ``base``).

    Raises
    ------
    InputError
        When a file is missing, not TOML, or the ``base`` chain loops.
    """
    p = Path(path).resolve()
    if p in _seen:
        msg = f"{p}: base files form a loop"
        raise InputError(msg, [Problem("base files form a loop", None, "base", str(p))])
    d = read_toml_file(p)
    base = d.pop("base", None)
    if base is None:
        return d
    if not isinstance(base, str):
        msg = f"{p}: base must be a file path"
        raise InputError(
            msg, [Problem(f"base must be a file path string, got {base!r}", None, "base", str(p))]
        )
    bp = (p.parent / base).resolve()
    parent = load_scenario_dict(bp, _seen=(*_seen, p))
    parent = _rebase_paths(parent, bp.parent, p.parent)
    return _deep_merge(parent, d)
