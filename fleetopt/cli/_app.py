"""The Typer applications every command module registers on: ``app`` and its sub-groups.

Kept apart from :mod:`fleetopt.cli` so that a command module imports the application it
registers on without importing the package that imports it (no cycle in the graph).
"""

from __future__ import annotations

import typer

from fleetopt import __version__

app = typer.Typer(
    name="fleetopt",
    help="Electrify Beijing's city fleets, site their stations, track the Carbon Peak Plan.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
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
