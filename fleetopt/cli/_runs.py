"""Run ``fleetopt runs list`` and ``fleetopt runs show ID``: the stored runs under runs/.

Their options are in :mod:`fleetopt.cli._commands`; :func:`runs_list` and
:func:`runs_show` run them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from fleetopt.cli._common import run
from fleetopt.results.store import list_runs, load_run


def _render_list(rows: list[dict[str, Any]]) -> None:
    if not rows:
        typer.echo("no stored runs")
        return
    typer.echo(f"{'id':<44} {'command':<10} {'finished (UTC)':<26} files  scenario")
    for r in rows:
        typer.echo(
            f"{r['id']:<44} {r['command']!s:<10} {r['finished_utc']!s:<26} "
            f"{r['files']:>5}  {r['scenario'] or ''}"
        )


def runs_list(*, root: Path | None, as_json: bool) -> None:
    """List stored runs (``fleetopt runs list``)."""
    run(lambda: list_runs(root), as_json=as_json, render=_render_list)


def _render_show(meta: dict[str, Any]) -> None:
    typer.echo(
        f"run {meta['id']}  ({meta.get('command')}, fleetopt {meta.get('fleetopt_version')})"
    )
    typer.echo(
        f"  started  {meta.get('started_utc')}   finished {meta.get('finished_utc')}   "
        f"wall {meta.get('wall_s')} s"
    )
    scen = meta.get("scenario")
    if scen:
        typer.echo(f"  scenario {scen.get('name')}  sha256 {str(scen.get('sha256'))[:16]}")
    for i in meta.get("inputs", []):
        typer.echo(f"  input    {i.get('name')}  sha256 {str(i.get('sha256'))[:16]}")
    for f in meta.get("files", []):
        typer.echo(f"  file     {f['path']}  {f['bytes']:,} bytes")


def runs_show(*, run_id: str, root: Path | None, verify: bool, as_json: bool) -> None:
    """Show one stored run (``fleetopt runs show``)."""
    def go() -> dict[str, Any]:
        r = load_run(run_id, root, verify=verify)
        return {**r.meta, "id": r.id, "path": str(r.path)}

    run(go, as_json=as_json, render=_render_show)
