"""Give every CLI command the same output and exit-code rules (CONTRACT §2).

Exit 0 on success, 2 on bad input (located message on stderr, never a traceback),
1 on an internal error. With ``--json`` stdout carries the JSON document and nothing else.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

from fleetopt._json import dumps, to_jsonable
from fleetopt.errors import FleetoptError, InputError

logger = logging.getLogger("fleetopt.cli")

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2

__all__ = [
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "JsonOpt",
    "dumps",
    "err",
    "guarded",
    "print_json",
    "run",
    "to_jsonable",
]


def print_json(obj: Any) -> None:
    """Write the JSON document to stdout."""
    sys.stdout.write(dumps(obj) + "\n")
    sys.stdout.flush()


def err(text: str) -> None:
    """Write a line to stderr."""
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


@contextmanager
def guarded() -> Iterator[None]:
    """Map exceptions to CONTRACT exit codes; print messages, never tracebacks.

    Set ``FLEETOPT_DEBUG=1`` to see the traceback of an internal error.
    """
    try:
        yield
    except typer.Exit:
        raise
    except InputError as exc:
        err(f"error: {exc}")
        raise typer.Exit(EXIT_INPUT) from None
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        name = getattr(exc, "filename", None) or ""
        err(f"error: cannot read {name}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_INPUT) from None
    except FleetoptError as exc:
        err(f"error: {exc}")
        raise typer.Exit(EXIT_INTERNAL) from None
    except KeyboardInterrupt:
        err("interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:
        if os.environ.get("FLEETOPT_DEBUG"):
            raise
        err(f"internal error: {type(exc).__name__}: {exc} (set FLEETOPT_DEBUG=1 for details)")
        raise typer.Exit(EXIT_INTERNAL) from None


def run(fn: Callable[[], Any], *, as_json: bool, render: Callable[[Any], None]) -> None:
    """Run ``fn`` under :func:`guarded`; print its result as JSON or with ``render``."""
    with guarded():
        result = fn()
        if as_json:
            print_json(result)
        else:
            render(result)


JsonOpt = typer.Option(False, "--json", help="Print a machine-readable JSON result on stdout.")
