"""Run ``fleetopt site``: station siting on a scenario, OR-Library file or problem JSON.

Its options are in :mod:`fleetopt.cli._commands`; the flag checks and the rendering in
:mod:`fleetopt.cli._site_common`; the work is :func:`fleetopt.api.site`. (A p-median
OR-Library file without ``--out`` runs in :mod:`fleetopt.cli._site_pmed` instead.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fleetopt import api
from fleetopt.cli._common import err, run
from fleetopt.cli._site_common import check_site_flags, render
from fleetopt.results.export import escape_csv_tree

__all__ = ["check_site_flags", "site"]


def site(*, scenario: Path | None, orlib_pmed: Path | None, p: int | None,
         orlib_cap: Path | None, uncapacitated: bool, capacity: float | None,
         problem: Path | None, model: str | None, time_limit: float | None, assignments: bool,
         out: Path | None, solver: str, verify: bool, as_json: bool) -> None:
    """Site stations and print the answer (``fleetopt site``)."""
    def go() -> dict[str, Any]:
        check_site_flags(scenario=scenario, orlib_pmed=orlib_pmed, p=p, orlib_cap=orlib_cap,
                         uncapacitated=uncapacitated, capacity=capacity, problem=problem,
                         model=model, time_limit=time_limit, solver=solver, verify=verify)
        out_doc = api.site(scenario=scenario, orlib_pmed=orlib_pmed, p=p, orlib_cap=orlib_cap,
                           uncapacitated=uncapacitated, capacity=capacity, problem=problem,
                           model=model, time_limit=time_limit, assignments=assignments,
                           out_dir=out, solver=solver, with_size_line=True,
                           verify=verify)
        if out is not None:
            escape_csv_tree(out)  # the same escaping as every CSV fleetopt writes
        size = out_doc.pop("_model_size_line", None)
        if size:
            err(size)
        return out_doc

    orlib = orlib_pmed is not None or orlib_cap is not None
    unit = "file units" if orlib else None  # OR-Library objectives are in the file's units
    run(go, as_json=as_json, render=lambda s: render(s, unit=unit))
