"""Parse the ``fleetopt`` command line and hand each command to :mod:`fleetopt.api`.

Commands live one per module (``_demo``, ``_simulate``, ``_site``, …); each is a thin
call into the API plus rendering, registered on the Typer application of
:mod:`fleetopt.cli._app` when its module is imported here. Exit codes follow CONTRACT §2.

Every import is at module level (issue 13). The command modules import :mod:`fleetopt.api`,
which loads every layer, so ``fleetopt --help`` and ``--version`` load it too: measured
2026-12-06 on the shared 2-core machine under load (``/usr/bin/time python -m fleetopt
--version``, 5 runs each), about 0.8-1.0 s CPU with the api imported lazily inside each
command and about 2.0-2.5 s with it at module level; every command that does work loads
the api either way.
"""

from __future__ import annotations

import logging
import sys

from fleetopt import settings
from fleetopt.cli._app import app, network_app, runs_app

# Importing a command module registers its command on ``app``: the order below is the order
# of ``fleetopt --help`` (kept out of import sorting).
# isort: off
from fleetopt.cli import _demo, _simulate, _site, _targets, _validate, _sweep, _network, _runs
from fleetopt.cli import _plan
# isort: on

__all__ = ["COMMAND_MODULES", "app", "main", "network_app", "runs_app"]

#: The command modules, in ``--help`` order; importing one registers its command on ``app``.
COMMAND_MODULES = (_demo, _simulate, _site, _targets, _validate, _sweep, _network, _runs, _plan)


def main() -> None:
    """Run the CLI (console-script entry point)."""
    logging.basicConfig(
        level=getattr(logging, settings.LOG_LEVEL.upper(), logging.WARNING),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    app(standalone_mode=True)
