"""Parse the ``fleetopt`` command line and run the chosen command (CONTRACT §2 exit codes).

:mod:`fleetopt.cli._commands` holds the command table (command → module, function,
summary; pip's pattern) and every command's options; the module that runs a command is
imported only when that command is chosen (:func:`~fleetopt.cli._commands.dispatch`). So
``fleetopt --version`` and ``--help`` import Typer and the table only, and
``site --orlib-pmed`` the p-median solver only, not the api. Measured on the shared 2-core
machine, 2026-12-06 (``/usr/bin/time -f "%e %U %S %M" python -m fleetopt --version``):
2.1 s wall, 2.1 s user, 189 MB when every command module imported the api; 0.1 s user,
17 MB with the table (docs/INTERFACES.md, CLI).
"""

from __future__ import annotations

import logging
import sys

from fleetopt import settings
from fleetopt.cli._app import app, network_app, runs_app
from fleetopt.cli._commands import COMMANDS, dispatch

__all__ = ["COMMANDS", "app", "dispatch", "main", "network_app", "runs_app"]


def main() -> None:
    """Run the CLI (console-script entry point)."""
    logging.basicConfig(
        level=getattr(logging, settings.LOG_LEVEL.upper(), logging.WARNING),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    app(standalone_mode=True)
