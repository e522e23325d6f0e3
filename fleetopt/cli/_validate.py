"""Run ``fleetopt validate FILE``: check an upload and list every problem at once.

Exit 0 when the file is valid, 2 when it is not (CONTRACT §2); with ``--json`` the
``{"valid", "errors", "warnings"}`` document is the only thing on stdout. Its options are
in :mod:`fleetopt.cli._commands`; :func:`validate` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from fleetopt import api
from fleetopt.cli._common import EXIT_INPUT, err, guarded, print_json


def _where(file: str, p: dict[str, Any]) -> str:
    """Locate a problem: its file, then row and column (or the dotted key).

    The file is the one the problem is in: a ``base =`` file (not the top file) when the key
    comes from there, a trips or GTFS file the scenario names.
    """
    parts = [str(p.get("file") or file)]
    if p.get("row") is not None:
        parts.append(f"row {p['row']}")
    if p.get("column"):
        parts.append(f"column {p['column']!r}")
    return ", ".join(parts)


def render(file: str, doc: dict[str, Any]) -> None:
    """Write the located problems of a ``validate`` document for a person to read."""
    for p in doc["errors"]:
        err(f"error: {_where(file, p)}: {p['message']}")
    for p in doc["warnings"]:
        err(f"warning: {_where(file, p)}: {p['message']}")
    n_err, n_warn = len(doc["errors"]), len(doc["warnings"])
    if doc["valid"]:
        typer.echo(f"{file}: valid ({n_warn} warning{'s' if n_warn != 1 else ''})")
    else:
        err(
            f"{file}: NOT valid: {n_err} error{'s' if n_err != 1 else ''}, "
            f"{n_warn} warning{'s' if n_warn != 1 else ''}"
        )


def validate(*, file: Path, kind: str | None, as_json: bool) -> None:
    """Check an input file; exit 2 when it is not valid (``fleetopt validate``)."""
    with guarded():
        doc = api.validate(file, kind=kind, with_file=not as_json)
        if as_json:
            print_json(doc)
        else:
            render(str(file), doc)
    if not doc["valid"]:
        raise typer.Exit(EXIT_INPUT)
