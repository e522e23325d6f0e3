"""Parse the ``fleetopt`` command line and hand each command to :mod:`fleetopt.api`.

Commands live one per module (``_demo``, ``_simulate``, ``_site``, …); each is a thin
call into the API plus rendering. Exit codes follow CONTRACT §2.

Each command imports :mod:`fleetopt.api` inside its function, not at module level: the
api imports every layer (OR-Tools, SimPy, pandas), and loading it for ``fleetopt --help``
took 7.5 s instead of about 1 s on the shared 2-core machine (measured 2026-12-06 with
``time python -m fleetopt --help``). These are the only function-local imports of
fleetopt's own modules outside optional dependencies; import-linter still sees them.
"""

from __future__ import annotations

import logging
import sys

import typer

from fleetopt import settings

app = typer.Typer(
    name="fleetopt",
    help="Electrify Beijing's city fleets, site their stations, track the Carbon Peak Plan.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from fleetopt import __version__

        typer.echo(f"fleetopt {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Electrify Beijing's city fleets, site their stations, track the Carbon Peak Plan."""


network_app = typer.Typer(help="Road networks: build a drive graph.", no_args_is_help=True)
app.add_typer(network_app, name="network")
runs_app = typer.Typer(help="Stored runs under runs/.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def _register() -> None:
    # Importing a command module registers its command on `app` (one module per command).
    import importlib

    for name in (
        "_demo",
        "_simulate",
        "_site",
        "_targets",
        "_validate",
        "_sweep",
        "_network",
        "_runs",
        "_plan",
    ):
        try:
            importlib.import_module(f"fleetopt.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"fleetopt.cli.{name}":
                raise


_register()


def main() -> None:
    """Run the CLI (console-script entry point)."""
    logging.basicConfig(
        level=getattr(logging, settings.LOG_LEVEL.upper(), logging.WARNING),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    app(standalone_mode=True)
