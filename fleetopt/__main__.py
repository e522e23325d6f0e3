"""Run the CLI as ``python -m fleetopt``."""

from fleetopt.cli import main

main()
