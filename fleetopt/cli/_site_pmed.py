"""Run ``fleetopt site --orlib-pmed FILE`` (p-median, no ``--out``) without the api.

The same flag checks, document and rendering as :mod:`fleetopt.cli._site`
(:func:`~fleetopt.cli._site_common.check_site_flags`,
:func:`~fleetopt.siting.pmedian_orlib.pmed_document`, the stderr size line), but only the
p-median solver's imports: numpy, SciPy's shortest paths, OR-Tools; not pandas, the road
graph nor the simulation (issue 16). :func:`fleetopt.cli._commands.site` chooses this path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fleetopt.cli._common import err, run
from fleetopt.cli._site_common import check_site_flags, render
from fleetopt.errors import InputError, Problem
from fleetopt.siting.pmedian_orlib import pmed_document, solve_pmed_file
from fleetopt.siting.summary import size_line

__all__ = ["site_pmed"]


def site_pmed(*, scenario: Path | None, orlib_pmed: Path | None, p: int | None,
              orlib_cap: Path | None, uncapacitated: bool, capacity: float | None,
              problem: Path | None, model: str | None, time_limit: float | None,
              assignments: bool, out: Path | None, solver: str, verify: bool,
              as_json: bool) -> None:
    """Solve a p-median OR-Library file and print the answer (``fleetopt site --orlib-pmed``)."""
    def go() -> dict[str, Any]:
        check_site_flags(scenario=scenario, orlib_pmed=orlib_pmed, p=p, orlib_cap=orlib_cap,
                         uncapacitated=uncapacitated, capacity=capacity, problem=problem,
                         model=model, time_limit=time_limit, solver=solver, verify=verify)
        if orlib_pmed is None or out is not None or model not in (None, "p-median"):
            msg = "internal: site_pmed runs a p-median OR-Library file without --out only"
            raise ValueError(msg)
        if not orlib_pmed.is_file():  # as api.site: the same message and exit 2
            msg = f"{orlib_pmed}: no such file"
            raise InputError(msg, [Problem("no such file", file=str(orlib_pmed))])
        res = solve_pmed_file(orlib_pmed, p=p, time_limit_s=time_limit, solver=solver)
        err(size_line(res.answer.model_size))
        return pmed_document(res, assignments=assignments)

    run(go, as_json=as_json, render=lambda s: render(s, unit="file units"))
