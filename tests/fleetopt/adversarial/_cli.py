"""Run the real CLI in a child process with a CPU-time and memory budget (shared helper).

The budget of issue 17 (every rejected input answered in <= 10 s and <= 1 GB) is checked on
the CPU time the answer took (user + system, :data:`BUDGET_S`) and its peak resident memory
(:data:`BUDGET_BYTES`), never on wall-clock time: the machine is shared, and a wall-clock
assertion would fail under other people's load although the answer needed no more work.
Wall-clock time only guards against hangs (:data:`HANG_GUARD_S`, a generous child timeout).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from fleetopt.cli import app

REPO = Path(__file__).resolve().parents[3]
_RUNNER = CliRunner()

#: Budget of every rejected input (issue 17): answered within 10 s of CPU and 1 GB.
BUDGET_S = 10.0
BUDGET_BYTES = 1024**3

#: Wall-clock guard against hangs only (a blocked child uses no CPU): the child is killed
#: and the test fails after this long. Generous, so that load on the machine cannot trip it.
HANG_GUARD_S = 120.0


@dataclass
class Outcome:
    """What one CLI run did."""

    code: int
    stdout: str
    stderr: str
    wall_s: float
    max_rss_bytes: int  # the child's peak RSS (0 for in-process runs: not measurable there)
    cpu_s: float = 0.0  # user + system CPU time of the child (or of this process in-process)


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (6 * BUDGET_BYTES, 6 * BUDGET_BYTES))


def _log(out: Outcome, args: tuple[str, ...]) -> Outcome:
    """Append the run to ``$FLEETOPT_ADVERSARIAL_LOG`` (JSON lines) when set: the corpus's
    slowest and largest answers are then measured, not guessed (``make``-free:
    ``FLEETOPT_ADVERSARIAL_LOG=/tmp/a.jsonl pytest tests/fleetopt/adversarial``)."""
    path = os.environ.get("FLEETOPT_ADVERSARIAL_LOG")
    if path:
        rec = {
            "test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
            "args": [a if len(a) < 80 else a[:77] + "..." for a in args],
            "code": out.code,
            "wall_s": round(out.wall_s, 3),
            "cpu_s": round(out.cpu_s, 3),
            "max_rss_mb": round(out.max_rss_bytes / 2**20, 1),
        }
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
    return out


def fleetopt(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout_s: float = HANG_GUARD_S,
    isolated: bool = False,
) -> Outcome:
    """Run the CLI: in this process (fast), or as ``python -m fleetopt ARGS`` when
    ``isolated`` or ``env`` is given (caps are read from the environment at import; a
    child process also bounds memory, reports its CPU time and peak RSS, and is killed
    after ``timeout_s`` of wall-clock time: a hang guard, not the budget).

    Raises
    ------
    AssertionError
        If the child has not answered within ``timeout_s`` (a hang).
    """
    if not isolated and env is None and cwd is None:
        t0 = time.perf_counter()
        c0 = time.process_time()
        res = _RUNNER.invoke(app, list(args))
        cpu_s = time.process_time() - c0
        return _log(
            Outcome(res.exit_code, res.stdout, res.stderr, time.perf_counter() - t0, 0, cpu_s),
            args,
        )
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _BOOT, str(rss_file), *args],
                capture_output=True,
                text=True,
                cwd=cwd,
                env=full_env,
                timeout=timeout_s,
                preexec_fn=_limit_memory,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            msg = f"hang: `fleetopt {' '.join(args)[:200]}` gave no answer within {timeout_s:g} s"
            raise AssertionError(msg) from exc
        wall_s = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        # the child's own peak RSS [KiB -> bytes], written at its exit
        rss = int(rss_file.read_text()) * 1024 if rss_file.is_file() else 0
    return _log(Outcome(proc.returncode, proc.stdout, proc.stderr, wall_s, rss, cpu_s), args)


# run ``python -m fleetopt ARGS`` and record this process's own peak RSS at exit
_BOOT = (
    "import atexit, resource, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "atexit.register(lambda: open(out, 'w').write("
    "str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))\n"
    "sys.argv[0] = 'fleetopt'\n"
    "runpy.run_module('fleetopt', run_name='__main__', alter_sys=True)\n"
)


def assert_within_budget(out: Outcome) -> None:
    """The answer took <= 10 s of CPU time and <= 1 GB peak RSS (issue 17's budget)."""
    over = f"{out.cpu_s:.2f} s CPU > {BUDGET_S:g} s (wall {out.wall_s:.2f} s)"
    assert out.cpu_s <= BUDGET_S, over
    assert out.max_rss_bytes <= BUDGET_BYTES, f"{out.max_rss_bytes / 2**20:.0f} MiB > 1 GiB"


def assert_rejected(out: Outcome, *needles: str) -> None:
    """Exit 2, no traceback, within budget (:func:`assert_within_budget`), every needle in
    stderr."""
    assert out.code == 2, (out.code, out.stderr[-2000:])
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert_within_budget(out)
    for needle in needles:
        assert needle in out.stderr, (needle, out.stderr[-2000:])
