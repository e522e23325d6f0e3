"""Serve the app on a free loopback port and drive it with headless Debian Chromium.

Used by the browser tests (``tests/apps/``) and ``benchmarks/bench_app.py``. The server
listens on 127.0.0.1 only, with usage statistics off; the browser is the system
Chromium (never a downloaded one) with a fresh profile and no background networking.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"

#: Where the system Chromium is looked for, first hit wins.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

#: Chromium flags: headless, no sandbox (containers), nothing that phones home.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

#: Longest wait for the server to answer its health check [s].
SERVER_START_TIMEOUT_S = 60.0


def chromium_path() -> str | None:
    """Return the system Chromium executable, or None when it is not installed."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    return found


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running app server.

    Attributes
    ----------
    url : str
        Base URL (``http://127.0.0.1:<port>``).
    process : subprocess.Popen
        The ``streamlit run`` process.
    log_path : Path
        File holding the server's stdout and stderr.
    """

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Return the server log so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"the app server exited with code {process.returncode}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    msg = f"the app server did not answer within {timeout_s:.0f} s"
    raise TimeoutError(msg)


@contextlib.contextmanager
def serve(
    *,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    log_dir: Path | None = None,
) -> Iterator[Server]:
    """Start ``streamlit run apps/streamlit_app.py`` on a free loopback port; always stop it.

    Parameters
    ----------
    extra_args : tuple of str
        More ``streamlit run`` options (such as ``--server.maxUploadSize 1``).
    env : dict, optional
        Extra environment variables for the server.
    log_dir : Path, optional
        Folder of the server log; a temporary folder by default.

    Yields
    ------
    Server
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    folder = Path(log_dir or tempfile.mkdtemp(prefix="fleetopt-app-"))
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"server-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra_args,
    ]
    full_env = {**os.environ, **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=full_env
        )
    try:
        _wait_healthy(url, process, SERVER_START_TIMEOUT_S)
        yield Server(url=url, process=process, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def browser(*, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """Open headless system Chromium with a fresh profile; yield a Playwright browser context.

    Raises
    ------
    FileNotFoundError
        When Chromium is not installed (install Debian's ``chromium`` package).
    """
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        msg = "Chromium is not installed (apt-get install chromium)"
        raise FileNotFoundError(msg)
    with (
        sync_playwright() as pw,
        tempfile.TemporaryDirectory(prefix="fleetopt-chromium-") as profile,
    ):
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=exe,
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()


def wait_for_run(page: Any, *, timeout_s: float = 60.0, started_within_s: float = 1.0) -> None:
    """Wait until the app's script has run to the end after an interaction.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The browser page.
    timeout_s : float
        Longest wait for the run to finish [s].
    started_within_s : float
        How long to wait for the run to start before assuming it already ended [s].
    """
    app = '[data-testid="stApp"]'
    with contextlib.suppress(Exception):
        page.wait_for_selector(
            f'{app}[data-test-script-state="running"]', timeout=started_within_s * 1000
        )
    page.wait_for_selector(
        f'{app}[data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]',
        timeout=timeout_s * 1000,
    )
