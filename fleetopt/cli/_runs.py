"""Register ``fleetopt runs list`` and ``fleetopt runs show ID``: the stored runs under runs/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from fleetopt.cli._app import runs_app
from fleetopt.cli._common import JsonOpt, run
from fleetopt.results.store import list_runs, load_run

RootOpt = typer.Option(
    None, "--root", help="Runs folder (default: settings.RUNS_DIR, FLEETOPT_RUNS_DIR)."
)


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


@runs_app.command("list")
def runs_list(root: Path | None = RootOpt, as_json: bool = JsonOpt) -> None:
    """List stored runs in the order they started (the newest last)."""
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


@runs_app.command("show")
def runs_show(
    run_id: str = typer.Argument(..., help="Run id as printed by 'fleetopt runs list'."),
    root: Path | None = RootOpt,
    verify: bool = typer.Option(
        False, "--verify", help="Check every file against its stored SHA-256."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Show one stored run: scenario, input hashes, version, result files."""
    def go() -> dict[str, Any]:
        r = load_run(run_id, root, verify=verify)
        return {**r.meta, "id": r.id, "path": str(r.path)}

    run(go, as_json=as_json, render=_render_show)
